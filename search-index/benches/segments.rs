//! Learner segmentation on synthetic data (deterministic from seeds).
//!
//! `cargo bench -p search-index --bench segments -j2` generates 1M learners (override
//! with `BENCH_LEARNERS`, e.g. for a quick check; the reported numbers use the default),
//! segments them into k = 12 (`KChoice::Fixed(12)`, default fit options otherwise: a fit
//! sample of 100k, silhouette on 4k) and summarises every segment with all learners in
//! scope, then prints a plain-text table: fit seconds, summarize seconds, CPU seconds and
//! peak resident memory. Then criterion times fit + summarize on 50k learners. With
//! `BENCH_K=auto` the 1M run uses the default `KChoice::Auto { min: 4, max: 16 }`.
//!
//! Data, in the style of `benches/engine.rs`: 3 areas > 80 families > 800 skills (883 in
//! all); 20 occupations with 12 core skills from 3 families (held by ~80% of their
//! practitioners) and 30 secondary ones, 8 requirements each (6 core, 2 secondary); a
//! global popularity skew; 8-15 skills per learner with skewed levels and kinds; 1-2
//! aspirations (the learner's own occupation for 70%); 30% opted in; 2,000 courses
//! teaching 1-3 skills (90% in CAD, 10% in USD).

use std::hint::black_box;
use std::time::Instant;

use criterion::Criterion;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use search_index::segments::{
    FitOptions, KChoice, SegmentCourse, SegmentLearner, SegmentOccupation, SummaryOptions, fit,
    summarize,
};
use search_index::{Evidence, EvidenceKind, Requirement, SkillDef, Taxonomy};

const AREAS: i64 = 3;
const FAMILIES: i64 = 80;
const LEAVES_PER_FAMILY: i64 = 10;
const OCCUPATIONS: usize = 20;
const CORE: usize = 12;
const SECONDARY: usize = 30;
const COURSES: i64 = 2_000;
const K: usize = 12;

fn taxonomy() -> Taxonomy {
    let def = |id: i64, parent: Option<i64>| SkillDef {
        id,
        slug: format!("skill-{id}"),
        name: format!("Skill {id}"),
        category: "bench".into(),
        parent,
        aliases: vec![],
        ambiguous: false,
    };
    let mut defs: Vec<SkillDef> = (0..AREAS).map(|a| def(a + 1, None)).collect();
    defs.extend((0..FAMILIES).map(|f| def(100 + f, Some(f % AREAS + 1))));
    for f in 0..FAMILIES {
        for l in 0..LEAVES_PER_FAMILY {
            defs.push(def(1000 + f * LEAVES_PER_FAMILY + l, Some(100 + f)));
        }
    }
    Taxonomy::new(defs).expect("valid synthetic taxonomy")
}

fn leaf_count() -> i64 {
    FAMILIES * LEAVES_PER_FAMILY
}

struct Occupation {
    core: Vec<i64>,
    secondary: Vec<i64>,
}

fn occupations(rng: &mut ChaCha8Rng) -> Vec<Occupation> {
    (0..OCCUPATIONS)
        .map(|o| {
            let fams: Vec<i64> = (0..3)
                .map(|i| ((o * 3 + i) as i64 * 7) % FAMILIES)
                .collect();
            let mut core = Vec::new();
            while core.len() < CORE {
                let f = fams[rng.random_range(0..fams.len())];
                let s = 1000 + f * LEAVES_PER_FAMILY + rng.random_range(0..LEAVES_PER_FAMILY);
                if !core.contains(&s) {
                    core.push(s);
                }
            }
            let mut secondary = Vec::new();
            while secondary.len() < SECONDARY {
                let s = 1000 + rng.random_range(0..leaf_count());
                if !core.contains(&s) && !secondary.contains(&s) {
                    secondary.push(s);
                }
            }
            Occupation { core, secondary }
        })
        .collect()
}

fn segment_occupations(occ: &[Occupation], rng: &mut ChaCha8Rng) -> Vec<SegmentOccupation> {
    occ.iter()
        .enumerate()
        .map(|(i, o)| {
            let skills = o.core[..6].iter().chain(&o.secondary[..2]);
            SegmentOccupation {
                id: i as i64 + 1,
                title: format!("Occupation {i}"),
                requirements: skills
                    .map(|&skill| Requirement {
                        skill,
                        min_level: rng.random_range(2..=4),
                        weight: f64::from(rng.random_range(1..=3u8)),
                        required: rng.random::<bool>(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Zipf-like pick over `n` items: item i with weight 1/(i+1).
fn zipf(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let h: f64 = (1..=n).map(|i| 1.0 / i as f64).sum();
    let mut x = rng.random::<f64>() * h;
    for i in 0..n {
        x -= 1.0 / (i + 1) as f64;
        if x <= 0.0 {
            return i;
        }
    }
    n - 1
}

fn kind(rng: &mut ChaCha8Rng) -> EvidenceKind {
    match rng.random_range(0..10) {
        0..4 => EvidenceKind::VerifiedCredential,
        4..7 => EvidenceKind::UnverifiedCredential,
        _ => EvidenceKind::SelfAsserted,
    }
}

fn occupation_cdf() -> Vec<f64> {
    let weights: Vec<f64> = (0..OCCUPATIONS).map(|i| 1.0 / (i as f64 + 2.0)).collect();
    let sum: f64 = weights.iter().sum();
    weights
        .iter()
        .scan(0.0, |acc, w| {
            *acc += w / sum;
            Some(*acc)
        })
        .collect()
}

fn learner(id: i64, occ: &[Occupation], occ_cum: &[f64], rng: &mut ChaCha8Rng) -> SegmentLearner {
    let x = rng.random::<f64>();
    let o = occ_cum
        .iter()
        .position(|&c| x <= c)
        .unwrap_or(OCCUPATIONS - 1);
    let occupation = &occ[o];
    let n = rng.random_range(8..=15);
    let mut skills: Vec<i64> = Vec::with_capacity(n);
    for &s in &occupation.core {
        if skills.len() < n && rng.random::<f64>() < 0.8 {
            skills.push(s);
        }
    }
    let mut guard = 0;
    while skills.len() < n && guard < 100 {
        guard += 1;
        let s = match rng.random_range(0..3) {
            0 => 1000 + (zipf(rng, 40) as i64 * 13) % leaf_count(),
            1 => occupation.secondary[rng.random_range(0..SECONDARY)],
            _ => 1000 + rng.random_range(0..leaf_count()),
        };
        if !skills.contains(&s) {
            skills.push(s);
        }
    }
    let evidence = skills
        .iter()
        .map(|&skill| {
            let k = kind(rng);
            Evidence {
                skill,
                level: (rng.random_range(1..=5u8) + rng.random_range(1..=5u8)).div_ceil(2),
                kind: k,
                expired: rng.random::<f64>() < 0.05,
                credential_id: (k != EvidenceKind::SelfAsserted)
                    .then(|| rng.random_range(1..10_000_000)),
            }
        })
        .collect();
    let mut aspirations = Vec::new();
    if rng.random::<f64>() < 0.7 {
        aspirations.push(o as i64 + 1);
    }
    while aspirations.is_empty() || (aspirations.len() < 2 && rng.random::<f64>() < 0.3) {
        let a = rng.random_range(1..=OCCUPATIONS as i64);
        if !aspirations.contains(&a) {
            aspirations.push(a);
        }
    }
    SegmentLearner {
        id,
        evidence,
        aspirations,
        contact_opt_in: rng.random::<f64>() < 0.3,
    }
}

fn courses(rng: &mut ChaCha8Rng) -> Vec<SegmentCourse> {
    (1..=COURSES)
        .map(|id| SegmentCourse {
            id,
            provider_id: id % 40,
            teaches: (0..rng.random_range(1..=3))
                .map(|_| {
                    (
                        1000 + rng.random_range(0..leaf_count()),
                        rng.random_range(2..=5u8),
                    )
                })
                .collect(),
            hours: f64::from(rng.random_range(5..=60u32)),
            cost_cents: rng.random_range(10_000..200_000),
            currency: if id % 10 == 0 { "USD" } else { "CAD" }.to_string(),
        })
        .collect()
}

struct Data {
    tax: Taxonomy,
    learners: Vec<SegmentLearner>,
    occupations: Vec<SegmentOccupation>,
    courses: Vec<SegmentCourse>,
}

fn data(n: i64) -> Data {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let occ = occupations(&mut rng);
    let occupations = segment_occupations(&occ, &mut rng);
    let courses = courses(&mut rng);
    let cdf = occupation_cdf();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let learners = (1..=n)
        .map(|id| learner(id, &occ, &cdf, &mut rng))
        .collect();
    Data {
        tax: taxonomy(),
        learners,
        occupations,
        courses,
    }
}

fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU time (user + system, all threads) of this process so far, in seconds (Linux,
/// 100 ticks per second).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

/// `BENCH_K=auto` uses the default `KChoice::Auto { min: 4, max: 16 }` for the 1M run.
fn options() -> FitOptions {
    FitOptions {
        k: KChoice::Fixed(K),
        ..FitOptions::default()
    }
}

fn main_options() -> FitOptions {
    match std::env::var("BENCH_K").as_deref() {
        Ok("auto") => FitOptions::default(),
        _ => options(),
    }
}

fn main() {
    let n: i64 = std::env::var("BENCH_LEARNERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let t = Instant::now();
    let d = data(n);
    let generate = t.elapsed().as_secs_f64();
    let (rss_data, _) = rss_mib();

    let (c0, t) = (cpu_seconds(), Instant::now());
    let model = fit(&d.tax, &d.learners, &d.occupations, &main_options()).expect("fit");
    let (fit_s, fit_cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c0);
    let (_, hwm_fit) = rss_mib();

    let all = |_: i64| true;
    let (c0, t) = (cpu_seconds(), Instant::now());
    let seg = summarize(
        &model,
        &d.tax,
        &d.learners,
        &all,
        &d.occupations,
        &d.courses,
        &SummaryOptions::default(),
    );
    let (sum_s, sum_cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c0);
    let (_, hwm) = rss_mib();
    assert!(seg.segments.iter().all(|s| s.size >= 10));

    println!(
        "segments: {n} learners, k = {} ({:?}), {} dims, fitted on {}",
        model.k, model.k_choice, model.dims, model.fitted_on
    );
    println!("{:<34} {:>10} {:>10}", "step", "wall s", "CPU s");
    println!(
        "{:<34} {:>10.2} {:>10}",
        "generate data (not counted)", generate, ""
    );
    println!(
        "{:<34} {fit_s:>10.2} {fit_cpu:>10.2}",
        "fit (k-means++, assign all)"
    );
    println!(
        "{:<34} {sum_s:>10.2} {sum_cpu:>10.2}",
        "summarize (all in scope)"
    );
    println!(
        "{:<34} {:>10.2} {:>10.2}",
        "fit + summarize",
        fit_s + sum_s,
        fit_cpu + sum_cpu
    );
    println!(
        "memory: RSS {rss_data:.0} MiB after generating the data; peak {hwm_fit:.0} MiB after fit, {hwm:.0} MiB after summarize"
    );
    println!(
        "silhouettes by k {:?}",
        model
            .silhouettes
            .iter()
            .map(|&(k, s)| (k, (s * 1000.0).round() / 1000.0))
            .collect::<Vec<_>>()
    );
    println!(
        "silhouette {:?}; segment sizes {:?}",
        model.silhouette.map(|s| (s * 1000.0).round() / 1000.0),
        seg.segments.iter().map(|s| s.size).collect::<Vec<_>>()
    );
    if let Some(s) = seg.segments.first() {
        println!(
            "segment {}: \"{}\", avg score {:?}, {} gaps, recommended {:?}",
            s.key,
            s.label,
            s.avg_match_score.map(|x| (x * 1000.0).round() / 1000.0),
            s.all_gaps.len(),
            s.recommended
                .iter()
                .map(|r| r.course_id)
                .collect::<Vec<_>>()
        );
    }
    drop((model, seg, d));

    let small = data(50_000);
    let mut c = Criterion::default().sample_size(10).configure_from_args();
    c.bench_function("segments/fit_summarize_50k_k12", |b| {
        b.iter(|| {
            let model =
                fit(&small.tax, &small.learners, &small.occupations, &options()).expect("fit");
            black_box(summarize(
                &model,
                &small.tax,
                &small.learners,
                &all,
                &small.occupations,
                &small.courses,
                &SummaryOptions::default(),
            ))
        })
    });
    c.final_summary();
}
