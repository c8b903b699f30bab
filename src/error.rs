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
    #[error("you may not do this")]
    Forbidden,
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
            AppError::Forbidden => "FORBIDDEN",
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
