//! DataLoaders for every relation, created per request so that a page of results
//! costs one query per relation, whatever the page size.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};

use super::error::ApiError;
use crate::db::{Db, DbConn, DbResult};
use crate::repo::{
    self, credentials::Credential, jobs::Job, learners::Learner, microcredentials::Microcredential,
};
use crate::repo::{
    learners::AssertedSkill, occupations::Occupation, occupations::Requirement,
    organizations::Organization, skills::Skill,
};

macro_rules! loader {
    ($(#[$m:meta])* $name:ident => $value:ty, |$conn:ident, $keys:ident| $body:expr) => {
        $(#[$m])*
        pub struct $name(pub Db);

        impl Loader<i64> for $name {
            type Value = $value;
            type Error = ApiError;

            async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, $value>, ApiError> {
                let mut pooled = self.0.conn().await?;
                let $conn: &mut DbConn<'_> = &mut pooled.conn();
                let $keys = keys;
                let out: DbResult<HashMap<i64, $value>> = $body;
                Ok(out?)
            }
        }
    };
}

fn by_id<T>(items: Vec<T>, id: impl Fn(&T) -> i64) -> HashMap<i64, T> {
    items.into_iter().map(|t| (id(&t), t)).collect()
}

fn grouped<T, V>(
    keys: &[i64],
    items: Vec<T>,
    split: impl Fn(T) -> (i64, V),
) -> HashMap<i64, Vec<V>> {
    let mut map: HashMap<i64, Vec<V>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for item in items {
        let (k, v) = split(item);
        map.entry(k).or_default().push(v);
    }
    map
}

loader!(/// Skills by id.
    SkillLoader => Skill, |c, keys| repo::skills::get_many(c, keys).await.map(|v| by_id(v, |s| s.id)));
loader!(/// Aliases by skill id.
AliasLoader => Vec<String>, |c, keys| repo::skills::aliases_of(c, keys).await.map(|m| {
    keys.iter().map(|k| (*k, m.get(k).cloned().unwrap_or_default())).collect()
}));
loader!(/// Children by parent skill id.
ChildrenLoader => Vec<Skill>, |c, keys| repo::skills::children_of(c, keys).await.map(|v| {
    grouped(keys, v, |s| (s.parent_id.unwrap_or_default(), s))
}));
loader!(/// Organizations by id.
    OrganizationLoader => Organization, |c, keys| repo::organizations::get_many(c, keys).await.map(|v| by_id(v, |o| o.id)));
loader!(/// Occupations by id.
    OccupationLoader => Occupation, |c, keys| repo::occupations::get_many(c, keys).await.map(|v| by_id(v, |o| o.id)));
loader!(/// Requirements by occupation id.
    OccupationRequirementsLoader => Vec<Requirement>, |c, keys| repo::occupations::requirements_of(c, keys).await.map(|v| grouped(keys, v, |x| x)));
loader!(/// Learners by id.
    LearnerLoader => Learner, |c, keys| repo::learners::get_many(c, keys).await.map(|v| by_id(v, |l| l.id)));
loader!(/// Aspirations (occupation ids) by learner id.
    AspirationLoader => Vec<i64>, |c, keys| repo::learners::aspirations_of(c, keys).await.map(|v| grouped(keys, v, |x| x)));
loader!(/// Self-asserted skills by learner id.
AssertedLoader => Vec<AssertedSkill>, |c, keys| repo::learners::asserted_skills_of(c, keys).await.map(|v| {
    grouped(keys, v, |a| (a.learner_id, a))
}));
loader!(/// All credentials of a learner, in id order.
LearnerCredentialsLoader => Vec<Credential>, |c, keys| repo::credentials::of_learners(c, keys).await.map(|v| {
    grouped(keys, v, |cr| (cr.learner_id, cr))
}));
loader!(/// Credentials by id.
    CredentialLoader => Credential, |c, keys| repo::credentials::get_many(c, keys).await.map(|v| by_id(v, |x| x.id)));
loader!(/// (skill, level) by credential id.
CredentialSkillsLoader => Vec<(i64, i32)>, |c, keys| repo::credentials::skills_of(c, keys).await.map(|v| {
    grouped(keys, v, |(cid, s, l)| (cid, (s, l)))
}));
loader!(/// Microcredentials by id.
    MicrocredentialLoader => Microcredential, |c, keys| repo::microcredentials::get_many(c, keys).await.map(|v| by_id(v, |m| m.id)));
loader!(/// (skill, level) taught, by microcredential id.
TaughtLoader => Vec<(i64, i32)>, |c, keys| repo::microcredentials::skills_of(c, keys).await.map(|v| {
    grouped(keys, v, |(m, s, l)| (m, (s, l)))
}));
loader!(/// (skill, level) prerequisites, by microcredential id.
PrerequisiteLoader => Vec<(i64, i32)>, |c, keys| repo::microcredentials::prerequisites_of(c, keys).await.map(|v| {
    grouped(keys, v, |(m, s, l)| (m, (s, l)))
}));
loader!(/// Jobs by id.
    JobLoader => Job, |c, keys| repo::jobs::get_many(c, keys).await.map(|v| by_id(v, |j| j.id)));
loader!(/// Requirements by job id.
    JobRequirementsLoader => Vec<Requirement>, |c, keys| repo::jobs::requirements_of(c, keys).await.map(|v| grouped(keys, v, |x| x)));

/// Loads `keys` (deduplicated) with `dl`'s loader straight away and feeds the results
/// into its cache. For the loads a resolver makes one after another before it returns
/// a page: `load_many` would wait the DataLoader's batching delay (1 ms, plus the timer's
/// slack) for each, on the request's path. Keys already cached are loaded again (one
/// statement either way).
pub async fn fetch<L>(
    dl: &Cached<L>,
    keys: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, L::Value>, ApiError>
where
    L: Loader<i64, Error = ApiError>,
{
    let mut keys: Vec<i64> = keys.into_iter().collect();
    keys.sort_unstable();
    keys.dedup();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let found = dl.loader().load(&keys).await?;
    dl.feed_many(found.iter().map(|(k, v)| (*k, v.clone())))
        .await;
    Ok(found)
}

/// [`fetch`] when `wanted`, else nothing (an empty map, no statement).
async fn fetch_if<L>(
    wanted: bool,
    dl: &Cached<L>,
    keys: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, L::Value>, ApiError>
where
    L: Loader<i64, Error = ApiError>,
{
    if wanted {
        fetch(dl, keys).await
    } else {
        Ok(HashMap::new())
    }
}

/// Which relations of a page of learners a selection asks for (what
/// [`Loaders::prime_learners`] loads).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LearnerSelection {
    /// `skills` (credentials, their skills, self-assertions).
    pub skills: bool,
    /// `credentials`.
    pub credentials: bool,
    /// `credentials { ... skills }`.
    pub credential_skills: bool,
    /// `microcredential` of a credential (through `credentials` or `skills`).
    pub microcredentials: bool,
    /// `aspirations`.
    pub aspirations: bool,
    /// `aspirations { requirements }`.
    pub aspiration_requirements: bool,
}

impl LearnerSelection {
    /// What the selection under a `Learner` field asks for (fragments included;
    /// `@skip`/`@include` are not evaluated, so a skipped relation is still loaded).
    pub fn of(learner: &async_graphql::Lookahead<'_>) -> LearnerSelection {
        let cred = learner.field("credentials").field("edges").field("node");
        let evidence_cred = learner.field("skills").field("credential");
        LearnerSelection {
            skills: learner.field("skills").exists(),
            credentials: learner.field("credentials").exists(),
            credential_skills: cred.field("skills").exists()
                || evidence_cred.field("skills").exists(),
            microcredentials: cred.field("microcredential").exists()
                || evidence_cred.field("microcredential").exists(),
            aspirations: learner.field("aspirations").exists(),
            aspiration_requirements: learner.field("aspirations").field("requirements").exists(),
        }
    }
}

/// A DataLoader with a per-request cache (`DataLoader::new` would not cache at all).
pub type Cached<L> = DataLoader<L, HashMapCache>;

/// Every loader of one request.
pub struct Loaders {
    /// Skills.
    pub skill: Cached<SkillLoader>,
    /// Skill aliases.
    pub aliases: Cached<AliasLoader>,
    /// Skill children.
    pub children: Cached<ChildrenLoader>,
    /// Organizations.
    pub organization: Cached<OrganizationLoader>,
    /// Occupations.
    pub occupation: Cached<OccupationLoader>,
    /// Occupation requirements.
    pub occupation_requirements: Cached<OccupationRequirementsLoader>,
    /// Learners.
    pub learner: Cached<LearnerLoader>,
    /// Aspirations.
    pub aspirations: Cached<AspirationLoader>,
    /// Self-asserted skills.
    pub asserted: Cached<AssertedLoader>,
    /// Credentials by learner.
    pub learner_credentials: Cached<LearnerCredentialsLoader>,
    /// Credentials.
    pub credential: Cached<CredentialLoader>,
    /// Credential skills.
    pub credential_skills: Cached<CredentialSkillsLoader>,
    /// Microcredentials.
    pub microcredential: Cached<MicrocredentialLoader>,
    /// Skills taught.
    pub taught: Cached<TaughtLoader>,
    /// Prerequisites.
    pub prerequisites: Cached<PrerequisiteLoader>,
    /// Jobs.
    pub job: Cached<JobLoader>,
    /// Job requirements.
    pub job_requirements: Cached<JobRequirementsLoader>,
}

impl Loaders {
    /// Empties every cache: after a mutation, fields resolved later in the same request
    /// must see the new rows.
    pub fn clear(&self) {
        self.skill.clear::<i64>();
        self.aliases.clear::<i64>();
        self.children.clear::<i64>();
        self.organization.clear::<i64>();
        self.occupation.clear::<i64>();
        self.occupation_requirements.clear::<i64>();
        self.learner.clear::<i64>();
        self.aspirations.clear::<i64>();
        self.asserted.clear::<i64>();
        self.learner_credentials.clear::<i64>();
        self.credential.clear::<i64>();
        self.credential_skills.clear::<i64>();
        self.microcredential.clear::<i64>();
        self.taught.clear::<i64>();
        self.prerequisites.clear::<i64>();
        self.job.clear::<i64>();
        self.job_requirements.clear::<i64>();
    }

    /// Loads the relations a page of learners shows, as `selection` says (credentials
    /// and their skills, microcredentials and providers, self-asserted skills,
    /// aspirations and their requirements, and the skills all of these name plus
    /// `extra_skills`), with one query per relation, so that the nested fields of the
    /// page are cache hits: the statements a page costs are then fixed, whatever its
    /// size and however the resolvers interleave. A relation the selection does not
    /// ask for costs nothing. The queries go straight to the database (see
    /// [`fetch`]), independent ones concurrently.
    pub async fn prime_learners(
        &self,
        learner_ids: &[i64],
        extra_skills: &[i64],
        selection: LearnerSelection,
    ) -> Result<(), ApiError> {
        let sel = selection;
        let ids = learner_ids.iter().copied();
        // `extra_skills` are known already: loaded alongside the first relations.
        let (creds, asserted, aspirations, extra) = futures::try_join!(
            fetch_if(
                sel.skills || sel.credentials,
                &self.learner_credentials,
                ids.clone()
            ),
            fetch_if(sel.skills, &self.asserted, ids.clone()),
            fetch_if(sel.aspirations, &self.aspirations, ids),
            fetch_if(
                !extra_skills.is_empty(),
                &self.skill,
                extra_skills.iter().copied()
            ),
        )?;
        let all_creds: Vec<&Credential> = creds.values().flatten().collect();
        self.credential
            .feed_many(all_creds.iter().map(|c| (c.id, (*c).clone())))
            .await;
        let occupation_ids: Vec<i64> = aspirations.values().flatten().copied().collect();
        let (cred_skills, mcs, _, occ_reqs) = futures::try_join!(
            fetch_if(
                sel.skills || sel.credential_skills,
                &self.credential_skills,
                all_creds.iter().map(|c| c.id)
            ),
            fetch_if(
                sel.microcredentials,
                &self.microcredential,
                all_creds.iter().filter_map(|c| c.microcredential_id)
            ),
            fetch_if(
                sel.aspirations,
                &self.occupation,
                occupation_ids.iter().copied()
            ),
            fetch_if(
                sel.aspiration_requirements,
                &self.occupation_requirements,
                occupation_ids.iter().copied()
            ),
        )?;
        let mut skills: Vec<i64> = Vec::new();
        skills.extend(cred_skills.values().flatten().map(|(s, _)| *s));
        skills.extend(asserted.values().flatten().map(|a| a.skill_id));
        skills.extend(occ_reqs.values().flatten().map(|r| r.skill_id));
        skills.retain(|s| !extra.contains_key(s));
        futures::try_join!(
            fetch_if(
                sel.microcredentials,
                &self.organization,
                mcs.values().map(|m| m.provider_id)
            ),
            fetch_if(!skills.is_empty(), &self.skill, skills.iter().copied()),
        )?;
        Ok(())
    }

    /// Fresh loaders (empty caches) over `db`.
    pub fn new(db: &Db) -> Self {
        fn dl<L: Loader<i64>>(l: L) -> Cached<L> {
            DataLoader::with_cache(l, tokio::spawn, HashMapCache::default())
        }
        Loaders {
            skill: dl(SkillLoader(db.clone())),
            aliases: dl(AliasLoader(db.clone())),
            children: dl(ChildrenLoader(db.clone())),
            organization: dl(OrganizationLoader(db.clone())),
            occupation: dl(OccupationLoader(db.clone())),
            occupation_requirements: dl(OccupationRequirementsLoader(db.clone())),
            learner: dl(LearnerLoader(db.clone())),
            aspirations: dl(AspirationLoader(db.clone())),
            asserted: dl(AssertedLoader(db.clone())),
            learner_credentials: dl(LearnerCredentialsLoader(db.clone())),
            credential: dl(CredentialLoader(db.clone())),
            credential_skills: dl(CredentialSkillsLoader(db.clone())),
            microcredential: dl(MicrocredentialLoader(db.clone())),
            taught: dl(TaughtLoader(db.clone())),
            prerequisites: dl(PrerequisiteLoader(db.clone())),
            job: dl(JobLoader(db.clone())),
            job_requirements: dl(JobRequirementsLoader(db.clone())),
        }
    }
}
