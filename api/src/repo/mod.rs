//! Repositories: one module per entity, each a set of `async fn (conn, ..) -> DbResult<T>`
//! over [`DbConn`](crate::db::DbConn). Every change to an indexed entity (a learner's
//! profile, visibility, skills or credentials; a job; a microcredential) writes its
//! [`outbox`] row in the same transaction.

pub mod applications;
pub mod credentials;
pub mod jobs;
pub mod learners;
pub mod microcredentials;
pub mod occupations;
pub mod organizations;
pub mod outbox;
pub mod skills;
pub mod users;

mod enums;
mod page;

pub use enums::*;
pub use page::{Page, PageRequest};

/// Which learners a bulk reader reads: these ids (the incremental path: the learners an
/// outbox batch names), or every learner with an id in `lo..=hi` (a range scan: the
/// snapshot path). On SQLite both decode rows with diesel's synchronous API
/// ([`crate::load_rows`]).
#[derive(Debug, Clone, Copy)]
pub enum LearnerSet<'a> {
    /// These ids (any order; unknown ids are ignored).
    Ids(&'a [i64]),
    /// Every id in `lo..=hi`.
    Range(i64, i64),
}

diesel::define_sql_function! {
    /// SQL `lower(text)`, on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A `LIKE` pattern matching `query` anywhere, case-insensitively (compare against
/// `lower(column)`), with `%`, `_` and `\` escaped (use `.escape('\\')`).
pub fn contains_pattern(query: &str) -> String {
    let mut p = String::with_capacity(query.len() + 2);
    p.push('%');
    for ch in query.trim().to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// The current time, UTC, as stored (microsecond precision on both backends).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::Timelike;
    let t = chrono::Utc::now().naive_utc();
    t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

/// Checks a skill level is within 1..=5.
pub fn check_level(level: i32) -> crate::db::DbResult<()> {
    if (1..=5).contains(&level) {
        Ok(())
    } else {
        Err(crate::db::DbError::Invalid(format!(
            "level {level} is outside 1..5"
        )))
    }
}
