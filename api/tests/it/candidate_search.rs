//! The candidate-search service on its own (no GraphQL): whose job may be searched, the
//! visibility rule on the database's truth, and explanations only when asked for.

use std::sync::Arc;

use search_index::{CandidateFilters, Requirement};
use talent_api::access::{SignedIn, Viewer};
use talent_api::indexer::SearchService;
use talent_api::repo::{self, CredentialStatus, JobStatus, Role, Visibility};
use talent_api::services::{CandidateSearch, CandidateSearchError, CandidateSearchRequest, Target};
use talent_api::testing::TestDb;

use crate::indexer::{WAIT, credential, employer, learner, new_job, skill, start};

fn request(target: Target) -> CandidateSearchRequest {
    CandidateSearchRequest {
        target,
        text: None,
        filters: CandidateFilters::default(),
        limit: 10,
        after: None,
        count_total: true,
        explain: true,
    }
}

async fn search(
    svc: &Arc<SearchService>,
    t: &TestDb,
    viewer: &Viewer,
    req: CandidateSearchRequest,
) -> Result<talent_api::services::CandidatePage, CandidateSearchError> {
    CandidateSearch {
        db: &t.db,
        search: svc,
        observe: &|_, _, _| {},
    }
    .run(viewer, req)
    .await
}

async fn viewer(t: &TestDb, subject: &str, role: Role, org: Option<i64>) -> Viewer {
    let mut p = t.db.conn().await.expect("conn");
    let c = &mut p.conn();
    let user = repo::users::provision(c, subject, role, org)
        .await
        .expect("provision");
    let organization = match org {
        Some(id) => repo::organizations::get_many(c, &[id])
            .await
            .expect("org")
            .pop(),
        None => None,
    };
    Viewer::User(Arc::new(SignedIn { user, organization }))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_search_checks_the_job_first_and_shows_only_who_the_database_says_is_visible() {
    for t in TestDb::all().await {
        let backend = t.db.backend();
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let data = skill(c, "data", None).await;
        let sql = skill(c, "sql", Some(data)).await;
        let ada = learner(c, "ada", Visibility::Recruiters).await;
        let bob = learner(c, "bob", Visibility::Public).await;
        let eve = learner(c, "eve", Visibility::Private).await;
        for (who, level) in [(ada, 5), (bob, 2), (eve, 5)] {
            repo::credentials::add(
                c,
                who,
                &credential(sql, level, CredentialStatus::Verified, None),
            )
            .await
            .expect("credential");
        }
        let acme = employer(c, "acme").await;
        let globex = employer(c, "globex").await;
        let job = repo::jobs::create(c, acme, &new_job("Data engineer", sql))
            .await
            .expect("job")
            .id;
        let closed = repo::jobs::create(c, globex, &new_job("Analyst", sql))
            .await
            .expect("job")
            .id;
        repo::jobs::set_status(c, closed, JobStatus::Closed)
            .await
            .expect("close");
        let svc = start(&t.db, None).await.expect("start");
        assert!(svc.wait_caught_up(WAIT).await);
        let acme_recruiter = viewer(&t, "r-acme", Role::Recruiter, Some(acme)).await;
        let globex_recruiter = viewer(&t, "r-globex", Role::Recruiter, Some(globex)).await;
        let admin = viewer(&t, "root", Role::Admin, None).await;

        // The job's own recruiter: ranked by score, private Eve never shown or counted.
        let page = search(&svc, &t, &acme_recruiter, request(Target::Job(job)))
            .await
            .expect("search");
        let ids: Vec<i64> = page.candidates.iter().map(|c| c.learner.id).collect();
        assert_eq!(ids, vec![ada, bob], "{backend:?}");
        assert_eq!(page.total, Some(2));
        for c in &page.candidates {
            let e = c.explanation.as_ref().expect("explained");
            assert_eq!(e.score, c.score);
        }
        assert!(page.candidates[0].score > page.candidates[1].score);

        // Another organization's open job: FORBIDDEN; a closed one it may not see, or
        // no job at all: NOT_FOUND. Admins search any job.
        assert!(matches!(
            search(&svc, &t, &globex_recruiter, request(Target::Job(job))).await,
            Err(CandidateSearchError::Forbidden(_))
        ));
        assert!(matches!(
            search(&svc, &t, &acme_recruiter, request(Target::Job(closed))).await,
            Err(CandidateSearchError::JobNotFound)
        ));
        assert!(matches!(
            search(&svc, &t, &acme_recruiter, request(Target::Job(job + 1000))).await,
            Err(CandidateSearchError::JobNotFound)
        ));
        let page = search(&svc, &t, &admin, request(Target::Job(closed)))
            .await
            .expect("admin");
        assert_eq!(page.candidates.len(), 2);

        // Without explanations, none are built; the page is the same.
        let mut req = request(Target::Requirements(vec![Requirement {
            skill: sql,
            min_level: 3,
            weight: 1.0,
            required: true,
        }]));
        req.explain = false;
        let page = search(&svc, &t, &acme_recruiter, req.clone())
            .await
            .expect("ad hoc");
        assert_eq!(page.candidates.len(), 2);
        assert!(page.candidates.iter().all(|c| c.explanation.is_none()));

        // Ada goes private in the database while the index still holds her as visible
        // (the tail task has not run): she is left out at once.
        svc.shutdown().await;
        repo::learners::set_visibility(c, ada, Visibility::Private)
            .await
            .expect("private");
        assert_eq!(
            svc.read(|e| e
                .rank_candidates(&search_index::CandidateQuery::new(vec![Requirement {
                    skill: sql,
                    min_level: 3,
                    weight: 1.0,
                    required: true
                }]))
                .expect("rank")
                .hits
                .len()),
            2,
            "{backend:?}: the index lags"
        );
        let page = search(&svc, &t, &acme_recruiter, req).await.expect("after");
        let ids: Vec<i64> = page.candidates.iter().map(|c| c.learner.id).collect();
        assert_eq!(ids, vec![bob], "{backend:?}");
    }
}
