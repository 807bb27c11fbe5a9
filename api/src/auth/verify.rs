//! Token verification: one [`Verifier`] built from an [`AuthConfig`] at start-up.
//!
//! The order of checks in [`Verifier::verify`]:
//! 1. size: a token longer than `max_token_bytes` is rejected before it is parsed;
//! 2. header: it must parse (so `alg: none` and unknown algorithms fail) and must not
//!    carry `jku`, `x5u`, `jwk` or `x5c`: a token that names a key location or brings
//!    its own key is **rejected**, never followed (keys come from configuration only);
//! 3. key: by `kid` when the header has one (an unknown kid is rejected), else the
//!    single configured key pinned to the header's `alg` (none, or several: rejected);
//! 4. algorithm: the header's `alg` must equal the key's pinned algorithm, so an HS256
//!    token "signed" with an RSA public key (key confusion) or any other algorithm
//!    fails;
//! 5. signature, then `exp` (required), `nbf` (when present), `iat` (not in the future
//!    beyond the leeway), `iss` and `aud` (required, equal to the configured values);
//! 6. claims, typed strictly: `sub` a non-empty string of at most 255 characters;
//!    `role` one of `learner`, `recruiter`, `institution`, `admin`; `org` a string when
//!    present, required for recruiters and institutions (ignored for the others);
//!    times JSON numbers. A claim of another JSON type rejects the token.
//!
//! Every failure is an [`AuthError`] whose message is safe for clients ("invalid
//! token", "token expired", ...) and whose [`AuthError::code`] is `UNAUTHENTICATED`;
//! the precise reason is only in [`AuthError::reason`], for logs.
//!
//! Cryptography is jsonwebtoken 12 with its `rust_crypto` backend. That backend brings
//! the `rsa` crate, subject of RUSTSEC-2023-0071 (Marvin: a timing side channel on RSA
//! *decryption and signing* with a private key). This module only *verifies* RS256
//! signatures with public keys, which is not the affected path; the server holds no
//! RSA private key.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Validation, decode, decode_header};
use serde::{Deserialize, Deserializer};

use super::config::AuthConfig;
use super::keys::{self, PinnedKey};
use crate::repo::Role;

/// Longest `sub` (and `org`) accepted, in characters (the users table allows 255).
pub const MAX_SUBJECT_CHARS: usize = 255;

/// The identity a valid token proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedClaims {
    /// `sub`: the identity provider's user id.
    pub subject: String,
    /// `role`.
    pub role: Role,
    /// `org`: the organization slug; always Some for recruiters and institutions,
    /// always None for learners and admins.
    pub org: Option<String>,
    /// `exp`, seconds since the epoch.
    pub expires_at: i64,
}

/// Why a token was refused (or, for [`AuthError::Config`], why no verifier could be
/// built). The Display text is safe to send to clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The token is longer than the configured limit.
    #[error("token too large")]
    TooLarge,
    /// `exp` (plus leeway) has passed.
    #[error("token expired")]
    Expired,
    /// `nbf` (minus leeway) is still ahead.
    #[error("token not yet valid")]
    NotYetValid,
    /// Anything else: malformed, unknown key, wrong algorithm, bad signature, wrong
    /// issuer or audience, claims of the wrong type... The reason is for logs only.
    #[error("invalid token")]
    Invalid(&'static str),
    /// The configuration cannot verify tokens (start-up only, never from `verify`).
    #[error("authentication configuration: {0}")]
    Config(String),
}

impl AuthError {
    /// The GraphQL `extensions.code`: `UNAUTHENTICATED` for every token problem,
    /// `INTERNAL` for a configuration error.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Config(_) => "INTERNAL",
            _ => "UNAUTHENTICATED",
        }
    }

    /// The precise reason, for logs (never for clients).
    pub fn reason(&self) -> &str {
        match self {
            AuthError::TooLarge => "token too large",
            AuthError::Expired => "exp passed",
            AuthError::NotYetValid => "nbf ahead",
            AuthError::Invalid(r) => r,
            AuthError::Config(r) => r,
        }
    }
}

/// Verifies tokens against the configured keys. Cheap to share (`Arc`) and `Sync`.
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: Vec<PinnedKey>,
    issuer: String,
    audience: String,
    leeway_secs: u64,
    max_token_bytes: usize,
}

impl Verifier {
    /// Loads and checks every configured key.
    pub fn new(config: &AuthConfig) -> Result<Verifier, AuthError> {
        config
            .check()
            .map_err(|e| AuthError::Config(format!("{e:#}")))?;
        let keys = keys::load(config).map_err(AuthError::Config)?;
        for k in &keys {
            tracing::debug!(kid = k.kid.as_deref(), alg = %format_args!("{:?}", k.alg), source = %k.source, "JWT key");
        }
        Ok(Verifier {
            keys,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            leeway_secs: config.leeway_secs,
            max_token_bytes: config.max_token_bytes,
        })
    }

    /// Number of keys loaded.
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Verifies `token` (without any `Bearer ` prefix); see the module docs for the
    /// checks and their order.
    pub fn verify(&self, token: &str) -> Result<VerifiedClaims, AuthError> {
        use AuthError::Invalid;
        if token.len() > self.max_token_bytes {
            return Err(AuthError::TooLarge);
        }
        let header = decode_header(token).map_err(|_| Invalid("malformed token or header"))?;
        if header.jku.is_some() || header.x5u.is_some() {
            return Err(Invalid("header names a key URL (jku/x5u)"));
        }
        if header.jwk.is_some() || header.x5c.is_some() {
            return Err(Invalid("header embeds a key (jwk/x5c)"));
        }
        let key = self.select_key(header.kid.as_deref(), header.alg)?;
        if key.alg != header.alg {
            return Err(Invalid(
                "algorithm does not match the key's pinned algorithm",
            ));
        }
        let mut validation = Validation::new(key.alg);
        validation.leeway = self.leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        let data = decode::<RawClaims>(token, &key.key, &validation).map_err(map_jwt_error)?;
        let claims = data.claims;

        // jsonwebtoken checked exp and nbf; iat is ours.
        let now = chrono::Utc::now().timestamp();
        let leeway = i64::try_from(self.leeway_secs).unwrap_or(0);
        if claims.exp.0 < now.saturating_sub(leeway) {
            return Err(AuthError::Expired);
        }
        if let Some(iat) = claims.iat
            && iat.0 > now.saturating_add(leeway)
        {
            return Err(Invalid("iat in the future"));
        }
        claims.into_verified()
    }

    fn select_key(
        &self,
        kid: Option<&str>,
        alg: jsonwebtoken::Algorithm,
    ) -> Result<&PinnedKey, AuthError> {
        match kid {
            Some(kid) => self
                .keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid))
                .ok_or(AuthError::Invalid("unknown kid")),
            None => {
                let mut fitting = self.keys.iter().filter(|k| k.alg == alg);
                match (fitting.next(), fitting.next()) {
                    (Some(k), None) => Ok(k),
                    (None, _) => Err(AuthError::Invalid("no key for the token's algorithm")),
                    (Some(_), Some(_)) => Err(AuthError::Invalid(
                        "several keys fit the token's algorithm and it names no kid",
                    )),
                }
            }
        }
    }
}

fn map_jwt_error(e: jsonwebtoken::errors::Error) -> AuthError {
    use AuthError::Invalid;
    match e.kind() {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidSignature => Invalid("bad signature"),
        ErrorKind::InvalidAlgorithm => Invalid("algorithm not allowed for the key"),
        ErrorKind::InvalidIssuer => Invalid("wrong issuer"),
        ErrorKind::InvalidAudience => Invalid("wrong audience"),
        ErrorKind::MissingRequiredClaim(_) => Invalid("a required claim is missing"),
        ErrorKind::InvalidClaimFormat(_) => Invalid("a registered claim has the wrong type"),
        ErrorKind::Json(_) => Invalid("claims of the wrong shape or type"),
        ErrorKind::Base64(_) | ErrorKind::Utf8(_) => Invalid("malformed encoding"),
        _ => Invalid("invalid token"),
    }
}

/// A JSON number of seconds since the epoch (a fraction is truncated); any other JSON
/// type is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NumericDate(i64);

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = serde_json::Number::deserialize(d)?;
        if let Some(i) = n.as_i64() {
            return Ok(NumericDate(i));
        }
        match n.as_f64() {
            // The range check makes the cast exact in its integer part.
            Some(f) if f.is_finite() && f.abs() < 9.0e15 => Ok(NumericDate(f.trunc() as i64)),
            _ => Err(serde::de::Error::custom("a NumericDate out of range")),
        }
    }
}

/// The claims as they must appear in the token. `iss` and `aud` are checked by
/// jsonwebtoken; unknown claims are ignored.
#[derive(Debug, Deserialize)]
struct RawClaims {
    sub: String,
    role: String,
    #[serde(default)]
    org: Option<String>,
    exp: NumericDate,
    #[serde(default)]
    #[allow(dead_code)] // typed for the check only; jsonwebtoken compares it.
    nbf: Option<NumericDate>,
    #[serde(default)]
    iat: Option<NumericDate>,
}

impl RawClaims {
    fn into_verified(self) -> Result<VerifiedClaims, AuthError> {
        use AuthError::Invalid;
        if self.sub.trim().is_empty() {
            return Err(Invalid("empty sub"));
        }
        if self.sub.chars().count() > MAX_SUBJECT_CHARS {
            return Err(Invalid("sub too long"));
        }
        let role = parse_role(&self.role).ok_or(Invalid("unknown role"))?;
        let org = match role {
            Role::Recruiter | Role::Institution => {
                let org = self.org.ok_or(Invalid("org required for this role"))?;
                if org.trim().is_empty() || org.chars().count() > MAX_SUBJECT_CHARS {
                    return Err(Invalid("malformed org"));
                }
                Some(org)
            }
            Role::Learner | Role::Admin => None,
        };
        Ok(VerifiedClaims {
            subject: self.sub,
            role,
            org,
            expires_at: self.exp.0,
        })
    }
}

/// The claim value of a role: exactly `learner`, `recruiter`, `institution`, `admin`.
pub fn parse_role(claim: &str) -> Option<Role> {
    Role::ALL
        .iter()
        .copied()
        .find(|r| super::token::role_claim(*r) == claim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: serde_json::Value) -> Result<VerifiedClaims, AuthError> {
        let raw: RawClaims =
            serde_json::from_value(json).map_err(|_| AuthError::Invalid("shape"))?;
        raw.into_verified()
    }

    #[test]
    fn claims_are_typed_strictly() {
        let ok =
            raw(serde_json::json!({"sub": "u1", "role": "recruiter", "org": "acme", "exp": 10}))
                .expect("valid");
        assert_eq!(ok.org.as_deref(), Some("acme"));
        assert_eq!(ok.expires_at, 10);
        let learner =
            raw(serde_json::json!({"sub": "u1", "role": "learner", "org": "acme", "exp": 1.9}))
                .expect("valid");
        assert_eq!(
            (learner.role, learner.org, learner.expires_at),
            (Role::Learner, None, 1)
        );
        for bad in [
            serde_json::json!({"sub": "u1", "role": 5, "exp": 10}),
            serde_json::json!({"sub": [], "role": "learner", "exp": 10}),
            serde_json::json!({"sub": "u1", "role": "learner", "exp": "soon"}),
            serde_json::json!({"sub": "u1", "role": "learner", "exp": 10, "iat": "now"}),
            serde_json::json!({"sub": "u1", "role": "learner", "exp": 10, "nbf": true}),
            serde_json::json!({"sub": "u1", "role": "recruiter", "org": 7, "exp": 10}),
            serde_json::json!({"sub": "u1", "role": "recruiter", "exp": 10}),
            serde_json::json!({"sub": "u1", "role": "institution", "org": " ", "exp": 10}),
            serde_json::json!({"sub": "u1", "role": "LEARNER", "exp": 10}),
            serde_json::json!({"sub": "u1", "role": "superuser", "exp": 10}),
            serde_json::json!({"sub": "", "role": "learner", "exp": 10}),
            serde_json::json!({"sub": "x".repeat(256), "role": "learner", "exp": 10}),
            serde_json::json!({"sub": "u1", "role": "learner"}),
            serde_json::json!({"sub": "u1", "role": "learner", "exp": 1e300}),
        ] {
            assert!(raw(bad.clone()).is_err(), "{bad} was accepted");
        }
        assert!(
            raw(serde_json::json!({"sub": "é".repeat(255), "role": "admin", "exp": 10})).is_ok()
        );
    }

    #[test]
    fn errors_are_client_safe_and_unauthenticated() {
        for e in [
            AuthError::TooLarge,
            AuthError::Expired,
            AuthError::NotYetValid,
            AuthError::Invalid("unknown kid"),
        ] {
            assert_eq!(e.code(), "UNAUTHENTICATED");
            assert!(!e.to_string().contains("kid"));
        }
        assert_eq!(
            AuthError::Invalid("bad signature").to_string(),
            "invalid token"
        );
        assert_eq!(
            AuthError::Invalid("bad signature").reason(),
            "bad signature"
        );
        assert_eq!(AuthError::Config("x".into()).code(), "INTERNAL");
    }

    #[test]
    fn role_claims_are_lowercase_only() {
        assert_eq!(parse_role("institution"), Some(Role::Institution));
        assert_eq!(parse_role("Admin"), None);
    }
}
