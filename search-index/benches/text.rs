//! Extraction throughput: the real taxonomy (seeds/skills.csv, ~1,100 skills with
//! aliases) over job-ad prose. `cargo bench -p search-index --bench text`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use search_index::text::{Lexicon, LexiconEntry};

fn lexicon() -> Lexicon {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../seeds/skills.csv");
    let mut reader = csv::Reader::from_path(path).expect("seeds/skills.csv");
    let headers = reader.headers().expect("headers").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect("column");
    let (name, aliases, ambiguous) = (col("name"), col("aliases"), col("ambiguous"));
    let entries = reader.records().enumerate().map(|(i, r)| {
        let r = r.expect("record");
        let mut names = vec![r[name].to_owned()];
        names.extend(
            r[aliases]
                .split('|')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned),
        );
        LexiconEntry {
            key: i as u32,
            names,
            ambiguous: &r[ambiguous] == "true",
        }
    });
    Lexicon::new(entries).expect("the seed taxonomy builds a lexicon")
}

fn bench(c: &mut Criterion) {
    let lex = lexicon();
    let para = "We are hiring a Senior Backend Engineer to build services in Go and Rust. \
                You will excel at designing APIs with PostgreSQL, Kubernetes and Docker; \
                experience in R or Python (pandas), Advanced Excel (pivot tables) and \
                machine learning is a plus. Ready to go? Ｃ＃ / .NET / C++17 welcome.\n";
    let text = para.repeat(256);
    assert!(!lex.extract(&text).is_empty());
    let mut g = c.benchmark_group("extract");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("job_ads_100KB", |b| {
        b.iter(|| black_box(lex.extract(black_box(&text))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
