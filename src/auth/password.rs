//! Argon2id password hashing, temporary passwords and the password policy.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use zxcvbn::Score;
use zxcvbn::feedback::{Suggestion, Warning};

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

/// The zxcvbn score a new password needs: 3 means about 10^10 guesses, out of reach of an
/// online attack and slow offline against Argon2id.
const MIN_SCORE: Score = Score::Three;

/// Words anyone attacking this hub would try first.
const SITE_WORDS: [&str; 2] = ["passerelle", "motdepasse"];

/// The password policy for the account with this e-mail (see [`check_new_for`]).
pub fn check_new(field: &str, password: &str, email: &str) -> AppResult<()> {
    check_new_for(field, password, email, "")
}

/// The password policy: 12 to 256 characters, not the e-mail address, and hard to guess by
/// zxcvbn's estimate (common passwords, repeats, sequences, keyboard rows, dates, and words of
/// the account's e-mail and display name all count as cheap guesses). Messages are French,
/// then English.
pub fn check_new_for(field: &str, password: &str, email: &str, display_name: &str) -> AppResult<()> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Err(AppError::bad_input(
            field,
            format!(
                "Le mot de passe doit compter au moins {MIN_LENGTH} caractères / {field} must be at least {MIN_LENGTH} characters"
            ),
        ));
    }
    if len > MAX_LENGTH {
        return Err(AppError::bad_input(
            field,
            format!(
                "Le mot de passe doit compter au plus {MAX_LENGTH} caractères / {field} must be at most {MAX_LENGTH} characters"
            ),
        ));
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err(too_easy(
            field,
            "c'est votre adresse e-mail.",
            "it is your e-mail address.",
        ));
    }
    let inputs = user_inputs(email, display_name);
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if estimate.score() >= MIN_SCORE {
        return Ok(());
    }
    let (mut french, mut english) = (Vec::new(), Vec::new());
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            french.push(warning_fr(warning).to_string());
            english.push(warning.to_string());
        }
        for suggestion in feedback.suggestions() {
            french.push(suggestion_fr(*suggestion).to_string());
            english.push(suggestion.to_string());
        }
    }
    if french.is_empty() {
        // zxcvbn gives no feedback for some middling scores: say what always helps.
        french.push(suggestion_fr(Suggestion::AddAnotherWordOrTwo).to_string());
        english.push(Suggestion::AddAnotherWordOrTwo.to_string());
    }
    Err(too_easy(field, &french.join(" "), &english.join(" ")))
}

fn too_easy(field: &str, french: &str, english: &str) -> AppError {
    AppError::bad_input(
        field,
        format!("Mot de passe trop facile à deviner : {french} / Password too easy to guess: {english}"),
    )
}

/// What an attacker knows about the account: the e-mail, its parts (`camille.dupont`,
/// `camille`, `dupont`, `example`), the display name and its words, and the hub's name.
fn user_inputs(email: &str, display_name: &str) -> Vec<String> {
    let mut inputs: Vec<String> = SITE_WORDS.iter().map(|w| (*w).to_string()).collect();
    let mut add = |text: &str| {
        let text = text.trim().to_lowercase();
        // One- and two-letter pieces would match everywhere and teach zxcvbn nothing.
        if text.chars().count() > 2 && !inputs.contains(&text) {
            inputs.push(text);
        }
    };
    for text in [email, display_name] {
        add(text);
        for part in text.split(|c: char| !c.is_alphanumeric()) {
            add(part);
        }
    }
    if let Some((local, _)) = email.rsplit_once('@') {
        add(local);
    }
    inputs
}

fn warning_fr(warning: Warning) -> &'static str {
    match warning {
        Warning::StraightRowsOfKeysAreEasyToGuess => "les rangées de touches sont faciles à deviner.",
        Warning::ShortKeyboardPatternsAreEasyToGuess => "les motifs courts au clavier sont faciles à deviner.",
        Warning::RepeatsLikeAaaAreEasyToGuess => "les répétitions comme « aaa » sont faciles à deviner.",
        Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => {
            "les répétitions comme « abcabcabc » sont à peine plus difficiles à deviner que « abc »."
        }
        Warning::ThisIsATop10Password => "c'est l'un des 10 mots de passe les plus courants.",
        Warning::ThisIsATop100Password => "c'est l'un des 100 mots de passe les plus courants.",
        Warning::ThisIsACommonPassword => "c'est un mot de passe très courant.",
        Warning::ThisIsSimilarToACommonlyUsedPassword => "il ressemble à un mot de passe courant.",
        Warning::SequencesLikeAbcAreEasyToGuess => "les suites comme abc ou 6543 sont faciles à deviner.",
        Warning::RecentYearsAreEasyToGuess => "les années récentes sont faciles à deviner.",
        Warning::AWordByItselfIsEasyToGuess => "un mot seul est facile à deviner.",
        Warning::DatesAreOftenEasyToGuess => "les dates sont souvent faciles à deviner.",
        Warning::NamesAndSurnamesByThemselvesAreEasyToGuess => "les noms et prénoms seuls sont faciles à deviner.",
        Warning::CommonNamesAndSurnamesAreEasyToGuess => "les noms et prénoms courants sont faciles à deviner.",
    }
}

fn suggestion_fr(suggestion: Suggestion) -> &'static str {
    match suggestion {
        Suggestion::UseAFewWordsAvoidCommonPhrases => "Prenez quelques mots, évitez les expressions courantes.",
        Suggestion::NoNeedForSymbolsDigitsOrUppercaseLetters => "Nul besoin de symboles, de chiffres ni de majuscules.",
        Suggestion::AddAnotherWordOrTwo => "Ajoutez un mot ou deux, de préférence peu courants.",
        Suggestion::CapitalizationDoesntHelpVeryMuch => "Les majuscules n'aident pas beaucoup.",
        Suggestion::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase => {
            "Tout en majuscules est presque aussi facile à deviner que tout en minuscules."
        }
        Suggestion::ReversedWordsArentMuchHarderToGuess => {
            "Les mots à l'envers ne sont guère plus difficiles à deviner."
        }
        Suggestion::PredictableSubstitutionsDontHelpVeryMuch => {
            "Les substitutions prévisibles comme « @ » pour « a » n'aident pas beaucoup."
        }
        Suggestion::UseALongerKeyboardPatternWithMoreTurns => {
            "Prenez un motif au clavier plus long, avec plus de changements de direction."
        }
        Suggestion::AvoidRepeatedWordsAndCharacters => "Évitez les mots et caractères répétés.",
        Suggestion::AvoidSequences => "Évitez les suites.",
        Suggestion::AvoidRecentYears => "Évitez les années récentes.",
        Suggestion::AvoidYearsThatAreAssociatedWithYou => "Évitez les années qui vous sont associées.",
        Suggestion::AvoidDatesAndYearsThatAreAssociatedWithYou => "Évitez les dates et années qui vous sont associées.",
    }
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

    fn refusal(password: &str) -> String {
        match check_new_for("newPassword", password, "camille.dupont@example.org", "Camille Dupont") {
            Err(AppError::BadUserInput { field, message }) => {
                assert_eq!(field, "newPassword");
                message
            }
            other => panic!("{password:?} should be refused, got {other:?}"),
        }
    }

    #[test]
    fn temporary_passwords_pass_the_policy() {
        // Random draws: enough of them that a weak-looking one would show up.
        for _ in 0..200 {
            let p = temporary();
            assert_eq!(p.len(), 20);
            assert!(check_new("newPassword", &p, "a@example.org").is_ok(), "{p}");
            assert!(
                check_new_for("newPassword", &p, "camille@example.org", "Camille").is_ok(),
                "{p}"
            );
        }
        assert_ne!(temporary(), temporary());
    }

    #[test]
    fn short_long_and_the_e_mail_are_refused() {
        assert!(refusal("short").starts_with("Le mot de passe doit compter au moins 12 caractères / "));
        assert!(refusal(&"x".repeat(MAX_LENGTH + 1)).contains("at most 256 characters"));
        let own = refusal("Camille.Dupont@example.org");
        assert!(own.starts_with("Mot de passe trop facile à deviner : "), "{own}");
        assert!(
            own.contains(" / Password too easy to guess: it is your e-mail address."),
            "{own}"
        );
    }

    #[test]
    fn common_passwords_and_trivial_patterns_are_refused() {
        for weak in [
            "aaaaaaaaaaaa",
            "123456789012",
            "            ",
            "password1234",
            "azertyuiop12",
            "qwertyuiop123",
            "motdepasse123",
            "passerelle2024",
            "camilledupont",
            "camille.dupont",
            "dupontcamille1",
            "abcdefghijkl",
            "iloveyou1234",
        ] {
            let message = refusal(weak);
            assert!(
                message.starts_with("Mot de passe trop facile à deviner : ")
                    && message.contains(" / Password too easy to guess: "),
                "{weak:?}: {message}"
            );
        }
    }

    #[test]
    fn feedback_is_given_in_both_languages() {
        let message = refusal("aaaaaaaaaaaa");
        assert!(
            message.contains("les répétitions comme « aaa » sont faciles à deviner."),
            "{message}"
        );
        assert!(message.contains("Repeats like \"aaa\" are easy to guess."), "{message}");
        let message = refusal("password1234");
        assert!(message.contains("mot de passe"), "{message}");
        assert!(message.contains("common password"), "{message}");
    }

    #[test]
    fn strong_passphrases_are_accepted() {
        for strong in [
            "correct horse battery staple",
            "Vélo rouge, pluie fine et thé vert",
            "tournesol-kayak-brioche-42",
            // The integration tests' passwords.
            "a long new passphrase",
            "another long passphrase",
        ] {
            assert!(
                check_new_for("newPassword", strong, "camille.dupont@example.org", "Camille Dupont").is_ok(),
                "{strong:?}: {:?}",
                check_new("newPassword", strong, "camille.dupont@example.org")
            );
        }
    }
}
