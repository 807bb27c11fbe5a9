DROP INDEX jobs_status_posted_at_idx;
ALTER TABLE learners DROP COLUMN contact_opt_in;
