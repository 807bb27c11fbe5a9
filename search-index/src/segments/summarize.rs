//! [`summarize`]: the segments of one scope, with the privacy floor, labels, aspirations,
//! scores, gaps and recommendations.

use std::collections::{BTreeMap, HashMap};

use super::features::strengths;
use super::model::{SegmentCourse, SegmentLearner, SegmentModel, SegmentOccupation};
use super::recommend::Courses;
use super::segment::{
    AspirationCount, RecommendBy, Segment, SegmentGap, Segmentation, SkillLift, SummaryOptions,
};
use crate::scoring::{
    Evidence, Requirement, contribution, score_unchecked, total_weight, validate_requirements,
};
use crate::taxonomy::{SkillId, Taxonomy};

/// A skill must be held by at least this share of a segment to count as distinctive (and
/// to appear in its label), so that a rare skill held by two members does not win on lift.
pub const LABEL_MIN_SHARE: f64 = 0.2;
/// Skills named in a label.
pub const LABEL_SKILLS: usize = 3;
/// Label of the bucket of small clusters.
pub const MERGED_LABEL: &str = "Other learners";
/// Label of a segment whose members hold no known skill.
pub const NO_SKILLS_LABEL: &str = "Learners without evidenced skills";

/// Running totals of one shown segment.
struct Acc {
    key: u32,
    merged: bool,
    size: usize,
    reach: usize,
    /// Dense skill -> members holding it.
    holders: Vec<u32>,
    aspirations: BTreeMap<i64, usize>,
    score_sum: f64,
    pairs: usize,
    /// (skill, level) -> (members with the gap, gap mass).
    gaps: HashMap<(SkillId, u8), (usize, f64)>,
}

/// An occupation ready to score: requirements and their total weight.
struct Target<'a> {
    reqs: &'a [Requirement],
    total: f64,
}

/// Summarises the learners for which `in_scope(id)` holds, by the clusters of `model`
/// (see the [module docs](super) for every figure, the privacy floor and the greedy
/// recommendations). Learners the model does not know are only counted in
/// [`Segmentation::unassigned_in_scope`]; learner ids must be unique (as `fit` requires;
/// of duplicates only the first in id order is counted). Occupations with invalid
/// requirements and learners with invalid evidence levels are left out of the scores and
/// gaps (`fit` rejects both). Linear in learners: each member is scored once against
/// each of its aspirations.
pub fn summarize(
    model: &SegmentModel,
    tax: &Taxonomy,
    learners: &[SegmentLearner],
    in_scope: &dyn Fn(i64) -> bool,
    occupations: &[SegmentOccupation],
    courses: &[SegmentCourse],
    opts: &SummaryOptions,
) -> Segmentation {
    let k = model.k;
    let min_cohort = opts.min_cohort.max(1);
    // In-scope members in id order, with their cluster.
    let mut order: Vec<usize> = (0..learners.len()).collect();
    order.sort_by_key(|&p| (learners[p].id, p));
    order.dedup_by_key(|p| learners[*p].id);
    let mut unassigned = 0;
    let mut members: Vec<(usize, usize)> = Vec::new();
    for &p in &order {
        if !in_scope(learners[p].id) {
            continue;
        }
        match model.cluster_of(learners[p].id) {
            Some(c) if (c as usize) < k => members.push((p, c as usize)),
            _ => unassigned += 1,
        }
    }
    // Clusters -> shown groups: big clusters alone, small ones into one bucket.
    let mut size = vec![0usize; k];
    for &(_, c) in &members {
        size[c] += 1;
    }
    let small: Vec<usize> = (0..k)
        .filter(|&c| size[c] > 0 && size[c] < min_cohort)
        .collect();
    let bucket: usize = small.iter().map(|&c| size[c]).sum();
    let show_bucket = bucket >= min_cohort;
    let mut group_of = vec![None; k];
    let mut accs: Vec<Acc> = Vec::new();
    let new_acc = |key: u32, merged: bool| Acc {
        key,
        merged,
        size: 0,
        reach: 0,
        holders: vec![0; tax.len()],
        aspirations: BTreeMap::new(),
        score_sum: 0.0,
        pairs: 0,
        gaps: HashMap::new(),
    };
    for c in (0..k).filter(|&c| size[c] >= min_cohort) {
        group_of[c] = Some(accs.len());
        accs.push(new_acc(c as u32, false));
    }
    if show_bucket {
        for &c in &small {
            group_of[c] = Some(accs.len());
        }
        accs.push(new_acc(k as u32, true));
    }
    let suppressed_segments = if show_bucket { 0 } else { small.len() };

    let mut targets: HashMap<i64, Target<'_>> = HashMap::new();
    for o in occupations {
        if validate_requirements(&o.requirements).is_ok() {
            targets.entry(o.id).or_insert(Target {
                reqs: &o.requirements,
                total: total_weight(&o.requirements),
            });
        }
    }

    let mut population = vec![0u32; tax.len()];
    let mut scratch = Vec::new();
    let mut aspirations = Vec::new();
    let mut local: Vec<((SkillId, u8), f64)> = Vec::new();
    for &(p, c) in &members {
        let l = &learners[p];
        strengths(tax, l, &mut scratch);
        for &(d, _) in &scratch {
            population[d as usize] += 1;
        }
        let Some(g) = group_of[c] else {
            continue;
        };
        let acc = &mut accs[g];
        acc.size += 1;
        acc.reach += usize::from(l.contact_opt_in);
        for &(d, _) in &scratch {
            acc.holders[d as usize] += 1;
        }
        aspirations.clear();
        aspirations.extend(l.aspirations.iter().copied());
        aspirations.sort_unstable();
        aspirations.dedup();
        for &o in &aspirations {
            *acc.aspirations.entry(o).or_default() += 1;
        }
        if !l.evidence.iter().all(|e| Evidence::validate(e).is_ok()) {
            continue;
        }
        local.clear();
        for o in &aspirations {
            let Some(t) = targets.get(o) else {
                continue;
            };
            let x = score_unchecked(tax, t.reqs, &l.evidence);
            acc.score_sum += x.score;
            acc.pairs += 1;
            for gap in x.gaps() {
                let r = gap.requirement;
                let mass = contribution(r.weight, 1.0 - gap.credit, t.total);
                local.push(((r.skill, r.min_level), mass));
            }
        }
        // One member counts once per (skill, level), whatever the number of aspirations.
        local.sort_by_key(|&(key, _)| key);
        for chunk in local.chunk_by(|a, b| a.0 == b.0) {
            let entry = acc.gaps.entry(chunk[0].0).or_default();
            entry.0 += 1;
            for &(_, m) in chunk {
                entry.1 += m;
            }
        }
    }

    let in_scope_n = members.len();
    let course_index = Courses::new(courses, &opts.recommend_by);
    let segments = accs
        .into_iter()
        .map(|acc| finish(acc, tax, &population, in_scope_n, &course_index, opts))
        .collect();
    let by = match &opts.recommend_by {
        RecommendBy::Hours => "per learning hour".to_string(),
        RecommendBy::Cost { currency } => format!("per cent of cost, {currency} courses only"),
    };
    let method = format!(
        "{}. Summaries over {in_scope_n} in-scope learners; clusters with fewer than {min_cohort} of them merged into \"{MERGED_LABEL}\", which is itself suppressed when still smaller; labels from the skills with the highest lift held by at least {share}% of a segment; gaps of each member against each aspired occupation (MATCHING.md); up to {max} courses chosen greedily by weighted gap mass closed {by}.",
        model.method,
        share = LABEL_MIN_SHARE * 100.0,
        max = opts.max_recommendations,
    );
    Segmentation {
        k,
        silhouette: model.silhouette,
        segments,
        learners_in_scope: in_scope_n,
        suppressed_segments,
        unassigned_in_scope: unassigned,
        method,
    }
}

/// Turns one group's totals into its [`Segment`].
fn finish(
    acc: Acc,
    tax: &Taxonomy,
    population: &[u32],
    in_scope: usize,
    courses: &Courses,
    opts: &SummaryOptions,
) -> Segment {
    let size = acc.size as f64;
    let mut lifts: Vec<SkillLift> = (0..tax.len())
        .filter(|&d| acc.holders[d] > 0)
        .map(|d| {
            let share = f64::from(acc.holders[d]) / size;
            let population_share = f64::from(population[d]) / in_scope as f64;
            SkillLift {
                skill: tax.id_of(d as u32),
                share,
                population_share,
                lift: share / population_share,
            }
        })
        .collect();
    // Most common first (for the fallback label), then the distinctive ones.
    lifts.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.skill.cmp(&b.skill)));
    let common: Vec<SkillId> = lifts.iter().take(LABEL_SKILLS).map(|s| s.skill).collect();
    let mut distinctive: Vec<SkillLift> = lifts
        .into_iter()
        .filter(|s| s.share >= LABEL_MIN_SHARE)
        .collect();
    distinctive.sort_by(|a, b| {
        b.lift
            .total_cmp(&a.lift)
            .then(b.share.total_cmp(&a.share))
            .then(a.skill.cmp(&b.skill))
    });
    let name = |s: SkillId| tax.get(s).map_or_else(|| s.to_string(), |d| d.name.clone());
    let label = if acc.merged {
        MERGED_LABEL.to_string()
    } else if !distinctive.is_empty() {
        let names: Vec<String> = distinctive
            .iter()
            .take(LABEL_SKILLS)
            .map(|s| name(s.skill))
            .collect();
        names.join(", ")
    } else if !common.is_empty() {
        common.into_iter().map(name).collect::<Vec<_>>().join(", ")
    } else {
        NO_SKILLS_LABEL.to_string()
    };
    distinctive.truncate(opts.top_n);

    let mut top_aspirations: Vec<AspirationCount> = acc
        .aspirations
        .iter()
        .map(|(&occupation_id, &learners)| AspirationCount {
            occupation_id,
            learners,
            share: learners as f64 / size,
        })
        .collect();
    top_aspirations.sort_by(|a, b| {
        b.learners
            .cmp(&a.learners)
            .then(a.occupation_id.cmp(&b.occupation_id))
    });
    top_aspirations.truncate(opts.top_n);

    let mut all_gaps: Vec<SegmentGap> = acc
        .gaps
        .into_iter()
        .map(|((skill, min_level), (learners, gap_mass))| SegmentGap {
            skill,
            min_level,
            learners,
            gap_mass,
        })
        .collect();
    all_gaps.sort_by(|a, b| {
        b.gap_mass
            .total_cmp(&a.gap_mass)
            .then(a.skill.cmp(&b.skill))
            .then(a.min_level.cmp(&b.min_level))
    });
    let recommended = courses.recommend(tax, &all_gaps, opts.max_recommendations);
    Segment {
        key: acc.key,
        size: acc.size,
        merged: acc.merged,
        label,
        distinctive_skills: distinctive,
        top_aspirations,
        avg_match_score: (acc.pairs > 0).then(|| acc.score_sum / acc.pairs as f64),
        common_gaps: all_gaps.iter().take(opts.top_n).copied().collect(),
        all_gaps,
        recommended,
        reach: acc.reach,
    }
}
