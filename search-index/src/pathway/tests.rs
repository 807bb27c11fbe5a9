//! Hand-written cases a reader can follow, input errors, and the property tests against
//! the exhaustive oracle.

use proptest::prelude::*;

use super::oracle::oracle;
use super::problem::hours_to_seconds;
use super::*;

fn opt(id: i64, cost: i64, hours: f64, closes: &[usize]) -> LearningOption {
    LearningOption {
        id,
        cost_cents: cost,
        hours,
        closes: closes.to_vec(),
        grants: vec![],
        prerequisites: vec![],
    }
}

fn grants(mut o: LearningOption, skill: SkillId, level: u8) -> LearningOption {
    o.grants.push(SkillLevel::new(skill, level));
    o
}

fn needs(mut o: LearningOption, skill: SkillId, level: u8) -> LearningOption {
    o.prerequisites.push(SkillLevel::new(skill, level));
    o
}

fn ids(p: &Pathway) -> Vec<i64> {
    p.steps.iter().map(|s| s.option_id).collect()
}

fn problem(weights: &[f64], options: Vec<LearningOption>) -> Problem {
    Problem {
        gap_weights: weights.to_vec(),
        options,
        held: vec![],
    }
}

fn cost_budget(cents: i64) -> SolveOptions {
    SolveOptions {
        budget: Budget {
            max_cost_cents: Some(cents),
            max_hours: None,
        },
        ..SolveOptions::default()
    }
}

#[test]
fn a_prerequisite_chain_is_taken_in_order() {
    // "Advanced Postgres" closes the gap but needs SQL (skill 2) at level 2, which
    // "SQL" teaches but only after "Intro to data" (skill 1).
    let p = problem(
        &[1.0],
        vec![
            needs(opt(1, 900, 20.0, &[0]), 2, 2),
            needs(grants(opt(2, 300, 10.0, &[]), 2, 3), 1, 1),
            grants(opt(3, 100, 5.0, &[]), 1, 1),
        ],
    );
    let r = solve(&p, &SolveOptions::default()).expect("valid");
    assert_eq!(ids(&r), [3, 2, 1]);
    assert_eq!(r.total_cost_cents, 1_300);
    assert_eq!(r.total_hours, 35.0);
    assert_eq!(r.steps[2].closes, [0]);
    assert!(r.optimal && r.uncoverable.is_empty());
}

#[test]
fn a_cheaper_pair_beats_one_expensive_course() {
    let p = problem(
        &[1.0, 1.0],
        vec![
            opt(1, 10_000, 10.0, &[0, 1]),
            opt(2, 4_000, 10.0, &[1]),
            opt(3, 3_000, 10.0, &[0]),
        ],
    );
    let r = solve(&p, &SolveOptions::default()).expect("valid");
    // Cheapest first in the order.
    assert_eq!(ids(&r), [3, 2]);
    assert_eq!(r.total_cost_cents, 7_000);
    assert_eq!(r.closed, [0, 1]);
}

#[test]
fn gaps_nothing_can_close_are_uncoverable() {
    // Gap 1: its only course needs skill 9, which nothing teaches. Gap 2: no course.
    let p = problem(
        &[1.0, 2.0, 3.0],
        vec![opt(1, 100, 1.0, &[0]), needs(opt(2, 50, 1.0, &[1]), 9, 1)],
    );
    let r = solve(&p, &SolveOptions::default()).expect("valid");
    assert_eq!(ids(&r), [1]);
    assert_eq!(r.uncoverable, [1, 2]);
    assert!(r.not_closed.is_empty() && r.optimal);
}

#[test]
fn a_budget_forces_the_heavier_combination() {
    // 60 cents: gap 0 alone (weight 3) or gaps 1 and 2 together (weight 2 + 2).
    let p = problem(
        &[3.0, 2.0, 2.0],
        vec![
            opt(1, 50, 1.0, &[0]),
            opt(2, 30, 1.0, &[1]),
            opt(3, 30, 1.0, &[2]),
        ],
    );
    let r = solve(&p, &cost_budget(60)).expect("valid");
    assert_eq!(ids(&r), [2, 3]);
    assert_eq!(r.closed_weight, 4.0);
    assert_eq!(r.not_closed, [0]);
    // With 80 cents, the weight-5 pair 0 + 1 (80) beats 1 + 2 (weight 4).
    let r = solve(&p, &cost_budget(80)).expect("valid");
    assert_eq!(ids(&r), [2, 1]);
    assert_eq!(r.closed_weight, 5.0);
}

#[test]
fn hours_and_cost_objectives_choose_differently() {
    let p = problem(
        &[1.0],
        vec![opt(1, 10_000, 2.0, &[0]), opt(2, 5_000, 10.0, &[0])],
    );
    let cost = solve(&p, &SolveOptions::default()).expect("valid");
    let hours = solve(
        &p,
        &SolveOptions {
            objective: Objective::Hours,
            ..SolveOptions::default()
        },
    )
    .expect("valid");
    assert_eq!(ids(&cost), [2]);
    assert_eq!(ids(&hours), [1]);
}

#[test]
fn ties_on_cost_are_broken_by_hours_then_steps() {
    // Same cost: fewer hours wins; then one step beats two free-of-extra-cost ones.
    let p = problem(
        &[1.0, 1.0],
        vec![
            opt(1, 100, 3.0, &[0, 1]),
            opt(2, 100, 2.0, &[0, 1]),
            opt(3, 50, 1.0, &[0]),
            opt(4, 50, 1.0, &[1]),
        ],
    );
    let r = solve(&p, &SolveOptions::default()).expect("valid");
    assert_eq!(ids(&r), [2]);
}

#[test]
fn held_evidence_meets_prerequisites_at_or_above_their_level() {
    let course = needs(opt(1, 100, 1.0, &[0]), 5, 3);
    let enabler = grants(opt(2, 40, 1.0, &[]), 5, 3);
    let mut p = problem(&[1.0], vec![course, enabler]);
    p.held = vec![SkillLevel::new(5, 4)];
    assert_eq!(
        ids(&solve(&p, &SolveOptions::default()).expect("valid")),
        [1]
    );
    // Level 2 is not enough: the enabler comes first.
    p.held = vec![SkillLevel::new(5, 2)];
    assert_eq!(
        ids(&solve(&p, &SolveOptions::default()).expect("valid")),
        [2, 1]
    );
}

#[test]
fn options_waiting_on_each_other_need_an_outside_enabler() {
    // 1 needs skill 1 and grants skill 2; 2 needs skill 2 and grants skill 1 (cheap but
    // circular); 3 grants skill 1 from scratch.
    let p = problem(
        &[1.0],
        vec![
            grants(needs(opt(1, 100, 1.0, &[0]), 1, 1), 2, 1),
            grants(needs(opt(2, 1, 1.0, &[]), 2, 1), 1, 1),
            grants(opt(3, 500, 1.0, &[]), 1, 1),
        ],
    );
    let r = solve(&p, &SolveOptions::default()).expect("valid");
    assert_eq!(ids(&r), [3, 1]);
    assert!(r.optimal);
}

#[test]
fn a_tiny_work_bound_gives_a_valid_pathway_marked_not_optimal() {
    let options = (0..10)
        .map(|i| {
            opt(
                i,
                100 + i * 7 % 5,
                1.0,
                &[(i % 5) as usize, ((i + 2) % 5) as usize],
            )
        })
        .collect();
    let p = problem(&[1.0; 5], options);
    let r = solve(
        &p,
        &SolveOptions {
            max_nodes: 1,
            ..SolveOptions::default()
        },
    )
    .expect("valid");
    assert!(!r.optimal);
    assert_eq!(r.closed, [0, 1, 2, 3, 4]);
    let exact = solve(&p, &SolveOptions::default()).expect("valid");
    assert!(exact.optimal && exact.total_cost_cents <= r.total_cost_cents);
}

#[test]
fn bad_input_is_an_error() {
    let ok = || problem(&[1.0], vec![opt(1, 1, 1.0, &[0])]);
    let solve_default = |p: &Problem| solve(p, &SolveOptions::default());
    let mut p = ok();
    p.options[0].cost_cents = -1;
    assert!(matches!(
        solve_default(&p),
        Err(PathwayError::NegativeCost { .. })
    ));
    for hours in [f64::NAN, -1.0, f64::INFINITY, 2e6] {
        let mut p = ok();
        p.options[0].hours = hours;
        assert!(matches!(
            solve_default(&p),
            Err(PathwayError::InvalidHours { .. })
        ));
    }
    let mut p = ok();
    p.gap_weights[0] = f64::NAN;
    assert!(matches!(
        solve_default(&p),
        Err(PathwayError::InvalidWeight { .. })
    ));
    let mut p = ok();
    p.options[0].closes = vec![1];
    assert!(matches!(
        solve_default(&p),
        Err(PathwayError::UnknownGap { .. })
    ));
    let mut p = ok();
    p.options.push(opt(1, 2, 1.0, &[]));
    assert_eq!(solve_default(&p), Err(PathwayError::DuplicateOptionId(1)));
    let mut p = ok();
    p.options[0].prerequisites = vec![SkillLevel::new(1, 0)];
    assert!(matches!(
        solve_default(&p),
        Err(PathwayError::InvalidLevel { .. })
    ));
    let mut p = ok();
    p.gap_weights = vec![1.0; 65];
    assert!(matches!(
        solve_default(&p),
        Err(PathwayError::TooManyGaps { .. })
    ));
    assert!(matches!(
        solve(&ok(), &cost_budget(-1)),
        Err(PathwayError::InvalidBudget(_))
    ));
}

// ---- Property tests against the exhaustive oracle ----

fn arb_fact() -> impl Strategy<Value = SkillLevel> {
    (0_i64..6, 1_u8..=3).prop_map(|(s, l)| SkillLevel::new(s, l))
}

prop_compose! {
    fn arb_option(n_gaps: usize)(
        cost in 0_i64..40,
        half_hours in 0_u8..8,
        closes in proptest::collection::vec(0..n_gaps.max(1), 0..3),
        grants in proptest::collection::vec(arb_fact(), 0..3),
        // Skill 5 is taught rarely: some prerequisites are unsatisfiable.
        prerequisites in proptest::collection::vec(arb_fact(), 0..3),
    ) -> LearningOption {
        LearningOption {
            id: 0,
            cost_cents: cost,
            hours: f64::from(half_hours) / 2.0,
            closes: if n_gaps == 0 { vec![] } else { closes },
            grants: grants.into_iter().filter(|f| f.skill != 5 || f.level == 1).collect(),
            prerequisites,
        }
    }
}

prop_compose! {
    fn arb_problem()(n_gaps in 0_usize..=8)(
        weights in proptest::collection::vec(1_u8..=3, n_gaps),
        options in proptest::collection::vec(arb_option(n_gaps), 0..=12),
        held in proptest::collection::vec(arb_fact(), 0..3),
    ) -> Problem {
        let options = options
            .into_iter()
            .enumerate()
            .map(|(i, mut o)| {
                // Distinct ids, not in index order.
                o.id = (i as i64 * 37) % 13 - 6;
                o
            })
            .collect();
        Problem {
            gap_weights: weights.into_iter().map(f64::from).collect(),
            options,
            held,
        }
    }
}

fn arb_solve_options() -> impl Strategy<Value = SolveOptions> {
    (
        prop_oneof![Just(Objective::Cost), Just(Objective::Hours)],
        proptest::option::of(0_i64..120),
        proptest::option::of(0_u8..16),
    )
        .prop_map(|(objective, max_cost_cents, half_hours)| SolveOptions {
            objective,
            budget: Budget {
                max_cost_cents,
                max_hours: half_hours.map(|h| f64::from(h) / 2.0),
            },
            max_nodes: DEFAULT_MAX_NODES,
        })
}

/// Every step's prerequisites hold when it is taken, every claimed closure is real,
/// totals add up and the budget holds. Returns (primary, secondary, steps).
fn check_valid(p: &Problem, opts: &SolveOptions, r: &Pathway) -> (i64, i64, usize) {
    let mut held: Vec<SkillLevel> = p.held.clone();
    let mut closed = Vec::new();
    let (mut cost, mut secs) = (0, 0);
    for step in &r.steps {
        let o = &p.options[step.option];
        assert_eq!(o.id, step.option_id);
        for f in &o.prerequisites {
            assert!(
                held.iter()
                    .any(|h| h.skill == f.skill && h.level >= f.level),
                "step {} taken before its prerequisite {f:?}",
                o.id
            );
        }
        held.extend(o.grants.iter().copied());
        for g in &step.closes {
            assert!(o.closes.contains(g) && !closed.contains(g));
            closed.push(*g);
        }
        cost += o.cost_cents;
        secs += hours_to_seconds(o.hours).expect("valid");
    }
    closed.sort_unstable();
    assert_eq!(closed, r.closed);
    assert_eq!(cost, r.total_cost_cents);
    assert!(opts.budget.max_cost_cents.is_none_or(|b| cost <= b));
    assert!(
        opts.budget
            .max_hours
            .is_none_or(|h| secs as f64 <= h * 3600.0)
    );
    let weight: f64 = closed.iter().map(|&g| p.gap_weights[g]).sum();
    assert_eq!(weight, r.closed_weight);
    match opts.objective {
        Objective::Cost => (cost, secs, r.steps.len()),
        Objective::Hours => (secs, cost, r.steps.len()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn optimiser_equals_exhaustive_search(p in arb_problem(), opts in arb_solve_options()) {
        let r = solve(&p, &opts).expect("valid input");
        let objective = check_valid(&p, &opts, &r);
        let best = oracle(&p, opts.objective, &opts.budget);
        prop_assert!(r.optimal, "{} nodes", r.nodes_explored);
        prop_assert_eq!(r.closed_weight, best.closed_weight);
        prop_assert_eq!(objective, best.objective);
        let uncoverable: Vec<usize> = (0..p.gap_weights.len())
            .filter(|&g| best.coverable & (1 << g) == 0)
            .collect();
        prop_assert_eq!(&r.uncoverable, &uncoverable);
        if !opts.budget.is_limited() {
            prop_assert!(r.not_closed.is_empty());
        }
    }

    #[test]
    fn a_stopped_search_is_valid_and_never_beats_the_optimum(
        p in arb_problem(),
        opts in arb_solve_options(),
        max_nodes in 0_u64..6,
    ) {
        let opts = SolveOptions { max_nodes, ..opts };
        let r = solve(&p, &opts).expect("valid input");
        let objective = check_valid(&p, &opts, &r);
        let best = oracle(&p, opts.objective, &opts.budget);
        prop_assert!(r.nodes_explored <= max_nodes);
        prop_assert!(r.closed_weight <= best.closed_weight);
        if !opts.budget.is_limited() {
            // Without a budget every coverable gap is closed even by a stopped search.
            prop_assert_eq!(r.closed_weight, best.closed_weight);
        }
        if r.optimal {
            prop_assert_eq!(r.closed_weight, best.closed_weight);
            prop_assert_eq!(objective, best.objective);
        } else if r.closed_weight == best.closed_weight {
            prop_assert!(objective >= best.objective);
        }
    }
}
