//! Reading GraphQL requests: the query string of `GET`, the JSON body of `POST` (one
//! request or a batch), and which operation types each transport runs.

use async_graphql::parser::types::OperationType;
use serde::Deserialize;
use serde_json::Value;

/// The query parameters of `GET /graphql`.
#[derive(Deserialize)]
pub(crate) struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// One request or a batch, before execution.
pub(crate) enum Parsed {
    Single(Box<async_graphql::Request>),
    Batch(Vec<async_graphql::Request>),
}

pub(crate) fn get_request(params: GetParams) -> Result<async_graphql::Request, String> {
    let query = params
        .query
        .ok_or_else(|| "missing the `query` parameter".to_string())?;
    let mut object = serde_json::Map::new();
    object.insert("query".into(), Value::String(query));
    if let Some(name) = params.operation_name.filter(|n| !n.is_empty()) {
        object.insert("operationName".into(), Value::String(name));
    }
    for (key, raw) in [
        ("variables", params.variables),
        ("extensions", params.extensions),
    ] {
        if let Some(raw) = raw.filter(|r| !r.is_empty()) {
            let v: Value =
                serde_json::from_str(&raw).map_err(|e| format!("`{key}` is not JSON: {e}"))?;
            object.insert(key.into(), v);
        }
    }
    request_from_json(Value::Object(object))
}

pub(crate) fn post_body(bytes: &[u8]) -> Result<Parsed, String> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("the body is not JSON: {e}"))?;
    match value {
        Value::Array(items) => items
            .into_iter()
            .map(request_from_json)
            .collect::<Result<Vec<_>, _>>()
            .map(Parsed::Batch),
        other => request_from_json(other).map(|r| Parsed::Single(Box::new(r))),
    }
}

/// A GraphQL request from its JSON form: `query` a string; `operationName` a string or
/// null; `variables` and `extensions` objects or null.
pub(crate) fn request_from_json(value: Value) -> Result<async_graphql::Request, String> {
    let Value::Object(mut object) = value else {
        return Err("a GraphQL request is a JSON object".to_string());
    };
    if !object.get("query").is_some_and(Value::is_string) {
        return Err("`query` must be a string".to_string());
    }
    for (key, ok) in [
        (
            "operationName",
            object
                .get("operationName")
                .is_none_or(|v| v.is_string() || v.is_null()),
        ),
        (
            "variables",
            object
                .get("variables")
                .is_none_or(|v| v.is_object() || v.is_null()),
        ),
        (
            "extensions",
            object
                .get("extensions")
                .is_none_or(|v| v.is_object() || v.is_null()),
        ),
    ] {
        if !ok {
            return Err(format!("`{key}` has the wrong type"));
        }
    }
    object.retain(|_, v| !v.is_null());
    serde_json::from_value(Value::Object(object)).map_err(|e| format!("not a GraphQL request: {e}"))
}

pub(crate) enum OperationRefusal {
    MutationOverGet,
    SubscriptionOverHttp,
}

/// Whether this transport refuses an operation of type `ty`: `GET` runs only queries,
/// and no HTTP request runs a subscription.
pub(crate) fn check_operation_type(ty: OperationType, is_get: bool) -> Option<OperationRefusal> {
    match ty {
        OperationType::Mutation | OperationType::Subscription if is_get => {
            Some(OperationRefusal::MutationOverGet)
        }
        OperationType::Subscription => Some(OperationRefusal::SubscriptionOverHttp),
        OperationType::Query | OperationType::Mutation => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn request_json_shapes() {
        assert!(request_from_json(serde_json::json!({"query": "{a}"})).is_ok());
        assert!(
            request_from_json(serde_json::json!({"query": "{a}", "variables": null, "operationName": null, "extensions": null}))
                .is_ok()
        );
        let r = request_from_json(serde_json::json!({"query": "query Q($x: Int) {a}", "operationName": "Q", "variables": {"x": 1}})).unwrap();
        assert_eq!(r.operation_name.as_deref(), Some("Q"));
        for bad in [
            serde_json::json!({}),
            serde_json::json!({"query": 5}),
            serde_json::json!({"query": "{a}", "variables": [1]}),
            serde_json::json!({"query": "{a}", "operationName": 3}),
            serde_json::json!("{a}"),
        ] {
            assert!(request_from_json(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn operation_types_per_transport() {
        use OperationType::{Mutation, Query, Subscription};
        assert!(check_operation_type(Query, true).is_none());
        assert!(check_operation_type(Query, false).is_none());
        assert!(check_operation_type(Mutation, false).is_none());
        assert!(matches!(
            check_operation_type(Mutation, true),
            Some(OperationRefusal::MutationOverGet)
        ));
        assert!(matches!(
            check_operation_type(Subscription, true),
            Some(OperationRefusal::MutationOverGet)
        ));
        assert!(matches!(
            check_operation_type(Subscription, false),
            Some(OperationRefusal::SubscriptionOverHttp)
        ));
    }
}
