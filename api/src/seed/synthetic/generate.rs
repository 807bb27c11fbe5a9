//! One entity's rows at a time: a learner (user, profile, aspirations, skills and
//! their evidence), a job (with requirements) or a microcredential (with the skills it
//! teaches and expects), each with its outbox row.

use chrono::{Duration, NaiveDateTime};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use super::model::{Model, draw};
use super::population::{Batch, NextIds};
use super::rows::{
    AspirationRow, CredentialRow, CredentialSkillRow, JobRequirementRow, JobRow, LearnerRow,
    LearnerSkillRow, MicrocredentialRow, OutboxRow, PrerequisiteRow, TaughtRow, UserRow,
};
use crate::repo::{
    CredentialSource, CredentialStatus, EntityKind, JobStatus, Operation, RemotePreference, Role,
    Visibility,
};
use crate::seed::demo::demo_epoch;

/// The subject of the `index`-th learner of the population of `seed`.
pub fn subject(seed: u64, index: usize) -> String {
    format!("synthetic-{seed}-{index:07}")
}

/// Takes the next id from `next`.
fn take(next: &mut i64) -> i64 {
    let id = *next;
    *next += 1;
    id
}

fn outbox(n: &mut NextIds, kind: EntityKind, id: i64, now: NaiveDateTime) -> OutboxRow {
    OutboxRow {
        seq: take(&mut n.seq),
        entity_kind: kind.as_str(),
        entity_id: id,
        operation: Operation::Upsert.as_str(),
        created_at: now,
    }
}

/// The `index`-th learner: an occupation drawn with a skew; most of its requirements
/// (must-haves with probability 0.85, others 0.6) at levels around the requirement,
/// topped up to 8-15 skills from the global popularity skew; 1-2 aspirations, mostly
/// the learner's own occupation; each skill evidenced once, by a self-assertion (35%),
/// a verified credential (40%) or an unverified one (25%), a credential covering 1-3
/// skills and one in ten expired.
pub(super) fn learner(
    m: &Model,
    rng: &mut ChaCha8Rng,
    n: &mut NextIds,
    index: usize,
    now: NaiveDateTime,
    b: &mut Batch,
) {
    let epoch = demo_epoch();
    let occ = draw(rng, &m.occupation_cdf);
    let occ_row = &m.cat.occupations[occ].row;
    let target = rng.random_range(8..=15usize);
    let mut held: Vec<(i64, i32)> = vec![];
    for &(skill, level, must) in &m.occupation_skills[occ] {
        if rng.random_bool(if must { 0.85 } else { 0.6 }) {
            held.push((skill, (level + rng.random_range(-2..=1)).clamp(1, 5)));
        }
    }
    let mut guard = 0;
    while held.len() < target && guard < 100 {
        guard += 1;
        let s = m.all_skills[draw(rng, &m.skill_cdf)];
        if !held.iter().any(|(h, _)| *h == s) {
            held.push((s, rng.random_range(1..=4)));
        }
    }
    let user_id = take(&mut n.user);
    let learner_id = take(&mut n.learner);
    b.users.push(UserRow {
        id: user_id,
        subject: subject(m.seed, index),
        role: Role::Learner.as_str(),
        created_at: now,
    });
    let first = m.cat.first_names.choose(rng).cloned().unwrap_or_default();
    let last = m.cat.last_names.choose(rng).cloned().unwrap_or_default();
    let visibility = match rng.random_range(0..10) {
        0..=2 => Visibility::Private,
        3..=7 => Visibility::Recruiters,
        _ => Visibility::Public,
    };
    b.learners.push(LearnerRow {
        id: learner_id,
        user_id,
        display_name: format!("{first} {last}"),
        headline: Some(format!(
            "{} | {}",
            occ_row.title,
            held.iter()
                .take(3)
                .map(|(s, _)| m.name(*s))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        bio: None,
        location: m.cat.locations.choose(rng).cloned(),
        remote_preference: RemotePreference::ALL
            .choose(rng)
            .unwrap_or(&RemotePreference::Any)
            .as_str(),
        visibility: visibility.as_str(),
        created_at: now,
        updated_at: now,
    });
    let mut targets = vec![if rng.random_bool(0.8) {
        occ
    } else {
        draw(rng, &m.occupation_cdf)
    }];
    if rng.random_bool(0.4) {
        let other = draw(rng, &m.occupation_cdf);
        if !targets.contains(&other) {
            targets.push(other);
        }
    }
    for t in targets {
        if let Some(&occupation_id) = m.occupation_ids.get(t).filter(|&&id| id > 0) {
            b.aspirations.push(AspirationRow {
                learner_id,
                occupation_id,
            });
        }
    }
    let mut i = 0;
    while i < held.len() {
        let roll = rng.random_range(0..100);
        if roll < 35 {
            let (skill, level) = held[i];
            b.learner_skills.push(LearnerSkillRow {
                learner_id,
                skill_id: skill,
                level,
                updated_at: now,
            });
            i += 1;
            continue;
        }
        let take_skills = rng.random_range(1..=3usize).min(held.len() - i);
        let group = &held[i..i + take_skills];
        i += take_skills;
        let verified = roll < 75;
        let issued_at = epoch - Duration::days(rng.random_range(30..1500));
        let expires_at = (rng.random_range(0..100) < 10)
            .then(|| issued_at + Duration::days(rng.random_range(20..29)));
        let (issuer, source, status) = if verified {
            let inst = m
                .institutions
                .choose(rng)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            (inst, CredentialSource::Imported, CredentialStatus::Verified)
        } else {
            (
                "Self-reported".to_owned(),
                CredentialSource::Learner,
                CredentialStatus::Unverified,
            )
        };
        let cid = take(&mut n.credential);
        b.credentials.push(CredentialRow {
            id: cid,
            learner_id,
            title: format!("{} certificate", m.name(group[0].0)),
            issuer,
            issued_at,
            expires_at,
            status: status.as_str(),
            source: source.as_str(),
            microcredential_id: None,
            created_at: now,
        });
        for &(skill, level) in group {
            b.credential_skills.push(CredentialSkillRow {
                credential_id: cid,
                learner_id,
                skill_id: skill,
                level,
            });
        }
    }
    b.outbox
        .push(outbox(n, EntityKind::Learner, learner_id, now));
}

/// A job for an occupation drawn with a skew: a seniority that shifts the occupation's
/// levels by -1..=1, every must-have requirement and most (80%) of the others; open
/// with probability 0.95, posted within 90 days before [`demo_epoch`].
pub(super) fn job(
    m: &Model,
    rng: &mut ChaCha8Rng,
    n: &mut NextIds,
    now: NaiveDateTime,
    b: &mut Batch,
) {
    let occ = draw(rng, &m.occupation_cdf);
    let occ_row = &m.cat.occupations[occ].row;
    let (prefix, shift) = *[
        ("Junior ", -1),
        ("", 0),
        ("", 0),
        ("Senior ", 1),
        ("Lead ", 1),
    ]
    .choose(rng)
    .unwrap_or(&("", 0));
    let id = take(&mut n.job);
    let reqs = &m.occupation_skills[occ];
    let names: Vec<&str> = reqs.iter().take(4).map(|(s, _, _)| m.name(*s)).collect();
    b.jobs.push(JobRow {
        id,
        employer_id: m.employers.choose(rng).copied().unwrap_or_default(),
        title: format!("{prefix}{}", occ_row.title),
        description: format!(
            "We are hiring a {}{}. You will work with {}.",
            prefix.to_lowercase(),
            occ_row.title.to_lowercase(),
            names.join(", ")
        ),
        location: m.cat.locations.choose(rng).cloned(),
        remote: rng.random_bool(0.4),
        status: if rng.random_range(0..100) < 95 {
            JobStatus::Open
        } else {
            JobStatus::Closed
        }
        .as_str(),
        posted_at: demo_epoch() - Duration::hours(rng.random_range(0..24 * 90)),
        updated_at: now,
    });
    for &(skill, level, must) in reqs {
        if must || rng.random_bool(0.8) {
            b.job_requirements.push(JobRequirementRow {
                job_id: id,
                skill_id: skill,
                min_level: (level + shift).clamp(1, 5),
                weight: *[1.0, 1.5, 2.0, 3.0].choose(rng).unwrap_or(&1.0),
                required: must,
            });
        }
    }
    b.outbox.push(outbox(n, EntityKind::Job, id, now));
}

/// A microcredential of an institution teaching 1-3 consecutive requirements of an
/// occupation drawn with a skew (none when that occupation has no requirements), at
/// levels within one of the requirement's; with probability 0.4 one more requirement
/// (not taught) as a prerequisite at a level in 1..=3.
pub(super) fn microcredential(
    m: &Model,
    rng: &mut ChaCha8Rng,
    n: &mut NextIds,
    now: NaiveDateTime,
    b: &mut Batch,
) {
    let occ = draw(rng, &m.occupation_cdf);
    let reqs = &m.occupation_skills[occ];
    if reqs.is_empty() {
        return;
    }
    let id = take(&mut n.microcredential);
    let count = rng.random_range(1..=3usize).min(reqs.len());
    let start = rng.random_range(0..reqs.len());
    let mut taught: Vec<(i64, i32)> = (0..count)
        .map(|k| reqs[(start + k) % reqs.len()])
        .map(|(s, l, _)| (s, (l + rng.random_range(-1..=1)).clamp(1, 5)))
        .collect();
    taught.dedup_by_key(|(s, _)| *s);
    let (provider, _) = m.institutions.choose(rng).cloned().unwrap_or_default();
    let level_word = ["Foundations of", "Applied", "Advanced"][rng.random_range(0..3)];
    b.microcredentials.push(MicrocredentialRow {
        id,
        slug: None,
        provider_id: provider,
        title: format!("{level_word} {}", m.name(taught[0].0)),
        description: format!(
            "Teaches {}.",
            taught
                .iter()
                .map(|(s, l)| format!("{} (level {l})", m.name(*s)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        hours: f64::from(rng.random_range(4..=120u32)),
        cost_cents: rng.random_range(0..=150_000i64) / 100 * 100,
        currency: "USD",
        active: rng.random_range(0..100) < 97,
        created_at: now,
        updated_at: now,
    });
    for &(skill, level) in &taught {
        b.taught.push(TaughtRow {
            microcredential_id: id,
            skill_id: skill,
            level,
        });
    }
    if rng.random_bool(0.4) {
        let (skill, level, _) = reqs[rng.random_range(0..reqs.len())];
        if !taught.iter().any(|(s, _)| *s == skill) {
            b.prerequisites.push(PrerequisiteRow {
                microcredential_id: id,
                skill_id: skill,
                level: (level - 1).clamp(1, 3),
            });
        }
    }
    b.outbox
        .push(outbox(n, EntityKind::Microcredential, id, now));
}
