//! Synthetic data at any scale, deterministic from a seed: `talent seed --synthetic`.
//!
//! Realistic shape rather than uniform noise: occupations are drawn with a Zipf-like
//! skew (a few are common); a learner holds most core skills of their occupation
//! (must-haves with probability 0.85, others 0.6) at levels around the requirement,
//! plus skills drawn from a global popularity skew; evidence is split between issued
//! (verified) credentials, learner-entered credentials (some expired) and
//! self-assertions. Each learner also aspires to 1-2 target occupations
//! (`learner_aspirations`), mostly their own.
//!
//! Loading: ids are assigned here (PostgreSQL's identity sequences are moved past them
//! afterwards). A generator thread produces batches of [`BATCH`] learners while the
//! previous batch is written, each batch one transaction with its outbox rows:
//! - PostgreSQL: one `INSERT ... SELECT * FROM unnest($1::bigint[], ...)` per table per
//!   batch (column arrays bound as parameters; diesel-async 0.9 has no `COPY FROM
//!   STDIN`, and this comes close to it);
//! - SQLite: multi-row INSERTs on one connection held for the whole load, with
//!   `synchronous = OFF` and a larger page cache for the load only (both restored
//!   afterwards; foreign keys stay checked, no index is dropped).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Duration;
use diesel::prelude::{Insertable, QueryDsl};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::demo::{Ids, demo_epoch};
use super::files::Catalog;
use crate::db::schema::{
    credential_skills, credentials, job_requirements, jobs, learner_aspirations, learner_skills,
    learners, microcredential_prerequisites, microcredential_skills, microcredentials, outbox,
    users,
};
use crate::db::{Db, DbConn, DbError, DbPool, DbResult};
use crate::repo::{self, EntityKind, Operation, now};
use diesel_async::pooled_connection::AsyncDieselConnectionManager;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct SyntheticSpec {
    /// Learners.
    pub learners: usize,
    /// Jobs.
    pub jobs: usize,
    /// Microcredentials.
    pub microcredentials: usize,
    /// RNG seed.
    pub seed: u64,
}

/// Learners per batch (one transaction each).
pub const BATCH: usize = 10_000;
const CHUNK: usize = 500;

#[derive(Insertable)]
#[diesel(table_name = users)]
struct UserRow {
    id: i64,
    subject: String,
    role: &'static str,
    created_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = learners, treat_none_as_default_value = false)]
struct LearnerRow {
    id: i64,
    user_id: i64,
    display_name: String,
    headline: Option<String>,
    bio: Option<String>,
    location: Option<String>,
    remote_preference: &'static str,
    visibility: &'static str,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = learner_aspirations)]
struct AspirationRow {
    learner_id: i64,
    occupation_id: i64,
}

#[derive(Insertable)]
#[diesel(table_name = learner_skills)]
struct LearnerSkillRow {
    learner_id: i64,
    skill_id: i64,
    level: i32,
    updated_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = credentials, treat_none_as_default_value = false)]
struct CredentialRow {
    id: i64,
    learner_id: i64,
    title: String,
    issuer: String,
    issued_at: chrono::NaiveDateTime,
    expires_at: Option<chrono::NaiveDateTime>,
    status: &'static str,
    source: &'static str,
    microcredential_id: Option<i64>,
    created_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = credential_skills)]
struct CredentialSkillRow {
    credential_id: i64,
    learner_id: i64,
    skill_id: i64,
    level: i32,
}

#[derive(Insertable)]
#[diesel(table_name = jobs, treat_none_as_default_value = false)]
struct JobRow {
    id: i64,
    employer_id: i64,
    title: String,
    description: String,
    location: Option<String>,
    remote: bool,
    status: &'static str,
    posted_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = job_requirements)]
struct JobRequirementRow {
    job_id: i64,
    skill_id: i64,
    min_level: i32,
    weight: f64,
    required: bool,
}

#[derive(Insertable)]
#[diesel(table_name = microcredentials, treat_none_as_default_value = false)]
struct MicrocredentialRow {
    id: i64,
    slug: Option<String>,
    provider_id: i64,
    title: String,
    description: String,
    hours: f64,
    cost_cents: i64,
    currency: &'static str,
    active: bool,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = microcredential_skills)]
struct TaughtRow {
    microcredential_id: i64,
    skill_id: i64,
    level: i32,
}

#[derive(Insertable)]
#[diesel(table_name = microcredential_prerequisites)]
struct PrerequisiteRow {
    microcredential_id: i64,
    skill_id: i64,
    level: i32,
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct OutboxRow {
    seq: i64,
    entity_kind: &'static str,
    entity_id: i64,
    operation: &'static str,
    created_at: chrono::NaiveDateTime,
}

/// One batch of rows, in foreign-key order.
#[derive(Default)]
struct Batch {
    users: Vec<UserRow>,
    learners: Vec<LearnerRow>,
    aspirations: Vec<AspirationRow>,
    learner_skills: Vec<LearnerSkillRow>,
    microcredentials: Vec<MicrocredentialRow>,
    taught: Vec<TaughtRow>,
    prerequisites: Vec<PrerequisiteRow>,
    credentials: Vec<CredentialRow>,
    credential_skills: Vec<CredentialSkillRow>,
    jobs: Vec<JobRow>,
    job_requirements: Vec<JobRequirementRow>,
    outbox: Vec<OutboxRow>,
}

/// Inserts every table of a batch in chunks; `$($aw)?` is `await` for diesel-async.
macro_rules! insert_batch {
    ($c:expr, $b:expr $(, $aw:tt)?) => {{
        let b = $b;
        for ch in b.users.chunks(CHUNK) { diesel::insert_into(users::table).values(ch).execute($c)$(.$aw)??; }
        for ch in b.learners.chunks(CHUNK) { diesel::insert_into(learners::table).values(ch).execute($c)$(.$aw)??; }
        for ch in b.aspirations.chunks(CHUNK) { diesel::insert_into(learner_aspirations::table).values(ch).execute($c)$(.$aw)??; }
        for ch in b.learner_skills.chunks(CHUNK) { diesel::insert_into(learner_skills::table).values(ch).execute($c)$(.$aw)??; }
        for ch in b.microcredentials.chunks(CHUNK) { diesel::insert_into(microcredentials::table).values(ch).execute($c)$(.$aw)??; }
        for ch in b.taught.chunks(CHUNK) { diesel::insert_into(microcredential_skills::table).values(ch).execute($c)$(.$aw)??; }
        for ch in b.prerequisites.chunks(CHUNK) { diesel::insert_into(microcredential_prerequisites::table).values(ch).execute($c)$(.$aw)??; }
        for ch in b.credentials.chunks(CHUNK) { diesel::insert_into(credentials::table).values(ch).execute($c)$(.$aw)??; }
        for ch in b.credential_skills.chunks(CHUNK) { diesel::insert_into(credential_skills::table).values(ch).execute($c)$(.$aw)??; }
        for ch in b.jobs.chunks(CHUNK) { diesel::insert_into(jobs::table).values(ch).execute($c)$(.$aw)??; }
        for ch in b.job_requirements.chunks(CHUNK) { diesel::insert_into(job_requirements::table).values(ch).execute($c)$(.$aw)??; }
        for ch in b.outbox.chunks(CHUNK) { diesel::insert_into(outbox::table).values(ch).execute($c)$(.$aw)??; }
    }};
}

/// PostgreSQL: every table of a batch with one `INSERT ... SELECT * FROM unnest(...)`
/// each, the columns bound as arrays.
async fn pg_insert_batch(
    c: &mut diesel_async::AsyncPgConnection,
    b: &Batch,
) -> Result<(), diesel::result::Error> {
    use diesel::sql_types::{Array, BigInt, Bool, Double, Integer, Nullable, Text, Timestamp};
    use diesel_async::RunQueryDsl;
    macro_rules! col {
        ($rows:expr, $f:ident) => {
            $rows.iter().map(|r| r.$f.clone()).collect::<Vec<_>>()
        };
    }
    if !b.users.is_empty() {
        diesel::sql_query(
            "INSERT INTO users (id, subject, role, created_at) \
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamp[])",
        )
        .bind::<Array<BigInt>, _>(col!(b.users, id))
        .bind::<Array<Text>, _>(col!(b.users, subject))
        .bind::<Array<Text>, _>(col!(b.users, role))
        .bind::<Array<Timestamp>, _>(col!(b.users, created_at))
        .execute(c)
        .await?;
    }
    if !b.learners.is_empty() {
        diesel::sql_query(
            "INSERT INTO learners (id, user_id, display_name, headline, bio, location, \
             remote_preference, visibility, created_at, updated_at) \
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], \
             $6::text[], $7::text[], $8::text[], $9::timestamp[], $10::timestamp[])",
        )
        .bind::<Array<BigInt>, _>(col!(b.learners, id))
        .bind::<Array<BigInt>, _>(col!(b.learners, user_id))
        .bind::<Array<Text>, _>(col!(b.learners, display_name))
        .bind::<Array<Nullable<Text>>, _>(col!(b.learners, headline))
        .bind::<Array<Nullable<Text>>, _>(col!(b.learners, bio))
        .bind::<Array<Nullable<Text>>, _>(col!(b.learners, location))
        .bind::<Array<Text>, _>(col!(b.learners, remote_preference))
        .bind::<Array<Text>, _>(col!(b.learners, visibility))
        .bind::<Array<Timestamp>, _>(col!(b.learners, created_at))
        .bind::<Array<Timestamp>, _>(col!(b.learners, updated_at))
        .execute(c)
        .await?;
    }
    if !b.aspirations.is_empty() {
        diesel::sql_query(
            "INSERT INTO learner_aspirations (learner_id, occupation_id) \
             SELECT * FROM unnest($1::bigint[], $2::bigint[])",
        )
        .bind::<Array<BigInt>, _>(col!(b.aspirations, learner_id))
        .bind::<Array<BigInt>, _>(col!(b.aspirations, occupation_id))
        .execute(c)
        .await?;
    }
    if !b.learner_skills.is_empty() {
        diesel::sql_query(
            "INSERT INTO learner_skills (learner_id, skill_id, level, updated_at) \
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::integer[], $4::timestamp[])",
        )
        .bind::<Array<BigInt>, _>(col!(b.learner_skills, learner_id))
        .bind::<Array<BigInt>, _>(col!(b.learner_skills, skill_id))
        .bind::<Array<Integer>, _>(col!(b.learner_skills, level))
        .bind::<Array<Timestamp>, _>(col!(b.learner_skills, updated_at))
        .execute(c)
        .await?;
    }
    if !b.microcredentials.is_empty() {
        diesel::sql_query(
            "INSERT INTO microcredentials (id, slug, provider_id, title, description, hours, \
             cost_cents, currency, active, created_at, updated_at) \
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], \
             $6::float8[], $7::bigint[], $8::text[], $9::boolean[], $10::timestamp[], $11::timestamp[])",
        )
        .bind::<Array<BigInt>, _>(col!(b.microcredentials, id))
        .bind::<Array<Nullable<Text>>, _>(col!(b.microcredentials, slug))
        .bind::<Array<BigInt>, _>(col!(b.microcredentials, provider_id))
        .bind::<Array<Text>, _>(col!(b.microcredentials, title))
        .bind::<Array<Text>, _>(col!(b.microcredentials, description))
        .bind::<Array<Double>, _>(col!(b.microcredentials, hours))
        .bind::<Array<BigInt>, _>(col!(b.microcredentials, cost_cents))
        .bind::<Array<Text>, _>(col!(b.microcredentials, currency))
        .bind::<Array<Bool>, _>(col!(b.microcredentials, active))
        .bind::<Array<Timestamp>, _>(col!(b.microcredentials, created_at))
        .bind::<Array<Timestamp>, _>(col!(b.microcredentials, updated_at))
        .execute(c)
        .await?;
    }
    for (table, cols) in [
        (
            "microcredential_skills",
            (
                col!(b.taught, microcredential_id),
                col!(b.taught, skill_id),
                col!(b.taught, level),
            ),
        ),
        (
            "microcredential_prerequisites",
            (
                col!(b.prerequisites, microcredential_id),
                col!(b.prerequisites, skill_id),
                col!(b.prerequisites, level),
            ),
        ),
    ] {
        if cols.0.is_empty() {
            continue;
        }
        diesel::sql_query(format!(
            "INSERT INTO {table} (microcredential_id, skill_id, level) \
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::integer[])"
        ))
        .bind::<Array<BigInt>, _>(cols.0)
        .bind::<Array<BigInt>, _>(cols.1)
        .bind::<Array<Integer>, _>(cols.2)
        .execute(c)
        .await?;
    }
    if !b.credentials.is_empty() {
        diesel::sql_query(
            "INSERT INTO credentials (id, learner_id, title, issuer, issued_at, expires_at, \
             status, source, microcredential_id, created_at) \
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], \
             $5::timestamp[], $6::timestamp[], $7::text[], $8::text[], $9::bigint[], $10::timestamp[])",
        )
        .bind::<Array<BigInt>, _>(col!(b.credentials, id))
        .bind::<Array<BigInt>, _>(col!(b.credentials, learner_id))
        .bind::<Array<Text>, _>(col!(b.credentials, title))
        .bind::<Array<Text>, _>(col!(b.credentials, issuer))
        .bind::<Array<Timestamp>, _>(col!(b.credentials, issued_at))
        .bind::<Array<Nullable<Timestamp>>, _>(col!(b.credentials, expires_at))
        .bind::<Array<Text>, _>(col!(b.credentials, status))
        .bind::<Array<Text>, _>(col!(b.credentials, source))
        .bind::<Array<Nullable<BigInt>>, _>(col!(b.credentials, microcredential_id))
        .bind::<Array<Timestamp>, _>(col!(b.credentials, created_at))
        .execute(c)
        .await?;
    }
    if !b.credential_skills.is_empty() {
        diesel::sql_query(
            "INSERT INTO credential_skills (credential_id, learner_id, skill_id, level) \
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::integer[])",
        )
        .bind::<Array<BigInt>, _>(col!(b.credential_skills, credential_id))
        .bind::<Array<BigInt>, _>(col!(b.credential_skills, learner_id))
        .bind::<Array<BigInt>, _>(col!(b.credential_skills, skill_id))
        .bind::<Array<Integer>, _>(col!(b.credential_skills, level))
        .execute(c)
        .await?;
    }
    if !b.jobs.is_empty() {
        diesel::sql_query(
            "INSERT INTO jobs (id, employer_id, title, description, location, remote, status, \
             posted_at, updated_at) \
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], \
             $6::boolean[], $7::text[], $8::timestamp[], $9::timestamp[])",
        )
        .bind::<Array<BigInt>, _>(col!(b.jobs, id))
        .bind::<Array<BigInt>, _>(col!(b.jobs, employer_id))
        .bind::<Array<Text>, _>(col!(b.jobs, title))
        .bind::<Array<Text>, _>(col!(b.jobs, description))
        .bind::<Array<Nullable<Text>>, _>(col!(b.jobs, location))
        .bind::<Array<Bool>, _>(col!(b.jobs, remote))
        .bind::<Array<Text>, _>(col!(b.jobs, status))
        .bind::<Array<Timestamp>, _>(col!(b.jobs, posted_at))
        .bind::<Array<Timestamp>, _>(col!(b.jobs, updated_at))
        .execute(c)
        .await?;
    }
    if !b.job_requirements.is_empty() {
        diesel::sql_query(
            "INSERT INTO job_requirements (job_id, skill_id, min_level, weight, required) \
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::integer[], $4::float8[], $5::boolean[])",
        )
        .bind::<Array<BigInt>, _>(col!(b.job_requirements, job_id))
        .bind::<Array<BigInt>, _>(col!(b.job_requirements, skill_id))
        .bind::<Array<Integer>, _>(col!(b.job_requirements, min_level))
        .bind::<Array<Double>, _>(col!(b.job_requirements, weight))
        .bind::<Array<Bool>, _>(col!(b.job_requirements, required))
        .execute(c)
        .await?;
    }
    if !b.outbox.is_empty() {
        diesel::sql_query(
            "INSERT INTO outbox (seq, entity_kind, entity_id, operation, created_at) \
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::timestamp[])",
        )
        .bind::<Array<BigInt>, _>(col!(b.outbox, seq))
        .bind::<Array<Text>, _>(col!(b.outbox, entity_kind))
        .bind::<Array<BigInt>, _>(col!(b.outbox, entity_id))
        .bind::<Array<Text>, _>(col!(b.outbox, operation))
        .bind::<Array<Timestamp>, _>(col!(b.outbox, created_at))
        .execute(c)
        .await?;
    }
    Ok(())
}

/// Pragmas for the duration of an SQLite bulk load, and what restores the defaults
/// ([`crate::db::SQLITE_PRAGMAS`]). `synchronous = OFF`: a crash mid-load may lose the
/// load (it is regenerated from the seed), never the rest of the database's integrity
/// guarantees afterwards.
const SQLITE_LOAD_PRAGMAS: &str = "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; \
     PRAGMA temp_store = MEMORY;";
const SQLITE_AFTER_LOAD_PRAGMAS: &str =
    "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT;";

/// Writes batches: one connection held for the whole load.
enum Writer {
    Pg(
        bb8::PooledConnection<
            'static,
            AsyncDieselConnectionManager<diesel_async::AsyncPgConnection>,
        >,
    ),
    Sqlite(bb8::PooledConnection<'static, AsyncDieselConnectionManager<crate::db::SqliteConn>>),
}

impl Writer {
    async fn open(db: &Db) -> DbResult<Writer> {
        let unavailable = |e: &dyn std::fmt::Display| DbError::Unavailable(e.to_string());
        match db.pool() {
            DbPool::Pg(pool) => Ok(Writer::Pg(
                pool.get_owned().await.map_err(|e| unavailable(&e))?,
            )),
            DbPool::Sqlite(pool) => {
                use diesel_async::SimpleAsyncConnection;
                let mut c = pool.get_owned().await.map_err(|e| unavailable(&e))?;
                c.batch_execute(SQLITE_LOAD_PRAGMAS).await?;
                Ok(Writer::Sqlite(c))
            }
        }
    }

    async fn write(&mut self, batch: Batch) -> DbResult<()> {
        match self {
            Writer::Pg(c) => {
                use diesel_async::{AsyncConnection, RunQueryDsl};
                c.transaction::<_, DbError, _>(async |c| {
                    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                        .bind::<diesel::sql_types::BigInt, _>(repo::outbox::OUTBOX_LOCK_KEY)
                        .execute(c)
                        .await?;
                    pg_insert_batch(c, &batch).await?;
                    Ok(())
                })
                .await
            }
            Writer::Sqlite(c) => c
                .spawn_blocking(move |c| {
                    use diesel::RunQueryDsl;
                    use diesel::connection::Connection;
                    c.transaction::<_, diesel::result::Error, _>(|c| {
                        insert_batch!(c, &batch);
                        Ok(())
                    })
                })
                .await
                .map_err(DbError::from),
        }
    }

    async fn finish(self) -> DbResult<()> {
        if let Writer::Sqlite(mut c) = self {
            use diesel_async::SimpleAsyncConnection;
            c.batch_execute(SQLITE_AFTER_LOAD_PRAGMAS).await?;
        }
        Ok(())
    }
}

/// Moves PostgreSQL's identity sequences past the ids assigned here.
async fn bump_sequences(db: &Db) -> DbResult<()> {
    if let DbPool::Pg(pool) = db.pool() {
        use diesel_async::RunQueryDsl;
        let mut c = pool
            .get()
            .await
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        for (table, col) in [
            ("users", "id"),
            ("learners", "id"),
            ("credentials", "id"),
            ("jobs", "id"),
            ("microcredentials", "id"),
            ("outbox", "seq"),
        ] {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{col}'), (SELECT COALESCE(MAX({col}), 0) + 1 FROM {table}), false)"
            ))
            .execute(&mut *c)
            .await?;
        }
    }
    Ok(())
}

/// The next free id of each table.
struct NextIds {
    user: i64,
    learner: i64,
    credential: i64,
    job: i64,
    microcredential: i64,
    seq: i64,
}

async fn next_ids(conn: &mut DbConn<'_>) -> DbResult<NextIds> {
    use diesel::dsl::max;
    use diesel_async::RunQueryDsl;
    macro_rules! next {
        ($t:ident, $col:ident) => {{
            let m: Option<i64> =
                crate::with_conn!(conn, |c| $t::table.select(max($t::$col)).first(c).await)?;
            m.unwrap_or(0) + 1
        }};
    }
    Ok(NextIds {
        user: next!(users, id),
        learner: next!(learners, id),
        credential: next!(credentials, id),
        job: next!(jobs, id),
        microcredential: next!(microcredentials, id),
        seq: next!(outbox, seq),
    })
}

/// Cumulative weights of a Zipf-like distribution over `n` items (exponent `s`).
fn zipf(n: usize, s: f64) -> Vec<f64> {
    let mut acc = 0.0;
    (0..n)
        .map(|i| {
            acc += 1.0 / ((i + 1) as f64).powf(s);
            acc
        })
        .collect()
}

fn draw(rng: &mut ChaCha8Rng, cumulative: &[f64]) -> usize {
    let total = cumulative.last().copied().unwrap_or(1.0);
    let x = rng.random_range(0.0..total);
    cumulative
        .partition_point(|&c| c <= x)
        .min(cumulative.len().saturating_sub(1))
}

struct Model {
    seed: u64,
    cat: Arc<Catalog>,
    /// Occupation index -> occupation id.
    occupation_ids: Vec<i64>,
    /// Occupation index -> (skill id, min level, must-have).
    occupation_skills: Vec<Vec<(i64, i32, bool)>>,
    occupation_cdf: Vec<f64>,
    all_skills: Vec<i64>,
    skill_cdf: Vec<f64>,
    skill_names: HashMap<i64, String>,
    institutions: Vec<(i64, String)>,
    employers: Vec<i64>,
}

impl Model {
    fn new(seed: u64, cat: Arc<Catalog>, ids: &Ids, rng: &mut ChaCha8Rng) -> Self {
        let occupation_ids = cat
            .occupations
            .iter()
            .map(|o| ids.occupations.get(&o.row.slug).copied().unwrap_or(0))
            .collect();
        let occupation_skills = cat
            .occupations
            .iter()
            .map(|o| {
                cat.occupation_requirements
                    .iter()
                    .filter(|r| r.row.occupation == o.row.slug)
                    .filter_map(|r| {
                        ids.skills
                            .get(&r.row.skill)
                            .map(|&id| (id, r.row.min_level, r.row.required))
                    })
                    .collect()
            })
            .collect();
        let mut all_skills: Vec<i64> = ids.skills.values().copied().collect();
        all_skills.sort_unstable();
        // A fixed random popularity order, so "popular" is not "early in the file".
        for i in (1..all_skills.len()).rev() {
            all_skills.swap(i, rng.random_range(0..=i));
        }
        let skill_names = cat
            .skills
            .iter()
            .filter_map(|s| {
                ids.skills
                    .get(&s.row.slug)
                    .map(|&id| (id, s.row.name.clone()))
            })
            .collect();
        let institutions = cat
            .organizations
            .iter()
            .filter(|o| o.row.kind == "INSTITUTION")
            .filter_map(|o| {
                ids.organizations
                    .get(&o.row.slug)
                    .map(|&id| (id, o.row.name.clone()))
            })
            .collect();
        let employers = cat
            .organizations
            .iter()
            .filter(|o| o.row.kind == "EMPLOYER")
            .filter_map(|o| ids.organizations.get(&o.row.slug).copied())
            .collect();
        Model {
            seed,
            occupation_ids,
            occupation_skills,
            occupation_cdf: zipf(cat.occupations.len(), 0.8),
            skill_cdf: zipf(all_skills.len(), 1.0),
            all_skills,
            skill_names,
            institutions,
            employers,
            cat,
        }
    }

    fn name(&self, skill: i64) -> &str {
        self.skill_names
            .get(&skill)
            .map(String::as_str)
            .unwrap_or("skill")
    }
}

fn learner_rows(m: &Model, rng: &mut ChaCha8Rng, n: &mut NextIds, index: usize, b: &mut Batch) {
    let t = now();
    let epoch = demo_epoch();
    let occ = draw(rng, &m.occupation_cdf);
    let occ_row = &m.cat.occupations[occ].row;
    let target = rng.random_range(8..=15usize);
    let mut held: Vec<(i64, i32)> = vec![];
    for &(skill, level, must) in &m.occupation_skills[occ] {
        if rng.random_bool(if must { 0.85 } else { 0.6 }) {
            held.push((skill, (level + rng.random_range(-2..=1)).clamp(1, 5)));
        }
    }
    let mut guard = 0;
    while held.len() < target && guard < 100 {
        guard += 1;
        let s = m.all_skills[draw(rng, &m.skill_cdf)];
        if !held.iter().any(|(h, _)| *h == s) {
            held.push((s, rng.random_range(1..=4)));
        }
    }
    let (user_id, learner_id) = (n.user, n.learner);
    n.user += 1;
    n.learner += 1;
    b.users.push(UserRow {
        id: user_id,
        subject: format!("synthetic-{seed}-{index:07}", seed = m.seed),
        role: "LEARNER",
        created_at: t,
    });
    let first = m.cat.first_names.choose(rng).cloned().unwrap_or_default();
    let last = m.cat.last_names.choose(rng).cloned().unwrap_or_default();
    let visibility = match rng.random_range(0..10) {
        0..=2 => "PRIVATE",
        3..=7 => "RECRUITERS",
        _ => "PUBLIC",
    };
    b.learners.push(LearnerRow {
        id: learner_id,
        user_id,
        display_name: format!("{first} {last}"),
        headline: Some(format!(
            "{} | {}",
            occ_row.title,
            held.iter()
                .take(3)
                .map(|(s, _)| m.name(*s))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        bio: None,
        location: m.cat.locations.choose(rng).cloned(),
        remote_preference: *["REMOTE", "HYBRID", "ONSITE", "ANY"]
            .choose(rng)
            .unwrap_or(&"ANY"),
        visibility,
        created_at: t,
        updated_at: t,
    });
    // Aspirations: 1-2 target occupations, mostly the learner's own.
    let mut targets = vec![if rng.random_bool(0.8) {
        occ
    } else {
        draw(rng, &m.occupation_cdf)
    }];
    if rng.random_bool(0.4) {
        let other = draw(rng, &m.occupation_cdf);
        if !targets.contains(&other) {
            targets.push(other);
        }
    }
    for t in targets {
        if let Some(&occupation_id) = m.occupation_ids.get(t).filter(|&&id| id > 0) {
            b.aspirations.push(AspirationRow {
                learner_id,
                occupation_id,
            });
        }
    }
    // Evidence: groups of 1-3 skills per credential, or self-assertion.
    let mut i = 0;
    while i < held.len() {
        let roll = rng.random_range(0..100);
        if roll < 35 {
            let (skill, level) = held[i];
            b.learner_skills.push(LearnerSkillRow {
                learner_id,
                skill_id: skill,
                level,
                updated_at: t,
            });
            i += 1;
            continue;
        }
        let take = rng.random_range(1..=3usize).min(held.len() - i);
        let group = &held[i..i + take];
        i += take;
        let verified = roll < 75;
        let issued_at = epoch - Duration::days(rng.random_range(30..1500));
        let expires_at = (rng.random_range(0..100) < 10)
            .then(|| issued_at + Duration::days(rng.random_range(20..29)));
        let (issuer, source, status) = if verified {
            let inst = m
                .institutions
                .choose(rng)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            (inst, "IMPORTED", "VERIFIED")
        } else {
            ("Self-reported".to_owned(), "LEARNER", "UNVERIFIED")
        };
        let cid = n.credential;
        n.credential += 1;
        b.credentials.push(CredentialRow {
            id: cid,
            learner_id,
            title: format!("{} certificate", m.name(group[0].0)),
            issuer,
            issued_at,
            expires_at,
            status,
            source,
            microcredential_id: None,
            created_at: t,
        });
        for &(skill, level) in group {
            b.credential_skills.push(CredentialSkillRow {
                credential_id: cid,
                learner_id,
                skill_id: skill,
                level,
            });
        }
    }
    b.outbox.push(OutboxRow {
        seq: n.seq,
        entity_kind: EntityKind::Learner.as_str(),
        entity_id: learner_id,
        operation: Operation::Upsert.as_str(),
        created_at: t,
    });
    n.seq += 1;
}

fn job_rows(m: &Model, rng: &mut ChaCha8Rng, n: &mut NextIds, b: &mut Batch) {
    let t = now();
    let occ = draw(rng, &m.occupation_cdf);
    let occ_row = &m.cat.occupations[occ].row;
    let (prefix, shift) = *[
        ("Junior ", -1),
        ("", 0),
        ("", 0),
        ("Senior ", 1),
        ("Lead ", 1),
    ]
    .choose(rng)
    .unwrap_or(&("", 0));
    let id = n.job;
    n.job += 1;
    let reqs = &m.occupation_skills[occ];
    let names: Vec<&str> = reqs.iter().take(4).map(|(s, _, _)| m.name(*s)).collect();
    b.jobs.push(JobRow {
        id,
        employer_id: m.employers.choose(rng).copied().unwrap_or_default(),
        title: format!("{prefix}{}", occ_row.title),
        description: format!(
            "We are hiring a {}{}. You will work with {}.",
            prefix.to_lowercase(),
            occ_row.title.to_lowercase(),
            names.join(", ")
        ),
        location: m.cat.locations.choose(rng).cloned(),
        remote: rng.random_bool(0.4),
        status: if rng.random_range(0..100) < 95 {
            "OPEN"
        } else {
            "CLOSED"
        },
        posted_at: demo_epoch() - Duration::hours(rng.random_range(0..24 * 90)),
        updated_at: t,
    });
    for &(skill, level, must) in reqs {
        if must || rng.random_bool(0.8) {
            b.job_requirements.push(JobRequirementRow {
                job_id: id,
                skill_id: skill,
                min_level: (level + shift).clamp(1, 5),
                weight: *[1.0, 1.5, 2.0, 3.0].choose(rng).unwrap_or(&1.0),
                required: must,
            });
        }
    }
    b.outbox.push(OutboxRow {
        seq: n.seq,
        entity_kind: EntityKind::Job.as_str(),
        entity_id: id,
        operation: Operation::Upsert.as_str(),
        created_at: t,
    });
    n.seq += 1;
}

fn microcredential_rows(m: &Model, rng: &mut ChaCha8Rng, n: &mut NextIds, b: &mut Batch) {
    let t = now();
    let occ = draw(rng, &m.occupation_cdf);
    let reqs = &m.occupation_skills[occ];
    if reqs.is_empty() {
        return;
    }
    let id = n.microcredential;
    n.microcredential += 1;
    let take = rng.random_range(1..=3usize).min(reqs.len());
    let start = rng.random_range(0..reqs.len());
    let mut taught: Vec<(i64, i32)> = (0..take)
        .map(|k| reqs[(start + k) % reqs.len()])
        .map(|(s, l, _)| (s, (l + rng.random_range(-1..=1)).clamp(1, 5)))
        .collect();
    taught.dedup_by_key(|(s, _)| *s);
    let (provider, _) = m.institutions.choose(rng).cloned().unwrap_or_default();
    let level_word = ["Foundations of", "Applied", "Advanced"][rng.random_range(0..3)];
    b.microcredentials.push(MicrocredentialRow {
        id,
        slug: None,
        provider_id: provider,
        title: format!("{level_word} {}", m.name(taught[0].0)),
        description: format!(
            "Teaches {}.",
            taught
                .iter()
                .map(|(s, l)| format!("{} (level {l})", m.name(*s)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        hours: f64::from(rng.random_range(4..=120u32)),
        cost_cents: rng.random_range(0..=150_000i64) / 100 * 100,
        currency: "USD",
        active: rng.random_range(0..100) < 97,
        created_at: t,
        updated_at: t,
    });
    for &(skill, level) in &taught {
        b.taught.push(TaughtRow {
            microcredential_id: id,
            skill_id: skill,
            level,
        });
    }
    if rng.random_bool(0.4) {
        let (skill, level, _) = reqs[rng.random_range(0..reqs.len())];
        if !taught.iter().any(|(s, _)| *s == skill) {
            b.prerequisites.push(PrerequisiteRow {
                microcredential_id: id,
                skill_id: skill,
                level: (level - 1).clamp(1, 3),
            });
        }
    }
    b.outbox.push(OutboxRow {
        seq: n.seq,
        entity_kind: EntityKind::Microcredential.as_str(),
        entity_id: id,
        operation: Operation::Upsert.as_str(),
        created_at: t,
    });
    n.seq += 1;
}

/// What a synthetic run wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyntheticReport {
    /// Learners.
    pub learners: usize,
    /// Jobs.
    pub jobs: usize,
    /// Microcredentials.
    pub microcredentials: usize,
    /// Rows inserted in all tables.
    pub rows: usize,
}

/// Generates and writes the synthetic population. The catalogue (taxonomy,
/// occupations, organizations) is loaded first if absent. `progress` is called after
/// each batch with the number of entities written so far.
pub async fn load_synthetic(
    db: &Db,
    cat: &Catalog,
    spec: SyntheticSpec,
    mut progress: impl FnMut(usize),
) -> DbResult<SyntheticReport> {
    let mut report = super::SeedReport::default();
    let ids = {
        let mut p = db.conn().await?;
        super::demo::load_catalogue(&mut p.conn(), cat, &mut report).await?
    };
    let mut next = {
        let mut p = db.conn().await?;
        let c = &mut p.conn();
        let first = format!("synthetic-{}-{:07}", spec.seed, 0);
        if spec.learners > 0 && repo::users::find_by_subject(c, &first).await?.is_some() {
            return Err(DbError::Conflict(format!(
                "a synthetic population with seed {} is already loaded; choose another --seed",
                spec.seed
            )));
        }
        next_ids(c).await?
    };
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let model = Model::new(spec.seed, Arc::new(cat.clone()), &ids, &mut rng);
    if model.employers.is_empty() || model.institutions.is_empty() {
        return Err(DbError::Invalid(
            "the catalogue has no employers or institutions".into(),
        ));
    }
    // A generator thread makes the batches (the same rows in the same order as one
    // loop would) while this task writes the previous one.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(usize, Batch)>(2);
    let generator = std::thread::spawn(move || {
        let mut batch = Batch::default();
        for _ in 0..spec.microcredentials {
            microcredential_rows(&model, &mut rng, &mut next, &mut batch);
        }
        for _ in 0..spec.jobs {
            job_rows(&model, &mut rng, &mut next, &mut batch);
        }
        if tx
            .blocking_send((spec.microcredentials + spec.jobs, batch))
            .is_err()
        {
            return;
        }
        let mut index = 0;
        while index < spec.learners {
            let mut batch = Batch::default();
            let end = (index + BATCH).min(spec.learners);
            for i in index..end {
                learner_rows(&model, &mut rng, &mut next, i, &mut batch);
            }
            if tx.blocking_send((end - index, batch)).is_err() {
                return;
            }
            index = end;
        }
    });
    let mut out = SyntheticReport::default();
    let mut done = 0;
    let mut writer = Writer::open(db).await?;
    let mut first = true;
    let mut result = Ok(());
    while let Some((entities, batch)) = rx.recv().await {
        if first {
            out.microcredentials = batch.microcredentials.len();
            out.jobs = spec.jobs;
            first = false;
        }
        out.rows += batch.users.len()
            + batch.learners.len()
            + batch.aspirations.len()
            + batch.learner_skills.len()
            + batch.credentials.len()
            + batch.credential_skills.len()
            + batch.jobs.len()
            + batch.job_requirements.len()
            + batch.microcredentials.len()
            + batch.taught.len()
            + batch.prerequisites.len()
            + batch.outbox.len();
        if let Err(e) = writer.write(batch).await {
            result = Err(e);
            break;
        }
        done += entities;
        progress(done);
    }
    drop(rx);
    let _ = tokio::task::spawn_blocking(move || generator.join()).await;
    let finished = writer.finish().await;
    result?;
    finished?;
    out.learners = spec.learners;
    bump_sequences(db).await?;
    Ok(out)
}
