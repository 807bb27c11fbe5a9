//! Synthetic data shared by the `engine` and `segments` benches (deterministic from the
//! caller's seeds): a skill taxonomy of 3 areas > families > leaf skills, 20 occupations
//! with 12 core skills from 3 families and 30 secondary ones, an occupation popularity
//! skew, and learners' skills and evidence. The benches differ only in the shape of the
//! taxonomy ([`Shape`]); for a given shape and seed the draws are the same as when each
//! bench had its own copy, so published numbers stay comparable.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use search_index::{Evidence, EvidenceKind, SkillDef, Taxonomy};

pub const AREAS: i64 = 3;
pub const OCCUPATIONS: usize = 20;
pub const CORE: usize = 12;
pub const SECONDARY: usize = 30;

/// Size of the synthetic taxonomy: `families` under the areas, `leaves_per_family` leaf
/// skills under each (leaf ids start at 1000, family ids at 100, area ids at 1).
#[derive(Clone, Copy)]
pub struct Shape {
    pub families: i64,
    pub leaves_per_family: i64,
}

pub struct Occupation {
    pub core: Vec<i64>,
    pub secondary: Vec<i64>,
}

impl Shape {
    pub fn leaf_count(self) -> i64 {
        self.families * self.leaves_per_family
    }

    pub fn taxonomy(self) -> Taxonomy {
        let def = |id: i64, parent: Option<i64>| SkillDef {
            id,
            slug: format!("skill-{id}"),
            name: format!("Skill {id}"),
            category: "bench".into(),
            parent,
            aliases: vec![],
            ambiguous: false,
        };
        let mut defs: Vec<SkillDef> = (0..AREAS).map(|a| def(a + 1, None)).collect();
        defs.extend((0..self.families).map(|f| def(100 + f, Some(f % AREAS + 1))));
        for f in 0..self.families {
            for l in 0..self.leaves_per_family {
                defs.push(def(1000 + f * self.leaves_per_family + l, Some(100 + f)));
            }
        }
        Taxonomy::new(defs).expect("valid synthetic taxonomy")
    }

    pub fn occupations(self, rng: &mut ChaCha8Rng) -> Vec<Occupation> {
        (0..OCCUPATIONS)
            .map(|o| {
                // core skills from 3 families of this occupation, secondary anywhere
                let fams: Vec<i64> = (0..3)
                    .map(|i| ((o * 3 + i) as i64 * 7) % self.families)
                    .collect();
                let mut core = Vec::new();
                while core.len() < CORE {
                    let f = fams[rng.random_range(0..fams.len())];
                    let s = 1000
                        + f * self.leaves_per_family
                        + rng.random_range(0..self.leaves_per_family);
                    if !core.contains(&s) {
                        core.push(s);
                    }
                }
                let mut secondary = Vec::new();
                while secondary.len() < SECONDARY {
                    let s = 1000 + rng.random_range(0..self.leaf_count());
                    if !core.contains(&s) && !secondary.contains(&s) {
                        secondary.push(s);
                    }
                }
                Occupation { core, secondary }
            })
            .collect()
    }

    /// A learner's occupation (an index into `occ`, drawn from `occ_cum`) and evidence:
    /// 8-15 skills (~80% of the occupation's core ones, then a global popularity skew,
    /// the occupation's secondary skills and uniform picks), with skewed levels and kinds.
    /// The callers draw their own remaining fields from `rng` after this.
    pub fn learner_evidence(
        self,
        occ: &[Occupation],
        occ_cum: &[f64],
        rng: &mut ChaCha8Rng,
    ) -> (usize, Vec<Evidence>) {
        let x = rng.random::<f64>();
        let o = occ_cum
            .iter()
            .position(|&c| x <= c)
            .unwrap_or(OCCUPATIONS - 1);
        let occupation = &occ[o];
        let n = rng.random_range(8..=15);
        let mut skills: Vec<i64> = Vec::with_capacity(n);
        for &s in &occupation.core {
            if skills.len() < n && rng.random::<f64>() < 0.8 {
                skills.push(s);
            }
        }
        let mut guard = 0;
        while skills.len() < n && guard < 100 {
            guard += 1;
            let s = match rng.random_range(0..3) {
                0 => 1000 + (zipf(rng, 40) as i64 * 13) % self.leaf_count(), // global skew
                1 => occupation.secondary[rng.random_range(0..SECONDARY)],
                _ => 1000 + rng.random_range(0..self.leaf_count()),
            };
            if !skills.contains(&s) {
                skills.push(s);
            }
        }
        let evidence = skills
            .iter()
            .map(|&skill| {
                let k = kind(rng);
                Evidence {
                    skill,
                    level: (rng.random_range(1..=5u8) + rng.random_range(1..=5u8)).div_ceil(2),
                    kind: k,
                    expired: rng.random::<f64>() < 0.05,
                    credential_id: (k != EvidenceKind::SelfAsserted)
                        .then(|| rng.random_range(1..10_000_000)),
                }
            })
            .collect();
        (o, evidence)
    }
}

/// Cumulative distribution of learners over the occupations: occupation i with weight
/// 1/(i+2).
pub fn occupation_cdf() -> Vec<f64> {
    let weights: Vec<f64> = (0..OCCUPATIONS).map(|i| 1.0 / (i as f64 + 2.0)).collect();
    let sum: f64 = weights.iter().sum();
    weights
        .iter()
        .scan(0.0, |acc, w| {
            *acc += w / sum;
            Some(*acc)
        })
        .collect()
}

/// Zipf-like pick over `n` items: item i with weight 1/(i+1).
pub fn zipf(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let h: f64 = (1..=n).map(|i| 1.0 / i as f64).sum();
    let mut x = rng.random::<f64>() * h;
    for i in 0..n {
        x -= 1.0 / (i + 1) as f64;
        if x <= 0.0 {
            return i;
        }
    }
    n - 1
}

fn kind(rng: &mut ChaCha8Rng) -> EvidenceKind {
    match rng.random_range(0..10) {
        0..4 => EvidenceKind::VerifiedCredential,
        4..7 => EvidenceKind::UnverifiedCredential,
        _ => EvidenceKind::SelfAsserted,
    }
}
