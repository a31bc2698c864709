//! Mutations, in the GitHub/Shopify style: one input object, one payload, the caller's
//! `clientMutationId` echoed, and `userErrors` for anything the editor can fix. Each runs in
//! one transaction: all of it happens, or none of it.

/// One payload type per mutation (as GitHub's and Shopify's schemas have): the echoed
/// `clientMutationId`, the result (null when there are user errors) and the user errors.
macro_rules! payload {
    ($(#[$doc:meta])* $name:ident, $field:ident: $ty:ty) => {
        $(#[$doc])*
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            /// The `clientMutationId` of the input, unchanged.
            pub client_mutation_id: Option<String>,
            /// Null when there are user errors.
            pub $field: Option<$ty>,
            /// What the editor can fix; empty when the mutation took effect.
            pub user_errors: Vec<UserError>,
        }

        impl $name {
            fn from_outcome(client_mutation_id: Option<String>, outcome: Result<$ty, Vec<UserError>>) -> Self {
                match outcome {
                    Ok(value) => Self { client_mutation_id, $field: Some(value), user_errors: Vec::new() },
                    Err(user_errors) => Self { client_mutation_id, $field: None, user_errors },
                }
            }
        }
    };
}

mod bibtex;
mod catalogue;
mod publication;
mod submission;

pub(crate) use submission::SubmissionLimit;

use std::future::Future;
use std::pin::Pin;

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo,
};
use async_graphql::{
    Context, Enum, ErrorExtensions as _, MergedObject, ServerResult, SimpleObject,
};
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

pub use publication::PublicationMutation;

use super::viewer::Caller;
use crate::error::{ApiError, ApiResultExt as _};
use crate::service::edit::{Actor, EditError, Problem, ProblemCode};

/// Every root mutation field, one object per domain.
#[derive(MergedObject, Default)]
pub struct Mutation(
    PublicationMutation,
    catalogue::CatalogueMutation,
    bibtex::BibtexMutation,
    submission::SubmissionMutation,
);

/// The kind of a problem the editor can fix.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum UserErrorCode {
    /// A value is malformed or not allowed.
    Invalid,
    /// A referenced entry does not exist.
    NotFound,
    /// Someone changed the entry first: reload it and apply the change again.
    Conflict,
    /// A unique value belongs to another entry, which the message names.
    Duplicate,
    /// The entry is still used by publications.
    Referenced,
}

/// A problem with a mutation's input that the editor can fix. Nothing was written.
#[derive(SimpleObject, Clone, Debug)]
pub struct UserError {
    /// The path to the input field at fault, such as `["input", "authors", "3", "orcid"]`.
    pub field: Vec<String>,
    /// What is wrong, in English, for the editor to read.
    pub message: String,
    /// The kind of problem, for the client to act on.
    pub code: UserErrorCode,
}

impl From<Problem> for UserError {
    fn from(problem: Problem) -> Self {
        Self {
            field: problem.field,
            message: problem.message,
            code: match problem.code {
                ProblemCode::Invalid => UserErrorCode::Invalid,
                ProblemCode::NotFound => UserErrorCode::NotFound,
                ProblemCode::Conflict => UserErrorCode::Conflict,
                ProblemCode::Duplicate => UserErrorCode::Duplicate,
                ProblemCode::Referenced => UserErrorCode::Referenced,
            },
        }
    }
}

/// Mutations anyone may run, with no token: the public submission form. Every other
/// mutation needs an editor token. This list is the one place that decides it: the
/// transport refuses an anonymous request for any other mutation before running it (401),
/// and [`EditorsOnly`] refuses the field itself, for any other way the schema is executed.
pub const PUBLIC_MUTATIONS: [&str; 2] = ["submitPublication", "__typename"];

/// Whether `caller` may run the root mutation field `field`.
pub fn may_run(caller: &Caller, field: &str) -> bool {
    matches!(caller, Caller::Token { .. }) || PUBLIC_MUTATIONS.contains(&field)
}

/// Refuses a mutation field that [`may_run`] does not allow, before its resolver runs.
pub struct EditorsOnly;

impl ExtensionFactory for EditorsOnly {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(EditorsOnly)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for EditorsOnly {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<async_graphql::Value>> {
        if info.parent_type == "Mutation" {
            let allowed = ctx
                .data_opt::<Caller>()
                .is_some_and(|caller| may_run(caller, info.name));
            if !allowed {
                let error = ApiError::Unauthenticated(
                    "this mutation needs an editor token: send Authorization: Bearer <token>",
                )
                .extend();
                return Err(error.into_server_error(info.field.name.pos));
            }
        }
        next.run(ctx, info).await
    }
}

/// Who the change feed says made a change: the token's name, or `anonymous` for a public
/// submission.
fn actor_name(ctx: &Context<'_>) -> String {
    ctx.data_opt::<Caller>()
        .and_then(Caller::actor)
        .map_or_else(|| "anonymous".to_owned(), |actor| actor.0)
}

/// The actor of an editor mutation (the guard has admitted the caller).
pub fn actor(ctx: &Context<'_>) -> async_graphql::Result<Actor> {
    ctx.data::<Caller>()?
        .actor()
        .ok_or_else(|| ApiError::Unauthenticated("this mutation needs an editor token").extend())
}

type Edit<'t, T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 't>>;

/// How an edit ended when it did not succeed: with something to tell the caller, or with a
/// database failure.
pub enum Failure<E> {
    Expected(E),
    Database(sea_orm::DbErr),
}

impl From<EditError> for Failure<Vec<UserError>> {
    fn from(err: EditError) -> Self {
        match err {
            EditError::Problems(problems) => {
                Self::Expected(problems.into_iter().map(UserError::from).collect())
            }
            EditError::Db(err) => Self::Database(err),
        }
    }
}

/// Runs `edit` in one transaction: committed when it succeeds, rolled back when it reports
/// problems (returned as user errors) or fails (returned as a GraphQL error).
pub async fn in_transaction<T, F>(
    ctx: &Context<'_>,
    edit: F,
) -> async_graphql::Result<Result<T, Vec<UserError>>>
where
    T: Send,
    F: for<'t> FnOnce(&'t DatabaseTransaction) -> Edit<'t, T, EditError> + Send,
{
    in_transaction_with(ctx, edit).await
}

/// [`in_transaction`] for edits with errors of their own, which say what the caller sees.
///
/// On SQLite the transaction takes the write lock at `BEGIN` (IMMEDIATE): a deferred one
/// that reads first and writes later fails at once with "database is locked" when another
/// writer got in between, where an immediate one waits its turn.
pub async fn in_transaction_with<T, E, X, F>(
    ctx: &Context<'_>,
    edit: F,
) -> async_graphql::Result<Result<T, X>>
where
    T: Send,
    E: Into<Failure<X>> + Send,
    F: for<'t> FnOnce(&'t DatabaseTransaction) -> Edit<'t, T, E> + Send,
{
    let db = ctx.data::<DatabaseConnection>()?;
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    let txn = db
        .begin_with_options(options)
        .await
        .map_err(ApiError::from)
        .gql()?;
    match edit(&txn).await {
        Ok(value) => {
            // In the same transaction, last: the change feed and the revision move exactly
            // when this commits (and the read indexes learn of it from then).
            let revision = crate::service::feed::record(&txn, &actor_name(ctx))
                .await
                .map_err(ApiError::from)
                .gql()?;
            txn.commit().await.map_err(ApiError::from).gql()?;
            if let (Some(revision), Some(hub)) =
                (revision, ctx.data_opt::<std::sync::Arc<crate::live::Hub>>())
            {
                hub.committed(revision);
            }
            Ok(Ok(value))
        }
        Err(err) => {
            if let Err(rollback) = txn.rollback().await {
                tracing::warn!(error = %rollback, "failed to roll back a transaction");
            }
            match err.into() {
                Failure::Expected(expected) => Ok(Err(expected)),
                Failure::Database(err) => Err(ApiError::from(err)).gql(),
            }
        }
    }
}

/// Runs `edit` on the parsed input in one transaction, or returns the parsing problems as
/// user errors without touching the database.
pub async fn run_parsed<P, T, F>(
    ctx: &Context<'_>,
    parsed: Result<P, Vec<UserError>>,
    edit: F,
) -> async_graphql::Result<Result<T, Vec<UserError>>>
where
    P: Send,
    T: Send,
    F: for<'t> FnOnce(&'t DatabaseTransaction, P) -> Edit<'t, T, EditError> + Send,
{
    match parsed {
        Err(errors) => Ok(Err(errors)),
        Ok(input) => in_transaction(ctx, move |txn| edit(txn, input)).await,
    }
}

/// Input problems found while parsing, as user errors (or none).
fn parse_problems(problems: crate::service::edit::Problems) -> Result<(), Vec<UserError>> {
    let problems = problems.into_vec();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.into_iter().map(UserError::from).collect())
    }
}

/// The value an input parsed to, or the problems that kept it from parsing. Every parser
/// that gives no value notes why; a value missing with nothing noted is a bug, which still
/// answers with a user error that says so rather than with an empty list.
pub fn parsed<T>(
    problems: crate::service::edit::Problems,
    value: Option<T>,
) -> Result<T, Vec<UserError>> {
    parse_problems(problems)?;
    value.ok_or_else(|| {
        tracing::error!("an input parsed to nothing without a problem");
        vec![UserError {
            field: vec!["input".to_owned()],
            message: "the input could not be read".to_owned(),
            code: UserErrorCode::Invalid,
        }]
    })
}

/// The database id behind a global id of `kind`, noting a problem at `field` otherwise.
pub fn id_of(
    problems: &mut crate::service::edit::Problems,
    field: Vec<String>,
    id: &async_graphql::ID,
    kind: super::NodeKind,
) -> Option<i64> {
    match super::GlobalId::decode_as("id", id, kind) {
        Ok(id) => Some(id),
        Err(err) => {
            // The problem names the field itself; the message is what is wrong with it.
            let message = match err {
                ApiError::BadUserInput { message, .. } => message,
                other => other.to_string(),
            };
            problems.add(ProblemCode::Invalid, field, message);
            None
        }
    }
}

/// A field an update may leave out but not clear: `None` when left out, the value when given,
/// and an INVALID problem at `field` when it is null.
pub fn required<T>(
    problems: &mut crate::service::edit::Problems,
    field: &str,
    value: async_graphql::MaybeUndefined<T>,
) -> Option<T> {
    match value {
        async_graphql::MaybeUndefined::Undefined => None,
        async_graphql::MaybeUndefined::Null => {
            problems.add(
                ProblemCode::Invalid,
                crate::service::edit::path(&[&field]),
                format!("{field} cannot be cleared; leave it out to keep it as it is"),
            );
            None
        }
        async_graphql::MaybeUndefined::Value(value) => Some(value),
    }
}
