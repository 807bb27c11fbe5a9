//! JWT rejection over HTTP: 401, `extensions.code` UNAUTHENTICATED, a
//! `WWW-Authenticate: Bearer` challenge, and the operation did not run.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use talent_tests::{
    AUDIENCE, ISSUER, RSA_KID, SECRET, TestApp, each_backend, error_code, jwt_fixture,
};

const SUB: &str = "mallory";
/// The operation every rejected token tries: it would create a profile.
const MUTATION: &str = "mutation { upsertMyProfile(input: {displayName: \"Mallory\"}) { id } }";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims() -> Value {
    let t = now();
    json!({"sub": SUB, "role": "learner", "iss": ISSUER, "aud": AUDIENCE, "iat": t, "nbf": t, "exp": t + 600})
}

fn with(mut c: Value, key: &str, v: Value) -> Value {
    c[key] = v;
    c
}

fn hs(alg: Algorithm, secret: &[u8], c: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        c,
        &EncodingKey::from_secret(secret).expect("key"),
    )
    .expect("encode")
}

fn hs256(c: &Value) -> String {
    hs(Algorithm::HS256, SECRET, c)
}

fn rs256(key_file: &str, kid: Option<&str>, c: &Value) -> String {
    let pem = std::fs::read(jwt_fixture(key_file)).expect("pem");
    let mut h = Header::new(Algorithm::RS256);
    h.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&h, c, &EncodingKey::from_rsa_pem(&pem).expect("rsa key")).expect("encode")
}

/// A token with a hand-made header and no valid signature.
fn raw(header: &Value, c: &Value, sig: &str) -> String {
    format!(
        "{}.{}.{sig}",
        B64.encode(header.to_string()),
        B64.encode(c.to_string())
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_get_401_and_nothing_runs() {
    each_backend(TestApp::builder(), |app| async move {
        let good = hs256(&claims());
        let parts: Vec<&str> = good.split('.').collect();
        let admin_payload = B64.encode(with(claims(), "role", json!("admin")).to_string());
        let mut flipped_sig = parts[2].to_owned();
        let last = flipped_sig.pop().expect("sig");
        flipped_sig.push(if last == 'A' { 'B' } else { 'A' });
        let rsa_pub = std::fs::read(jwt_fixture("rsa.pub.pem")).expect("pem");
        let mut confused = Header::new(Algorithm::HS256);
        confused.kid = Some(RSA_KID.into());

        let cases: Vec<(&str, String)> = vec![
            ("alg none", raw(&json!({"alg": "none", "typ": "JWT"}), &claims(), "")),
            ("alg none with a signature", raw(&json!({"alg": "none"}), &claims(), parts[2])),
            ("wrong algorithm (HS512 with the secret)", hs(Algorithm::HS512, SECRET, &claims())),
            ("HS/RS confusion: HS256 keyed with the RSA public key",
                jsonwebtoken::encode(&confused, &claims(), &EncodingKey::from_secret(&rsa_pub).expect("key")).expect("encode")),
            ("HS/RS confusion without kid", hs(Algorithm::HS256, &rsa_pub, &claims())),
            ("RS256 by an unknown key", rs256("rsa2.key.pem", Some(RSA_KID), &claims())),
            ("wrong secret", hs(Algorithm::HS256, b"another-secret-another-secret-0123456789", &claims())),
            ("expired", hs256(&with(claims(), "exp", json!(now() - 120)))),
            ("no exp", hs256(&{ let mut c = claims(); c.as_object_mut().expect("obj").remove("exp"); c })),
            ("future nbf", hs256(&with(claims(), "nbf", json!(now() + 600)))),
            ("wrong iss", hs256(&with(claims(), "iss", json!("evil")))),
            ("wrong aud", hs256(&with(claims(), "aud", json!("someone-else")))),
            ("tampered payload", format!("{}.{admin_payload}.{}", parts[0], parts[2])),
            ("tampered signature", format!("{}.{}.{flipped_sig}", parts[0], parts[1])),
            ("exp as a string", hs256(&with(claims(), "exp", json!((now() + 600).to_string())))),
            ("role as a number", hs256(&with(claims(), "role", json!(1)))),
            ("sub as an object", hs256(&with(claims(), "sub", json!({"id": SUB})))),
            ("unknown role", hs256(&with(claims(), "role", json!("superuser")))),
            ("recruiter of an unknown organization",
                hs256(&with(with(claims(), "role", json!("recruiter")), "org", json!("no-such-org")))),
            ("garbage", "not-a-token".into()),
            ("three garbage parts", "a.b.c".into()),
            ("oversized", hs256(&with(claims(), "pad", json!("x".repeat(10_000))))),
        ];
        for (name, token) in &cases {
            let resp = app
                .client
                .post(&app.graphql_url)
                .header("accept", "application/graphql-response+json")
                .bearer_auth(token)
                .json(&json!({"query": MUTATION}))
                .send()
                .await
                .expect("request");
            assert_eq!(resp.status(), 401, "{name}");
            let challenge = resp.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or("");
            assert!(challenge.starts_with("Bearer"), "{name}: WWW-Authenticate {challenge:?}");
            let body: Value = resp.json().await.expect("json");
            assert_eq!(error_code(&body).as_deref(), Some("UNAUTHENTICATED"), "{name}: {body:#}");
            assert!(body["data"].is_null(), "{name}: {body:#}");
        }
        // A malformed Authorization header is not anonymous either.
        for header in ["Basic bWFsbG9yeQ==", "Bearer", "Bearer  "] {
            let resp = app.client.post(&app.graphql_url).header("authorization", header)
                .json(&json!({"query": "{ skills(first: 1) { totalCount } }"})).send().await.expect("request");
            assert_eq!(resp.status(), 401, "Authorization: {header:?}");
        }

        // Controls: the same claims, properly signed (HS256 and the configured RS256
        // key), are accepted; and none of the rejected attempts created a profile.
        let data = app.gql_ok(Some(&good), "{ me { subject role learner { id } } }", json!({})).await;
        assert_eq!(data["me"]["subject"], SUB);
        assert_eq!(data["me"]["learner"], Value::Null, "a rejected token ran the mutation: {data:#}");
        let rs = rs256("rsa.key.pem", Some(RSA_KID), &claims());
        let data = app.gql_ok(Some(&rs), "{ me { role } }", json!({})).await;
        assert_eq!(data["me"]["role"], "LEARNER");

        // Over WebSocket, a bad token in connection_init closes the socket with 4403.
        let expired = hs256(&with(claims(), "exp", json!(now() - 120)));
        let url = format!("ws://{}/graphql/ws", app.addr);
        use futures::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
        let mut req = url.into_client_request().expect("req");
        req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().expect("h"));
        let (mut socket, _) = tokio_tungstenite::connect_async(req).await.expect("connect");
        socket
            .send(Message::Text(json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {expired}")}}).to_string().into()))
            .await
            .expect("send");
        let closed = tokio::time::timeout(talent_tests::WAIT, async {
            while let Some(msg) = socket.next().await {
                match msg {
                    Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                    Ok(Message::Text(t)) => panic!("unexpected {t}"),
                    Ok(_) => continue,
                    Err(_) => return None,
                }
            }
            None
        })
        .await
        .expect("closed within 5 s");
        assert_eq!(closed, Some(4403));
        app.shutdown().await;
    })
    .await;
}
