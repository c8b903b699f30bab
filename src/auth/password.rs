//! Argon2id password hashing, temporary passwords and the password policy.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{AppError, AppResult};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 256;

/// Hashes a password with Argon2id (the crate's defaults: 19 MiB, 2 passes, 1 lane).
pub fn hash(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(anyhow::anyhow!("password hashing failed: {e}")))
}

/// Whether `password` matches the stored hash.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Spends the time of one verification, so that an unknown account answers as slowly as a
/// wrong password.
pub fn verify_against_nothing(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("passerelle-timing-equaliser").unwrap_or_default());
    let _ = verify(password, stored);
}

/// A temporary password: 20 characters from an alphabet without look-alikes (~115 bits).
pub fn temporary() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    OsRng.fill_bytes(&mut bytes);
    // 256 is not a multiple of 57: the small bias left is irrelevant at this length.
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// The password policy: 12 to 256 characters, not the e-mail address, not the old password.
pub fn check_new(field: &str, password: &str, email: &str) -> AppResult<()> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be at least {MIN_LENGTH} characters"),
        ));
    }
    if len > MAX_LENGTH {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be at most {MAX_LENGTH} characters"),
        ));
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err(AppError::bad_input(
            field,
            format!("{field} must not be the e-mail address"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash("correct horse battery staple").expect("hash");
        let b = hash("correct horse battery staple").expect("hash");
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(verify("correct horse battery staple", &a));
        assert!(!verify("wrong", &a));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn temporary_passwords_pass_the_policy() {
        let p = temporary();
        assert_eq!(p.len(), 20);
        assert!(check_new("newPassword", &p, "a@example.org").is_ok());
        assert_ne!(p, temporary());
        assert!(check_new("newPassword", "short", "a@example.org").is_err());
        assert!(check_new("newPassword", "camille@example.org", "camille@example.org").is_err());
    }
}
