//! Bulk inserts built from one description per table.
//!
//! [`bulk_rows!`] declares a row type by listing its fields, each named after a column
//! of [`crate::db::schema`]: the column's name and SQL type are taken from there, so a
//! misspelt column or a field of the wrong Rust type does not compile. From that one
//! list come both backends' statements:
//! - PostgreSQL, [`PgUnnest`]: `INSERT INTO t (a, b) SELECT * FROM unnest($1::bigint[],
//!   $2::text[])`, one statement per batch with each column bound as an array (close to
//!   `COPY FROM STDIN`, which diesel-async does not offer);
//! - SQLite, [`SqliteValues`]: `INSERT INTO t (a, b) VALUES (?, ?), (?, ?), ...`, up to
//!   [`SQLITE_ROWS`] rows per statement. Full chunks share one SQL text, so the
//!   connection prepares it once and reuses it; a shorter last chunk is prepared for
//!   its one use.
//!
//! The values are bound by reference: no row or column is copied.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::result::QueryResult;
use diesel::sql_types::{BigInt, Bool, Double, Integer, Nullable, Text, Timestamp};
use diesel::sqlite::Sqlite;

/// Rows per SQLite statement (at most 11 columns, so at most 5,500 binds of SQLite's
/// 32,766).
pub const SQLITE_ROWS: usize = 500;

/// A row type written in bulk; implemented by [`bulk_rows!`].
pub trait BulkRow: Sized + Send + Sync {
    /// The table.
    const TABLE: &'static str;
    /// Its columns, in the order of the fields (and of the binds).
    const COLUMNS: &'static [&'static str];
    /// PostgreSQL: one array per column, of references into the rows.
    type PgArrays<'a>: Send
    where
        Self: 'a;
    /// The column arrays of `rows`.
    fn pg_arrays(rows: &[Self]) -> Self::PgArrays<'_>;
    /// Pushes each column's array as `$n::type[]`, separated by commas.
    fn push_pg_arrays<'b>(
        arrays: &'b Self::PgArrays<'_>,
        out: &mut AstPass<'_, 'b, Pg>,
    ) -> QueryResult<()>;
    /// Pushes this row's values as `?`, separated by commas.
    fn push_sqlite_values<'b>(&'b self, out: &mut AstPass<'_, 'b, Sqlite>) -> QueryResult<()>;
}

/// The cast of a PostgreSQL array parameter of a column of this SQL type.
pub trait PgArrayCast {
    /// `::type[]`.
    const CAST: &'static str;
}

macro_rules! pg_array_cast {
    ($($ty:ty => $cast:literal),+ $(,)?) => {
        $(impl PgArrayCast for $ty { const CAST: &'static str = $cast; })+
    };
}
pg_array_cast!(
    BigInt => "::bigint[]",
    Integer => "::integer[]",
    Text => "::text[]",
    Double => "::float8[]",
    Bool => "::boolean[]",
    Timestamp => "::timestamp[]",
);

impl<T: PgArrayCast + diesel::sql_types::SqlType> PgArrayCast for Nullable<T> {
    const CAST: &'static str = T::CAST;
}

/// Declares row structs and their [`BulkRow`] implementations:
///
/// ```ignore
/// bulk_rows! {
///     /// A user.
///     pub struct UserRow in users {
///         id: i64,
///         subject: String,
///     }
/// }
/// ```
///
/// Each field is a column of `crate::db::schema::<table>` of the same name.
macro_rules! bulk_rows {
    ($(
        $(#[$meta:meta])*
        pub struct $name:ident in $table:ident {
            $($(#[$fmeta:meta])* $field:ident: $ty:ty,)+
        }
    )+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)+
        }

        impl $crate::seed::synthetic::bulk::BulkRow for $name {
            const TABLE: &'static str = stringify!($table);
            const COLUMNS: &'static [&'static str] = &[
                $(<$crate::db::schema::$table::$field as ::diesel::Column>::NAME,)+
            ];
            type PgArrays<'a> = ($(Vec<&'a $ty>,)+);

            fn pg_arrays(rows: &[Self]) -> Self::PgArrays<'_> {
                ($(rows.iter().map(|r| &r.$field).collect::<Vec<_>>(),)+)
            }

            #[allow(unused_assignments)]
            fn push_pg_arrays<'b>(
                arrays: &'b Self::PgArrays<'_>,
                out: &mut ::diesel::query_builder::AstPass<'_, 'b, ::diesel::pg::Pg>,
            ) -> ::diesel::result::QueryResult<()> {
                let ($($field,)+) = arrays;
                let mut separator = "";
                $(
                    out.push_sql(separator);
                    out.push_bind_param::<
                        ::diesel::sql_types::Array<
                            ::diesel::dsl::SqlTypeOf<$crate::db::schema::$table::$field>,
                        >,
                        _,
                    >($field)?;
                    out.push_sql(<
                        ::diesel::dsl::SqlTypeOf<$crate::db::schema::$table::$field>
                        as $crate::seed::synthetic::bulk::PgArrayCast
                    >::CAST);
                    separator = ", ";
                )+
                Ok(())
            }

            #[allow(unused_assignments)]
            fn push_sqlite_values<'b>(
                &'b self,
                out: &mut ::diesel::query_builder::AstPass<'_, 'b, ::diesel::sqlite::Sqlite>,
            ) -> ::diesel::result::QueryResult<()> {
                let mut separator = "";
                $(
                    out.push_sql(separator);
                    out.push_bind_param::<
                        ::diesel::dsl::SqlTypeOf<$crate::db::schema::$table::$field>,
                        _,
                    >(&self.$field)?;
                    separator = ", ";
                )+
                Ok(())
            }
        }
    )+};
}
pub(crate) use bulk_rows;

/// `INSERT INTO table (a, b, c) `.
fn push_insert_into<R: BulkRow, DB: diesel::backend::Backend>(out: &mut AstPass<'_, '_, DB>) {
    out.push_sql("INSERT INTO ");
    out.push_sql(R::TABLE);
    out.push_sql(" (");
    for (i, column) in R::COLUMNS.iter().enumerate() {
        if i > 0 {
            out.push_sql(", ");
        }
        out.push_sql(column);
    }
    out.push_sql(") ");
}

/// PostgreSQL: every row of a slice in one statement, the columns bound as arrays.
pub struct PgUnnest<'a, R: BulkRow + 'a> {
    arrays: R::PgArrays<'a>,
}

impl<'a, R: BulkRow> PgUnnest<'a, R> {
    /// The statement inserting `rows`.
    pub fn new(rows: &'a [R]) -> Self {
        PgUnnest {
            arrays: R::pg_arrays(rows),
        }
    }
}

impl<R: BulkRow> QueryFragment<Pg> for PgUnnest<'_, R> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        push_insert_into::<R, Pg>(&mut out);
        out.push_sql("SELECT * FROM unnest(");
        R::push_pg_arrays(&self.arrays, &mut out)?;
        out.push_sql(")");
        Ok(())
    }
}

/// Cached by its SQL text, which depends only on the table.
impl<R: BulkRow> QueryId for PgUnnest<'_, R> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

/// SQLite: a slice of rows (up to [`SQLITE_ROWS`]) in one multi-row `VALUES` statement.
pub struct SqliteValues<'a, R> {
    rows: &'a [R],
}

impl<'a, R: BulkRow> SqliteValues<'a, R> {
    /// The statement inserting `rows`.
    pub fn new(rows: &'a [R]) -> Self {
        SqliteValues { rows }
    }
}

impl<R: BulkRow> QueryFragment<Sqlite> for SqliteValues<'_, R> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        if self.rows.len() != SQLITE_ROWS {
            // A batch's last chunk: its length, hence its SQL, seldom comes again.
            out.unsafe_to_cache_prepared();
        }
        push_insert_into::<R, Sqlite>(&mut out);
        out.push_sql("VALUES ");
        for (i, row) in self.rows.iter().enumerate() {
            out.push_sql(if i == 0 { "(" } else { ", (" });
            row.push_sqlite_values(&mut out)?;
            out.push_sql(")");
        }
        Ok(())
    }
}

/// A full chunk is cached by its SQL text, which then depends only on the table.
impl<R> QueryId for SqliteValues<'_, R> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<R, Conn> diesel::RunQueryDsl<Conn> for SqliteValues<'_, R> {}

/// Inserts `rows` on PostgreSQL in one statement (none for no rows).
pub async fn pg_insert<R: BulkRow>(
    c: &mut diesel_async::AsyncPgConnection,
    rows: &[R],
) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    diesel_async::RunQueryDsl::execute(PgUnnest::new(rows), c).await
}

/// Inserts `rows` on SQLite, [`SQLITE_ROWS`] per statement.
pub fn sqlite_insert<R: BulkRow>(
    c: &mut diesel::SqliteConnection,
    rows: &[R],
) -> QueryResult<usize> {
    let mut inserted = 0;
    for chunk in rows.chunks(SQLITE_ROWS) {
        inserted += diesel::RunQueryDsl::execute(SqliteValues::new(chunk), c)?;
    }
    Ok(inserted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::synthetic::rows::{JobRequirementRow, LearnerRow};

    fn requirement(job_id: i64, skill_id: i64) -> JobRequirementRow {
        JobRequirementRow {
            job_id,
            skill_id,
            min_level: 3,
            weight: 1.5,
            required: true,
        }
    }

    /// The SQL text of a statement and its binds, as diesel shows them.
    fn split(text: String) -> (String, String) {
        let (sql, binds) = text.split_once(" -- binds: ").expect("binds");
        (sql.to_owned(), binds.to_owned())
    }

    fn pg<R: BulkRow>(rows: &[R]) -> (String, String) {
        split(diesel::debug_query::<Pg, _>(&PgUnnest::new(rows)).to_string())
    }

    fn sqlite<R: BulkRow>(rows: &[R]) -> (String, String) {
        split(diesel::debug_query::<Sqlite, _>(&SqliteValues::new(rows)).to_string())
    }

    #[test]
    fn postgres_binds_one_typed_array_per_column_of_the_schema() {
        let rows = [requirement(7, 11), requirement(7, 12)];
        let (text, binds) = pg(&rows);
        assert_eq!(
            text,
            "INSERT INTO job_requirements (job_id, skill_id, min_level, weight, required) \
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::integer[], $4::float8[], \
             $5::boolean[])"
        );
        assert_eq!(
            binds,
            "[[7, 7], [11, 12], [3, 3], [1.5, 1.5], [true, true]]"
        );
    }

    #[test]
    fn sqlite_binds_one_value_per_column_of_each_row() {
        let rows = [requirement(7, 11), requirement(8, 12)];
        let (text, binds) = sqlite(&rows);
        assert_eq!(
            text,
            "INSERT INTO job_requirements (job_id, skill_id, min_level, weight, required) \
             VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)"
        );
        assert_eq!(binds, "[7, 11, 3, 1.5, true, 8, 12, 3, 1.5, true]");
    }

    #[test]
    fn sqlite_keeps_the_statement_of_a_full_chunk_only() {
        let rows: Vec<JobRequirementRow> =
            (0..SQLITE_ROWS as i64).map(|s| requirement(1, s)).collect();
        let cacheable = |rows: &[JobRequirementRow]| {
            QueryFragment::<Sqlite>::is_safe_to_cache_prepared(&SqliteValues::new(rows), &Sqlite)
                .expect("walk")
        };
        assert!(cacheable(&rows));
        assert!(!cacheable(&rows[..7]));
        let pg = QueryFragment::<Pg>::is_safe_to_cache_prepared(&PgUnnest::new(&rows[..7]), &Pg);
        assert!(pg.expect("walk"));
    }

    #[test]
    fn nullable_columns_cast_to_the_inner_type_and_bind_null() {
        let t = crate::seed::demo::demo_epoch();
        let learner = LearnerRow {
            id: 1,
            user_id: 2,
            display_name: "Ada".into(),
            headline: None,
            bio: None,
            location: Some("Oslo".into()),
            remote_preference: "ANY",
            visibility: "PUBLIC",
            created_at: t,
            updated_at: t,
        };
        let rows = [learner];
        let (pg, _) = pg(&rows);
        assert!(
            pg.ends_with(
                "unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], \
                 $6::text[], $7::text[], $8::text[], $9::timestamp[], $10::timestamp[])"
            ),
            "{pg}"
        );
        let (_, binds) = sqlite(&rows);
        assert!(
            binds.starts_with("[1, 2, \"Ada\", None, None, Some(\"Oslo\"), \"ANY\", \"PUBLIC\""),
            "{binds}"
        );
    }
}
