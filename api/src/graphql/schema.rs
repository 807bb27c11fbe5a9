//! The schema, the per-request context, and the SDL export.

use std::sync::Arc;

use async_graphql::{Data, SDLExportOptions, Schema};
use futures::future::BoxFuture;

use super::context::{Services, SignedIn, Viewer};
use super::loaders::Loaders;
use super::mutation::Mutation;
use super::query::Query;
use super::subscription::Subscription;
use super::viewers::ViewerCache;
use crate::auth::{Verifier, provision};
use crate::db::Db;
use crate::http::{ContextProvider, HttpConfig, Metrics, Rejection, apply_limits};
use crate::repo;

/// The schema type.
pub type TalentSchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema with its services and the schema-level HTTP limits (no extension:
/// the router checks the rest, see [`crate::http`]). `metrics` is schema data:
/// resolvers record the engine's time in it.
pub fn build(services: Services, cfg: &HttpConfig, metrics: Arc<Metrics>) -> TalentSchema {
    let builder = Schema::build(Query::default(), Mutation::default(), Subscription)
        .data(services)
        .data(metrics);
    apply_limits(builder, cfg).finish()
}

/// The SDL of the schema (what `talent export-schema` writes to schema.graphql), with
/// the `@specifiedBy` URLs that introspection reports as `specifiedByURL` (`DateTime`:
/// RFC 3339), so the file and the live schema agree.
pub fn sdl() -> String {
    let schema = Schema::build(Query::default(), Mutation::default(), Subscription).finish();
    let mut s = schema.sdl_with_options(SDLExportOptions::new().include_specified_by());
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// Turns a bearer token into the request's [`Viewer`] and fresh [`Loaders`]: verifies
/// the token, provisions the user on first sight, loads their organization; a token
/// seen shortly before is served from the [`ViewerCache`].
pub struct AppContextProvider {
    /// The database.
    pub db: Db,
    /// The token verifier.
    pub verifier: Arc<Verifier>,
    /// Recently verified tokens (the same cache as [`Services::viewers`]).
    pub viewers: Arc<ViewerCache>,
}

impl AppContextProvider {
    async fn viewer(
        db: Db,
        verifier: Arc<Verifier>,
        viewers: Arc<ViewerCache>,
        bearer: Option<String>,
    ) -> Result<Viewer, Rejection> {
        let Some(token) = bearer else {
            return Ok(Viewer::Anonymous);
        };
        if let Some(signed_in) = viewers.get(&token) {
            return Ok(Viewer::User(signed_in));
        }
        let claims = verifier.verify(&token).map_err(|e| Rejection {
            code: e.code(),
            message: e.to_string(),
        })?;
        let unavailable = |e: &dyn std::fmt::Display| {
            tracing::warn!(error = %e, "database unavailable while authenticating");
            Rejection {
                code: "SERVICE_UNAVAILABLE",
                message: "service unavailable".into(),
            }
        };
        let mut p = db.conn().await.map_err(|e| unavailable(&e))?;
        let c = &mut p.conn();
        let user = provision(c, &claims).await.map_err(|e| Rejection {
            code: e.code(),
            message: e.to_string(),
        })?;
        let organization = match user.organization_id {
            Some(id) => repo::organizations::get_many(c, &[id])
                .await
                .map_err(|e| unavailable(&e))?
                .pop(),
            None => None,
        };
        let signed_in = Arc::new(SignedIn { user, organization });
        viewers.insert(&token, signed_in.clone(), claims.expires_at);
        Ok(Viewer::User(signed_in))
    }
}

impl ContextProvider for AppContextProvider {
    fn context(&self, bearer: Option<String>) -> BoxFuture<'static, Result<Data, Rejection>> {
        let db = self.db.clone();
        let verifier = self.verifier.clone();
        let viewers = self.viewers.clone();
        Box::pin(async move {
            let viewer = Self::viewer(db.clone(), verifier, viewers, bearer).await?;
            let mut data = Data::default();
            data.insert(viewer);
            data.insert(Loaders::new(&db));
            Ok(data)
        })
    }
}
