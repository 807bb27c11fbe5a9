//! Queries over the catalogue and `node(id)`: public, no sign-in needed.

use async_graphql::{Context, ID, InputObject, Object};

use crate::graphql::context::{can_see_job, can_see_microcredential, loaders, services, viewer};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::ids::{self, NodeType, cursor};
use crate::graphql::input::{check_len, check_optional_len};
use crate::graphql::pagination::page_request;
use crate::graphql::types::catalog::{
    Microcredential, MicrocredentialConnection, Occupation, OccupationConnection, Organization,
    Skill, SkillConnection,
};
use crate::graphql::types::job::{Job, JobConnection};
use crate::graphql::types::learner::{Credential, visible_learner};
use crate::graphql::types::matching::{ExtractedSkill, SkillNormalization, int};
use crate::graphql::types::node::Node;
use crate::repo::{self, JobStatus};

/// Filters for job listings.
#[derive(InputObject, Default)]
pub struct JobFilter {
    /// Location contains this text (case-insensitive).
    pub location: Option<String>,
    /// Only remote (true) or only non-remote (false) jobs.
    pub remote: Option<bool>,
    /// Only this employer's jobs.
    pub employer_id: Option<ID>,
}

/// Catalogue queries.
#[derive(Default)]
pub struct CatalogQuery;

#[Object]
impl CatalogQuery {
    /// Any object by its global ID. Null when it does not exist or the caller may not
    /// see it (a private learner, a closed job of another employer...). BAD_USER_INPUT
    /// for a malformed ID.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID.")] id: ID,
    ) -> ApiResult<Option<Node>> {
        let (t, n) = ids::decode_any(&id)?;
        let l = loaders(ctx)?;
        let v = viewer(ctx);
        Ok(match t {
            NodeType::Skill => l.skill.load_one(n).await?.map(|s| Node::Skill(Skill(s))),
            NodeType::Organization => l
                .organization
                .load_one(n)
                .await?
                .map(|o| Node::Organization(Organization(o))),
            NodeType::Occupation => l
                .occupation
                .load_one(n)
                .await?
                .map(|o| Node::Occupation(Occupation(o))),
            NodeType::Learner => visible_learner(ctx, n).await?.map(Node::Learner),
            NodeType::Credential => match l.credential.load_one(n).await? {
                Some(c) if visible_learner(ctx, c.learner_id).await?.is_some() => {
                    Some(Node::Credential(Credential(c)))
                }
                _ => None,
            },
            NodeType::Microcredential => l
                .microcredential
                .load_one(n)
                .await?
                .filter(|m| can_see_microcredential(v, m))
                .map(|m| Node::Microcredential(Microcredential(m))),
            NodeType::Job => l
                .job
                .load_one(n)
                .await?
                .filter(|j| can_see_job(v, j))
                .map(|j| Node::Job(Job(j))),
        })
    }

    /// Skills whose name, slug or an alias contains `query` (case-insensitive), or all
    /// skills; in id order.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn skills(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Text to look for (at most 200 characters).")] query: Option<String>,
        #[graphql(desc = "Page size, 1..100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
    ) -> ApiResult<SkillConnection> {
        check_optional_len("query", query.as_deref(), 200)?;
        let req = page_request(first, after.as_deref())?;
        let mut p = services(ctx)?.db.conn().await?;
        let page = repo::skills::search(&mut p.conn(), query.as_deref(), &req).await?;
        let items = page
            .items
            .into_iter()
            .map(|s| (cursor(s.id), Skill(s)))
            .map(|(c, s)| (s, c))
            .collect();
        Ok(SkillConnection::new(
            items,
            page.has_next,
            req.after.is_some(),
            page.total,
        ))
    }

    /// Maps free texts to skills (case, punctuation, Unicode and aliases folded: "JS",
    /// "k8s", "C#"). Unknown text gives a null skill; nothing is guessed. At most 100
    /// texts of at most 200 characters.
    async fn normalize_skills(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The texts, e.g. [\"JS\", \"k8s\"].")] texts: Vec<String>,
    ) -> ApiResult<Vec<SkillNormalization>> {
        if texts.len() > 100 {
            return Err(ApiError::bad("at most 100 texts"));
        }
        for t in &texts {
            check_len("texts", t, 200)?;
        }
        let tax = services(ctx)?.search.taxonomy();
        let ids: Vec<Option<i64>> = texts.iter().map(|t| tax.normalize(t)).collect();
        let found = loaders(ctx)?
            .skill
            .load_many(ids.iter().flatten().copied())
            .await?;
        Ok(texts
            .into_iter()
            .zip(ids)
            .map(|(input, id)| SkillNormalization {
                input,
                skill: id.and_then(|i| found.get(&i).cloned()).map(Skill),
            })
            .collect())
    }

    /// Skills mentioned in prose, in text order, with byte spans (word boundaries,
    /// longest match first, ambiguous names such as "Go" or "R" only in a skill-like
    /// context). At most 20,000 characters.
    async fn extract_skills(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The prose, e.g. a job description.")] text: String,
    ) -> ApiResult<Vec<ExtractedSkill>> {
        check_len("text", &text, 20_000)?;
        let tax = services(ctx)?.search.taxonomy();
        let hits = tax.extract(&text);
        let found = loaders(ctx)?
            .skill
            .load_many(hits.iter().map(|(id, _)| *id))
            .await?;
        hits.into_iter()
            .filter_map(|(id, h)| found.get(&id).cloned().map(|s| (s, h)))
            .map(|(s, h)| {
                Ok(ExtractedSkill {
                    skill: Skill(s),
                    start: int(h.start)?,
                    end: int(h.end)?,
                    text: h.text,
                })
            })
            .collect()
    }

    /// Occupations whose title contains `query` (case-insensitive), in id order.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn occupations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Text to look for (at most 200 characters).")] query: Option<String>,
        #[graphql(desc = "Page size, 1..100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
    ) -> ApiResult<OccupationConnection> {
        check_optional_len("query", query.as_deref(), 200)?;
        let req = page_request(first, after.as_deref())?;
        let mut p = services(ctx)?.db.conn().await?;
        let page = repo::occupations::search(&mut p.conn(), query.as_deref(), &req).await?;
        let items = page
            .items
            .into_iter()
            .map(|o| (cursor(o.id), Occupation(o)))
            .map(|(c, o)| (o, c))
            .collect();
        Ok(OccupationConnection::new(
            items,
            page.has_next,
            req.after.is_some(),
            page.total,
        ))
    }

    /// Open jobs whose title contains `query`, filtered; in id order. (For jobs ranked
    /// for the signed-in learner, see `recommendedJobs`.)
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Text the title contains (at most 200 characters).")] query: Option<
            String,
        >,
        #[graphql(desc = "Filters.")] filter: Option<JobFilter>,
        #[graphql(desc = "Page size, 1..100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
    ) -> ApiResult<JobConnection> {
        check_optional_len("query", query.as_deref(), 200)?;
        let filter = filter.unwrap_or_default();
        check_optional_len("location", filter.location.as_deref(), 200)?;
        let req = page_request(first, after.as_deref())?;
        let list = repo::jobs::JobListFilter {
            query,
            location: filter.location,
            remote: filter.remote,
            employer_id: filter
                .employer_id
                .as_deref()
                .map(|i| ids::decode(NodeType::Organization, i))
                .transpose()?,
            status: Some(JobStatus::Open),
        };
        let mut p = services(ctx)?.db.conn().await?;
        let page = repo::jobs::search(&mut p.conn(), &list, &req).await?;
        let items = page
            .items
            .into_iter()
            .map(|j| (cursor(j.id), Job(j)))
            .map(|(c, j)| (j, c))
            .collect();
        Ok(JobConnection::new(
            items,
            page.has_next,
            req.after.is_some(),
            page.total,
        ))
    }

    /// Active microcredentials whose title contains `query` and that teach any of
    /// `skillIds`; in id order.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn microcredentials(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Text the title contains (at most 200 characters).")] query: Option<
            String,
        >,
        #[graphql(desc = "Only those teaching one of these skills (at most 100).")]
        skill_ids: Option<Vec<ID>>,
        #[graphql(desc = "Page size, 1..100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
    ) -> ApiResult<MicrocredentialConnection> {
        check_optional_len("query", query.as_deref(), 200)?;
        let skills = match &skill_ids {
            Some(v) if v.len() > 100 => return Err(ApiError::bad("at most 100 skillIds")),
            Some(v) => Some(ids::decode_all(NodeType::Skill, v)?),
            None => None,
        };
        let req = page_request(first, after.as_deref())?;
        let mut p = services(ctx)?.db.conn().await?;
        let page = repo::microcredentials::search(
            &mut p.conn(),
            query.as_deref(),
            skills.as_deref(),
            &req,
        )
        .await?;
        let items = page
            .items
            .into_iter()
            .map(|m| (cursor(m.id), Microcredential(m)))
            .map(|(c, m)| (m, c))
            .collect();
        Ok(MicrocredentialConnection::new(
            items,
            page.has_next,
            req.after.is_some(),
            page.total,
        ))
    }
}
