//! The tantivy schema: one index holding the three document kinds, so that one commit
//! (with one sequence number in its payload) covers learners, jobs and microcredentials
//! atomically.

use tantivy::schema::{FAST, INDEXED, STORED, STRING, Schema, TEXT};
use tantivy::{TantivyDocument, Term};

use crate::engine::docs::{Document, location_key};
use crate::engine::error::EngineError;

/// Bumped whenever the schema or the meaning of stored documents changes; an index with
/// another version is rebuilt on open.
pub const SCHEMA_VERSION: u32 = 1;

/// Field handles.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// `l:<id>`, `j:<id>` or `m:<id>`: the delete key.
    pub key: tantivy::schema::Field,
    /// `learner`, `job` or `microcredential`.
    pub kind: tantivy::schema::Field,
    /// The database id (fast field for collectors).
    pub id: tantivy::schema::Field,
    /// Raw skill tokens: `<skill>`, `<skill>:l<level>`, `<skill>:k<kind code>`, `must:<skill>`.
    pub skill: tantivy::schema::Field,
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
    /// The whole document as JSON (stored only): the source of the in-memory state.
    pub doc: tantivy::schema::Field,
}

pub(crate) fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        key: b.add_text_field("key", STRING),
        kind: b.add_text_field("kind", STRING),
        id: b.add_i64_field("id", INDEXED | FAST),
        skill: b.add_text_field("skill", STRING),
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
    let json = serde_json::to_vec(doc).map_err(|e| EngineError::Corrupt(e.to_string()))?;
    t.add_bytes(fields.doc, &json);
    match doc {
        Document::Learner(l) => {
            t.add_text(fields.kind, "learner");
            for e in &l.evidence {
                t.add_text(fields.skill, e.skill.to_string());
                t.add_text(fields.skill, format!("{}:l{}", e.skill, e.level));
                t.add_text(fields.skill, format!("{}:k{}", e.skill, e.kind.code()));
            }
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
            for r in &j.requirements {
                t.add_text(fields.skill, r.skill.to_string());
                t.add_text(fields.skill, format!("{}:l{}", r.skill, r.min_level));
                if r.required {
                    t.add_text(fields.skill, format!("must:{}", r.skill));
                }
            }
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
            for &(s, l) in &m.skills {
                t.add_text(fields.skill, s.to_string());
                t.add_text(fields.skill, format!("{s}:l{l}"));
            }
            t.add_text(fields.mc_text, &m.title);
            t.add_text(fields.mc_text, &m.description);
            t.add_i64(fields.owner, m.provider_id);
            t.add_text(fields.status, if m.active { "active" } else { "inactive" });
        }
    }
    Ok(t)
}
