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
//! Data, from the generator shared with `benches/engine.rs` (`benches/common`): 3 areas >
//! 80 families > 800 skills (883 in all); 20 occupations with 12 core skills from 3
//! families (held by ~80% of their practitioners) and 30 secondary ones, 8 requirements
//! each (6 core, 2 secondary); a global popularity skew; 8-15 skills per learner with
//! skewed levels and kinds; 1-2 aspirations (the learner's own occupation for 70%); 30%
//! opted in; 2,000 courses teaching 1-3 skills (90% in CAD, 10% in USD).

use std::hint::black_box;
use std::time::Instant;

use criterion::Criterion;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use search_index::segments::{
    FitOptions, KChoice, SegmentCourse, SegmentLearner, SegmentOccupation, SummaryOptions, fit,
    summarize,
};
use search_index::{Requirement, Taxonomy};

#[path = "common/mod.rs"]
mod common;

use common::{OCCUPATIONS, Occupation, Shape, occupation_cdf};

const SHAPE: Shape = Shape {
    families: 80,
    leaves_per_family: 10,
};
const COURSES: i64 = 2_000;
const K: usize = 12;

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

fn learner(id: i64, occ: &[Occupation], occ_cum: &[f64], rng: &mut ChaCha8Rng) -> SegmentLearner {
    let (o, evidence) = SHAPE.learner_evidence(occ, occ_cum, rng);
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
                        1000 + rng.random_range(0..SHAPE.leaf_count()),
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
    let occ = SHAPE.occupations(&mut rng);
    let occupations = segment_occupations(&occ, &mut rng);
    let courses = courses(&mut rng);
    let cdf = occupation_cdf();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let learners = (1..=n)
        .map(|id| learner(id, &occ, &cdf, &mut rng))
        .collect();
    Data {
        tax: SHAPE.taxonomy(),
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
