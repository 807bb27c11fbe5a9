//! The MATCHING.md score in SQL, for PostgreSQL and SQLite: the same text on both (only
//! the placeholders differ: `$n` for PostgreSQL, `?n` for SQLite), and the indexes a DBA
//! would add for it. BENCHMARKS.md quotes this file.
//!
//! Evidence, as the read model maps rows (`api/src/documents/mod.rs`): a credential's skills
//! count with confidence 1.0 (VERIFIED) or 0.7 (UNVERIFIED), halved when `expires_at <=
//! now`; REVOKED credentials count not at all; self-asserted skills (`learner_skills`)
//! count 0.4. The relation factor comes from `skill_relation`, a table materialised from
//! the taxonomy by [`relation_rows`] (same skill 1.0, descendant 0.9, direct parent 0.5,
//! sibling within a family 0.3), exactly the closure the engine uses.
//!
//! `credit = MAX(conf * factor * min(1, level / L))` per (learner, requirement) and
//! `score = SUM(w * credit) / SUM(w)`; order `score DESC, id ASC`. Candidate search keeps
//! recruiter-visible learners only (RECRUITERS, PUBLIC), as the engine does; jobs for a
//! learner keep OPEN jobs. Rows with no related evidence never appear (score 0 is not a
//! result, as in the engine). Both queries fetch [`FETCH`] rows so that ties at the 20th
//! place compare fairly (a top-N sort costs the same for 20 or 40).

use search_index::Taxonomy;
use search_index::scoring::{REL_DESCENDANT, REL_PARENT, REL_SAME, REL_SIBLING};
use search_index::taxonomy::Relation;

/// Rows fetched per SQL query (the comparison uses the first 20 after tie resolution).
pub const FETCH: usize = 40;

/// Candidate search for one job: `$1` = job id, `$2` = now (expiry).
pub const CANDIDATES_SQL: &str = "\
WITH req AS (
    SELECT skill_id, min_level, weight FROM job_requirements WHERE job_id = $1
),
rel AS (
    SELECT r.skill_id AS req_skill, r.min_level, r.weight, sr.evidence_skill, sr.factor
    FROM req r JOIN skill_relation sr ON sr.required_skill = r.skill_id
),
ev AS (
    SELECT c.learner_id, cs.skill_id, cs.level,
           (CASE WHEN c.status = 'VERIFIED' THEN 1.0 ELSE 0.7 END)
         * (CASE WHEN c.expires_at IS NOT NULL AND c.expires_at <= $2 THEN 0.5 ELSE 1.0 END) AS conf
    FROM credential_skills cs JOIN credentials c ON c.id = cs.credential_id
    WHERE c.status IN ('VERIFIED', 'UNVERIFIED')
      AND cs.skill_id IN (SELECT evidence_skill FROM rel)
    UNION ALL
    SELECT ls.learner_id, ls.skill_id, ls.level, 0.4 AS conf
    FROM learner_skills ls
    WHERE ls.skill_id IN (SELECT evidence_skill FROM rel)
),
credit AS (
    SELECT ev.learner_id, rel.req_skill, rel.weight,
           MAX(ev.conf * rel.factor * (CASE WHEN ev.level >= rel.min_level THEN 1.0
               ELSE CAST(ev.level AS DOUBLE PRECISION) / rel.min_level END)) AS credit
    FROM ev JOIN rel ON rel.evidence_skill = ev.skill_id
    GROUP BY ev.learner_id, rel.req_skill, rel.weight
)
SELECT cr.learner_id AS id,
       CAST(SUM(cr.weight * cr.credit) AS DOUBLE PRECISION) / (SELECT SUM(weight) FROM req) AS score
FROM credit cr JOIN learners l ON l.id = cr.learner_id
WHERE l.visibility IN ('RECRUITERS', 'PUBLIC')
GROUP BY cr.learner_id
ORDER BY score DESC, cr.learner_id ASC
LIMIT 40";

/// Open jobs ranked for one learner: `$1` = learner id, `$2` = now (expiry).
pub const JOBS_SQL: &str = "\
WITH ev AS (
    SELECT cs.skill_id, cs.level,
           (CASE WHEN c.status = 'VERIFIED' THEN 1.0 ELSE 0.7 END)
         * (CASE WHEN c.expires_at IS NOT NULL AND c.expires_at <= $2 THEN 0.5 ELSE 1.0 END) AS conf
    FROM credentials c JOIN credential_skills cs ON cs.credential_id = c.id
    WHERE c.learner_id = $1 AND c.status IN ('VERIFIED', 'UNVERIFIED')
    UNION ALL
    SELECT ls.skill_id, ls.level, 0.4 AS conf FROM learner_skills ls WHERE ls.learner_id = $1
),
credit AS (
    SELECT jr.job_id, jr.skill_id, jr.weight,
           MAX(ev.conf * sr.factor * (CASE WHEN ev.level >= jr.min_level THEN 1.0
               ELSE CAST(ev.level AS DOUBLE PRECISION) / jr.min_level END)) AS credit
    FROM ev JOIN skill_relation sr ON sr.evidence_skill = ev.skill_id
            JOIN job_requirements jr ON jr.skill_id = sr.required_skill
    GROUP BY jr.job_id, jr.skill_id, jr.weight
),
scored AS (
    SELECT job_id, CAST(SUM(weight * credit) AS DOUBLE PRECISION) AS num FROM credit GROUP BY job_id
)
SELECT s.job_id AS id,
       s.num / (SELECT SUM(t.weight) FROM job_requirements t WHERE t.job_id = s.job_id) AS score
FROM scored s JOIN jobs j ON j.id = s.job_id
WHERE j.status = 'OPEN'
ORDER BY score DESC, s.job_id ASC
LIMIT 40";

/// The relation table and the indexes a DBA would add for these two queries, in order
/// (identical on both backends). `ANALYZE` (PostgreSQL: `VACUUM ANALYZE`, so that
/// index-only scans see an up-to-date visibility map) follows.
pub const DBA_SETUP: &[&str] = &[
    "CREATE TABLE skill_relation (
        required_skill BIGINT NOT NULL,
        evidence_skill BIGINT NOT NULL,
        factor DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (required_skill, evidence_skill)
    )",
    // filled here by relation_rows(), then:
    "CREATE INDEX bench_skill_relation_evidence_idx ON skill_relation (evidence_skill, required_skill, factor)",
    // candidate search: evidence by skill, covering (no heap/table visit for these columns)
    "CREATE INDEX bench_credential_skills_skill_idx ON credential_skills (skill_id, credential_id, level)",
    "CREATE INDEX bench_learner_skills_skill_idx ON learner_skills (skill_id, learner_id, level)",
    "CREATE INDEX bench_credentials_cover_idx ON credentials (id, learner_id, status, expires_at)",
    "CREATE INDEX bench_learners_visibility_idx ON learners (id, visibility)",
    // jobs for a learner: requirements by skill, covering
    "CREATE INDEX bench_job_requirements_skill_idx ON job_requirements (skill_id, job_id, min_level, weight)",
    // (existing: credentials (learner_id), learner_skills PK (learner_id, skill_id),
    //  job_requirements PK (job_id, skill_id), jobs PK)
];

/// Session settings for PostgreSQL: enough memory for the hash aggregates of one query
/// (the server default of 4 MB spills them to disk).
pub const PG_SESSION: &str = "SET work_mem = '256MB'";

/// Connection settings for SQLite: a 1 GiB page cache and memory-mapped reads.
pub const SQLITE_SESSION: &str =
    "PRAGMA cache_size = -1048576; PRAGMA mmap_size = 8589934592; PRAGMA temp_store = MEMORY;";

/// The SQLite spelling of a query (`?n` placeholders).
pub fn for_sqlite(sql: &str) -> String {
    sql.replace("$1", "?1").replace("$2", "?2")
}

/// Every (required skill, evidence skill, factor) of the taxonomy: the relation closure
/// the engine computes with `Taxonomy::relatives_dense`.
pub fn relation_rows(tax: &Taxonomy) -> Vec<(i64, i64, f64)> {
    let mut out = Vec::new();
    for r in 0..tax.len() as u32 {
        for (e, rel) in tax.relatives_dense(r) {
            let factor = match rel {
                Relation::Same => REL_SAME,
                Relation::Descendant => REL_DESCENDANT,
                Relation::Parent => REL_PARENT,
                Relation::Sibling => REL_SIBLING,
            };
            out.push((tax.id_of(r), tax.id_of(e), factor));
        }
    }
    out
}

/// One result row.
#[derive(diesel::QueryableByName, Debug, Clone, Copy)]
pub struct ScoreRow {
    /// Learner or job id.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    /// Score.
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub score: f64,
}
