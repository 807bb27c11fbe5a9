//! `talent export-schema`.

use std::path::Path;

use anyhow::Context;

/// Writes the GraphQL schema's SDL to `out`, or to stdout when `out` is `-`.
pub(super) fn run(out: &Path) -> anyhow::Result<()> {
    let sdl = crate::graphql::sdl();
    if out.as_os_str() == "-" {
        print!("{sdl}");
    } else {
        std::fs::write(out, sdl).with_context(|| format!("cannot write {}", out.display()))?;
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}
