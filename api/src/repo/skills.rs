//! Skills: the taxonomy (slug, name, category, parent) and aliases.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Page, PageRequest, contains_pattern, lower};
use crate::db::id_list::id_in;
use crate::db::schema::{skill_aliases, skills};
use crate::db::{DbConn, DbError, DbResult};
use crate::with_conn;

/// A skill of the taxonomy.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = skills)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Skill {
    /// Id.
    pub id: i64,
    /// Stable unique slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Category (software, data-ai, ...).
    pub category: String,
    /// Parent in the tree, if any.
    pub parent_id: Option<i64>,
    /// Whether a bare mention in prose may not mean this skill ("Go", "R").
    pub ambiguous: bool,
}

/// A skill to insert.
#[derive(Debug, Clone)]
pub struct NewSkill<'a> {
    /// Unique slug.
    pub slug: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Category.
    pub category: &'a str,
    /// Parent id.
    pub parent_id: Option<i64>,
    /// Ambiguous in prose.
    pub ambiguous: bool,
    /// Aliases.
    pub aliases: &'a [String],
}

/// Inserts a skill with its aliases (in one transaction).
pub async fn create(conn: &mut DbConn<'_>, new: &NewSkill<'_>) -> DbResult<Skill> {
    crate::transaction!(conn, |tx| {
        let values = (
            skills::slug.eq(new.slug),
            skills::name.eq(new.name),
            skills::category.eq(new.category),
            skills::parent_id.eq(new.parent_id),
            skills::ambiguous.eq(new.ambiguous),
        );
        let skill: Skill = with_conn!(tx, |c| diesel::insert_into(skills::table)
            .values(values)
            .returning(Skill::as_returning())
            .get_result(c)
            .await)
        .map_err(|e| DbError::classify(e, "skill"))?;
        for alias in new.aliases {
            let v = (
                skill_aliases::skill_id.eq(skill.id),
                skill_aliases::alias.eq(alias),
            );
            with_conn!(tx, |c| diesel::insert_into(skill_aliases::table)
                .values(v)
                .execute(c)
                .await)
            .map_err(|e| DbError::classify(e, "skill alias"))?;
        }
        Ok(skill)
    })
}

/// The skills with these ids, in id order.
pub async fn get_many(conn: &mut DbConn<'_>, ids: &[i64]) -> DbResult<Vec<Skill>> {
    Ok(crate::load_rows!(
        conn,
        skills::table
            .filter(id_in(skills::id, ids))
            .order(skills::id.asc())
            .select(Skill::as_select())
    )?)
}

/// The skill with this slug, if any.
pub async fn find_by_slug(conn: &mut DbConn<'_>, slug: &str) -> DbResult<Option<Skill>> {
    Ok(with_conn!(conn, |c| skills::table
        .filter(skills::slug.eq(slug))
        .select(Skill::as_select())
        .first(c)
        .await
        .optional())?)
}

/// Every skill, in id order (to build the taxonomy).
pub async fn all(conn: &mut DbConn<'_>) -> DbResult<Vec<Skill>> {
    Ok(with_conn!(conn, |c| skills::table
        .order(skills::id.asc())
        .select(Skill::as_select())
        .load(c)
        .await)?)
}

/// Aliases of these skills, keyed by skill id, each list sorted.
pub async fn aliases_of(
    conn: &mut DbConn<'_>,
    ids: &[i64],
) -> DbResult<BTreeMap<i64, Vec<String>>> {
    let rows: Vec<(i64, String)> = with_conn!(conn, |c| skill_aliases::table
        .filter(skill_aliases::skill_id.eq_any(ids))
        .order((skill_aliases::skill_id.asc(), skill_aliases::alias.asc()))
        .select((skill_aliases::skill_id, skill_aliases::alias))
        .load(c)
        .await)?;
    let mut map: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (id, alias) in rows {
        map.entry(id).or_default().push(alias);
    }
    Ok(map)
}

/// Every alias, as (skill id, alias) pairs (to build the taxonomy).
pub async fn all_aliases(conn: &mut DbConn<'_>) -> DbResult<Vec<(i64, String)>> {
    Ok(with_conn!(conn, |c| skill_aliases::table
        .order((skill_aliases::skill_id.asc(), skill_aliases::alias.asc()))
        .select((skill_aliases::skill_id, skill_aliases::alias))
        .load(c)
        .await)?)
}

/// Children of these skills, in id order.
pub async fn children_of(conn: &mut DbConn<'_>, parent_ids: &[i64]) -> DbResult<Vec<Skill>> {
    Ok(with_conn!(conn, |c| skills::table
        .filter(skills::parent_id.eq_any(parent_ids))
        .order(skills::id.asc())
        .select(Skill::as_select())
        .load(c)
        .await)?)
}

/// A page of skills whose name, slug or an alias contains `query` (case-insensitive),
/// or all skills without a query; in id order.
pub async fn search(
    conn: &mut DbConn<'_>,
    query: Option<&str>,
    page: &PageRequest,
) -> DbResult<Page<Skill>> {
    let pattern = query.map(contains_pattern);
    macro_rules! filtered {
        () => {{
            let mut q = skills::table.into_boxed();
            if let Some(p) = &pattern {
                q = q.filter(
                    lower(skills::name)
                        .like(p.clone())
                        .escape('\\')
                        .or(lower(skills::slug).like(p.clone()).escape('\\'))
                        .or(skills::id.eq_any(
                            skill_aliases::table
                                .filter(lower(skill_aliases::alias).like(p.clone()).escape('\\'))
                                .select(skill_aliases::skill_id),
                        )),
                );
            }
            q
        }};
    }
    let total: i64 = with_conn!(conn, |c| filtered!().count().get_result(c).await)?;
    let items: Vec<Skill> = with_conn!(conn, |c| filtered!()
        .filter(skills::id.gt(page.after_id()))
        .order(skills::id.asc())
        .limit(page.limit())
        .select(Skill::as_select())
        .load(c)
        .await)?;
    Ok(Page::from_fetched(items, page, total))
}
