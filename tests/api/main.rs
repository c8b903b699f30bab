//! The integration tests, in one binary so that `common` is compiled once: the real server on
//! port 0 with a fresh database, talked to over HTTP and WebSocket, on SQLite and, when
//! `PASSERELLE_TEST_DATABASE_URL` is set, on PostgreSQL. One module per area.

mod common;

mod access;
mod accounts;
mod backup;
mod cli;
mod concurrency;
mod console;
mod crud;
mod explains;
mod exports;
mod federation;
mod feeds;
mod feeds_registry;
mod html_rule;
mod http;
mod imports;
mod indicators;
mod instances;
mod kits;
mod lists;
mod mail;
mod migrations;
mod observability;
mod order;
mod places;
mod readme;
mod reads;
mod search;
mod security;
mod security_feeds;
mod security_passwords;
mod sessions;
mod subscriptions;
