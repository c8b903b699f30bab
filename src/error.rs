//! One error type for everything a client can see, with stable codes.

use std::sync::Arc;

/// An error a request can end with. Its `Display` text is safe to show to a client;
/// internal causes are logged, never returned.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    BadUserInput { field: String, message: String },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// A kit loan that would hold its kit while another does (`CONFLICT`, naming that loan).
    #[error(
        "cette mallette est déjà réservée du {from} au {until} (prêt {loan_id}) / this kit is already booked from {from} until {until} (loan {loan_id})"
    )]
    BookingConflict {
        loan_id: uuid::Uuid,
        from: chrono::NaiveDate,
        until: chrono::NaiveDate,
    },
    #[error("sign in to do this")]
    Unauthenticated,
    #[error("wrong e-mail or password")]
    InvalidCredentials,
    /// Signed in, but not allowed: the denial says by which rule, and whose records.
    #[error("{0}")]
    Forbidden(crate::auth::Denial),
    #[error("too many requests: try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("change your temporary password first (changePassword)")]
    PasswordChangeRequired,
    /// The right temporary password, past its expiry (`PASSERELLE_TEMPORARY_PASSWORD_DAYS`).
    #[error(
        "ce mot de passe provisoire a expiré : demandez-en un nouveau (mot de passe oublié, ou un administrateur) / \
         this temporary password has expired: ask for a new one (requestPasswordReset, or an administrator)"
    )]
    TemporaryPasswordExpired,
    /// A document over its token limit (refused before parsing).
    #[error("{0}")]
    QueryTooLarge(String),
    /// A document nested deeper than allowed (refused before parsing).
    #[error("{0}")]
    QueryTooDeep(String),
    /// An operation that would cost too much once expanded (refused before validation).
    #[error("{0}")]
    QueryTooComplex(String),
    #[error("the operation uses more than {0} aliases")]
    TooManyAliases(u64),
    /// A document the scanner already knows the parser would misread.
    #[error("{0}")]
    QuerySyntax(String),
    /// A document the schema would refuse, found so before it spends work on it.
    #[error("{0}")]
    QueryInvalid(String),
    /// The database is busy or out of reach: the request may be sent again.
    #[error("the hub is busy: try again in {retry_after_secs} s")]
    Unavailable { retry_after_secs: u64 },
    #[error("internal error")]
    Internal(Arc<anyhow::Error>),
}

impl AppError {
    /// The stable `extensions.code` of this error.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadUserInput { .. } => "BAD_USER_INPUT",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::Conflict(_) | AppError::BookingConflict { .. } => "CONFLICT",
            AppError::Unauthenticated | AppError::InvalidCredentials => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::RateLimited { .. } => "RATE_LIMITED",
            AppError::PasswordChangeRequired => "PASSWORD_CHANGE_REQUIRED",
            AppError::TemporaryPasswordExpired => "TEMPORARY_PASSWORD_EXPIRED",
            AppError::QueryTooLarge(_) => "QUERY_TOO_LARGE",
            AppError::QueryTooDeep(_) => "QUERY_TOO_DEEP",
            AppError::QueryTooComplex(_) => "QUERY_TOO_COMPLEX",
            AppError::TooManyAliases(_) => "TOO_MANY_ALIASES",
            AppError::QuerySyntax(_) => "GRAPHQL_PARSE_FAILED",
            AppError::QueryInvalid(_) => "GRAPHQL_VALIDATION_FAILED",
            AppError::Unavailable { .. } => "UNAVAILABLE",
            AppError::Internal(_) => "INTERNAL",
        }
    }

    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        let err = err.into();
        tracing::error!(error = format!("{err:#}"), "internal error");
        AppError::Internal(Arc::new(err))
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        if crate::store::unit::is_unavailable(&err) {
            tracing::warn!(error = %err, "the database is busy or unreachable");
            return AppError::Unavailable { retry_after_secs: 1 };
        }
        AppError::internal(err)
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Every code the hub answers, for the tests that hold the console's sentences and the
/// README's list to them.
#[cfg(test)]
pub(crate) mod catalogue {
    use std::collections::BTreeSet;

    use super::AppError;

    /// One error of each kind `AppError` has (the match has no wildcard: a new kind stops the
    /// build here until it is added, given a sentence in the console and a line in the
    /// README).
    pub(crate) fn every_app_error() -> Vec<AppError> {
        let all = vec![
            AppError::bad_input("title", "title must not be empty"),
            AppError::NotFound("event"),
            AppError::Conflict("taken".into()),
            AppError::BookingConflict {
                loan_id: uuid::Uuid::nil(),
                from: chrono::NaiveDate::MIN,
                until: chrono::NaiveDate::MAX,
            },
            AppError::Unauthenticated,
            AppError::InvalidCredentials,
            AppError::Forbidden(crate::auth::Denial::new(
                crate::auth::denial::Rule::AdminsOnly,
                crate::auth::Task::ReadAuditLog,
            )),
            AppError::RateLimited { retry_after_secs: 1 },
            AppError::PasswordChangeRequired,
            AppError::TemporaryPasswordExpired,
            AppError::QueryTooLarge(String::new()),
            AppError::QueryTooDeep(String::new()),
            AppError::QueryTooComplex(String::new()),
            AppError::TooManyAliases(15),
            AppError::QuerySyntax(String::new()),
            AppError::QueryInvalid(String::new()),
            AppError::Unavailable { retry_after_secs: 1 },
            AppError::Internal(std::sync::Arc::new(anyhow::anyhow!("a cause"))),
        ];
        for error in &all {
            match error {
                AppError::BadUserInput { .. }
                | AppError::NotFound(_)
                | AppError::Conflict(_)
                | AppError::BookingConflict { .. }
                | AppError::Unauthenticated
                | AppError::InvalidCredentials
                | AppError::Forbidden(_)
                | AppError::RateLimited { .. }
                | AppError::PasswordChangeRequired
                | AppError::TemporaryPasswordExpired
                | AppError::QueryTooLarge(_)
                | AppError::QueryTooDeep(_)
                | AppError::QueryTooComplex(_)
                | AppError::TooManyAliases(_)
                | AppError::QuerySyntax(_)
                | AppError::QueryInvalid(_)
                | AppError::Unavailable { .. }
                | AppError::Internal(_) => {}
            }
        }
        all
    }

    /// The codes the HTTP layer answers itself: the last literal of each `coded_error(…)`,
    /// and each `"code": "…"`.
    pub(crate) fn http_codes() -> BTreeSet<String> {
        let mut codes = BTreeSet::new();
        let graphql = include_str!("http/graphql.rs");
        for call in graphql.split("coded_error(").skip(1) {
            let args = &call[..call.find(')').unwrap_or(call.len())];
            if let Some(code) = args.rsplit('"').nth(1)
                && !code.is_empty()
                && code.chars().all(|c| c.is_ascii_uppercase() || c == '_')
            {
                codes.insert(code.to_string());
            }
        }
        for file in [graphql, include_str!("http/mod.rs")] {
            for rest in file.split("\"code\": \"").skip(1) {
                codes.insert(rest[..rest.find('"').unwrap_or(0)].to_string());
            }
        }
        codes
    }

    /// Every `extensions.code` a client can meet.
    pub(crate) fn every_code() -> BTreeSet<String> {
        let mut codes: BTreeSet<String> = every_app_error().iter().map(|e| e.code().to_string()).collect();
        let http = http_codes();
        assert!(
            http.contains("PAYLOAD_TOO_LARGE") && http.contains("TIMEOUT"),
            "{http:?}"
        );
        codes.extend(http);
        codes
    }

    /// The codes of the README's table of error codes: the first cell of each row between
    /// the `<!-- error codes -->` markers.
    fn readme_codes() -> BTreeSet<String> {
        let readme = include_str!("../README.md");
        let start = readme
            .find("<!-- error codes -->")
            .expect("the README marks its table of error codes");
        let end = readme[start..].find("<!-- /error codes -->").expect("the table ends") + start;
        readme[start..end]
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|rest| rest.split('`').next())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn the_readme_lists_every_error_code_and_no_other() {
        let readme = readme_codes();
        let code = every_code();
        let missing: Vec<_> = code.difference(&readme).collect();
        let unknown: Vec<_> = readme.difference(&code).collect();
        assert!(missing.is_empty(), "codes the README does not list: {missing:?}");
        assert!(
            unknown.is_empty(),
            "codes the README lists that the hub never answers: {unknown:?}"
        );
    }
}
