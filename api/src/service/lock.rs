//! Transaction-scoped locks that make a check and the write it guards one step.
//!
//! On Postgres, two transactions at READ COMMITTED can both read "no conflict" and then both
//! write: a count-then-insert rate limit lets more through than its limit, and two tree moves
//! can each see an acyclic tree and together close a cycle. An advisory lock taken before
//! the check makes the second transaction wait until the first commits, and its check then
//! sees the first one's write. On SQLite every writing transaction begins IMMEDIATE and holds
//! the database's write lock already, so these are no-ops there.

use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement};
use sha2::{Digest, Sha256};

/// What a lock guards; the first key of Postgres's two-key advisory lock, so that the
/// scopes never share a lock by chance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Scope {
    /// One client's submissions (the second key is a hash of the client's key).
    Submissions = 0x5355_4201,
    /// The whole topic tree: parent changes are rare, so one lock is enough.
    TopicTree = 0x544f_5001,
}

/// Waits for and takes the lock of `scope` and `key` until the transaction ends.
pub async fn exclusive(conn: &impl ConnectionTrait, scope: Scope, key: &str) -> Result<(), DbErr> {
    if conn.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    conn.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1, $2)",
        [(scope as i32).into(), key_hash(key).into()],
    ))
    .await?;
    Ok(())
}

/// A stable 32-bit hash of `key` (the same in every instance, unlike `RandomState`).
fn key_hash(key: &str) -> i32 {
    let digest = Sha256::digest(key.as_bytes());
    i32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_hashes_the_same_every_time_and_differs_from_another() {
        assert_eq!(key_hash("127.0.0.1"), key_hash("127.0.0.1"));
        assert_ne!(key_hash("127.0.0.1"), key_hash("127.0.0.2"));
    }
}
