//! Plain Rust rules of the domain: validation and normalisation of what users send, and
//! what may be shown of a secret address.

pub mod site;
pub mod validate;
