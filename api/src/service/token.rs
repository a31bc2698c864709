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
