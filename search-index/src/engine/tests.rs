//! Engine tests: hand-written cases, and property tests holding every search equal to a
//! brute-force oracle that scores every document with [`crate::scoring::score`].

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;

use super::*;
use crate::scoring::{self, Evidence, EvidenceKind, Requirement};
use crate::taxonomy::{SkillDef, Taxonomy};

fn opts() -> EngineOptions {
    EngineOptions {
        writer_threads: 1,
        writer_memory_bytes: 15_000_000,
        search_threads: 1,
    }
}

fn def(id: i64, parent: Option<i64>) -> SkillDef {
    SkillDef {
        id,
        slug: format!("s{id}"),
        name: format!("Skill {id}"),
        category: "c".into(),
        parent,
        aliases: vec![],
        ambiguous: false,
    }
}

fn learner(id: i64, vis: Visibility, evidence: Vec<Evidence>) -> LearnerDoc {
    LearnerDoc {
        id,
        visibility: vis,
        location: Some("Paris".into()),
        remote_preference: RemotePreference::Hybrid,
        headline: format!("learner {id}"),
        bio: String::new(),
        credential_titles: vec![],
        evidence,
    }
}

fn ev(skill: i64, level: u8) -> Evidence {
    Evidence {
        skill,
        level,
        kind: EvidenceKind::VerifiedCredential,
        expired: false,
        credential_id: Some(skill * 10),
    }
}

fn req(skill: i64, min_level: u8, weight: f64, required: bool) -> Requirement {
    Requirement {
        skill,
        min_level,
        weight,
        required,
    }
}

fn upsert(seq: u64, doc: Document) -> Change {
    Change {
        seq,
        op: ChangeOp::Upsert(doc),
    }
}

/// An active microcredential of provider 1 teaching `skill` at `level`.
fn mc_doc(id: i64, skill: i64, level: u8, prerequisites: Vec<(i64, u8)>) -> MicrocredentialDoc {
    MicrocredentialDoc {
        id,
        provider_id: 1,
        title: "m".into(),
        description: "d".into(),
        hours: 10.0,
        cost_cents: 100,
        skills: vec![(skill, level)],
        prerequisites,
        active: true,
    }
}

/// Software (root) > Databases > SQL > {PostgreSQL, MySQL}.
fn small_tax() -> Arc<Taxonomy> {
    Arc::new(
        Taxonomy::new(vec![
            def(1, None),
            def(2, Some(1)),
            def(3, Some(2)),
            def(4, Some(3)),
            def(5, Some(3)),
        ])
        .expect("valid"),
    )
}

#[test]
fn private_learners_are_never_candidates() {
    let mut e = Engine::in_memory(small_tax(), opts()).expect("engine");
    e.apply(&[
        upsert(
            1,
            Document::Learner(learner(10, Visibility::Private, vec![ev(4, 5)])),
        ),
        upsert(
            2,
            Document::Learner(learner(11, Visibility::Recruiters, vec![ev(4, 3)])),
        ),
        upsert(
            3,
            Document::Learner(learner(12, Visibility::Public, vec![ev(3, 3)])),
        ),
    ])
    .expect("apply");
    assert_eq!(e.commit().expect("commit"), 3);
    let mut q = CandidateQuery::new(vec![req(3, 3, 1.0, true)]);
    q.count_total = true;
    let page = e.search_candidates(&q).expect("search");
    // 12 knows SQL itself (1.0); 11 knows PostgreSQL, a descendant (0.9); 10 is private.
    let ids: Vec<(i64, f64)> = page.hits.iter().map(|h| (h.learner_id, h.score)).collect();
    assert_eq!(ids, vec![(12, 1.0), (11, 0.9)]);
    assert_eq!(page.total, Some(2));
    // Text search too: "learner" matches all three headlines, the private one is left out.
    q.text = Some("learner".into());
    let page = e.search_candidates(&q).expect("search");
    assert_eq!(
        page.hits.iter().map(|h| h.learner_id).collect::<Vec<_>>(),
        vec![12, 11]
    );
    assert_eq!(e.search_candidates_scan(&q).expect("scan").hits.len(), 2);
    // The learner's own view sees their jobs whatever the visibility.
    assert!(e.learner_evidence(10).expect("read").is_some());
}

#[test]
fn jobs_and_microcredentials() {
    let tax = small_tax();
    let mut e = Engine::in_memory(tax, opts()).expect("engine");
    let job = |id, open, skill| JobDoc {
        id,
        requirements: vec![req(skill, 3, 1.0, true)],
        title: "t".into(),
        description: "d".into(),
        employer_id: 7,
        location: None,
        remote: true,
        open,
    };
    let mc = |id, skill, level, active| MicrocredentialDoc {
        active,
        ..mc_doc(id, skill, level, vec![])
    };
    e.apply(&[
        upsert(1, Document::Job(job(1, true, 3))),
        upsert(2, Document::Job(job(2, false, 3))),
        upsert(3, Document::Job(job(3, true, 5))),
        upsert(4, Document::Microcredential(mc(1, 4, 4, true))),
        upsert(5, Document::Microcredential(mc(2, 3, 2, true))),
        upsert(6, Document::Microcredential(mc(3, 4, 5, false))),
        upsert(7, Document::Microcredential(mc(4, 3, 3, true))),
    ])
    .expect("apply");
    e.commit().expect("commit");
    let page = e
        .jobs_for_evidence(&[ev(4, 3)], &JobQuery::default())
        .expect("jobs");
    // Job 1 asks SQL: PostgreSQL is a descendant, 0.9. Job 3 asks MySQL: sibling, 0.3.
    // Job 2 is closed.
    let got: Vec<i64> = page.hits.iter().map(|h| h.job_id).collect();
    assert_eq!(got, vec![1, 3]);
    assert!((page.hits[1].score - 0.3).abs() < 1e-12);
    // SQL at >= 3: mc 4 (SQL 3) and mc 1 (PostgreSQL 4, a descendant); not mc 2 (level 2)
    // nor mc 3 (inactive).
    let ids: Vec<i64> = e
        .microcredentials_teaching(3, 3)
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, vec![1, 4]);
    e.apply(&[Change {
        seq: 8,
        op: ChangeOp::DeleteMicrocredential(4),
    }])
    .expect("apply");
    e.commit().expect("commit");
    let ids: Vec<i64> = e
        .microcredentials_teaching(3, 3)
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, vec![1]);
}

#[test]
fn pathway_candidates_follow_unmet_prerequisites() {
    let mut e = Engine::in_memory(small_tax(), opts()).expect("engine");
    let mc = mc_doc;
    e.apply(&[
        // Teaches PostgreSQL (4) at 4, needs SQL (3) at 2.
        upsert(1, Document::Microcredential(mc(1, 4, 4, vec![(3, 2)]))),
        // Teaches SQL at 2, needs Databases (2) at 1.
        upsert(2, Document::Microcredential(mc(2, 3, 2, vec![(2, 1)]))),
        // Teaches Databases at 1.
        upsert(3, Document::Microcredential(mc(3, 2, 1, vec![]))),
        // Teaches skill 1, the root above Databases: nothing needs it.
        upsert(4, Document::Microcredential(mc(4, 1, 3, vec![]))),
    ])
    .expect("apply");
    e.commit().expect("commit");
    let ids = |evidence: &[Evidence]| -> Vec<i64> {
        e.pathway_candidates([(4, 3)], evidence)
            .into_keys()
            .collect()
    };
    // Nothing held: the prerequisite chain 1 -> 2 -> 3.
    assert_eq!(ids(&[]), vec![1, 2, 3]);
    // SQL held verified at 2: mc 1's prerequisite is met, the chain stops there.
    assert_eq!(ids(&[ev(3, 2)]), vec![1]);
    // Self-asserted SQL does not meet a prerequisite.
    let mut asserted = ev(3, 2);
    asserted.kind = EvidenceKind::SelfAsserted;
    asserted.credential_id = None;
    assert_eq!(ids(&[asserted]), vec![1, 2, 3]);
}

#[test]
fn invalid_input_is_rejected_without_staging() {
    let mut e = Engine::in_memory(small_tax(), opts()).expect("engine");
    let bad = learner(1, Visibility::Public, vec![ev(4, 9)]);
    let good = learner(2, Visibility::Public, vec![ev(4, 3)]);
    assert!(matches!(
        e.apply(&[
            upsert(1, Document::Learner(good)),
            upsert(2, Document::Learner(bad))
        ]),
        Err(EngineError::Invalid(_))
    ));
    assert_eq!(e.staged_seq(), 0);
    let mut q = CandidateQuery::new(vec![req(4, 0, 1.0, true)]);
    assert!(e.search_candidates(&q).is_err());
    q.requirements = vec![req(4, 3, 1.0, true)];
    q.limit = MAX_LIMIT + 1;
    assert!(e.search_candidates(&q).is_err());
    q.limit = 5;
    q.text = Some("headline:(".into());
    assert!(matches!(
        e.search_candidates(&q),
        Err(EngineError::Query(_))
    ));
    assert!(Cursor::decode("zz").is_err());
    let c = Cursor {
        score: 0.25,
        relevance: 1.5,
        id: -3,
    };
    assert_eq!(Cursor::decode(&c.encode()).expect("decodes"), c);
}

// ---------------------------------------------------------------------------
// Property tests against a brute-force oracle.

const WORDS: [&str; 5] = ["rust", "data", "sql", "cloud", "design"];
const LOCATIONS: [Option<&str>; 4] = [None, Some("Paris"), Some(" paris"), Some("Berlin")];

fn arb_tax() -> impl Strategy<Value = Arc<Taxonomy>> {
    prop::collection::vec(prop::option::weighted(0.8, 0usize..100), 3..16).prop_map(|parents| {
        let defs = parents
            .iter()
            .enumerate()
            .map(|(i, p)| {
                def(
                    i as i64 + 1,
                    p.filter(|_| i > 0).map(|p| (p % i) as i64 + 1),
                )
            })
            .collect();
        Arc::new(Taxonomy::new(defs).expect("forest"))
    })
}

fn arb_kind() -> impl Strategy<Value = EvidenceKind> {
    prop_oneof![
        Just(EvidenceKind::VerifiedCredential),
        Just(EvidenceKind::UnverifiedCredential),
        Just(EvidenceKind::SelfAsserted)
    ]
}

/// Skill ids 1..=17 (a few beyond the taxonomy: unknown skills must be harmless).
fn arb_evidence() -> impl Strategy<Value = Evidence> {
    (
        1i64..18,
        1u8..=5,
        arb_kind(),
        any::<bool>(),
        prop::option::of(0i64..4),
    )
        .prop_map(|(skill, level, kind, expired, credential_id)| Evidence {
            skill,
            level,
            kind,
            expired,
            credential_id,
        })
}

fn arb_learner(id: i64) -> impl Strategy<Value = LearnerDoc> {
    (
        prop_oneof![
            Just(Visibility::Private),
            Just(Visibility::Recruiters),
            Just(Visibility::Public)
        ],
        0usize..4,
        prop_oneof![
            Just(RemotePreference::OnSite),
            Just(RemotePreference::Hybrid),
            Just(RemotePreference::Remote)
        ],
        prop::collection::vec(0usize..5, 0..3),
        prop::collection::vec(arb_evidence(), 0..6),
    )
        .prop_map(
            move |(visibility, loc, remote_preference, words, evidence)| LearnerDoc {
                id,
                visibility,
                location: LOCATIONS[loc].map(str::to_string),
                remote_preference,
                headline: words
                    .iter()
                    .map(|&w| WORDS[w])
                    .collect::<Vec<_>>()
                    .join(" "),
                bio: String::new(),
                credential_titles: vec![],
                evidence,
            },
        )
}

fn arb_requirements() -> impl Strategy<Value = Vec<Requirement>> {
    prop::collection::vec(
        (1i64..18, 1u8..=5, 1u8..4, any::<bool>())
            .prop_map(|(s, l, w, m)| req(s, l, f64::from(w), m)),
        0..5,
    )
}

#[derive(Debug, Clone)]
enum Op {
    Upsert(LearnerDoc),
    Delete(i64),
    Commit,
}

fn arb_ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            6 => (1i64..40).prop_flat_map(arb_learner).prop_map(Op::Upsert),
            2 => (1i64..40).prop_map(Op::Delete),
            1 => Just(Op::Commit),
        ],
        1..70,
    )
}

fn arb_query() -> impl Strategy<Value = CandidateQuery> {
    (
        arb_requirements(),
        prop::option::weighted(0.3, 0usize..5),
        prop::option::of(0usize..4),
        prop::option::of(any::<bool>()),
        any::<bool>(),
        prop_oneof![Just(0.0), Just(0.3), 0.0f64..1.0],
        1usize..6,
    )
        .prop_map(
            |(requirements, text, loc, remote, must_have_all, min_score, limit)| CandidateQuery {
                requirements,
                text: text.map(|w| WORDS[w].to_string()),
                filters: CandidateFilters {
                    location: loc.and_then(|l| LOCATIONS[l]).map(str::to_string),
                    remote,
                    must_have_all,
                    min_score,
                },
                limit,
                after: None,
                count_total: true,
            },
        )
}

/// The oracle: score every visible document, filter, sort.
fn oracle(
    e: &Engine,
    model: &BTreeMap<i64, LearnerDoc>,
    q: &CandidateQuery,
) -> Vec<(i64, f64, f32, scoring::Explanation)> {
    let tax = e.taxonomy();
    let text = q
        .text
        .as_deref()
        .map(|t| e.text_relevance(t).expect("text"));
    let loc = |l: Option<&str>| l.map(|l| l.trim().to_lowercase()).filter(|l| !l.is_empty());
    let mut out: Vec<(i64, f64, f32, scoring::Explanation)> = model
        .values()
        .filter(|l| matches!(l.visibility, Visibility::Recruiters | Visibility::Public))
        .filter(|l| match &q.filters.location {
            None => true,
            Some(f) => loc(Some(f)).is_some() && loc(Some(f)) == loc(l.location.as_deref()),
        })
        .filter(|l| match q.filters.remote {
            None => true,
            Some(true) => l.remote_preference != RemotePreference::OnSite,
            Some(false) => l.remote_preference != RemotePreference::Remote,
        })
        .filter_map(|l| {
            let x = scoring::score(tax, &q.requirements, &l.evidence).expect("valid");
            let relevance = match &text {
                Some(m) => *m.get(&l.id)?,
                None if x.score > 0.0 => 0.0,
                None => return None,
            };
            if x.score < q.filters.min_score
                || (q.filters.must_have_all && !x.missing_must_haves.is_empty())
            {
                return None;
            }
            Some((l.id, x.score, relevance, x))
        })
        .collect();
    out.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then(b.2.total_cmp(&a.2))
            .then(a.0.cmp(&b.0))
    });
    out
}

/// Pages through the engine and compares with the oracle, for both the retrieval path
/// and the scan baseline.
fn check_query(
    e: &Engine,
    model: &BTreeMap<i64, LearnerDoc>,
    q: &CandidateQuery,
) -> Result<(), TestCaseError> {
    let expected = oracle(e, model, q);
    for scan in [false, true] {
        let mut got = Vec::new();
        let mut q = q.clone();
        for _ in 0..50 {
            let page = if scan {
                e.search_candidates_scan(&q)
            } else {
                e.search_candidates(&q)
            }
            .expect("search");
            if !scan {
                check_rank_then_explain(e, &q, &page)?;
            }
            prop_assert_eq!(page.total, Some(expected.len() as u64));
            prop_assert!(page.hits.len() <= q.limit);
            for h in &page.hits {
                prop_assert_eq!(h.explanation.score, h.score);
                got.push((h.learner_id, h.score, h.relevance, h.explanation.clone()));
            }
            match page.hits.last() {
                Some(last) if page.has_next_page => q.after = Some(last.cursor),
                _ => break,
            }
        }
        prop_assert_eq!(&got, &expected);
    }
    Ok(())
}

/// `rank_candidates` ranks the page of `search_candidates` (same learners, scores and
/// cursors, in order), and `explain_candidates` gives its explanations.
fn check_rank_then_explain(
    e: &Engine,
    q: &CandidateQuery,
    page: &Page<CandidateHit>,
) -> Result<(), TestCaseError> {
    let ranked = e.rank_candidates(q).expect("rank");
    prop_assert_eq!(ranked.has_next_page, page.has_next_page);
    prop_assert_eq!(ranked.total, page.total);
    let expected: Vec<RankedCandidate> = page
        .hits
        .iter()
        .map(|h| RankedCandidate {
            learner_id: h.learner_id,
            score: h.score,
            relevance: h.relevance,
            cursor: h.cursor,
        })
        .collect();
    prop_assert_eq!(&ranked.hits, &expected);
    let ids: Vec<i64> = ranked.hits.iter().map(|r| r.learner_id).collect();
    let explained = e
        .explain_candidates(&q.requirements, &ids)
        .expect("explain");
    let expected: Vec<&scoring::Explanation> = page.hits.iter().map(|h| &h.explanation).collect();
    prop_assert_eq!(explained.iter().collect::<Vec<_>>(), expected);
    Ok(())
}

#[test]
fn ranking_and_explaining_refuse_invalid_input() {
    let e = Engine::in_memory(small_tax(), opts()).expect("engine");
    let mut q = CandidateQuery::new(vec![req(2, 3, 1.0, false)]);
    q.limit = MAX_LIMIT + 1;
    assert!(matches!(
        e.rank_candidates(&q),
        Err(EngineError::InvalidInput(_))
    ));
    q.limit = 5;
    q.text = Some("headline:(".into());
    assert!(matches!(e.rank_candidates(&q), Err(EngineError::Query(_))));
    assert!(
        e.explain_candidates(&[req(2, 0, 1.0, false)], &[1])
            .is_err()
    );
    // A learner the index does not hold is explained with no evidence.
    let none = e
        .explain_candidates(&[req(2, 3, 1.0, false)], &[424242])
        .expect("explain");
    assert_eq!(none.len(), 1);
    assert_eq!(none[0].score, 0.0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, failure_persistence: None, ..ProptestConfig::default() })]

    /// After random interleavings of upserts, deletes and commits, every query (text,
    /// filters, mustHaveAll, minScore, all pages) equals the oracle, on one and two threads.
    #[test]
    fn candidate_search_equals_oracle(tax in arb_tax(), ops in arb_ops(), queries in prop::collection::vec(arb_query(), 1..5), threads in 1usize..3) {
        let mut options = opts();
        options.search_threads = threads;
        let mut e = Engine::in_memory(tax, options).expect("engine");
        let mut model = BTreeMap::new();
        let mut committed = BTreeMap::new();
        let mut seq = 0;
        for op in ops {
            seq += 1;
            match op {
                Op::Upsert(l) => {
                    model.insert(l.id, l.clone());
                    e.apply(&[upsert(seq, Document::Learner(l))]).expect("apply");
                }
                Op::Delete(id) => {
                    model.remove(&id);
                    e.apply(&[Change { seq, op: ChangeOp::DeleteLearner(id) }]).expect("apply");
                }
                Op::Commit => {
                    e.commit().expect("commit");
                    committed = model.clone();
                }
            }
        }
        // Uncommitted changes are not visible.
        for q in &queries {
            check_query(&e, &committed, q)?;
        }
        e.commit().expect("commit");
        for q in &queries {
            check_query(&e, &model, q)?;
        }
    }

    /// Jobs ranked for a learner equal the oracle; so does the microcredential lookup.
    #[test]
    fn jobs_and_lookup_equal_oracle(
        tax in arb_tax(),
        jobs in prop::collection::vec((arb_requirements(), any::<bool>(), any::<bool>(), 0i64..3, 0usize..4), 0..25),
        mcs in prop::collection::vec((prop::collection::vec((1i64..18, 1u8..=5), 0..3), any::<bool>()), 0..15),
        evidence in prop::collection::vec(arb_evidence(), 0..6),
        filters in (prop::option::of(any::<bool>()), prop::option::of(0i64..3), prop::option::of(0usize..4), any::<bool>(), prop_oneof![Just(0.0), 0.0f64..1.0]),
        limit in 1usize..5,
        lookup in (1i64..18, 1u8..=5),
    ) {
        let mut e = Engine::in_memory(Arc::clone(&tax), opts()).expect("engine");
        let jobs: Vec<JobDoc> = jobs.into_iter().enumerate().map(|(i, (requirements, open, remote, employer_id, loc))| JobDoc {
            id: i as i64 + 1, requirements, title: "t".into(), description: "d".into(), employer_id,
            location: LOCATIONS[loc].map(str::to_string), remote, open,
        }).collect();
        let mcs: Vec<MicrocredentialDoc> = mcs.into_iter().enumerate().map(|(i, (skills, active))| MicrocredentialDoc {
            id: i as i64 + 1, provider_id: 1, title: "m".into(), description: "d".into(), hours: 1.0, cost_cents: 1,
            skills, prerequisites: vec![], active,
        }).collect();
        let changes: Vec<Change> = jobs.iter().cloned().map(Document::Job)
            .chain(mcs.iter().cloned().map(Document::Microcredential))
            .enumerate().map(|(i, d)| upsert(i as u64 + 1, d)).collect();
        e.apply(&changes).expect("apply");
        e.commit().expect("commit");
        let (remote, employer_id, loc, must_have_all, min_score) = filters;
        let mut q = JobQuery { filters: JobFilters { location: loc.and_then(|l| LOCATIONS[l]).map(str::to_string), remote, employer_id, must_have_all, min_score }, limit, after: None, count_total: true };
        let key = |l: Option<&str>| l.map(|l| l.trim().to_lowercase()).filter(|l| !l.is_empty());
        let mut expected: Vec<(i64, f64)> = jobs.iter()
            .filter(|j| j.open && remote.is_none_or(|r| r == j.remote) && employer_id.is_none_or(|x| x == j.employer_id))
            .filter(|j| q.filters.location.as_deref().is_none_or(|l| key(Some(l)).is_some() && key(Some(l)) == key(j.location.as_deref())))
            .filter_map(|j| {
                let x = scoring::score(&tax, &j.requirements, &evidence).expect("valid");
                (x.score > 0.0 && x.score >= min_score && (!must_have_all || x.missing_must_haves.is_empty())).then_some((j.id, x.score))
            }).collect();
        expected.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut got = Vec::new();
        loop {
            let page = e.jobs_for_evidence(&evidence, &q).expect("jobs");
            prop_assert_eq!(page.total, Some(expected.len() as u64));
            got.extend(page.hits.iter().map(|h| (h.job_id, h.score)));
            match page.hits.last() {
                Some(h) if page.has_next_page => q.after = Some(h.cursor),
                _ => break,
            }
        }
        prop_assert_eq!(got, expected);
        let (skill, level) = lookup;
        let expected: Vec<i64> = mcs.iter().filter(|m| m.active && m.skills.iter().any(|&(s, l)| l >= level && matches!(tax.relation(s, skill), Some(crate::taxonomy::Relation::Same | crate::taxonomy::Relation::Descendant)))).map(|m| m.id).collect();
        let got: Vec<i64> = e.microcredentials_teaching(skill, level).iter().map(|m| m.id).collect();
        prop_assert_eq!(got, expected);
    }
}

// ---------------------------------------------------------------------------
// Sync: reopen, payload, crash between apply and commit, rebuild and swap, locks.

fn no_rebuild() -> Result<Snapshot<Vec<Document>>, SourceError> {
    Err("rebuild not expected".into())
}

fn snapshot(
    seq: u64,
    docs: Vec<Document>,
) -> impl FnOnce() -> Result<Snapshot<Vec<Document>>, SourceError> {
    move || {
        Ok(Snapshot {
            applied_seq: seq,
            docs,
        })
    }
}

fn ids_and_evidence(
    e: &Engine,
    ids: impl IntoIterator<Item = i64>,
) -> Vec<(i64, Option<Vec<Evidence>>)> {
    ids.into_iter()
        .map(|id| (id, e.learner_evidence(id).expect("read")))
        .collect()
}

#[test]
fn reopen_reports_applied_sequence_and_keeps_documents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tax = small_tax();
    let initial = vec![Document::Learner(learner(
        1,
        Visibility::Public,
        vec![ev(4, 3)],
    ))];
    let (mut e, report) =
        Engine::open(dir.path(), Arc::clone(&tax), opts(), snapshot(5, initial)).expect("open");
    assert_eq!(report.applied_seq, 5);
    assert_eq!(report.rebuilt.as_deref(), Some("no index"));
    e.apply(&[
        upsert(
            6,
            Document::Learner(learner(2, Visibility::Public, vec![ev(3, 3)])),
        ),
        Change {
            seq: 7,
            op: ChangeOp::DeleteLearner(1),
        },
        upsert(
            8,
            Document::Learner(learner(3, Visibility::Private, vec![ev(5, 2)])),
        ),
    ])
    .expect("apply");
    assert_eq!(e.commit().expect("commit"), 8);
    drop(e);
    let (e, report) = Engine::open(dir.path(), tax, opts(), no_rebuild).expect("reopen");
    assert_eq!(
        report,
        OpenReport {
            applied_seq: 8,
            rebuilt: None
        }
    );
    assert_eq!(e.num_learners(), 2);
    assert_eq!(e.learner_evidence(1).expect("read"), None);
    assert_eq!(e.learner_evidence(2).expect("read"), Some(vec![ev(3, 3)]));
}

#[test]
fn crash_between_apply_and_commit_loses_nothing_and_applies_nothing_twice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tax = small_tax();
    let outbox: Vec<Change> = (1..=12)
        .map(|i| match i {
            // learner 1 is updated three times, learner 2 deleted then re-created
            7 => Change {
                seq: 7,
                op: ChangeOp::DeleteLearner(2),
            },
            _ => upsert(
                i,
                Document::Learner(learner(
                    ((i - 1) % 5 + 1) as i64,
                    Visibility::Public,
                    vec![ev(4, (i % 5 + 1) as u8)],
                )),
            ),
        })
        .collect();
    let (mut e, _) =
        Engine::open(dir.path(), Arc::clone(&tax), opts(), snapshot(0, vec![])).expect("open");
    assert_eq!(e.apply(&outbox[..6]).expect("apply"), 6);
    e.commit().expect("commit");
    assert_eq!(e.apply(&outbox[6..]).expect("apply"), 6);
    // Crash: the engine goes away without committing.
    drop(e);
    let (mut e, report) =
        Engine::open(dir.path(), Arc::clone(&tax), opts(), no_rebuild).expect("reopen");
    assert_eq!(report.applied_seq, 6);
    // The indexer replays from an earlier point: already applied changes are skipped.
    assert_eq!(e.apply(&outbox[3..]).expect("replay"), 6);
    assert_eq!(e.commit().expect("commit"), 12);
    // Reference: everything applied once to a fresh in-memory engine.
    let mut reference = Engine::in_memory(tax, opts()).expect("engine");
    reference.apply(&outbox).expect("apply");
    reference.commit().expect("commit");
    assert_eq!(e.num_learners(), reference.num_learners());
    assert_eq!(
        ids_and_evidence(&e, 1..=5),
        ids_and_evidence(&reference, 1..=5)
    );
    // No duplicate documents in tantivy either: text matches count each learner once.
    assert_eq!(
        e.text_relevance("learner").expect("text").len(),
        reference.num_learners()
    );
    let searcher = e.handle.reader.searcher();
    assert_eq!(searcher.num_docs() as usize, reference.num_learners());
}

#[test]
fn schema_change_or_corruption_rebuilds_into_a_fresh_generation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tax = small_tax();
    let docs = vec![Document::Learner(learner(
        1,
        Visibility::Public,
        vec![ev(4, 3)],
    ))];
    let (e, _) = Engine::open(
        dir.path(),
        Arc::clone(&tax),
        opts(),
        snapshot(3, docs.clone()),
    )
    .expect("open");
    let first = e.index_path().expect("on disk");
    drop(e);
    // Simulate an index written by another schema version.
    {
        let index = tantivy::Index::open_in_dir(&first).expect("index");
        let mut w: tantivy::IndexWriter = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        let mut prepared = w.prepare_commit().expect("prepare");
        prepared.set_payload(r#"{"schema_version":999,"applied_seq":3}"#);
        prepared.commit().expect("commit");
    }
    let (e, report) = Engine::open(
        dir.path(),
        Arc::clone(&tax),
        opts(),
        snapshot(4, docs.clone()),
    )
    .expect("open");
    assert!(
        report
            .rebuilt
            .as_deref()
            .is_some_and(|r| r.contains("schema version 999")),
        "{report:?}"
    );
    assert_eq!(report.applied_seq, 4);
    let second = e.index_path().expect("on disk");
    assert_ne!(first, second);
    assert!(!first.exists(), "old generation removed");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("CURRENT"))
            .expect("CURRENT")
            .trim(),
        second.file_name().and_then(|n| n.to_str()).expect("name")
    );
    drop(e);
    // Corrupt the live generation's metadata: rebuilt again.
    std::fs::write(second.join("meta.json"), b"not json").expect("write");
    let (e, report) = Engine::open(
        dir.path(),
        Arc::clone(&tax),
        opts(),
        snapshot(4, docs.clone()),
    )
    .expect("open");
    assert!(report.rebuilt.is_some());
    assert_eq!(e.learner_evidence(1).expect("read"), Some(vec![ev(4, 3)]));
    drop(e);
    // A failing source leaves the previous state untouched: nothing swapped.
    let live = std::fs::read_to_string(dir.path().join("CURRENT")).expect("CURRENT");
    std::fs::write(dir.path().join(live.trim()).join("meta.json"), b"garbage").expect("write");
    assert!(matches!(
        Engine::open(dir.path(), Arc::clone(&tax), opts(), no_rebuild),
        Err(EngineError::Source(_))
    ));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("CURRENT")).expect("CURRENT"),
        live
    );
}

#[test]
fn second_writer_gets_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tax = small_tax();
    let (e, _) =
        Engine::open(dir.path(), Arc::clone(&tax), opts(), snapshot(0, vec![])).expect("open");
    let err = Engine::open(dir.path(), Arc::clone(&tax), opts(), no_rebuild).expect_err("locked");
    assert!(matches!(err, EngineError::Locked(_)), "{err}");
    let path = e.index_path().expect("on disk");
    drop(e);
    // A foreign tantivy writer on the live generation: tantivy's LockBusy, mapped (and
    // not mistaken for corruption: no rebuild).
    let index = tantivy::Index::open_in_dir(&path).expect("index");
    let w: tantivy::IndexWriter = index
        .writer_with_num_threads(1, 15_000_000)
        .expect("writer");
    let err = Engine::open(dir.path(), Arc::clone(&tax), opts(), no_rebuild).expect_err("locked");
    assert!(matches!(err, EngineError::Locked(_)), "{err}");
    drop(w);
    assert!(Engine::open(dir.path(), tax, opts(), no_rebuild).is_ok());
}

#[test]
fn rebuild_in_place_swaps_and_drops_staged_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tax = small_tax();
    let (mut e, _) =
        Engine::open(dir.path(), Arc::clone(&tax), opts(), snapshot(0, vec![])).expect("open");
    e.apply(&[upsert(
        1,
        Document::Learner(learner(1, Visibility::Public, vec![ev(4, 3)])),
    )])
    .expect("apply");
    e.rebuild(Snapshot {
        applied_seq: 10,
        docs: vec![Document::Learner(learner(
            2,
            Visibility::Public,
            vec![ev(5, 3)],
        ))],
    })
    .expect("rebuild");
    assert_eq!((e.applied_seq(), e.staged_seq()), (10, 10));
    assert_eq!(e.commit().expect("commit"), 10);
    assert_eq!(e.learner_evidence(1).expect("read"), None);
    assert!(e.learner_evidence(2).expect("read").is_some());
    let gens = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|d| d.ok())
        .filter(|d| d.file_name().to_string_lossy().starts_with("gen-"))
        .count();
    assert_eq!(gens, 1);
}

#[test]
fn a_failing_snapshot_item_commits_nothing_and_keeps_the_live_generation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tax = small_tax();
    let first = vec![Document::Learner(learner(
        1,
        Visibility::Public,
        vec![ev(4, 3)],
    ))];
    let (mut e, _) =
        Engine::open(dir.path(), Arc::clone(&tax), opts(), snapshot(5, first)).expect("open");
    let failing: Vec<Result<Document, SourceError>> = vec![
        Ok(Document::Learner(learner(
            2,
            Visibility::Public,
            vec![ev(5, 3)],
        ))),
        Err("the database went away".into()),
        Ok(Document::Learner(learner(
            3,
            Visibility::Public,
            vec![ev(5, 3)],
        ))),
    ];
    let err = e
        .rebuild(Snapshot {
            applied_seq: 9,
            docs: failing,
        })
        .expect_err("a source error must fail the rebuild");
    assert!(matches!(err, EngineError::Source(_)), "{err}");
    // Still the first generation, in memory and on disk.
    assert_eq!(e.applied_seq(), 5);
    assert!(e.learner_evidence(1).expect("read").is_some());
    assert_eq!(e.learner_evidence(2).expect("read"), None);
    drop(e);
    let gens: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|d| d.ok())
        .map(|d| d.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("gen-"))
        .collect();
    assert_eq!(gens.len(), 1, "the partial generation is removed: {gens:?}");
    let (e, report) = Engine::open(dir.path(), tax, opts(), no_rebuild).expect("reopen");
    assert_eq!((report.applied_seq, report.rebuilt), (5, None));
    assert!(e.learner_evidence(1).expect("read").is_some());
}

#[test]
fn rebuild_at_replaces_the_index_without_reading_it_and_takes_the_lock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tax = small_tax();
    let first = vec![Document::Learner(learner(
        1,
        Visibility::Public,
        vec![ev(4, 3)],
    ))];
    let (e, _) =
        Engine::open(dir.path(), Arc::clone(&tax), opts(), snapshot(5, first)).expect("open");
    let second = || Snapshot {
        applied_seq: 8,
        docs: vec![Document::Learner(learner(
            2,
            Visibility::Public,
            vec![ev(5, 3)],
        ))],
    };
    let err = Engine::rebuild_at(dir.path(), Arc::clone(&tax), opts(), second())
        .expect_err("the open engine holds the lock");
    assert!(matches!(err, EngineError::Locked(_)), "{err}");
    drop(e);
    let (e, report) =
        Engine::rebuild_at(dir.path(), Arc::clone(&tax), opts(), second()).expect("rebuild");
    assert_eq!(report.applied_seq, 8);
    assert_eq!(e.learner_evidence(1).expect("read"), None);
    assert!(e.learner_evidence(2).expect("read").is_some());
    drop(e);
    let (e, report) = Engine::open(dir.path(), tax, opts(), no_rebuild).expect("reopen");
    assert_eq!((report.applied_seq, report.rebuilt), (8, None));
    assert!(e.learner_evidence(2).expect("read").is_some());
}

#[test]
fn snapshot_with_repeated_ids_keeps_the_last_version_once() {
    let tax = small_tax();
    let docs = vec![
        Document::Learner(learner(1, Visibility::Public, vec![ev(4, 2)])),
        Document::Learner(learner(2, Visibility::Public, vec![ev(5, 2)])),
        Document::Learner(learner(1, Visibility::Public, vec![ev(3, 5)])),
    ];
    let e = Engine::in_memory_from(
        tax,
        opts(),
        Snapshot {
            applied_seq: 7,
            docs,
        },
    )
    .expect("engine");
    assert_eq!(e.applied_seq(), 7);
    assert_eq!(e.num_learners(), 2);
    assert_eq!(e.learner_evidence(1).expect("read"), Some(vec![ev(3, 5)]));
    assert_eq!(e.handle.reader.searcher().num_docs(), 2);
    assert_eq!(e.text_relevance("learner").expect("text").len(), 2);
}
