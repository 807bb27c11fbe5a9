//! SQL statements per page of candidates: a fixed small number, independent of the page
//! size (DataLoaders batch every relation).

use std::time::Duration;

use serde_json::{Value, json};
use talent_tests::{TestApp, each_backend};

use crate::fixture::*;

/// The statements one request costs (and its data), the least of three tries. A
/// DataLoader sends the keys that arrived within its 1 ms delay; on a loaded machine (a
/// debug build, tests in parallel) the keys of one relation can take longer to arrive and
/// go out in two batches. That only ever adds statements, so the least of a few tries is
/// the request's own shape, and a count that grows with the page still shows in it.
async fn least_statements(app: &TestApp, token: &str, query: &str, vars: Value) -> (u64, Value) {
    let mut least = u64::MAX;
    let mut data = Value::Null;
    for _ in 0..3 {
        let before = app.statements();
        data = app.gql_ok(Some(token), query, vars.clone()).await;
        least = least.min(app.statements() - before);
    }
    (least, data)
}

/// Candidates with their learner, the learner's skills (with credentials), credentials
/// (with skills and microcredentials), aspirations, and the explanation's skills.
const PAGE: &str = "query($r: [SkillRequirementInput!], $first: Int) {
  searchCandidates(requirements: $r, first: $first) {
    totalCount
    edges { node { score
      learner { id displayName visibility
        skills { level evidence skill { slug parent { slug } } credential { title status } }
        credentials(first: 10) { totalCount edges { node { title status
          skills { level skill { slug } } microcredential { title provider { name } } } } }
        aspirations { title requirements { skill { slug } } } }
      explanation { score missingMustHaves { slug }
        contributions { credit contribution evidence relation evidenceSkill { slug }
          requirement { weight skill { slug name } } } } } } } }";

/// The tail task only runs when a mutation pokes it, so that only the request's own
/// statements are counted; the demo data gives pages of 20 with credentials.
fn builder() -> talent_tests::TestAppBuilder {
    TestApp::builder()
        .with_demo()
        .indexer(|o| o.poll_interval = Duration::from_secs(3600))
}

/// Each relation on its own: the statements of a page of 5 and of 20 are the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_relation_of_a_candidate_page_costs_the_same_for_5_and_20() {
    each_backend(builder(), |app| async move {
        let admin = app.token("root", "admin", None);
        let reqs = requirements(&app, &[("sql", 3, 2.0, false), ("python", 3, 1.0, false), ("excel", 2, 1.0, false)]);
        app.gql_ok(Some(&admin), "{ me { role } }", json!({})).await;
        for (name, sel) in [
            ("learner", "learner { id displayName }"),
            ("learner skills", "learner { skills { level skill { slug parent { slug } } } }"),
            ("evidence credential", "learner { skills { credential { title } } }"),
            ("credentials", "learner { credentials(first: 10) { totalCount edges { node { title } } } }"),
            ("credential skills", "learner { credentials(first: 10) { edges { node { skills { skill { slug } } } } } }"),
            ("credential microcredential", "learner { credentials(first: 10) { edges { node { microcredential { title provider { name } } } } } }"),
            ("aspirations", "learner { aspirations { title requirements { skill { slug } } } }"),
            ("explanation", "explanation { missingMustHaves { slug } contributions { evidenceSkill { slug } requirement { skill { slug } } } }"),
        ] {
            let q = format!(
                "query($r: [SkillRequirementInput!], $first: Int) {{ searchCandidates(requirements: $r, first: $first) {{ edges {{ node {{ {sel} }} }} }} }}"
            );
            let mut cost = Vec::new();
            for first in [5, 20] {
                let (spent, data) = least_statements(&app, &admin, &q, json!({"r": reqs, "first": first})).await;
                cost.push(spent);
                assert_eq!(data["searchCandidates"]["edges"].as_array().map(Vec::len), Some(first));
            }
            assert_eq!(cost[0], cost[1], "{name} on {:?}: statements for 5 and 20: {cost:?}", app.backend);
        }
        app.shutdown().await;
    })
    .await;
}

/// The whole page at once: the count must not depend on the page size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_candidates_costs_the_same_statements_for_5_and_20() {
    each_backend(builder(), |app| async move {
        let admin = app.token("root", "admin", None);
        let reqs = requirements(
            &app,
            &[
                ("sql", 3, 2.0, false),
                ("python", 3, 1.0, false),
                ("excel", 2, 1.0, false),
            ],
        );
        // Sign in once (provisioning writes), and warm nothing else.
        app.gql_ok(Some(&admin), "{ me { role } }", json!({})).await;
        let mut cost = Vec::new();
        for first in [5, 20] {
            let (spent, data) =
                least_statements(&app, &admin, PAGE, json!({"r": reqs, "first": first})).await;
            cost.push(spent);
            let edges = data["searchCandidates"]["edges"].as_array().expect("edges");
            assert_eq!(edges.len(), first, "the demo has enough candidates");
            let creds: usize = edges
                .iter()
                .map(|e| {
                    e["node"]["learner"]["credentials"]["edges"]
                        .as_array()
                        .map_or(0, Vec::len)
                })
                .sum();
            assert!(creds > 0, "the page exercises credentials");
        }
        assert_eq!(
            cost[0], cost[1],
            "first: 5 vs first: 20 on {:?}: {cost:?}",
            app.backend
        );
        assert!(
            cost[1] <= 40,
            "a page costs {} statements on {:?}",
            cost[1],
            app.backend
        );
        app.shutdown().await;
    })
    .await;
}

/// A page costs only what its selection asks for: the learners' relations and the
/// explanation's skills are loaded only when selected, one statement each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_loads_only_the_relations_it_selects() {
    each_backend(builder(), |app| async move {
        let admin = app.token("root", "admin", None);
        let reqs = requirements(&app, &[("sql", 3, 2.0, false), ("python", 3, 1.0, false)]);
        app.gql_ok(Some(&admin), "{ me { role } }", json!({})).await;
        let cost = |sel: &'static str| {
            let app = &app;
            let admin = &admin;
            let reqs = &reqs;
            async move {
                let q = format!(
                    "query($r: [SkillRequirementInput!]) {{ searchCandidates(requirements: $r, first: 20) {{ edges {{ node {{ {sel} }} }} }} }}"
                );
                // Twice, counting the second: the first may open pool connections
                // (their set-up statements count too).
                let mut spent = 0;
                for _ in 0..2 {
                    let before = app.statements();
                    let data = app.gql_ok(Some(admin), &q, json!({"r": reqs})).await;
                    assert_eq!(data["searchCandidates"]["edges"].as_array().map(Vec::len), Some(20));
                    spent = app.statements() - before;
                }
                spent
            }
        };
        // The learners are always read (visibility is re-checked against the
        // database), selected or not.
        let base = cost("score").await;
        assert_eq!(cost("learner { id displayName headline }").await, base, "nothing more for scalar fields");
        // One statement per relation (two on PostgreSQL, whose pool checks a connection
        // with `SELECT 1` when it is taken; SQLite's does not).
        let one = cost("explanation { contributions { requirement { skill { slug } } evidenceSkill { slug } } }").await - base;
        let expected_one = if app.backend == talent_api::db::Backend::Sqlite { 1 } else { 2 };
        assert_eq!(one, expected_one, "the explanation's skills in one statement on {:?}", app.backend);
        assert_eq!(
            cost("learner { aspirations { title } }").await,
            base + 2 * one,
            "aspirations and occupations"
        );
        app.shutdown().await;
    })
    .await;
}

/// A token seen a moment ago is not verified and provisioned again: a signed-in
/// `{ __typename }` costs no statement; with the viewer cache off it costs the
/// provisioning reads every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recent_token_costs_no_statement_unless_the_viewer_cache_is_off() {
    for ttl in [None, Some(Duration::ZERO)] {
        let b = match ttl {
            None => builder(),
            Some(t) => builder().http(move |h| h.viewer_cache_ttl = t),
        };
        each_backend(b, |app| async move {
            let recruiter = app.token("rec-1", "recruiter", Some("demo-employer"));
            app.gql_ok(Some(&recruiter), "{ me { role } }", json!({}))
                .await;
            let before = app.statements();
            for _ in 0..3 {
                app.gql_ok(Some(&recruiter), "{ __typename }", json!({}))
                    .await;
            }
            let spent = app.statements() - before;
            match ttl {
                None => assert_eq!(spent, 0, "cached viewer on {:?}", app.backend),
                Some(_) => assert!(spent >= 3, "cache off on {:?}: {spent}", app.backend),
            }
            app.shutdown().await;
        })
        .await;
    }
}

/// Requirements on broad skills (four families with more than 256 relatives between
/// them, more than a search reads ahead): the explanation's skills are still read in one
/// statement once the explanations name the few used, and every contribution names its
/// skills.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explanations_on_broad_requirements_name_their_skills_in_one_statement() {
    each_backend(builder(), |app| async move {
        let admin = app.token("root", "admin", None);
        let broad = [
            "cybersecurity",
            "software-development",
            "artificial-intelligence",
            "health-informatics",
        ];
        let reqs = requirements(
            &app,
            &broad.iter().map(|s| (*s, 1, 1.0, false)).collect::<Vec<_>>(),
        );
        app.gql_ok(Some(&admin), "{ me { role } }", json!({})).await;
        let run = |sel: &'static str| {
            let (app, admin, reqs) = (&app, &admin, &reqs);
            async move {
                let q = format!(
                    "query($r: [SkillRequirementInput!]) {{ searchCandidates(requirements: $r, first: 20) {{ edges {{ node {{ {sel} }} }} }} }}"
                );
                least_statements(app, admin, &q, json!({"r": reqs})).await
            }
        };
        let (base, _) = run("score").await;
        let (spent, data) = run(
            "score explanation { contributions { credit requirement { skill { slug } } evidenceSkill { slug } } }",
        )
        .await;
        let edges = data["searchCandidates"]["edges"].as_array().expect("edges");
        assert!(!edges.is_empty(), "the demo has candidates for these");
        let mut named = 0;
        for e in edges {
            let contributions = e["node"]["explanation"]["contributions"]
                .as_array()
                .expect("contributions");
            assert_eq!(contributions.len(), broad.len());
            for (c, slug) in contributions.iter().zip(broad) {
                assert_eq!(c["requirement"]["skill"]["slug"], json!(slug));
                let credited = c["credit"].as_f64().expect("credit") > 0.0;
                assert_eq!(c["evidenceSkill"]["slug"].is_string(), credited, "{c}");
                named += usize::from(credited);
            }
        }
        assert!(named > 0, "some evidence is named");
        let one = if app.backend == talent_api::db::Backend::Sqlite { 1 } else { 2 };
        assert_eq!(spent - base, one, "on {:?}", app.backend);
        app.shutdown().await;
    })
    .await;
}
