//! End-to-end suites: the real router over real HTTP, on every backend of
//! `TestDb::all()` (SQLite, and PostgreSQL when `TEST_DATABASE_URL` is set).

mod authz;
mod fixture;
mod flows;
mod insights;
mod jwt;
mod limits;
mod live;
mod query_count;
mod response_order;
mod stored;
mod validation;
