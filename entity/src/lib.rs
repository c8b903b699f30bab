//! sea-orm entities of Passerelle: tables and stored enums, nothing else.
//! GraphQL and API types convert *from* these models at the edge.

pub mod action;
pub mod api_key;
pub mod audit_entry;
pub mod calendar_subscription;
pub mod contact;
pub mod digest_subscription;
pub mod enums;
pub mod event;
pub mod experience_report;
pub mod feed;
pub mod feed_run;
pub mod kit;
pub mod kit_loan;
pub mod login_throttle;
pub mod mail_outbox;
pub mod organisation;
pub mod password_reset;
pub mod resource;
pub mod search_outbox;
pub mod search_shard;
pub mod session;
pub mod signing_key;
pub mod user;

pub use enums::*;
