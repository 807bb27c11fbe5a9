//! `me` and the export of one's own data.

use async_graphql::{Context, Json, Object};

use crate::graphql::context::{my_learner, require_user, services, viewer};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::types::catalog::Organization;
use crate::graphql::types::enums::Role;
use crate::graphql::types::learner::Learner;
use crate::repo;

/// The signed-in user.
pub struct ViewerInfo {
    subject: String,
    role: Role,
    organization: Option<repo::organizations::Organization>,
}

/// Who the token says you are, with your profile or organization.
#[Object(name = "Viewer")]
impl ViewerInfo {
    /// The token's subject.
    async fn subject(&self) -> &str {
        &self.subject
    }
    /// Your role.
    async fn role(&self) -> Role {
        self.role
    }
    /// Your learner profile; null for other roles and before `upsertMyProfile`.
    async fn learner(&self, ctx: &Context<'_>) -> ApiResult<Option<Learner>> {
        if self.role != Role::Learner {
            return Ok(None);
        }
        Ok(my_learner(ctx).await?.map(Learner))
    }
    /// Your organization (recruiters and institutions); null otherwise.
    async fn organization(&self) -> Option<Organization> {
        self.organization.clone().map(Organization)
    }
}

/// Viewer queries.
#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// The signed-in user. UNAUTHENTICATED without a token.
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<ViewerInfo> {
        let s = require_user(ctx)?;
        Ok(ViewerInfo {
            subject: s.user.subject.clone(),
            role: s.user.role.into(),
            organization: s.organization.clone(),
        })
    }

    /// Everything stored about the signed-in user, as one JSON document (the right of
    /// access): the user, and for a learner the profile, aspirations, self-asserted
    /// skills, credentials with their skills, and applications.
    async fn export_my_data(&self, ctx: &Context<'_>) -> ApiResult<Json<serde_json::Value>> {
        let s = require_user(ctx)?;
        let _ = viewer(ctx);
        let mut p = services(ctx)?.db.conn().await?;
        let c = &mut p.conn();
        let mut doc = serde_json::json!({
            "user": {
                "subject": s.user.subject,
                "role": s.user.role.as_str(),
                "organization": s.organization.as_ref().map(|o| o.slug.clone()),
            }
        });
        if let Some(l) = repo::learners::find_by_user(c, s.user.id).await? {
            let creds = repo::credentials::of_learners(c, &[l.id]).await?;
            let ids: Vec<i64> = creds.iter().map(|c| c.id).collect();
            let cs = repo::credentials::skills_of(c, &ids).await?;
            let mut skill_ids: Vec<i64> = cs.iter().map(|(_, s, _)| *s).collect();
            let asserted = repo::learners::asserted_skills_of(c, &[l.id]).await?;
            skill_ids.extend(asserted.iter().map(|a| a.skill_id));
            let skills: std::collections::HashMap<i64, String> =
                repo::skills::get_many(c, &skill_ids)
                    .await?
                    .into_iter()
                    .map(|s| (s.id, s.slug))
                    .collect();
            let aspirations = repo::learners::aspirations_of(c, &[l.id]).await?;
            let occ_ids: Vec<i64> = aspirations.iter().map(|(_, o)| *o).collect();
            let occupations: Vec<String> = repo::occupations::get_many(c, &occ_ids)
                .await?
                .into_iter()
                .map(|o| o.slug)
                .collect();
            let applications = repo::applications::of_learner(c, l.id).await?;
            let slug = |id: &i64| skills.get(id).cloned().unwrap_or_default();
            doc["learner"] = serde_json::json!({
                "displayName": l.display_name,
                "headline": l.headline,
                "bio": l.bio,
                "location": l.location,
                "remotePreference": l.remote_preference.as_str(),
                "visibility": l.visibility.as_str(),
                "contactOptIn": l.contact_opt_in,
                "createdAt": l.created_at.and_utc().to_rfc3339(),
                "updatedAt": l.updated_at.and_utc().to_rfc3339(),
                "aspirations": occupations,
                "selfAssertedSkills": asserted.iter().map(|a| serde_json::json!({"skill": slug(&a.skill_id), "level": a.level})).collect::<Vec<_>>(),
                "credentials": creds.iter().map(|cr| serde_json::json!({
                    "title": cr.title,
                    "issuer": cr.issuer,
                    "issuedAt": cr.issued_at.and_utc().to_rfc3339(),
                    "expiresAt": cr.expires_at.map(|t| t.and_utc().to_rfc3339()),
                    "status": cr.status.as_str(),
                    "source": cr.source.as_str(),
                    "skills": cs.iter().filter(|(cid, _, _)| *cid == cr.id).map(|(_, s, lv)| serde_json::json!({"skill": slug(s), "level": lv})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "applications": applications.iter().map(|a| serde_json::json!({"jobId": a.job_id, "status": a.status.as_str(), "createdAt": a.created_at.and_utc().to_rfc3339()})).collect::<Vec<_>>(),
            });
        }
        if doc.is_null() {
            return Err(ApiError::Internal("empty export".into()));
        }
        Ok(Json(doc))
    }
}
