//! Loads the curated catalogue and the demo data into a database, idempotently: every
//! row is looked up by its natural key (slug, subject, employer + title + posting time)
//! first, so a second run changes nothing.
//!
//! Demo learners and the requirements of demo jobs are generated deterministically
//! from the curated files with a seeded RNG ([`DEMO_SEED`]).

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::files::{Catalog, JobPostingRow, parse_skill_levels};
use crate::db::{DbConn, DbResult};
use crate::repo::occupations::Requirement;
use crate::repo::{
    self, CredentialSource, CredentialStatus, OrganizationKind, RemotePreference, Role, Visibility,
};

/// The RNG seed of the demo data.
pub const DEMO_SEED: u64 = 20_261_128;
/// Generated demo learners (besides `demo-learner`).
pub const DEMO_LEARNERS: usize = 520;

/// What a seeding run inserted (all zero on a second run).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    /// Skills inserted.
    pub skills: usize,
    /// Occupations inserted.
    pub occupations: usize,
    /// Organizations inserted.
    pub organizations: usize,
    /// Microcredentials inserted.
    pub microcredentials: usize,
    /// Jobs inserted.
    pub jobs: usize,
    /// Users inserted (demo subjects and generated learners).
    pub users: usize,
    /// Learner profiles inserted.
    pub learners: usize,
}

impl SeedReport {
    /// Whether nothing was inserted.
    pub fn is_empty(&self) -> bool {
        *self == SeedReport::default()
    }
}

/// Slug -> id maps of what the database holds.
#[derive(Debug, Default)]
pub struct Ids {
    /// Skills.
    pub skills: HashMap<String, i64>,
    /// Occupations.
    pub occupations: HashMap<String, i64>,
    /// Organizations.
    pub organizations: HashMap<String, i64>,
    /// Microcredentials.
    pub microcredentials: HashMap<String, i64>,
}

/// A fixed "now" for demo dates, so that the data does not depend on the day it was
/// seeded (expired credentials stay expired): 2026-11-01.
pub fn demo_epoch() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .unwrap_or_default()
}

/// Loads the taxonomy, occupations, organizations and microcredentials.
pub async fn load_catalogue(
    conn: &mut DbConn<'_>,
    cat: &Catalog,
    report: &mut SeedReport,
) -> DbResult<Ids> {
    let mut ids = Ids::default();
    ids.skills = repo::skills::all(conn)
        .await?
        .into_iter()
        .map(|s| (s.slug, s.id))
        .collect();
    crate::transaction!(conn, |tx| {
        for s in &cat.skills {
            if ids.skills.contains_key(&s.row.slug) {
                continue;
            }
            let parent_id = s
                .row
                .parent
                .as_ref()
                .and_then(|p| ids.skills.get(p).copied());
            let aliases = s.row.alias_list();
            let new = repo::skills::NewSkill {
                slug: &s.row.slug,
                name: &s.row.name,
                category: &s.row.category,
                parent_id,
                ambiguous: s.row.ambiguous,
                aliases: &aliases,
            };
            let skill = repo::skills::create(tx, &new).await?;
            ids.skills.insert(skill.slug, skill.id);
            report.skills += 1;
        }
        Ok(())
    })?;

    ids.occupations = repo::occupations::all(conn)
        .await?
        .into_iter()
        .map(|o| (o.slug, o.id))
        .collect();
    crate::transaction!(conn, |tx| {
        for o in &cat.occupations {
            if ids.occupations.contains_key(&o.row.slug) {
                continue;
            }
            let reqs: Vec<Requirement> = cat
                .occupation_requirements
                .iter()
                .filter(|r| r.row.occupation == o.row.slug)
                .filter_map(|r| {
                    ids.skills.get(&r.row.skill).map(|&skill_id| Requirement {
                        skill_id,
                        min_level: r.row.min_level,
                        weight: r.row.weight,
                        required: r.row.required,
                    })
                })
                .collect();
            let occ =
                repo::occupations::create(tx, &o.row.slug, &o.row.title, &o.row.description, &reqs)
                    .await?;
            ids.occupations.insert(occ.slug, occ.id);
            report.occupations += 1;
        }
        Ok(())
    })?;

    ids.organizations = repo::organizations::list(conn, None)
        .await?
        .into_iter()
        .map(|o| (o.slug, o.id))
        .collect();
    for o in &cat.organizations {
        if ids.organizations.contains_key(&o.row.slug) {
            continue;
        }
        let kind = if o.row.kind == "EMPLOYER" {
            OrganizationKind::Employer
        } else {
            OrganizationKind::Institution
        };
        let new = repo::organizations::NewOrganization {
            slug: &o.row.slug,
            name: &o.row.name,
            kind,
            location: o.row.location.as_deref(),
        };
        let org = repo::organizations::create(conn, &new).await?;
        ids.organizations.insert(org.slug, org.id);
        report.organizations += 1;
    }

    ids.microcredentials = repo::microcredentials::slugs(conn)
        .await?
        .into_iter()
        .collect();
    crate::transaction!(conn, |tx| {
        for m in &cat.microcredentials {
            if ids.microcredentials.contains_key(&m.row.slug) {
                continue;
            }
            let resolve = |s: Option<&str>| -> Vec<(i64, i32)> {
                parse_skill_levels(s)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|(slug, level)| ids.skills.get(&slug).map(|&id| (id, level)))
                    .collect()
            };
            let new = repo::microcredentials::NewMicrocredential {
                slug: Some(m.row.slug.clone()),
                title: m.row.title.clone(),
                description: m.row.description.clone(),
                hours: m.row.hours,
                cost_cents: m.row.cost_cents,
                currency: m.row.currency.clone(),
                skills: resolve(Some(&m.row.skills)),
                prerequisites: resolve(m.row.prerequisites.as_deref()),
            };
            let Some(&provider) = ids.organizations.get(&m.row.provider) else {
                continue;
            };
            let mc = repo::microcredentials::create(tx, provider, &new).await?;
            ids.microcredentials.insert(m.row.slug.clone(), mc.id);
            report.microcredentials += 1;
        }
        Ok(())
    })?;
    Ok(ids)
}

/// The requirements of a demo job: its occupation's, with levels shifted by seniority
/// (junior -1, senior and lead +1, within 1..5).
pub fn job_requirements(cat: &Catalog, ids: &Ids, posting: &JobPostingRow) -> Vec<Requirement> {
    let shift = match posting.seniority.as_str() {
        "junior" => -1,
        "senior" | "lead" => 1,
        _ => 0,
    };
    cat.occupation_requirements
        .iter()
        .filter(|r| r.row.occupation == posting.occupation)
        .filter_map(|r| {
            ids.skills.get(&r.row.skill).map(|&skill_id| Requirement {
                skill_id,
                min_level: (r.row.min_level + shift).clamp(1, 5),
                weight: r.row.weight,
                required: r.row.required,
            })
        })
        .collect()
}

/// Loads the demo jobs: every posting, backdated over the 60 days before
/// [`demo_epoch`]; one in twenty-five is closed.
pub async fn load_jobs(
    conn: &mut DbConn<'_>,
    cat: &Catalog,
    ids: &Ids,
    report: &mut SeedReport,
) -> DbResult<()> {
    crate::transaction!(conn, |tx| {
        for (i, p) in cat.job_postings.iter().enumerate() {
            let Some(&employer) = ids.organizations.get(&p.row.employer) else {
                continue;
            };
            let posted_at = demo_epoch() - Duration::hours(((i * 37) % (60 * 24)) as i64);
            if repo::jobs::exists(tx, employer, &p.row.title, posted_at).await? {
                continue;
            }
            let new = repo::jobs::NewJob {
                title: p.row.title.clone(),
                description: p.row.description.clone(),
                location: p.row.location.clone(),
                remote: p.row.remote,
                requirements: job_requirements(cat, ids, &p.row),
                posted_at: Some(posted_at),
            };
            let job = repo::jobs::create(tx, employer, &new).await?;
            if i % 25 == 24 {
                repo::jobs::set_status(tx, job.id, repo::JobStatus::Closed).await?;
            }
            report.jobs += 1;
        }
        Ok(())
    })
}

/// Provisions the demo subjects of demo_users.csv and the curated demo learner.
pub async fn load_demo_users(
    conn: &mut DbConn<'_>,
    cat: &Catalog,
    ids: &Ids,
    report: &mut SeedReport,
) -> DbResult<()> {
    for u in &cat.demo_users {
        if repo::users::find_by_subject(conn, &u.row.subject)
            .await?
            .is_some()
        {
            continue;
        }
        let role: Role = u
            .row
            .role
            .to_uppercase()
            .parse()
            .map_err(|e: repo::UnknownValue| crate::db::DbError::Invalid(e.to_string()))?;
        let org = u
            .row
            .organization
            .as_ref()
            .and_then(|o| ids.organizations.get(o).copied());
        repo::users::provision(conn, &u.row.subject, role, org).await?;
        report.users += 1;
    }
    let d = &cat.demo_learner;
    let user = repo::users::provision(conn, &d.subject, Role::Learner, None).await?;
    if repo::learners::find_by_user(conn, user.id).await?.is_some() {
        return Ok(());
    }
    crate::transaction!(conn, |tx| {
        let profile = repo::learners::Profile {
            display_name: d.display_name.clone(),
            headline: d.headline.clone(),
            bio: d.bio.clone(),
            location: d.location.clone(),
            remote_preference: d.remote_preference.parse().unwrap_or(RemotePreference::Any),
            aspiration_ids: Some(
                d.aspirations
                    .iter()
                    .filter_map(|a| ids.occupations.get(a).copied())
                    .collect(),
            ),
        };
        let learner = repo::learners::upsert_profile(tx, user.id, &profile).await?;
        let visibility: Visibility = d.visibility.parse().unwrap_or(Visibility::Private);
        repo::learners::set_visibility(tx, learner.id, visibility).await?;
        for c in &d.credentials {
            let (status, expired) = match c.status.as_str() {
                "VERIFIED" => (CredentialStatus::Verified, false),
                "EXPIRED" => (CredentialStatus::Verified, true),
                _ => (CredentialStatus::Unverified, false),
            };
            let issued_at = c.issued_at.naive_utc();
            let expires_at = match (c.expires_at, expired) {
                (Some(e), _) => Some(e.naive_utc()),
                (None, true) => Some(issued_at + Duration::days(365)),
                (None, false) => None,
            };
            let microcredential_id = c
                .microcredential
                .as_ref()
                .and_then(|m| ids.microcredentials.get(m).copied());
            let new = repo::credentials::NewCredential {
                title: c.title.clone(),
                issuer: c.issuer.clone(),
                issued_at,
                expires_at,
                status,
                source: if microcredential_id.is_some() {
                    CredentialSource::Issued
                } else if status == CredentialStatus::Verified {
                    CredentialSource::Imported
                } else {
                    CredentialSource::Learner
                },
                microcredential_id,
                skills: c
                    .skills
                    .iter()
                    .filter_map(|s| ids.skills.get(&s.skill).map(|&id| (id, s.level)))
                    .collect(),
            };
            repo::credentials::add(tx, learner.id, &new).await?;
        }
        for s in &d.self_asserted {
            if let Some(&id) = ids.skills.get(&s.skill) {
                repo::learners::assert_skill(tx, learner.id, id, s.level).await?;
            }
        }
        Ok(())
    })?;
    report.learners += 1;
    Ok(())
}

/// One generated learner, before it is written.
#[derive(Debug, Clone)]
pub struct GeneratedLearner {
    /// Token subject.
    pub subject: String,
    /// Profile.
    pub profile: repo::learners::Profile,
    /// Visibility.
    pub visibility: Visibility,
    /// Credentials.
    pub credentials: Vec<repo::credentials::NewCredential>,
    /// Self-asserted (skill id, level).
    pub asserted: Vec<(i64, i32)>,
    /// Consents to hear from institutions (about 40%, from a hash of the subject so the
    /// random stream, and so the rest of the learner, is unchanged).
    pub contact_opt_in: bool,
}

/// Generates learner `index` of a population: an occupation, a progress towards it,
/// skills at levels around its requirements, and evidence split between issued
/// (verified) credentials of microcredentials teaching those skills, credentials the
/// learner entered (unverified), expired ones and self-assertions.
pub fn generate_learner(
    cat: &Catalog,
    ids: &Ids,
    mc_by_skill: &HashMap<i64, Vec<usize>>,
    rng: &mut ChaCha8Rng,
    subject: String,
) -> GeneratedLearner {
    let occ = &cat.occupations[rng.random_range(0..cat.occupations.len())].row;
    let reqs: Vec<_> = cat
        .occupation_requirements
        .iter()
        .filter(|r| r.row.occupation == occ.slug)
        .collect();
    let progress: f64 = rng.random_range(0.15..1.0);
    let first = cat.first_names.choose(rng).cloned().unwrap_or_default();
    let last = cat.last_names.choose(rng).cloned().unwrap_or_default();
    let location = cat.locations.choose(rng).cloned();
    let visibility = match rng.random_range(0..10) {
        0..=2 => Visibility::Private,
        3..=7 => Visibility::Recruiters,
        _ => Visibility::Public,
    };
    let remote_preference = *RemotePreference::ALL
        .choose(rng)
        .unwrap_or(&RemotePreference::Any);
    let mut held: Vec<(i64, i32, String)> = vec![];
    for r in &reqs {
        if rng.random_bool(progress) {
            let level = (r.row.min_level + rng.random_range(-2..=1)).clamp(1, 5);
            if let Some(&id) = ids.skills.get(&r.row.skill) {
                held.push((id, level, r.row.skill.clone()));
            }
        }
    }
    let mut credentials = vec![];
    let mut asserted = vec![];
    let mut covered = std::collections::HashSet::new();
    let epoch = demo_epoch();
    for (skill, level, _) in &held {
        if covered.contains(skill) {
            continue;
        }
        let roll = rng.random_range(0..100);
        let issued_at = epoch - Duration::days(rng.random_range(30..1500));
        let expired = rng.random_range(0..100) < 12;
        let expires_at = expired.then(|| {
            issued_at
                + Duration::days(
                    rng.random_range(180..700)
                        .min((epoch - issued_at).num_days().max(2) - 1),
                )
        });
        match (roll, mc_by_skill.get(skill)) {
            (0..=44, Some(mcs)) if !mcs.is_empty() => {
                let m = &cat.microcredentials[mcs[rng.random_range(0..mcs.len())]].row;
                let skills: Vec<(i64, i32)> = parse_skill_levels(Some(&m.skills))
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|(s, l)| ids.skills.get(&s).map(|&id| (id, l)))
                    .collect();
                for (s, _) in &skills {
                    covered.insert(*s);
                }
                let provider = cat
                    .organizations
                    .iter()
                    .find(|o| o.row.slug == m.provider)
                    .map(|o| o.row.name.clone())
                    .unwrap_or_default();
                credentials.push(repo::credentials::NewCredential {
                    title: m.title.clone(),
                    issuer: provider,
                    issued_at,
                    expires_at,
                    status: if rng.random_range(0..100) < 2 {
                        CredentialStatus::Revoked
                    } else {
                        CredentialStatus::Verified
                    },
                    source: CredentialSource::Issued,
                    microcredential_id: ids.microcredentials.get(&m.slug).copied(),
                    skills,
                });
            }
            (0..=69, _) => {
                covered.insert(*skill);
                let name = cat
                    .skills
                    .iter()
                    .find(|s| ids.skills.get(&s.row.slug) == Some(skill))
                    .map(|s| s.row.name.clone())
                    .unwrap_or_default();
                let issuer = [
                    "Open Skills Exchange",
                    "Previous employer",
                    "Community workshop",
                    "Online course",
                    "Professional association",
                ]
                .choose(rng)
                .copied()
                .unwrap_or("Online course");
                credentials.push(repo::credentials::NewCredential {
                    title: format!("{name} certificate"),
                    issuer: issuer.to_owned(),
                    issued_at,
                    expires_at,
                    status: CredentialStatus::Unverified,
                    source: CredentialSource::Learner,
                    microcredential_id: None,
                    skills: vec![(*skill, *level)],
                });
            }
            _ => {
                covered.insert(*skill);
                asserted.push((*skill, *level));
            }
        }
    }
    let top: Vec<&str> = held
        .iter()
        .take(3)
        .map(|(_, _, slug)| slug.as_str())
        .collect();
    let skill_names: Vec<String> = top
        .iter()
        .filter_map(|slug| {
            cat.skills
                .iter()
                .find(|s| s.row.slug == *slug)
                .map(|s| s.row.name.clone())
        })
        .collect();
    let headline = if progress < 0.5 {
        format!("Aspiring {}", occ.title)
    } else {
        format!("{} | {}", occ.title, skill_names.join(", "))
    };
    let bio = (!skill_names.is_empty()).then(|| {
        format!(
            "I work with {} and I am building towards a role as {}.",
            skill_names.join(", "),
            occ.title.to_lowercase()
        )
    });
    let mut aspirations = vec![ids.occupations.get(&occ.slug).copied().unwrap_or_default()];
    if rng.random_bool(0.3)
        && let Some(other) = cat.occupations.choose(rng)
        && let Some(&id) = ids.occupations.get(&other.row.slug)
    {
        aspirations.push(id);
    }
    GeneratedLearner {
        profile: repo::learners::Profile {
            display_name: format!("{first} {last}"),
            headline: Some(headline),
            bio,
            location,
            remote_preference,
            aspiration_ids: Some(aspirations),
        },
        visibility,
        credentials,
        asserted,
        contact_opt_in: subject_hash(&subject) % 10 < 4,
        subject,
    }
}

/// FNV-1a of a subject: a stable per-learner draw outside the random stream.
fn subject_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Skill id -> indices into `cat.microcredentials` of the courses teaching it.
pub fn microcredentials_by_skill(cat: &Catalog, ids: &Ids) -> HashMap<i64, Vec<usize>> {
    let mut map: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, m) in cat.microcredentials.iter().enumerate() {
        for (slug, _) in parse_skill_levels(Some(&m.row.skills)).unwrap_or_default() {
            if let Some(&id) = ids.skills.get(&slug) {
                map.entry(id).or_default().push(i);
            }
        }
    }
    map
}

/// Writes one generated learner (user, profile, visibility, credentials, skills) in one
/// transaction; skipped when the subject exists.
pub async fn write_learner(conn: &mut DbConn<'_>, g: &GeneratedLearner) -> DbResult<bool> {
    if repo::users::find_by_subject(conn, &g.subject)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    crate::transaction!(conn, |tx| {
        let user = repo::users::provision(tx, &g.subject, Role::Learner, None).await?;
        let learner = repo::learners::upsert_profile(tx, user.id, &g.profile).await?;
        if g.visibility != Visibility::Private {
            repo::learners::set_visibility(tx, learner.id, g.visibility).await?;
        }
        for c in &g.credentials {
            repo::credentials::add(tx, learner.id, c).await?;
        }
        for (skill, level) in &g.asserted {
            repo::learners::assert_skill(tx, learner.id, *skill, *level).await?;
        }
        if g.contact_opt_in {
            repo::learners::set_contact_opt_in(tx, learner.id, true).await?;
        }
        Ok(())
    })?;
    Ok(true)
}

/// Loads everything: catalogue, jobs, demo subjects and [`DEMO_LEARNERS`] generated
/// learners. Idempotent.
pub async fn load_demo(conn: &mut DbConn<'_>, cat: &Catalog) -> DbResult<SeedReport> {
    let mut report = SeedReport::default();
    let ids = load_catalogue(conn, cat, &mut report).await?;
    load_jobs(conn, cat, &ids, &mut report).await?;
    load_demo_users(conn, cat, &ids, &mut report).await?;
    let mc_by_skill = microcredentials_by_skill(cat, &ids);
    let mut rng = ChaCha8Rng::seed_from_u64(DEMO_SEED);
    for i in 0..DEMO_LEARNERS {
        let g = generate_learner(
            cat,
            &ids,
            &mc_by_skill,
            &mut rng,
            format!("demo-learner-{:04}", i + 1),
        );
        if write_learner(conn, &g).await? {
            report.users += 1;
            report.learners += 1;
        }
    }
    Ok(report)
}
