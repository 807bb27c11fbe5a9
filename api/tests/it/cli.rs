//! The `talent` binary itself: start-up, bad input, tokens.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn talent() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_talent"));
    c.env_remove("DATABASE_URL")
        .env_remove("TALENT_JWT_SECRET")
        .env("TALENT_LOG_FORMAT", "json");
    c
}

#[test]
fn an_unreachable_database_fails_fast_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("dir");
    let started = Instant::now();
    let out = talent()
        .args(["--data-dir", &dir.path().to_string_lossy(), "migrate"])
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nothing")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(started.elapsed() < Duration::from_secs(10));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot connect to the database at postgres://postgres@127.0.0.1:1/nothing"),
        "{err}"
    );
}

#[test]
fn an_unwritable_data_dir_fails_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").expect("file");
    let out = talent()
        .args(["--data-dir", &file.join("sub").to_string_lossy(), "serve"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("data directory"), "{err}");
}

#[test]
fn a_malformed_seeds_dir_names_the_file_and_line() {
    let dir = tempfile::tempdir().expect("dir");
    let seeds = dir.path().join("seeds");
    std::fs::create_dir(&seeds).expect("mkdir");
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../seeds");
    for entry in std::fs::read_dir(root).expect("seeds") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), seeds.join(entry.file_name())).expect("copy");
    }
    let path = seeds.join("occupations.csv");
    let mut text = std::fs::read_to_string(&path).expect("read");
    text.push_str("broken-row-without-enough-columns\n");
    std::fs::write(&path, &text).expect("write");
    let line = text.lines().count();
    let out = talent()
        .args([
            "--data-dir",
            &dir.path().join("data").to_string_lossy(),
            "seed",
            "--demo",
            "--seeds-dir",
            &seeds.to_string_lossy(),
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("occupations.csv:{line}")), "{err}");
}

#[test]
fn serve_on_a_fresh_data_dir_becomes_ready_with_demo_data_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = talent()
        .args([
            "--data-dir",
            &dir.path().to_string_lossy(),
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let rt = tokio::runtime::Runtime::new().expect("rt");
    let url = format!("http://127.0.0.1:{port}/readyz");
    let ready = rt.block_on(async {
        let client = reqwest::Client::new();
        for _ in 0..240 {
            if let Ok(r) = client.get(&url).send().await
                && r.status() == 200
            {
                return r.json::<serde_json::Value>().await.ok();
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        None
    });
    let ready = ready.expect("readyz never said 200");
    assert_eq!(ready["database"], "ok");
    assert_eq!(ready["migrations"], "applied");
    // The demo data is there: a token for a demo subject needs no --role.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = child.wait().expect("wait");
    assert!(
        exit.success(),
        "serve did not exit cleanly on SIGTERM: {exit:?}"
    );
    let out = talent()
        .args([
            "--data-dir",
            &dir.path().to_string_lossy(),
            "token",
            "--sub",
            "demo-recruiter",
        ])
        .output()
        .expect("token");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout);
    assert_eq!(token.trim().split('.').count(), 3);
    // The generated secret is private.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join("jwt-secret"))
        .expect("secret")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}
