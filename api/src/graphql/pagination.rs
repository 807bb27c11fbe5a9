//! Relay connections: `first` 1..100 (default 20), opaque cursors, totalCount.

use async_graphql::SimpleObject;

use super::error::{ApiError, ApiResult};
use super::ids;
use crate::repo::PageRequest;

/// Default page size.
pub const DEFAULT_FIRST: i32 = 20;
/// Largest page size.
pub const MAX_FIRST: i32 = 100;

/// Validates `first` (1..=100, default 20).
pub fn page_size(first: Option<i32>) -> ApiResult<usize> {
    let f = first.unwrap_or(DEFAULT_FIRST);
    if (1..=MAX_FIRST).contains(&f) {
        Ok(f as usize)
    } else {
        Err(ApiError::bad(format!(
            "first must be between 1 and {MAX_FIRST}, got {f}"
        )))
    }
}

/// A database page request from `first` and an `after` list cursor.
pub fn page_request(first: Option<i32>, after: Option<&str>) -> ApiResult<PageRequest> {
    let first = page_size(first)? as i64;
    let after = after.map(ids::decode_cursor).transpose()?;
    Ok(PageRequest { after, first })
}

/// Relay page information.
#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    /// Whether more items follow this page.
    pub has_next_page: bool,
    /// Whether items precede this page (only forward pagination is offered: true when
    /// the page was requested with `after`).
    pub has_previous_page: bool,
    /// Cursor of the first item of the page; null when the page is empty.
    pub start_cursor: Option<String>,
    /// Cursor of the last item; pass it as `after` for the next page. Null when empty.
    pub end_cursor: Option<String>,
}

impl PageInfo {
    /// Page info from the cursors of a page's items.
    pub fn from_cursors(cursors: &[String], has_next_page: bool, had_after: bool) -> Self {
        PageInfo {
            has_next_page,
            has_previous_page: had_after,
            start_cursor: cursors.first().cloned(),
            end_cursor: cursors.last().cloned(),
        }
    }
}

/// Declares `$conn { edges, pageInfo, totalCount }` and `$edge { node, cursor }`.
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty, $what:literal) => {
        #[doc = concat!("An edge of a page of ", $what, ".")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            #[doc = concat!("The ", $what, " item.")]
            pub node: $node,
            /// Opaque cursor of this item: pass it as `after` to continue after it.
            pub cursor: String,
        }

        #[doc = concat!("A page of ", $what, ".")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $conn {
            /// The items of this page, in order.
            pub edges: Vec<$edge>,
            /// Where this page is in the whole list.
            pub page_info: $crate::graphql::pagination::PageInfo,
            /// Number of items across all pages (only what the caller may see).
            pub total_count: i64,
        }

        impl $conn {
            /// Builds a connection from (node, cursor) pairs.
            pub fn new(
                items: Vec<($node, String)>,
                has_next: bool,
                had_after: bool,
                total: i64,
            ) -> Self {
                let cursors: Vec<String> = items.iter().map(|(_, c)| c.clone()).collect();
                $conn {
                    edges: items
                        .into_iter()
                        .map(|(node, cursor)| $edge { node, cursor })
                        .collect(),
                    page_info: $crate::graphql::pagination::PageInfo::from_cursors(
                        &cursors, has_next, had_after,
                    ),
                    total_count: total,
                }
            }
        }
    };
}
pub(crate) use connection;
