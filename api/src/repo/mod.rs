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
