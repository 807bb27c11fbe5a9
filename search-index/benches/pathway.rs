//! Pathway, unlock and closest-job benchmarks on seeded synthetic data.
//!
//! `cargo bench -j2 -p search-index --bench pathway`
//!
//! - `plan/12_gaps_10k_catalogue`: one job with 12 requirements the learner lacks, over
//!   10k active microcredentials (about 2k skills, prerequisites included). Candidates
//!   come from the pathway module's own skill -> microcredential index ([`Catalogue`]).
//!   Before criterion runs, the p50/p99 over 300 different random jobs is printed.
//! - `unlocks/100k_jobs`: unlock counts for one learner over 100k open jobs.
//! - `closest/100k_jobs`: closest jobs over the same 100k jobs and the 10k catalogue.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use search_index::pathway::{
    Catalogue, Microcredential, SolveOptions, closest_jobs, plan, unlocks,
};
use search_index::scoring::{Evidence, EvidenceKind, Requirement};
use search_index::taxonomy::{SkillDef, Taxonomy};

const ROOTS: i64 = 20;
const FAMILIES: i64 = 10;
const LEAVES: i64 = 10;

/// 20 roots x 10 families x 10 leaves (2,220 skills). Returns the taxonomy and the ids
/// of families and leaves (the skills jobs and courses use).
fn taxonomy() -> (Taxonomy, Vec<i64>) {
    let mut defs = Vec::new();
    let mut usable = Vec::new();
    let mut next = 1;
    let mut add = |parent: Option<i64>, defs: &mut Vec<SkillDef>| {
        let id = next;
        next += 1;
        defs.push(SkillDef {
            id,
            slug: format!("skill-{id}"),
            name: format!("Skill {id}"),
            category: "bench".into(),
            parent,
            aliases: vec![],
            ambiguous: false,
        });
        id
    };
    for _ in 0..ROOTS {
        let root = add(None, &mut defs);
        for _ in 0..FAMILIES {
            let family = add(Some(root), &mut defs);
            usable.push(family);
            for _ in 0..LEAVES {
                usable.push(add(Some(family), &mut defs));
            }
        }
    }
    (Taxonomy::new(defs).expect("a valid tree"), usable)
}

/// 10k microcredentials teaching 1-3 skills at levels 1-5. A third have one or two
/// prerequisites, on a skill of the same family as the first skill taught (its family
/// or a sibling), at level 1-2: foundations before specialisations, as real catalogues
/// do. (Prerequisites on random unrelated skills make nearly the whole catalogue a chain
/// of enablers; see the report printed for that case.)
fn catalogue(rng: &mut ChaCha8Rng, skills: &[i64], n: usize, related_prereqs: bool) -> Catalogue {
    let pick = |rng: &mut ChaCha8Rng| skills[rng.random_range(0..skills.len())];
    Catalogue::new((0..n).map(|i| {
        let taught: Vec<(i64, u8)> = (0..rng.random_range(1..=3))
            .map(|_| (pick(rng), rng.random_range(1..=5)))
            .collect();
        // `skills` lists each family followed by its 10 leaves.
        let first = skills.iter().position(|&s| s == taught[0].0).unwrap_or(0);
        let family = first - first % (LEAVES as usize + 1);
        let n_prereqs = if rng.random_bool(1.0 / 3.0) {
            rng.random_range(1..=2)
        } else {
            0
        };
        let prereqs = (0..n_prereqs)
            .map(|_| {
                if related_prereqs {
                    let s = skills[family + rng.random_range(0..=LEAVES as usize)];
                    (s, rng.random_range(1..=2))
                } else {
                    (pick(rng), rng.random_range(1..=3))
                }
            })
            .filter(|&(s, _)| s != taught[0].0)
            .collect();
        Microcredential {
            id: i as i64 + 1,
            hours: f64::from(rng.random_range(2_u32..=80)) / 2.0,
            cost_cents: rng.random_range(0..=50_000),
            skills: taught,
            prerequisites: prereqs,
            active: rng.random_bool(0.95),
        }
    }))
}

fn requirements(rng: &mut ChaCha8Rng, skills: &[i64], n: usize) -> Vec<Requirement> {
    (0..n)
        .map(|_| Requirement {
            skill: skills[rng.random_range(0..skills.len())],
            min_level: rng.random_range(2..=4),
            weight: f64::from(rng.random_range(1_u8..=5)),
            required: rng.random_bool(0.5),
        })
        .collect()
}

fn learner(rng: &mut ChaCha8Rng, skills: &[i64]) -> Vec<Evidence> {
    (0..12)
        .map(|_| Evidence {
            skill: skills[rng.random_range(0..skills.len())],
            level: rng.random_range(1..=5),
            kind: EvidenceKind::from_code(rng.random_range(0..3)).expect("0..3"),
            expired: false,
            credential_id: None,
        })
        .collect()
}

fn report_plan_percentiles(
    tax: &Taxonomy,
    cat: &Catalogue,
    skills: &[i64],
    jobs: usize,
    label: &str,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let opts = SolveOptions::default();
    let mut times = Vec::new();
    let (mut not_optimal, mut candidates) = (0, 0);
    for _ in 0..jobs {
        let reqs = requirements(&mut rng, skills, 12);
        let start = Instant::now();
        let planned = plan(tax, &reqs, &[], cat, &opts).expect("valid");
        times.push(start.elapsed());
        if std::env::var_os("PATHWAY_BENCH_VERBOSE").is_some() {
            eprintln!(
                "{:?} candidates {} nodes {} steps {} optimal {}",
                start.elapsed(),
                planned.candidates.len(),
                planned.pathway.nodes_explored,
                planned.pathway.steps.len(),
                planned.pathway.optimal
            );
        }
        not_optimal += usize::from(!planned.pathway.optimal);
        candidates += planned.candidates.len();
    }
    times.sort();
    let pct = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
    println!(
        "plan, 12 gaps, 10k catalogue, {label}, {jobs} jobs: p50 {:?}, p99 {:?}, max {:?}; \
         mean candidates {}, not optimal {}",
        pct(50),
        pct(99),
        times[times.len() - 1],
        candidates / jobs,
        not_optimal
    );
}

fn benches(c: &mut Criterion) {
    let (tax, skills) = taxonomy();
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    if std::env::var_os("PATHWAY_BENCH_UNRELATED").is_some() {
        let unrelated = catalogue(&mut rng, &skills, 10_000, false);
        report_plan_percentiles(&tax, &unrelated, &skills, 3, "unrelated prerequisites");
    }
    let cat = catalogue(&mut rng, &skills, 10_000, true);
    report_plan_percentiles(&tax, &cat, &skills, 300, "related prerequisites");

    let reqs = requirements(&mut rng, &skills, 12);
    c.bench_function("plan/12_gaps_10k_catalogue", |b| {
        b.iter(|| plan(&tax, black_box(&reqs), &[], &cat, &SolveOptions::default()))
    });

    let jobs: Vec<(i64, Vec<Requirement>)> = (0..100_000)
        .map(|i| {
            let n = rng.random_range(5..=15);
            (i, requirements(&mut rng, &skills, n))
        })
        .collect();
    let evidence = learner(&mut rng, &skills);
    c.bench_function("unlocks/100k_jobs", |b| {
        b.iter(|| {
            unlocks(
                &tax,
                black_box(&evidence),
                jobs.iter().map(|(id, r)| (*id, r.as_slice())),
                0.7,
                20,
            )
        })
    });
    let mut group = c.benchmark_group("closest");
    group.sample_size(10);
    group.bench_function("100k_jobs", |b| {
        b.iter(|| {
            closest_jobs(
                &tax,
                black_box(&evidence),
                jobs.iter().map(|(id, r)| (*id, r.as_slice())),
                &cat,
                0.7,
                50,
            )
        })
    });
    group.finish();
}

criterion_group!(pathway, benches);
criterion_main!(pathway);
