//! The integration tests, in one binary so that `common` is compiled once: the real server on
//! port 0 with a fresh database, talked to over HTTP and WebSocket, on SQLite and, when
//! `PASSERELLE_TEST_DATABASE_URL` is set, on PostgreSQL. One module per area.

mod common;

mod access;
mod accounts;
mod backup;
mod concurrency;
mod console;
mod crud;
mod exports;
mod federation;
mod feeds;
mod html_rule;
mod feeds_registry;
mod http;
mod imports;
mod instances;
mod lists;
mod mail;
mod observability;
mod migrations;
mod search;
mod security;
mod security_feeds;
mod security_passwords;
mod subscriptions;
