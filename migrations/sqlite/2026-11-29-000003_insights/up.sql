-- Consent to hear from institutions (issue 7): off until the learner opts in. The only
-- reach figure institutions see is the count of consenting learners in a segment.
ALTER TABLE learners ADD COLUMN contact_opt_in BOOLEAN NOT NULL DEFAULT 0;
-- Skill demand filters open jobs by posting period.
CREATE INDEX jobs_status_posted_at_idx ON jobs (status, posted_at);
