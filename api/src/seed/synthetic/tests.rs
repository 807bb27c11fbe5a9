//! The population's promises, checked on the rows alone (no database): determinism,
//! sizes, ids, foreign keys, levels and the advertised mixes.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Arc, LazyLock};

use chrono::NaiveDateTime;
use proptest::prelude::*;

use super::*;
use crate::repo::{
    CredentialSource, CredentialStatus, EntityKind, JobStatus, Operation, OrganizationKind,
    RemotePreference, Role, Visibility,
};
use crate::seed::demo::{Ids, demo_epoch};
use crate::seed::{Catalog, SeedSources};

static CATALOG: LazyLock<Arc<Catalog>> =
    LazyLock::new(|| Arc::new(Catalog::load(&SeedSources::embedded()).expect("embedded seeds")));

/// Ids as a fresh database would give the catalogue: 1, 2, ... in file order, from
/// `base` on (so that catalogue ids and generated ids do not coincide by accident).
fn ids_of(cat: &Catalog, base: i64) -> Ids {
    fn number<'a>(slugs: impl Iterator<Item = &'a String>, base: i64) -> HashMap<String, i64> {
        slugs.zip(base..).map(|(s, id)| (s.clone(), id)).collect()
    }
    Ids {
        skills: number(cat.skills.iter().map(|s| &s.row.slug), base),
        occupations: number(cat.occupations.iter().map(|o| &o.row.slug), base),
        organizations: number(cat.organizations.iter().map(|o| &o.row.slug), base),
        microcredentials: number(cat.microcredentials.iter().map(|m| &m.row.slug), base),
    }
}

fn now() -> NaiveDateTime {
    demo_epoch() + chrono::Duration::days(3)
}

fn spec(learners: usize, jobs: usize, microcredentials: usize, seed: u64) -> SyntheticSpec {
    SyntheticSpec {
        learners,
        jobs,
        microcredentials,
        seed,
    }
}

fn batches(spec: SyntheticSpec, next: NextIds) -> Vec<(usize, Batch)> {
    let mut p = Population::new(spec, CATALOG.clone(), &ids_of(&CATALOG, 1), next)
        .expect("complete catalogue");
    std::iter::from_fn(|| p.next_batch(now())).collect()
}

/// Every batch's rows, table by table.
fn all_rows(spec: SyntheticSpec, next: NextIds) -> Batch {
    let mut all = Batch::default();
    for (_, b) in batches(spec, next) {
        all.users.extend(b.users);
        all.learners.extend(b.learners);
        all.aspirations.extend(b.aspirations);
        all.learner_skills.extend(b.learner_skills);
        all.microcredentials.extend(b.microcredentials);
        all.taught.extend(b.taught);
        all.prerequisites.extend(b.prerequisites);
        all.credentials.extend(b.credentials);
        all.credential_skills.extend(b.credential_skills);
        all.jobs.extend(b.jobs);
        all.job_requirements.extend(b.job_requirements);
        all.outbox.extend(b.outbox);
    }
    all
}

fn parses<T: FromStr>(s: &str) -> bool {
    s.parse::<T>().is_ok()
}

#[test]
fn the_same_seed_gives_the_same_rows_and_another_seed_other_rows() {
    let a = batches(spec(300, 20, 20, 5), NextIds::default());
    let b = batches(spec(300, 20, 20, 5), NextIds::default());
    assert_eq!(a, b);
    let c = batches(spec(300, 20, 20, 6), NextIds::default());
    assert_ne!(a, c);
    let names = |v: &[(usize, Batch)]| -> Vec<String> {
        v.iter()
            .flat_map(|(_, b)| b.learners.iter().map(|l| l.display_name.clone()))
            .collect()
    };
    // Not just the subjects: the drawn content differs.
    assert_ne!(names(&a), names(&c));
}

#[test]
fn batches_hold_the_catalogue_entities_first_then_learners_by_batch() {
    let learners = BATCH + 7;
    let out = batches(spec(learners, 12, 9, 1), NextIds::default());
    let sizes: Vec<usize> = out.iter().map(|(n, _)| *n).collect();
    assert_eq!(sizes, [12 + 9, BATCH, 7]);
    let (_, first) = &out[0];
    assert_eq!(first.jobs.len(), 12);
    // Every occupation of the curated catalogue has requirements: none is skipped.
    assert_eq!(first.microcredentials.len(), 9);
    assert!(first.learners.is_empty() && first.users.is_empty());
    assert_eq!(first.outbox.len(), 21);
    for (n, b) in &out[1..] {
        assert_eq!(
            (b.users.len(), b.learners.len(), b.outbox.len()),
            (*n, *n, *n)
        );
        assert!(b.jobs.is_empty() && b.microcredentials.is_empty());
    }
    let rows: usize = out.iter().map(|(_, b)| b.rows()).sum();
    let all = all_rows(spec(learners, 12, 9, 1), NextIds::default());
    assert_eq!(
        rows,
        all.users.len()
            + all.learners.len()
            + all.aspirations.len()
            + all.learner_skills.len()
            + all.microcredentials.len()
            + all.taught.len()
            + all.prerequisites.len()
            + all.credentials.len()
            + all.credential_skills.len()
            + all.jobs.len()
            + all.job_requirements.len()
            + all.outbox.len()
    );
}

#[test]
fn nothing_asked_gives_one_empty_batch() {
    let out = batches(spec(0, 0, 0, 3), NextIds::default());
    assert_eq!(out, [(0, Batch::default())]);
}

#[test]
fn ids_run_on_from_the_first_free_ones_and_each_entity_has_one_outbox_row() {
    let next = NextIds {
        user: 101,
        learner: 51,
        credential: 1_001,
        job: 31,
        microcredential: 501,
        seq: 9_001,
    };
    let all = all_rows(spec(40, 6, 5, 2), next);
    let consecutive =
        |ids: Vec<i64>, from: i64| ids.iter().copied().eq(from..from + ids.len() as i64);
    assert!(consecutive(all.users.iter().map(|r| r.id).collect(), 101));
    assert!(consecutive(all.learners.iter().map(|r| r.id).collect(), 51));
    assert!(consecutive(
        all.credentials.iter().map(|r| r.id).collect(),
        1_001
    ));
    assert!(consecutive(all.jobs.iter().map(|r| r.id).collect(), 31));
    assert!(consecutive(
        all.microcredentials.iter().map(|r| r.id).collect(),
        501
    ));
    assert!(consecutive(
        all.outbox.iter().map(|r| r.seq).collect(),
        9_001
    ));
    let mut announced: Vec<(&str, i64)> = all
        .outbox
        .iter()
        .map(|o| (o.entity_kind, o.entity_id))
        .collect();
    announced.sort_unstable();
    let mut entities: Vec<(&str, i64)> = all
        .learners
        .iter()
        .map(|l| (EntityKind::Learner.as_str(), l.id))
        .chain(all.jobs.iter().map(|j| (EntityKind::Job.as_str(), j.id)))
        .chain(
            all.microcredentials
                .iter()
                .map(|m| (EntityKind::Microcredential.as_str(), m.id)),
        )
        .collect();
    entities.sort_unstable();
    assert_eq!(announced, entities);
    assert!(
        all.outbox
            .iter()
            .all(|o| o.operation == Operation::Upsert.as_str())
    );
    let subjects: Vec<&str> = all.users.iter().map(|u| u.subject.as_str()).collect();
    assert_eq!(subjects[0], "synthetic-2-0000000");
    assert_eq!(subjects[39], "synthetic-2-0000039");
}

#[test]
fn the_mixes_are_the_advertised_ones() {
    let all = all_rows(spec(10_000, 0, 0, 11), NextIds::default());
    let share = |n: usize, of: usize| n as f64 / of as f64;
    let visibility = |v: Visibility| {
        all.learners
            .iter()
            .filter(|l| l.visibility == v.as_str())
            .count()
    };
    let n = all.learners.len();
    for (v, expected) in [
        (Visibility::Private, 0.3),
        (Visibility::Recruiters, 0.5),
        (Visibility::Public, 0.2),
    ] {
        let got = share(visibility(v), n);
        assert!((got - expected).abs() < 0.025, "{v}: {got}");
    }
    // Credentials: 40 verified to 25 unverified; one in ten with an expiry date.
    let verified = all
        .credentials
        .iter()
        .filter(|c| c.status == CredentialStatus::Verified.as_str())
        .count();
    let got = share(verified, all.credentials.len());
    assert!((got - 40.0 / 65.0).abs() < 0.025, "verified {got}");
    let dated = all
        .credentials
        .iter()
        .filter(|c| c.expires_at.is_some())
        .count();
    let got = share(dated, all.credentials.len());
    assert!((got - 0.1).abs() < 0.02, "with an expiry {got}");
    // Aspirations: one, and a second one for about a third of the learners.
    let mut per_learner: HashMap<i64, usize> = HashMap::new();
    for a in &all.aspirations {
        *per_learner.entry(a.learner_id).or_default() += 1;
    }
    let two = per_learner.values().filter(|&&k| k == 2).count();
    let got = share(two, n);
    assert!((0.25..0.4).contains(&got), "two aspirations {got}");
    // Occupations are skewed: the most common is far above the average.
    let mut headline_occupation: HashMap<&str, usize> = HashMap::new();
    for l in &all.learners {
        let h = l.headline.as_deref().unwrap_or_default();
        *headline_occupation
            .entry(h.split(" | ").next().unwrap_or_default())
            .or_default() += 1;
    }
    let top = headline_occupation.values().max().copied().unwrap_or(0);
    assert!(
        top > 3 * n / CATALOG.occupations.len(),
        "top occupation {top} of {n}"
    );
}

#[test]
fn a_catalogue_without_employers_is_refused() {
    let mut cat = (**CATALOG).clone();
    cat.organizations
        .retain(|o| o.row.kind != OrganizationKind::Employer.as_str());
    let ids = ids_of(&cat, 1);
    let err = Population::new(spec(1, 1, 1, 1), Arc::new(cat), &ids, NextIds::default())
        .err()
        .expect("refused");
    assert_eq!(err, IncompleteCatalogue("employers"));
    assert_eq!(err.to_string(), "the catalogue has no employers");
}

/// Checks every invariant the rest of the system relies on.
fn check_invariants(all: &Batch, spec: SyntheticSpec) -> Result<(), TestCaseError> {
    let ids = ids_of(&CATALOG, 1);
    let skills: HashSet<i64> = ids.skills.values().copied().collect();
    let occupations: HashSet<i64> = ids.occupations.values().copied().collect();
    let of_kind = |kind: OrganizationKind| -> HashSet<i64> {
        CATALOG
            .organizations
            .iter()
            .filter(|o| o.row.kind == kind.as_str())
            .map(|o| ids.organizations[&o.row.slug])
            .collect()
    };
    let employers = of_kind(OrganizationKind::Employer);
    let institutions = of_kind(OrganizationKind::Institution);
    let institution_names: HashSet<&str> = CATALOG
        .organizations
        .iter()
        .filter(|o| o.row.kind == OrganizationKind::Institution.as_str())
        .map(|o| o.row.name.as_str())
        .collect();
    let level = 1..=5;

    // Users and learners, one to one.
    prop_assert_eq!(all.users.len(), spec.learners);
    prop_assert_eq!(all.learners.len(), spec.learners);
    let users: HashSet<i64> = all.users.iter().map(|u| u.id).collect();
    let learner_users: HashSet<i64> = all.learners.iter().map(|l| l.user_id).collect();
    prop_assert_eq!(&users, &learner_users);
    for (i, u) in all.users.iter().enumerate() {
        prop_assert_eq!(&u.subject, &subject(spec.seed, i));
        prop_assert_eq!(u.role, Role::Learner.as_str());
    }
    for l in &all.learners {
        prop_assert!(parses::<Visibility>(l.visibility));
        prop_assert!(parses::<RemotePreference>(l.remote_preference));
    }
    let learners: HashSet<i64> = all.learners.iter().map(|l| l.id).collect();

    // Aspirations: 1-2 distinct catalogue occupations per learner.
    let mut aspirations: HashMap<i64, Vec<i64>> = HashMap::new();
    for a in &all.aspirations {
        prop_assert!(learners.contains(&a.learner_id));
        prop_assert!(occupations.contains(&a.occupation_id));
        aspirations
            .entry(a.learner_id)
            .or_default()
            .push(a.occupation_id);
    }
    prop_assert_eq!(aspirations.len(), learners.len());
    for targets in aspirations.values() {
        prop_assert!((1..=2).contains(&targets.len()));
        prop_assert!(targets.len() == 1 || targets[0] != targets[1]);
    }

    // Skills: each held once per learner, asserted or evidenced, at 1..=5; 8 at least.
    let credentials: HashMap<i64, &rows::CredentialRow> =
        all.credentials.iter().map(|c| (c.id, c)).collect();
    let mut held: HashMap<i64, Vec<i64>> = HashMap::new();
    for s in &all.learner_skills {
        prop_assert!(learners.contains(&s.learner_id));
        prop_assert!(skills.contains(&s.skill_id));
        prop_assert!(level.contains(&s.level));
        held.entry(s.learner_id).or_default().push(s.skill_id);
    }
    let mut per_credential: HashMap<i64, usize> = HashMap::new();
    for s in &all.credential_skills {
        let c = credentials.get(&s.credential_id);
        prop_assert!(c.is_some(), "credential {} not generated", s.credential_id);
        prop_assert_eq!(c.map(|c| c.learner_id), Some(s.learner_id));
        prop_assert!(skills.contains(&s.skill_id));
        prop_assert!(level.contains(&s.level));
        held.entry(s.learner_id).or_default().push(s.skill_id);
        *per_credential.entry(s.credential_id).or_default() += 1;
    }
    for skills_of_learner in held.values() {
        let distinct: HashSet<&i64> = skills_of_learner.iter().collect();
        prop_assert_eq!(
            distinct.len(),
            skills_of_learner.len(),
            "a skill held twice"
        );
        prop_assert!(skills_of_learner.len() >= 8);
    }
    prop_assert_eq!(held.len(), learners.len());

    // Credentials: 1-3 skills each; verified ones imported from an institution,
    // unverified ones entered by the learner; an expiry already past at the epoch.
    prop_assert_eq!(per_credential.len(), all.credentials.len());
    prop_assert!(per_credential.values().all(|k| (1..=3).contains(k)));
    for c in &all.credentials {
        prop_assert!(learners.contains(&c.learner_id));
        prop_assert!(c.issued_at < demo_epoch());
        if let Some(expires) = c.expires_at {
            prop_assert!(c.issued_at < expires && expires < demo_epoch());
        }
        prop_assert!(c.microcredential_id.is_none());
        match CredentialStatus::from_str(c.status) {
            Ok(CredentialStatus::Verified) => {
                prop_assert_eq!(c.source, CredentialSource::Imported.as_str());
                prop_assert!(institution_names.contains(c.issuer.as_str()));
            }
            Ok(CredentialStatus::Unverified) => {
                prop_assert_eq!(c.source, CredentialSource::Learner.as_str());
            }
            other => prop_assert!(false, "status {other:?}"),
        }
    }

    // Jobs: an employer's, with requirements (at least one must-have) at 1..=5.
    prop_assert_eq!(all.jobs.len(), spec.jobs);
    let jobs: HashSet<i64> = all.jobs.iter().map(|j| j.id).collect();
    for j in &all.jobs {
        prop_assert!(employers.contains(&j.employer_id));
        prop_assert!(parses::<JobStatus>(j.status));
    }
    let mut requirements: HashMap<i64, HashSet<i64>> = HashMap::new();
    let mut must: HashSet<i64> = HashSet::new();
    for r in &all.job_requirements {
        prop_assert!(jobs.contains(&r.job_id));
        prop_assert!(skills.contains(&r.skill_id));
        prop_assert!(level.contains(&r.min_level));
        prop_assert!(r.weight > 0.0);
        prop_assert!(requirements.entry(r.job_id).or_default().insert(r.skill_id));
        if r.required {
            must.insert(r.job_id);
        }
    }
    prop_assert_eq!(requirements.len(), jobs.len(), "a job without requirements");
    prop_assert_eq!(must.len(), jobs.len(), "a job without a must-have");

    // Microcredentials: an institution's, teaching 1-3 distinct skills, prerequisites
    // (1..=3) not among them.
    prop_assert_eq!(all.microcredentials.len(), spec.microcredentials);
    let mcs: HashSet<i64> = all.microcredentials.iter().map(|m| m.id).collect();
    for m in &all.microcredentials {
        prop_assert!(institutions.contains(&m.provider_id));
        prop_assert!(m.slug.is_none());
        prop_assert!(m.hours >= 4.0 && m.cost_cents >= 0);
    }
    let mut taught: HashMap<i64, HashSet<i64>> = HashMap::new();
    for t in &all.taught {
        prop_assert!(mcs.contains(&t.microcredential_id));
        prop_assert!(skills.contains(&t.skill_id));
        prop_assert!(level.contains(&t.level));
        prop_assert!(
            taught
                .entry(t.microcredential_id)
                .or_default()
                .insert(t.skill_id)
        );
    }
    prop_assert_eq!(taught.len(), mcs.len());
    prop_assert!(taught.values().all(|s| (1..=3).contains(&s.len())));
    let mut with_prerequisite = HashSet::new();
    for p in &all.prerequisites {
        prop_assert!(with_prerequisite.insert(p.microcredential_id));
        prop_assert!(skills.contains(&p.skill_id));
        prop_assert!((1..=3).contains(&p.level));
        prop_assert!(!taught[&p.microcredential_id].contains(&p.skill_id));
    }

    // The outbox names each entity once.
    prop_assert_eq!(
        all.outbox.len(),
        spec.learners + spec.jobs + spec.microcredentials
    );
    for o in &all.outbox {
        prop_assert!(parses::<EntityKind>(o.entity_kind));
        prop_assert!(parses::<Operation>(o.operation));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn every_population_keeps_the_invariants(
        seed: u64,
        learners in 0usize..150,
        jobs in 0usize..30,
        microcredentials in 0usize..30,
    ) {
        let s = spec(learners, jobs, microcredentials, seed);
        check_invariants(&all_rows(s, NextIds::default()), s)?;
    }
}
