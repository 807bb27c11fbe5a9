//! JWT verification against the committed test keys (tests/fixtures/jwt), and
//! provisioning of users on both backends.

use std::path::PathBuf;
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use talent_api::auth::{
    self, AuthConfig, AuthError, ProvisionError, PublicKeyAlg, PublicKeySpec, VerifiedClaims,
    Verifier,
};
use talent_api::repo::{self, OrganizationKind, Role};
use talent_api::testing::TestDb;

const SECRET: &[u8] = b"test-secret-test-secret-test-secret-0123";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/jwt")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).expect("fixture")
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn pem_key(alg: PublicKeyAlg, file: &str, kid: &str) -> PublicKeySpec {
    PublicKeySpec {
        alg,
        path: fixture(file),
        kid: Some(kid.to_owned()),
    }
}

/// HS256 secret plus one PEM key per asymmetric algorithm, each with a kid.
fn config() -> AuthConfig {
    AuthConfig {
        hs256_secret: Some(SECRET.to_vec()),
        public_keys: vec![
            pem_key(PublicKeyAlg::RS256, "rsa.pub.pem", "rsa-pem"),
            pem_key(PublicKeyAlg::ES256, "ec.pub.pem", "ec-pem"),
            pem_key(PublicKeyAlg::EdDSA, "ed.pub.pem", "ed-pem"),
        ],
        jwks_file: None,
        issuer: "talent".into(),
        audience: "talent-api".into(),
        leeway_secs: 30,
        max_token_bytes: 8192,
    }
}

fn verifier() -> Verifier {
    Verifier::new(&config()).expect("verifier")
}

fn claims(role: &str, org: Option<&str>) -> Value {
    let t = now();
    let mut c = json!({
        "sub": "user-1", "role": role, "iss": "talent", "aud": "talent-api",
        "iat": t, "nbf": t, "exp": t + 600,
    });
    if let Some(org) = org {
        c["org"] = json!(org);
    }
    c
}

fn learner() -> Value {
    claims("learner", None)
}

fn with(mut c: Value, key: &str, value: Value) -> Value {
    c[key] = value;
    c
}

fn without(mut c: Value, key: &str) -> Value {
    c.as_object_mut().expect("object").remove(key);
    c
}

fn encoding_key(alg: Algorithm, file: &str) -> EncodingKey {
    match alg {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
            EncodingKey::from_secret(SECRET).expect("secret")
        }
        Algorithm::RS256 => EncodingKey::from_rsa_pem(&read(file)).expect("rsa key"),
        Algorithm::ES256 => EncodingKey::from_ec_pem(&read(file)).expect("ec key"),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(&read(file)).expect("ed key"),
        other => panic!("no test key for {other:?}"),
    }
}

fn sign_with(header: &Header, claims: &Value, key: &EncodingKey) -> String {
    jsonwebtoken::encode(header, claims, key).expect("sign")
}

fn sign(alg: Algorithm, file: &str, kid: Option<&str>, claims: &Value) -> String {
    let mut h = Header::new(alg);
    h.kid = kid.map(str::to_owned);
    sign_with(&h, claims, &encoding_key(alg, file))
}

fn hs256(claims: &Value) -> String {
    sign(Algorithm::HS256, "", None, claims)
}

/// base64url without padding (RFC 4648 section 5), for hand-made tokens.
fn b64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ABC[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// `token` with its payload replaced (the signature is kept).
fn replace_payload(token: &str, claims: &Value) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    format!(
        "{}.{}.{}",
        parts[0],
        b64(claims.to_string().as_bytes()),
        parts[2]
    )
}

/// `token` with one character of its signature changed.
fn tamper_signature(token: &str) -> String {
    let (message, sig) = token.rsplit_once('.').expect("three parts");
    let mut sig: Vec<char> = sig.chars().collect();
    let i = sig.len() / 2;
    sig[i] = if sig[i] == 'A' { 'B' } else { 'A' };
    format!("{message}.{}", sig.into_iter().collect::<String>())
}

#[test]
fn every_rejection_is_unauthenticated_with_a_client_safe_message() {
    let v = verifier();
    let good = hs256(&learner());
    assert!(v.verify(&good).is_ok(), "the baseline token must pass");
    let rsa_good = sign(Algorithm::RS256, "rsa.key.pem", None, &learner());
    let t = now();

    let alg_none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(learner().to_string().as_bytes())
    );
    let alg_none_lower = format!(
        "{}.{}.",
        b64(br#"{"alg":"None"}"#),
        b64(learner().to_string().as_bytes())
    );
    let rsa_public_pem = read("rsa.pub.pem");
    let confusion_key = EncodingKey::from_secret(&rsa_public_pem).expect("key");
    let confusion = sign_with(&Header::new(Algorithm::HS256), &learner(), &confusion_key);
    let mut confusion_kid_header = Header::new(Algorithm::HS256);
    confusion_kid_header.kid = Some("rsa-pem".into());
    let confusion_kid = sign_with(&confusion_kid_header, &learner(), &confusion_key);
    let mut jku = Header::new(Algorithm::HS256);
    jku.jku = Some("https://attacker.example/jwks.json".into());
    let mut x5u = Header::new(Algorithm::HS256);
    x5u.x5u = Some("https://attacker.example/cert.pem".into());
    let huge = with(learner(), "padding", json!("x".repeat(9000)));
    let ec_private = encoding_key(Algorithm::ES256, "ec.key.pem");
    let mut embedded = Header::new(Algorithm::ES256);
    embedded.jwk = Some(
        jsonwebtoken::jwk::Jwk::from_encoding_key(&ec_private, Algorithm::ES256).expect("jwk"),
    );

    let cases: Vec<(&str, String, &str)> = vec![
        ("alg none", alg_none, "malformed token or header"),
        ("alg None", alg_none_lower, "malformed token or header"),
        (
            "wrong algorithm: HS512 with the HS256 secret",
            sign(Algorithm::HS512, "", None, &learner()),
            "no key for the token's algorithm",
        ),
        (
            "wrong algorithm: ES256 token naming the RSA key",
            sign(Algorithm::ES256, "ec.key.pem", Some("rsa-pem"), &learner()),
            "algorithm does not match the key's pinned algorithm",
        ),
        (
            "wrong algorithm: EdDSA token naming the EC key",
            sign(Algorithm::EdDSA, "ed.key.pem", Some("ec-pem"), &learner()),
            "algorithm does not match the key's pinned algorithm",
        ),
        ("HS/RS key confusion (no kid)", confusion, "bad signature"),
        (
            "HS/RS key confusion (kid of the RSA key)",
            confusion_kid,
            "algorithm does not match the key's pinned algorithm",
        ),
        (
            "expired",
            hs256(&with(learner(), "exp", json!(t - 120))),
            "exp passed",
        ),
        (
            "expired, asymmetric",
            sign(
                Algorithm::ES256,
                "ec.key.pem",
                None,
                &with(learner(), "exp", json!(t - 120)),
            ),
            "exp passed",
        ),
        (
            "future nbf",
            hs256(&with(learner(), "nbf", json!(t + 120))),
            "nbf ahead",
        ),
        (
            "future iat",
            hs256(&with(learner(), "iat", json!(t + 120))),
            "iat in the future",
        ),
        (
            "wrong iss",
            hs256(&with(learner(), "iss", json!("someone-else"))),
            "wrong issuer",
        ),
        (
            "missing iss",
            hs256(&without(learner(), "iss")),
            "a required claim is missing",
        ),
        (
            "wrong aud",
            hs256(&with(learner(), "aud", json!("other-api"))),
            "wrong audience",
        ),
        (
            "wrong aud in an array",
            hs256(&with(learner(), "aud", json!(["other-api", "third"]))),
            "wrong audience",
        ),
        (
            "missing aud",
            hs256(&without(learner(), "aud")),
            "a required claim is missing",
        ),
        (
            "missing exp",
            hs256(&without(learner(), "exp")),
            "claims of the wrong shape or type",
        ),
        (
            "tampered payload (HS256)",
            replace_payload(&good, &with(learner(), "role", json!("admin"))),
            "bad signature",
        ),
        (
            "tampered payload (RS256)",
            replace_payload(&rsa_good, &with(learner(), "sub", json!("someone-else"))),
            "bad signature",
        ),
        (
            "tampered signature (HS256)",
            tamper_signature(&good),
            "bad signature",
        ),
        (
            "tampered signature (RS256)",
            tamper_signature(&rsa_good),
            "bad signature",
        ),
        (
            "role: 5",
            hs256(&with(learner(), "role", json!(5))),
            "claims of the wrong shape or type",
        ),
        (
            "sub: []",
            hs256(&with(learner(), "sub", json!([]))),
            "claims of the wrong shape or type",
        ),
        (
            "exp: \"soon\"",
            hs256(&with(learner(), "exp", json!("soon"))),
            "claims of the wrong shape or type",
        ),
        (
            "iss: 1",
            hs256(&with(learner(), "iss", json!(1))),
            "a required claim is missing",
        ),
        (
            "org: {}",
            hs256(&with(claims("recruiter", None), "org", json!({}))),
            "claims of the wrong shape or type",
        ),
        (
            "unknown role",
            hs256(&with(learner(), "role", json!("root"))),
            "unknown role",
        ),
        (
            "empty sub",
            hs256(&with(learner(), "sub", json!(""))),
            "empty sub",
        ),
        (
            "sub of 256 characters",
            hs256(&with(learner(), "sub", json!("s".repeat(256)))),
            "sub too long",
        ),
        ("garbage", "not a token".into(), "malformed token or header"),
        ("empty", String::new(), "malformed token or header"),
        ("dots", "..".into(), "malformed token or header"),
        (
            "four parts",
            format!("{good}.x"),
            "malformed token or header",
        ),
        (
            "header not JSON",
            format!("{}.{}.x", b64(b"{"), b64(b"{}")),
            "malformed token or header",
        ),
        ("oversized", hs256(&huge), "token too large"),
        (
            "unknown kid",
            sign(Algorithm::RS256, "rsa.key.pem", Some("nope"), &learner()),
            "unknown kid",
        ),
        (
            "signed by another RSA key",
            sign(
                Algorithm::RS256,
                "rsa2.key.pem",
                Some("rsa-pem"),
                &learner(),
            ),
            "bad signature",
        ),
        (
            "recruiter without org",
            hs256(&claims("recruiter", None)),
            "org required for this role",
        ),
        (
            "institution with org: 7",
            hs256(&with(claims("institution", None), "org", json!(7))),
            "claims of the wrong shape or type",
        ),
        (
            "jku header",
            sign_with(&jku, &learner(), &encoding_key(Algorithm::HS256, "")),
            "header names a key URL (jku/x5u)",
        ),
        (
            "embedded jwk header",
            sign_with(&embedded, &learner(), &ec_private),
            "header embeds a key (jwk/x5c)",
        ),
        (
            "x5u header",
            sign_with(&x5u, &learner(), &encoding_key(Algorithm::HS256, "")),
            "header names a key URL (jku/x5u)",
        ),
    ];
    for (name, token, expected_reason) in cases {
        let err = match v.verify(&token) {
            Ok(c) => panic!("{name}: accepted as {c:?}"),
            Err(e) => e,
        };
        // The reason (for logs) shows the token failed the check it was made for.
        assert_eq!(err.reason(), expected_reason, "{name}");
        assert_eq!(err.code(), "UNAUTHENTICATED", "{name}");
        let message = err.to_string();
        assert!(
            [
                "invalid token",
                "token expired",
                "token not yet valid",
                "token too large"
            ]
            .contains(&message.as_str()),
            "{name}: message {message:?} says too much"
        );
    }
}

#[test]
fn hs256_tokens_fail_when_hs256_is_disabled() {
    let mut c = config();
    c.hs256_secret = None;
    let v = Verifier::new(&c).expect("verifier");
    assert!(v.verify(&hs256(&learner())).is_err());
    // Key confusion with only public keys configured: no key is pinned to HS256.
    let confusion_key = EncodingKey::from_secret(&read("rsa.pub.pem")).expect("key");
    let t = sign_with(&Header::new(Algorithm::HS256), &learner(), &confusion_key);
    assert_eq!(
        v.verify(&t).map_err(|e| e.reason().to_owned()),
        Err("no key for the token's algorithm".to_owned())
    );
    assert!(
        v.verify(&sign(Algorithm::EdDSA, "ed.key.pem", None, &learner()))
            .is_ok()
    );
}

#[test]
fn development_tokens_from_mint_verify() {
    let dir = tempfile::tempdir().expect("dir");
    let cfg = AuthConfig::from_lookup(dir.path(), |_| None).expect("config");
    let v = Verifier::new(&cfg).expect("verifier");
    let mint = cfg.mint_config().expect("HS256 enabled by default");
    let token = auth::mint(
        &mint,
        "demo-recruiter",
        Role::Recruiter,
        Some("acme"),
        Duration::from_secs(3600),
    )
    .expect("mint");
    let claims = v.verify(&token).expect("verify");
    assert_eq!(
        (claims.subject.as_str(), claims.role, claims.org.as_deref()),
        ("demo-recruiter", Role::Recruiter, Some("acme"))
    );
    assert!(claims.expires_at > now() + 3500);
    // `talent token` reads the same secret file: a second configuration agrees.
    let again = AuthConfig::from_lookup(dir.path(), |_| None).expect("config");
    assert!(Verifier::new(&again).expect("v").verify(&token).is_ok());
    // A token minted with another secret does not verify.
    let other = talent_api::config::JwtConfig {
        secret: vec![9; 32],
        ..mint
    };
    let forged = auth::mint(&other, "x", Role::Admin, None, Duration::from_secs(60)).expect("mint");
    assert!(v.verify(&forged).is_err());
}

#[test]
fn pem_public_keys_verify_rs256_es256_and_eddsa() {
    let v = verifier();
    for (alg, file, kid) in [
        (Algorithm::RS256, "rsa.key.pem", "rsa-pem"),
        (Algorithm::ES256, "ec.key.pem", "ec-pem"),
        (Algorithm::EdDSA, "ed.key.pem", "ed-pem"),
    ] {
        for kid in [None, Some(kid)] {
            let token = sign(
                alg,
                file,
                kid,
                &claims("institution", Some("north-college")),
            );
            let c = v
                .verify(&token)
                .unwrap_or_else(|e| panic!("{alg:?} {kid:?}: {e:?}"));
            assert_eq!(
                c,
                VerifiedClaims {
                    subject: "user-1".into(),
                    role: Role::Institution,
                    org: Some("north-college".into()),
                    expires_at: c.expires_at,
                }
            );
        }
    }
}

#[test]
fn a_jwks_file_selects_keys_by_kid() {
    let mut c = config();
    c.hs256_secret = None;
    c.public_keys.clear();
    c.jwks_file = Some(fixture("jwks.json"));
    let v = Verifier::new(&c).expect("verifier");
    // rsa-a states alg RS256; rsa-b, ec-a and ed-a have it derived; enc-1 is skipped.
    assert_eq!(v.key_count(), 4);
    for (alg, file, kid) in [
        (Algorithm::RS256, "rsa.key.pem", "rsa-a"),
        (Algorithm::RS256, "rsa2.key.pem", "rsa-b"),
        (Algorithm::ES256, "ec.key.pem", "ec-a"),
        (Algorithm::EdDSA, "ed.key.pem", "ed-a"),
    ] {
        let t = sign(alg, file, Some(kid), &learner());
        assert!(v.verify(&t).is_ok(), "{kid}: {:?}", v.verify(&t));
    }
    // The kid decides: the other RSA key's signature fails.
    let swapped = sign(Algorithm::RS256, "rsa2.key.pem", Some("rsa-a"), &learner());
    assert_eq!(
        v.verify(&swapped).map_err(|e| e.reason().to_owned()),
        Err("bad signature".to_owned())
    );
    // Two RS256 keys and no kid: ambiguous, rejected.
    let no_kid = sign(Algorithm::RS256, "rsa.key.pem", None, &learner());
    assert!(v.verify(&no_kid).is_err());
    // An encryption key is never used for signatures.
    let enc = sign(Algorithm::RS256, "rsa2.key.pem", Some("enc-1"), &learner());
    assert_eq!(
        v.verify(&enc).map_err(|e| e.reason().to_owned()),
        Err("unknown kid".to_owned())
    );
    // A single EC key needs no kid.
    let es = sign(Algorithm::ES256, "ec.key.pem", None, &learner());
    assert!(v.verify(&es).is_ok());
}

#[test]
fn leeway_is_honoured_and_bounded() {
    let t = now();
    let expired_10s_ago = hs256(&with(learner(), "exp", json!(t - 10)));
    let nbf_in_10s = hs256(&with(learner(), "nbf", json!(t + 10)));
    let iat_in_10s = hs256(&with(learner(), "iat", json!(t + 10)));
    let v30 = verifier();
    for token in [&expired_10s_ago, &nbf_in_10s, &iat_in_10s] {
        assert!(v30.verify(token).is_ok(), "{:?}", v30.verify(token));
    }
    let mut strict = config();
    strict.leeway_secs = 0;
    let v0 = Verifier::new(&strict).expect("verifier");
    assert_eq!(v0.verify(&expired_10s_ago), Err(AuthError::Expired));
    assert_eq!(v0.verify(&nbf_in_10s), Err(AuthError::NotYetValid));
    assert!(v0.verify(&iat_in_10s).is_err());
    let mut lax = config();
    lax.leeway_secs = 61;
    assert!(matches!(Verifier::new(&lax), Err(AuthError::Config(_))));
}

#[test]
fn the_size_limit_applies_before_parsing() {
    let mut c = config();
    c.max_token_bytes = 64;
    let v = Verifier::new(&c).expect("verifier");
    assert_eq!(v.verify(&hs256(&learner())), Err(AuthError::TooLarge));
    assert_eq!(v.verify(&"x".repeat(65)), Err(AuthError::TooLarge));
}

#[test]
fn keys_are_configured_from_the_environment_table() {
    let dir = tempfile::tempdir().expect("dir");
    let keys = format!(
        "RS256:{}:k-rsa,EdDSA:{}",
        fixture("rsa.pub.pem").display(),
        fixture("ed.pub.pem").display()
    );
    let jwks = fixture("jwks.json").display().to_string();
    let vars = [
        ("TALENT_JWT_DISABLE_HS256", "1"),
        ("TALENT_JWT_PUBLIC_KEYS", keys.as_str()),
        ("TALENT_JWT_JWKS_FILE", jwks.as_str()),
        ("TALENT_JWT_ISSUER", "https://idp.example/"),
        ("TALENT_JWT_AUDIENCE", "talent-prod"),
    ];
    let cfg = AuthConfig::from_lookup(dir.path(), |k| {
        vars.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.to_string())
    })
    .expect("config");
    let v = Verifier::new(&cfg).expect("verifier");
    assert_eq!(v.key_count(), 6);
    let mut c = learner();
    c["iss"] = json!("https://idp.example/");
    c["aud"] = json!(["talent-prod", "other"]);
    assert!(
        v.verify(&sign(Algorithm::RS256, "rsa.key.pem", Some("k-rsa"), &c))
            .is_ok()
    );
    assert!(
        v.verify(&sign(Algorithm::ES256, "ec.key.pem", Some("ec-a"), &c))
            .is_ok()
    );
    // EdDSA: two keys (PEM without kid, JWKS ed-a) fit, so the token must name one.
    assert!(
        v.verify(&sign(Algorithm::EdDSA, "ed.key.pem", Some("ed-a"), &c))
            .is_ok()
    );
    assert!(
        v.verify(&sign(Algorithm::EdDSA, "ed.key.pem", None, &c))
            .is_err()
    );
    // The default issuer no longer passes.
    assert!(
        v.verify(&sign(
            Algorithm::RS256,
            "rsa.key.pem",
            Some("k-rsa"),
            &learner()
        ))
        .is_err()
    );
    assert!(!dir.path().join("jwt-secret").exists());
}

#[test]
fn unusable_keys_are_configuration_errors() {
    let dir = tempfile::tempdir().expect("dir");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    };
    let jwks: Value = serde_json::from_slice(&read("jwks.json")).expect("jwks fixture is JSON");
    let with_private = {
        let mut j = jwks.clone();
        j["keys"][0]["d"] = json!("AAAA");
        write("private.json", &j.to_string())
    };
    let hs_in_jwks = write(
        "oct.json",
        &json!({"keys": [{"kty": "oct", "k": "c2VjcmV0", "alg": "HS256"}]}).to_string(),
    );
    let mismatched = {
        let mut j = json!({"keys": [jwks["keys"][2].clone()]});
        j["keys"][0]["alg"] = json!("RS256");
        write("mismatch.json", &j.to_string())
    };
    let unsupported = {
        let mut j = json!({"keys": [jwks["keys"][0].clone()]});
        j["keys"][0]["alg"] = json!("PS256");
        write("ps256.json", &j.to_string())
    };
    let only_enc = write(
        "enc.json",
        &json!({"keys": [jwks["keys"][4].clone()]}).to_string(),
    );
    let not_json = write("bad.json", "{");

    let base = || {
        let mut c = config();
        c.public_keys.clear();
        c
    };
    let mut cases: Vec<(&str, AuthConfig)> = Vec::new();
    for (name, alg, file) in [
        (
            "private key as public key",
            PublicKeyAlg::RS256,
            "rsa.key.pem",
        ),
        ("EC key pinned to RS256", PublicKeyAlg::RS256, "ec.pub.pem"),
        (
            "RSA key pinned to ES256",
            PublicKeyAlg::ES256,
            "rsa.pub.pem",
        ),
        (
            "RSA key pinned to EdDSA",
            PublicKeyAlg::EdDSA,
            "rsa.pub.pem",
        ),
        ("missing file", PublicKeyAlg::EdDSA, "nope.pem"),
    ] {
        let mut c = base();
        c.public_keys.push(PublicKeySpec {
            alg,
            path: fixture(file),
            kid: None,
        });
        cases.push((name, c));
    }
    for (name, path) in [
        ("JWKS with a private key", with_private),
        ("JWKS with an HMAC secret", hs_in_jwks),
        ("JWKS alg does not fit the key", mismatched),
        ("JWKS alg unsupported", unsupported),
        ("JWKS with no signature key", only_enc),
        ("JWKS not JSON", not_json),
    ] {
        let mut c = base();
        c.jwks_file = Some(path);
        cases.push((name, c));
    }
    let mut dup = base();
    dup.public_keys
        .push(pem_key(PublicKeyAlg::RS256, "rsa.pub.pem", "rsa-a"));
    dup.jwks_file = Some(fixture("jwks.json"));
    cases.push(("duplicate kid", dup));
    let mut short = base();
    short.hs256_secret = Some(b"short".to_vec());
    cases.push(("short HS256 secret", short));
    let mut none = base();
    none.hs256_secret = None;
    cases.push(("no key at all", none));

    for (name, c) in cases {
        match Verifier::new(&c) {
            Err(AuthError::Config(msg)) => assert!(!msg.is_empty(), "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}

async fn org(conn: &mut talent_api::db::DbConn<'_>, slug: &str, kind: OrganizationKind) -> i64 {
    repo::organizations::create(
        conn,
        &repo::organizations::NewOrganization {
            slug,
            name: slug,
            kind,
            location: None,
        },
    )
    .await
    .expect("org")
    .id
}

fn verified(sub: &str, role: Role, org: Option<&str>) -> VerifiedClaims {
    VerifiedClaims {
        subject: sub.into(),
        role,
        org: org.map(str::to_owned),
        expires_at: now() + 600,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn users_are_provisioned_on_first_sight_and_follow_their_newest_token() {
    for t in TestDb::all().await {
        let backend = t.db.backend();
        let mut pooled = t.db.conn().await.expect("conn");
        let conn = &mut pooled.conn();
        let acme = org(conn, "acme", OrganizationKind::Employer).await;
        let college = org(conn, "north-college", OrganizationKind::Institution).await;

        // First sight creates the user; a second sight finds the same one.
        assert_eq!(
            repo::users::find_by_subject(conn, "u1")
                .await
                .expect("find"),
            None
        );
        let v = verifier();
        let token = hs256(&with(learner(), "sub", json!("u1")));
        let claims = v.verify(&token).expect("verify");
        let first = auth::provision(conn, &claims).await.expect("provision");
        assert_eq!(
            (first.subject.as_str(), first.role, first.organization_id),
            ("u1", Role::Learner, None),
            "{backend:?}"
        );
        let again = auth::provision(conn, &claims).await.expect("provision");
        assert_eq!(again, first);

        // Unknown organization, and organizations of the wrong kind.
        for (role, slug) in [
            (Role::Recruiter, "nope"),
            (Role::Recruiter, "north-college"),
            (Role::Institution, "acme"),
            (Role::Institution, "nope"),
        ] {
            let err = auth::provision(conn, &verified("u2", role, Some(slug)))
                .await
                .expect_err("must be refused");
            assert!(
                matches!(err, ProvisionError::UnknownOrganization),
                "{backend:?} {role:?} {slug}: {err:?}"
            );
            assert_eq!(err.code(), "UNAUTHENTICATED");
            assert_eq!(err.to_string(), "unknown organization");
        }
        assert_eq!(
            repo::users::find_by_subject(conn, "u2")
                .await
                .expect("find"),
            None,
            "{backend:?}: a refused token must not create a user"
        );

        // The newest valid token is authoritative for role and organization.
        let steps = [
            (Role::Recruiter, Some("acme"), Some(acme)),
            (Role::Institution, Some("north-college"), Some(college)),
            (Role::Admin, None, None),
            (Role::Learner, None, None),
        ];
        for (role, slug, org_id) in steps {
            let user = auth::provision(conn, &verified("u1", role, slug))
                .await
                .expect("provision");
            assert_eq!(
                (user.id, user.role, user.organization_id),
                (first.id, role, org_id),
                "{backend:?}"
            );
            let stored = repo::users::find_by_subject(conn, "u1")
                .await
                .expect("find")
                .expect("exists");
            assert_eq!(stored, user, "{backend:?}");
        }

        // A recruiter seen first with an organization is created with it.
        let r = auth::provision(conn, &verified("r1", Role::Recruiter, Some("acme")))
            .await
            .expect("provision");
        assert_eq!((r.role, r.organization_id), (Role::Recruiter, Some(acme)));
    }
}

#[test]
fn the_test_base64url_helper_is_right() {
    assert_eq!(
        [b64(b"f"), b64(b"fo"), b64(b"foo"), b64(b"\xfb\xff")],
        ["Zg", "Zm8", "Zm9v", "-_8"]
    );
}
