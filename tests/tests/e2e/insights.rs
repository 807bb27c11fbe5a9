//! Institutions' insights over HTTP on the demo data: segments (default and a chosen k,
//! all learners and the institution's own), supply and demand with paging and filters,
//! teaching opportunities; a learner's consent to be contacted.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use talent_tests::{TestApp, each_backend};

const SEGMENTS: &str = "query($k: Int, $s: SegmentScope) { learnerSegments(k: $k, scope: $s) {
    status message scope computedAt k kSelection silhouette method minCohort learnersInScope
    suppressedSegments
    segments { key label size merged reach averageMatchScore
      distinctiveSkills { skill { slug } share populationShare lift }
      topAspirations { occupation { slug } learners share }
      commonGaps { skill { slug } minLevel learners gapMass }
      recommendedMicrocredentials { microcredential { id } gapMassClosed gapMassPerHour } } } }";

/// Polls learnerSegments until READY (the worker computes in the background).
async fn segments_ready(app: &TestApp, token: &str, vars: Value) -> Value {
    let started = Instant::now();
    loop {
        let d = app.gql_ok(Some(token), SEGMENTS, vars.clone()).await;
        let s = &d["learnerSegments"];
        match s["status"].as_str() {
            Some("READY") => return s.clone(),
            Some("COMPUTING") => {
                assert!(s["segments"].as_array().is_some_and(Vec::is_empty));
                assert!(
                    started.elapsed() < Duration::from_secs(180),
                    "segments never became ready"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            other => panic!("unexpected status {other:?}: {d:#}"),
        }
    }
}

fn check_segments(s: &Value) {
    let min = s["minCohort"].as_i64().expect("minCohort");
    assert_eq!(min, 10);
    let segs = s["segments"].as_array().expect("segments");
    let mut total = 0;
    for seg in segs {
        let size = seg["size"].as_i64().expect("size");
        assert!(size >= min, "a segment of {size} was shown: {seg:#}");
        assert!(seg["reach"].as_i64().expect("reach") <= size);
        assert!(!seg["label"].as_str().expect("label").is_empty());
        total += size;
    }
    assert!(total <= s["learnersInScope"].as_i64().expect("learnersInScope"));
    // Largest first, ties by key.
    let order: Vec<(i64, i64)> = segs
        .iter()
        .map(|g| {
            (
                g["size"].as_i64().expect("size"),
                g["key"].as_i64().expect("key"),
            )
        })
        .collect();
    assert!(
        order
            .windows(2)
            .all(|w| w[0].0 > w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1)),
        "{} segments out of order, (size, key): {order:?}",
        s["scope"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn institution_sees_segments_supply_demand_and_what_to_teach() {
    each_backend(TestApp::builder().with_demo(), |app| async move {
        let inst = app.token("demo-institution", "institution", Some("demo-institute"));
        let admin = app.token("demo-admin", "admin", None);
        let learner = app.token("demo-learner", "learner", None);

        // A learner consents; only they (and admins) see the flag.
        let me = app
            .gql_ok(
                Some(&learner),
                "mutation { setMyInstitutionContact(optIn: true) { id institutionContactOptIn } }",
                json!({}),
            )
            .await;
        assert_eq!(me["setMyInstitutionContact"]["institutionContactOptIn"], true);
        let id = me["setMyInstitutionContact"]["id"].clone();
        let node = "query($id: ID!) { node(id: $id) { ... on Learner { institutionContactOptIn } } }";
        let seen = app.gql_ok(Some(&admin), node, json!({"id": id})).await;
        assert_eq!(seen["node"]["institutionContactOptIn"], true);

        // Default segmentation of all learners: k chosen by silhouette.
        let all = segments_ready(&app, &inst, json!({})).await;
        assert_eq!(all["kSelection"], "SILHOUETTE");
        let k = all["k"].as_i64().expect("k");
        assert!((4..=12).contains(&k), "k {k}");
        assert_eq!(all["learnersInScope"], 521);
        check_segments(&all);
        let segs = all["segments"].as_array().expect("segments");
        assert!(segs.len() >= 2, "{all:#}");
        assert!(segs.iter().any(|s| s["reach"].as_i64() > Some(0)));
        assert!(segs.iter().any(|s| !s["recommendedMicrocredentials"]
            .as_array()
            .expect("recommended")
            .is_empty()));
        assert!(segs.iter().any(|s| s["averageMatchScore"].is_f64()));

        // The institution's own learners: those holding its credentials.
        let own = segments_ready(&app, &inst, json!({"s": "OWN_LEARNERS"})).await;
        assert_eq!(own["scope"], "OWN_LEARNERS");
        check_segments(&own);
        let in_scope = own["learnersInScope"].as_i64().expect("in scope");
        assert!(in_scope > 0 && in_scope < 521, "{in_scope}");

        // A chosen k is computed on request, in the background.
        let five = segments_ready(&app, &inst, json!({"k": 5})).await;
        assert_eq!(five["k"], 5);
        assert_eq!(five["kSelection"], "FIXED");
        check_segments(&five);
        assert_eq!(
            app.gql_err(Some(&inst), SEGMENTS, json!({"k": 1})).await,
            "BAD_USER_INPUT"
        );

        // Supply and demand, paged without overlap.
        let sd = "query($f: SupplyDemandFilter, $a: String) { skillSupplyDemand(filter: $f, first: 5, after: $a) {
            totalCount pageInfo { hasNextPage endCursor }
            edges { node { skill { slug } demandJobs mustHaveJobs demandWeight supplyLearners
              supplyPerJob postedJobs previousPostedJobs demandTrend
              demandByLevel { level count } supplyByLevel { level count }
              supplyByEvidence { evidence learners } } } } }";
        let p1 = app.gql_ok(Some(&inst), sd, json!({})).await;
        let c = &p1["skillSupplyDemand"];
        assert!(c["totalCount"].as_i64().expect("total") > 10);
        assert_eq!(c["pageInfo"]["hasNextPage"], true);
        let p2 = app
            .gql_ok(Some(&inst), sd, json!({"a": c["pageInfo"]["endCursor"]}))
            .await;
        let slugs = |p: &Value| -> Vec<String> {
            p["skillSupplyDemand"]["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"]["skill"]["slug"].as_str().expect("slug").to_owned())
                .collect()
        };
        let (a, b) = (slugs(&p1), slugs(&p2));
        assert_eq!((a.len(), b.len()), (5, 5));
        assert!(a.iter().all(|s| !b.contains(s)));
        let top = &c["edges"][0]["node"];
        assert!(top["demandJobs"].as_i64() > Some(0));
        let by_level: i64 = top["demandByLevel"]
            .as_array()
            .expect("levels")
            .iter()
            .map(|l| l["count"].as_i64().expect("count"))
            .sum();
        assert_eq!(Some(by_level), top["demandJobs"].as_i64());
        let filtered = app
            .gql_ok(
                Some(&inst),
                sd,
                json!({"f": {"category": "data-ai", "periodDays": 365, "remote": true}}),
            )
            .await;
        for e in filtered["skillSupplyDemand"]["edges"].as_array().expect("edges") {
            assert!(e["node"]["postedJobs"].is_i64(), "a period gives posting counts");
        }
        assert_eq!(
            app.gql_err(Some(&inst), sd, json!({"f": {"periodDays": 0}})).await,
            "BAD_USER_INPUT"
        );

        // What to teach next, and where its catalogue fits.
        let t = app
            .gql_ok(
                Some(&inst),
                "{ teachingOpportunities(first: 5) { status computedAt
                    skills { skill { slug } unmetDemand jobsTouched learnersTouched supplyLearners }
                    microcredentialFit { microcredential { provider { slug } }
                      segments { segmentKey segmentLabel segmentSize fit } } } }",
                json!({}),
            )
            .await;
        let t = &t["teachingOpportunities"];
        assert_eq!(t["status"], "READY");
        let skills = t["skills"].as_array().expect("skills");
        assert_eq!(skills.len(), 5);
        let unmet: Vec<f64> = skills
            .iter()
            .map(|s| s["unmetDemand"].as_f64().expect("unmet"))
            .collect();
        assert!(unmet.windows(2).all(|w| w[0] >= w[1]) && unmet[4] > 0.0);
        let fits = t["microcredentialFit"].as_array().expect("fit");
        assert_eq!(fits.len(), 18, "one entry per active demo-institute microcredential");
        assert!(fits.iter().all(|f| f["microcredential"]["provider"]["slug"] == "demo-institute"));
        assert!(fits.iter().any(|f| !f["segments"].as_array().expect("segs").is_empty()));

        // An admin recompute: a new computedAt once done.
        let before = all["computedAt"].clone();
        app.gql_ok(Some(&admin), "mutation { recomputeInsights }", json!({}))
            .await;
        let started = Instant::now();
        loop {
            let d = segments_ready(&app, &inst, json!({})).await;
            if d["computedAt"] != before {
                check_segments(&d);
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(180), "never recomputed");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        app.shutdown().await;
    })
    .await;
}
