//! Plain Rust rules of the domain: validation and normalisation of what users send.

pub mod validate;
