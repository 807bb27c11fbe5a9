//! schema.graphql at the root is exported by the code; this fails when it is stale, and
//! checks the contract's names are all there.

#[test]
fn schema_graphql_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let current = talent_api::graphql::sdl();
    assert!(
        committed == current,
        "schema.graphql is stale: run `cargo run -p talent-api -- export-schema` and commit it"
    );
}

#[test]
fn the_contract_names_are_all_present() {
    let sdl = talent_api::graphql::sdl();
    let words: std::collections::HashSet<&str> = sdl
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .collect();
    let outline = include_str!("contract_names.txt");
    for name in outline.split_whitespace() {
        assert!(
            words.contains(name),
            "the schema lost a contract name: {name}"
        );
    }
}
