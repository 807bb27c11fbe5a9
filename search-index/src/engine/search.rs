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

use std::collections::{BTreeMap, BTreeSet, HashMap};

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

/// Most distinct (skill, level) needs [`Engine::pathway_candidates`] expands.
pub const MAX_PATHWAY_NEEDS: usize = 10_000;

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

/// One candidate as ranked, before its explanation (see [`Engine::rank_candidates`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankedCandidate {
    /// The learner's id.
    pub learner_id: i64,
    /// Match score in [0, 1].
    pub score: f64,
    /// BM25 text relevance (0 without text query).
    pub relevance: f32,
    /// Cursor to continue after this candidate.
    pub cursor: Cursor,
}

/// One candidate with its explanation.
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
    ///
    /// [`Engine::rank_candidates`] then [`Engine::explain_candidates`] for its page.
    pub fn search_candidates(&self, q: &CandidateQuery) -> Result<Page<CandidateHit>, EngineError> {
        let ranked = self.rank_candidates(q)?;
        self.explained(q, ranked)
    }

    /// The optimised brute-force baseline of [`Engine::search_candidates`]: scores every
    /// learner from the forward index. Same results; for benchmarks and tests.
    #[doc(hidden)]
    pub fn search_candidates_scan(
        &self,
        q: &CandidateQuery,
    ) -> Result<Page<CandidateHit>, EngineError> {
        let ranked = self.rank(q, true)?;
        self.explained(q, ranked)
    }

    /// The page of [`Engine::search_candidates`] without explanations: who ranks where,
    /// with scores and cursors.
    pub fn rank_candidates(
        &self,
        q: &CandidateQuery,
    ) -> Result<Page<RankedCandidate>, EngineError> {
        self.rank(q, false)
    }

    /// The explanation of each of `learners` against `requirements`, in order, from the
    /// evidence the index holds for them (so each explanation's score is the score the
    /// learner ranked with). A learner the index does not hold is explained with no
    /// evidence (score 0).
    pub fn explain_candidates(
        &self,
        requirements: &[Requirement],
        learners: &[i64],
    ) -> Result<Vec<Explanation>, EngineError> {
        scoring::validate_requirements(requirements)?;
        learners
            .iter()
            .map(|&id| {
                let evidence = self.stored_evidence(id)?.unwrap_or_default();
                Ok(scoring::score_unchecked(&self.tax, requirements, &evidence))
            })
            .collect()
    }

    fn explained(
        &self,
        q: &CandidateQuery,
        ranked: Page<RankedCandidate>,
    ) -> Result<Page<CandidateHit>, EngineError> {
        let ids: Vec<i64> = ranked.hits.iter().map(|r| r.learner_id).collect();
        let explanations = self.explain_candidates(&q.requirements, &ids)?;
        Ok(Page {
            hits: ranked
                .hits
                .into_iter()
                .zip(explanations)
                .map(|(r, explanation)| CandidateHit {
                    learner_id: r.learner_id,
                    score: r.score,
                    relevance: r.relevance,
                    explanation,
                    cursor: r.cursor,
                })
                .collect(),
            has_next_page: ranked.has_next_page,
            total: ranked.total,
        })
    }

    fn rank(&self, q: &CandidateQuery, scan: bool) -> Result<Page<RankedCandidate>, EngineError> {
        scoring::validate_requirements(&q.requirements)?;
        check_common(q.limit, q.filters.min_score)?;
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
        Ok(Page {
            hits: ranked
                .into_iter()
                .map(|r| RankedCandidate {
                    learner_id: r.id,
                    score: r.score,
                    relevance: r.relevance,
                    cursor: Cursor {
                        score: r.score,
                        relevance: r.relevance,
                        id: r.id,
                    },
                })
                .collect(),
            has_next_page,
            total,
        })
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

    /// The microcredentials a learning pathway may use to meet `needs` (skill, level)
    /// for a learner holding `evidence`: the active ones teaching a needed skill or a
    /// descendant at the level or above ([`Engine::microcredentials_teaching`]) and,
    /// transitively, those teaching their prerequisites that the learner does not hold
    /// with credit 1 ([`crate::pathway::held_facts`]). Stops expanding after
    /// [`MAX_PATHWAY_NEEDS`] distinct needs. By id.
    pub fn pathway_candidates(
        &self,
        needs: impl IntoIterator<Item = (SkillId, u8)>,
        evidence: &[Evidence],
    ) -> BTreeMap<i64, MicrocredentialDoc> {
        let held = crate::pathway::held_facts(evidence);
        let mut needs: Vec<(SkillId, u8)> = needs.into_iter().collect();
        let mut seen: BTreeSet<(SkillId, u8)> = BTreeSet::new();
        let mut out: BTreeMap<i64, MicrocredentialDoc> = BTreeMap::new();
        while let Some(need) = needs.pop() {
            if seen.len() >= MAX_PATHWAY_NEEDS || !seen.insert(need) {
                continue;
            }
            for m in self.microcredentials_teaching(need.0, need.1) {
                if out.contains_key(&m.id) {
                    continue;
                }
                needs.extend(
                    m.prerequisites
                        .iter()
                        .filter(|&&(s, l)| !held.iter().any(|f| f.skill == s && f.level >= l)),
                );
                out.insert(m.id, m.clone());
            }
        }
        out
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
