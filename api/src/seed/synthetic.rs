//! Synthetic data at any scale, deterministic from a seed: `talent seed --synthetic`.
//!
//! Realistic shape rather than uniform noise: occupations are drawn with a Zipf-like
//! skew (a few are common); a learner holds most core skills of their occupation
//! (must-haves with probability 0.85, others 0.6) at levels around the requirement,
//! plus skills drawn from a global popularity skew; evidence is split between issued
//! (verified) credentials, learner-entered credentials (some expired) and
//! self-assertions. Rows go in with multi-row INSERTs in batches, each batch one
//! transaction with its outbox rows; ids are assigned here (PostgreSQL's identity
//! sequences are moved past them afterwards).

use std::collections::HashMap;

use chrono::Duration;
use diesel::prelude::{Insertable, QueryDsl};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::demo::{Ids, demo_epoch};
use super::files::Catalog;
use crate::db::schema::{
    credential_skills, credentials, job_requirements, jobs, learner_skills, learners,
    microcredential_prerequisites, microcredential_skills, microcredentials, outbox, users,
};
use crate::db::{Db, DbConn, DbError, DbPool, DbResult};
use crate::repo::{self, EntityKind, Operation, now};

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
pub const BATCH: usize = 5_000;
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

async fn write_batch(db: &Db, batch: Batch) -> DbResult<()> {
    match db.pool() {
        DbPool::Pg(pool) => {
            let mut c = pool
                .get()
                .await
                .map_err(|e| DbError::Unavailable(e.to_string()))?;
            use diesel_async::{AsyncConnection, RunQueryDsl};
            c.transaction::<_, DbError, _>(async |c| {
                diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                    .bind::<diesel::sql_types::BigInt, _>(repo::outbox::OUTBOX_LOCK_KEY)
                    .execute(c)
                    .await?;
                insert_batch!(c, &batch, await);
                Ok(())
            })
            .await
        }
        DbPool::Sqlite(pool) => {
            let mut c = pool
                .get()
                .await
                .map_err(|e| DbError::Unavailable(e.to_string()))?;
            c.spawn_blocking(move |c| {
                use diesel::RunQueryDsl;
                use diesel::connection::Connection;
                c.transaction::<_, diesel::result::Error, _>(|c| {
                    insert_batch!(c, &batch);
                    Ok(())
                })
            })
            .await
            .map_err(DbError::from)
        }
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

struct Model<'a> {
    seed: u64,
    cat: &'a Catalog,
    /// Occupation index -> (skill id, min level, must-have).
    occupation_skills: Vec<Vec<(i64, i32, bool)>>,
    occupation_cdf: Vec<f64>,
    all_skills: Vec<i64>,
    skill_cdf: Vec<f64>,
    skill_names: HashMap<i64, String>,
    institutions: Vec<(i64, String)>,
    employers: Vec<i64>,
}

impl<'a> Model<'a> {
    fn new(seed: u64, cat: &'a Catalog, ids: &'a Ids, rng: &mut ChaCha8Rng) -> Self {
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
            cat,
            occupation_skills,
            occupation_cdf: zipf(cat.occupations.len(), 0.8),
            skill_cdf: zipf(all_skills.len(), 1.0),
            all_skills,
            skill_names,
            institutions,
            employers,
        }
    }

    fn name(&self, skill: i64) -> &str {
        self.skill_names
            .get(&skill)
            .map(String::as_str)
            .unwrap_or("skill")
    }
}

fn learner_rows(m: &Model<'_>, rng: &mut ChaCha8Rng, n: &mut NextIds, index: usize, b: &mut Batch) {
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

fn job_rows(m: &Model<'_>, rng: &mut ChaCha8Rng, n: &mut NextIds, b: &mut Batch) {
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

fn microcredential_rows(m: &Model<'_>, rng: &mut ChaCha8Rng, n: &mut NextIds, b: &mut Batch) {
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
    let model = Model::new(spec.seed, cat, &ids, &mut rng);
    if model.employers.is_empty() || model.institutions.is_empty() {
        return Err(DbError::Invalid(
            "the catalogue has no employers or institutions".into(),
        ));
    }
    let mut out = SyntheticReport::default();
    let mut done = 0;
    let write = async |batch: Batch, out: &mut SyntheticReport| -> DbResult<()> {
        out.rows += batch.users.len()
            + batch.learners.len()
            + batch.learner_skills.len()
            + batch.credentials.len()
            + batch.credential_skills.len()
            + batch.jobs.len()
            + batch.job_requirements.len()
            + batch.microcredentials.len()
            + batch.taught.len()
            + batch.prerequisites.len()
            + batch.outbox.len();
        write_batch(db, batch).await
    };
    let mut batch = Batch::default();
    for _ in 0..spec.microcredentials {
        microcredential_rows(&model, &mut rng, &mut next, &mut batch);
    }
    out.microcredentials = batch.microcredentials.len();
    for _ in 0..spec.jobs {
        job_rows(&model, &mut rng, &mut next, &mut batch);
    }
    out.jobs = spec.jobs;
    write(batch, &mut out).await?;
    done += out.microcredentials + out.jobs;
    progress(done);
    let mut index = 0;
    while index < spec.learners {
        let mut batch = Batch::default();
        let end = (index + BATCH).min(spec.learners);
        for i in index..end {
            learner_rows(&model, &mut rng, &mut next, i, &mut batch);
        }
        write(batch, &mut out).await?;
        done += end - index;
        index = end;
        progress(done);
    }
    out.learners = spec.learners;
    bump_sequences(db).await?;
    Ok(out)
}
