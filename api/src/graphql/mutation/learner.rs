//! A learner's own profile, skills and credentials; account deletion.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use super::searchable;
use crate::graphql::context::{require_my_learner, require_role, require_user, services};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::ids::{self, NodeType};
use crate::graphql::input::{
    SkillLevelInput, check_level, decode_skill_levels, optional_text, required_text,
};
use crate::graphql::types::enums::{RemotePreference, Visibility};
use crate::graphql::types::learner::{Credential, Learner};
use crate::repo::{self, CredentialSource, CredentialStatus, Role};

/// A learner's profile.
#[derive(InputObject)]
pub struct LearnerProfileInput {
    /// Name shown to others, 1..200 characters.
    pub display_name: String,
    /// One-line summary, at most 300 characters; blank clears it.
    pub headline: Option<String>,
    /// Where you are, at most 200 characters.
    pub location: Option<String>,
    /// Target occupations (at most 10); omitted leaves them unchanged, [] clears them.
    pub aspiration_ids: Option<Vec<ID>>,
    /// Longer free text, at most 5,000 characters.
    pub bio: Option<String>,
    /// Where you want to work. By default, ANY.
    pub remote_preference: Option<RemotePreference>,
}

/// A credential you enter yourself (unverified evidence, confidence 0.7).
#[derive(InputObject)]
pub struct CredentialInput {
    /// Title, 1..200 characters.
    pub title: String,
    /// Issuer, 1..200 characters.
    pub issuer: String,
    /// When it was issued (not in the future).
    pub issued_at: DateTime<Utc>,
    /// When it expires, if it does (after issuedAt).
    pub expires_at: Option<DateTime<Utc>>,
    /// Skills it evidences (1..20), with levels.
    pub skills: Vec<SkillLevelInput>,
}

/// Learner mutations.
#[derive(Default)]
pub struct LearnerMutation;

#[Object]
impl LearnerMutation {
    /// Creates or updates the signed-in learner's profile. A new profile is PRIVATE.
    /// FORBIDDEN for other roles.
    async fn upsert_my_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The profile.")] input: LearnerProfileInput,
    ) -> ApiResult<Learner> {
        let me = require_role(ctx, &[Role::Learner])?;
        let aspiration_ids = match &input.aspiration_ids {
            Some(v) if v.len() > 10 => return Err(ApiError::bad("at most 10 aspirations")),
            Some(v) => Some(ids::decode_all(NodeType::Occupation, v)?),
            None => None,
        };
        let profile = repo::learners::Profile {
            display_name: required_text("displayName", &input.display_name, 200)?,
            headline: optional_text("headline", input.headline.as_deref(), 300)?,
            bio: optional_text("bio", input.bio.as_deref(), 5_000)?,
            location: optional_text("location", input.location.as_deref(), 200)?,
            remote_preference: input.remote_preference.unwrap_or_default().into(),
            aspiration_ids,
        };
        let mut p = services(ctx)?.db.conn().await?;
        let l = repo::learners::upsert_profile(&mut p.conn(), me.user.id, &profile).await?;
        searchable(ctx).await?;
        Ok(Learner(l))
    }

    /// Sets who may see the signed-in learner. RECRUITERS or PUBLIC opts in to
    /// candidate search.
    async fn set_my_visibility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who may see you.")] visibility: Visibility,
    ) -> ApiResult<Learner> {
        let learner = require_my_learner(ctx).await?;
        let mut p = services(ctx)?.db.conn().await?;
        let l =
            repo::learners::set_visibility(&mut p.conn(), learner.id, visibility.into()).await?;
        searchable(ctx).await?;
        Ok(Learner(l))
    }

    /// Consents (true) or withdraws consent (false) to hear from institutions. Off until
    /// given. Institutions never see who consented: only how many learners of a segment
    /// did (its reach).
    async fn set_my_institution_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whether institutions may contact you.")] opt_in: bool,
    ) -> ApiResult<Learner> {
        let learner = require_my_learner(ctx).await?;
        let mut p = services(ctx)?.db.conn().await?;
        let l = repo::learners::set_contact_opt_in(&mut p.conn(), learner.id, opt_in).await?;
        searchable(ctx).await?;
        Ok(Learner(l))
    }

    /// Asserts a skill at a level (self-asserted evidence, confidence 0.4), replacing an
    /// earlier assertion of the same skill.
    async fn assert_skill(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The skill.")] skill_id: ID,
        #[graphql(desc = "Level 1..5.")] level: i32,
    ) -> ApiResult<Learner> {
        let learner = require_my_learner(ctx).await?;
        let skill = ids::decode(NodeType::Skill, &skill_id)?;
        check_level("level", level)?;
        let mut p = services(ctx)?.db.conn().await?;
        let c = &mut p.conn();
        repo::skills::get_many(c, &[skill])
            .await?
            .pop()
            .ok_or(ApiError::NotFound("skill"))?;
        repo::learners::assert_skill(c, learner.id, skill, level).await?;
        let l = repo::learners::get(c, learner.id).await?;
        drop(p);
        searchable(ctx).await?;
        Ok(Learner(l))
    }

    /// Withdraws a self-asserted skill; NOT_FOUND when there was none.
    async fn retract_skill(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The skill.")] skill_id: ID,
    ) -> ApiResult<Learner> {
        let learner = require_my_learner(ctx).await?;
        let skill = ids::decode(NodeType::Skill, &skill_id)?;
        let mut p = services(ctx)?.db.conn().await?;
        let c = &mut p.conn();
        if !repo::learners::retract_skill(c, learner.id, skill).await? {
            return Err(ApiError::NotFound("asserted skill"));
        }
        let l = repo::learners::get(c, learner.id).await?;
        drop(p);
        searchable(ctx).await?;
        Ok(Learner(l))
    }

    /// Adds a credential the learner entered (UNVERIFIED).
    async fn add_credential(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The credential.")] input: CredentialInput,
    ) -> ApiResult<Credential> {
        let learner = require_my_learner(ctx).await?;
        let skills = decode_skill_levels(&input.skills, 20)?;
        if skills.is_empty() {
            return Err(ApiError::bad("a credential evidences at least one skill"));
        }
        if input.issued_at > Utc::now() + chrono::Duration::minutes(5) {
            return Err(ApiError::bad("issuedAt is in the future"));
        }
        if input.expires_at.is_some_and(|e| e <= input.issued_at) {
            return Err(ApiError::bad("expiresAt must be after issuedAt"));
        }
        let new = repo::credentials::NewCredential {
            title: required_text("title", &input.title, 200)?,
            issuer: required_text("issuer", &input.issuer, 200)?,
            issued_at: input.issued_at.naive_utc(),
            expires_at: input.expires_at.map(|e| e.naive_utc()),
            status: CredentialStatus::Unverified,
            source: CredentialSource::Learner,
            microcredential_id: None,
            skills,
        };
        let mut p = services(ctx)?.db.conn().await?;
        let c = repo::credentials::add(&mut p.conn(), learner.id, &new).await?;
        drop(p);
        searchable(ctx).await?;
        Ok(Credential(c))
    }

    /// Removes one of the signed-in learner's credentials; returns its ID. NOT_FOUND
    /// for a credential that is not theirs.
    async fn remove_credential(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The credential.")] id: ID,
    ) -> ApiResult<ID> {
        let learner = require_my_learner(ctx).await?;
        let cid = ids::decode(NodeType::Credential, &id)?;
        let mut p = services(ctx)?.db.conn().await?;
        let c = &mut p.conn();
        match repo::credentials::get_many(c, &[cid]).await?.pop() {
            Some(cr) if cr.learner_id == learner.id => {}
            _ => return Err(ApiError::NotFound("credential")),
        }
        repo::credentials::remove(c, cid).await?;
        drop(p);
        searchable(ctx).await?;
        Ok(id)
    }

    /// Erases the signed-in user: for a learner, the profile, credentials, skills,
    /// aspirations, applications and the index document. Returns true. Their outbox
    /// rows carry no personal data.
    async fn delete_my_account(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let me = require_user(ctx)?;
        let s = services(ctx)?;
        let mut p = s.db.conn().await?;
        // One transaction: the learner (with its outbox DELETE row) and the user go
        // together or not at all (see repo::users::delete).
        repo::users::delete(&mut p.conn(), me.user.id).await?;
        drop(p);
        // The token must not keep acting as the erased user (it provisions a new,
        // empty one when presented again).
        s.viewers.forget_user(me.user.id);
        searchable(ctx).await?;
        Ok(true)
    }
}
