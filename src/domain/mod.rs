//! Plain Rust rules of the domain: validation and normalisation of what users send, the
//! visibility policy, and what may be shown of a secret address.

pub mod scope;
pub mod site;
pub mod validate;

pub use scope::Scope;
