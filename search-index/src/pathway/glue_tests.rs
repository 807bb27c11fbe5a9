//! Tests of gap analysis, planning, unlocks and closest jobs against the scoring module.

use proptest::prelude::*;

use super::*;
use crate::scoring::{Evidence, EvidenceKind, Requirement, score};
use crate::taxonomy::{SkillDef, Taxonomy};

fn def(id: i64, parent: Option<i64>) -> SkillDef {
    SkillDef {
        id,
        slug: format!("s{id}"),
        name: format!("Skill {id}"),
        category: "test".into(),
        parent,
        aliases: vec![],
        ambiguous: false,
    }
}

/// software(1) > databases(2) > sql(3) > {postgresql(4), mysql(5)}; rust(7) under 1.
fn tax() -> Taxonomy {
    Taxonomy::new(vec![
        def(1, None),
        def(2, Some(1)),
        def(3, Some(2)),
        def(4, Some(3)),
        def(5, Some(3)),
        def(7, Some(1)),
    ])
    .expect("valid taxonomy")
}

fn ev(skill: i64, level: u8, kind: EvidenceKind) -> Evidence {
    Evidence {
        skill,
        level,
        kind,
        expired: false,
        credential_id: None,
    }
}

fn req(skill: i64, min_level: u8, weight: f64) -> Requirement {
    Requirement {
        skill,
        min_level,
        weight,
        required: true,
    }
}

fn mc(id: i64, cost: i64, skills: &[(i64, u8)], prereqs: &[(i64, u8)]) -> Microcredential {
    Microcredential {
        id,
        hours: 10.0,
        cost_cents: cost,
        skills: skills.to_vec(),
        prerequisites: prereqs.to_vec(),
        active: true,
    }
}

const V: EvidenceKind = EvidenceKind::VerifiedCredential;
const S: EvidenceKind = EvidenceKind::SelfAsserted;

#[test]
fn gaps_are_ordered_by_weighted_shortfall() {
    // PostgreSQL self-asserted (credit 0.4) for weight 3: shortfall 1.8; Rust missing,
    // weight 1: shortfall 1; SQL met through a verified credential: not a gap.
    let gaps = gap_analysis(
        &tax(),
        &[req(3, 2, 1.0), req(7, 2, 1.0), req(4, 3, 3.0)],
        &[ev(3, 2, V), ev(4, 3, S)],
    )
    .expect("valid");
    let skills: Vec<i64> = gaps.iter().map(|g| g.requirement.skill).collect();
    assert_eq!(skills, [4, 7]);
    assert_eq!(gaps[0].held_level, 3);
    assert_eq!(gaps[1].held_level, 0);
}

#[test]
fn a_plan_closes_the_gaps_and_projects_the_score() {
    let t = tax();
    let reqs = [req(4, 3, 2.0), req(7, 2, 1.0), req(3, 2, 1.0)];
    let evidence = [ev(3, 2, V)];
    let mut inactive = mc(1, 10, &[(4, 5)], &[]);
    inactive.active = false;
    let catalogue = Catalogue::new([
        inactive,
        mc(2, 100, &[(4, 3)], &[(3, 2)]), // Postgres; SQL 2 is held
        mc(3, 50, &[(7, 2)], &[]),        // Rust basics
        mc(4, 300, &[(7, 4)], &[(7, 2)]), // Rust advanced: more than needed
        mc(5, 20, &[(5, 1)], &[]),        // MySQL intro: closes nothing
    ]);
    let planned = plan(&t, &reqs, &evidence, &catalogue, &SolveOptions::default()).expect("valid");
    let ids: Vec<i64> = planned.pathway.steps.iter().map(|s| s.option_id).collect();
    assert_eq!(ids, [3, 2]);
    assert_eq!(planned.pathway.total_cost_cents, 150);
    assert!(planned.pathway.optimal);
    // SQL 2 gives PostgreSQL 3 a parent credit of 0.5 * 2/3: (2 * 1/3 + 0 + 1) / 4.
    assert_eq!(planned.current_score, crate::scoring::to_grid(5.0 / 12.0));
    assert_eq!(planned.projected.score, 1.0);
    assert!(!planned.candidates.contains(&1) && !planned.candidates.contains(&5));
}

#[test]
fn a_pathway_closing_every_gap_projects_exactly_one() {
    let t = tax();
    // Weights whose fractions sum to 0.9999999999999999 in floating point.
    let reqs = [req(4, 3, 2.53), req(7, 2, 2.3)];
    let total: f64 = reqs.iter().map(|r| r.weight).sum();
    assert_ne!(reqs.iter().map(|r| r.weight / total).sum::<f64>(), 1.0);
    let catalogue = Catalogue::new([mc(1, 100, &[(4, 3)], &[]), mc(2, 50, &[(7, 2)], &[])]);
    let planned = plan(
        &t,
        &reqs,
        &[ev(4, 1, S)],
        &catalogue,
        &SolveOptions::default(),
    )
    .expect("valid");
    assert_eq!(planned.pathway.steps.len(), 2);
    assert!(planned.pathway.uncoverable.is_empty());
    assert_eq!(planned.projected.score, 1.0);
    let shown: f64 = planned
        .projected
        .contributions
        .iter()
        .map(|c| c.contribution)
        .sum();
    assert_eq!(crate::scoring::to_grid(shown), 1.0);
}

#[test]
fn a_descendant_course_closes_a_gap_and_enablers_come_from_the_catalogue() {
    let t = tax();
    // SQL at level 3 is asked; a PostgreSQL course at 3 closes it (credit 0.9), but needs
    // MySQL 1, which only another course teaches.
    let reqs = [req(3, 3, 1.0)];
    let catalogue = Catalogue::new([
        mc(10, 100, &[(4, 3)], &[(5, 1)]),
        mc(11, 30, &[(5, 1)], &[]),
    ]);
    let planned = plan(&t, &reqs, &[], &catalogue, &SolveOptions::default()).expect("valid");
    let ids: Vec<i64> = planned.pathway.steps.iter().map(|s| s.option_id).collect();
    assert_eq!(ids, [11, 10]);
    let expected = score(&t, &reqs, &[ev(5, 1, V), ev(4, 3, V)]).expect("valid");
    assert_eq!(planned.projected, expected);
    assert_eq!(planned.projected.score, 0.9);
}

#[test]
fn unlocks_count_jobs_reaching_the_threshold() {
    let t = tax();
    let evidence = [ev(3, 3, V)];
    let jobs: Vec<Vec<Requirement>> = vec![
        vec![req(3, 3, 1.0), req(7, 2, 1.0)], // Rust lifts 0.5 to 1
        vec![req(3, 3, 1.0), req(7, 2, 1.0)], // same
        vec![req(3, 3, 1.0), req(4, 2, 3.0)], // Postgres: 0.25+... -> 1
        vec![req(3, 3, 1.0)],                 // already above: not counted
        vec![req(7, 2, 1.0), req(4, 2, 1.0), req(5, 2, 1.0)], // one skill is not enough
    ];
    let ids = || {
        jobs.iter()
            .enumerate()
            .map(|(i, r)| (i as i64 + 1, r.as_slice()))
    };
    let got = unlocks(&t, &evidence, ids(), 0.7, 10).expect("valid");
    let counts: Vec<(i64, usize)> = got.iter().map(|u| (u.skill, u.jobs)).collect();
    // Rust unlocks two jobs, PostgreSQL one; MySQL raises job 5 (1/3 to 1/2) but unlocks
    // nothing.
    assert_eq!(counts, [(7, 2), (4, 1), (5, 0)]);
    // Rust: +0.5 on jobs 1 and 2, +1/3 on job 5 (0.333333 to 0.666667); jobs 1 and 2
    // tie at 1.0, the lower id is the closest.
    let rust = &got[0];
    assert_eq!((rust.score_gain, rust.jobs_improved), (1.333334, 3));
    assert_eq!(
        rust.closest,
        Some(UnlockTarget {
            job_id: 1,
            current_score: 0.5,
            score: 1.0
        })
    );
    // PostgreSQL: job 3 from 0.625 to 1, job 5 from 1/3 to 1/2.
    assert_eq!((got[1].score_gain, got[1].jobs_improved), (0.541667, 2));
    let mysql = &got[2];
    assert_eq!((mysql.score_gain, mysql.jobs_improved), (0.166667, 1));
    assert_eq!(mysql.closest.map(|c| (c.job_id, c.score)), Some((5, 0.5)));
    let top1 = unlocks(&t, &evidence, ids(), 0.7, 1).expect("valid");
    assert_eq!(top1.len(), 1);
    assert!(matches!(
        unlocks(&t, &evidence, ids(), f64::NAN, 1),
        Err(UnlockError::Threshold(_))
    ));
}

#[test]
fn closest_jobs_prefer_one_course_then_the_cheapest_pair() {
    let t = tax();
    let jobs: Vec<(i64, Vec<Requirement>)> = vec![
        (1, vec![req(7, 2, 1.0)]),
        // PostgreSQL (weight 3) needs SQL 1 first: course 22 then 21 reach 0.75.
        (2, vec![req(4, 2, 3.0), req(7, 2, 1.0)]),
        (3, vec![req(5, 5, 1.0)]), // nothing teaches MySQL 5 or a relative well enough
    ];
    let catalogue = Catalogue::new([
        mc(20, 80, &[(7, 2)], &[]),
        mc(21, 10, &[(4, 2)], &[(3, 1)]),
        mc(22, 5, &[(3, 1)], &[]),
    ]);
    let got = closest_jobs(
        &t,
        &[],
        jobs.iter().map(|(id, r)| (*id, r.as_slice())),
        &catalogue,
        0.7,
        10,
    )
    .expect("valid");
    let summary: Vec<(i64, Vec<i64>, i64)> = got
        .iter()
        .map(|j| (j.job_id, j.microcredentials.clone(), j.cost_cents))
        .collect();
    // Job 3: SQL 1 gives MySQL 5 a parent credit of 0.5 * 1/5: not enough.
    assert_eq!(summary, [(1, vec![20], 80), (2, vec![22, 21], 15)]);
}

// ---- Property tests against brute force over `scoring::score` ----

prop_compose! {
    pub(super) fn arb_tax()(parents in proptest::collection::vec(proptest::option::of(0_usize..8), 8)) -> Taxonomy {
        // Skill i + 1 may hang under any earlier skill: always a forest.
        let defs = parents
            .iter()
            .enumerate()
            .map(|(i, p)| def(i as i64 + 1, p.filter(|&p| p < i).map(|p| p as i64 + 1)))
            .collect();
        Taxonomy::new(defs).expect("a forest")
    }
}

pub(super) fn arb_evidence() -> impl Strategy<Value = Vec<Evidence>> {
    proptest::collection::vec(
        (1_i64..=9, 1_u8..=5, 0_u8..3, any::<bool>()).prop_map(|(s, l, k, expired)| Evidence {
            skill: s,
            level: l,
            kind: EvidenceKind::from_code(k).expect("0..3"),
            expired,
            credential_id: None,
        }),
        0..5,
    )
}

pub(super) fn arb_jobs() -> impl Strategy<Value = Vec<Vec<Requirement>>> {
    let r = (1_i64..=9, 1_u8..=5, 1_u8..=4).prop_map(|(s, l, w)| req(s, l, f64::from(w)));
    proptest::collection::vec(proptest::collection::vec(r, 0..5), 0..10)
}

fn arb_catalogue() -> impl Strategy<Value = Vec<Microcredential>> {
    let facts = || proptest::collection::vec((1_i64..=9, 1_u8..=5), 0..3);
    proptest::collection::vec((0_i64..50, facts(), facts(), any::<bool>()), 0..7).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (cost, skills, prereqs, active))| Microcredential {
                active: active || i % 2 == 0,
                ..mc(100 - i as i64, cost, &skills, &prereqs)
            })
            .collect()
    })
}

pub(super) fn with(evidence: &[Evidence], extra: &[(i64, u8)]) -> Vec<Evidence> {
    let mut all = evidence.to_vec();
    all.extend(taught_evidence(extra));
    all
}

/// Whether `first` then `second` (if any) is a valid order from the held facts.
fn takeable(
    held: &[SkillLevel],
    first: &Microcredential,
    second: Option<&Microcredential>,
) -> bool {
    let ok = |held: &[SkillLevel], m: &Microcredential| {
        m.prerequisites
            .iter()
            .all(|&(s, l)| held.iter().any(|f| f.skill == s && f.level >= l))
    };
    let mut after = held.to_vec();
    after.extend(first.skills.iter().map(|&(s, l)| SkillLevel::new(s, l)));
    ok(held, first) && second.is_none_or(|m| ok(&after, m))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn unlock_counts_equal_brute_force(
        t in arb_tax(),
        evidence in arb_evidence(),
        jobs in arb_jobs(),
        threshold in prop_oneof![Just(0.5), Just(0.7), Just(0.9)],
    ) {
        let got = unlocks(&t, &evidence, jobs.iter().enumerate().map(|(i, r)| (i as i64, r.as_slice())), threshold, usize::MAX)
            .expect("valid");
        let mut expected: std::collections::BTreeMap<i64, usize> = Default::default();
        for reqs in &jobs {
            let now = score(&t, reqs, &evidence).expect("valid");
            if now.score >= threshold {
                continue;
            }
            let mut lacking: Vec<(i64, u8)> = Vec::new();
            for c in now.contributions.iter().filter(|c| c.credit < 1.0) {
                let r = c.requirement;
                if t.get(r.skill).is_none() {
                    continue;
                }
                match lacking.iter_mut().find(|(s, _)| *s == r.skill) {
                    Some(e) => e.1 = e.1.max(r.min_level),
                    None => lacking.push((r.skill, r.min_level)),
                }
            }
            for &(s, l) in &lacking {
                if score(&t, reqs, &with(&evidence, &[(s, l)])).expect("valid").score >= threshold {
                    *expected.entry(s).or_default() += 1;
                }
            }
        }
        let got_map: std::collections::BTreeMap<i64, usize> =
            got.iter().filter(|u| u.jobs > 0).map(|u| (u.skill, u.jobs)).collect();
        prop_assert_eq!(got_map, expected);
        // Skills unlocking jobs come first, by count.
        prop_assert!(got.windows(2).all(|w| w[0].jobs >= w[1].jobs));
    }

    #[test]
    fn closest_jobs_equal_brute_force(
        t in arb_tax(),
        evidence in arb_evidence(),
        jobs in arb_jobs(),
        docs in arb_catalogue(),
        threshold in prop_oneof![Just(0.5), Just(0.7)],
    ) {
        let catalogue = Catalogue::new(docs);
        let got = closest_jobs(
            &t,
            &evidence,
            jobs.iter().enumerate().map(|(i, r)| (i as i64, r.as_slice())),
            &catalogue,
            threshold,
            usize::MAX,
        )
        .expect("valid");
        let held = held_facts(&evidence);
        let ms = catalogue.docs();
        let mut expected = Vec::new();
        for (j, reqs) in jobs.iter().enumerate() {
            let now = score(&t, reqs, &evidence).expect("valid").score;
            if now >= threshold {
                continue;
            }
            // (size, cost, sorted ids, projected score)
            let mut best: Option<(usize, i64, Vec<i64>, f64)> = None;
            let mut consider = |set: Vec<&Microcredential>| {
                let taught: Vec<(i64, u8)> = set.iter().flat_map(|m| m.skills.clone()).collect();
                let s = score(&t, reqs, &with(&evidence, &taught)).expect("valid").score;
                if s >= threshold {
                    let mut ids: Vec<i64> = set.iter().map(|m| m.id).collect();
                    ids.sort_unstable();
                    let key = (set.len(), set.iter().map(|m| m.cost_cents).sum::<i64>(), ids, s);
                    if best.as_ref().is_none_or(|b| (key.0, key.1, &key.2) < (b.0, b.1, &b.2)) {
                        best = Some(key);
                    }
                }
            };
            for a in ms {
                if takeable(&held, a, None) {
                    consider(vec![a]);
                }
            }
            for (i, a) in ms.iter().enumerate() {
                for b in &ms[i + 1..] {
                    if takeable(&held, a, Some(b)) || takeable(&held, b, Some(a)) {
                        consider(vec![a, b]);
                    }
                }
            }
            if let Some((_, cost, ids, s)) = best {
                expected.push((j as i64, ids, cost, s));
            }
        }
        expected.sort_by_key(|e| (e.1.len(), e.2, e.0));
        let got_summary: Vec<(i64, Vec<i64>, i64, f64)> = got
            .iter()
            .map(|g| {
                let mut ids = g.microcredentials.clone();
                ids.sort_unstable();
                (g.job_id, ids, g.cost_cents, g.projected_score)
            })
            .collect();
        prop_assert_eq!(got_summary, expected);
        for g in &got {
            let m = |id: i64| ms.iter().find(|m| m.id == id).expect("known id");
            let first = m(g.microcredentials[0]);
            prop_assert!(takeable(&held, first, g.microcredentials.get(1).map(|&id| m(id))));
        }
    }
}

// ---- The candidate cut of `select` ----

#[test]
fn enablers_beyond_the_bound_are_not_candidates() {
    // One gap (SQL 3). Closer 20 costs 100; closer 21 costs 10 but needs MySQL 1, taught
    // by 22 (50) and by 23 (200, which needs Rust 2, taught by 24). Shares: G = 10; the
    // greedy pathway {22, 21} costs 60, so an optimum pays at most 60 - 10 = 50 above
    // the shares: 20 (90 above) and 23 (200) are out, and 24 is never reached.
    let t = tax();
    let reqs = [req(3, 3, 1.0)];
    let catalogue = Catalogue::new([
        mc(20, 100, &[(3, 3)], &[]),
        mc(21, 10, &[(3, 4)], &[(5, 1)]),
        mc(22, 50, &[(5, 1)], &[]),
        mc(23, 200, &[(5, 2)], &[(7, 2)]),
        mc(24, 1, &[(7, 2)], &[]),
    ]);
    let opts = SolveOptions::default();
    let cut = plan(&t, &reqs, &[], &catalogue, &opts).expect("valid");
    assert_eq!(cut.candidates, [21, 22]);
    let ids: Vec<i64> = cut.pathway.steps.iter().map(|s| s.option_id).collect();
    assert_eq!(ids, [22, 21]);
    assert!(cut.pathway.optimal);
    let full = plan::plan_with(&t, &reqs, &[], &catalogue, &opts, false).expect("valid");
    assert_eq!(full.candidates, [20, 21, 22, 23, 24]);
    let full_ids: Vec<i64> = full.pathway.steps.iter().map(|s| s.option_id).collect();
    assert_eq!(full_ids, ids);
    // At equal cost the bound keeps the alternative: 20 at 60 is a candidate again.
    let catalogue = Catalogue::new([
        mc(20, 60, &[(3, 3)], &[]),
        mc(21, 10, &[(3, 4)], &[(5, 1)]),
        mc(22, 50, &[(5, 1)], &[]),
    ]);
    let cut = plan(&t, &reqs, &[], &catalogue, &opts).expect("valid");
    assert_eq!(cut.candidates, [20, 21, 22]);
}

fn arb_chained_catalogue() -> impl Strategy<Value = Vec<Microcredential>> {
    let taught = proptest::collection::vec((1_i64..=9, 1_u8..=5), 1..3);
    let prereqs = proptest::collection::vec((1_i64..=9, 1_u8..=3), 0..3);
    let doc = (0_i64..60, 0_u8..8, taught, prereqs, 0_u8..4);
    proptest::collection::vec(doc, 0..14).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(
                |(i, (cost, half_hours, skills, prereqs, p))| Microcredential {
                    hours: f64::from(half_hours) / 2.0,
                    // About half the docs have prerequisites.
                    prerequisites: if p < 2 { prereqs } else { vec![] },
                    ..mc(200 - i as i64, cost, &skills, &[])
                },
            )
            .collect()
    })
}

fn arb_plan_options() -> impl Strategy<Value = SolveOptions> {
    (
        prop_oneof![Just(Objective::Cost), Just(Objective::Hours)],
        prop_oneof![
            3 => Just(None),
            1 => (0_i64..150).prop_map(Some),
        ],
        prop_oneof![
            3 => Just(None),
            1 => (0_u8..20).prop_map(|h| Some(f64::from(h) / 2.0)),
        ],
    )
        .prop_map(|(objective, max_cost_cents, max_hours)| SolveOptions {
            objective,
            budget: Budget {
                max_cost_cents,
                max_hours,
            },
            max_nodes: DEFAULT_MAX_NODES,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// The cut never changes the optimum: same weight closed, same objective, same
    /// uncoverable gaps as over the plain transitive closure.
    #[test]
    fn the_candidate_cut_never_changes_the_optimum(
        t in arb_tax(),
        evidence in arb_evidence(),
        reqs in proptest::collection::vec(
            (1_i64..=9, 1_u8..=5, 1_u8..=4).prop_map(|(s, l, w)| req(s, l, f64::from(w))),
            0..6,
        ),
        docs in arb_chained_catalogue(),
        opts in arb_plan_options(),
    ) {
        let catalogue = Catalogue::new(docs);
        let cut = plan(&t, &reqs, &evidence, &catalogue, &opts).expect("valid");
        let full = plan::plan_with(&t, &reqs, &evidence, &catalogue, &opts, false).expect("valid");
        prop_assert!(cut.pathway.optimal && full.pathway.optimal);
        for id in &cut.candidates {
            prop_assert!(full.candidates.contains(id));
        }
        let objective = |p: &PlannedPathway| {
            let (c, h) = (p.pathway.total_cost_cents, p.pathway.total_hours);
            let secs = (h * 3600.0).round() as i64;
            match opts.objective {
                Objective::Cost => (c, secs, p.pathway.steps.len()),
                Objective::Hours => (secs, c, p.pathway.steps.len()),
            }
        };
        prop_assert_eq!(cut.pathway.closed_weight, full.pathway.closed_weight);
        prop_assert_eq!(objective(&cut), objective(&full));
        prop_assert_eq!(&cut.pathway.uncoverable, &full.pathway.uncoverable);
        prop_assert_eq!(&cut.pathway.closed, &full.pathway.closed);
    }
}
