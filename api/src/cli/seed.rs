//! `talent seed`.

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Args;

use crate::config::StorageConfig;
use crate::db::{self, migrations};
use crate::seed::{Catalog, SeedSources};

/// `talent seed`.
#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// Load the curated catalogue and the demo data (idempotent: a second run changes
    /// nothing).
    #[arg(long)]
    pub demo: bool,
    /// Generate a synthetic population (deterministic from --seed) on top of the
    /// curated catalogue.
    #[arg(long, conflicts_with = "demo")]
    pub synthetic: bool,
    /// Synthetic learners.
    #[arg(long, default_value_t = 10_000)]
    pub learners: usize,
    /// Synthetic jobs.
    #[arg(long, default_value_t = 1_000)]
    pub jobs: usize,
    /// Synthetic microcredentials.
    #[arg(long, default_value_t = 500)]
    pub microcredentials: usize,
    /// RNG seed of the synthetic population.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Read the seed files from this directory instead of the copies built into the
    /// binary.
    #[arg(long)]
    pub seeds_dir: Option<PathBuf>,
}

/// The curated catalogue from `dir`, or the copy built into the binary.
fn load_catalog(dir: Option<&Path>) -> anyhow::Result<Catalog> {
    let sources = match dir {
        Some(d) => SeedSources::from_dir(d)?,
        None => SeedSources::embedded(),
    };
    Ok(Catalog::load(&sources)?)
}

/// Migrates, then loads the demo data or a synthetic population.
pub(super) async fn run(storage: &StorageConfig, args: &SeedArgs) -> anyhow::Result<()> {
    if !args.demo && !args.synthetic {
        bail!("say what to seed: --demo or --synthetic");
    }
    let catalog = load_catalog(args.seeds_dir.as_deref())?;
    let db = db::connect(storage).await?;
    migrations::run_pending(&db).await?;
    if args.synthetic {
        let spec = crate::seed::synthetic::SyntheticSpec {
            learners: args.learners,
            jobs: args.jobs,
            microcredentials: args.microcredentials,
            seed: args.seed,
        };
        let total = (spec.learners + spec.jobs + spec.microcredentials) as u64;
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let started = std::time::Instant::now();
        let report = crate::seed::synthetic::load_synthetic(&db, &catalog, spec, |n| {
            bar.set_position(n as u64)
        })
        .await?;
        bar.finish();
        let secs = started.elapsed().as_secs_f64();
        println!(
            "synthetic: {} learners, {} jobs, {} microcredentials, {} rows in {:.1}s ({:.0} learners/s) on {}",
            report.learners,
            report.jobs,
            report.microcredentials,
            report.rows,
            secs,
            report.learners as f64 / secs.max(1e-9),
            db.backend().as_str()
        );
        return Ok(());
    }
    let mut p = db.conn().await?;
    let report = crate::seed::load_demo(&mut p.conn(), &catalog).await?;
    if report.is_empty() {
        println!("demo data already present: nothing to do");
    } else {
        println!("{report:?}");
    }
    Ok(())
}
