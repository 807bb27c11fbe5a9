CREATE TABLE credential_skills_v1 (
    credential_id BIGINT NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    skill_id BIGINT NOT NULL REFERENCES skills (id) ON DELETE RESTRICT,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (credential_id, skill_id)
);
INSERT INTO credential_skills_v1 (credential_id, skill_id, level)
SELECT credential_id, skill_id, level FROM credential_skills;
DROP TABLE credential_skills;
ALTER TABLE credential_skills_v1 RENAME TO credential_skills;
DROP INDEX credentials_learner_idx;
CREATE INDEX credentials_learner_idx ON credentials (learner_id);
