//! `talent token`.

use std::time::Duration;

use anyhow::bail;
use clap::Args;

use crate::auth::token::parse_ttl;
use crate::config::{JwtConfig, StorageConfig};
use crate::db::{self, migrations};
use crate::repo::{self, Role};

/// `talent token`.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// Subject (`sub`). For a subject that exists, role and organization come from the
    /// database.
    #[arg(long)]
    pub sub: String,
    /// Role, for a subject not in the database: learner, recruiter, institution, admin.
    #[arg(long)]
    pub role: Option<String>,
    /// Organization slug, for a recruiter or institution not in the database.
    #[arg(long)]
    pub org: Option<String>,
    /// Lifetime, e.g. 30m, 1h, 7d.
    #[arg(long, default_value = "1h", value_parser = parse_ttl)]
    pub ttl: Duration,
}

/// The settings `talent token` signs with: the HS256 secret (`TALENT_JWT_SECRET`, or
/// the one generated in the data dir) and the issuer/audience the server requires.
pub fn jwt_config(storage: &StorageConfig) -> anyhow::Result<JwtConfig> {
    crate::auth::AuthConfig::from_env(&storage.data_dir)?.mint_config().ok_or_else(|| {
        anyhow::anyhow!("HS256 is disabled (TALENT_JWT_DISABLE_HS256): tokens come from your identity provider")
    })
}

/// Prints a token for `args.sub`: with the role and organization the database holds
/// for that subject, or those given for a subject it does not hold.
pub(super) async fn run(storage: &StorageConfig, args: &TokenArgs) -> anyhow::Result<()> {
    storage.prepare_data_dir()?;
    let jwt = jwt_config(storage)?;
    let db = db::connect(storage).await?;
    migrations::run_pending(&db).await?;
    let mut p = db.conn().await?;
    let c = &mut p.conn();
    let (role, org) = match repo::users::find_by_subject(c, &args.sub).await? {
        Some(user) => {
            let org = match user.organization_id {
                Some(id) => repo::organizations::get_many(c, &[id])
                    .await?
                    .pop()
                    .map(|o| o.slug),
                None => None,
            };
            if let Some(r) = &args.role
                && r.to_uppercase() != user.role.as_str()
            {
                bail!(
                    "{} exists with role {}; --role {r} contradicts it",
                    args.sub,
                    user.role.as_str().to_lowercase()
                );
            }
            (user.role, org)
        }
        None => {
            let Some(r) = &args.role else {
                bail!(
                    "{} is not in the database: give --role (and --org for recruiters and institutions)",
                    args.sub
                )
            };
            let role: Role = r.to_uppercase().parse().map_err(|_| {
                anyhow::anyhow!("--role must be learner, recruiter, institution or admin")
            })?;
            if matches!(role, Role::Recruiter | Role::Institution) {
                let Some(slug) = &args.org else {
                    bail!("--org is required for a {r}")
                };
                if repo::organizations::find_by_slug(c, slug).await?.is_none() {
                    bail!("organization {slug:?} does not exist");
                }
            }
            (role, args.org.clone())
        }
    };
    println!(
        "{}",
        crate::auth::mint(&jwt, &args.sub, role, org.as_deref(), args.ttl)?
    );
    Ok(())
}
