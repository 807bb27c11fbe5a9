//! Input types shared by several operations, and argument validation: every argument
//! is checked (lengths, levels 1..5, weights (0, 100], money >= 0, scores 0..1) and a
//! violation is BAD_USER_INPUT naming the argument.

use async_graphql::{ID, InputObject};

use super::error::{ApiError, ApiResult};
use super::ids::{self, NodeType};
use crate::documents::{self, RequirementOwner};
use crate::repo::occupations::Requirement;

/// Rejects a string longer than `max` characters (or empty when `max` > 0 and required).
pub fn check_len(name: &str, value: &str, max: usize) -> ApiResult<()> {
    let n = value.chars().count();
    if n > max {
        return Err(ApiError::bad(format!(
            "{name} is {n} characters long; at most {max} are allowed"
        )));
    }
    Ok(())
}

/// [`check_len`] for an optional value.
pub fn check_optional_len(name: &str, value: Option<&str>, max: usize) -> ApiResult<()> {
    value.map_or(Ok(()), |v| check_len(name, v, max))
}

/// A required, non-blank string of at most `max` characters, trimmed.
pub fn required_text(name: &str, value: &str, max: usize) -> ApiResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ApiError::bad(format!("{name} must not be empty")));
    }
    check_len(name, v, max)?;
    Ok(v.to_owned())
}

/// An optional string, trimmed; blank means none.
pub fn optional_text(name: &str, value: Option<&str>, max: usize) -> ApiResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => {
            check_len(name, v, max)?;
            Ok(Some(v.to_owned()))
        }
    }
}

/// A level in 1..=5.
pub fn check_level(name: &str, level: i32) -> ApiResult<u8> {
    if (1..=5).contains(&level) {
        Ok(level as u8)
    } else {
        Err(ApiError::bad(format!(
            "{name} must be between 1 and 5, got {level}"
        )))
    }
}

/// A weight in (0, 100].
pub fn check_weight(weight: f64) -> ApiResult<f64> {
    if weight.is_finite() && weight > 0.0 && weight <= 100.0 {
        Ok(weight)
    } else {
        Err(ApiError::bad(format!(
            "weight must be in (0, 100], got {weight}"
        )))
    }
}

/// A score threshold in [0, 1].
pub fn check_score(name: &str, s: f64) -> ApiResult<f64> {
    if s.is_finite() && (0.0..=1.0).contains(&s) {
        Ok(s)
    } else {
        Err(ApiError::bad(format!(
            "{name} must be between 0 and 1, got {s}"
        )))
    }
}

/// A skill at a level.
#[derive(InputObject, Clone)]
pub struct SkillLevelInput {
    /// The skill's global ID.
    pub skill_id: ID,
    /// Level 1..5.
    pub level: i32,
}

impl SkillLevelInput {
    /// (skill id, level), validated.
    pub fn decode(&self) -> ApiResult<(i64, i32)> {
        let id = ids::decode(NodeType::Skill, &self.skill_id)?;
        check_level("level", self.level)?;
        Ok((id, self.level))
    }
}

/// Decodes a list of skill levels (at most `max`), rejecting a skill listed twice.
pub fn decode_skill_levels(list: &[SkillLevelInput], max: usize) -> ApiResult<Vec<(i64, i32)>> {
    if list.len() > max {
        return Err(ApiError::bad(format!("at most {max} skills")));
    }
    let v = list
        .iter()
        .map(SkillLevelInput::decode)
        .collect::<ApiResult<Vec<_>>>()?;
    let mut seen = std::collections::HashSet::new();
    for (s, _) in &v {
        if !seen.insert(*s) {
            return Err(ApiError::bad("a skill is listed twice"));
        }
    }
    Ok(v)
}

/// A requirement given with a job or an ad hoc search.
#[derive(InputObject, Clone)]
pub struct SkillRequirementInput {
    /// The skill's global ID.
    pub skill_id: ID,
    /// Minimum level, 1..5.
    #[graphql(default = 3)]
    pub min_level: i32,
    /// Weight in (0, 100].
    #[graphql(default = 1.0)]
    pub weight: f64,
    /// Must-have.
    #[graphql(default = false)]
    pub required: bool,
}

/// Decodes and validates requirements (1..=50, no skill twice).
pub fn decode_requirements(list: &[SkillRequirementInput]) -> ApiResult<Vec<Requirement>> {
    if list.is_empty() || list.len() > 50 {
        return Err(ApiError::bad("give between 1 and 50 requirements"));
    }
    let mut seen = std::collections::HashSet::new();
    list.iter()
        .map(|r| {
            let skill_id = ids::decode(NodeType::Skill, &r.skill_id)?;
            if !seen.insert(skill_id) {
                return Err(ApiError::bad("a skill is required twice"));
            }
            check_level("minLevel", r.min_level)?;
            Ok(Requirement {
                skill_id,
                min_level: r.min_level,
                weight: check_weight(r.weight)?,
                required: r.required,
            })
        })
        .collect()
}

/// The engine's form of `owner`'s requirement ([`documents::engine_requirement`]). A
/// level outside 1..=5 is INTERNAL: arguments are validated, and the schema's CHECK
/// keeps such a row out of the database.
pub fn engine_requirement(
    owner: RequirementOwner,
    r: &Requirement,
) -> ApiResult<search_index::Requirement> {
    documents::engine_requirement(owner, r).map_err(|e| ApiError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_arguments_are_rejected_with_their_name() {
        assert!(check_level("level", 0).is_err());
        assert!(check_level("level", 6).is_err());
        assert_eq!(check_level("level", 5), Ok(5));
        for w in [0.0, -1.0, 100.1, f64::NAN, f64::INFINITY] {
            assert!(check_weight(w).is_err(), "{w}");
        }
        assert!(check_weight(100.0).is_ok());
        assert!(check_score("minScore", 1.5).is_err());
        let e = check_len("title", &"x".repeat(201), 200).unwrap_err();
        assert!(e.message().contains("title"));
        assert!(required_text("title", "   ", 10).is_err());
        assert_eq!(optional_text("h", Some("  "), 10), Ok(None));
    }

    #[test]
    fn a_stored_requirement_out_of_range_is_internal() {
        let stored = |min_level| Requirement {
            skill_id: 4,
            min_level,
            weight: 1.0,
            required: false,
        };
        let ok = engine_requirement(RequirementOwner::Job(9), &stored(5)).expect("valid");
        assert_eq!((ok.skill, ok.min_level), (4, 5));
        let e = engine_requirement(RequirementOwner::Job(9), &stored(6)).expect_err("level 6");
        assert_eq!(e.code(), "INTERNAL");
        assert_eq!(e.message(), "internal error");
        assert!(
            matches!(&e, ApiError::Internal(d) if d.contains("job 9") && d.contains("level 6"))
        );
    }
}
