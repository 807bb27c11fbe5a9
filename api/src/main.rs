//! `talent`: see `talent --help`.

use clap::Parser;

/// mimalloc instead of the system allocator: with glibc's, allocation was a fifth of
/// the server's CPU under a candidate-search load and a tenth of `talent reindex`
/// (profiles in BENCHMARKS.md); small, short-lived allocations from many threads are
/// what a GraphQL server makes.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = talent_api::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(talent_api::cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
