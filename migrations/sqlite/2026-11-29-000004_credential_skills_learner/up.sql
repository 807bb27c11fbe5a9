-- Credential skills carry their holder (the credential's learner), so that reading every
-- learner's evidence in id order (the index build, `talent reindex`) is one range scan of
-- credential_skills_learner_idx instead of a seek into credential_skills per credential:
-- at 1M learners that read was the largest part of the build (BENCHMARKS.md).
--
-- The copy cannot drift: the foreign key is (learner_id, credential_id) -> credentials
-- (learner_id, id), so a skill row always names its credential's own learner, and it
-- goes with the credential. credentials_learner_idx becomes unique on (learner_id, id)
-- to be that key's parent index (it indexed the same entries before: SQLite appends the
-- rowid to every index).
DROP INDEX credentials_learner_idx;
CREATE UNIQUE INDEX credentials_learner_idx ON credentials (learner_id, id);

CREATE TABLE credential_skills_v4 (
    credential_id BIGINT NOT NULL,
    learner_id BIGINT NOT NULL,
    skill_id BIGINT NOT NULL REFERENCES skills (id) ON DELETE RESTRICT,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (credential_id, skill_id),
    FOREIGN KEY (learner_id, credential_id) REFERENCES credentials (learner_id, id) ON DELETE CASCADE
);
INSERT INTO credential_skills_v4 (credential_id, learner_id, skill_id, level)
SELECT cs.credential_id, c.learner_id, cs.skill_id, cs.level
FROM credential_skills cs JOIN credentials c ON c.id = cs.credential_id;
DROP TABLE credential_skills;
ALTER TABLE credential_skills_v4 RENAME TO credential_skills;
-- Covering: a learner range reads its evidence from this index alone.
CREATE INDEX credential_skills_learner_idx
    ON credential_skills (learner_id, credential_id, skill_id, level);
