//! GraphiQL served offline: the page at `GET /graphql` (browsers, `Accept: text/html`,
//! no `query` parameter) and its scripts and styles at `/graphiql/<file>`, compiled into
//! the binary from `api/assets/graphiql/` (graphiql 3.8.3 UMD, react and react-dom
//! 18.3.1 UMD; see `LICENSE.md` there). The page refers only to relative URLs, so it
//! works without network access and behind a path prefix.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The page. Relative URLs: from `/graphql` the assets resolve to `/graphiql/...`, and
/// the endpoint is the page's own path (WebSocket: that path + `/ws`).
const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Talent GraphQL</title>
  <link rel="stylesheet" href="graphiql/graphiql.min.css">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="graphiql/react.production.min.js"></script>
  <script src="graphiql/react-dom.production.min.js"></script>
  <script src="graphiql/graphiql.min.js"></script>
  <script>
    (function () {
      var path = window.location.pathname.replace(/\/+$/, '');
      var scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
      var fetcher = GraphiQL.createFetcher({
        url: path,
        subscriptionUrl: scheme + '//' + window.location.host + path + '/ws',
      });
      var root = ReactDOM.createRoot(document.getElementById('graphiql'));
      root.render(React.createElement(GraphiQL, {
        fetcher: fetcher,
        defaultEditorToolsVisibility: true,
      }));
    })();
  </script>
</body>
</html>
"#;

/// The assets: (file name, content type, bytes).
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
    (
        "LICENSE.md",
        "text/markdown; charset=utf-8",
        include_bytes!("../../assets/graphiql/LICENSE.md"),
    ),
];

/// The GraphiQL page.
pub(crate) fn page() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        PAGE,
    )
        .into_response()
}

/// `GET /graphiql/{file}`.
pub(crate) async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=86400"),
                ),
            ],
            *bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The `src` and `href` attribute values of an HTML page.
#[cfg(test)]
pub(crate) fn referenced_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            if let Some(end) = rest.find('"') {
                urls.push(rest[..end].to_string());
            }
        }
    }
    urls
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn page_references_only_bundled_relative_urls() {
        let urls = referenced_urls(PAGE);
        assert_eq!(urls.len(), 4, "{urls:?}");
        for url in urls {
            assert!(
                !url.contains("http") && !url.starts_with("//") && !url.starts_with('/'),
                "{url}"
            );
            let file = url.strip_prefix("graphiql/").unwrap();
            assert!(
                ASSETS.iter().any(|(name, _, _)| *name == file),
                "{file} not bundled"
            );
        }
    }

    #[test]
    fn assets_are_the_umd_builds() {
        let js = ASSETS.iter().find(|a| a.0 == "graphiql.min.js").unwrap().2;
        let tail = String::from_utf8_lossy(&js[js.len() - 300..]);
        assert!(tail.contains("window.GraphiQL"), "not the UMD build");
        let react = ASSETS
            .iter()
            .find(|a| a.0 == "react.production.min.js")
            .unwrap()
            .2;
        assert!(String::from_utf8_lossy(&react[..400]).contains("React"));
    }
}
