//! Media types of GraphQL over HTTP: which response type an `Accept` header selects and
//! whether a request body's `Content-Type` is JSON.
//!
//! Decisions (GraphQL-over-HTTP draft, legacy-compatible):
//! - `application/graphql-response+json` is chosen when the client names it with q > 0
//!   and does not give `application/json` a strictly higher q;
//! - `application/json` when named otherwise, when `Accept` is absent or empty, and when
//!   only wildcards (`*/*`, `application/*`) match: clients that do not name the new
//!   type are treated as legacy clients;
//! - nothing acceptable (e.g. only `text/html`): 406.

/// A response media type of GraphQL over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/graphql-response+json`: request errors get 4xx.
    GraphQLResponseJson,
    /// `application/json` (legacy): every well-formed GraphQL response gets 200.
    Json,
}

impl MediaType {
    /// The `Content-Type` header value.
    pub fn content_type(self) -> &'static str {
        match self {
            MediaType::GraphQLResponseJson => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
enum Match {
    None,
    Any,
    Type,
    Exact,
}

/// The quality `accept` gives to `ty/subtype`, and how specifically.
fn quality(accept: &str, ty: &str, subtype: &str) -> (Match, f32) {
    let mut best = (Match::None, 0.0);
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let Some((t, s)) = parts.next().and_then(|m| m.trim().split_once('/')) else {
            continue;
        };
        let (t, s) = (t.trim(), s.trim());
        let specificity = if t.eq_ignore_ascii_case(ty) && s.eq_ignore_ascii_case(subtype) {
            Match::Exact
        } else if t.eq_ignore_ascii_case(ty) && s == "*" {
            Match::Type
        } else if t == "*" && s == "*" {
            Match::Any
        } else {
            continue;
        };
        let q = parts
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
            .map(|(_, v)| v.trim().parse::<f32>().unwrap_or(0.0))
            .unwrap_or(1.0);
        if specificity > best.0 {
            best = (specificity, q);
        }
    }
    best
}

/// The response media type for an `Accept` header value (`None` = header absent), or
/// `None` when nothing acceptable can be produced (406).
pub fn negotiate(accept: Option<&str>) -> Option<MediaType> {
    let accept = match accept.map(str::trim) {
        None | Some("") => return Some(MediaType::Json),
        Some(a) => a,
    };
    let (grj_match, grj_q) = quality(accept, "application", "graphql-response+json");
    let (json_match, json_q) = quality(accept, "application", "json");
    if grj_match == Match::Exact && grj_q > 0.0 && (json_match != Match::Exact || grj_q >= json_q) {
        Some(MediaType::GraphQLResponseJson)
    } else if json_q > 0.0 {
        Some(MediaType::Json)
    } else if grj_q > 0.0 {
        Some(MediaType::GraphQLResponseJson)
    } else {
        None
    }
}

/// Whether an `Accept` header value asks for HTML (a browser navigating to the page).
pub fn wants_html(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| {
        let (m, q) = quality(a, "text", "html");
        m == Match::Exact && q > 0.0
    })
}

/// Whether a `Content-Type` header value is JSON (`application/json`, optionally with
/// `charset=utf-8`).
pub fn is_json_content_type(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else {
        return false;
    };
    let mut parts = ct.split(';');
    let essence_ok = parts
        .next()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    essence_ok
        && parts.all(|p| match p.trim().split_once('=') {
            Some((k, v)) if k.trim().eq_ignore_ascii_case("charset") => {
                v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
            _ => true,
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::MediaType::*;
    use super::*;

    #[test]
    fn negotiation_table() {
        let cases: &[(Option<&str>, Option<MediaType>)] = &[
            (None, Some(Json)),
            (Some(""), Some(Json)),
            (Some("*/*"), Some(Json)),
            (Some("application/*"), Some(Json)),
            (Some("application/json"), Some(Json)),
            (
                Some("application/graphql-response+json"),
                Some(GraphQLResponseJson),
            ),
            (
                Some("application/graphql-response+json, application/json;q=0.9"),
                Some(GraphQLResponseJson),
            ),
            (
                Some("application/json, application/graphql-response+json"),
                Some(GraphQLResponseJson),
            ),
            (
                Some("application/graphql-response+json;q=0.5, application/json"),
                Some(Json),
            ),
            (
                Some("application/graphql-response+json, application/json, multipart/mixed"),
                Some(GraphQLResponseJson),
            ),
            (Some("application/json;q=0, */*"), Some(GraphQLResponseJson)),
            (Some("text/html"), None),
            (Some("application/xml"), None),
            (Some("application/json;q=0"), None),
            (Some("text/html, */*;q=0.8"), Some(Json)),
        ];
        for (accept, want) in cases {
            assert_eq!(negotiate(*accept), *want, "{accept:?}");
        }
    }

    #[test]
    fn html_and_content_type() {
        assert!(wants_html(Some(
            "text/html,application/xhtml+xml,*/*;q=0.8"
        )));
        assert!(!wants_html(Some("*/*")));
        assert!(!wants_html(None));
        assert!(is_json_content_type(Some("application/json")));
        assert!(is_json_content_type(Some(
            "Application/JSON; charset=UTF-8"
        )));
        assert!(!is_json_content_type(Some(
            "application/json; charset=latin1"
        )));
        assert!(!is_json_content_type(Some("text/plain")));
        assert!(!is_json_content_type(Some("application/graphql")));
        assert!(!is_json_content_type(None));
    }
}
