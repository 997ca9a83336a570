//! hark's own JSON API: every path of its OpenAPI document answers as documented.

use crate::support::{config, get, post, start, Reply, KEY, USER};
use serde_json::{json, Value};

async fn api(addr: std::net::SocketAddr, target: &str) -> Reply {
    get(addr, target, &[("X-API-Key", KEY)]).await
}

fn document(reply: &Reply) -> Value {
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.header("content-type"), Some("application/json"));
    serde_json::from_str(&reply.body).unwrap()
}

/// Follows a `$ref` inside the document.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').unwrap();
            doc.pointer(pointer)
                .unwrap_or_else(|| panic!("{reference}"))
        }
        None => value,
    }
}

/// Checks `value` against the document's schema: required keys, property types, items.
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str) {
    let schema = resolve(doc, schema);
    if let Some(required) = schema["required"].as_array() {
        for key in required {
            let key = key.as_str().unwrap();
            assert!(value.get(key).is_some(), "{at}: {key} missing in {value}");
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
        _ => vec![],
    };
    if !types.is_empty() {
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        assert!(types.contains(&actual), "{at}: {actual} is not {types:?}");
    }
    if let (Some(properties), Some(object)) = (schema["properties"].as_object(), value.as_object())
    {
        for (key, item) in object {
            if let Some(property) = properties.get(key) {
                if property.get("oneOf").is_none() {
                    conforms(doc, property, item, &format!("{at}.{key}"));
                }
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            conforms(doc, items, item, &format!("{at}[{i}]"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_path_answers_as_documented() {
    let server = start(config()).await;
    let doc = document(&get(server.addr, "/api/openapi.json", &[]).await);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 10);
    for (template, item) in paths {
        // The SecurityTrails and VirusTotal faces take their keys their own way.
        let key = if template.starts_with("/v1/") {
            "APIKEY"
        } else if template.starts_with("/api/v3/") {
            "x-apikey"
        } else {
            "X-API-Key"
        };
        let (method, op) = match item.get("post") {
            Some(op) => ("POST", op),
            None => ("GET", &item["get"]),
        };
        let mut target = template.clone();
        for param in op["parameters"].as_array().into_iter().flatten() {
            let param = resolve(&doc, param);
            if param["in"] == "path" && param["name"] == "id" {
                // Alert ids are hashes: take the stored alert's.
                let list = document(&get(server.addr, "/api/v1/alerts", &[(key, KEY)]).await);
                let id = list["alerts"][0]["id"].as_str().unwrap().to_string();
                target = target.replace("{id}", &id);
            } else if param["in"] == "path" {
                let example = param["example"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{template}: example"));
                target =
                    target.replace(&format!("{{{}}}", param["name"].as_str().unwrap()), example);
            }
        }
        assert!(!target.contains('{'), "{template}");
        let reply = if method == "POST" {
            let body = op["requestBody"]["content"]["application/json"]["example"].to_string();
            post(server.addr, &target, &[(key, KEY)], &body).await
        } else {
            get(server.addr, &target, &[(key, KEY)]).await
        };
        assert_eq!(reply.status, 200, "{target}: {reply:?}");
        let body = document(&reply);
        let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
        conforms(&doc, schema, &body, &target);
        if let Some(results) = body["results"].as_array() {
            assert!(
                !results.is_empty(),
                "{target}: the examples name stored rows"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_pages_and_errors() {
    let server = start(config()).await;
    let body = document(&api(server.addr, "/api/v1/lookup/rrset/name/www.example.com/A").await);
    assert_eq!(
        body,
        json!({"results":[
            {"rrname":"www.example.com.","rrtype":"A","rdata":"192.0.2.80","time_first":1700000000,"time_last":1700100000,"count":4,"bailiwick":"example.com."},
            {"rrname":"www.example.com.","rrtype":"A","rdata":"198.51.100.80","time_first":1700200000,"time_last":1700900000,"count":6,"bailiwick":"example.com."}
        ],"returned":2,"limited":false,"next_offset":null})
    );
    // The key's results_max is 5: the first page is limited and says where to go on.
    let first = document(
        &api(
            server.addr,
            "/api/v1/lookup/rrset/name/%2A.example.com?limit=0",
        )
        .await,
    );
    assert_eq!(
        (
            first["returned"].clone(),
            first["limited"].clone(),
            first["next_offset"].clone()
        ),
        (json!(5), json!(true), json!(5))
    );
    let rest = document(
        &api(
            server.addr,
            "/api/v1/lookup/rrset/name/%2A.example.com?offset=5",
        )
        .await,
    );
    assert_eq!(
        (rest["returned"].clone(), rest["limited"].clone()),
        (json!(1), json!(false))
    );
    // CIDR with a slash (percent-encoded) or DNSDB's comma.
    for range in ["192.0.2.0%2F24", "192.0.2.0,24"] {
        let body = document(
            &api(
                server.addr,
                &format!("/api/v1/lookup/rdata/ip/{range}?humantime=true"),
            )
            .await,
        );
        assert_eq!(body["returned"], 3, "{range}");
        assert!(body["results"][0]["time_first"].is_string());
    }
    // Basic credentials work as on the CIRCL face.
    let basic = format!(
        "Basic {}",
        data_encoding::BASE64.encode(format!("{USER}:{KEY}").as_bytes())
    );
    let reply = get(
        server.addr,
        "/api/v1/lookup/rrset/name/example.org",
        &[("Authorization", &basic)],
    )
    .await;
    assert_eq!(document(&reply)["returned"], 1);
    assert_eq!(get(server.addr, "/api/v1/stats", &[]).await.status, 403);
    assert_eq!(
        get(server.addr, "/api/v1/stats", &[("X-API-Key", "nope")])
            .await
            .status,
        403
    );
    assert_eq!(
        api(server.addr, "/api/v1/lookup/rrset/name/").await.status,
        400
    );
    assert_eq!(api(server.addr, "/api/v1/nothing").await.status, 404);
    assert_eq!(
        api(server.addr, "/api/v1/lookup/rrset/name/a?offset=11")
            .await
            .status,
        416
    );
    let negative = document(&api(server.addr, "/api/v1/negative/%2A.example.com/A").await);
    assert_eq!(
        negative["results"],
        json!([{"qname":"gone.example.com.","qtype":"A","rcode":"NXDOMAIN","time_first":1700000000,"time_last":1700000300,"count":2}])
    );
    let stats = document(&api(server.addr, "/api/v1/stats").await);
    assert_eq!(
        (stats["rows"].clone(), stats["rows_per_type"]["A"].clone()),
        (json!(12), json!(4))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recon_questions_over_the_api() {
    let server = start(config()).await;
    let ns = document(&api(server.addr, "/api/v1/intel/ns/example.com").await);
    assert_eq!(ns["servers"][0]["host"], "ns1.dnsprovider.example.");
    assert_eq!(ns["servers"][0]["zones"], 2);
    assert_eq!(
        ns["related"],
        json!([{"zone":"example.org.","domain":"example.org.","shared":["ns1.dnsprovider.example."],"overlap":1.0,"same_set":true}])
    );
    let pivot = document(&api(server.addr, "/api/v1/intel/pivot/192.0.2.0%2F24").await);
    assert_eq!(
        (
            pivot["rows"].clone(),
            pivot["names"].clone(),
            pivot["domains"].clone()
        ),
        (json!(3), json!(3), json!(1))
    );
    let history = document(
        &api(
            server.addr,
            "/api/v1/intel/history/example.com?subdomains=true",
        )
        .await,
    );
    let names: Vec<&str> = history["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["rrname"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["example.com.", "fresh.example.com.", "www.example.com."]
    );
    let recon = document(&api(server.addr, "/api/v1/recon/example.com").await);
    assert_eq!(recon["domain"], "example.com.");
    let changes = document(
        &api(
            server.addr,
            "/api/v1/intel/changes/example.com?since=1700300000&until=1700300000",
        )
        .await,
    );
    assert_eq!(
        changes["events"],
        json!([{"time":1700300000,"change":"appeared","rrname":"api.example.com.","rrtype":"CNAME","rdata":"d111.cloudfront.net."}])
    );
    assert_eq!(
        api(server.addr, "/api/v1/intel/mx/%2A.example.com")
            .await
            .status,
        400
    );
    assert_eq!(
        api(server.addr, "/api/v1/intel/pivot/not-an-ip")
            .await
            .status,
        400
    );
    assert_eq!(
        api(server.addr, "/api/v1/intel/bogus/example.com")
            .await
            .status,
        404
    );
    assert_eq!(
        api(
            server.addr,
            "/api/v1/intel/changes/example.com?since=yesterday"
        )
        .await
        .status,
        400
    );
}
