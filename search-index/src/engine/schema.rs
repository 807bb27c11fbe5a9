//! The tantivy schema: one index holding the three document kinds, so that one commit
//! (with one sequence number in its payload) covers learners, jobs and microcredentials
//! atomically.

use tantivy::schema::{FAST, INDEXED, STORED, STRING, Schema, TEXT};
use tantivy::{TantivyDocument, Term};

use crate::engine::docs::{Document, LearnerDoc, RemotePreference, Visibility, location_key};
use crate::engine::error::EngineError;
use crate::scoring::{Evidence, EvidenceKind};

/// Bumped whenever the schema or the meaning of stored documents changes; an index with
/// another version is rebuilt on open. Version 2 dropped the `skill` field (raw skill
/// tokens): skill retrieval reads the in-memory postings only, and those tokens, which
/// nobody queried, were a large share of tantivy's work per learner.
pub const SCHEMA_VERSION: u32 = 2;

/// Field handles.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// `l:<id>`, `j:<id>` or `m:<id>`: the delete key.
    pub key: tantivy::schema::Field,
    /// `learner`, `job` or `microcredential`.
    pub kind: tantivy::schema::Field,
    /// The database id (fast field for collectors).
    pub id: tantivy::schema::Field,
    /// Learner text: headline, bio, credential titles.
    pub learner_text: tantivy::schema::Field,
    /// Job text: title, description.
    pub job_text: tantivy::schema::Field,
    /// Microcredential text: title, description.
    pub mc_text: tantivy::schema::Field,
    /// Learner visibility token.
    pub visibility: tantivy::schema::Field,
    /// Location key (trimmed, lower case).
    pub location: tantivy::schema::Field,
    /// Remote token.
    pub remote: tantivy::schema::Field,
    /// Employer or provider id.
    pub owner: tantivy::schema::Field,
    /// `open`/`closed`, `active`/`inactive`.
    pub status: tantivy::schema::Field,
    /// The source of the in-memory state (stored only): for a learner the compact record
    /// of [`encode_learner`] (no text: text lives in the inverted index), otherwise the
    /// document as JSON.
    pub doc: tantivy::schema::Field,
}

pub(crate) fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        key: b.add_text_field("key", STRING),
        kind: b.add_text_field("kind", STRING),
        id: b.add_i64_field("id", INDEXED | FAST),
        learner_text: b.add_text_field("learner_text", TEXT),
        job_text: b.add_text_field("job_text", TEXT),
        mc_text: b.add_text_field("mc_text", TEXT),
        visibility: b.add_text_field("visibility", STRING),
        location: b.add_text_field("location", STRING),
        remote: b.add_text_field("remote", STRING),
        owner: b.add_i64_field("owner", INDEXED),
        status: b.add_text_field("status", STRING),
        doc: b.add_bytes_field("doc", STORED),
    };
    (b.build(), fields)
}

/// The delete key of a document kind and id.
pub(crate) fn key_term(fields: &Fields, prefix: char, id: i64) -> Term {
    Term::from_field_text(fields.key, &format!("{prefix}:{id}"))
}

pub(crate) fn key_prefix(doc: &Document) -> (char, i64) {
    match doc {
        Document::Learner(l) => ('l', l.id),
        Document::Job(j) => ('j', j.id),
        Document::Microcredential(m) => ('m', m.id),
    }
}

/// Converts a document to its tantivy form.
pub(crate) fn to_tantivy(fields: &Fields, doc: &Document) -> Result<TantivyDocument, EngineError> {
    let mut t = TantivyDocument::new();
    let (prefix, id) = key_prefix(doc);
    t.add_text(fields.key, format!("{prefix}:{id}"));
    t.add_i64(fields.id, id);
    let stored = match doc {
        Document::Learner(l) => encode_learner(l),
        _ => serde_json::to_vec(doc).map_err(|e| EngineError::Corrupt(e.to_string()))?,
    };
    t.add_bytes(fields.doc, &stored);
    match doc {
        Document::Learner(l) => {
            t.add_text(fields.kind, "learner");
            t.add_text(fields.learner_text, &l.headline);
            t.add_text(fields.learner_text, &l.bio);
            for c in &l.credential_titles {
                t.add_text(fields.learner_text, c);
            }
            t.add_text(fields.visibility, l.visibility.token());
            if let Some(loc) = location_key(l.location.as_deref()) {
                t.add_text(fields.location, loc);
            }
            t.add_text(
                fields.remote,
                match l.remote_preference.code() {
                    0 => "onsite",
                    1 => "hybrid",
                    _ => "remote",
                },
            );
        }
        Document::Job(j) => {
            t.add_text(fields.kind, "job");
            t.add_text(fields.job_text, &j.title);
            t.add_text(fields.job_text, &j.description);
            if let Some(loc) = location_key(j.location.as_deref()) {
                t.add_text(fields.location, loc);
            }
            t.add_text(fields.remote, if j.remote { "remote" } else { "onsite" });
            t.add_i64(fields.owner, j.employer_id);
            t.add_text(fields.status, if j.open { "open" } else { "closed" });
        }
        Document::Microcredential(m) => {
            t.add_text(fields.kind, "microcredential");
            t.add_text(fields.mc_text, &m.title);
            t.add_text(fields.mc_text, &m.description);
            t.add_i64(fields.owner, m.provider_id);
            t.add_text(fields.status, if m.active { "active" } else { "inactive" });
        }
    }
    Ok(t)
}

/// First byte of a compact learner record (JSON starts with `{`).
const LEARNER_TAG: u8 = b'L';

/// A learner's forward data in a compact binary record: tag, id, visibility, remote,
/// location, then per evidence skill, level, flags (kind, expired, has credential) and the
/// credential id. Text is left out (the inverted index holds it; the database is the
/// source of truth for display).
pub(crate) fn encode_learner(l: &LearnerDoc) -> Vec<u8> {
    let mut out = Vec::with_capacity(24 + l.evidence.len() * 18);
    out.push(LEARNER_TAG);
    out.extend_from_slice(&l.id.to_le_bytes());
    out.push(l.visibility.code());
    out.push(l.remote_preference.code());
    match l.location.as_deref() {
        Some(loc) => {
            let bytes = &loc.as_bytes()[..loc.len().min(u16::MAX as usize - 1)];
            out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
            out.extend_from_slice(bytes);
        }
        None => out.extend_from_slice(&u16::MAX.to_le_bytes()),
    }
    let n = l.evidence.len().min(u16::MAX as usize);
    out.extend_from_slice(&(n as u16).to_le_bytes());
    for e in &l.evidence[..n] {
        out.extend_from_slice(&e.skill.to_le_bytes());
        out.push(e.level);
        let flags =
            e.kind.code() | (u8::from(e.expired) << 2) | (u8::from(e.credential_id.is_some()) << 3);
        out.push(flags);
        if let Some(c) = e.credential_id {
            out.extend_from_slice(&c.to_le_bytes());
        }
    }
    out
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], EngineError> {
        if self.0.len() < n {
            return Err(EngineError::Corrupt("truncated learner record".into()));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, EngineError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, EngineError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn i64(&mut self) -> Result<i64, EngineError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_le_bytes(a))
    }
}

/// Decodes a stored document: a compact learner record or JSON.
pub(crate) fn decode_stored(bytes: &[u8]) -> Result<Document, EngineError> {
    if bytes.first() != Some(&LEARNER_TAG) {
        return serde_json::from_slice(bytes).map_err(|e| EngineError::Corrupt(e.to_string()));
    }
    let mut r = Reader(&bytes[1..]);
    let id = r.i64()?;
    let visibility = match r.u8()? {
        0 => Visibility::Private,
        1 => Visibility::Recruiters,
        2 => Visibility::Public,
        v => return Err(EngineError::Corrupt(format!("visibility code {v}"))),
    };
    let remote_preference = match r.u8()? {
        0 => RemotePreference::OnSite,
        1 => RemotePreference::Hybrid,
        2 => RemotePreference::Remote,
        v => return Err(EngineError::Corrupt(format!("remote code {v}"))),
    };
    let location = match r.u16()? {
        u16::MAX => None,
        n => Some(
            String::from_utf8(r.take(usize::from(n))?.to_vec())
                .map_err(|e| EngineError::Corrupt(e.to_string()))?,
        ),
    };
    let n = r.u16()?;
    let mut evidence = Vec::with_capacity(usize::from(n));
    for _ in 0..n {
        let skill = r.i64()?;
        let level = r.u8()?;
        let flags = r.u8()?;
        let kind = EvidenceKind::from_code(flags & 3)
            .ok_or_else(|| EngineError::Corrupt(format!("evidence kind {}", flags & 3)))?;
        let credential_id = if flags & 8 != 0 { Some(r.i64()?) } else { None };
        evidence.push(Evidence {
            skill,
            level,
            kind,
            expired: flags & 4 != 0,
            credential_id,
        });
    }
    Ok(Document::Learner(LearnerDoc {
        id,
        visibility,
        location,
        remote_preference,
        headline: String::new(),
        bio: String::new(),
        credential_titles: Vec::new(),
        evidence,
    }))
}
