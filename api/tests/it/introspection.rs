//! Standard GraphQL tooling at the default limits: the introspection query of graphql-js
//! (`getIntrospectionQuery` of graphql 16.9.0, the version bundled in
//! `api/assets/graphiql/graphiql.min.js`; the fixtures are its output with the default
//! options and with every option on, as GraphiQL and codegen tools send it) runs over
//! HTTP on the talent schema, and what it reports equals `schema.graphql`, type by type,
//! field by field, argument by argument.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use async_graphql::Schema;
use async_graphql::parser::types::{
    BaseType, ConstDirective, InputValueDefinition, Type, TypeKind, TypeSystemDefinition,
};
use futures::future::BoxFuture;
use serde_json::{Value, json};
use talent_api::graphql::{mutation::Mutation, query::Query, subscription::Subscription};
use talent_api::http::{
    ContextProvider, HttpConfig, Metrics, Rejection, apply_limits, graphql_router,
};

const DEFAULT_OPTIONS: &str = include_str!("fixtures/introspection-default.graphql");
const ALL_OPTIONS: &str = include_str!("fixtures/introspection-all-options.graphql");
const SCHEMA: &str = include_str!("../../../schema.graphql");

/// Anonymous callers only: introspection needs no viewer.
struct Anonymous;

impl ContextProvider for Anonymous {
    fn context(
        &self,
        _bearer: Option<String>,
    ) -> BoxFuture<'static, Result<async_graphql::Data, Rejection>> {
        Box::pin(async { Ok(async_graphql::Data::default()) })
    }
}

/// The talent schema (its types; no services, which introspection does not use) behind
/// the router at the default limits; returns the `/graphql` URL.
async fn serve() -> String {
    let cfg = HttpConfig::default();
    let schema = apply_limits(
        Schema::build(Query::default(), Mutation::default(), Subscription),
        &cfg,
    )
    .finish();
    let router = graphql_router(schema, Arc::new(Anonymous), &cfg, Arc::new(Metrics::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}/graphql")
}

async fn post(url: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn the_standard_introspection_query_runs_at_the_default_limits() {
    let url = serve().await;
    for (name, query) in [("default", DEFAULT_OPTIONS), ("all options", ALL_OPTIONS)] {
        let (status, body) = post(
            &url,
            json!({"query": query, "operationName": "IntrospectionQuery"}),
        )
        .await;
        assert_eq!(status, 200, "{name}: {body:#}");
        assert!(body.get("errors").is_none(), "{name}: {body:#}");
        let types = body["data"]["__schema"]["types"].as_array().unwrap();
        assert!(types.iter().any(|t| t["name"] == "Query"), "{name}");
    }

    // The depth limit still holds for ordinary queries...
    let mut deep = "slug".to_string();
    for _ in 0..12 {
        deep = format!("parent {{ {deep} }}");
    }
    let (status, body) = post(
        &url,
        json!({"query": format!("{{ skills(first: 1) {{ edges {{ node {{ {deep} }} }} }} }}")}),
    )
    .await;
    assert_eq!(status, 400, "{body:#}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{body:#}"
    );
    // ... and for introspection that fans out (every field of every type of every field).
    let mut fan = "name".to_string();
    for _ in 0..6 {
        fan = format!("fields {{ type {{ {fan} }} }}");
    }
    let (status, body) = post(
        &url,
        json!({"query": format!("{{ __schema {{ types {{ {fan} }} }} }}")}),
    )
    .await;
    assert_eq!(status, 400, "{body:#}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
}

#[tokio::test]
async fn introspection_equals_schema_graphql() {
    let url = serve().await;
    let (status, body) = post(&url, json!({"query": ALL_OPTIONS})).await;
    assert_eq!(status, 200, "{body:#}");
    let live = &body["data"]["__schema"];
    let file = async_graphql::parser::parse_schema(SCHEMA).unwrap();

    let mut roots = BTreeMap::new();
    let mut file_types = BTreeMap::new();
    let mut file_directives = BTreeMap::new();
    for definition in &file.definitions {
        match definition {
            TypeSystemDefinition::Schema(s) => {
                let s = &s.node;
                for (root, name) in [
                    ("queryType", &s.query),
                    ("mutationType", &s.mutation),
                    ("subscriptionType", &s.subscription),
                ] {
                    roots.insert(root, name.as_ref().map(|n| n.node.to_string()));
                }
            }
            TypeSystemDefinition::Type(t) => {
                file_types.insert(t.node.name.node.to_string(), &t.node);
            }
            TypeSystemDefinition::Directive(d) => {
                file_directives.insert(d.node.name.node.to_string(), &d.node);
            }
        }
    }
    for (root, name) in roots {
        assert_eq!(
            live[root]["name"].as_str().map(str::to_string),
            name,
            "{root}"
        );
    }

    // Types: the same set (built-in scalars and introspection types are not in the SDL).
    let builtin = ["Int", "Float", "String", "Boolean", "ID"];
    let mut live_types = BTreeMap::new();
    for t in live["types"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        if !name.starts_with("__") && !builtin.contains(&name) {
            live_types.insert(name.to_string(), t);
        }
    }
    assert_eq!(
        live_types.keys().collect::<Vec<_>>(),
        file_types.keys().collect::<Vec<_>>(),
        "the type names differ"
    );

    for (name, def) in &file_types {
        let t = live_types[name];
        let here = |what: &str| format!("{name}{what}");
        match &def.kind {
            TypeKind::Scalar => {
                assert_eq!(t["kind"], "SCALAR", "{name}");
                assert_eq!(
                    t["specifiedByURL"].as_str(),
                    directive_arg(&def.directives, "specifiedBy", "url").as_deref(),
                    "{name}: specifiedByURL and @specifiedBy"
                );
            }
            TypeKind::Object(o) => {
                assert_eq!(t["kind"], "OBJECT", "{name}");
                assert_eq!(
                    names(&t["interfaces"]),
                    o.implements
                        .iter()
                        .map(|n| n.node.to_string())
                        .collect::<Vec<_>>(),
                    "{name}: interfaces"
                );
                compare_fields(name, &t["fields"], &o.fields);
            }
            TypeKind::Interface(i) => {
                assert_eq!(t["kind"], "INTERFACE", "{name}");
                compare_fields(name, &t["fields"], &i.fields);
            }
            TypeKind::Union(u) => {
                assert_eq!(t["kind"], "UNION", "{name}");
                let mut live = names(&t["possibleTypes"]);
                let mut file: Vec<String> = u.members.iter().map(|n| n.node.to_string()).collect();
                live.sort();
                file.sort();
                assert_eq!(live, file, "{name}: members");
            }
            TypeKind::Enum(e) => {
                assert_eq!(t["kind"], "ENUM", "{name}");
                let values = t["enumValues"].as_array().unwrap();
                assert_eq!(values.len(), e.values.len(), "{name}: values");
                for (v, def) in values.iter().zip(&e.values) {
                    assert_eq!(v["name"], def.node.value.node.as_str(), "{name}");
                    assert_eq!(
                        v["deprecationReason"].as_str(),
                        deprecation(&def.node.directives).as_deref(),
                        "{}",
                        here(&format!(".{}", def.node.value.node))
                    );
                }
            }
            TypeKind::InputObject(i) => {
                assert_eq!(t["kind"], "INPUT_OBJECT", "{name}");
                compare_inputs(name, &t["inputFields"], &i.fields);
            }
        }
    }

    // Directives declared in the file are the live ones, with the same arguments.
    let live_directives: BTreeMap<&str, &Value> = live["directives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["name"].as_str().unwrap(), d))
        .collect();
    for (name, def) in &file_directives {
        let d = live_directives
            .get(name.as_str())
            .unwrap_or_else(|| panic!("@{name} is not live"));
        compare_inputs(&format!("@{name}"), &d["args"], &def.arguments);
        // From the text: async-graphql-parser 7.2 reports every directive repeatable
        // (its grammar's `repeatable` rule also matches the empty string).
        let repeatable = SCHEMA
            .lines()
            .find(|l| {
                l.starts_with(&format!("directive @{name}("))
                    || l.starts_with(&format!("directive @{name} "))
            })
            .is_some_and(|l| l.contains(" repeatable "));
        assert_eq!(d["isRepeatable"], repeatable, "@{name}");
        let locations: Vec<String> = def
            .locations
            .iter()
            .map(|l| screaming_snake(&format!("{:?}", l.node)))
            .collect();
        assert_eq!(names_of_strings(&d["locations"]), locations, "@{name}");
    }
}

fn compare_fields(
    owner: &str,
    live: &Value,
    file: &[async_graphql::Positioned<async_graphql::parser::types::FieldDefinition>],
) {
    let live = live.as_array().unwrap();
    assert_eq!(
        names(&Value::Array(live.clone())),
        file.iter()
            .map(|f| f.node.name.node.to_string())
            .collect::<Vec<_>>(),
        "{owner}: fields"
    );
    for (l, f) in live.iter().zip(file) {
        let f = &f.node;
        let at = format!("{owner}.{}", f.name.node);
        assert_eq!(type_ref(&l["type"]), f.ty.node.to_string(), "{at}: type");
        assert_eq!(
            l["deprecationReason"].as_str(),
            deprecation(&f.directives).as_deref(),
            "{at}: deprecation"
        );
        compare_inputs(&at, &l["args"], &f.arguments);
    }
}

fn compare_inputs(
    owner: &str,
    live: &Value,
    file: &[async_graphql::Positioned<InputValueDefinition>],
) {
    let live = live.as_array().unwrap();
    assert_eq!(
        names(&Value::Array(live.clone())),
        file.iter()
            .map(|a| a.node.name.node.to_string())
            .collect::<Vec<_>>(),
        "{owner}: arguments or input fields"
    );
    for (l, a) in live.iter().zip(file) {
        let a = &a.node;
        let at = format!("{owner}({})", a.name.node);
        assert_eq!(type_ref(&l["type"]), a.ty.node.to_string(), "{at}: type");
        // Default values compared as values (the two print them differently).
        let live_default = l["defaultValue"].as_str().map(|d| {
            async_graphql::parser::parse_query(format!("{{ f(x: {d}) }}"))
                .map(|doc| format!("{doc:?}"))
                .unwrap()
        });
        let file_default = a.default_value.as_ref().map(|d| {
            async_graphql::parser::parse_query(format!("{{ f(x: {}) }}", d.node))
                .map(|doc| format!("{doc:?}"))
                .unwrap()
        });
        assert_eq!(
            live_default.map(|s| strip_positions(&s)),
            file_default.map(|s| strip_positions(&s)),
            "{at}: default"
        );
    }
}

/// An introspection `__Type` reference in SDL notation, e.g. `[Skill!]!`.
fn type_ref(t: &Value) -> String {
    fn to_type(t: &Value) -> Type {
        match t["kind"].as_str().unwrap() {
            "NON_NULL" => Type {
                nullable: false,
                ..to_type(&t["ofType"])
            },
            "LIST" => Type {
                base: BaseType::List(Box::new(to_type(&t["ofType"]))),
                nullable: true,
            },
            _ => Type {
                base: BaseType::Named(async_graphql::Name::new(t["name"].as_str().unwrap())),
                nullable: true,
            },
        }
    }
    to_type(t).to_string()
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["name"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn names_of_strings(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn directive_arg(
    directives: &[async_graphql::Positioned<ConstDirective>],
    name: &str,
    arg: &str,
) -> Option<String> {
    directives
        .iter()
        .find(|d| d.node.name.node == name)
        .and_then(|d| d.node.get_argument(arg))
        .map(|v| match &v.node {
            async_graphql::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
}

/// The deprecation reason the SDL gives (`@deprecated` without a reason means the
/// specification's default, "No longer supported").
fn deprecation(directives: &[async_graphql::Positioned<ConstDirective>]) -> Option<String> {
    directives
        .iter()
        .find(|d| d.node.name.node == "deprecated")
        .map(|_| {
            directive_arg(directives, "deprecated", "reason")
                .unwrap_or_else(|| "No longer supported".to_string())
        })
}

/// `FragmentSpread` as introspection spells it, `FRAGMENT_SPREAD`.
fn screaming_snake(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

fn strip_positions(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("Pos(") {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        rest = rest.find(')').map_or("", |j| &rest[j + 1..]);
    }
    out.push_str(rest);
    out
}
