//! Candidate search, jobs for a learner and microcredential lookup.
//!
//! # Which results
//! A learner is a candidate when recruiters may see them (always enforced by
//! [`Engine::search_candidates`]: there is no switch), they pass the location/remote
//! filters, their score is `>= min_score`, no must-have is missing when `must_have_all`,
//! and: with a text query, they match the text; without one, their score is `> 0` (a
//! learner with no related evidence is not a candidate). Jobs for a learner: open jobs
//! passing the filters with score `> 0` and `>= min_score`.
//!
//! # Order and pages
//! Score descending, then text relevance (BM25, 0 without text) descending, then id
//! ascending. A [`Cursor`] holds the last (score, relevance, id) of a page; the next page
//! holds the results strictly after it, so pages never overlap or skip even when equal
//! scores straddle a page boundary.

use std::collections::HashMap;

use tantivy::collector::{Collector, DocSetCollector, SegmentCollector};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::schema::Value;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader, TantivyDocument, Term};

use crate::engine::catalog::LearnerCredits;
use crate::engine::docs::{Document, JobDoc, MicrocredentialDoc, location_key};
use crate::engine::error::EngineError;
use crate::engine::forward::NO_LOCATION;
use crate::engine::retrieval::{self, Compiled, Eligibility, Params, Ranked, TopK};
use crate::engine::schema;
use crate::engine::sync::Engine;
use crate::scoring::{self, Evidence, Explanation, Requirement};
use crate::taxonomy::SkillId;

/// Largest page size.
pub const MAX_LIMIT: usize = 1000;

/// Position after which the next page starts: the last result of the previous page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cursor {
    /// Score of the last result.
    pub score: f64,
    /// Text relevance of the last result (0 without text query).
    pub relevance: f32,
    /// Id of the last result.
    pub id: i64,
}

impl Cursor {
    /// An opaque, URL-safe string (hex of the exact bits; base64 it further if you like).
    pub fn encode(&self) -> String {
        format!(
            "{:016x}{:08x}{:016x}",
            self.score.to_bits(),
            self.relevance.to_bits(),
            self.id as u64
        )
    }

    /// Parses [`Cursor::encode`]'s output; [`EngineError::Cursor`] otherwise.
    pub fn decode(s: &str) -> Result<Cursor, EngineError> {
        if s.len() != 40 || !s.is_ascii() {
            return Err(EngineError::Cursor);
        }
        let hex64 = |p: &str| u64::from_str_radix(p, 16).map_err(|_| EngineError::Cursor);
        let score = f64::from_bits(hex64(&s[..16])?);
        let relevance =
            f32::from_bits(u32::from_str_radix(&s[16..24], 16).map_err(|_| EngineError::Cursor)?);
        let id = hex64(&s[24..])? as i64;
        if !score.is_finite() || !relevance.is_finite() {
            return Err(EngineError::Cursor);
        }
        Ok(Cursor {
            score,
            relevance,
            id,
        })
    }

    fn ranked(&self) -> Ranked {
        Ranked {
            score: self.score,
            relevance: self.relevance,
            id: self.id,
        }
    }
}

/// Candidate filters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CandidateFilters {
    /// Only learners at this location (case-insensitive, trimmed). By default, any.
    pub location: Option<String>,
    /// `Some(true)`: learners open to remote work (remote or hybrid); `Some(false)`: open
    /// to on-site work (on site or hybrid). By default, any.
    pub remote: Option<bool>,
    /// Drop learners missing a must-have. By default, false.
    pub must_have_all: bool,
    /// Minimum score. By default, 0.
    pub min_score: f64,
}

/// A candidate search.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateQuery {
    /// The requirements to score against (from a job or ad hoc). May be empty with text.
    pub requirements: Vec<Requirement>,
    /// Optional text query (tantivy syntax) over headline, bio and credential titles.
    pub text: Option<String>,
    /// Filters.
    pub filters: CandidateFilters,
    /// Page size, at most [`MAX_LIMIT`].
    pub limit: usize,
    /// Start after this cursor. By default, from the top.
    pub after: Option<Cursor>,
    /// Compute the total number of results (costs a full pass over related learners).
    pub count_total: bool,
}

impl CandidateQuery {
    /// A query for these requirements, page size 20, no text, no filters.
    pub fn new(requirements: Vec<Requirement>) -> CandidateQuery {
        CandidateQuery {
            requirements,
            text: None,
            filters: CandidateFilters::default(),
            limit: 20,
            after: None,
            count_total: false,
        }
    }
}

/// Told how a candidate search is going, so that a caller can start its own work on
/// the results (reading the learners, the skills an explanation may name) while the
/// engine is still busy. Both methods are called at most once per search, on the
/// engine's thread, in this order; the default methods do nothing. `()` ignores both.
pub trait CandidateProgress {
    /// Every skill whose evidence can earn credit for the requirements: each required
    /// skill known to the taxonomy and its relatives (MATCHING.md), sorted, each once.
    /// An explanation's `evidence_used` skill is always among them. Called before
    /// ranking starts.
    fn creditable_skills(&mut self, _skills: &[SkillId]) {}

    /// Whether to work out the skills for [`CandidateProgress::creditable_skills`] at
    /// all (a few microseconds; `()` says no).
    fn wants_creditable_skills(&self) -> bool {
        true
    }

    /// The learners of the page, in page order, once ranked and before their
    /// explanations are built (which reads each one's stored evidence). Not called when
    /// the search fails before ranking.
    fn ranked(&mut self, _learners: &[i64]) {}
}

impl CandidateProgress for () {
    fn wants_creditable_skills(&self) -> bool {
        false
    }
}

/// One candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateHit {
    /// The learner's id.
    pub learner_id: i64,
    /// Match score in [0, 1].
    pub score: f64,
    /// BM25 text relevance (0 without text query).
    pub relevance: f32,
    /// Per-requirement breakdown (its `score` equals `score`).
    pub explanation: Explanation,
    /// Cursor to continue after this hit.
    pub cursor: Cursor,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The results, in order.
    pub hits: Vec<T>,
    /// Whether more results follow.
    pub has_next_page: bool,
    /// Total number of results over all pages, when asked for.
    pub total: Option<u64>,
}

/// Filters for jobs ranked for a learner.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobFilters {
    /// Only jobs at this location (case-insensitive, trimmed). By default, any.
    pub location: Option<String>,
    /// Only remote (`Some(true)`) or only non-remote (`Some(false)`) jobs. By default, any.
    pub remote: Option<bool>,
    /// Only this employer's jobs. By default, any.
    pub employer_id: Option<i64>,
    /// Drop jobs whose must-haves the learner misses. By default, false.
    pub must_have_all: bool,
    /// Minimum score. By default, 0.
    pub min_score: f64,
}

/// Jobs for a learner.
#[derive(Debug, Clone, PartialEq)]
pub struct JobQuery {
    /// Filters.
    pub filters: JobFilters,
    /// Page size, at most [`MAX_LIMIT`].
    pub limit: usize,
    /// Start after this cursor.
    pub after: Option<Cursor>,
    /// Compute the total.
    pub count_total: bool,
}

impl Default for JobQuery {
    fn default() -> Self {
        JobQuery {
            filters: JobFilters::default(),
            limit: 20,
            after: None,
            count_total: false,
        }
    }
}

/// One job for a learner.
#[derive(Debug, Clone, PartialEq)]
pub struct JobHit {
    /// The job's id.
    pub job_id: i64,
    /// Match score.
    pub score: f64,
    /// Per-requirement breakdown.
    pub explanation: Explanation,
    /// Cursor to continue after this hit.
    pub cursor: Cursor,
}

fn check_common(limit: usize, min_score: f64) -> Result<(), EngineError> {
    if limit > MAX_LIMIT {
        return Err(EngineError::InvalidInput(format!(
            "limit {limit} above {MAX_LIMIT}"
        )));
    }
    if !min_score.is_finite() {
        return Err(EngineError::InvalidInput("min_score must be finite".into()));
    }
    Ok(())
}

/// Collects (id, BM25 score) of every match.
struct IdScores;
struct IdScoresSegment {
    ids: tantivy::columnar::Column<i64>,
    out: Vec<(i64, f32)>,
}

impl Collector for IdScores {
    type Fruit = Vec<(i64, f32)>;
    type Child = IdScoresSegment;
    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<IdScoresSegment> {
        Ok(IdScoresSegment {
            ids: reader.fast_fields().i64("id")?,
            out: Vec::new(),
        })
    }
    fn requires_scoring(&self) -> bool {
        true
    }
    fn merge_fruits(&self, fruits: Vec<Vec<(i64, f32)>>) -> tantivy::Result<Vec<(i64, f32)>> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for IdScoresSegment {
    type Fruit = Vec<(i64, f32)>;
    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(id) = self.ids.first(doc) {
            self.out.push((id, score));
        }
    }
    fn harvest(self) -> Vec<(i64, f32)> {
        self.out
    }
}

impl Engine {
    fn filter_term(&self, field: tantivy::schema::Field, value: &str) -> Box<dyn Query> {
        Box::new(ConstScoreQuery::new(
            Box::new(TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            )),
            0.0,
        ))
    }

    /// Learners matching a text query, with BM25 relevance. `recruiters_only` adds the
    /// mandatory visibility clause.
    pub(crate) fn text_matches(
        &self,
        text: &str,
        recruiters_only: bool,
    ) -> Result<HashMap<i64, f32>, EngineError> {
        let f = self.handle.fields;
        let parser = QueryParser::for_index(&self.handle.index, vec![f.learner_text]);
        let parsed = parser
            .parse_query(text)
            .map_err(|e| EngineError::Query(e.to_string()))?;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Must, parsed),
            (Occur::Must, self.filter_term(f.kind, "learner")),
        ];
        if recruiters_only {
            let visible = BooleanQuery::new(vec![
                (Occur::Should, self.filter_term(f.visibility, "recruiters")),
                (Occur::Should, self.filter_term(f.visibility, "public")),
            ]);
            clauses.push((Occur::Must, Box::new(visible)));
        }
        let searcher = self.handle.reader.searcher();
        let hits = searcher.search(&BooleanQuery::new(clauses), &IdScores)?;
        Ok(hits.into_iter().collect())
    }

    /// Text relevance of every recruiter-visible learner matching `text` (what candidate
    /// search ranks with). Exposed for tests and diagnostics.
    #[doc(hidden)]
    pub fn text_relevance(&self, text: &str) -> Result<HashMap<i64, f32>, EngineError> {
        self.text_matches(text, true)
    }

    fn eligibility(&self, f: &CandidateFilters) -> Eligibility {
        Eligibility {
            recruiters_only: true,
            location: f
                .location
                .as_deref()
                .map(|l| self.learners.location_code(Some(l)).unwrap_or(NO_LOCATION)),
            remote: f.remote,
        }
    }

    /// Recruiter-facing candidate search: only learners who opted in to recruiters
    /// (`Recruiters` or `Public`) are ever considered. See the module docs for the result
    /// set and order. Errors on invalid requirements, limit, min score or text query.
    pub fn search_candidates(&self, q: &CandidateQuery) -> Result<Page<CandidateHit>, EngineError> {
        self.candidates(q, false, &mut ())
    }

    /// [`Engine::search_candidates`], telling `progress` the skills an explanation may
    /// name before ranking and the page's learners before explaining them (see
    /// [`CandidateProgress`]). The same results.
    pub fn search_candidates_with(
        &self,
        q: &CandidateQuery,
        progress: &mut dyn CandidateProgress,
    ) -> Result<Page<CandidateHit>, EngineError> {
        self.candidates(q, false, progress)
    }

    /// The optimised brute-force baseline of [`Engine::search_candidates`]: scores every
    /// learner from the forward index. Same results; for benchmarks and tests.
    #[doc(hidden)]
    pub fn search_candidates_scan(
        &self,
        q: &CandidateQuery,
    ) -> Result<Page<CandidateHit>, EngineError> {
        self.candidates(q, true, &mut ())
    }

    fn candidates(
        &self,
        q: &CandidateQuery,
        scan: bool,
        progress: &mut dyn CandidateProgress,
    ) -> Result<Page<CandidateHit>, EngineError> {
        scoring::validate_requirements(&q.requirements)?;
        check_common(q.limit, q.filters.min_score)?;
        if progress.wants_creditable_skills() {
            progress.creditable_skills(&self.creditable_skills(&q.requirements));
        }
        let compiled = Compiled::new(&self.tax, &q.requirements);
        let params = Params {
            elig: self.eligibility(&q.filters),
            must_have_all: q.filters.must_have_all,
            min_score: q.filters.min_score,
            after: q.after.map(|c| c.ranked()),
            k: q.limit + 1,
        };
        let (mut ranked, total) = match q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(text) => self.text_candidates(text, &compiled, &params, q.count_total)?,
            None => {
                let ranked = if scan {
                    retrieval::scan(&self.learners, &compiled, &params)
                } else {
                    retrieval::search(
                        &self.learners,
                        &compiled,
                        &params,
                        self.options.search_threads,
                    )
                };
                let total = q
                    .count_total
                    .then(|| retrieval::count(&self.learners, &compiled, &params));
                (ranked, total)
            }
        };
        let has_next_page = ranked.len() > q.limit;
        ranked.truncate(q.limit);
        progress.ranked(&ranked.iter().map(|r| r.id).collect::<Vec<_>>());
        let hits = ranked
            .into_iter()
            .map(|r| {
                let evidence = self.stored_evidence(r.id)?.unwrap_or_default();
                let explanation = scoring::score_unchecked(&self.tax, &q.requirements, &evidence);
                Ok(CandidateHit {
                    learner_id: r.id,
                    score: r.score,
                    relevance: r.relevance,
                    explanation,
                    cursor: Cursor {
                        score: r.score,
                        relevance: r.relevance,
                        id: r.id,
                    },
                })
            })
            .collect::<Result<Vec<_>, EngineError>>()?;
        Ok(Page {
            hits,
            has_next_page,
            total,
        })
    }

    /// The skills whose evidence can earn credit for `reqs`: each required skill known to
    /// the taxonomy and its relatives, sorted, each once.
    fn creditable_skills(&self, reqs: &[Requirement]) -> Vec<SkillId> {
        let mut out: Vec<SkillId> = reqs
            .iter()
            .filter_map(|r| self.tax.dense(r.skill))
            .flat_map(|d| self.tax.relatives_dense(d))
            .map(|(d, _)| self.tax.id_of(d))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn text_candidates(
        &self,
        text: &str,
        compiled: &Compiled,
        p: &Params,
        count_total: bool,
    ) -> Result<(Vec<Ranked>, Option<u64>), EngineError> {
        let matches = self.text_matches(text, p.elig.recruiters_only)?;
        let mut top = TopK::new(p.k);
        let mut cred = vec![0.0; compiled.reqs.len()];
        let mut total = 0u64;
        for (id, relevance) in matches {
            let Some(&slot) = self.learners.slot_of.get(&id) else {
                continue;
            };
            if !p.elig.admits(&self.learners, slot) {
                continue;
            }
            let Some(score) = compiled.score(&self.learners, slot, p.must_have_all, &mut cred)
            else {
                continue;
            };
            if score < p.min_score {
                continue;
            }
            total += 1;
            let r = Ranked {
                score,
                relevance,
                id,
            };
            if p.after.is_none_or(|a| r > a) {
                top.push(r);
            }
        }
        Ok((top.into_sorted(), count_total.then_some(total)))
    }

    /// The evidence of a learner as indexed (any visibility: for the learner's own views
    /// and for gap analysis), `None` if unknown. Read from the stored record (the
    /// forward index keeps no credential ids, to save memory).
    pub fn learner_evidence(&self, learner_id: i64) -> Result<Option<Vec<Evidence>>, EngineError> {
        if !self.learners.slot_of.contains_key(&learner_id) {
            return Ok(None);
        }
        self.stored_evidence(learner_id)
    }

    fn stored_evidence(&self, learner_id: i64) -> Result<Option<Vec<Evidence>>, EngineError> {
        let f = self.handle.fields;
        let searcher = self.handle.reader.searcher();
        let query = TermQuery::new(
            schema::key_term(&f, 'l', learner_id),
            IndexRecordOption::Basic,
        );
        let Some(addr) = searcher
            .search(&query, &DocSetCollector)?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(addr)?;
        let bytes = doc
            .get_first(f.doc)
            .and_then(|v| v.as_bytes())
            .ok_or_else(|| EngineError::Corrupt("document without source".into()))?;
        match schema::decode_stored(bytes)? {
            Document::Learner(l) => Ok(Some(l.evidence)),
            _ => Err(EngineError::Corrupt("learner key on another kind".into())),
        }
    }

    /// Number of learners indexed.
    pub fn num_learners(&self) -> usize {
        self.learners.len()
    }

    /// A job by id.
    pub fn job(&self, id: i64) -> Option<&JobDoc> {
        self.jobs.jobs.get(&id).map(|(j, _)| j)
    }

    /// All open jobs, ascending by id.
    pub fn open_jobs(&self) -> impl Iterator<Item = &JobDoc> {
        self.jobs.jobs.values().map(|(j, _)| j).filter(|j| j.open)
    }

    /// A microcredential by id.
    pub fn microcredential(&self, id: i64) -> Option<&MicrocredentialDoc> {
        self.mcs.mcs.get(&id)
    }

    /// Active microcredentials teaching `skill` or one of its descendants at a level
    /// `>= min_level`, ascending by id (empty for an unknown skill).
    pub fn microcredentials_teaching(
        &self,
        skill: SkillId,
        min_level: u8,
    ) -> Vec<&MicrocredentialDoc> {
        match self.tax.dense(skill) {
            Some(d) => self.mcs.teaching(&self.tax, d, min_level),
            None => Vec::new(),
        }
    }

    /// Open jobs ranked for an indexed learner (any visibility: this is the learner's own
    /// view). [`EngineError::InvalidInput`] for an unknown learner.
    pub fn jobs_for_learner(
        &self,
        learner_id: i64,
        q: &JobQuery,
    ) -> Result<Page<JobHit>, EngineError> {
        let evidence = self
            .learner_evidence(learner_id)?
            .ok_or_else(|| EngineError::InvalidInput(format!("unknown learner {learner_id}")))?;
        self.jobs_for_evidence(&evidence, q)
    }

    /// Open jobs ranked for a set of evidence (e.g. a profile with projected credentials).
    pub fn jobs_for_evidence(
        &self,
        evidence: &[Evidence],
        q: &JobQuery,
    ) -> Result<Page<JobHit>, EngineError> {
        check_common(q.limit, q.filters.min_score)?;
        evidence.iter().try_for_each(Evidence::validate)?;
        let credits = LearnerCredits::new(&self.tax, evidence);
        let loc = q.filters.location.as_deref().map(|l| location_key(Some(l)));
        let after = q.after.map(|c| c.ranked());
        let mut top = TopK::new(q.limit + 1);
        let mut total = 0u64;
        let f = &self.jobs.flat;
        for i in 0..f.ids.len() {
            if q.filters.remote.is_some_and(|r| r != f.remote[i])
                || q.filters.employer_id.is_some_and(|e| e != f.employer[i])
                || loc
                    .as_ref()
                    .is_some_and(|l| l.is_none() || *l != f.location[i])
            {
                continue;
            }
            let reqs = &f.reqs[f.off[i] as usize..f.off[i + 1] as usize];
            let Some(score) = credits.score(reqs, f.total_weight[i], q.filters.must_have_all)
            else {
                continue;
            };
            if score <= 0.0 || score < q.filters.min_score {
                continue;
            }
            total += 1;
            let r = Ranked {
                score,
                relevance: 0.0,
                id: f.ids[i],
            };
            if after.is_none_or(|a| r > a) {
                top.push(r);
            }
        }
        let mut ranked = top.into_sorted();
        let has_next_page = ranked.len() > q.limit;
        ranked.truncate(q.limit);
        let hits = ranked
            .into_iter()
            .filter_map(|r| {
                let (job, _) = self.jobs.jobs.get(&r.id)?;
                Some(JobHit {
                    job_id: r.id,
                    score: r.score,
                    explanation: scoring::score_unchecked(&self.tax, &job.requirements, evidence),
                    cursor: Cursor {
                        score: r.score,
                        relevance: 0.0,
                        id: r.id,
                    },
                })
            })
            .collect();
        Ok(Page {
            hits,
            has_next_page,
            total: q.count_total.then_some(total),
        })
    }
}
