//! Opaque global IDs (Relay): base64url of `Type:id`. Clients must not parse them;
//! decoding checks the type, so a Job id passed where a Skill id is expected is
//! BAD_USER_INPUT, not a lookup of the wrong table.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::ApiError;

/// The node types that have global IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    /// Skill.
    Skill,
    /// Organization.
    Organization,
    /// Occupation.
    Occupation,
    /// Learner.
    Learner,
    /// Credential.
    Credential,
    /// Microcredential.
    Microcredential,
    /// Job.
    Job,
}

impl NodeType {
    /// The GraphQL type name.
    pub fn name(self) -> &'static str {
        match self {
            NodeType::Skill => "Skill",
            NodeType::Organization => "Organization",
            NodeType::Occupation => "Occupation",
            NodeType::Learner => "Learner",
            NodeType::Credential => "Credential",
            NodeType::Microcredential => "Microcredential",
            NodeType::Job => "Job",
        }
    }

    fn parse(s: &str) -> Option<NodeType> {
        Some(match s {
            "Skill" => NodeType::Skill,
            "Organization" => NodeType::Organization,
            "Occupation" => NodeType::Occupation,
            "Learner" => NodeType::Learner,
            "Credential" => NodeType::Credential,
            "Microcredential" => NodeType::Microcredential,
            "Job" => NodeType::Job,
            _ => return None,
        })
    }
}

/// Encodes a global ID.
pub fn encode(t: NodeType, id: i64) -> async_graphql::ID {
    async_graphql::ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", t.name())))
}

/// Decodes any global ID into its type and database id.
pub fn decode_any(id: &str) -> Result<(NodeType, i64), ApiError> {
    let bad = || ApiError::bad(format!("{id:?} is not a valid ID"));
    if id.len() > 64 {
        return Err(bad());
    }
    let raw = URL_SAFE_NO_PAD.decode(id).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (t, n) = text.split_once(':').ok_or_else(bad)?;
    let t = NodeType::parse(t).ok_or_else(bad)?;
    let n: i64 = n.parse().map_err(|_| bad())?;
    if n <= 0 {
        return Err(bad());
    }
    Ok((t, n))
}

/// Decodes a global ID that must be of type `t`.
pub fn decode(t: NodeType, id: &str) -> Result<i64, ApiError> {
    match decode_any(id)? {
        (found, n) if found == t => Ok(n),
        (found, _) => Err(ApiError::bad(format!(
            "expected a {} ID, got a {} ID",
            t.name(),
            found.name()
        ))),
    }
}

/// Decodes a list of global IDs of type `t`.
pub fn decode_all(t: NodeType, ids: &[async_graphql::ID]) -> Result<Vec<i64>, ApiError> {
    ids.iter().map(|i| decode(t, i)).collect()
}

/// Encodes a database id as a list cursor.
pub fn cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("c:{id}"))
}

/// Decodes a list cursor.
pub fn decode_cursor(c: &str) -> Result<i64, ApiError> {
    let bad = || ApiError::bad(format!("{c:?} is not a valid cursor"));
    let raw = URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    text.strip_prefix("c:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_check_their_type() {
        let id = encode(NodeType::Job, 42);
        assert_eq!(decode(NodeType::Job, &id), Ok(42));
        assert_eq!(
            decode(NodeType::Skill, &id).map_err(|e| e.code()),
            Err("BAD_USER_INPUT")
        );
        for bad in ["", "x", "Sm9iOg", "Sm9iOi0x", &"A".repeat(100)] {
            assert!(decode_any(bad).is_err(), "{bad}");
        }
        assert_eq!(decode_cursor(&cursor(7)), Ok(7));
        assert!(decode_cursor("nope").is_err());
    }
}
