//! Skill supply against demand, and what an institution could teach next. Pure functions
//! of an [`InsightsData`] read; definitions (they are product numbers):
//!
//! - **Demand** for a skill: the OPEN jobs with a requirement on it (`demand_jobs`), of
//!   which must-haves (`must_have_jobs`), by required level (`demand_by_level`), and
//!   weighted: each job counts the share of its score the skill carries, w / Σw
//!   (`demand_weight`), so a job asking for 10 skills does not weigh 10 times one asking
//!   for one.
//! - **Supply**: learners who hold the skill itself with current evidence (a credential
//!   not revoked and not expired, or a self-assertion), each counted once, at the
//!   highest level they hold (`supply_by_level`) and under their strongest evidence
//!   (`supply_by_evidence`: verified, then unverified, then self-asserted). Related
//!   skills (a parent or child) are not supply: supply answers "who has this skill".
//! - **Ratio**: supply learners per demanding job (none without demand).
//! - **Filters**: `location` (case-insensitive, trimmed, exact) applies to jobs and
//!   learners; `remote` to jobs; `category` (a skill area such as `data-ai`) to skills;
//!   `period_days` keeps jobs posted in the last N days. Every learner is counted in
//!   supply whatever their visibility: these are aggregates, never identities.
//! - **Trend** (with a period only): jobs posted in the period that require the skill,
//!   open or not now (`posted_jobs`), against the same count for the period before it
//!   (`previous_posted_jobs`); `trend` = (posted - previous) / previous.
//! - **Unmet demand** (teaching opportunities): Σ over open jobs requiring the skill of
//!   (w / Σw) × (1 - the share of all learners who hold the skill at the job's required
//!   level or above). The weighted demand the current learners could not meet.
//! - **Learners touched**: learners who aspire to an occupation requiring the skill and
//!   do not hold it at that occupation's level (the skill is a gap for them).
//!
//! "Now" is the moment the data was read, so figures are consistent with `computedAt`.

use std::collections::{BTreeMap, HashMap};

use chrono::Duration;
use search_index::{EvidenceKind, Relation, SkillId, Taxonomy};

use super::data::{InsightsData, fold_location};

/// Filters for [`supply_demand`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SupplyDemandFilter {
    /// Only jobs and learners at this location (folded).
    pub location: Option<String>,
    /// Only remote (true) or only non-remote (false) jobs.
    pub remote: Option<bool>,
    /// Only skills in this area (e.g. `data-ai`).
    pub category: Option<String>,
    /// Only jobs posted in the last N days (1..=3650); enables the trend.
    pub period_days: Option<u32>,
    /// Only these skills.
    pub skills: Option<Vec<SkillId>>,
}

/// Supply and demand of one skill (see the module docs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SkillSupplyDemand {
    /// The skill.
    pub skill: SkillId,
    /// Open jobs requiring it.
    pub demand_jobs: u64,
    /// Of which as a must-have.
    pub must_have_jobs: u64,
    /// Σ w / Σw over those jobs.
    pub demand_weight: f64,
    /// Open jobs by required level 1..=5.
    pub demand_by_level: [u64; 5],
    /// Learners holding it.
    pub supply_learners: u64,
    /// Learners by highest level held, 1..=5.
    pub supply_by_level: [u64; 5],
    /// Learners by strongest evidence: verified, unverified, self-asserted.
    pub supply_by_evidence: [u64; 3],
    /// Jobs posted in the period requiring it (with a period).
    pub posted_jobs: Option<u64>,
    /// The same for the period before.
    pub previous_posted_jobs: Option<u64>,
}

impl SkillSupplyDemand {
    /// Supply learners per demanding job; none without demand.
    pub fn ratio(&self) -> Option<f64> {
        (self.demand_jobs > 0).then(|| self.supply_learners as f64 / self.demand_jobs as f64)
    }

    /// Relative change of postings against the previous period; none without a period
    /// or when the previous period had none.
    pub fn trend(&self) -> Option<f64> {
        match (self.posted_jobs, self.previous_posted_jobs) {
            (Some(now), Some(before)) if before > 0 => {
                Some((now as f64 - before as f64) / before as f64)
            }
            _ => None,
        }
    }
}

/// Normalises a filter's free text (location folded; category trimmed, lower case).
pub fn normalise(mut f: SupplyDemandFilter) -> SupplyDemandFilter {
    f.location = fold_location(f.location.as_deref());
    f.category = f
        .category
        .map(|c| c.trim().to_lowercase())
        .filter(|c| !c.is_empty());
    f
}

fn skill_selected(tax: &Taxonomy, f: &SupplyDemandFilter, skill: SkillId) -> bool {
    if let Some(only) = &f.skills
        && !only.contains(&skill)
    {
        return false;
    }
    match &f.category {
        Some(c) => tax
            .get(skill)
            .is_some_and(|d| d.category.eq_ignore_ascii_case(c)),
        None => true,
    }
}

fn kind_index(k: EvidenceKind) -> usize {
    match k {
        EvidenceKind::VerifiedCredential => 0,
        EvidenceKind::UnverifiedCredential => 1,
        EvidenceKind::SelfAsserted => 2,
    }
}

/// Supply and demand per skill (only skills with some demand or supply), ordered by
/// weighted demand, then demanding jobs, then supply (all descending), then skill id.
pub fn supply_demand(
    data: &InsightsData,
    tax: &Taxonomy,
    filter: &SupplyDemandFilter,
) -> Vec<SkillSupplyDemand> {
    let f = normalise(filter.clone());
    let now = data.loaded_at;
    let period = f.period_days.map(|d| Duration::days(i64::from(d)));
    let mut out: BTreeMap<SkillId, SkillSupplyDemand> = BTreeMap::new();
    fn entry(
        out: &mut BTreeMap<SkillId, SkillSupplyDemand>,
        s: SkillId,
        with_period: bool,
    ) -> &mut SkillSupplyDemand {
        out.entry(s).or_insert_with(|| SkillSupplyDemand {
            skill: s,
            posted_jobs: with_period.then_some(0),
            previous_posted_jobs: with_period.then_some(0),
            ..SkillSupplyDemand::default()
        })
    }
    let wp = period.is_some();
    for j in &data.jobs {
        if f.location.is_some() && j.location != f.location {
            continue;
        }
        if f.remote.is_some_and(|r| r != j.remote) {
            continue;
        }
        let total: f64 = j.requirements.iter().map(|r| r.weight).sum();
        let in_period = period.is_none_or(|p| j.posted_at > now - p && j.posted_at <= now);
        let in_previous =
            period.is_some_and(|p| j.posted_at > now - p - p && j.posted_at <= now - p);
        for r in &j.requirements {
            if !skill_selected(tax, &f, r.skill) {
                continue;
            }
            if j.open && in_period {
                let e = entry(&mut out, r.skill, wp);
                e.demand_jobs += 1;
                e.must_have_jobs += u64::from(r.required);
                if total > 0.0 {
                    e.demand_weight += r.weight / total;
                }
                if let Some(c) = e.demand_by_level.get_mut(usize::from(r.min_level) - 1) {
                    *c += 1;
                }
            }
            if period.is_some() && (in_period || in_previous) {
                let e = entry(&mut out, r.skill, wp);
                if in_period {
                    *e.posted_jobs.get_or_insert(0) += 1;
                } else {
                    *e.previous_posted_jobs.get_or_insert(0) += 1;
                }
            }
        }
    }
    for l in &data.learners {
        if f.location.is_some() && l.location != f.location {
            continue;
        }
        for &(skill, level, kind) in &l.held {
            if !skill_selected(tax, &f, skill) {
                continue;
            }
            let e = entry(&mut out, skill, wp);
            e.supply_learners += 1;
            if let Some(c) = e.supply_by_level.get_mut(usize::from(level) - 1) {
                *c += 1;
            }
            e.supply_by_evidence[kind_index(kind)] += 1;
        }
    }
    let mut v: Vec<SkillSupplyDemand> = out
        .into_values()
        .filter(|e| e.demand_jobs > 0 || e.supply_learners > 0)
        .collect();
    v.sort_by(|a, b| {
        b.demand_weight
            .total_cmp(&a.demand_weight)
            .then(b.demand_jobs.cmp(&a.demand_jobs))
            .then(b.supply_learners.cmp(&a.supply_learners))
            .then(a.skill.cmp(&b.skill))
    });
    v
}

/// A skill an institution could teach next (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct TeachingOpportunity {
    /// The skill.
    pub skill: SkillId,
    /// Weighted demand the current learners could not meet.
    pub unmet_demand: f64,
    /// Open jobs requiring it.
    pub demand_jobs: u64,
    /// Learners holding it.
    pub supply_learners: u64,
    /// Learners for whom it is a gap against an occupation they aspire to.
    pub learners_touched: u64,
}

/// Whether a course teaching `taught` teaches `skill` (the skill itself or a
/// descendant, as when a course closes a gap).
pub fn teaches(tax: &Taxonomy, taught: SkillId, skill: SkillId) -> bool {
    matches!(
        tax.relation(taught, skill),
        Some(Relation::Same | Relation::Descendant)
    )
}

/// Skills with the highest unmet demand that none of `institution`'s active
/// microcredentials teaches, best first (ties by skill id); skills with no unmet demand
/// are left out.
pub fn teaching_opportunities(
    data: &InsightsData,
    tax: &Taxonomy,
    institution: i64,
    limit: usize,
) -> Vec<TeachingOpportunity> {
    let taught: Vec<SkillId> = data
        .courses
        .iter()
        .filter(|c| c.course.provider_id == institution)
        .flat_map(|c| c.course.teaches.iter().map(|&(s, _)| s))
        .collect();
    // Learners holding each skill at each level or above: at_least[s][l-1].
    let mut at_least: HashMap<SkillId, [u64; 5]> = HashMap::new();
    let mut held_level: HashMap<(i64, SkillId), u8> = HashMap::new();
    for l in &data.learners {
        for &(s, level, _) in &l.held {
            let c = at_least.entry(s).or_default();
            for slot in c.iter_mut().take(usize::from(level)) {
                *slot += 1;
            }
            if !l.learner.aspirations.is_empty() {
                held_level.insert((l.learner.id, s), level);
            }
        }
    }
    let n = data.learners.len() as f64;
    let share = |s: SkillId, level: u8| -> f64 {
        if n == 0.0 {
            return 0.0;
        }
        let c = at_least.get(&s).map_or(0, |c| c[usize::from(level) - 1]);
        c as f64 / n
    };
    let mut unmet: BTreeMap<SkillId, (f64, u64)> = BTreeMap::new();
    for j in data.jobs.iter().filter(|j| j.open) {
        let total: f64 = j.requirements.iter().map(|r| r.weight).sum();
        if total <= 0.0 {
            continue;
        }
        for r in &j.requirements {
            let e = unmet.entry(r.skill).or_default();
            e.0 += r.weight / total * (1.0 - share(r.skill, r.min_level));
            e.1 += 1;
        }
    }
    let occupations: HashMap<i64, &Vec<search_index::Requirement>> = data
        .occupations
        .iter()
        .map(|o| (o.id, &o.requirements))
        .collect();
    let mut touched: BTreeMap<SkillId, u64> = BTreeMap::new();
    for l in &data.learners {
        let mut gaps: BTreeMap<SkillId, ()> = BTreeMap::new();
        for o in &l.learner.aspirations {
            for r in occupations.get(o).map(|v| v.as_slice()).unwrap_or_default() {
                let held = held_level
                    .get(&(l.learner.id, r.skill))
                    .copied()
                    .unwrap_or(0);
                if held < r.min_level {
                    gaps.insert(r.skill, ());
                }
            }
        }
        for s in gaps.into_keys() {
            *touched.entry(s).or_default() += 1;
        }
    }
    let mut v: Vec<TeachingOpportunity> = unmet
        .into_iter()
        .filter(|&(s, (u, _))| u > 0.0 && !taught.iter().any(|&t| teaches(tax, t, s)))
        .map(|(s, (u, jobs))| TeachingOpportunity {
            skill: s,
            unmet_demand: u,
            demand_jobs: jobs,
            supply_learners: at_least.get(&s).map_or(0, |c| c[0]),
            learners_touched: touched.get(&s).copied().unwrap_or(0),
        })
        .collect();
    v.sort_by(|a, b| {
        b.unmet_demand
            .total_cmp(&a.unmet_demand)
            .then(a.skill.cmp(&b.skill))
    });
    v.truncate(limit);
    v
}
