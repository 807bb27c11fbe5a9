//! `talent segments`: the insights worker's read and segmentation, once, with the time
//! of each stage.

use std::sync::Arc;

use search_index::segments::{SummaryOptions, summarize};

use crate::config::StorageConfig;
use crate::db::{self, migrations};
use crate::insights::service::{MAX_K, MIN_K, fit_model, fit_options, largest_first};
use crate::insights::{self, InsightsOptions};

/// One read and one segmentation, timed, printed.
///
/// # Errors
/// The database, or a k the data cannot support.
pub(super) async fn run(storage: &StorageConfig, k: Option<usize>) -> anyhow::Result<()> {
    if let Some(k) = k
        && !(MIN_K..=MAX_K).contains(&k)
    {
        anyhow::bail!("--k must be between {MIN_K} and {MAX_K}");
    }
    let db = db::connect(storage).await?;
    migrations::run_pending(&db).await?;
    let t = std::time::Instant::now();
    let tax = {
        let mut p = db.conn().await?;
        Arc::new(crate::indexer::taxonomy::load(&mut p.conn()).await?)
    };
    let d = insights::load(&db).await?;
    let read = t.elapsed();
    let opts = InsightsOptions::from_env()?;
    let t = std::time::Instant::now();
    let learners = d.segment_learners();
    let model = fit_model(&tax, &learners, &d.occupations, &fit_options(&opts, k))?;
    let fitted = t.elapsed();
    let t = std::time::Instant::now();
    let courses = d.segment_courses();
    let so = SummaryOptions {
        min_cohort: opts.min_cohort,
        ..SummaryOptions::default()
    };
    let all = largest_first(summarize(
        &model,
        &tax,
        &learners,
        &|_| true,
        &d.occupations,
        &courses,
        &so,
    ));
    let summarised = t.elapsed();
    let t = std::time::Instant::now();
    for members in d.members.values() {
        summarize(
            &model,
            &tax,
            &learners,
            &|id| members.contains(&id),
            &d.occupations,
            &courses,
            &so,
        );
    }
    let institutions = t.elapsed();
    println!(
        "{} learners, {} jobs: read {:.1}s, fit {:.1}s (k = {}, silhouette {}), summary of all {:.1}s, {} institutions' own {:.1}s",
        d.learners.len(),
        d.jobs.len(),
        read.as_secs_f64(),
        fitted.as_secs_f64(),
        model.k,
        model.silhouette.map_or("n/a".into(), |s| format!("{s:.3}")),
        summarised.as_secs_f64(),
        d.members.len(),
        institutions.as_secs_f64()
    );
    println!("method: {}", model.method);
    let name = |s: i64| tax.get(s).map_or_else(|| s.to_string(), |d| d.name.clone());
    for s in &all.segments {
        println!(
            "- {:>7} learners, reach {:>6}, avg score {}: {} | gaps: {}",
            s.size,
            s.reach,
            s.avg_match_score
                .map_or("n/a".into(), |v| format!("{v:.2}")),
            s.label,
            s.common_gaps
                .iter()
                .take(3)
                .map(|g| format!("{} L{}", name(g.skill), g.min_level))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if all.suppressed_segments > 0 {
        println!(
            "({} segments below the minimum cohort suppressed)",
            all.suppressed_segments
        );
    }
    Ok(())
}
