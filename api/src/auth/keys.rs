//! The verification keys: the HS256 secret, PEM public keys and a local JWKS file, each
//! pinned to exactly one algorithm.

use std::path::Path;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};

use super::config::{AuthConfig, PublicKeySpec};
use super::secret::MIN_SECRET_LEN;

/// A key and the one algorithm it verifies.
#[derive(Clone)]
pub(crate) struct PinnedKey {
    /// Key id, if configured.
    pub kid: Option<String>,
    /// The only algorithm accepted with this key.
    pub alg: Algorithm,
    /// The key.
    pub key: DecodingKey,
    /// Where it came from, for start-up logs (never sent to clients).
    pub source: String,
}

impl std::fmt::Debug for PinnedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PinnedKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// Loads every configured key; fails on an unreadable or unusable key, a duplicate kid
/// or no key at all.
pub(crate) fn load(config: &AuthConfig) -> Result<Vec<PinnedKey>, String> {
    let mut keys = Vec::new();
    if let Some(secret) = &config.hs256_secret {
        if secret.len() < MIN_SECRET_LEN {
            return Err(format!(
                "the HS256 secret is shorter than {MIN_SECRET_LEN} bytes"
            ));
        }
        keys.push(PinnedKey {
            kid: None,
            alg: Algorithm::HS256,
            key: DecodingKey::from_secret(secret).map_err(|e| format!("HS256 secret: {e}"))?,
            source: "HS256 secret".to_owned(),
        });
    }
    for spec in &config.public_keys {
        keys.push(load_pem(spec)?);
    }
    if let Some(path) = &config.jwks_file {
        keys.extend(load_jwks(path)?);
    }
    if keys.is_empty() {
        return Err("no key verifies tokens".to_owned());
    }
    for (i, k) in keys.iter().enumerate() {
        if let Some(kid) = &k.kid
            && keys[..i].iter().any(|o| o.kid.as_ref() == Some(kid))
        {
            return Err(format!("kid {kid:?} is configured twice ({})", k.source));
        }
    }
    Ok(keys)
}

fn load_pem(spec: &PublicKeySpec) -> Result<PinnedKey, String> {
    let source = spec.path.display().to_string();
    let pem = std::fs::read(&spec.path).map_err(|e| format!("cannot read {source}: {e}"))?;
    if String::from_utf8_lossy(&pem).contains("PRIVATE KEY") {
        return Err(format!(
            "{source} holds a private key; configure the public key only"
        ));
    }
    let alg = spec.alg.algorithm();
    let key = match alg {
        Algorithm::RS256 => DecodingKey::from_rsa_pem(&pem),
        Algorithm::ES256 => DecodingKey::from_ec_pem(&pem),
        _ => DecodingKey::from_ed_pem(&pem),
    }
    .map_err(|e| format!("{source} is not a {alg:?} public key in PEM: {e}"))?;
    check_usable(&key, alg, &source)?;
    Ok(PinnedKey {
        kid: spec.kid.clone(),
        alg,
        key,
        source,
    })
}

/// Proves at start-up that the key can verify with its algorithm (a wrong curve, a
/// truncated key or an RSA modulus under 2048 bits fails here, not on the first
/// request), and that a crypto backend is compiled in.
fn check_usable(key: &DecodingKey, alg: Algorithm, source: &str) -> Result<(), String> {
    use jsonwebtoken::DecodingKeyKind;
    let Some(provider) = jsonwebtoken::crypto::CryptoProvider::try_get_default() else {
        return Err("jsonwebtoken has no crypto backend (enable rust_crypto)".to_owned());
    };
    if alg == Algorithm::RS256 {
        // The RSA verifier parses its key only when verifying: parse it now.
        let n = match key.kind() {
            DecodingKeyKind::SecretOrDer(der) => {
                (provider.key_utils.rsa_pub_components_from_public_key)(der)
                    .map_err(|e| format!("{source} is not an RSA public key: {e}"))?
                    .0
            }
            DecodingKeyKind::RsaModulusExponent { n, .. } => n.clone(),
        };
        let bits = n
            .iter()
            .position(|b| *b != 0)
            .map(|i| (n.len() - i) * 8 - n[i].leading_zeros() as usize)
            .unwrap_or(0);
        if bits < 2048 {
            return Err(format!(
                "{source}: RSA key of {bits} bits; at least 2048 are required"
            ));
        }
    }
    // The EC and Ed verifiers parse their key when built: a bad key is an error here,
    // while a well-formed key merely rejects the dummy signature.
    jsonwebtoken::crypto::verify("AAAA", b"probe", key, alg)
        .map(|_| ())
        .map_err(|e| format!("{source} cannot verify {alg:?}: {e}"))
}

fn load_jwks(path: &Path) -> Result<Vec<PinnedKey>, String> {
    let source = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {source}: {e}"))?;
    let raw: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{source} is not JSON: {e}"))?;
    let Some(entries) = raw.get("keys").and_then(|k| k.as_array()) else {
        return Err(format!("{source} is not a JWKS (no \"keys\" array)"));
    };
    let mut keys = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let name = match entry.get("kid").and_then(|k| k.as_str()) {
            Some(kid) => format!("{source} key {kid:?}"),
            None => format!("{source} key #{i}"),
        };
        // Private or symmetric key material does not belong in a verification key set.
        if entry.get("d").is_some() || entry.get("k").is_some() {
            return Err(format!(
                "{name} holds private or symmetric key material; publish public keys only"
            ));
        }
        let jwk: Jwk = serde_json::from_value(entry.clone()).map_err(|e| format!("{name}: {e}"))?;
        if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
            tracing::info!(key = %name, "skipping an encryption key of the JWKS");
            continue;
        }
        let alg = jwk_algorithm(&jwk).map_err(|e| format!("{name}: {e}"))?;
        let key = DecodingKey::from_jwk(&jwk).map_err(|e| format!("{name}: {e}"))?;
        check_usable(&key, alg, &name)?;
        keys.push(PinnedKey {
            kid: jwk.common.key_id.clone(),
            alg,
            key,
            source: name,
        });
    }
    if keys.is_empty() {
        return Err(format!("{source} has no signature key"));
    }
    Ok(keys)
}

/// The algorithm a JWK is pinned to: its `alg`, or the one its `kty`/`crv` implies.
/// Only RS256, ES256 and EdDSA are supported, and `alg` must fit the key type.
fn jwk_algorithm(jwk: &Jwk) -> Result<Algorithm, String> {
    let implied = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => Algorithm::ES256,
        AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
            Algorithm::EdDSA
        }
        _ => {
            return Err("unsupported key type (RSA, EC P-256 or OKP Ed25519 only)".to_owned());
        }
    };
    match jwk.common.key_algorithm {
        None => Ok(implied),
        Some(stated) => {
            let ok = matches!(
                (stated, implied),
                (KeyAlgorithm::RS256, Algorithm::RS256)
                    | (KeyAlgorithm::ES256, Algorithm::ES256)
                    | (KeyAlgorithm::EdDSA, Algorithm::EdDSA)
            );
            if ok {
                Ok(implied)
            } else {
                Err(format!(
                    "alg {stated:?} is not supported for this key (expected {implied:?})"
                ))
            }
        }
    }
}
