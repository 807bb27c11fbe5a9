//! Rows the schema's CHECKs forbid, which the API never stores, as the API answers
//! them: INTERNAL, with no detail.

use serde_json::json;
use talent_api::graphql::ids::{self, NodeType};
use talent_api::testing::{RequirementTable, force_requirement_level};
use talent_tests::{TestApp, each_backend, error_code};

use crate::fixture::*;

const GAP: &str = "query($j: ID, $o: ID) { gapAnalysis(jobId: $j, occupationId: $o) { score } }";

/// Asserts that `gapAnalysis` with `vars` fails with INTERNAL and says nothing more.
async fn internal(app: &TestApp, token: &str, vars: serde_json::Value) {
    let (status, body) = app.gql(Some(token), GAP, vars).await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(error_code(&body).as_deref(), Some("INTERNAL"), "{body:#}");
    assert_eq!(body["errors"][0]["message"], "internal error", "{body:#}");
    assert!(!body.to_string().contains("level"), "{body:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_requirement_level_outside_1_to_5_is_internal() {
    each_backend(TestApp::builder(), |app| async move {
        let recruiter = app.token("rec-x", "recruiter", Some("demo-employer"));
        let learner = app.token("learner-a", "learner", None);
        let job = create_job(
            &app,
            &recruiter,
            "Data Analyst",
            &[("sql", 3, 1.0, true), ("python", 2, 1.0, false)],
            None,
        )
        .await;
        let (slug, &occupation) = app.ids.occupations.iter().next().expect("an occupation");
        let occupation_gid = app.occupation(slug);
        profile(&app, &learner, "Ada").await;
        // Both answer while their rows are sound.
        app.gql_ok(Some(&learner), GAP, json!({"j": job})).await;
        app.gql_ok(Some(&learner), GAP, json!({"o": occupation_gid}))
            .await;

        let job_id = ids::decode(NodeType::Job, &job).expect("job id");
        let mut p = app.db.conn().await.expect("conn");
        let c = &mut p.conn();
        force_requirement_level(
            c,
            RequirementTable::Job,
            job_id,
            app.ids.skills["python"],
            6,
        )
        .await;
        let (_, first) = talent_api::repo::occupations::requirements_of(c, &[occupation])
            .await
            .expect("requirements")
            .into_iter()
            .next()
            .expect("the occupation has requirements");
        force_requirement_level(
            c,
            RequirementTable::Occupation,
            occupation,
            first.skill_id,
            0,
        )
        .await;
        drop(p);

        internal(&app, &learner, json!({"j": job})).await;
        internal(&app, &learner, json!({"o": occupation_gid})).await;
        app.shutdown().await;
    })
    .await;
}
