//! Property test: random sequences of learner operations, checked against a simple
//! in-memory model after every step, and every change's outbox row accounted for.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use proptest::prelude::*;
use talent_api::db::Db;
use talent_api::repo::{
    self, CredentialSource, CredentialStatus, EntityKind, Operation, Visibility,
};
use talent_api::testing::TestDb;

const SKILLS: usize = 4;

#[derive(Debug, Clone)]
enum Op {
    SetVisibility(Visibility),
    Assert(usize, i32),
    Retract(usize),
    AddCredential(Vec<(usize, i32)>),
    RemoveCredential(usize),
    Headline(Option<String>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        prop::sample::select(Visibility::ALL.to_vec()).prop_map(Op::SetVisibility),
        (0..SKILLS, 1..=5i32).prop_map(|(s, l)| Op::Assert(s, l)),
        (0..SKILLS).prop_map(Op::Retract),
        prop::collection::btree_map(0..SKILLS, 1..=5i32, 1..3)
            .prop_map(|m| Op::AddCredential(m.into_iter().collect())),
        (0..3usize).prop_map(Op::RemoveCredential),
        proptest::option::of("[a-z ]{1,12}").prop_map(Op::Headline),
    ]
}

#[derive(Debug, Default)]
struct Model {
    visibility: Option<Visibility>,
    asserted: BTreeMap<i64, i32>,
    credentials: Vec<(i64, Vec<(i64, i32)>)>,
    headline: Option<String>,
    changes: usize,
}

static SUBJECT: AtomicU64 = AtomicU64::new(0);

async fn make_skills(db: &Db) -> Vec<i64> {
    let mut p = db.conn().await.expect("conn");
    let c = &mut p.conn();
    let mut ids = vec![];
    for i in 0..SKILLS {
        let slug = format!("skill-{i}");
        let none: Vec<String> = vec![];
        let new = repo::skills::NewSkill {
            slug: &slug,
            name: &slug,
            category: "software",
            parent_id: None,
            ambiguous: false,
            aliases: &none,
        };
        ids.push(repo::skills::create(c, &new).await.expect("skill").id);
    }
    ids
}

async fn run_case(db: &Db, skills: &[i64], ops: &[Op]) -> Result<(), TestCaseError> {
    let mut p = db.conn().await.expect("conn");
    let c = &mut p.conn();
    let subject = format!("prop-{}", SUBJECT.fetch_add(1, Ordering::Relaxed));
    let user = repo::users::provision(c, &subject, repo::Role::Learner, None)
        .await
        .expect("user");
    let profile = |headline: Option<String>| repo::learners::Profile {
        display_name: subject.clone(),
        headline,
        bio: None,
        location: None,
        remote_preference: repo::RemotePreference::Any,
        aspiration_ids: None,
    };
    let id = repo::learners::upsert_profile(c, user.id, &profile(None))
        .await
        .expect("profile")
        .id;
    let mut m = Model {
        changes: 1,
        ..Model::default()
    };
    for op in ops {
        match op {
            Op::SetVisibility(v) => {
                repo::learners::set_visibility(c, id, *v)
                    .await
                    .expect("vis");
                m.visibility = Some(*v);
                m.changes += 1;
            }
            Op::Assert(s, l) => {
                repo::learners::assert_skill(c, id, skills[*s], *l)
                    .await
                    .expect("assert");
                m.asserted.insert(skills[*s], *l);
                m.changes += 1;
            }
            Op::Retract(s) => {
                let had = m.asserted.remove(&skills[*s]).is_some();
                let removed = repo::learners::retract_skill(c, id, skills[*s])
                    .await
                    .expect("retract");
                prop_assert_eq!(removed, had);
                m.changes += usize::from(had);
            }
            Op::AddCredential(list) => {
                let skills_levels: Vec<(i64, i32)> =
                    list.iter().map(|(s, l)| (skills[*s], *l)).collect();
                let cred = repo::credentials::add(
                    c,
                    id,
                    &repo::credentials::NewCredential {
                        title: "c".into(),
                        issuer: "i".into(),
                        issued_at: repo::now(),
                        expires_at: None,
                        status: CredentialStatus::Unverified,
                        source: CredentialSource::Learner,
                        microcredential_id: None,
                        skills: skills_levels.clone(),
                    },
                )
                .await
                .expect("add");
                m.credentials.push((cred.id, skills_levels));
                m.changes += 1;
            }
            Op::RemoveCredential(n) => {
                if *n < m.credentials.len() {
                    let (cid, _) = m.credentials.remove(*n);
                    prop_assert_eq!(
                        repo::credentials::remove(c, cid).await.expect("remove"),
                        Some(id)
                    );
                    m.changes += 1;
                }
            }
            Op::Headline(h) => {
                repo::learners::upsert_profile(c, user.id, &profile(h.clone()))
                    .await
                    .expect("headline");
                m.headline = h.clone();
                m.changes += 1;
            }
        }
        // Read back and compare with the model.
        let l = repo::learners::get(c, id).await.expect("get");
        prop_assert_eq!(l.visibility, m.visibility.unwrap_or(Visibility::Private));
        prop_assert_eq!(&l.headline, &m.headline);
        let asserted: BTreeMap<i64, i32> = repo::learners::asserted_skills_of(c, &[id])
            .await
            .expect("asserted")
            .into_iter()
            .map(|a| (a.skill_id, a.level))
            .collect();
        prop_assert_eq!(&asserted, &m.asserted);
        let creds = repo::credentials::of_learners(c, &[id])
            .await
            .expect("creds");
        let ids: Vec<i64> = creds.iter().map(|c| c.id).collect();
        let mut expected_ids: Vec<i64> = m.credentials.iter().map(|(i, _)| *i).collect();
        expected_ids.sort_unstable();
        prop_assert_eq!(&ids, &expected_ids);
        let mut cs = repo::credentials::skills_of(c, &ids).await.expect("cs");
        cs.sort_unstable();
        let mut expected_cs: Vec<(i64, i64, i32)> = m
            .credentials
            .iter()
            .flat_map(|(cid, l)| l.iter().map(move |(s, lv)| (*cid, *s, *lv)))
            .collect();
        expected_cs.sort_unstable();
        prop_assert_eq!(cs, expected_cs);
        // Every change left exactly one outbox row for this learner.
        let rows = repo::outbox::for_entity(c, EntityKind::Learner, id)
            .await
            .expect("outbox");
        prop_assert_eq!(rows.len(), m.changes);
        prop_assert!(rows.iter().all(|r| r.operation == Operation::Upsert));
    }
    Ok(())
}

/// One database per backend for the whole run (each case uses a new learner), dropped
/// at the end; the runtime outlives every case because the pools live in it.
#[test]
fn repository_matches_an_in_memory_model() {
    use proptest::test_runner::{Config, TestRunner};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("rt");
    let dbs = rt.block_on(TestDb::all());
    for t in &dbs {
        let skills = rt.block_on(make_skills(&t.db));
        let mut runner = TestRunner::new(Config {
            cases: 24,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&prop::collection::vec(op(), 1..14), |ops| {
            rt.block_on(run_case(&t.db, &skills, &ops))
        });
        if let Err(e) = result {
            panic!("{:?}: {e}", t.db.backend());
        }
    }
    drop(dbs);
}
