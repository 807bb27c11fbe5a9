DROP INDEX credential_skills_learner_idx;
ALTER TABLE credential_skills DROP CONSTRAINT credential_skills_credential_fkey;
ALTER TABLE credential_skills ADD CONSTRAINT credential_skills_credential_id_fkey
    FOREIGN KEY (credential_id) REFERENCES credentials (id) ON DELETE CASCADE;
ALTER TABLE credential_skills DROP COLUMN learner_id;
ALTER TABLE credentials DROP CONSTRAINT credentials_learner_id_key;
CREATE INDEX credentials_learner_idx ON credentials (learner_id);
