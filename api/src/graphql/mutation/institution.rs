//! Institutions publish microcredentials and issue credentials for them.

use async_graphql::{Context, ID, InputObject, Object};

use super::searchable;
use crate::graphql::context::{can_see_learner, loaders, require_role, services, viewer};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::ids::{self, NodeType};
use crate::graphql::input::{SkillLevelInput, decode_skill_levels, optional_text, required_text};
use crate::graphql::types::catalog::Microcredential;
use crate::graphql::types::learner::Credential;
use crate::repo::{self, CredentialSource, CredentialStatus, OrganizationKind, Role};

/// A microcredential to publish.
#[derive(InputObject)]
pub struct MicrocredentialInput {
    /// Title, 1..200 characters.
    pub title: String,
    /// Description, at most 20,000 characters.
    pub description: String,
    /// Study hours, > 0 and at most 10,000.
    pub hours: f64,
    /// Price in cents, >= 0.
    pub cost_cents: i32,
    /// ISO 4217 code.
    #[graphql(default = "USD")]
    pub currency: String,
    /// Skills it certifies (1..20), with the level reached.
    pub skills: Vec<SkillLevelInput>,
    /// Skills (at levels) required before taking it (at most 20).
    pub prerequisites: Option<Vec<SkillLevelInput>>,
}

/// Institution mutations.
#[derive(Default)]
pub struct InstitutionMutation;

#[Object]
impl InstitutionMutation {
    /// Publishes a microcredential of the institution (admins name the provider).
    async fn create_microcredential(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The microcredential.")] input: MicrocredentialInput,
        #[graphql(desc = "Admins only: the providing institution.")] provider_id: Option<ID>,
    ) -> ApiResult<Microcredential> {
        let me = require_role(ctx, &[Role::Institution, Role::Admin])?;
        if !(input.hours.is_finite() && input.hours > 0.0 && input.hours <= 10_000.0) {
            return Err(ApiError::bad("hours must be in (0, 10000]"));
        }
        if input.cost_cents < 0 {
            return Err(ApiError::bad("costCents must be >= 0"));
        }
        crate::graphql::query::matching::check_currency(&input.currency)?;
        let skills = decode_skill_levels(&input.skills, 20)?;
        if skills.is_empty() {
            return Err(ApiError::bad(
                "a microcredential teaches at least one skill",
            ));
        }
        let prerequisites =
            decode_skill_levels(input.prerequisites.as_deref().unwrap_or_default(), 20)?;
        let provider = match (me.user.role, provider_id) {
            (Role::Admin, Some(p)) => {
                let id = ids::decode(NodeType::Organization, &p)?;
                let org = loaders(ctx)?
                    .organization
                    .load_one(id)
                    .await?
                    .ok_or(ApiError::NotFound("organization"))?;
                if org.kind != OrganizationKind::Institution {
                    return Err(ApiError::bad("providerId is not an institution"));
                }
                org.id
            }
            (Role::Admin, None) => return Err(ApiError::bad("admins give providerId")),
            (_, Some(_)) => return Err(ApiError::forbidden("institutions publish for themselves")),
            (_, None) => me
                .organization
                .as_ref()
                .map(|o| o.id)
                .ok_or_else(|| ApiError::forbidden("no organization"))?,
        };
        let new = repo::microcredentials::NewMicrocredential {
            slug: None,
            title: required_text("title", &input.title, 200)?,
            description: optional_text("description", Some(&input.description), 20_000)?
                .unwrap_or_default(),
            hours: input.hours,
            cost_cents: i64::from(input.cost_cents),
            currency: input.currency,
            skills,
            prerequisites,
        };
        let mut p = services(ctx)?.db.conn().await?;
        let m = repo::microcredentials::create(&mut p.conn(), provider, &new).await?;
        drop(p);
        searchable(ctx).await?;
        Ok(Microcredential(m))
    }

    /// Issues a VERIFIED credential for one of the institution's microcredentials to a
    /// learner it may see (visibility RECRUITERS or PUBLIC): the credential evidences
    /// the microcredential's skills at their levels. NOT_FOUND for a learner it may not
    /// see; FORBIDDEN for another institution's microcredential.
    async fn issue_credential(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The learner.")] learner_id: ID,
        #[graphql(desc = "The microcredential completed.")] microcredential_id: ID,
    ) -> ApiResult<Credential> {
        let me = require_role(ctx, &[Role::Institution, Role::Admin])?;
        let lid = ids::decode(NodeType::Learner, &learner_id)?;
        let mid = ids::decode(NodeType::Microcredential, &microcredential_id)?;
        let l = loaders(ctx)?;
        let learner = l
            .learner
            .load_one(lid)
            .await?
            .filter(|x| can_see_learner(viewer(ctx), x))
            .ok_or(ApiError::NotFound("learner"))?;
        let mc = l
            .microcredential
            .load_one(mid)
            .await?
            .ok_or(ApiError::NotFound("microcredential"))?;
        if me.user.role != Role::Admin
            && me.organization.as_ref().map(|o| o.id) != Some(mc.provider_id)
        {
            return Err(ApiError::forbidden(
                "institutions issue credentials only for their own microcredentials",
            ));
        }
        if !mc.active {
            return Err(ApiError::bad("the microcredential is not active"));
        }
        let provider = l
            .organization
            .load_one(mc.provider_id)
            .await?
            .ok_or(ApiError::NotFound("organization"))?;
        let skills = l.taught.load_one(mc.id).await?.unwrap_or_default();
        let new = repo::credentials::NewCredential {
            title: mc.title.clone(),
            issuer: provider.name,
            issued_at: repo::now(),
            expires_at: None,
            status: CredentialStatus::Verified,
            source: CredentialSource::Issued,
            microcredential_id: Some(mc.id),
            skills,
        };
        let mut p = services(ctx)?.db.conn().await?;
        let c = repo::credentials::add(&mut p.conn(), learner.id, &new).await?;
        drop(p);
        searchable(ctx).await?;
        Ok(Credential(c))
    }
}
