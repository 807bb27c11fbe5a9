//! A stored requirement as the engine takes it. The one conversion every reader of
//! requirements uses: the indexer and insights leave out a row it refuses (with a
//! warning), GraphQL answers INTERNAL for one.

use std::fmt;

use crate::repo::occupations::Requirement;

/// What a requirement belongs to (named in [`InvalidRequirement`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequirementOwner {
    /// A job, by id.
    Job(i64),
    /// An occupation, by id.
    Occupation(i64),
    /// The ad hoc requirements of one search.
    AdHoc,
}

impl fmt::Display for RequirementOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequirementOwner::Job(id) => write!(f, "job {id}"),
            RequirementOwner::Occupation(id) => write!(f, "occupation {id}"),
            RequirementOwner::AdHoc => f.write_str("an ad hoc search"),
        }
    }
}

/// A requirement whose minimum level is outside 1..=5 (the schema's CHECK refuses such
/// a row, and the API's validation such an argument).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{owner} requires skill {skill} at level {level}, outside 1..=5")]
pub struct InvalidRequirement {
    /// Whose requirement.
    pub owner: RequirementOwner,
    /// The skill required.
    pub skill: i64,
    /// The level stored.
    pub level: i32,
}

/// The engine's form of `owner`'s requirement `r`: the level must be in 1..=5; the
/// weight and must-have flag are taken as stored.
///
/// # Errors
/// [`InvalidRequirement`] for a level outside 1..=5.
pub fn engine_requirement(
    owner: RequirementOwner,
    r: &Requirement,
) -> Result<search_index::Requirement, InvalidRequirement> {
    match u8::try_from(r.min_level) {
        Ok(min_level @ 1..=5) => Ok(search_index::Requirement {
            skill: r.skill_id,
            min_level,
            weight: r.weight,
            required: r.required,
        }),
        _ => Err(InvalidRequirement {
            owner,
            skill: r.skill_id,
            level: r.min_level,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(min_level: i32) -> Requirement {
        Requirement {
            skill_id: 42,
            min_level,
            weight: 2.5,
            required: true,
        }
    }

    #[test]
    fn levels_1_to_5_convert_with_the_weight_as_stored() {
        for level in [1, 5] {
            let r = engine_requirement(RequirementOwner::Job(7), &stored(level)).expect("valid");
            assert_eq!(
                (r.skill, r.min_level, r.weight, r.required),
                (42, level as u8, 2.5, true)
            );
        }
    }

    #[test]
    fn levels_outside_1_to_5_are_refused_naming_the_owner_skill_and_level() {
        for (owner, level, named) in [
            (
                RequirementOwner::Job(7),
                0,
                "job 7 requires skill 42 at level 0",
            ),
            (
                RequirementOwner::Job(7),
                6,
                "job 7 requires skill 42 at level 6",
            ),
            (
                RequirementOwner::Occupation(3),
                -1,
                "occupation 3 requires skill 42 at level -1",
            ),
            // Not wrapped into 0..=255 first.
            (
                RequirementOwner::Occupation(3),
                257,
                "occupation 3 requires skill 42 at level 257",
            ),
            (
                RequirementOwner::AdHoc,
                6,
                "an ad hoc search requires skill 42 at level 6",
            ),
        ] {
            let e = engine_requirement(owner, &stored(level)).expect_err("out of range");
            assert_eq!(
                e,
                InvalidRequirement {
                    owner,
                    skill: 42,
                    level
                }
            );
            assert!(e.to_string().starts_with(named), "{e}");
        }
    }
}
