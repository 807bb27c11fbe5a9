//! The variable values of a request, checked against the chosen operation's variable
//! definitions before execution, as GraphQL's `CoerceVariableValues` does (async-graphql
//! leaves part of it to execution, where a missing variable becomes an uncoded error
//! that the client would only see as `INTERNAL`):
//!
//! - a non-null variable without a default must be given, and not as null;
//! - a value given for a variable of a built-in scalar type (`Int`, `Float`, `String`,
//!   `Boolean`, `ID`), or a list or non-null of one, must fit that type; values of the
//!   schema's own types (enums, input objects, custom scalars) are checked by
//!   async-graphql's validation;
//! - a nullable variable without a default that is not given leaves the arguments that
//!   use it unset, as the specification says: the document is rewritten so that such
//!   an argument (or input object field) is absent, a list item using it is null, and
//!   the variable is no longer defined. (A fragment shared with another operation of
//!   the same document that declares the same variable is rewritten too; validation
//!   then reports that variable unused in the other operation.)
//!
//! Every refusal names the variable; the handler codes it `GRAPHQL_VALIDATION_FAILED`.

use std::collections::HashSet;

use async_graphql::parser::types::{
    BaseType, Directive, DocumentOperations, ExecutableDocument, OperationDefinition, Selection,
    SelectionSet, Type,
};
use async_graphql::{Name, Positioned, Value, Variables};

/// Checks `variables` against the definitions of the operation named `operation` (the
/// only one when `None`) and rewrites `doc` for the nullable ones not given (see the
/// module docs). The error is the message for the client.
pub(crate) fn check(
    doc: &mut ExecutableDocument,
    operation: Option<&str>,
    variables: &Variables,
) -> Result<(), String> {
    let op = match (&mut doc.operations, operation) {
        (DocumentOperations::Single(op), _) => &mut op.node,
        (DocumentOperations::Multiple(ops), Some(name)) => match ops.get_mut(name) {
            Some(op) => &mut op.node,
            None => return Ok(()),
        },
        (DocumentOperations::Multiple(ops), None) => match ops.values_mut().next() {
            Some(op) => &mut op.node,
            None => return Ok(()),
        },
    };
    let mut unset = HashSet::new();
    for def in &op.variable_definitions {
        let def = &def.node;
        let name = def.name.node.as_str();
        let ty = &def.var_type.node;
        match variables.get(&def.name.node) {
            None if def.default_value.is_some() => {}
            None if ty.nullable => {
                unset.insert(def.name.node.clone());
            }
            None => {
                return Err(format!(
                    "Variable \"${name}\" of required type \"{ty}\" was not provided."
                ));
            }
            Some(value) => {
                if let Err(problem) = fits(value, ty, &mut format!("${name}")) {
                    return Err(format!(
                        "Variable \"${name}\" of type \"{ty}\" has an invalid value: {problem}."
                    ));
                }
            }
        }
    }
    if !unset.is_empty() {
        unset_variables(op, &unset);
        for fragment in doc.fragments.values_mut() {
            let fragment = &mut fragment.node;
            strip_directives(&mut fragment.directives, &unset);
            strip_selection_set(&mut fragment.selection_set.node, &unset);
        }
    }
    Ok(())
}

/// Whether `value` fits `ty` as far as the built-in scalars go; else what is wrong, at
/// `path` (e.g. `$ids[2]`).
fn fits(value: &Value, ty: &Type, path: &mut String) -> Result<(), String> {
    if matches!(value, Value::Null) {
        return if ty.nullable {
            Ok(())
        } else {
            Err(format!("{path} must not be null"))
        };
    }
    match &ty.base {
        BaseType::List(item) => match value {
            Value::List(items) => {
                let len = path.len();
                for (i, v) in items.iter().enumerate() {
                    path.push_str(&format!("[{i}]"));
                    fits(v, item, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            // A single value is coerced to a list of one.
            other => fits(other, item, path),
        },
        BaseType::Named(name) => {
            let ok = match name.as_str() {
                "Int" => {
                    matches!(value, Value::Number(n) if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()))
                }
                "Float" => matches!(value, Value::Number(_)),
                "String" => matches!(value, Value::String(_)),
                "Boolean" => matches!(value, Value::Boolean(_)),
                "ID" => {
                    matches!(value, Value::String(_))
                        || matches!(value, Value::Number(n) if n.is_i64() || n.is_u64())
                }
                _ => true,
            };
            if ok {
                Ok(())
            } else {
                Err(format!(
                    "{path} is {}, not {}",
                    describe(value),
                    expected(name)
                ))
            }
        }
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Number(n) if n.is_f64() => "a non-integer number",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Boolean(_) => "a boolean",
        Value::Binary(_) => "binary data",
        Value::Enum(_) => "an enum value",
        Value::List(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn expected(scalar: &str) -> &'static str {
    match scalar {
        "Int" => "an Int (a 32-bit integer)",
        "Float" => "a Float (a number)",
        "String" => "a String",
        "Boolean" => "a Boolean",
        "ID" => "an ID (a string or an integer)",
        _ => "a value of its type",
    }
}

/// Removes the variables `unset` from `op`: their definitions and every use.
fn unset_variables(op: &mut OperationDefinition, unset: &HashSet<Name>) {
    op.variable_definitions
        .retain(|def| !unset.contains(&def.node.name.node));
    strip_directives(&mut op.directives, unset);
    strip_selection_set(&mut op.selection_set.node, unset);
}

fn strip_selection_set(set: &mut SelectionSet, unset: &HashSet<Name>) {
    for selection in &mut set.items {
        match &mut selection.node {
            Selection::Field(field) => {
                let field = &mut field.node;
                strip_arguments(&mut field.arguments, unset);
                strip_directives(&mut field.directives, unset);
                strip_selection_set(&mut field.selection_set.node, unset);
            }
            Selection::FragmentSpread(spread) => {
                strip_directives(&mut spread.node.directives, unset);
            }
            Selection::InlineFragment(fragment) => {
                strip_directives(&mut fragment.node.directives, unset);
                strip_selection_set(&mut fragment.node.selection_set.node, unset);
            }
        }
    }
}

fn strip_directives(directives: &mut [Positioned<Directive>], unset: &HashSet<Name>) {
    for directive in directives {
        strip_arguments(&mut directive.node.arguments, unset);
    }
}

fn strip_arguments(
    arguments: &mut Vec<(Positioned<Name>, Positioned<async_graphql_value::Value>)>,
    unset: &HashSet<Name>,
) {
    arguments.retain_mut(|(_, value)| keep(&mut value.node, unset));
}

/// Strips the uses of `unset` inside `value`; false when `value` itself is one (the
/// argument or object field holding it is then removed).
fn keep(value: &mut async_graphql_value::Value, unset: &HashSet<Name>) -> bool {
    use async_graphql_value::Value as V;
    match value {
        V::Variable(name) => !unset.contains(name),
        V::List(items) => {
            for item in items.iter_mut() {
                if !keep(item, unset) {
                    *item = V::Null;
                }
            }
            true
        }
        V::Object(fields) => {
            fields.retain(|_, v| keep(v, unset));
            true
        }
        _ => true,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(q: &str, op: Option<&str>, vars: serde_json::Value) -> Result<String, String> {
        let mut doc = async_graphql::parser::parse_query(q).unwrap();
        check(&mut doc, op, &Variables::from_json(vars))?;
        Ok(format!("{doc:?}"))
    }

    #[test]
    fn required_variables_must_be_given_and_not_null() {
        let q = "query($job: ID!) { job(id: $job) { id } }";
        let err = run(q, None, json!({})).unwrap_err();
        assert_eq!(
            err,
            "Variable \"$job\" of required type \"ID!\" was not provided."
        );
        let err = run(q, None, json!({"job": null})).unwrap_err();
        assert!(
            err.contains("\"$job\"") && err.contains("must not be null"),
            "{err}"
        );
        assert!(run(q, None, json!({"job": "J1"})).is_ok());
        assert!(run(q, None, json!({"job": 7})).is_ok());
        // A default makes it optional, not nullable.
        let q = "query($n: Int! = 3) { a(n: $n) }";
        assert!(run(q, None, json!({})).is_ok());
        assert!(run(q, None, json!({"n": null})).is_err());
    }

    #[test]
    fn built_in_scalars_are_checked_and_the_schemas_types_left_alone() {
        let q = "query($n: Int, $ids: [ID!], $e: Color, $s: String) { a }";
        for (vars, fragment) in [
            (json!({"n": "3"}), "$n is a string, not an Int"),
            (json!({"n": 1.5}), "$n is a non-integer number"),
            (
                json!({"n": 3_000_000_000_i64}),
                "$n is a number, not an Int",
            ),
            (json!({"ids": ["a", null]}), "$ids[1] must not be null"),
            (json!({"ids": [true]}), "$ids[0] is a boolean, not an ID"),
            (json!({"s": 5}), "$s is a number, not a String"),
        ] {
            let err = run(q, None, vars.clone()).unwrap_err();
            assert!(err.contains(fragment), "{vars}: {err}");
        }
        for vars in [
            json!({"n": 3, "ids": ["a", 2], "s": "x"}),
            json!({"ids": "single"}),
            json!({"e": "ANYTHING"}),
            json!({"e": {"an": "object"}}),
        ] {
            assert!(run(q, None, vars.clone()).is_ok(), "{vars}");
        }
    }

    #[test]
    fn only_the_chosen_operation_counts() {
        let q = "query A($x: ID!) { a(x: $x) } query B { b }";
        assert!(run(q, Some("B"), json!({})).is_ok());
        assert!(run(q, Some("A"), json!({})).is_err());
    }

    #[test]
    fn unset_nullable_variables_leave_their_arguments_unset() {
        let mut doc = async_graphql::parser::parse_query(
            "query($q: String, $k: Int) { a(q: $q, k: $k, l: [$q, 1], o: {q: $q, r: 2}) @include(if: true) ...F } \
             fragment F on Query { b(q: $q) }",
        )
        .unwrap();
        check(&mut doc, None, &Variables::from_json(json!({"k": 2}))).unwrap();
        let expected = async_graphql::parser::parse_query(
            "query($k: Int) { a(k: $k, l: [null, 1], o: {r: 2}) @include(if: true) ...F } \
             fragment F on Query { b }",
        )
        .unwrap();
        // Positions differ; compare the printed structure without them.
        let strip = |d: &ExecutableDocument| {
            let s = format!("{d:?}");
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(i) = rest.find("Pos(") {
                out.push_str(&rest[..i]);
                rest = &rest[i..];
                rest = &rest[rest.find(')').unwrap() + 1..];
            }
            out.push_str(rest);
            out
        };
        assert_eq!(strip(&doc), strip(&expected));
    }
}
