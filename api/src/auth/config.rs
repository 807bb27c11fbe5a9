//! Which keys verify tokens, and which claims they must carry.
//!
//! Environment variables read by [`AuthConfig::from_env`] (empty values count as unset):
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `TALENT_JWT_SECRET` | generated once into `<data-dir>/jwt-secret` (mode 0600) | HS256 secret (>= 32 bytes); development tokens from `talent token` are signed with it |
//! | `TALENT_JWT_DISABLE_HS256` | `0` | `1`/`true`: no HS256 key at all (production with an identity provider); no secret file is read or created |
//! | `TALENT_JWT_PUBLIC_KEYS` | none | comma-separated `ALG:path[:kid]`, ALG one of `RS256`, `ES256`, `EdDSA`; PEM public keys (SPKI `PUBLIC KEY`, or PKCS#1 `RSA PUBLIC KEY`) |
//! | `TALENT_JWT_JWKS_FILE` | none | a local JWKS JSON file; each key's `alg` is stated or derived (RSA -> RS256, EC P-256 -> ES256, OKP Ed25519 -> EdDSA) and pinned |
//! | `TALENT_JWT_ISSUER` | `talent` | required `iss` |
//! | `TALENT_JWT_AUDIENCE` | `talent-api` | required `aud` |
//! | `TALENT_JWT_LEEWAY_SECS` | `30` | clock skew allowed on `exp`, `nbf` and `iat`; at most 60 (larger is a configuration error) |
//!
//! Keys are only ever read from these local files: nothing is fetched from a URL, and
//! a token naming a key location or carrying a key (`jku`, `x5u`, `jwk`, `x5c`
//! headers) is rejected (see [`Verifier`](super::Verifier)). A path in
//! `TALENT_JWT_PUBLIC_KEYS` cannot contain `,`; a `:` after the path starts the kid.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use jsonwebtoken::Algorithm;

use crate::config::{DEFAULT_AUDIENCE, DEFAULT_ISSUER, JwtConfig};

/// By default, 30 s of clock skew are allowed.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;
/// The largest leeway accepted.
pub const MAX_LEEWAY_SECS: u64 = 60;
/// By default, a token longer than 8 KiB is rejected before it is parsed.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8192;

/// An asymmetric algorithm a configured public key may be pinned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKeyAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// Ed25519.
    EdDSA,
}

impl PublicKeyAlg {
    /// The jsonwebtoken algorithm.
    pub fn algorithm(self) -> Algorithm {
        match self {
            PublicKeyAlg::RS256 => Algorithm::RS256,
            PublicKeyAlg::ES256 => Algorithm::ES256,
            PublicKeyAlg::EdDSA => Algorithm::EdDSA,
        }
    }

    /// Parses `RS256`, `ES256` or `EdDSA` (exact spelling, as in JOSE).
    pub fn parse(s: &str) -> Option<PublicKeyAlg> {
        match s {
            "RS256" => Some(PublicKeyAlg::RS256),
            "ES256" => Some(PublicKeyAlg::ES256),
            "EdDSA" => Some(PublicKeyAlg::EdDSA),
            _ => None,
        }
    }
}

/// One PEM public key and the algorithm it is pinned to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeySpec {
    /// The only algorithm this key verifies.
    pub alg: PublicKeyAlg,
    /// The PEM file.
    pub path: PathBuf,
    /// Key id; a token whose header names a `kid` is verified by that key only.
    pub kid: Option<String>,
}

impl PublicKeySpec {
    /// Parses `ALG:path[:kid]`.
    pub fn parse(spec: &str) -> anyhow::Result<PublicKeySpec> {
        let spec = spec.trim();
        let Some((alg, rest)) = spec.split_once(':') else {
            bail!("public key {spec:?} is not ALG:path[:kid]");
        };
        let alg = PublicKeyAlg::parse(alg.trim()).with_context(|| {
            format!("public key {spec:?}: algorithm must be RS256, ES256 or EdDSA")
        })?;
        let (path, kid) = match rest.rsplit_once(':') {
            Some((path, kid)) => (path, Some(kid.trim())),
            None => (rest, None),
        };
        ensure!(!path.trim().is_empty(), "public key {spec:?}: empty path");
        if let Some(kid) = kid {
            ensure!(!kid.is_empty(), "public key {spec:?}: empty kid");
        }
        Ok(PublicKeySpec {
            alg,
            path: PathBuf::from(path.trim()),
            kid: kid.map(str::to_owned),
        })
    }
}

/// Token verification settings (see the module docs for the environment).
#[derive(Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// HS256 secret; None when HS256 is disabled.
    pub hs256_secret: Option<Vec<u8>>,
    /// PEM public keys.
    pub public_keys: Vec<PublicKeySpec>,
    /// A local JWKS file.
    pub jwks_file: Option<PathBuf>,
    /// Required `iss`.
    pub issuer: String,
    /// Required `aud`.
    pub audience: String,
    /// Allowed clock skew in seconds, at most [`MAX_LEEWAY_SECS`].
    pub leeway_secs: u64,
    /// Longest token accepted, in bytes.
    pub max_token_bytes: usize,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field(
                "hs256_secret",
                &self.hs256_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("public_keys", &self.public_keys)
            .field("jwks_file", &self.jwks_file)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_secs", &self.leeway_secs)
            .field("max_token_bytes", &self.max_token_bytes)
            .finish()
    }
}

impl AuthConfig {
    /// Reads the environment (see the module docs). The HS256 secret comes from
    /// `TALENT_JWT_SECRET` or `<data_dir>/jwt-secret`, created when missing, exactly as
    /// `talent token` finds it, so development tokens verify.
    pub fn from_env(data_dir: &Path) -> anyhow::Result<AuthConfig> {
        Self::from_lookup(data_dir, |name| std::env::var(name).ok())
    }

    /// [`AuthConfig::from_env`] over any source of variables (tests pass a map).
    pub fn from_lookup(
        data_dir: &Path,
        var: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<AuthConfig> {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let disable_hs256 = match var("TALENT_JWT_DISABLE_HS256").as_deref().map(str::trim) {
            None | Some("0") | Some("false") => false,
            Some("1") | Some("true") => true,
            Some(other) => bail!("TALENT_JWT_DISABLE_HS256 must be 1 or 0, not {other:?}"),
        };
        let hs256_secret = if disable_hs256 {
            None
        } else {
            let env = var("TALENT_JWT_SECRET");
            Some(super::secret::load_or_create(env.as_deref(), data_dir)?)
        };
        let public_keys = match var("TALENT_JWT_PUBLIC_KEYS") {
            Some(list) => list
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(PublicKeySpec::parse)
                .collect::<anyhow::Result<Vec<_>>>()
                .context("TALENT_JWT_PUBLIC_KEYS")?,
            None => Vec::new(),
        };
        let jwks_file = var("TALENT_JWT_JWKS_FILE").map(|p| PathBuf::from(p.trim()));
        let leeway_secs = match var("TALENT_JWT_LEEWAY_SECS") {
            Some(v) => v.trim().parse::<u64>().with_context(|| {
                format!("TALENT_JWT_LEEWAY_SECS must be a number of seconds, not {v:?}")
            })?,
            None => DEFAULT_LEEWAY_SECS,
        };
        let config = AuthConfig {
            hs256_secret,
            public_keys,
            jwks_file,
            issuer: var("TALENT_JWT_ISSUER").unwrap_or_else(|| DEFAULT_ISSUER.to_owned()),
            audience: var("TALENT_JWT_AUDIENCE").unwrap_or_else(|| DEFAULT_AUDIENCE.to_owned()),
            leeway_secs,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
        };
        config.check()?;
        Ok(config)
    }

    /// Checks the settings that need no file access: leeway, a key source, a size.
    pub fn check(&self) -> anyhow::Result<()> {
        ensure!(
            self.leeway_secs <= MAX_LEEWAY_SECS,
            "TALENT_JWT_LEEWAY_SECS is {}; at most {MAX_LEEWAY_SECS} is allowed",
            self.leeway_secs
        );
        ensure!(
            self.hs256_secret.is_some() || !self.public_keys.is_empty() || self.jwks_file.is_some(),
            "no key verifies tokens: HS256 is disabled and neither TALENT_JWT_PUBLIC_KEYS \
             nor TALENT_JWT_JWKS_FILE is set"
        );
        ensure!(
            self.max_token_bytes > 0,
            "the token size limit must be positive"
        );
        ensure!(!self.issuer.is_empty(), "the issuer must not be empty");
        ensure!(!self.audience.is_empty(), "the audience must not be empty");
        Ok(())
    }

    /// The settings `talent token` mints development tokens with, when HS256 is enabled.
    pub fn mint_config(&self) -> Option<JwtConfig> {
        self.hs256_secret.as_ref().map(|secret| JwtConfig {
            secret: secret.clone(),
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn from(dir: &Path, vars: &[(&str, &str)]) -> anyhow::Result<AuthConfig> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        AuthConfig::from_lookup(dir, |k| map.get(k).cloned())
    }

    #[test]
    fn defaults_use_the_generated_secret_of_the_data_dir() {
        let dir = tempfile::tempdir().expect("dir");
        let c = from(dir.path(), &[]).expect("config");
        let stored = super::super::secret::load_or_create(None, dir.path()).expect("secret");
        assert_eq!(c.hs256_secret.as_deref(), Some(stored.as_slice()));
        assert_eq!(
            (c.issuer.as_str(), c.audience.as_str()),
            ("talent", "talent-api")
        );
        assert_eq!((c.leeway_secs, c.max_token_bytes), (30, 8192));
        assert!(c.public_keys.is_empty() && c.jwks_file.is_none());
    }

    #[test]
    fn every_variable_is_read() {
        let dir = tempfile::tempdir().expect("dir");
        let secret = "s".repeat(40);
        let c = from(
            dir.path(),
            &[
                ("TALENT_JWT_SECRET", secret.as_str()),
                (
                    "TALENT_JWT_PUBLIC_KEYS",
                    "RS256:/k/rsa.pem:k1, ES256:/k/ec.pem ,EdDSA:/k/ed.pem:k3",
                ),
                ("TALENT_JWT_JWKS_FILE", "/k/jwks.json"),
                ("TALENT_JWT_ISSUER", "https://idp.example"),
                ("TALENT_JWT_AUDIENCE", "talent-prod"),
                ("TALENT_JWT_LEEWAY_SECS", "60"),
            ],
        )
        .expect("config");
        assert_eq!(c.hs256_secret.as_deref(), Some(secret.as_bytes()));
        assert!(!dir.path().join("jwt-secret").exists());
        assert_eq!(
            c.public_keys,
            vec![
                PublicKeySpec {
                    alg: PublicKeyAlg::RS256,
                    path: "/k/rsa.pem".into(),
                    kid: Some("k1".into())
                },
                PublicKeySpec {
                    alg: PublicKeyAlg::ES256,
                    path: "/k/ec.pem".into(),
                    kid: None
                },
                PublicKeySpec {
                    alg: PublicKeyAlg::EdDSA,
                    path: "/k/ed.pem".into(),
                    kid: Some("k3".into())
                },
            ]
        );
        assert_eq!(c.jwks_file, Some(PathBuf::from("/k/jwks.json")));
        assert_eq!(c.issuer, "https://idp.example");
        assert_eq!(c.audience, "talent-prod");
        assert_eq!(c.leeway_secs, 60);
    }

    #[test]
    fn bad_settings_are_configuration_errors() {
        let dir = tempfile::tempdir().expect("dir");
        for vars in [
            vec![("TALENT_JWT_LEEWAY_SECS", "61")],
            vec![("TALENT_JWT_LEEWAY_SECS", "-1")],
            vec![("TALENT_JWT_SECRET", "too-short")],
            vec![("TALENT_JWT_PUBLIC_KEYS", "HS256:/k/secret")],
            vec![("TALENT_JWT_PUBLIC_KEYS", "none:/k/x.pem")],
            vec![("TALENT_JWT_PUBLIC_KEYS", "/k/x.pem")],
            vec![("TALENT_JWT_PUBLIC_KEYS", "RS256:")],
            vec![("TALENT_JWT_DISABLE_HS256", "yes")],
            vec![("TALENT_JWT_DISABLE_HS256", "1")],
        ] {
            assert!(from(dir.path(), &vars).is_err(), "{vars:?} was accepted");
        }
    }

    #[test]
    fn hs256_can_be_disabled_for_production() {
        let dir = tempfile::tempdir().expect("dir");
        let c = from(
            dir.path(),
            &[
                ("TALENT_JWT_DISABLE_HS256", "1"),
                ("TALENT_JWT_PUBLIC_KEYS", "EdDSA:/k/ed.pem"),
            ],
        )
        .expect("config");
        assert_eq!(c.hs256_secret, None);
        assert_eq!(c.mint_config().map(|_| ()), None);
        assert!(!dir.path().join("jwt-secret").exists());
    }

    #[test]
    fn debug_redacts_the_secret() {
        let dir = tempfile::tempdir().expect("dir");
        let secret = "hunter2-hunter2-hunter2-hunter2-hunter2";
        let c = from(dir.path(), &[("TALENT_JWT_SECRET", secret)]).expect("config");
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"));
        assert!(!format!("{:?}", c.mint_config()).contains("hunter2"));
    }
}
