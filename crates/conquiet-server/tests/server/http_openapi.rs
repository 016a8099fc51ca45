//! `/openapi.json` against the router: every route served is documented, every documented
//! route is served (probed over the network), and every `$ref` resolves.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::http_client::start;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

#[test]
fn every_served_route_is_documented_and_every_documented_route_is_served() {
    let (mut server, api) = start();
    let document = api.get("/openapi.json").ok(200);
    assert_eq!(document["openapi"], "3.0.3");
    let paths = document["paths"].as_object().expect("paths");
    let documented: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            let item = item.as_object().expect("path item");
            METHODS
                .iter()
                .filter(|m| item.contains_key(**m))
                .map(|m| (m.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let served: BTreeSet<(String, String)> = conquiet_server::http::routes()
        .into_iter()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not documented: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "documented but not served: {unserved:?}"
    );

    // The route table is what the router serves: each documented route reaches a handler
    // (whatever it answers), never the fallbacks for unknown paths or methods.
    for (method, path) in &documented {
        let concrete = path.replace("{name}", "probe").replace("{id}", "0-1");
        let body = (method != "GET" && method != "DELETE").then_some(&b"{}"[..]);
        let reply = api.request(method, &concrete, &[], body);
        // /metrics answers text, the rest JSON.
        let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
        let message = body["error"]["message"].as_str().unwrap_or("").to_string();
        assert_ne!(reply.status, 405, "{method} {concrete}: {message}");
        assert!(
            !message.starts_with("no route for"),
            "{method} {concrete} is documented but not routed"
        );
    }
    // And the probe can tell: an unknown path does hit the fallback.
    let unknown = api.get("/v1/unknown");
    assert!(
        unknown.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("no route for")
    );
    server.stop().expect("clean shutdown");
}

#[test]
fn every_operation_has_responses_and_every_reference_resolves() {
    let (mut server, api) = start();
    let document = api.get("/openapi.json").ok(200);
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("schemas");
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            assert!(
                operation["summary"].is_string(),
                "{method} {path} has no summary"
            );
            let responses = operation["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|k| k.starts_with('2')),
                "{method} {path} has no success response"
            );
            if path.contains("{name}") {
                let parameters = operation["parameters"].as_array().unwrap_or_else(|| {
                    panic!("{method} {path} does not describe its path parameter")
                });
                assert!(
                    parameters
                        .iter()
                        .any(|p| p["name"] == "name" && p["in"] == "path")
                );
            }
        }
    }
    let mut references = Vec::new();
    collect_references(&document, &mut references);
    assert!(!references.is_empty());
    for reference in references {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {reference}"));
        assert!(schemas.contains_key(name), "{reference} does not resolve");
    }
    server.stop().expect("clean shutdown");
}

fn collect_references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(target)) => out.push(target.clone()),
                    _ => collect_references(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_references(v, out)),
        _ => {}
    }
}
