//! What the GraphQL layer records in `crate::metrics`: one count per operation (its name,
//! type and outcome) and the execution time of executed ones.

use std::time::Instant;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};

use crate::metrics::GraphqlOutcome;

/// The type label of an operation; `unknown` when the document was refused before the
/// operation could be told.
pub(super) fn kind(operation: Option<OperationType>) -> &'static str {
    match operation {
        Some(OperationType::Query) => "query",
        Some(OperationType::Mutation) => "mutation",
        Some(OperationType::Subscription) => "subscription",
        None => "unknown",
    }
}

/// The name of the operation `doc` runs: the requested one, or the only one's name.
pub(super) fn operation_name(doc: &ExecutableDocument, requested: Option<&str>) -> Option<String> {
    match (&doc.operations, requested) {
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.keys().next().map(|n| n.to_string()),
        (_, requested) => requested.map(str::to_string),
    }
}

/// A request refused before execution.
pub(super) fn refused(name: Option<&str>, operation: Option<OperationType>) {
    crate::metrics::graphql_operation(name, kind(operation), GraphqlOutcome::Refused, None);
}

/// An operation on its way to execution.
pub(super) struct Timer {
    name: Option<String>,
    kind: &'static str,
    started: Instant,
}

impl Timer {
    pub(super) fn start(name: Option<String>, operation: Option<OperationType>) -> Self {
        Timer {
            name,
            kind: kind(operation),
            started: Instant::now(),
        }
    }

    /// Refused before execution (a session held to its password change, a multipart
    /// request that is not an upload).
    pub(super) fn refused(self) {
        self.record(GraphqlOutcome::Refused, false);
    }

    /// Answered by the schema: a request error (syntax, validation, variables) is a refusal.
    pub(super) fn finish(self, response: &async_graphql::Response) {
        let outcome = if super::exec::is_request_error(response) {
            GraphqlOutcome::Refused
        } else if response.errors.is_empty() {
            GraphqlOutcome::Ok
        } else {
            GraphqlOutcome::Error
        };
        self.record(outcome, outcome != GraphqlOutcome::Refused);
    }

    /// Counts the operation with `outcome`, and its time when `timed`.
    fn record(self, outcome: GraphqlOutcome, timed: bool) {
        let elapsed = timed.then(|| self.started.elapsed());
        crate::metrics::graphql_operation(self.name.as_deref(), self.kind, outcome, elapsed);
    }
}

/// An operation over a WebSocket: a stream of results, counted once when it ends (however it
/// ends: completed, stopped by the client, or the connection gone). A query or a mutation is
/// timed; a subscription's lifetime is not an execution time and is not.
pub(super) struct StreamTimer {
    timer: Option<Timer>,
    errors: bool,
}

impl StreamTimer {
    pub(super) fn new(timer: Timer) -> Self {
        StreamTimer {
            timer: Some(timer),
            errors: false,
        }
    }

    /// One result sent; a request error (the first result only) ends the count as refused.
    pub(super) fn result(&mut self, response: &async_graphql::Response, first: bool) {
        if first
            && super::exec::is_request_error(response)
            && let Some(timer) = self.timer.take()
        {
            timer.finish(response);
            return;
        }
        self.errors |= !response.errors.is_empty();
    }
}

impl Drop for StreamTimer {
    fn drop(&mut self) {
        let Some(timer) = self.timer.take() else { return };
        let outcome = if self.errors {
            GraphqlOutcome::Error
        } else {
            GraphqlOutcome::Ok
        };
        let timed = timer.kind != kind(Some(OperationType::Subscription));
        timer.record(outcome, timed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_of(query: &str, requested: Option<&str>) -> Option<String> {
        let doc = async_graphql::parser::parse_query(query).expect("a document");
        operation_name(&doc, requested)
    }

    #[test]
    fn the_operation_name_is_the_selected_one() {
        assert_eq!(name_of("{ a }", None), None);
        assert_eq!(name_of("query Events { a }", None).as_deref(), Some("Events"));
        assert_eq!(name_of("query A { a } query B { b }", Some("B")).as_deref(), Some("B"));
        assert_eq!(name_of("query A { a } query B { b }", None), None);
        assert_eq!(kind(Some(OperationType::Mutation)), "mutation");
        assert_eq!(kind(None), "unknown");
    }
}
