//! The population as batches of plain rows, deterministic from (spec, catalogue, seed,
//! first ids): no I/O, time stamps given by the caller.

use std::sync::Arc;

use chrono::NaiveDateTime;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::generate;
use super::model::{IncompleteCatalogue, Model};
use super::rows::{
    AspirationRow, CredentialRow, CredentialSkillRow, JobRequirementRow, JobRow, LearnerRow,
    LearnerSkillRow, MicrocredentialRow, OutboxRow, PrerequisiteRow, TaughtRow, UserRow,
};
use crate::seed::demo::Ids;
use crate::seed::files::Catalog;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct SyntheticSpec {
    /// Learners.
    pub learners: usize,
    /// Jobs.
    pub jobs: usize,
    /// Microcredentials (fewer when drawn for an occupation without requirements).
    pub microcredentials: usize,
    /// RNG seed.
    pub seed: u64,
}

/// Learners per batch (one transaction each).
pub const BATCH: usize = 10_000;

/// The next free id of each table the population assigns ids in; ids are assigned
/// consecutively from these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextIds {
    /// users.id
    pub user: i64,
    /// learners.id
    pub learner: i64,
    /// credentials.id
    pub credential: i64,
    /// jobs.id
    pub job: i64,
    /// microcredentials.id
    pub microcredential: i64,
    /// outbox.seq
    pub seq: i64,
}

impl Default for NextIds {
    /// Every table empty.
    fn default() -> Self {
        NextIds {
            user: 1,
            learner: 1,
            credential: 1,
            job: 1,
            microcredential: 1,
            seq: 1,
        }
    }
}

/// One batch of rows, each table's in the order generated.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Batch {
    /// users
    pub users: Vec<UserRow>,
    /// learners
    pub learners: Vec<LearnerRow>,
    /// learner_aspirations
    pub aspirations: Vec<AspirationRow>,
    /// learner_skills
    pub learner_skills: Vec<LearnerSkillRow>,
    /// microcredentials
    pub microcredentials: Vec<MicrocredentialRow>,
    /// microcredential_skills
    pub taught: Vec<TaughtRow>,
    /// microcredential_prerequisites
    pub prerequisites: Vec<PrerequisiteRow>,
    /// credentials
    pub credentials: Vec<CredentialRow>,
    /// credential_skills
    pub credential_skills: Vec<CredentialSkillRow>,
    /// jobs
    pub jobs: Vec<JobRow>,
    /// job_requirements
    pub job_requirements: Vec<JobRequirementRow>,
    /// outbox
    pub outbox: Vec<OutboxRow>,
}

/// Evaluates `$body` once per table of a [`Batch`], with `$rows` bound to its rows
/// (a slice), in foreign-key order (a table after those it refers to). `$body` may
/// `.await` and `?`.
macro_rules! for_each_table {
    ($batch:expr, |$rows:ident| $body:expr) => {{
        let batch: &$crate::seed::synthetic::Batch = $batch;
        {
            let $rows = &batch.users[..];
            $body
        }
        {
            let $rows = &batch.learners[..];
            $body
        }
        {
            let $rows = &batch.aspirations[..];
            $body
        }
        {
            let $rows = &batch.learner_skills[..];
            $body
        }
        {
            let $rows = &batch.microcredentials[..];
            $body
        }
        {
            let $rows = &batch.taught[..];
            $body
        }
        {
            let $rows = &batch.prerequisites[..];
            $body
        }
        {
            let $rows = &batch.credentials[..];
            $body
        }
        {
            let $rows = &batch.credential_skills[..];
            $body
        }
        {
            let $rows = &batch.jobs[..];
            $body
        }
        {
            let $rows = &batch.job_requirements[..];
            $body
        }
        {
            let $rows = &batch.outbox[..];
            $body
        }
    }};
}
pub(crate) use for_each_table;

impl Batch {
    /// Rows in all tables.
    pub fn rows(&self) -> usize {
        let mut n = 0;
        for_each_table!(self, |rows| n += rows.len());
        n
    }
}

/// The population, produced batch by batch: first one batch of every microcredential
/// and job, then the learners, [`BATCH`] per batch. One RNG, seeded from the spec,
/// draws everything in that order, so the rows depend only on the spec, the catalogue,
/// its ids and the first free ids.
pub struct Population {
    spec: SyntheticSpec,
    model: Model,
    rng: ChaCha8Rng,
    next: NextIds,
    /// Learners generated so far; `None` before the first batch.
    learners_done: Option<usize>,
}

impl Population {
    /// The population of `spec` over a catalogue whose rows have `ids`, taking ids from
    /// `next` on.
    pub fn new(
        spec: SyntheticSpec,
        cat: Arc<Catalog>,
        ids: &Ids,
        next: NextIds,
    ) -> Result<Self, IncompleteCatalogue> {
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let model = Model::new(spec.seed, cat, ids, &mut rng)?;
        Ok(Population {
            spec,
            model,
            rng,
            next,
            learners_done: None,
        })
    }

    /// The next batch, with the number of entities (microcredentials asked for, jobs,
    /// learners) it stands for, its rows stamped `now`; `None` after the last.
    pub fn next_batch(&mut self, now: NaiveDateTime) -> Option<(usize, Batch)> {
        let mut batch = Batch::default();
        let Some(index) = self.learners_done else {
            for _ in 0..self.spec.microcredentials {
                generate::microcredential(
                    &self.model,
                    &mut self.rng,
                    &mut self.next,
                    now,
                    &mut batch,
                );
            }
            for _ in 0..self.spec.jobs {
                generate::job(&self.model, &mut self.rng, &mut self.next, now, &mut batch);
            }
            self.learners_done = Some(0);
            return Some((self.spec.microcredentials + self.spec.jobs, batch));
        };
        if index >= self.spec.learners {
            return None;
        }
        let end = (index + BATCH).min(self.spec.learners);
        for i in index..end {
            generate::learner(
                &self.model,
                &mut self.rng,
                &mut self.next,
                i,
                now,
                &mut batch,
            );
        }
        self.learners_done = Some(end);
        Some((end - index, batch))
    }
}
