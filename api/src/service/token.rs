//! API tokens: created by the `api token` command, shown once, stored as their SHA-256.
//!
//! Tokens carry 256 random bits, so a plain SHA-256 is enough to store them: there is no
//! password to guess, and the lookup stays one indexed query.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use entity::api_token::{self, Role};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder,
};
use sha2::{Digest as _, Sha256};

use crate::domain::Name;

/// Every token starts with this, so that secret scanners and people recognise one.
pub const PREFIX: &str = "pcat_";

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Creates a token; returns its row and the secret, which is not stored anywhere.
pub async fn create(
    conn: &impl ConnectionTrait,
    name: Name,
    role: Role,
) -> Result<(api_token::Model, String), DbErr> {
    let mut random = [0u8; 32];
    getrandom::fill(&mut random)
        .map_err(|err| DbErr::Custom(format!("no randomness for a token: {err}")))?;
    let secret = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(random));
    let row = api_token::Entity::insert(api_token::ActiveModel {
        name: Set(name.into()),
        role: Set(role),
        token_hash: Set(hash(&secret)),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
        ..Default::default()
    })
    .exec_with_returning(conn)
    .await?;
    Ok((row, secret))
}

/// The live token whose secret this is.
pub async fn authenticate(
    conn: &impl ConnectionTrait,
    secret: &str,
) -> Result<Option<api_token::Model>, DbErr> {
    if !secret.starts_with(PREFIX) {
        return Ok(None);
    }
    api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash(secret)))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(conn)
        .await
}

/// Every token, live or revoked, by name.
pub async fn list(conn: &impl ConnectionTrait) -> Result<Vec<api_token::Model>, DbErr> {
    api_token::Entity::find()
        .order_by_asc(api_token::Column::Name)
        .all(conn)
        .await
}

/// Revokes the token with this name; false when there is no live token by that name.
pub async fn revoke(conn: &impl ConnectionTrait, name: &str) -> Result<bool, DbErr> {
    let Some(token) = api_token::Entity::find()
        .filter(api_token::Column::Name.eq(name))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(conn)
        .await?
    else {
        return Ok(false);
    };
    let mut token = token.into_active_model();
    token.revoked_at = Set(Some(Utc::now()));
    token.update(conn).await?;
    Ok(true)
}

/// How long a token check is remembered: a revoked token stops working within this.
pub const REMEMBERED_FOR: std::time::Duration = std::time::Duration::from_secs(1);
/// How many token checks are remembered at once (unknown tokens included, so that a flood
/// of made-up ones does not reach the database each time).
const REMEMBERED: usize = 10_000;

/// The instance's recent token checks, so that requests and WebSockets checking the same
/// token do not each take a database connection (a storm of readers holding the pool must
/// not keep editors out), while a revoked token still stops working within
/// [`REMEMBERED_FOR`].
#[derive(Debug, Default)]
pub struct TokenCache {
    checks: std::sync::Mutex<std::collections::HashMap<String, Remembered>>,
}

#[derive(Debug, Clone)]
struct Remembered {
    at: std::time::Instant,
    token: Option<api_token::Model>,
}

impl TokenCache {
    /// [`authenticate`], through the cache.
    pub async fn authenticate(
        &self,
        conn: &impl ConnectionTrait,
        secret: &str,
    ) -> Result<Option<api_token::Model>, DbErr> {
        if !secret.starts_with(PREFIX) {
            return Ok(None);
        }
        let key = hash(secret);
        if let Some(remembered) = self.recall(&key) {
            return Ok(remembered.token);
        }
        let token = authenticate(conn, secret).await?;
        if let Ok(mut checks) = self.checks.lock() {
            if checks.len() >= REMEMBERED {
                checks.retain(|_, remembered| remembered.at.elapsed() < REMEMBERED_FOR);
                if checks.len() >= REMEMBERED {
                    checks.clear();
                }
            }
            checks.insert(
                key,
                Remembered {
                    at: std::time::Instant::now(),
                    token: token.clone(),
                },
            );
        }
        Ok(token)
    }

    fn recall(&self, key: &str) -> Option<Remembered> {
        let checks = self.checks.lock().ok()?;
        checks
            .get(key)
            .filter(|remembered| remembered.at.elapsed() < REMEMBERED_FOR)
            .cloned()
    }
}
