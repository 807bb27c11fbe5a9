//! Institutions' insights on both backends: supply and demand and teaching
//! opportunities equal a brute-force count over the raw rows; segments honour the
//! minimum cohort in every scope, count only consenting learners in reach, and are
//! deterministic.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use search_index::Taxonomy;
use talent_api::db::schema::{
    credential_skills, credentials, job_requirements, jobs, learner_aspirations, learner_skills,
    learners, microcredential_skills, microcredentials, occupation_requirements,
};
use talent_api::db::{Db, DbConn};
use talent_api::insights::supply::{SkillSupplyDemand, SupplyDemandFilter, teaches};
use talent_api::insights::{self, InsightsOptions, InsightsService, Lookup};
use talent_api::seed::{Catalog, SeedSources, load_demo};
use talent_api::testing::TestDb;
use talent_api::with_conn;

/// Every row the figures depend on, read with plain queries (nothing shared with the
/// code under test but the schema).
struct Raw {
    learners: Vec<(i64, Option<String>)>,
    credentials: Vec<(i64, i64, String, Option<NaiveDateTime>, Option<i64>)>,
    credential_skills: Vec<(i64, i64, i32)>,
    learner_skills: Vec<(i64, i64, i32)>,
    jobs: Vec<(i64, String, NaiveDateTime, Option<String>, bool)>,
    job_requirements: Vec<(i64, i64, i32, f64, bool)>,
    aspirations: Vec<(i64, i64)>,
    occupation_requirements: Vec<(i64, i64, i32)>,
    course_skills: Vec<(i64, i64, bool, i64)>,
}

async fn raw(conn: &mut DbConn<'_>) -> Raw {
    Raw {
        learners: with_conn!(conn, |c| learners::table
            .select((learners::id, learners::location))
            .load(c)
            .await)
        .expect("learners"),
        credentials: with_conn!(conn, |c| credentials::table
            .select((
                credentials::id,
                credentials::learner_id,
                credentials::status,
                credentials::expires_at,
                credentials::microcredential_id
            ))
            .load(c)
            .await)
        .expect("credentials"),
        credential_skills: with_conn!(conn, |c| credential_skills::table
            .select((
                credential_skills::credential_id,
                credential_skills::skill_id,
                credential_skills::level
            ))
            .load(c)
            .await)
        .expect("credential skills"),
        learner_skills: with_conn!(conn, |c| learner_skills::table
            .select((
                learner_skills::learner_id,
                learner_skills::skill_id,
                learner_skills::level
            ))
            .load(c)
            .await)
        .expect("learner skills"),
        jobs: with_conn!(conn, |c| jobs::table
            .select((
                jobs::id,
                jobs::status,
                jobs::posted_at,
                jobs::location,
                jobs::remote
            ))
            .load(c)
            .await)
        .expect("jobs"),
        job_requirements: with_conn!(conn, |c| job_requirements::table
            .select((
                job_requirements::job_id,
                job_requirements::skill_id,
                job_requirements::min_level,
                job_requirements::weight,
                job_requirements::required
            ))
            .load(c)
            .await)
        .expect("job requirements"),
        aspirations: with_conn!(conn, |c| learner_aspirations::table
            .select((
                learner_aspirations::learner_id,
                learner_aspirations::occupation_id
            ))
            .load(c)
            .await)
        .expect("aspirations"),
        occupation_requirements: with_conn!(conn, |c| occupation_requirements::table
            .select((
                occupation_requirements::occupation_id,
                occupation_requirements::skill_id,
                occupation_requirements::min_level
            ))
            .load(c)
            .await)
        .expect("occupation requirements"),
        course_skills: with_conn!(conn, |c| microcredential_skills::table
            .inner_join(microcredentials::table)
            .select((
                microcredentials::id,
                microcredential_skills::skill_id,
                microcredentials::active,
                microcredentials::provider_id
            ))
            .load(c)
            .await)
        .expect("course skills"),
    }
}

fn fold(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
}

/// learner -> skill -> (max level, best kind code: 0 verified, 1 unverified, 2 self),
/// current evidence only.
fn held(raw: &Raw, now: NaiveDateTime) -> BTreeMap<i64, BTreeMap<i64, (i32, usize)>> {
    let mut out: BTreeMap<i64, BTreeMap<i64, (i32, usize)>> = BTreeMap::new();
    let mut put = |l: i64, s: i64, level: i32, kind: usize| {
        let e = out.entry(l).or_default().entry(s).or_insert((level, kind));
        e.0 = e.0.max(level);
        e.1 = e.1.min(kind);
    };
    let creds: HashMap<i64, &(i64, i64, String, Option<NaiveDateTime>, Option<i64>)> =
        raw.credentials.iter().map(|c| (c.0, c)).collect();
    for &(cid, skill, level) in &raw.credential_skills {
        let (_, learner, status, expires, _) = creds[&cid];
        let kind = match status.as_str() {
            "VERIFIED" => 0,
            "UNVERIFIED" => 1,
            _ => continue,
        };
        if expires.is_some_and(|e| e <= now) {
            continue;
        }
        put(*learner, skill, level, kind);
    }
    for &(learner, skill, level) in &raw.learner_skills {
        put(learner, skill, level, 2);
    }
    out
}

fn brute_supply_demand(
    raw: &Raw,
    tax: &Taxonomy,
    f: &SupplyDemandFilter,
    now: NaiveDateTime,
) -> BTreeMap<i64, SkillSupplyDemand> {
    let loc = fold(&f.location);
    let period = f.period_days.map(|d| chrono::Duration::days(i64::from(d)));
    let selected = |s: i64| {
        f.skills.as_ref().is_none_or(|v| v.contains(&s))
            && f.category
                .as_ref()
                .is_none_or(|c| tax.get(s).expect("skill").category == *c)
    };
    let mut out: BTreeMap<i64, SkillSupplyDemand> = BTreeMap::new();
    let blank = |s: i64| SkillSupplyDemand {
        skill: s,
        posted_jobs: period.map(|_| 0),
        previous_posted_jobs: period.map(|_| 0),
        ..SkillSupplyDemand::default()
    };
    macro_rules! get {
        ($s:expr) => {
            out.entry($s).or_insert_with(|| blank($s))
        };
    }
    for (id, status, posted, location, remote) in &raw.jobs {
        if loc.is_some() && fold(location) != loc {
            continue;
        }
        if f.remote.is_some_and(|r| r != *remote) {
            continue;
        }
        let reqs: Vec<_> = raw.job_requirements.iter().filter(|r| r.0 == *id).collect();
        let total: f64 = reqs.iter().map(|r| r.3).sum();
        let current = period.is_none_or(|p| *posted > now - p && *posted <= now);
        let previous = period.is_some_and(|p| *posted > now - p - p && *posted <= now - p);
        for r in reqs {
            if !selected(r.1) {
                continue;
            }
            if status == "OPEN" && current {
                let e = get!(r.1);
                e.demand_jobs += 1;
                e.must_have_jobs += u64::from(r.4);
                e.demand_weight += r.3 / total;
                e.demand_by_level[(r.2 - 1) as usize] += 1;
            }
            if period.is_some() && current {
                *get!(r.1).posted_jobs.as_mut().expect("period") += 1;
            }
            if previous {
                *get!(r.1).previous_posted_jobs.as_mut().expect("period") += 1;
            }
        }
    }
    let held = held(raw, now);
    for (id, location) in &raw.learners {
        if loc.is_some() && fold(location) != loc {
            continue;
        }
        for (&s, &(level, kind)) in held.get(id).into_iter().flatten() {
            if !selected(s) {
                continue;
            }
            let e = get!(s);
            e.supply_learners += 1;
            e.supply_by_level[(level - 1) as usize] += 1;
            e.supply_by_evidence[kind] += 1;
        }
    }
    out.retain(|_, e| e.demand_jobs > 0 || e.supply_learners > 0);
    out
}

fn assert_same(got: &[SkillSupplyDemand], want: &BTreeMap<i64, SkillSupplyDemand>, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: number of skills");
    for g in got {
        let w = want
            .get(&g.skill)
            .unwrap_or_else(|| panic!("{what}: extra skill {}", g.skill));
        assert!(
            (g.demand_weight - w.demand_weight).abs() < 1e-9,
            "{what}: skill {} demand weight {} != {}",
            g.skill,
            g.demand_weight,
            w.demand_weight
        );
        let mut g2 = g.clone();
        g2.demand_weight = w.demand_weight;
        assert_eq!(&g2, w, "{what}: skill {}", g.skill);
    }
    for pair in got.windows(2) {
        assert!(
            pair[0].demand_weight >= pair[1].demand_weight,
            "{what}: not ordered by weighted demand"
        );
    }
}

async fn demo_db(t: &TestDb) -> (Db, Arc<Taxonomy>) {
    let cat = Catalog::load(&SeedSources::embedded()).expect("seeds");
    let mut p = t.db.conn().await.expect("conn");
    load_demo(&mut p.conn(), &cat).await.expect("demo");
    let tax = talent_api::indexer::taxonomy::load(&mut p.conn())
        .await
        .expect("taxonomy");
    // Move the demo postings (two months up to the demo epoch) to end a day ago, so the
    // period filters and trends select the same jobs whatever the date.
    let c = &mut p.conn();
    let posted: Vec<(i64, NaiveDateTime)> = with_conn!(c, |c| jobs::table
        .select((jobs::id, jobs::posted_at))
        .load(c)
        .await)
    .expect("jobs");
    let newest = posted.iter().map(|j| j.1).max().expect("demo jobs");
    let shift = talent_api::repo::now() - chrono::Duration::days(1) - newest;
    for (id, at) in posted {
        with_conn!(c, |c| diesel::update(jobs::table.find(id))
            .set(jobs::posted_at.eq(at + shift))
            .execute(c)
            .await)
        .expect("shift");
    }
    (t.db.clone(), Arc::new(tax))
}

async fn supply_and_demand_equal_a_brute_force_count(db: &Db, tax: &Arc<Taxonomy>, backend: &str) {
    {
        let data = insights::load(db).await.expect("load");
        let raw = {
            let mut p = db.conn().await.expect("conn");
            raw(&mut p.conn()).await
        };
        let now = data.loaded_at;
        // The most common learner location, so the location filter selects something.
        let mut locs: BTreeMap<String, usize> = BTreeMap::new();
        for (_, l) in &raw.learners {
            if let Some(l) = fold(l) {
                *locs.entry(l).or_default() += 1;
            }
        }
        let common = locs.iter().max_by_key(|(_, n)| **n).map(|(l, _)| l.clone());
        let some_skills: Vec<i64> = raw.job_requirements.iter().take(5).map(|r| r.1).collect();
        let filters = [
            SupplyDemandFilter::default(),
            SupplyDemandFilter {
                location: common.clone().map(|l| format!("  {}  ", l.to_uppercase())),
                ..Default::default()
            },
            SupplyDemandFilter {
                remote: Some(true),
                ..Default::default()
            },
            SupplyDemandFilter {
                category: Some("data-ai".into()),
                ..Default::default()
            },
            SupplyDemandFilter {
                period_days: Some(30),
                ..Default::default()
            },
            SupplyDemandFilter {
                period_days: Some(90),
                remote: Some(false),
                ..Default::default()
            },
            SupplyDemandFilter {
                period_days: Some(365),
                location: common,
                category: Some("software".into()),
                ..Default::default()
            },
            SupplyDemandFilter {
                skills: Some(some_skills),
                ..Default::default()
            },
        ];
        let mut nonempty = 0;
        for f in &filters {
            let got = insights::supply_demand(&data, &tax, f);
            let want = brute_supply_demand(&raw, &tax, f, now);
            assert_same(&got, &want, &format!("{backend} {f:?}"));
            nonempty += usize::from(!got.is_empty());
        }
        assert_eq!(nonempty, filters.len(), "every filter selects something");
        // The demo data has demand with a trend and supply of every evidence kind.
        let all = insights::supply_demand(&data, &tax, &filters[4]);
        assert!(all.iter().any(|s| s.previous_posted_jobs.unwrap_or(0) > 0));
        assert!(all.iter().any(|s| s.trend().is_some()));
        let all = insights::supply_demand(&data, &tax, &SupplyDemandFilter::default());
        for k in 0..3 {
            assert!(all.iter().any(|s| s.supply_by_evidence[k] > 0), "kind {k}");
        }
    }
}

async fn teaching_opportunities_equal_a_brute_force_count(
    db: &Db,
    tax: &Arc<Taxonomy>,
    backend: &str,
) {
    {
        let data = insights::load(db).await.expect("load");
        let raw = {
            let mut p = db.conn().await.expect("conn");
            raw(&mut p.conn()).await
        };
        let held = held(&raw, data.loaded_at);
        let n = raw.learners.len() as f64;
        let providers: BTreeSet<i64> = raw.course_skills.iter().map(|c| c.3).collect();
        for &inst in providers.iter().take(3) {
            let taught: Vec<i64> = raw
                .course_skills
                .iter()
                .filter(|c| c.3 == inst && c.2)
                .map(|c| c.1)
                .collect();
            let mut want: Vec<(i64, f64, u64, u64, u64)> = Vec::new();
            let mut asp_of: HashMap<i64, Vec<i64>> = HashMap::new();
            for a in &raw.aspirations {
                asp_of.entry(a.0).or_default().push(a.1);
            }
            let mut occ_reqs: HashMap<i64, Vec<&(i64, i64, i32)>> = HashMap::new();
            for r in &raw.occupation_requirements {
                occ_reqs.entry(r.0).or_default().push(r);
            }
            let mut reqs_of: HashMap<i64, Vec<&(i64, i64, i32, f64, bool)>> = HashMap::new();
            for r in &raw.job_requirements {
                reqs_of.entry(r.0).or_default().push(r);
            }
            let skills: BTreeSet<i64> = raw.job_requirements.iter().map(|r| r.1).collect();
            for s in skills {
                if taught.iter().any(|&t| teaches(&tax, t, s)) {
                    continue;
                }
                let mut unmet = 0.0;
                let mut jobs_n = 0;
                for (id, status, ..) in &raw.jobs {
                    if status != "OPEN" {
                        continue;
                    }
                    let reqs = reqs_of.get(id).cloned().unwrap_or_default();
                    let total: f64 = reqs.iter().map(|r| r.3).sum();
                    for r in reqs.iter().filter(|r| r.1 == s) {
                        let meeting = held
                            .values()
                            .filter(|h| h.get(&s).is_some_and(|(l, _)| *l >= r.2))
                            .count() as f64;
                        unmet += r.3 / total * (1.0 - meeting / n);
                        jobs_n += 1;
                    }
                }
                if unmet <= 0.0 {
                    continue;
                }
                let supply = held.values().filter(|h| h.contains_key(&s)).count() as u64;
                let touched = raw
                    .learners
                    .iter()
                    .filter(|(l, _)| {
                        asp_of.get(l).into_iter().flatten().any(|o| {
                            occ_reqs.get(o).into_iter().flatten().any(|r| {
                                r.1 == s
                                    && held
                                        .get(l)
                                        .and_then(|h| h.get(&s))
                                        .is_none_or(|(lv, _)| *lv < r.2)
                            })
                        })
                    })
                    .count() as u64;
                want.push((s, unmet, jobs_n, supply, touched));
            }
            want.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            want.truncate(15);
            let got = insights::teaching_opportunities(&data, &tax, inst, 15);
            assert_eq!(got.len(), want.len(), "{backend} institution {inst}");
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.skill, w.0, "institution {inst}");
                assert!((g.unmet_demand - w.1).abs() < 1e-9);
                assert_eq!(
                    (g.demand_jobs, g.supply_learners, g.learners_touched),
                    (w.2, w.3, w.4),
                    "institution {inst} skill {}",
                    w.0
                );
                assert!(!taught.iter().any(|&t| teaches(&tax, t, g.skill)));
            }
            assert!(!got.is_empty(), "institution {inst} has opportunities");
        }
    }
}

async fn segments_keep_the_minimum_cohort_count_consent_only_and_are_deterministic(
    db: &Db,
    tax: &Arc<Taxonomy>,
    backend: &str,
) {
    {
        let opts = InsightsOptions {
            eager: false,
            min_cohort: 12,
            ..InsightsOptions::default()
        };
        let svc = InsightsService::start(db.clone(), Arc::clone(tax), opts.clone());
        assert!(matches!(svc.segments(None), Lookup::Pending));
        assert!(svc.wait_idle(Duration::from_secs(120)).await, "computed");
        let Lookup::Ready((computed, entry)) = svc.segments(None) else {
            panic!("default segmentation not ready");
        };
        let opted: BTreeSet<i64> = computed
            .data
            .learners
            .iter()
            .filter(|l| l.learner.contact_opt_in)
            .map(|l| l.learner.id)
            .collect();
        assert!(!opted.is_empty() && opted.len() < computed.data.learners.len());
        let mut scopes = vec![("all", Arc::clone(&entry.all))];
        scopes.extend(
            entry
                .by_institution
                .values()
                .map(|s| ("institution", Arc::clone(s))),
        );
        assert!(scopes.len() > 1, "some institution has learners");
        for (what, s) in &scopes {
            for seg in &s.segments {
                assert!(
                    seg.size >= 12,
                    "{backend} {what}: segment of {} shown",
                    seg.size
                );
                assert!(seg.reach <= seg.size);
            }
        }
        // Every scope shows its segments largest first, ties by key. Sizes are counted
        // within the scope, so some scope's order is not the clusters' key order.
        for (what, s) in &scopes {
            let order: Vec<(usize, u32)> = s.segments.iter().map(|g| (g.size, g.key)).collect();
            assert!(
                order
                    .windows(2)
                    .all(|w| w[0].0 > w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1)),
                "{backend} {what}: segments (size, key) {order:?}"
            );
        }
        assert!(
            scopes
                .iter()
                .any(|(_, s)| s.segments.windows(2).any(|w| w[0].key > w[1].key)),
            "{backend}: no scope reorders its clusters"
        );
        // Reach equals the consenting members, recomputed from the assignments.
        let total_reach: usize = entry.all.segments.iter().map(|s| s.reach).sum();
        let shown: usize = entry.all.segments.iter().map(|s| s.size).sum();
        assert!(total_reach <= opted.len());
        if shown == computed.data.learners.len() {
            assert_eq!(total_reach, opted.len());
        }
        // Same data, same seed: the same segments.
        let again = talent_api::insights::service::compute(&computed.data, tax, &opts, None)
            .expect("compute");
        assert_eq!(again.model.assignments, entry.model.assignments);
        assert_eq!(*again.all, *entry.all);
        svc.shutdown();
    }
}

/// One demo load per backend for all three (a demo load takes seconds).
#[tokio::test(flavor = "multi_thread")]
async fn insights_over_the_demo_data() {
    for t in TestDb::all().await {
        let (db, tax) = demo_db(&t).await;
        let backend = format!("{:?}", t.db.backend());
        let t0 = std::time::Instant::now();
        supply_and_demand_equal_a_brute_force_count(&db, &tax, &backend).await;
        let t1 = t0.elapsed();
        teaching_opportunities_equal_a_brute_force_count(&db, &tax, &backend).await;
        let t2 = t0.elapsed();
        segments_keep_the_minimum_cohort_count_consent_only_and_are_deterministic(
            &db, &tax, &backend,
        )
        .await;
        eprintln!(
            "{backend}: supply {t1:?}, teaching {t2:?}, segments {:?}",
            t0.elapsed()
        );
    }
}
