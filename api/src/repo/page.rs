//! Keyset pagination over ascending ids.

/// A request for one page: rows with id greater than `after`, at most `first` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Exclusive lower bound on the id (the last id of the previous page).
    pub after: Option<i64>,
    /// Page size (the API bounds it to 1..=100).
    pub first: i64,
}

impl PageRequest {
    /// The first page of `first` rows.
    pub fn first(first: i64) -> Self {
        PageRequest { after: None, first }
    }
    /// The id bound to use in `id > bound`.
    pub fn after_id(&self) -> i64 {
        self.after.unwrap_or(i64::MIN)
    }
    /// How many rows to fetch: one more than the page to learn whether another follows.
    pub fn limit(&self) -> i64 {
        self.first.max(0) + 1
    }
}

/// One page of rows in id order.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Whether rows follow this page.
    pub has_next: bool,
    /// Rows matching the query across all pages.
    pub total: i64,
}

impl<T> Page<T> {
    /// Builds a page from `limit()` fetched rows, dropping the look-ahead row.
    pub fn from_fetched(mut items: Vec<T>, req: &PageRequest, total: i64) -> Self {
        let first = usize::try_from(req.first.max(0)).unwrap_or(0);
        let has_next = items.len() > first;
        items.truncate(first);
        Page {
            items,
            has_next,
            total,
        }
    }
}
