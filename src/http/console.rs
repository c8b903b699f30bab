//! The web console at `/` and GraphiQL's page (`GET /graphql` from a browser): static files
//! of `console/`, embedded in the binary, served under `/console/…` with their type, an ETag,
//! gzip when the client takes it, and a content security policy that allows this hub only.
//!
//! The console is a client of the public API like any other: it reads and writes through
//! `/graphql` and the export URLs, never through a route of its own.

use std::collections::HashMap;
use std::io::Write;
use std::sync::LazyLock;

use include_dir::{Dir, DirEntry, include_dir};
use poem::http::{HeaderValue, StatusCode, header};
use poem::web::Path;
use poem::{IntoResponse, Request, Response, Route, get, handler};
use sha2::{Digest, Sha256};

static FILES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/console");

/// The console's policy: scripts, styles, images and requests from this hub only, no inline
/// script or style, no plugin, never framed, forms posted nowhere else.
pub const CONSOLE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'self'";

/// GraphiQL's policy: its pinned build from this hub, requests to this hub (WebSocket
/// included). Its dialogs insert `<style>` elements and its stylesheet inlines its fonts and
/// icons, hence `'unsafe-inline'` styles and `data:` fonts and images — but no script other
/// than the hub's own files, and nothing from another origin.
pub const GRAPHIQL_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'none'";

/// The content security policy an HTML response is served with (`security_headers` reads
/// it; a page without one gets the console's).
#[derive(Clone, Copy)]
pub(crate) struct PagePolicy(pub &'static str);

/// Adds the console's routes to `route`.
pub fn routes(route: Route) -> Route {
    route.at("/", get(index)).at("/console/*path", get(console_file))
}

/// One embedded file, ready to serve.
struct Asset {
    body: &'static [u8],
    content_type: &'static str,
    etag: String,
    /// The body gzipped, for the types that compress and are worth it.
    gzip: Option<Vec<u8>>,
}

/// Every file the console serves, by its path under `console/` (built at first use).
static ASSETS: LazyLock<HashMap<&'static str, Asset>> = LazyLock::new(|| {
    let mut assets = HashMap::new();
    collect(&FILES, &mut assets);
    assets
});

fn collect(dir: &'static Dir<'static>, into: &mut HashMap<&'static str, Asset>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(sub) => collect(sub, into),
            DirEntry::File(file) => {
                let Some(path) = file.path().to_str() else { continue };
                let Some(content_type) = content_type(path) else {
                    continue;
                };
                let body = file.contents();
                let compressible = !content_type.starts_with("image/png") && body.len() >= 1024;
                into.insert(
                    path,
                    Asset {
                        body,
                        content_type,
                        etag: etag(body),
                        gzip: compressible.then(|| gzip(body)).flatten(),
                    },
                );
            }
        }
    }
}

/// The media type of a servable file; other files (the vendoring script, its notes) are
/// not served.
fn content_type(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name == "LICENSE" {
        return Some("text/plain; charset=utf-8");
    }
    Some(match name.rsplit_once('.')?.1 {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        _ => return None,
    })
}

fn etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body).ok()?;
    encoder.finish().ok()
}

/// Whether the client accepts gzip (`Accept-Encoding: gzip`, not with `q=0`).
fn accepts_gzip(req: &Request) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts
                .filter_map(|p| p.strip_prefix("q="))
                .any(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0));
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// Whether `If-None-Match` names `tag` (weak comparison) or `*`.
fn not_modified(req: &Request, tag: &str) -> bool {
    req.header(header::IF_NONE_MATCH).is_some_and(|value| {
        value
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == tag)
    })
}

/// The response for the file at `path` under `console/`, or 404. Files are revalidated at
/// each use (`no-cache` with an ETag): a new release of the hub is seen at once, and an
/// unchanged file costs a 304.
pub(crate) async fn serve(req: &Request, path: &str, policy: Option<&'static str>) -> Response {
    // Building the table compresses every file once: off the async threads.
    if LazyLock::get(&ASSETS).is_none() {
        let _ = tokio::task::spawn_blocking(|| LazyLock::force(&ASSETS).len()).await;
    }
    let Some(asset) = ASSETS.get(path) else {
        return not_found();
    };
    let gzip = asset.gzip.as_ref().filter(|_| accepts_gzip(req));
    // The compressed variant is another representation: another validator.
    let tag = match gzip {
        Some(_) => format!("{}-gz\"", asset.etag.trim_end_matches('"')),
        None => asset.etag.clone(),
    };
    let mut resp = if not_modified(req, &tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut builder = Response::builder().content_type(asset.content_type);
        if gzip.is_some() {
            builder = builder.header(header::CONTENT_ENCODING, "gzip");
        }
        builder.body(gzip.cloned().unwrap_or_else(|| asset.body.to_vec()))
    };
    let headers = resp.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if asset.gzip.is_some() {
        headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    if let Some(policy) = policy {
        resp.extensions_mut().insert(PagePolicy(policy));
    }
    resp
}

fn not_found() -> Response {
    Response::builder()
        .status(StatusCode::NOT_FOUND)
        .content_type("text/plain; charset=utf-8")
        .body("not found\n")
}

/// `GET /`: the console's page.
#[handler]
async fn index(req: &Request) -> Response {
    serve(req, "index.html", Some(CONSOLE_POLICY)).await
}

/// `GET /console/<path>`: the console's scripts, styles and images, and GraphiQL's build.
#[handler]
async fn console_file(req: &Request, Path(path): Path<String>) -> Response {
    // Pages are served at their own addresses, under their own policies.
    if path.ends_with(".html") {
        return not_found();
    }
    serve(req, &path, None).await
}

/// GraphiQL's page, for `GET /graphql` from a browser.
pub(crate) async fn graphiql(req: &Request) -> Response {
    serve(req, "graphiql.html", Some(GRAPHIQL_POLICY)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn text(path: &str) -> &'static str {
        FILES
            .get_file(path)
            .and_then(|f| f.contents_utf8())
            .unwrap_or_else(|| panic!("console/{path} is embedded"))
    }

    /// The keys of a catalogue (`  'key': 'text',`, one a line).
    fn keys(path: &str) -> BTreeSet<&'static str> {
        text(path)
            .lines()
            .filter_map(|line| line.strip_prefix("  '"))
            .filter_map(|line| line.split_once("': ").map(|(key, _)| key))
            .collect()
    }

    fn scripts(dir: &'static Dir<'static>, into: &mut Vec<(&'static str, &'static str)>) {
        for entry in dir.entries() {
            match entry {
                DirEntry::Dir(sub) => scripts(sub, into),
                DirEntry::File(file) => {
                    let path = file.path().to_str().unwrap_or_default();
                    if path.starts_with("js/") && path.ends_with(".js") && !path.starts_with("js/messages/") {
                        into.push((path, file.contents_utf8().unwrap_or_default()));
                    }
                }
            }
        }
    }

    #[test]
    fn both_catalogues_hold_the_same_keys() {
        let fr = keys("js/messages/fr.js");
        let en = keys("js/messages/en.js");
        assert!(fr.len() > 500, "{} keys read", fr.len());
        let only_fr: Vec<_> = fr.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&fr).collect();
        assert!(
            only_fr.is_empty() && only_en.is_empty(),
            "French only: {only_fr:?}; English only: {only_en:?}"
        );
    }

    /// Every text a module names by a literal key (`t('agenda.title')`, `'import.run'`…)
    /// exists, directly or as a plural (`.one`, `.other`).
    #[test]
    fn every_key_the_modules_name_has_a_text() {
        const NAMESPACES: &[&str] = &[
            "account",
            "action",
            "actions",
            "agenda",
            "audit",
            "check",
            "contact",
            "contacts",
            "do",
            "edit",
            "enum",
            "error",
            "event",
            "failure",
            "feed",
            "feeds",
            "field",
            "filters",
            "footer",
            "forbidden",
            "form",
            "home",
            "import",
            "lang",
            "list",
            "nav",
            "notfound",
            "organisation",
            "organisations",
            "password",
            "record",
            "report",
            "resource",
            "resources",
            "role",
            "search",
            "secret",
            "session",
            "signin",
            "status",
            "users",
            "visibility",
            "zone",
        ];
        let fr = keys("js/messages/fr.js");
        let mut files = Vec::new();
        scripts(&FILES, &mut files);
        assert!(files.len() > 30, "{} modules read", files.len());
        let mut missing = Vec::new();
        for (path, source) in files {
            for literal in source.split('\'').skip(1).step_by(2) {
                let Some((namespace, rest)) = literal.split_once('.') else {
                    continue;
                };
                let looks_like_key = NAMESPACES.contains(&namespace)
                    && !rest.is_empty()
                    && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                    && ![".csv", ".vcf", ".ics", ".js"].iter().any(|ext| literal.ends_with(ext));
                if looks_like_key && !fr.contains(literal) && !fr.contains(format!("{literal}.one").as_str()) {
                    missing.push(format!("{path}: {literal}"));
                }
            }
        }
        assert!(missing.is_empty(), "keys without a text: {missing:#?}");
    }

    #[test]
    fn every_error_code_has_a_sentence_in_both_languages() {
        let fr = keys("js/messages/fr.js");
        let en = keys("js/messages/en.js");
        for code in crate::error::catalogue::every_code() {
            let key = format!("error.code.{code}");
            assert!(
                fr.contains(key.as_str()) && en.contains(key.as_str()),
                "no sentence for {code}"
            );
        }
    }

    #[test]
    fn every_page_and_module_has_a_type_and_the_script_is_not_served() {
        for path in [
            "index.html",
            "graphiql.html",
            "style.css",
            "js/main.js",
            "vendor/graphiql/graphiql.min.js",
        ] {
            assert!(ASSETS.contains_key(path), "{path} is served");
        }
        assert!(!ASSETS.contains_key("vendor/update.sh"));
        assert!(!ASSETS.contains_key("vendor/VERSIONS"));
        assert!(
            ASSETS
                .values()
                .all(|a| a.gzip.as_ref().is_none_or(|g| g.len() < a.body.len() + 64))
        );
    }
}
