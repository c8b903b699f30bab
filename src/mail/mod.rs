//! E-mail: what the hub writes to people and how it gets there, never lost and never sent
//! twice.
//!
//! A message is a row of the mail outbox (`store::mail`), written in the transaction of what
//! causes it (`queue`): an account created, a password reset asked or done, a digest due. The
//! sender of any instance (`jobs::send_mail`) claims due rows with a lease, composes them
//! (`compose`, French or English, text and HTML), hands them over (`transport`: SMTP through
//! lettre, or `.eml` files without `PASSERELLE_SMTP_URL`) and marks them sent; failures wait a
//! growing time (`schedule::backoff`) and a 5xx refusal ends a message. `digest` reads what a
//! digest lists, through the member's scope, when it is sent; `reminder` queues the reminders
//! that borrowed kits are due back; `sign` signs the one-click unsubscribe links.

pub mod compose;
pub mod digest;
pub mod queue;
pub mod reminder;
pub mod schedule;
pub mod sign;
pub mod smtp_url;
pub mod transport;

pub use smtp_url::SmtpUrl;
pub use transport::{Mailer, parse_from};
