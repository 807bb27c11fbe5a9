//! The curated seed files (seeds/*.csv, seeds/*.txt, seeds/demo_learner.json): parsing
//! and validation. Every error names the file and the line.
//!
//! The files are embedded in the binary at build time, so `talent serve` needs no
//! checkout at run time; `--seeds-dir` reads them from disk instead.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;

/// A seed file that is missing, malformed or inconsistent.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct SeedError {
    /// The file, relative to the seeds directory.
    pub file: String,
    /// 1-based line (0 when the file as a whole is wrong).
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

fn err(file: &str, line: u64, message: impl Into<String>) -> SeedError {
    SeedError {
        file: file.to_owned(),
        line,
        message: message.into(),
    }
}

/// The raw text of every seed file.
#[derive(Debug, Clone)]
pub struct SeedSources {
    files: HashMap<&'static str, String>,
}

/// File names, as found in the seeds directory.
pub const FILES: [&str; 11] = [
    "skills.csv",
    "occupations.csv",
    "occupation_requirements.csv",
    "organizations.csv",
    "microcredentials.csv",
    "job_postings.csv",
    "first_names.txt",
    "last_names.txt",
    "locations.txt",
    "demo_learner.json",
    "demo_users.csv",
];

macro_rules! embedded {
    ($($name:literal),*) => {
        &[$(($name, include_str!(concat!("../../../seeds/", $name)))),*]
    };
}

const EMBEDDED: &[(&str, &str)] = embedded!(
    "skills.csv",
    "occupations.csv",
    "occupation_requirements.csv",
    "organizations.csv",
    "microcredentials.csv",
    "job_postings.csv",
    "first_names.txt",
    "last_names.txt",
    "locations.txt",
    "demo_learner.json",
    "demo_users.csv"
);

impl SeedSources {
    /// The files compiled into this binary.
    pub fn embedded() -> Self {
        SeedSources {
            files: EMBEDDED
                .iter()
                .map(|(n, t)| (*n, (*t).to_owned()))
                .collect(),
        }
    }

    /// The files of a directory.
    pub fn from_dir(dir: &Path) -> Result<Self, SeedError> {
        let mut files = HashMap::new();
        for name in FILES {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| err(&path.display().to_string(), 0, format!("cannot read: {e}")))?;
            files.insert(name, text);
        }
        Ok(SeedSources { files })
    }

    /// Replaces one file's text (tests of malformed input).
    pub fn with_file(mut self, name: &'static str, text: impl Into<String>) -> Self {
        self.files.insert(name, text.into());
        self
    }

    fn text(&self, name: &'static str) -> Result<&str, SeedError> {
        self.files
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| err(name, 0, "missing"))
    }
}

/// A row with the line it came from.
#[derive(Debug, Clone)]
pub struct Lined<T> {
    /// 1-based line of the record in its file.
    pub line: u64,
    /// The record.
    pub row: T,
}

fn parse_csv<T: for<'de> Deserialize<'de>>(
    src: &SeedSources,
    name: &'static str,
) -> Result<Vec<Lined<T>>, SeedError> {
    let text = src.text(name)?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| err(name, 1, e.to_string()))?
        .clone();
    let mut out = vec![];
    for record in reader.records() {
        let record = record.map_err(|e| {
            err(
                name,
                e.position().map(|p| p.line()).unwrap_or(0),
                e.to_string(),
            )
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let row: T = record
            .deserialize(Some(&headers))
            .map_err(|e| err(name, line, e.to_string()))?;
        out.push(Lined { line, row });
    }
    Ok(out)
}

fn none_if_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

/// skills.csv
#[derive(Debug, Clone, Deserialize)]
pub struct SkillRow {
    /// Unique slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Category.
    pub category: String,
    /// Parent slug (empty for a root).
    pub parent: Option<String>,
    /// `|`-separated aliases.
    #[serde(default)]
    pub aliases: Option<String>,
    /// Ambiguous in prose.
    pub ambiguous: bool,
}

impl SkillRow {
    /// The aliases as a list.
    pub fn alias_list(&self) -> Vec<String> {
        split_list(self.aliases.as_deref())
    }
}

/// occupations.csv
#[derive(Debug, Clone, Deserialize)]
pub struct OccupationRow {
    /// Unique slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
}

/// occupation_requirements.csv
#[derive(Debug, Clone, Deserialize)]
pub struct OccupationRequirementRow {
    /// Occupation slug.
    pub occupation: String,
    /// Skill slug.
    pub skill: String,
    /// 1..5.
    pub min_level: i32,
    /// (0, 100].
    pub weight: f64,
    /// Must-have.
    pub required: bool,
}

/// organizations.csv
#[derive(Debug, Clone, Deserialize)]
pub struct OrganizationRow {
    /// Unique slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// EMPLOYER or INSTITUTION.
    pub kind: String,
    /// Location.
    pub location: Option<String>,
    /// `|`-separated occupation slugs an employer hires for.
    pub hires: Option<String>,
}

/// microcredentials.csv
#[derive(Debug, Clone, Deserialize)]
pub struct MicrocredentialRow {
    /// Unique slug.
    pub slug: String,
    /// Institution slug.
    pub provider: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Hours > 0.
    pub hours: f64,
    /// Cost >= 0.
    pub cost_cents: i64,
    /// ISO 4217.
    pub currency: String,
    /// `skill:level|...`
    pub skills: String,
    /// `skill:level|...` or empty.
    pub prerequisites: Option<String>,
}

/// job_postings.csv
#[derive(Debug, Clone, Deserialize)]
pub struct JobPostingRow {
    /// Employer slug.
    pub employer: String,
    /// Occupation slug (the requirements derive from it).
    pub occupation: String,
    /// Title.
    pub title: String,
    /// junior, mid, senior or lead.
    pub seniority: String,
    /// Location.
    pub location: Option<String>,
    /// Remote allowed.
    pub remote: bool,
    /// Description.
    pub description: String,
}

/// demo_users.csv
#[derive(Debug, Clone, Deserialize)]
pub struct DemoUserRow {
    /// Token subject.
    pub subject: String,
    /// learner, recruiter, institution or admin.
    pub role: String,
    /// Organization slug.
    pub organization: Option<String>,
    /// Display name.
    pub display_name: String,
}

/// demo_learner.json
#[derive(Debug, Clone, Deserialize)]
pub struct DemoLearner {
    /// Token subject.
    pub subject: String,
    /// Display name.
    pub display_name: String,
    /// Headline.
    pub headline: Option<String>,
    /// Bio.
    pub bio: Option<String>,
    /// Location.
    pub location: Option<String>,
    /// REMOTE, HYBRID, ONSITE or ANY.
    pub remote_preference: String,
    /// PRIVATE, RECRUITERS or PUBLIC.
    pub visibility: String,
    /// Occupation slugs.
    pub aspirations: Vec<String>,
    /// Credentials held.
    pub credentials: Vec<DemoCredential>,
    /// Self-asserted skills.
    pub self_asserted: Vec<DemoSkillLevel>,
}

/// A credential of the demo learner.
#[derive(Debug, Clone, Deserialize)]
pub struct DemoCredential {
    /// Title.
    pub title: String,
    /// Issuer.
    pub issuer: String,
    /// Microcredential slug.
    pub microcredential: Option<String>,
    /// VERIFIED, UNVERIFIED or EXPIRED.
    pub status: String,
    /// RFC 3339.
    pub issued_at: chrono::DateTime<chrono::Utc>,
    /// RFC 3339.
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Skills evidenced.
    pub skills: Vec<DemoSkillLevel>,
}

/// A (skill, level) pair in demo_learner.json.
#[derive(Debug, Clone, Deserialize)]
pub struct DemoSkillLevel {
    /// Skill slug.
    pub skill: String,
    /// 1..5.
    pub level: i32,
}

/// Splits a `|`-separated list, trimming and dropping empty items.
pub fn split_list(s: Option<&str>) -> Vec<String> {
    s.unwrap_or("")
        .split('|')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Parses `slug:level|slug:level`.
pub fn parse_skill_levels(s: Option<&str>) -> Result<Vec<(String, i32)>, String> {
    split_list(s)
        .into_iter()
        .map(|item| {
            let (slug, level) = item
                .rsplit_once(':')
                .ok_or_else(|| format!("{item:?} is not skill:level"))?;
            let level: i32 = level
                .trim()
                .parse()
                .map_err(|_| format!("{item:?}: level is not a number"))?;
            if !(1..=5).contains(&level) {
                return Err(format!("{item:?}: level outside 1..5"));
            }
            Ok((slug.trim().to_owned(), level))
        })
        .collect()
}

/// Every seed file, parsed and cross-checked.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// skills.csv, parents before children.
    pub skills: Vec<Lined<SkillRow>>,
    /// occupations.csv
    pub occupations: Vec<Lined<OccupationRow>>,
    /// occupation_requirements.csv
    pub occupation_requirements: Vec<Lined<OccupationRequirementRow>>,
    /// organizations.csv
    pub organizations: Vec<Lined<OrganizationRow>>,
    /// microcredentials.csv
    pub microcredentials: Vec<Lined<MicrocredentialRow>>,
    /// job_postings.csv
    pub job_postings: Vec<Lined<JobPostingRow>>,
    /// first_names.txt
    pub first_names: Vec<String>,
    /// last_names.txt
    pub last_names: Vec<String>,
    /// locations.txt
    pub locations: Vec<String>,
    /// demo_learner.json
    pub demo_learner: DemoLearner,
    /// demo_users.csv
    pub demo_users: Vec<Lined<DemoUserRow>>,
}

fn lines(src: &SeedSources, name: &'static str) -> Result<Vec<String>, SeedError> {
    let v: Vec<String> = src
        .text(name)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    if v.is_empty() {
        return Err(err(name, 0, "no entries"));
    }
    Ok(v)
}

impl Catalog {
    /// Parses and validates every file.
    pub fn load(src: &SeedSources) -> Result<Catalog, SeedError> {
        let mut skills: Vec<Lined<SkillRow>> = parse_csv(src, "skills.csv")?;
        for s in &mut skills {
            s.row.parent = none_if_empty(s.row.parent.take());
        }
        let mut organizations: Vec<Lined<OrganizationRow>> = parse_csv(src, "organizations.csv")?;
        for o in &mut organizations {
            o.row.location = none_if_empty(o.row.location.take());
        }
        let mut job_postings: Vec<Lined<JobPostingRow>> = parse_csv(src, "job_postings.csv")?;
        for j in &mut job_postings {
            j.row.location = none_if_empty(j.row.location.take());
        }
        let mut demo_users: Vec<Lined<DemoUserRow>> = parse_csv(src, "demo_users.csv")?;
        for u in &mut demo_users {
            u.row.organization = none_if_empty(u.row.organization.take());
        }
        let demo_learner: DemoLearner = serde_json::from_str(src.text("demo_learner.json")?)
            .map_err(|e| err("demo_learner.json", e.line() as u64, e.to_string()))?;
        let catalog = Catalog {
            skills,
            occupations: parse_csv(src, "occupations.csv")?,
            occupation_requirements: parse_csv(src, "occupation_requirements.csv")?,
            organizations,
            microcredentials: parse_csv(src, "microcredentials.csv")?,
            job_postings,
            first_names: lines(src, "first_names.txt")?,
            last_names: lines(src, "last_names.txt")?,
            locations: lines(src, "locations.txt")?,
            demo_learner,
            demo_users,
        };
        catalog.validate()?;
        Ok(catalog)
    }

    fn validate(&self) -> Result<(), SeedError> {
        let mut skill_slugs = HashSet::new();
        for s in &self.skills {
            let f = "skills.csv";
            if !skill_slugs.insert(s.row.slug.as_str()) {
                return Err(err(f, s.line, format!("duplicate slug {:?}", s.row.slug)));
            }
            if let Some(p) = &s.row.parent
                && !skill_slugs.contains(p.as_str())
            {
                return Err(err(
                    f,
                    s.line,
                    format!("parent {p:?} is unknown or listed after its child"),
                ));
            }
        }
        let occupations: HashSet<&str> = self
            .occupations
            .iter()
            .map(|o| o.row.slug.as_str())
            .collect();
        for r in &self.occupation_requirements {
            let f = "occupation_requirements.csv";
            if !occupations.contains(r.row.occupation.as_str()) {
                return Err(err(
                    f,
                    r.line,
                    format!("unknown occupation {:?}", r.row.occupation),
                ));
            }
            if !skill_slugs.contains(r.row.skill.as_str()) {
                return Err(err(f, r.line, format!("unknown skill {:?}", r.row.skill)));
            }
            if !(1..=5).contains(&r.row.min_level) {
                return Err(err(f, r.line, "min_level outside 1..5"));
            }
            if !(r.row.weight > 0.0 && r.row.weight <= 100.0) {
                return Err(err(f, r.line, "weight outside (0, 100]"));
            }
        }
        let mut orgs: HashMap<&str, &OrganizationRow> = HashMap::new();
        for o in &self.organizations {
            let f = "organizations.csv";
            if o.row.kind != "EMPLOYER" && o.row.kind != "INSTITUTION" {
                return Err(err(
                    f,
                    o.line,
                    format!("kind {:?} is not EMPLOYER or INSTITUTION", o.row.kind),
                ));
            }
            for h in split_list(o.row.hires.as_deref()) {
                if !occupations.contains(h.as_str()) {
                    return Err(err(f, o.line, format!("hires unknown occupation {h:?}")));
                }
            }
            if orgs.insert(o.row.slug.as_str(), &o.row).is_some() {
                return Err(err(f, o.line, format!("duplicate slug {:?}", o.row.slug)));
            }
        }
        let check_levels =
            |f: &str, line: u64, s: Option<&str>| -> Result<Vec<(String, i32)>, SeedError> {
                let v = parse_skill_levels(s).map_err(|m| err(f, line, m))?;
                for (slug, _) in &v {
                    if !skill_slugs.contains(slug.as_str()) {
                        return Err(err(f, line, format!("unknown skill {slug:?}")));
                    }
                }
                Ok(v)
            };
        let mut mc_slugs = HashSet::new();
        for m in &self.microcredentials {
            let f = "microcredentials.csv";
            if !mc_slugs.insert(m.row.slug.as_str()) {
                return Err(err(f, m.line, format!("duplicate slug {:?}", m.row.slug)));
            }
            match orgs.get(m.row.provider.as_str()) {
                Some(o) if o.kind == "INSTITUTION" => {}
                _ => {
                    return Err(err(
                        f,
                        m.line,
                        format!("provider {:?} is not an institution", m.row.provider),
                    ));
                }
            }
            if !(m.row.hours > 0.0) || m.row.cost_cents < 0 {
                return Err(err(f, m.line, "hours must be > 0 and cost_cents >= 0"));
            }
            if check_levels(f, m.line, Some(&m.row.skills))?.is_empty() {
                return Err(err(f, m.line, "teaches no skill"));
            }
            check_levels(f, m.line, m.row.prerequisites.as_deref())?;
        }
        for j in &self.job_postings {
            let f = "job_postings.csv";
            match orgs.get(j.row.employer.as_str()) {
                Some(o) if o.kind == "EMPLOYER" => {}
                _ => {
                    return Err(err(
                        f,
                        j.line,
                        format!("employer {:?} is not an employer", j.row.employer),
                    ));
                }
            }
            if !occupations.contains(j.row.occupation.as_str()) {
                return Err(err(
                    f,
                    j.line,
                    format!("unknown occupation {:?}", j.row.occupation),
                ));
            }
            if !matches!(
                j.row.seniority.as_str(),
                "junior" | "mid" | "senior" | "lead"
            ) {
                return Err(err(
                    f,
                    j.line,
                    format!(
                        "seniority {:?} is not junior, mid, senior or lead",
                        j.row.seniority
                    ),
                ));
            }
        }
        for u in &self.demo_users {
            let f = "demo_users.csv";
            if !matches!(
                u.row.role.as_str(),
                "learner" | "recruiter" | "institution" | "admin"
            ) {
                return Err(err(f, u.line, format!("role {:?}", u.row.role)));
            }
            if let Some(o) = &u.row.organization
                && !orgs.contains_key(o.as_str())
            {
                return Err(err(f, u.line, format!("unknown organization {o:?}")));
            }
        }
        let d = &self.demo_learner;
        let f = "demo_learner.json";
        for a in &d.aspirations {
            if !occupations.contains(a.as_str()) {
                return Err(err(f, 0, format!("unknown occupation {a:?}")));
            }
        }
        for s in d
            .self_asserted
            .iter()
            .chain(d.credentials.iter().flat_map(|c| c.skills.iter()))
        {
            if !skill_slugs.contains(s.skill.as_str()) || !(1..=5).contains(&s.level) {
                return Err(err(
                    f,
                    0,
                    format!("bad skill {:?} at level {}", s.skill, s.level),
                ));
            }
        }
        for c in &d.credentials {
            if let Some(m) = &c.microcredential
                && !mc_slugs.contains(m.as_str())
            {
                return Err(err(f, 0, format!("unknown microcredential {m:?}")));
            }
        }
        Ok(())
    }
}
