//! The README and the demo agree: every GraphQL query, `curl` command, subscription and
//! address of `README.md` is run against a hub started as `serve --demo` starts it, on SQLite
//! and PostgreSQL, and must answer something — records, not an empty list.

use serde_json::{Value, json};

use crate::common::{TestApp, apps};
use crate::subscriptions::Client;

/// Where the README's examples say the hub is.
const README_BASE: &str = "http://127.0.0.1:8080";

/// One runnable example, with the README line it starts on.
#[derive(Debug)]
struct Example {
    line: usize,
    what: What,
}

#[derive(Debug)]
enum What {
    /// A ```graphql block, sent as it is by an anonymous reader.
    Query(String),
    /// A `curl` command: its URL, headers and body.
    Request {
        url: String,
        headers: Vec<(String, String)>,
        body: Option<String>,
    },
    /// A subscription run with `graphql-ws-check.mjs`.
    Subscription(String),
    /// An address in the text, opened by a browser (a page, a picture…).
    Page(String),
}

/// The words of one shell command (single and double quotes, backslash escapes, `$TOKEN`
/// left as written): enough for the README's commands, which a test reads rather than a shell.
fn words(command: &str) -> Vec<String> {
    let (mut words, mut word, mut quote, mut any) = (Vec::new(), String::new(), None, false);
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            (Some('"') | None, '\\') => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            (None, c) if c.is_whitespace() => {
                if any || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            (_, c) => word.push(c),
        }
    }
    if any || !word.is_empty() {
        words.push(word);
    }
    words
}

fn examples(readme: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let lines: Vec<&str> = readme.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(language) = line.strip_prefix("```") {
            let start = i + 1;
            let mut end = start;
            while end < lines.len() && !lines[end].starts_with("```") {
                end += 1;
            }
            let block = &lines[start..end];
            match language.trim() {
                "graphql" => found.push(Example {
                    line: start + 1,
                    what: What::Query(block.join("\n")),
                }),
                "sh" => {
                    // Commands, their continuation lines joined.
                    let mut command = String::new();
                    let mut first = start;
                    for (k, raw) in block.iter().enumerate() {
                        if command.is_empty() {
                            first = start + k;
                        }
                        let raw = raw.split(" # ").next().unwrap_or(raw).trim_end();
                        if let Some(head) = raw.strip_suffix('\\') {
                            command.push_str(head);
                            command.push(' ');
                            continue;
                        }
                        command.push_str(raw);
                        if let Some(what) = command_example(&command) {
                            found.push(Example { line: first + 1, what });
                        }
                        command.clear();
                    }
                }
                _ => {}
            }
            i = end + 1;
            continue;
        }
        // Addresses in the text, as <http://127.0.0.1:8080/…>.
        let mut rest = line;
        while let Some(at) = rest.find(&format!("<{README_BASE}")) {
            let tail = &rest[at + 1..];
            let end = tail.find('>').unwrap_or(tail.len());
            found.push(Example {
                line: i + 1,
                what: What::Page(tail[..end].to_string()),
            });
            rest = &tail[end..];
        }
        i += 1;
    }
    found
}

/// What a shell command of the README runs against the hub, if anything (starting the hub,
/// running the tests, backups… are not examples of the API).
fn command_example(command: &str) -> Option<What> {
    let words = words(command);
    match words.first().map(String::as_str) {
        Some("curl") => {
            let (mut url, mut headers, mut body) = (None, Vec::new(), None);
            let mut args = words[1..].iter();
            while let Some(arg) = args.next() {
                match arg.as_str() {
                    "-s" | "--silent" => {}
                    "-H" | "--header" => {
                        let header = args.next().expect("a header after -H");
                        let (name, value) = header.split_once(':').expect("name: value");
                        headers.push((name.trim().to_string(), value.trim().to_string()));
                    }
                    "-d" | "--data" => body = args.next().cloned(),
                    other if other.starts_with("http") => url = Some(other.to_string()),
                    other => panic!("the README's curl command has an option the test does not know: {other}"),
                }
            }
            Some(What::Request {
                url: url.expect("a URL"),
                headers,
                body,
            })
        }
        Some("node") if words.get(1).is_some_and(|w| w == "graphql-ws-check.mjs") => {
            Some(What::Subscription(words.get(3).cloned().expect("a subscription")))
        }
        _ => None,
    }
}

/// Whether a GraphQL answer holds something: every root field that is a list or a connection
/// has records, and every other one a value.
fn holds_something(data: &Value) -> Result<(), String> {
    let fields = data.as_object().ok_or("no data")?;
    if fields.is_empty() {
        return Err("no field".into());
    }
    for (name, value) in fields {
        let records = match value {
            Value::Array(list) => Some(list),
            Value::Object(o) => o.get("edges").or_else(|| o.get("nodes")).and_then(Value::as_array),
            _ => None,
        };
        let ok = match records {
            Some(list) => !list.is_empty(),
            None => !value.is_null(),
        };
        if !ok {
            return Err(format!("{name} is empty: {value}"));
        }
    }
    Ok(())
}

/// Runs one example against `app` (`token`: what `$TOKEN` stands for).
async fn run(app: &TestApp, token: &str, example: &Example) -> Result<(), String> {
    let at = |url: &str| url.replacen(README_BASE, &app.base, 1);
    match &example.what {
        What::Query(query) => {
            let body = app.gql_as(None, query, json!({})).await;
            if let Some(errors) = body.get("errors") {
                return Err(format!("errors: {errors}"));
            }
            holds_something(&body["data"])
        }
        What::Request { url, headers, body } => {
            let mut req = match body {
                Some(body) => app.client.post(at(url)).body(body.clone()),
                None => app.client.get(at(url)),
            };
            for (name, value) in headers {
                req = req.header(name, value.replace("$TOKEN", token));
            }
            let resp = req.send().await.map_err(|e| e.to_string())?;
            let status = resp.status();
            let kind = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let text = resp.text().await.map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!("{status}: {text}"));
            }
            let ok = if kind.starts_with("text/calendar") {
                text.contains("BEGIN:VEVENT")
            } else if kind.starts_with("application/atom+xml") {
                text.contains("<entry>")
            } else if kind.starts_with("text/vcard") {
                text.contains("BEGIN:VCARD")
            } else if kind.starts_with("text/csv") {
                text.lines().filter(|l| !l.trim().is_empty()).count() >= 2
            } else if kind.contains("json") {
                let body: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
                if let Some(errors) = body.get("errors") {
                    return Err(format!("errors: {errors}"));
                }
                return holds_something(&body["data"]);
            } else {
                !text.trim().is_empty()
            };
            if ok {
                Ok(())
            } else {
                Err(format!("nothing in {kind}: {text}"))
            }
        }
        What::Page(url) => {
            let resp = app
                .client
                .get(at(url))
                .header("accept", "text/html")
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = resp.status();
            let text = resp.text().await.map_err(|e| e.to_string())?;
            if status.is_success() && !text.trim().is_empty() {
                Ok(())
            } else {
                Err(format!("{status}: {text}"))
            }
        }
        What::Subscription(query) => {
            let mut client = Client::connect(app, json!({})).await;
            client.subscribe("readme", query, json!({})).await;
            // A change for it to tell: a demo event renamed as an editor would.
            let data = app.data("{ events(first: 1) { nodes { id title } } }", json!({})).await;
            let event = &data["events"]["nodes"][0];
            app.data(
                "mutation($id: ID!, $t: String!) { updateEvent(id: $id, input: { title: $t }) { event { id } } }",
                json!({ "id": event["id"], "t": format!("{} (modifié)", event["title"].as_str().unwrap_or_default()) }),
            )
            .await;
            let payload = client.next("readme").await;
            if let Some(errors) = payload.get("errors") {
                return Err(format!("errors: {errors}"));
            }
            holds_something(&payload["data"])
        }
    }
}

#[test]
fn the_readme_examples_are_found() {
    let readme = include_str!("../../README.md");
    let found = examples(readme);
    let count = |f: fn(&What) -> bool| found.iter().filter(|e| f(&e.what)).count();
    assert!(count(|w| matches!(w, What::Query(_))) >= 1, "{found:#?}");
    assert!(count(|w| matches!(w, What::Request { .. })) >= 9, "{found:#?}");
    assert_eq!(count(|w| matches!(w, What::Subscription(_))), 1, "{found:#?}");
    assert!(count(|w| matches!(w, What::Page(_))) >= 2, "{found:#?}");
    assert_eq!(
        words(r#"curl -s 'http://x/a?b=1' -H "Authorization: Bearer $TOKEN" -d '{"q":"\"x\""}'"#),
        [
            "curl",
            "-s",
            "http://x/a?b=1",
            "-H",
            "Authorization: Bearer $TOKEN",
            "-d",
            r#"{"q":"\"x\""}"#
        ]
    );
}

#[tokio::test]
async fn every_readme_example_answers_something_on_the_demo() {
    let readme = include_str!("../../README.md");
    for app in apps(true).await {
        // What `serve --demo` indexes in the background, indexed now.
        app.index().await;
        let mut failures = Vec::new();
        for example in examples(readme) {
            if let Err(why) = run(&app, &app.admin_token, &example).await {
                failures.push(format!("README.md line {}: {:?}\n  {why}", example.line, example.what));
            }
        }
        assert!(failures.is_empty(), "[{}]\n{}", app.backend, failures.join("\n"));
        app.stop().await;
    }
}
