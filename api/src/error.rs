//! Errors of the API, and the policy that governs them.
//!
//! - Start-up and command-line code uses `anyhow` with `.context("failed to ...")`: its errors
//!   end the process with one line that says what failed and why.
//! - Services return `DbErr` (or a domain error), so that they compose inside a transaction.
//! - Resolvers return [`ApiError`], converted to a GraphQL error with [`ApiResultExt::gql`].
//!   Every variant has a stable `extensions.code`. What the caller can fix says what to fix;
//!   anything unexpected is logged with its cause chain and reaches the client as a generic
//!   message, never as SQL text or a stack trace.

use std::sync::Arc;

use actix_web::http::StatusCode;
use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

/// Every `extensions.code` the API answers with. The transport's refusals and the errors of
/// resolvers both take their code from here, and the HTTP status follows from it; the
/// README's table of codes lists the same set (a test compares them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The request is not a GraphQL request: malformed JSON, parameters of the wrong type.
    BadRequest,
    /// A JSON array of operations; one operation per request.
    BatchNotSupported,
    /// A POST body that is not `application/json`.
    UnsupportedMediaType,
    /// A body over the configured limit.
    PayloadTooLarge,
    /// An `Accept` header that allows no media type the API answers with.
    NotAcceptable,
    /// A mutation over GET, or a method other than GET and POST.
    MethodNotAllowed,
    /// No valid token where one is needed, or a malformed or revoked one.
    Unauthenticated,
    /// The document does not parse.
    GraphqlParseFailed,
    /// The document does not validate against the schema or is over a limit of its shape.
    GraphqlValidationFailed,
    /// The document uses more aliases than the limit.
    TooManyAliases,
    /// An argument or variable value is unusable.
    BadUserInput,
    /// A cursor this server did not make, or made for another list.
    InvalidCursor,
    /// A persisted query's hash that this instance does not know: send the query with it.
    PersistedQueryNotFound,
    /// Too many public submissions from one address.
    RateLimited,
    /// A subscription over the limit of its connection or of the instance.
    TooManySubscriptions,
    /// A subscription's `sinceRevision` is older than the change feed keeps.
    RevisionExpired,
    /// The request ran past the time limit.
    RequestTimeout,
    /// The database cannot be reached, or the service is shutting down.
    ServiceUnavailable,
    /// A bug or an unforeseen database error; the message carries a request id.
    InternalServerError,
}

impl ErrorCode {
    /// Every code, in the order of the README's table.
    pub const ALL: [Self; 19] = [
        Self::BadRequest,
        Self::BatchNotSupported,
        Self::UnsupportedMediaType,
        Self::PayloadTooLarge,
        Self::NotAcceptable,
        Self::MethodNotAllowed,
        Self::Unauthenticated,
        Self::GraphqlParseFailed,
        Self::GraphqlValidationFailed,
        Self::TooManyAliases,
        Self::BadUserInput,
        Self::InvalidCursor,
        Self::PersistedQueryNotFound,
        Self::RateLimited,
        Self::TooManySubscriptions,
        Self::RevisionExpired,
        Self::RequestTimeout,
        Self::ServiceUnavailable,
        Self::InternalServerError,
    ];

    /// The text of `extensions.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "BAD_REQUEST",
            Self::BatchNotSupported => "BATCH_NOT_SUPPORTED",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::NotAcceptable => "NOT_ACCEPTABLE",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::TooManyAliases => "TOO_MANY_ALIASES",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::InvalidCursor => "INVALID_CURSOR",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::RateLimited => "RATE_LIMITED",
            Self::TooManySubscriptions => "TOO_MANY_SUBSCRIPTIONS",
            Self::RevisionExpired => "REVISION_EXPIRED",
            Self::RequestTimeout => "REQUEST_TIMEOUT",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Self::InternalServerError => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The code an error carries, if it is one of ours.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == text)
    }

    /// The HTTP status of a request refused with this code before it runs: by the transport,
    /// or as a request error in `application/graphql-response+json` (which is 200 in
    /// `application/json`). None for a code that only a field's error carries.
    pub fn refusal_status(self) -> Option<StatusCode> {
        Some(match self {
            Self::BadRequest
            | Self::BatchNotSupported
            | Self::GraphqlParseFailed
            | Self::GraphqlValidationFailed
            | Self::TooManyAliases
            | Self::BadUserInput
            | Self::PersistedQueryNotFound => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::RequestTimeout | Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::InternalServerError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::InvalidCursor | Self::TooManySubscriptions | Self::RevisionExpired => {
                return None;
            }
        })
    }

    /// The HTTP status a GraphQL response takes when one of its errors has this code,
    /// whatever else it holds: the client should retry later rather than read the data.
    pub fn response_status(self) -> Option<StatusCode> {
        match self {
            Self::ServiceUnavailable | Self::RequestTimeout => {
                Some(StatusCode::SERVICE_UNAVAILABLE)
            }
            Self::RateLimited => Some(StatusCode::TOO_MANY_REQUESTS),
            _ => None,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error that a resolver returns to the client.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The request is well-formed GraphQL but an argument's value is unusable.
    #[error("{argument}: {message}")]
    BadUserInput { argument: String, message: String },
    /// A pagination cursor that this server did not make, or made for another list.
    #[error("{argument}: {message}")]
    InvalidCursor {
        argument: &'static str,
        message: String,
    },
    /// No token where one is needed.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// A subscription over a limit.
    #[error("{0}")]
    TooManySubscriptions(String),
    /// A `sinceRevision` the change feed no longer holds.
    #[error("{0}")]
    RevisionExpired(String),
    /// The instance's read index is being built, or is behind the revision asked for.
    #[error("{0}")]
    NotReady(String),
    /// A search needed more index work than one request may take.
    #[error("{0}")]
    OverBudget(String),
    /// The database cannot be reached or has no free connection right now.
    #[error("the catalogue database is unavailable; try again shortly")]
    Unavailable(#[source] Arc<DbErr>),
    /// The connection a statement ran on was lost (the server restarted or ended it): nothing
    /// of the request was written, and the same request on a fresh connection may well work.
    #[error("{LOST_CONNECTION}")]
    Lost(#[source] Arc<DbErr>),
    /// Anything else: a bug, or a database error that no input can cause.
    #[error("internal error")]
    Internal(#[source] Arc<DbErr>),
}

/// The message of [`ApiError::Lost`], by which the transport knows to run a read again.
pub const LOST_CONNECTION: &str =
    "the connection to the catalogue database was lost; nothing was written, try again";

/// Whether `err` says that the statement's connection was lost or could not be had (the
/// database restarted, ended the connection, or is not answering), rather than anything of
/// the statement itself.
pub fn connection_lost(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    let (DbErr::Conn(runtime) | DbErr::Exec(runtime) | DbErr::Query(runtime)) = err else {
        return matches!(err, DbErr::ConnectionAcquire(_));
    };
    let RuntimeErr::SqlxError(sqlx) = runtime else {
        return matches!(err, DbErr::Conn(_));
    };
    match sqlx.as_ref() {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::Protocol(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed => true,
        // Class 08 (connection exception); 57P01-57P03: the server is shutting down, crashed,
        // or cannot take connections yet (Postgres's SQLSTATEs).
        Sqlx::Database(database) => database.code().is_some_and(|code| {
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")
        }),
        _ => matches!(err, DbErr::Conn(_)),
    }
}

impl ApiError {
    pub fn bad_input(argument: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            argument: argument.into(),
            message: message.into(),
        }
    }

    /// The machine-readable `extensions.code` of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadUserInput { .. } => ErrorCode::BadUserInput,
            Self::InvalidCursor { .. } => ErrorCode::InvalidCursor,
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::TooManySubscriptions(_) => ErrorCode::TooManySubscriptions,
            Self::RevisionExpired(_) => ErrorCode::RevisionExpired,
            Self::Unavailable(_) | Self::Lost(_) | Self::NotReady(_) => {
                ErrorCode::ServiceUnavailable
            }
            Self::OverBudget(_) => ErrorCode::RequestTimeout,
            Self::Internal(_) => ErrorCode::InternalServerError,
        }
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        Arc::new(err).into()
    }
}

impl From<Arc<DbErr>> for ApiError {
    fn from(err: Arc<DbErr>) -> Self {
        match &*err {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => Self::Unavailable(err),
            DbErr::Custom(message) => {
                if let Some(reason) = message.strip_prefix(crate::index::OVER_BUDGET) {
                    Self::OverBudget(reason.to_owned())
                } else if let Some(reason) = message.strip_prefix(crate::index::UNAVAILABLE) {
                    Self::NotReady(format!(
                        "this instance's read index cannot answer right now ({reason}); try again shortly"
                    ))
                } else {
                    Self::Internal(err)
                }
            }
            lost if connection_lost(lost) => Self::Lost(err),
            _ => Self::Internal(err),
        }
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        if let Self::Internal(cause) | Self::Unavailable(cause) | Self::Lost(cause) = self {
            tracing::error!(code = self.code().as_str(), error = %error_chain(cause.as_ref()), "request failed");
        }
        async_graphql::Error::new(self.to_string())
            .extend_with(|_, ext| ext.set("code", self.code().as_str()))
    }
}

/// Converts a service result into what a resolver returns, keeping the error's code.
pub trait ApiResultExt<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T, E: Into<ApiError>> ApiResultExt<T> for Result<T, E> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|err| err.into().extend())
    }
}

/// "outer: inner: root" for the log, since `Display` of most errors shows only the outer one.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// An error and its causes on one line, "outer: inner: root", leaving out a cause whose text
/// the line already holds (database errors repeat their source in their own message).
pub fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's table of codes lists exactly the codes the API answers with, in order,
    /// with the status of a refusal in its second column.
    #[test]
    fn the_readme_lists_every_error_code_with_its_status() {
        let readme = include_str!("../../README.md");
        let section = readme
            .split("### Error codes")
            .nth(1)
            .and_then(|rest| rest.split("\n### ").next())
            .expect("a section `### Error codes` in the README");
        let rows: Vec<(String, String)> = section
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                let code = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
                Some((code.to_owned(), (*cells.get(2)?).to_owned()))
            })
            .collect();
        let codes: Vec<&str> = rows.iter().map(|(code, _)| code.as_str()).collect();
        let expected: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
        assert_eq!(codes, expected);
        for ((_, status), code) in rows.iter().zip(ErrorCode::ALL) {
            let Some(refusal) = code.refusal_status() else {
                assert_eq!(status, "200", "{code} is only ever a field's error");
                continue;
            };
            let refusal = refusal.as_u16().to_string();
            assert!(
                status.starts_with(&refusal) || status.contains(&format!("{refusal} before")),
                "{code}: the README says {status:?}, a refusal is {refusal}"
            );
        }
    }

    #[test]
    fn every_code_reads_back_as_itself() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("SOMETHING_ELSE"), None);
    }
}
