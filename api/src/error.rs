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

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

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
    /// The database cannot be reached or has no free connection right now.
    #[error("the catalogue database is unavailable; try again shortly")]
    Unavailable(#[source] Arc<DbErr>),
    /// Anything else: a bug, or a database error that no input can cause.
    #[error("internal error")]
    Internal(#[source] Arc<DbErr>),
}

impl ApiError {
    pub fn bad_input(argument: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            argument: argument.into(),
            message: message.into(),
        }
    }

    /// The machine-readable `extensions.code` of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadUserInput { .. } => "BAD_USER_INPUT",
            Self::InvalidCursor { .. } => "INVALID_CURSOR",
            Self::Unavailable(_) => "SERVICE_UNAVAILABLE",
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
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
        let unavailable = matches!(&*err, DbErr::Conn(_) | DbErr::ConnectionAcquire(_));
        if unavailable {
            Self::Unavailable(err)
        } else {
            Self::Internal(err)
        }
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        if let Self::Internal(cause) | Self::Unavailable(cause) = self {
            tracing::error!(code = self.code(), error = %error_chain(cause.as_ref()), "request failed");
        }
        async_graphql::Error::new(self.to_string())
            .extend_with(|_, ext| ext.set("code", self.code()))
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
