-- Credential skills carry their holder (the credential's learner), so that reading every
-- learner's evidence in id order (the index build, `talent reindex`) is one range scan of
-- credential_skills_learner_idx instead of a lookup per credential (BENCHMARKS.md).
--
-- The copy cannot drift: the foreign key is (learner_id, credential_id) -> credentials
-- (learner_id, id), so a skill row always names its credential's own learner, and it
-- goes with the credential. The unique (learner_id, id) is that key's parent and replaces
-- credentials_learner_idx.
DROP INDEX credentials_learner_idx;
ALTER TABLE credentials ADD CONSTRAINT credentials_learner_id_key UNIQUE (learner_id, id);

ALTER TABLE credential_skills ADD COLUMN learner_id BIGINT;
UPDATE credential_skills cs SET learner_id = c.learner_id
FROM credentials c WHERE c.id = cs.credential_id;
ALTER TABLE credential_skills ALTER COLUMN learner_id SET NOT NULL;
ALTER TABLE credential_skills DROP CONSTRAINT credential_skills_credential_id_fkey;
ALTER TABLE credential_skills ADD CONSTRAINT credential_skills_credential_fkey
    FOREIGN KEY (learner_id, credential_id) REFERENCES credentials (learner_id, id)
    ON DELETE CASCADE;
-- Covering: a learner range reads its evidence from this index alone.
CREATE INDEX credential_skills_learner_idx
    ON credential_skills (learner_id, credential_id, skill_id) INCLUDE (level);
