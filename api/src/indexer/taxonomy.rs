//! The skill taxonomy, loaded from the database (skills + aliases).

use std::collections::HashMap;

use search_index::{SkillDef, Taxonomy};

use crate::db::DbConn;
use crate::repo;

/// Builds the [`Taxonomy`] from the `skills` and `skill_aliases` tables (two queries).
///
/// The taxonomy is loaded once, when the [`super::SearchService`] starts: skills added
/// later (only the seed commands add skills) are known to the index after a restart.
pub async fn load(conn: &mut DbConn<'_>) -> anyhow::Result<Taxonomy> {
    let skills = repo::skills::all(conn).await?;
    let mut aliases: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, alias) in repo::skills::all_aliases(conn).await? {
        aliases.entry(id).or_default().push(alias);
    }
    let defs = skills
        .into_iter()
        .map(|s| SkillDef {
            aliases: aliases.remove(&s.id).unwrap_or_default(),
            id: s.id,
            slug: s.slug,
            name: s.name,
            category: s.category,
            parent: s.parent_id,
            ambiguous: s.ambiguous,
        })
        .collect();
    Taxonomy::new(defs)
        .map_err(|e| anyhow::anyhow!("the skill taxonomy in the database is invalid: {e}"))
}
