//! The outbox: one row per change to an indexed entity, written in the changing
//! transaction, read in sequence order by the indexer.
//!
//! PostgreSQL hands out identity values at insert time, not at commit, so a reader
//! could see seq 8 committed while seq 7 is still in flight and skip it forever. Writers
//! therefore take a transaction-scoped advisory lock ([`OUTBOX_LOCK_KEY`]) just before
//! inserting: the lock is held until commit, so sequences become visible in order and
//! `seq > last_applied` never skips a row. SQLite has a single writer, so its order is
//! commit order already.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{EntityKind, Operation, now, parse_stored};
use crate::db::schema::outbox;
use crate::db::{DbConn, DbResult};
use crate::with_conn;

/// The advisory lock key that serialises outbox writers on PostgreSQL ("TALENTOB").
pub const OUTBOX_LOCK_KEY: i64 = 0x5441_4c45_4e54_4f42;

/// One outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Position in the log; strictly increasing in commit order.
    pub seq: i64,
    /// What kind of entity changed.
    pub entity_kind: EntityKind,
    /// Its id.
    pub entity_id: i64,
    /// Upsert (re-read and index it) or delete (drop it from the index).
    pub operation: Operation,
    /// When the change was committed (approximately).
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct Row {
    seq: i64,
    entity_kind: String,
    entity_id: i64,
    operation: String,
    created_at: chrono::NaiveDateTime,
}

impl TryFrom<Row> for OutboxEntry {
    type Error = crate::db::DbError;
    fn try_from(r: Row) -> DbResult<Self> {
        Ok(OutboxEntry {
            seq: r.seq,
            entity_kind: parse_stored(&r.entity_kind)?,
            entity_id: r.entity_id,
            operation: parse_stored(&r.operation)?,
            created_at: r.created_at,
        })
    }
}

/// Records a change. Call inside the transaction that makes the change, as its last
/// statement (the PostgreSQL lock is held from here to commit).
pub async fn record(
    conn: &mut DbConn<'_>,
    kind: EntityKind,
    entity_id: i64,
    operation: Operation,
) -> DbResult<i64> {
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(OUTBOX_LOCK_KEY)
            .execute(&mut **c)
            .await?;
    }
    let values = (
        outbox::entity_kind.eq(kind.as_str()),
        outbox::entity_id.eq(entity_id),
        outbox::operation.eq(operation.as_str()),
        outbox::created_at.eq(now()),
    );
    Ok(with_conn!(conn, |c| diesel::insert_into(outbox::table)
        .values(values)
        .returning(outbox::seq)
        .get_result(c)
        .await)?)
}

/// Up to `limit` rows after `after_seq`, in sequence order.
pub async fn read_after(
    conn: &mut DbConn<'_>,
    after_seq: i64,
    limit: i64,
) -> DbResult<Vec<OutboxEntry>> {
    let rows: Vec<Row> = with_conn!(conn, |c| outbox::table
        .filter(outbox::seq.gt(after_seq))
        .order(outbox::seq.asc())
        .limit(limit)
        .select(Row::as_select())
        .load(c)
        .await)?;
    rows.into_iter().map(OutboxEntry::try_from).collect()
}

/// The newest sequence number, 0 when the outbox is empty (for the lag metric).
pub async fn head(conn: &mut DbConn<'_>) -> DbResult<i64> {
    let max: Option<i64> = with_conn!(conn, |c| outbox::table
        .select(diesel::dsl::max(outbox::seq))
        .first(c)
        .await)?;
    Ok(max.unwrap_or(0))
}

/// Every row naming one entity, oldest first (tests and audits).
pub async fn for_entity(
    conn: &mut DbConn<'_>,
    kind: EntityKind,
    entity_id: i64,
) -> DbResult<Vec<OutboxEntry>> {
    let rows: Vec<Row> = with_conn!(conn, |c| outbox::table
        .filter(outbox::entity_kind.eq(kind.as_str()))
        .filter(outbox::entity_id.eq(entity_id))
        .order(outbox::seq.asc())
        .select(Row::as_select())
        .load(c)
        .await)?;
    rows.into_iter().map(OutboxEntry::try_from).collect()
}

/// Number of rows after `after_seq` (how much changed since a read).
pub async fn count_after(conn: &mut DbConn<'_>, after_seq: i64) -> DbResult<i64> {
    Ok(with_conn!(conn, |c| outbox::table
        .filter(outbox::seq.gt(after_seq))
        .count()
        .get_result(c)
        .await)?)
}
