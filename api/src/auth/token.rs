//! Claims of the tokens this server accepts, and minting of development tokens.

use serde::{Deserialize, Serialize};

use crate::config::JwtConfig;
use crate::repo::Role;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: the identity provider's user id.
    pub sub: String,
    /// `learner`, `recruiter`, `institution` or `admin`.
    pub role: String,
    /// Organization slug, for recruiters and institutions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expires.
    pub exp: i64,
}

/// The claim value of a role.
pub fn role_claim(role: Role) -> String {
    role.as_str().to_lowercase()
}

/// Signs an HS256 token for `sub` valid for `ttl` from now.
pub fn mint(
    cfg: &JwtConfig,
    sub: &str,
    role: Role,
    org: Option<&str>,
    ttl: std::time::Duration,
) -> anyhow::Result<String> {
    let now = chrono::Utc::now().timestamp();
    let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2);
    let claims = Claims {
        sub: sub.to_owned(),
        role: role_claim(role),
        org: org.map(str::to_owned),
        iss: cfg.issuer.clone(),
        aud: cfg.audience.clone(),
        iat: now,
        nbf: now,
        exp: now.saturating_add(ttl),
    };
    let key = jsonwebtoken::EncodingKey::from_secret(&cfg.secret)?;
    Ok(jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &key,
    )?)
}

/// Parses a duration such as `30s`, `15m`, `1h`, `7d` (a bare number is seconds).
pub fn parse_ttl(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 30m, 1h or 7d"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("{s:?}: unit must be s, m, h or d")),
    };
    if secs == 0 || secs > 366 * 86_400 {
        return Err(format!("{s:?}: must be between 1s and 366d"));
    }
    Ok(std::time::Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_parsing() {
        assert_eq!(parse_ttl("1h"), Ok(std::time::Duration::from_secs(3600)));
        assert_eq!(parse_ttl("90"), Ok(std::time::Duration::from_secs(90)));
        assert!(parse_ttl("0s").is_err());
        assert!(parse_ttl("1y").is_err());
        assert!(parse_ttl("h").is_err());
    }

    #[test]
    fn a_minted_token_verifies_with_the_same_secret_only() {
        let cfg = JwtConfig {
            secret: vec![7; 32],
            issuer: "talent".into(),
            audience: "talent-api".into(),
        };
        let t = mint(
            &cfg,
            "demo-recruiter",
            Role::Recruiter,
            Some("acme"),
            std::time::Duration::from_secs(60),
        )
        .expect("mint");
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        v.set_audience(&["talent-api"]);
        v.set_issuer(&["talent"]);
        let ok = jsonwebtoken::decode::<Claims>(
            &t,
            &jsonwebtoken::DecodingKey::from_secret(&cfg.secret).expect("key"),
            &v,
        )
        .expect("decode");
        assert_eq!(ok.claims.role, "recruiter");
        assert_eq!(ok.claims.org.as_deref(), Some("acme"));
        assert!(
            jsonwebtoken::decode::<Claims>(
                &t,
                &jsonwebtoken::DecodingKey::from_secret(&[8; 32]).expect("key"),
                &v
            )
            .is_err()
        );
    }
}
