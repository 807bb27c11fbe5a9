//! Learners and their credentials. Every path to a learner goes through
//! [`visible_learner`], which applies the visibility rule.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};

use super::catalog::{Occupation, Skill, SkillLevel, skill};
use super::enums::{EvidenceKind, RemotePreference, VerificationStatus, Visibility};
use crate::graphql::context::{can_see_learner, loaders, viewer};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::ids::{NodeType, cursor, encode};
use crate::graphql::pagination::{page_request, page_size};
use crate::repo::{self, CredentialStatus};

/// A learner.
#[derive(Debug, Clone)]
pub struct Learner(pub repo::learners::Learner);

/// Loads a learner if it exists and the viewer may see it; otherwise None (callers
/// report NOT_FOUND, never FORBIDDEN, so existence does not leak).
pub async fn visible_learner(ctx: &Context<'_>, id: i64) -> ApiResult<Option<Learner>> {
    let l = loaders(ctx)?.learner.load_one(id).await?;
    Ok(l.filter(|l| can_see_learner(viewer(ctx), l)).map(Learner))
}

/// A job seeker's profile. Visible to themself and admins; to recruiters and
/// institutions when visibility is RECRUITERS or PUBLIC; to other learners when PUBLIC;
/// never to anonymous callers.
#[Object]
impl Learner {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::Learner, self.0.id)
    }
    /// Name shown to others.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// One-line summary; null when not given.
    async fn headline(&self) -> Option<&str> {
        self.0.headline.as_deref()
    }
    /// Longer free text; null when not given.
    async fn bio(&self) -> Option<&str> {
        self.0.bio.as_deref()
    }
    /// Where they are; null when not given.
    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }
    /// Where they want to work.
    async fn remote_preference(&self) -> RemotePreference {
        self.0.remote_preference.into()
    }
    /// Who may see this profile.
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    /// Every piece of skill evidence: one entry per skill of each credential that is
    /// not revoked, and one per self-asserted skill; by skill, then level descending.
    async fn skills(&self, ctx: &Context<'_>) -> ApiResult<Vec<LearnerSkill>> {
        let l = loaders(ctx)?;
        let (creds, asserted) = futures::try_join!(
            l.learner_credentials.load_one(self.0.id),
            l.asserted.load_one(self.0.id)
        )?;
        let creds = creds.unwrap_or_default();
        let skills = l
            .credential_skills
            .load_many(creds.iter().map(|c| c.id))
            .await?;
        let now = repo::now();
        let mut out = vec![];
        for c in &creds {
            if c.status == CredentialStatus::Revoked {
                continue;
            }
            let kind = if c.status == CredentialStatus::Verified {
                EvidenceKind::VerifiedCredential
            } else {
                EvidenceKind::UnverifiedCredential
            };
            for (skill_id, level) in skills.get(&c.id).cloned().unwrap_or_default() {
                out.push(LearnerSkill {
                    skill_id,
                    level,
                    evidence: kind,
                    credential: Some(c.clone()),
                    expired: c.is_expired_at(now),
                });
            }
        }
        for a in asserted.unwrap_or_default() {
            out.push(LearnerSkill {
                skill_id: a.skill_id,
                level: a.level,
                evidence: EvidenceKind::SelfAsserted,
                credential: None,
                expired: false,
            });
        }
        out.sort_by(|a, b| a.skill_id.cmp(&b.skill_id).then(b.level.cmp(&a.level)));
        Ok(out)
    }
    /// Their credentials, oldest first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn credentials(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1..100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the item to start after.")] after: Option<String>,
    ) -> ApiResult<CredentialConnection> {
        let req = page_request(first, after.as_deref())?;
        let _ = page_size(first)?;
        let all = loaders(ctx)?
            .learner_credentials
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let total = all.len() as i64;
        let rest: Vec<_> = all.into_iter().filter(|c| c.id > req.after_id()).collect();
        let has_next = rest.len() > req.first as usize;
        let items = rest
            .into_iter()
            .take(req.first as usize)
            .map(|c| {
                let cur = cursor(c.id);
                (Credential(c), cur)
            })
            .collect();
        Ok(CredentialConnection::new(
            items,
            has_next,
            req.after.is_some(),
            total,
        ))
    }
    /// Target occupations.
    async fn aspirations(&self, ctx: &Context<'_>) -> ApiResult<Vec<Occupation>> {
        let l = loaders(ctx)?;
        let ids = l.aspirations.load_one(self.0.id).await?.unwrap_or_default();
        let occ = l.occupation.load_many(ids.iter().copied()).await?;
        Ok(ids
            .iter()
            .filter_map(|i| occ.get(i).cloned().map(Occupation))
            .collect())
    }
    /// When the profile last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at.and_utc()
    }
    /// Whether the learner consents to hear from institutions (off by default; set with
    /// setMyInstitutionContact). Shown only to the learner and admins: null for anyone
    /// else. Institutions only ever see the number of consenting learners in a segment.
    async fn institution_contact_opt_in(&self, ctx: &Context<'_>) -> Option<bool> {
        let v = viewer(ctx);
        let own = v.signed_in().is_some_and(|s| s.user.id == self.0.user_id);
        (own || v.is_admin()).then_some(self.0.contact_opt_in)
    }
}

/// One piece of skill evidence of a learner.
pub struct LearnerSkill {
    skill_id: i64,
    level: i32,
    evidence: EvidenceKind,
    credential: Option<repo::credentials::Credential>,
    expired: bool,
}

/// A skill a learner holds, at a level, with where the evidence comes from.
#[Object]
impl LearnerSkill {
    /// The skill.
    async fn skill(&self, ctx: &Context<'_>) -> ApiResult<Skill> {
        skill(ctx, self.skill_id).await
    }
    /// The level held, 1..5.
    async fn level(&self) -> i32 {
        self.level
    }
    /// The kind of evidence.
    async fn evidence(&self) -> EvidenceKind {
        self.evidence
    }
    /// The credential it comes from; null for a self-assertion.
    async fn credential(&self) -> Option<Credential> {
        self.credential.clone().map(Credential)
    }
    /// Whether the credential has expired (the evidence then counts at half).
    async fn expired(&self) -> bool {
        self.expired
    }
}

/// A credential.
#[derive(Debug, Clone)]
pub struct Credential(pub repo::credentials::Credential);

/// A credential a learner holds: issued here by an institution (verified), imported, or
/// entered by the learner (unverified).
#[Object]
impl Credential {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::Credential, self.0.id)
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Who issued it.
    async fn issuer(&self) -> &str {
        &self.0.issuer
    }
    /// When it was issued.
    async fn issued_at(&self) -> DateTime<Utc> {
        self.0.issued_at.and_utc()
    }
    /// When it expires; null if it does not.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at.map(|t| t.and_utc())
    }
    /// Its state now (EXPIRED once `expiresAt` has passed).
    async fn status(&self) -> VerificationStatus {
        credential_status(&self.0)
    }
    /// The microcredential it certifies, when issued here; null otherwise.
    async fn microcredential(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<super::catalog::Microcredential>> {
        match self.0.microcredential_id {
            Some(id) => Ok(loaders(ctx)?
                .microcredential
                .load_one(id)
                .await?
                .map(super::catalog::Microcredential)),
            None => Ok(None),
        }
    }
    /// Skills it evidences, with levels.
    async fn skills(&self, ctx: &Context<'_>) -> ApiResult<Vec<SkillLevel>> {
        let v = loaders(ctx)?
            .credential_skills
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(v.into_iter()
            .map(|(skill_id, level)| SkillLevel { skill_id, level })
            .collect())
    }
    /// The learner who holds it.
    async fn learner(&self, ctx: &Context<'_>) -> ApiResult<Learner> {
        visible_learner(ctx, self.0.learner_id)
            .await?
            .ok_or(ApiError::NotFound("learner"))
    }
}

/// The state of a credential now.
pub fn credential_status(c: &repo::credentials::Credential) -> VerificationStatus {
    match c.status {
        CredentialStatus::Revoked => VerificationStatus::Revoked,
        _ if c.is_expired_at(repo::now()) => VerificationStatus::Expired,
        CredentialStatus::Verified => VerificationStatus::Verified,
        CredentialStatus::Unverified => VerificationStatus::Unverified,
    }
}

crate::graphql::pagination::connection!(
    CredentialConnection,
    CredentialEdge,
    Credential,
    "credentials"
);
