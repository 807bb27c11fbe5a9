//! [`id_in`]: `column IN (ids)` as one statement text whatever the number of ids.
//!
//! diesel writes `eq_any` on SQLite as `IN (?, ?, ...)`, one placeholder per id, so
//! every list length is a different statement, never cached: each by-id read of a page
//! (learners, jobs, requirements, skills) was parsed and planned again, about a quarter
//! of SQLite's share of a candidate-search profile. [`IdIn`] binds the whole list as
//! one parameter instead: on SQLite a JSON array read by `json_each` (the planner still
//! searches the column's index once per id: `SEARCH ... (id=?)`), on PostgreSQL an
//! array compared with `= ANY` (what diesel writes there already). The text is then
//! fixed, so diesel's prepared-statement cache keeps the statement.

use std::marker::PhantomData;

use diesel::QueryResult;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bool, Text};
use diesel::sqlite::Sqlite;

/// `column IN (ids)` with a fixed statement text (see the module docs). An empty list
/// matches nothing.
pub fn id_in<C>(column: C, ids: &[i64]) -> IdIn<C>
where
    C: Expression<SqlType = BigInt>,
{
    IdIn {
        column,
        ids: ids.to_vec(),
        json: json_array(ids),
    }
}

/// The expression [`id_in`] builds.
#[derive(Debug, Clone)]
pub struct IdIn<C> {
    column: C,
    /// PostgreSQL's parameter.
    ids: Vec<i64>,
    /// SQLite's parameter: `[1,2,3]`.
    json: String,
}

fn json_array(ids: &[i64]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(2 + ids.len() * 8);
    s.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{id}");
    }
    s.push(']');
    s
}

impl<C: Expression<SqlType = BigInt>> Expression for IdIn<C> {
    type SqlType = Bool;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for IdIn<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C: QueryFragment<Pg>> QueryFragment<Pg> for IdIn<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<BigInt>, _>(&self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}

/// The type-level id of an [`IdIn`] over a column with id `C` (the statement text
/// depends only on the column).
pub struct IdInQueryId<C>(PhantomData<C>);

impl<C: QueryId> QueryId for IdIn<C> {
    type QueryId = IdInQueryId<C::QueryId>;
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C: AppearsOnTable<QS>, QS> AppearsOnTable<QS> for IdIn<C> where IdIn<C>: Expression {}

impl<C: SelectableExpression<QS>, QS> SelectableExpression<QS> for IdIn<C> where
    IdIn<C>: AppearsOnTable<QS>
{
}

impl<C: ValidGrouping<GB>, GB> ValidGrouping<GB> for IdIn<C> {
    type IsAggregate = C::IsAggregate;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use diesel::connection::{InstrumentationEvent, SimpleConnection};
    use diesel::{Connection, ExpressionMethods, QueryDsl, RunQueryDsl, SqliteConnection};

    use super::{id_in, json_array};
    use crate::db::schema::skills;

    /// Same rows as `eq_any` for any list (empty, repeated ids, unknown ids, more ids
    /// than SQLite once allowed parameters), and one statement prepared for all of them.
    #[test]
    fn selects_like_eq_any_with_one_cached_statement() {
        let mut c = SqliteConnection::establish(":memory:").unwrap();
        c.batch_execute("CREATE TABLE skills (id INTEGER PRIMARY KEY);")
            .unwrap();
        c.batch_execute(
            &(1..=50)
                .map(|i| format!("INSERT INTO skills VALUES ({});", i * 3))
                .collect::<String>(),
        )
        .unwrap();
        let cached = Arc::new(AtomicUsize::new(0));
        let seen = cached.clone();
        c.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { .. } = event {
                seen.fetch_add(1, Ordering::Relaxed);
            }
        });
        let lists: Vec<Vec<i64>> = vec![
            vec![],
            vec![3],
            vec![6, 3, 6, 4],
            (0..1500).collect(),
            vec![150, 151, -3],
        ];
        for ids in &lists {
            let got: Vec<i64> = skills::table
                .select(skills::id)
                .filter(id_in(skills::id, ids))
                .order(skills::id.asc())
                .load(&mut c)
                .unwrap();
            let mut want: Vec<i64> = ids
                .iter()
                .copied()
                .filter(|i| i % 3 == 0 && (3..=150).contains(i))
                .collect();
            want.sort_unstable();
            want.dedup();
            assert_eq!(got, want, "{} ids", ids.len());
        }
        assert_eq!(
            cached.load(Ordering::Relaxed),
            1,
            "one statement for every list length"
        );
    }

    #[test]
    fn json_arrays() {
        assert_eq!(json_array(&[]), "[]");
        assert_eq!(json_array(&[7]), "[7]");
        assert_eq!(json_array(&[1, -2, i64::MAX]), "[1,-2,9223372036854775807]");
    }
}
