//! Engine benchmarks on synthetic data (deterministic from a seed).
//!
//! `cargo bench -p search-index --bench engine` builds an on-disk index of 1M learners
//! (override with `BENCH_LEARNERS`, e.g. for a quick check; the reported numbers use the
//! default), prints build throughput, resident memory and per-query latency percentiles
//! (p50/p99 over 200 jobs with 8 requirements, top 20 with explanations) for the scan
//! baseline, the engine on one thread and on two, then runs the criterion groups.
//!
//! Data: 3 areas > 60 families > 540 skills; 20 occupations, each with 12 core skills
//! (held by ~80% of its practitioners) and 30 secondary ones, plus a global popularity
//! skew (a handful of skills everybody lists); 8-15 skills per learner, levels and
//! evidence kinds skewed as in real portfolios. The taxonomy, occupations and learners'
//! evidence come from `benches/common` (shared with the segments bench).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use search_index::{
    CandidateQuery, Document, Engine, EngineOptions, Evidence, JobDoc, JobQuery, LearnerDoc,
    MicrocredentialDoc, RemotePreference, Requirement, Snapshot, Taxonomy, Visibility,
};

#[path = "common/mod.rs"]
mod common;

use common::{CORE, OCCUPATIONS, Occupation, SECONDARY, Shape, occupation_cdf, zipf};

const SHAPE: Shape = Shape {
    families: 60,
    leaves_per_family: 9,
};
const CITIES: [&str; 8] = [
    "Toronto",
    "Montreal",
    "Vancouver",
    "Calgary",
    "Ottawa",
    "Halifax",
    "Winnipeg",
    "Quebec",
];

fn learner(id: i64, occ: &[Occupation], occ_cum: &[f64], rng: &mut ChaCha8Rng) -> LearnerDoc {
    let (o, evidence) = SHAPE.learner_evidence(occ, occ_cum, rng);
    LearnerDoc {
        id,
        visibility: match rng.random_range(0..10) {
            0..3 => Visibility::Private,
            3..8 => Visibility::Recruiters,
            _ => Visibility::Public,
        },
        location: Some(CITIES[zipf(rng, CITIES.len())].to_string()),
        remote_preference: match rng.random_range(0..3) {
            0 => RemotePreference::OnSite,
            1 => RemotePreference::Hybrid,
            _ => RemotePreference::Remote,
        },
        headline: format!("occupation {o} practitioner"),
        bio: format!(
            "experienced in skill {} and skill {}",
            evidence[0].skill,
            evidence[evidence.len() - 1].skill
        ),
        credential_titles: vec![],
        evidence,
    }
}

fn jobs(occ: &[Occupation], rng: &mut ChaCha8Rng, n: usize) -> Vec<Vec<Requirement>> {
    (0..n)
        .map(|_| {
            let o = &occ[rng.random_range(0..OCCUPATIONS)];
            let mut skills: Vec<i64> = Vec::new();
            while skills.len() < 6 {
                let s = o.core[rng.random_range(0..CORE)];
                if !skills.contains(&s) {
                    skills.push(s);
                }
            }
            while skills.len() < 8 {
                let s = o.secondary[rng.random_range(0..SECONDARY)];
                if !skills.contains(&s) {
                    skills.push(s);
                }
            }
            skills
                .into_iter()
                .map(|skill| Requirement {
                    skill,
                    min_level: rng.random_range(2..=4),
                    weight: f64::from(rng.random_range(1..=3u8)),
                    required: rng.random::<bool>(),
                })
                .collect()
        })
        .collect()
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
    // fields after the command name (which ends with ')'): utime is the 12th, stime 13th
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn percentiles(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let p = |q: f64| ms(v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1]);
    (p(0.5), p(0.99), ms(v[v.len() - 1]))
}

fn latency(
    name: &str,
    queries: &[CandidateQuery],
    reps: usize,
    mut f: impl FnMut(&CandidateQuery) -> usize,
) -> f64 {
    let mut times = Vec::with_capacity(queries.len() * reps);
    for _ in 0..reps {
        for q in queries {
            let t = Instant::now();
            black_box(f(q));
            times.push(t.elapsed());
        }
    }
    let (p50, p99, max) = percentiles(times);
    println!("{name:<28} p50 {p50:7.2} ms   p99 {p99:7.2} ms   max {max:7.2} ms");
    p99
}

/// Builds the index in this process, then measures searches in a fresh child process (so
/// that its resident memory is the searcher's, not the builder's).
fn main() {
    let tax = Arc::new(SHAPE.taxonomy());
    if let Some(dir) = std::env::var_os("SI_BENCH_INDEX") {
        searcher(std::path::Path::new(&dir), tax);
        return;
    }
    let n: i64 = std::env::var("BENCH_LEARNERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let occ = SHAPE.occupations(&mut ChaCha8Rng::seed_from_u64(42));
    let occ_cum = occupation_cdf();
    let dir = tempfile::tempdir().expect("tempdir");
    let cpu0 = cpu_seconds();
    let t = Instant::now();
    let (engine, _) = Engine::open(
        dir.path(),
        Arc::clone(&tax),
        EngineOptions::default(),
        || {
            let mut rng = ChaCha8Rng::seed_from_u64(7);
            let docs =
                (1..=n).map(move |id| Document::Learner(learner(id, &occ, &occ_cum, &mut rng)));
            Ok(Snapshot {
                applied_seq: 0,
                docs,
            })
        },
    )
    .expect("build");
    let build = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    println!(
        "build: {n} learners in {build:.2} s = {:.0} learners/s (2 indexing threads, on disk, generation included)",
        n as f64 / build
    );
    println!(
        "build CPU time {cpu:.2} s over all threads = {:.0} learners per CPU-second (x2 = {:.0}/s on an otherwise idle 2-core machine)",
        n as f64 / cpu,
        2.0 * n as f64 / cpu
    );
    let (rss, hwm) = rss_mib();
    println!("builder memory: RSS {rss:.0} MiB, peak {hwm:.0} MiB");
    drop(engine);
    let status = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args(std::env::args_os().skip(1))
        .env("SI_BENCH_INDEX", dir.path())
        .status()
        .expect("searcher process");
    assert!(status.success(), "searcher process failed");
}

fn reopen(dir: &std::path::Path, tax: &Arc<Taxonomy>, search_threads: usize) -> Engine {
    let options = EngineOptions {
        search_threads,
        ..EngineOptions::default()
    };
    Engine::open(dir, Arc::clone(tax), options, || {
        Err::<Snapshot<Vec<Document>>, _>("index should be readable".into())
    })
    .expect("reopen")
    .0
}

fn searcher(dir: &std::path::Path, tax: Arc<Taxonomy>) {
    let t = Instant::now();
    let engine = reopen(dir, &tax, 1);
    println!(
        "searcher: reopen (forward index loaded from stored documents) {:.2} s, {} learners",
        t.elapsed().as_secs_f64(),
        engine.num_learners()
    );
    let (rss, _) = rss_mib();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let split: Vec<&str> = status
        .lines()
        .filter(|l| l.starts_with("RssAnon") || l.starts_with("RssFile"))
        .collect();
    println!(
        "searcher RSS after open: {rss:.0} MiB ({})",
        split
            .join(", ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let occ = SHAPE.occupations(&mut ChaCha8Rng::seed_from_u64(42));
    let queries: Vec<CandidateQuery> = jobs(&occ, &mut rng, 200)
        .into_iter()
        .map(CandidateQuery::new)
        .collect();
    // Sanity: the engine returns exactly the scan's results.
    for q in &queries {
        let a = engine.search_candidates(q).expect("search");
        let b = engine.search_candidates_scan(q).expect("scan");
        assert_eq!(a, b, "engine and scan disagree");
    }
    let scan = latency("scan baseline (1 thread)", &queries, 1, |q| {
        engine.search_candidates_scan(q).map_or(0, |p| p.hits.len())
    });
    let one = latency("engine (1 thread)", &queries, 3, |q| {
        engine.search_candidates(q).map_or(0, |p| p.hits.len())
    });
    drop(engine);
    let engine2 = reopen(dir, &tax, 2);
    let two = latency("engine (2 threads)", &queries, 3, |q| {
        engine2.search_candidates(q).map_or(0, |p| p.hits.len())
    });
    println!(
        "speed-up at p99 over the scan: 1 thread {:.1}x, 2 threads {:.1}x",
        scan / one,
        scan / two
    );
    let (rss, hwm) = rss_mib();
    println!("searcher RSS after queries: {rss:.0} MiB (process peak {hwm:.0} MiB)");

    // Jobs for a learner: 100k open jobs, 100 learners' profiles.
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let job_docs: Vec<Document> = jobs(&occ, &mut rng, 100_000)
        .into_iter()
        .enumerate()
        .map(|(i, requirements)| {
            Document::Job(JobDoc {
                id: i as i64 + 1,
                requirements,
                title: format!("job {i}"),
                description: String::new(),
                employer_id: i as i64 % 500,
                location: Some(CITIES[i % CITIES.len()].to_string()),
                remote: i % 3 == 0,
                open: true,
            })
        })
        .collect();
    let job_engine = Engine::in_memory_from(
        Arc::clone(&tax),
        EngineOptions::default(),
        Snapshot {
            applied_seq: 0,
            docs: job_docs,
        },
    )
    .expect("jobs");
    let occ_cum = occupation_cdf();
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let profiles: Vec<Vec<Evidence>> = (0..100)
        .map(|id| learner(id, &occ, &occ_cum, &mut rng).evidence)
        .collect();
    let mut times = Vec::new();
    for e in &profiles {
        let t = Instant::now();
        black_box(
            job_engine
                .jobs_for_evidence(e, &JobQuery::default())
                .map_or(0, |p| p.hits.len()),
        );
        times.push(t.elapsed());
    }
    let (p50, p99, max) = percentiles(times);
    println!(
        "jobs for a learner, 100k open jobs: p50 {p50:.2} ms   p99 {p99:.2} ms   max {max:.2} ms"
    );
    drop(job_engine);

    // Microcredential lookups: 10k catalogue, 12 gap skills per pathway.
    let mut mc_engine =
        Engine::in_memory(Arc::clone(&tax), EngineOptions::default()).expect("engine");
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mcs = (1..=10_000).map(|id| {
        Document::Microcredential(MicrocredentialDoc {
            id,
            provider_id: id % 50,
            title: format!("course {id}"),
            description: String::new(),
            hours: f64::from(rng.random_range(5..60u8)),
            cost_cents: rng.random_range(0..100_000),
            skills: (0..rng.random_range(1..4))
                .map(|_| {
                    (
                        1000 + rng.random_range(0..SHAPE.leaf_count()),
                        rng.random_range(1..=5u8),
                    )
                })
                .collect(),
            prerequisites: vec![],
            active: rng.random::<f64>() < 0.9,
        })
    });
    mc_engine
        .rebuild(Snapshot {
            applied_seq: 0,
            docs: mcs,
        })
        .expect("catalogue");
    let gaps: Vec<(i64, u8)> = queries[0]
        .requirements
        .iter()
        .chain(&queries[1].requirements)
        .take(12)
        .map(|r| (r.skill, r.min_level))
        .collect();

    let mut c = Criterion::default().sample_size(20).configure_from_args();
    {
        let mut g = c.benchmark_group("candidates_1m");
        g.sample_size(10);
        let mut i = 0;
        g.bench_function("engine_2_threads", |b| {
            b.iter(|| {
                i = (i + 1) % queries.len();
                engine2
                    .search_candidates(&queries[i])
                    .map_or(0, |p| p.hits.len())
            })
        });
        g.bench_function("scan_baseline", |b| {
            b.iter(|| {
                i = (i + 1) % queries.len();
                engine2
                    .search_candidates_scan(&queries[i])
                    .map_or(0, |p| p.hits.len())
            })
        });
        g.finish();
    }
    c.bench_function("microcredential_lookup_12_gaps_10k", |b| {
        b.iter(|| {
            gaps.iter()
                .map(|&(s, l)| mc_engine.microcredentials_teaching(s, l).len())
                .sum::<usize>()
        })
    });
    c.final_summary();
}
