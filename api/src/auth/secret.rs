//! The HS256 development secret: `TALENT_JWT_SECRET`, or one generated once and stored
//! in `<data-dir>/jwt-secret` with mode 0600, which `serve` and `token` both use.

use std::path::Path;

use anyhow::Context;
use rand::RngCore;

/// File name of the generated secret in the data dir.
pub const SECRET_FILE: &str = "jwt-secret";
/// Shortest secret accepted (bytes): HS256 wants at least 256 bits.
pub const MIN_SECRET_LEN: usize = 32;

/// The secret from the environment value, or from (or newly into) the data dir.
pub fn load_or_create(env_value: Option<&str>, data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    if let Some(v) = env_value.filter(|v| !v.is_empty()) {
        anyhow::ensure!(
            v.len() >= MIN_SECRET_LEN,
            "TALENT_JWT_SECRET must be at least {MIN_SECRET_LEN} bytes"
        );
        return Ok(v.as_bytes().to_vec());
    }
    let path = data_dir.join(SECRET_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let s = text.trim();
            anyhow::ensure!(
                s.len() >= MIN_SECRET_LEN,
                "{} is shorter than {MIN_SECRET_LEN} bytes",
                path.display()
            );
            Ok(s.as_bytes().to_vec())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            write_private(&path, &hex)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(hex.into_bytes())
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    // create_new: two processes racing to create it cannot both win; the loser reads.
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut f) => f.write_all(text.as_bytes()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_private_and_reused() {
        let dir = tempfile::tempdir().expect("dir");
        let a = load_or_create(None, dir.path()).expect("create");
        let b = load_or_create(None, dir.path()).expect("reuse");
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRET_FILE))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(load_or_create(Some("short"), dir.path()).is_err());
        let env = "x".repeat(40);
        assert_eq!(
            load_or_create(Some(&env), dir.path()).expect("env"),
            env.as_bytes()
        );
    }
}
