//! Fixture building through the API, and small assertion helpers.

use serde_json::{Value, json};
use talent_tests::TestApp;

/// A requirement: (skill slug, min level, weight, must-have).
pub type Req<'a> = (&'a str, i32, f64, bool);

pub fn requirements(app: &TestApp, reqs: &[Req<'_>]) -> Value {
    Value::Array(
        reqs.iter()
            .map(|(s, l, w, r)| json!({"skillId": app.skill(s), "minLevel": l, "weight": w, "required": r}))
            .collect(),
    )
}

/// Creates (or updates) the learner's profile; returns the learner's id.
pub async fn profile(app: &TestApp, token: &str, name: &str) -> String {
    let data = app
        .gql_ok(
            Some(token),
            "mutation($input: LearnerProfileInput!) { upsertMyProfile(input: $input) { id visibility } }",
            json!({"input": {"displayName": name, "headline": format!("{name} the analyst"),
                   "location": "Toronto", "remotePreference": "ANY"}}),
        )
        .await;
    assert_eq!(
        data["upsertMyProfile"]["visibility"], "PRIVATE",
        "a new profile is private"
    );
    data["upsertMyProfile"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

pub async fn set_visibility(app: &TestApp, token: &str, v: &str) {
    let data = app
        .gql_ok(
            Some(token),
            "mutation($v: Visibility!) { setMyVisibility(visibility: $v) { visibility } }",
            json!({"v": v}),
        )
        .await;
    assert_eq!(data["setMyVisibility"]["visibility"], v);
}

pub async fn assert_skill(app: &TestApp, token: &str, slug: &str, level: i32) -> Value {
    app.gql_ok(
        Some(token),
        "mutation($s: ID!, $l: Int!) { assertSkill(skillId: $s, level: $l) { id skills { skill { slug } level evidence } } }",
        json!({"s": app.skill(slug), "l": level}),
    )
    .await["assertSkill"]
        .clone()
}

/// Adds an unverified credential; returns the credential.
pub async fn add_credential(
    app: &TestApp,
    token: &str,
    title: &str,
    skills: &[(&str, i32)],
) -> Value {
    let skills: Vec<Value> = skills
        .iter()
        .map(|(s, l)| json!({"skillId": app.skill(s), "level": l}))
        .collect();
    app.gql_ok(
        Some(token),
        "mutation($i: CredentialInput!) { addCredential(input: $i) { id title status skills { skill { slug } level } } }",
        json!({"i": {"title": title, "issuer": "Self-study", "issuedAt": "2024-01-15T00:00:00Z", "skills": skills}}),
    )
    .await["addCredential"]
        .clone()
}

/// A recruiter (or an admin with `employer`) posts a job; returns its id.
pub async fn create_job(
    app: &TestApp,
    token: &str,
    title: &str,
    reqs: &[Req<'_>],
    employer: Option<&str>,
) -> String {
    let data = app
        .gql_ok(
            Some(token),
            "mutation($i: JobInput!, $e: ID) { createJob(input: $i, employerId: $e) { id status } }",
            json!({"i": {"title": title, "description": format!("{title}: a role"), "location": "Toronto",
                         "remote": false, "requirements": requirements(app, reqs)},
                   "e": employer}),
        )
        .await;
    assert_eq!(data["createJob"]["status"], "OPEN");
    data["createJob"]["id"].as_str().expect("id").to_owned()
}

/// An institution (or an admin with `provider`) publishes a microcredential; returns its id.
pub async fn create_microcredential(
    app: &TestApp,
    token: &str,
    title: &str,
    skills: &[(&str, i32)],
    provider: Option<&str>,
) -> String {
    let skills: Vec<Value> = skills
        .iter()
        .map(|(s, l)| json!({"skillId": app.skill(s), "level": l}))
        .collect();
    let data = app
        .gql_ok(
            Some(token),
            "mutation($i: MicrocredentialInput!, $p: ID) { createMicrocredential(input: $i, providerId: $p) { id active } }",
            json!({"i": {"title": title, "description": "Assessed.", "hours": 10.0, "costCents": 5000,
                         "currency": "CAD", "skills": skills}, "p": provider}),
        )
        .await;
    data["createMicrocredential"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

pub const CANDIDATES: &str =
    "query($j: ID, $first: Int) { searchCandidates(jobId: $j, first: $first) {
    totalCount
    edges { cursor node { score learner { id displayName }
      explanation { score missingMustHaves { slug }
        contributions { contribution credit requirement { skill { slug } weight } } } } } } }";

/// Learner ids of a searchCandidates result, and its totalCount.
pub fn candidate_ids(data: &Value) -> (Vec<String>, i64) {
    let c = &data["searchCandidates"];
    let ids = c["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["learner"]["id"].as_str().expect("id").to_owned())
        .collect();
    (ids, c["totalCount"].as_i64().expect("totalCount"))
}

pub fn approx(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

pub fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Asserts that an explanation's contributions add up to its score (and to `score`).
pub fn assert_explained(explanation: &Value, score: f64) {
    let sum: f64 = explanation["contributions"]
        .as_array()
        .expect("contributions")
        .iter()
        .map(|c| f(&c["contribution"]))
        .sum();
    assert!(
        approx(sum, score),
        "contributions sum to {sum}, score is {score}: {explanation:#}"
    );
    assert!(approx(f(&explanation["score"]), score), "{explanation:#}");
}
