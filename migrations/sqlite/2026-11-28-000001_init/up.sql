-- Initial schema (SQLite). Portable column types only (BIGINT ids, TEXT,
-- DOUBLE, BOOLEAN, TIMESTAMP, INTEGER) so that one diesel `table!`
-- schema serves both backends; the PostgreSQL twin of this file is in
-- migrations/postgres. Timestamps are UTC without a zone.

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 100),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind TEXT NOT NULL CHECK (kind IN ('EMPLOYER', 'INSTITUTION')),
    location TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL UNIQUE CHECK (length(subject) BETWEEN 1 AND 255),
    role TEXT NOT NULL CHECK (role IN ('LEARNER', 'RECRUITER', 'INSTITUTION', 'ADMIN')),
    organization_id BIGINT REFERENCES organizations (id) ON DELETE RESTRICT,
    created_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    CHECK (role NOT IN ('RECRUITER', 'INSTITUTION') OR organization_id IS NOT NULL)
);
CREATE INDEX users_organization_idx ON users (organization_id);

CREATE TABLE skills (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 100),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    category TEXT NOT NULL,
    parent_id BIGINT REFERENCES skills (id) ON DELETE RESTRICT,
    ambiguous BOOLEAN NOT NULL DEFAULT 0,
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX skills_parent_idx ON skills (parent_id);

CREATE TABLE skill_aliases (
    skill_id BIGINT NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    alias TEXT NOT NULL UNIQUE CHECK (length(alias) BETWEEN 1 AND 200),
    PRIMARY KEY (skill_id, alias)
);

CREATE TABLE occupations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 100),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description TEXT NOT NULL
);

CREATE TABLE occupation_requirements (
    occupation_id BIGINT NOT NULL REFERENCES occupations (id) ON DELETE CASCADE,
    skill_id BIGINT NOT NULL REFERENCES skills (id) ON DELETE RESTRICT,
    min_level INTEGER NOT NULL CHECK (min_level BETWEEN 1 AND 5),
    weight DOUBLE NOT NULL CHECK (weight > 0 AND weight <= 100),
    required BOOLEAN NOT NULL,
    PRIMARY KEY (occupation_id, skill_id)
);

CREATE TABLE learners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    headline TEXT,
    bio TEXT,
    location TEXT,
    remote_preference TEXT NOT NULL DEFAULT 'ANY'
        CHECK (remote_preference IN ('REMOTE', 'HYBRID', 'ONSITE', 'ANY')),
    visibility TEXT NOT NULL DEFAULT 'PRIVATE'
        CHECK (visibility IN ('PRIVATE', 'RECRUITERS', 'PUBLIC')),
    created_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);

CREATE TABLE learner_aspirations (
    learner_id BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    occupation_id BIGINT NOT NULL REFERENCES occupations (id) ON DELETE CASCADE,
    PRIMARY KEY (learner_id, occupation_id)
);

CREATE TABLE learner_skills (
    learner_id BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    skill_id BIGINT NOT NULL REFERENCES skills (id) ON DELETE RESTRICT,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    updated_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    PRIMARY KEY (learner_id, skill_id)
);

CREATE TABLE microcredentials (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT UNIQUE,
    provider_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description TEXT NOT NULL,
    hours DOUBLE NOT NULL CHECK (hours > 0),
    cost_cents BIGINT NOT NULL CHECK (cost_cents >= 0),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE INDEX microcredentials_provider_idx ON microcredentials (provider_id);

CREATE TABLE microcredential_skills (
    microcredential_id BIGINT NOT NULL REFERENCES microcredentials (id) ON DELETE CASCADE,
    skill_id BIGINT NOT NULL REFERENCES skills (id) ON DELETE RESTRICT,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (microcredential_id, skill_id)
);
CREATE INDEX microcredential_skills_skill_idx ON microcredential_skills (skill_id);

CREATE TABLE microcredential_prerequisites (
    microcredential_id BIGINT NOT NULL REFERENCES microcredentials (id) ON DELETE CASCADE,
    skill_id BIGINT NOT NULL REFERENCES skills (id) ON DELETE RESTRICT,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (microcredential_id, skill_id)
);

-- `status` is the verification state as recorded. EXPIRED is not stored: a credential
-- whose expires_at has passed reads as EXPIRED (see api/src/db/models.rs).
CREATE TABLE credentials (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    learner_id BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    issuer TEXT NOT NULL CHECK (length(issuer) BETWEEN 1 AND 200),
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    status TEXT NOT NULL CHECK (status IN ('VERIFIED', 'UNVERIFIED', 'REVOKED')),
    source TEXT NOT NULL CHECK (source IN ('ISSUED', 'IMPORTED', 'LEARNER')),
    microcredential_id BIGINT REFERENCES microcredentials (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    CHECK (expires_at IS NULL OR expires_at > issued_at)
);
CREATE INDEX credentials_learner_idx ON credentials (learner_id);

CREATE TABLE credential_skills (
    credential_id BIGINT NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    skill_id BIGINT NOT NULL REFERENCES skills (id) ON DELETE RESTRICT,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (credential_id, skill_id)
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    employer_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description TEXT NOT NULL,
    location TEXT,
    remote BOOLEAN NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'CLOSED')),
    posted_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE INDEX jobs_employer_idx ON jobs (employer_id);
CREATE INDEX jobs_status_idx ON jobs (status);

CREATE TABLE job_requirements (
    job_id BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    skill_id BIGINT NOT NULL REFERENCES skills (id) ON DELETE RESTRICT,
    min_level INTEGER NOT NULL CHECK (min_level BETWEEN 1 AND 5),
    weight DOUBLE NOT NULL CHECK (weight > 0 AND weight <= 100),
    required BOOLEAN NOT NULL,
    PRIMARY KEY (job_id, skill_id)
);

CREATE TABLE applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    learner_id BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    job_id BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'APPLIED'
        CHECK (status IN ('APPLIED', 'IN_REVIEW', 'INTERVIEW', 'OFFER', 'HIRED', 'REJECTED', 'WITHDRAWN')),
    created_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    UNIQUE (learner_id, job_id)
);
CREATE INDEX applications_job_idx ON applications (job_id);

-- Every change to an indexed entity writes one row here in the same transaction.
-- SQLite has one writer at a time, so sequence order is commit order; AUTOINCREMENT
-- guarantees a sequence is never reused, even after the newest rows are deleted. Rows carry no payload:
-- the indexer reads current state, so erasure leaves nothing personal here.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entity_kind TEXT NOT NULL CHECK (entity_kind IN ('LEARNER', 'JOB', 'MICROCREDENTIAL')),
    entity_id BIGINT NOT NULL,
    operation TEXT NOT NULL CHECK (operation IN ('UPSERT', 'DELETE')),
    created_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
