//! GraphiQL served offline: the page at `GET /graphql` (browsers, `Accept: text/html`,
//! no `query` parameter) and its scripts and styles at `/graphiql/<file>`, compiled into
//! the binary from `api/assets/graphiql/` (graphiql 3.8.3 UMD, react and react-dom
//! 18.3.1 UMD; see `LICENSE.md` there). The page refers only to relative URLs, so it
//! works without network access and behind a path prefix.
//!
//! It opens on one tab of worked examples per role ([`EXAMPLES`]: learner, recruiter,
//! institution), each saying how to mint a token and where it goes (the Headers pane),
//! and with the Headers pane open. GraphiQL keeps the tabs a visitor edits in the
//! browser's storage; the examples are the tabs of a first visit.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A tab of worked examples: its operations (the first names the tab) and variables.
pub(crate) struct Example {
    pub(crate) query: &'static str,
    pub(crate) variables: &'static str,
}

/// The worked examples, one tab per role, against the talent schema (a test validates
/// them against it). The headers stay empty: GraphiQL also sends them when it loads the
/// schema, which anyone may do.
pub(crate) const EXAMPLES: &[Example] = &[
    Example {
        query: r#"# Learner: open jobs ranked for you, then the gap analysis of one.
#
# 1. Mint a token for the demo learner:   talent token --sub demo-learner
# 2. In the Headers pane below, enter:    {"Authorization": "Bearer <the token>"}
# 3. Run LearnerJobs (the play button offers each operation), copy a job id into
#    the Variables pane, run LearnerGapAnalysis.

query LearnerJobs {
  recommendedJobs(first: 5) {
    totalCount
    edges {
      node {
        score
        job { id title employer { name } location remote }
        explanation { missingMustHaves { name } }
      }
    }
  }
}

query LearnerGapAnalysis($job: ID!) {
  gapAnalysis(jobId: $job) {
    score
    gaps { skill { name } requiredLevel heldLevel weight required credit bestEvidence }
  }
  skillUnlocks(first: 5) { skill { name } jobsUnlocked }
}
"#,
        variables: r#"{"job": "<a job id from LearnerJobs>"}"#,
    },
    Example {
        query: r#"# Recruiter: your organization's jobs, then candidates for one, explained.
#
# 1. Mint a token for the demo recruiter: talent token --sub demo-recruiter
# 2. In the Headers pane below, enter:    {"Authorization": "Bearer <the token>"}
# 3. Run RecruiterJobs, copy a job id into the Variables pane, run
#    RecruiterCandidates.

query RecruiterJobs {
  me { organization { id name } }
  jobs(first: 5) {
    edges { node { id title status employer { name } } }
  }
}

query RecruiterCandidates($job: ID!) {
  searchCandidates(jobId: $job, first: 5, filter: {minScore: 0.3}) {
    totalCount
    edges {
      node {
        score
        learner { displayName headline location }
        explanation {
          missingMustHaves { name }
          contributions {
            requirement { skill { name } minLevel weight required }
            evidenceSkill { name }
            relation
            evidence
            heldLevel
            credit
            contribution
          }
        }
      }
    }
  }
}
"#,
        variables: r#"{"job": "<a job id from RecruiterJobs>"}"#,
    },
    Example {
        query: r#"# Institution: skills in demand against the learners who hold them, and
# learner segments (aggregates only).
#
# 1. Mint a token for the demo institution: talent token --sub demo-institution
# 2. In the Headers pane below, enter:      {"Authorization": "Bearer <the token>"}
# 3. Run either operation. Segments answer status COMPUTING the first time: run
#    again a moment later.

query InstitutionSupplyDemand {
  skillSupplyDemand(filter: {category: "data-ai", periodDays: 90}, first: 5) {
    totalCount
    edges {
      node {
        skill { name }
        demandJobs
        demandWeight
        supplyLearners
        supplyPerJob
        demandTrend
      }
    }
  }
}

query InstitutionSegments {
  learnerSegments {
    status
    k
    kSelection
    learnersInScope
    segments {
      label
      size
      reach
      distinctiveSkills { skill { name } lift }
      commonGaps { skill { name } minLevel learners }
    }
  }
}
"#,
        variables: "{}",
    },
];

/// The page. Relative URLs: from `/graphql` the assets resolve to `/graphiql/...`, and
/// the endpoint is the page's own path (WebSocket: that path + `/ws`). `__TABS__` is
/// replaced by the examples.
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
        defaultTabs: __TABS__,
        defaultEditorToolsVisibility: 'headers',
      }));
    })();
  </script>
</body>
</html>
"#;

/// [`PAGE`] with the examples as GraphiQL's `defaultTabs`.
static PAGE_WITH_EXAMPLES: LazyLock<String> = LazyLock::new(|| {
    let tabs: Vec<serde_json::Value> = EXAMPLES
        .iter()
        .map(|e| serde_json::json!({"query": e.query, "variables": e.variables}))
        .collect();
    // In a script element, `</` could close it.
    let tabs = serde_json::Value::Array(tabs)
        .to_string()
        .replace("</", "<\\/");
    PAGE.replace("__TABS__", &tabs)
});

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
        PAGE_WITH_EXAMPLES.as_str(),
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
        let urls = referenced_urls(&PAGE_WITH_EXAMPLES);
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

    /// Runs `query`'s operation `name` on the talent schema through async-graphql's
    /// validation, with every root field skipped so that nothing executes; the errors.
    async fn validation_errors(query: &str, name: &str) -> Vec<String> {
        use async_graphql::parser::types::{Directive, DocumentOperations, Selection};
        use async_graphql::{Name, Pos, Positioned};

        use crate::graphql::{mutation::Mutation, query::Query, subscription::Subscription};
        let schema =
            async_graphql::Schema::build(Query::default(), Mutation::default(), Subscription)
                .finish();
        let mut doc = async_graphql::parser::parse_query(query).unwrap();
        let skip = Positioned::new(
            Directive {
                name: Positioned::new(Name::new("skip"), Pos::default()),
                arguments: vec![(
                    Positioned::new(Name::new("if"), Pos::default()),
                    Positioned::new(async_graphql_value::Value::Boolean(true), Pos::default()),
                )],
            },
            Pos::default(),
        );
        let DocumentOperations::Multiple(ops) = &mut doc.operations else {
            panic!("name the operations of {query}");
        };
        for op in ops.values_mut() {
            for item in &mut op.node.selection_set.node.items {
                let Selection::Field(field) = &mut item.node else {
                    panic!("root fragments in {query}");
                };
                field.node.directives.push(skip.clone());
            }
        }
        let mut request = async_graphql::Request::new(query)
            .operation_name(name)
            .variables(async_graphql::Variables::from_json(
                serde_json::json!({"job": "Sm9iOjE"}),
            ));
        request.set_parsed_query(doc);
        let response = schema.execute(request).await;
        response.errors.into_iter().map(|e| e.message).collect()
    }

    #[tokio::test]
    async fn examples_are_valid_against_the_schema_and_within_the_limits() {
        let cfg = super::super::HttpConfig::default();
        assert_eq!(EXAMPLES.len(), 3);
        for example in EXAMPLES {
            assert!(
                example.query.contains("talent token --sub demo-")
                    && example
                        .query
                        .contains(r#"{"Authorization": "Bearer <the token>"}"#),
                "no token hint in {}",
                example.query
            );
            serde_json::from_str::<serde_json::Value>(example.variables).unwrap();
            let doc = async_graphql::parser::parse_query(example.query).unwrap();
            assert_eq!(
                super::super::limits::check(&doc, cfg.max_depth, cfg.max_aliases),
                Ok(())
            );
            let names: Vec<String> = doc
                .operations
                .iter()
                .map(|(name, _)| name.unwrap().to_string())
                .collect();
            assert_eq!(names.len(), 2, "{names:?}");
            for name in names {
                let errors = validation_errors(example.query, &name).await;
                assert!(errors.is_empty(), "{name}: {errors:?}");
            }
        }
        // The check sees a wrong example.
        let errors = validation_errors(
            "query A { recommendedJobs(first: 5) { edges { node { scor } } } } query B { me { role } }",
            "A",
        )
        .await;
        assert!(
            errors.iter().any(|e| e.contains("Unknown field \"scor\"")),
            "{errors:?}"
        );
    }

    #[test]
    fn the_page_opens_on_the_examples() {
        let page = PAGE_WITH_EXAMPLES.as_str();
        assert!(!page.contains("__TABS__"));
        let start = page.find("defaultTabs: ").unwrap() + "defaultTabs: ".len();
        let end = page[start..]
            .find(",\n        defaultEditorToolsVisibility")
            .unwrap();
        let tabs: serde_json::Value = serde_json::from_str(&page[start..start + end]).unwrap();
        assert_eq!(tabs.as_array().unwrap().len(), EXAMPLES.len());
        for (tab, example) in tabs.as_array().unwrap().iter().zip(EXAMPLES) {
            assert_eq!(tab["query"], example.query);
            assert_eq!(tab["variables"], example.variables);
        }
        assert!(page.contains("defaultEditorToolsVisibility: 'headers'"));
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
