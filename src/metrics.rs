//! The hub's metrics: one Prometheus recorder per process (`GET /metrics` renders it), and
//! the helpers every module records through, which keep label values bounded.
//!
//! Several hubs may run in one process (the tests do): they share the recorder, so counters
//! add up across them, and the gauges read at a scrape describe the hub that was scraped.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

pub const HTTP_REQUESTS: &str = "passerelle_http_requests_total";
pub const HTTP_REQUEST_DURATION: &str = "passerelle_http_request_duration_seconds";
pub const GRAPHQL_OPERATIONS: &str = "passerelle_graphql_operations_total";
pub const GRAPHQL_OPERATION_DURATION: &str = "passerelle_graphql_operation_duration_seconds";
pub const FEED_RUNS: &str = "passerelle_feed_runs_total";
pub const FEED_RUN_DURATION: &str = "passerelle_feed_run_duration_seconds";
pub const SEARCH_OUTBOX_ROWS: &str = "passerelle_search_outbox_rows";
pub const SEARCH_OUTBOX_OLDEST: &str = "passerelle_search_outbox_oldest_seconds";
pub const SEARCH_DURATION: &str = "passerelle_search_duration_seconds";
pub const DB_POOL_CONNECTIONS: &str = "passerelle_db_pool_connections";
pub const RATE_LIMITED: &str = "passerelle_rate_limited_total";
pub const MAIL_MESSAGES: &str = "passerelle_mail_messages_total";
pub const MAIL_OUTBOX: &str = "passerelle_mail_outbox_messages";

/// Distinct GraphQL operation names kept as label values per process; later ones are `other`.
pub const MAX_OPERATION_NAMES: usize = 100;
/// The longest operation name kept as a label value.
pub const MAX_OPERATION_NAME_LEN: usize = 64;

/// Request and search latencies: 5 ms to 30 s.
const FAST_BUCKETS: [f64; 13] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
/// Feed runs fetch partners' sites, page by page: 100 ms to 10 minutes.
const FEED_BUCKETS: [f64; 11] = [0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 180.0, 600.0];

/// How often histogram samples are folded into their buckets between scrapes (so that a
/// process nobody scrapes does not keep every sample).
const UPKEEP: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder (once; later calls return the same handle).
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        // Fails only on empty buckets, which these are not.
        let builder = builder().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "histogram buckets refused: histograms are rendered as summaries");
            PrometheusBuilder::new()
        });
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if let Err(e) = metrics::set_global_recorder(recorder) {
            tracing::warn!(error = %e, "another metrics recorder is installed: /metrics will stay empty");
        }
        describe();
        // A plain thread rather than a task: hubs of one process may run on several runtimes.
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP);
                    upkeep.run_upkeep();
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "metrics upkeep thread not started: samples are folded at each scrape only");
        }
        handle
    })
}

/// The Prometheus text of every series.
pub fn render() -> String {
    install().render()
}

/// Histograms as Prometheus histograms (buckets), not summaries: they add up across instances.
fn builder() -> Result<PrometheusBuilder, BuildError> {
    let mut builder = PrometheusBuilder::new();
    for name in [HTTP_REQUEST_DURATION, GRAPHQL_OPERATION_DURATION, SEARCH_DURATION] {
        builder = builder.set_buckets_for_metric(Matcher::Full(name.into()), &FAST_BUCKETS)?;
    }
    builder.set_buckets_for_metric(Matcher::Full(FEED_RUN_DURATION.into()), &FEED_BUCKETS)
}

fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by route pattern, method and status."
    );
    describe_histogram!(
        HTTP_REQUEST_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request, by route pattern."
    );
    describe_counter!(
        GRAPHQL_OPERATIONS,
        "GraphQL operations, by operation name, type and outcome (ok, error, refused before execution)."
    );
    describe_histogram!(
        GRAPHQL_OPERATION_DURATION,
        Unit::Seconds,
        "Time to execute a GraphQL operation, by operation name and type."
    );
    describe_counter!(FEED_RUNS, "Partner feed syncs, by outcome.");
    describe_histogram!(FEED_RUN_DURATION, Unit::Seconds, "Time of a partner feed sync.");
    describe_gauge!(SEARCH_OUTBOX_ROWS, "Rows of the search outbox waiting to be indexed.");
    describe_gauge!(
        SEARCH_OUTBOX_OLDEST,
        Unit::Seconds,
        "Age of the oldest row of the search outbox (0 when empty)."
    );
    describe_histogram!(
        SEARCH_DURATION,
        Unit::Seconds,
        "Time of a search, by engine (embedded, meilisearch, or degraded: the database fallback)."
    );
    describe_gauge!(
        DB_POOL_CONNECTIONS,
        "Database pool connections, by state (idle, in_use)."
    );
    describe_counter!(RATE_LIMITED, "Requests refused RATE_LIMITED, by kind.");
    describe_counter!(
        MAIL_MESSAGES,
        "Attempts to send a message of the mail outbox, by kind and outcome (sent, retried, refused, cancelled)."
    );
    describe_gauge!(
        MAIL_OUTBOX,
        "Messages of the mail outbox, by state (waiting, failing: waiting after a failure, refused)."
    );
}

/// One answered HTTP request. `route` is the matched route pattern (`None`: no route matched).
pub fn http_request(route: Option<&str>, method: &str, status: u16, elapsed: Duration) {
    let route = route.unwrap_or("other").to_string();
    counter!(
        HTTP_REQUESTS,
        "route" => route.clone(),
        "method" => method_label(method),
        "status" => status.to_string()
    )
    .increment(1);
    histogram!(HTTP_REQUEST_DURATION, "route" => route).record(elapsed.as_secs_f64());
}

/// A method as a label value: the standard ones, else `other` (clients may invent methods).
pub fn method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
    ];
    KNOWN.into_iter().find(|m| *m == method).unwrap_or("other")
}

/// How a GraphQL operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphqlOutcome {
    Ok,
    /// Executed, with errors.
    Error,
    /// Refused before execution (limits, syntax, validation, variables).
    Refused,
}

impl GraphqlOutcome {
    fn as_str(self) -> &'static str {
        match self {
            GraphqlOutcome::Ok => "ok",
            GraphqlOutcome::Error => "error",
            GraphqlOutcome::Refused => "refused",
        }
    }
}

/// One GraphQL operation. `kind` is `query`, `mutation`, `subscription` or `unknown` (refused
/// before its operation was found); `elapsed` is the execution time of executed operations.
pub fn graphql_operation(name: Option<&str>, kind: &'static str, outcome: GraphqlOutcome, elapsed: Option<Duration>) {
    // A refused operation's name is the client's word alone: it may reuse a known name, never
    // take one of the places.
    let operation = operation_names().label(name, outcome != GraphqlOutcome::Refused);
    counter!(
        GRAPHQL_OPERATIONS,
        "operation" => operation.clone(),
        "type" => kind,
        "outcome" => outcome.as_str()
    )
    .increment(1);
    if let Some(elapsed) = elapsed {
        histogram!(GRAPHQL_OPERATION_DURATION, "operation" => operation, "type" => kind).record(elapsed.as_secs_f64());
    }
}

/// One feed sync; `outcome` is the run's stored outcome (`success`, `not_modified`, `failed`).
pub fn feed_run(outcome: &'static str, elapsed: Duration) {
    counter!(FEED_RUNS, "outcome" => outcome).increment(1);
    histogram!(FEED_RUN_DURATION).record(elapsed.as_secs_f64());
}

/// One search; `engine` is `embedded`, `meilisearch` or `degraded`.
pub fn search(engine: &'static str, elapsed: Duration) {
    histogram!(SEARCH_DURATION, "engine" => engine).record(elapsed.as_secs_f64());
}

/// The search outbox, read at a scrape.
pub fn search_outbox(rows: u64, oldest: Option<Duration>) {
    gauge!(SEARCH_OUTBOX_ROWS).set(rows as f64);
    gauge!(SEARCH_OUTBOX_OLDEST).set(oldest.map_or(0.0, |d| d.as_secs_f64()));
}

/// The database pool, read at a scrape.
pub fn db_pool(idle: usize, in_use: usize) {
    gauge!(DB_POOL_CONNECTIONS, "state" => "idle").set(idle as f64);
    gauge!(DB_POOL_CONNECTIONS, "state" => "in_use").set(in_use as f64);
}

/// One message of the mail outbox tried: its kind, and `sent`, `retried`, `refused` or
/// `cancelled`.
pub fn mail_message(kind: &'static str, outcome: &'static str) {
    counter!(MAIL_MESSAGES, "kind" => kind, "outcome" => outcome).increment(1);
}

/// The mail outbox, read at a scrape.
pub fn mail_outbox(waiting: u64, failing: u64, refused: u64) {
    gauge!(MAIL_OUTBOX, "state" => "waiting").set(waiting as f64);
    gauge!(MAIL_OUTBOX, "state" => "failing").set(failing as f64);
    gauge!(MAIL_OUTBOX, "state" => "refused").set(refused as f64);
}

/// One request refused `RATE_LIMITED`: `sign_in`, `password_change`, `query_cost`…
pub fn rate_limited(kind: &'static str) {
    counter!(RATE_LIMITED, "kind" => kind).increment(1);
}

fn operation_names() -> &'static OperationNames {
    static NAMES: OnceLock<OperationNames> = OnceLock::new();
    NAMES.get_or_init(|| OperationNames::new(MAX_OPERATION_NAMES))
}

/// The operation names seen so far, at most `cap` of them.
struct OperationNames {
    cap: usize,
    known: Mutex<HashSet<String>>,
}

impl OperationNames {
    fn new(cap: usize) -> Self {
        OperationNames {
            cap,
            known: Mutex::new(HashSet::new()),
        }
    }

    /// The label of `name`: `anonymous` without one, the sanitised name when it is known or
    /// (`admit`) there is room left, else `other`.
    fn label(&self, name: Option<&str>, admit: bool) -> String {
        let Some(name) = name.map(sanitise).filter(|n| !n.is_empty()) else {
            return "anonymous".into();
        };
        // A poisoned lock only means another thread panicked while inserting: the set is fine.
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if known.contains(&name) {
            return name;
        }
        if admit && known.len() < self.cap {
            known.insert(name.clone());
            return name;
        }
        "other".into()
    }
}

/// `name` as a GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`): other characters become `_`, a leading
/// digit gets a `_` before it, and the result is cut at [`MAX_OPERATION_NAME_LEN`].
fn sanitise(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.trim().chars().enumerate() {
        if out.len() >= MAX_OPERATION_NAME_LEN {
            break;
        }
        if i == 0 && c.is_ascii_digit() {
            out.push('_');
        }
        out.push(if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' });
    }
    out.truncate(MAX_OPERATION_NAME_LEN);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_sanitised_and_cut() {
        assert_eq!(sanitise("EventsPage"), "EventsPage");
        assert_eq!(sanitise("9lives"), "_9lives");
        assert_eq!(sanitise("a-b c\"{}é"), "a_b_c____");
        assert_eq!(sanitise(&"x".repeat(500)).len(), MAX_OPERATION_NAME_LEN);
        assert_eq!(sanitise(&"é".repeat(500)).len(), MAX_OPERATION_NAME_LEN);
    }

    #[test]
    fn operation_names_are_bounded() {
        let names = OperationNames::new(3);
        assert_eq!(names.label(None, true), "anonymous");
        assert_eq!(names.label(Some(""), true), "anonymous");
        assert_eq!(names.label(Some("A"), true), "A");
        // Refused operations reuse known names but take no place.
        assert_eq!(names.label(Some("B"), false), "other");
        assert_eq!(names.label(Some("A"), false), "A");
        assert_eq!(names.label(Some("B"), true), "B");
        assert_eq!(names.label(Some("C"), true), "C");
        assert_eq!(names.label(Some("D"), true), "other");
        assert_eq!(names.label(Some("A"), true), "A");
        for i in 0..1000 {
            assert_eq!(names.label(Some(&format!("N{i}")), true), "other");
        }
        assert_eq!(names.known.lock().map(|k| k.len()).unwrap_or_default(), 3);
    }

    #[test]
    fn methods_are_bounded() {
        assert_eq!(method_label("GET"), "GET");
        assert_eq!(method_label("PROPFIND"), "other");
        assert_eq!(method_label("get"), "other");
    }

    #[test]
    fn the_recorder_installs_once_and_renders_described_series() {
        let first: *const PrometheusHandle = install();
        let second: *const PrometheusHandle = install();
        assert_eq!(first, second);
        rate_limited("sign_in");
        let text = render();
        assert!(
            text.contains("passerelle_rate_limited_total{kind=\"sign_in\"}"),
            "{text}"
        );
        assert!(text.contains("# HELP passerelle_rate_limited_total"), "{text}");
    }
}
