//! One-time tokens (email verification, password reset): random, stored as
//! SHA-256, single use, expiring. Issuing a new token of a purpose retires the
//! user's earlier ones, so only the latest link works.
//!
//! Errors: unknown token → 400 `invalid_token`; used or retired → 410
//! `token_used`; past its lifetime → 410 `token_expired`.

use crate::entity::one_time_token::{ActiveModel, Column, Entity, Model};
use crate::errors;
use crate::token;
use p2p_kernel::DomainError;
use p2p_kernel::persistence::db_error;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
        }
    }
}

/// Retires the user's unused tokens of `purpose`.
pub(crate) async fn retire(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    purpose: Purpose,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::UsedAt, Expr::value(Some(now)))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Purpose.eq(purpose.as_str()))
        .filter(Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Creates a token valid for `ttl`; returns the token to put in the link.
pub(crate) async fn issue(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    purpose: Purpose,
    ttl: std::time::Duration,
    now: OffsetDateTime,
) -> Result<String, DbErr> {
    retire(conn, user_id, purpose, now).await?;
    let fresh = token::generate();
    let row = ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        purpose: Set(purpose.as_str().to_owned()),
        token_hash: Set(fresh.hash),
        created_at: Set(now),
        expires_at: Set(p2p_kernel::persistence::db_time(now + ttl)),
        used_at: Set(None),
    };
    Entity::insert(row).exec_without_returning(conn).await?;
    Ok(fresh.token)
}

/// A usable token (not yet consumed), or why not.
pub(crate) async fn check(
    conn: &impl ConnectionTrait,
    presented: &str,
    purpose: Purpose,
    now: OffsetDateTime,
) -> Result<Model, DomainError> {
    let query = Entity::find().filter(Column::Purpose.eq(purpose.as_str()));
    let row = token::stored(conn, query, Column::TokenHash, presented).await?;
    if row.used_at.is_some() {
        return Err(errors::token_used());
    }
    token::unexpired(row.expires_at, now)?;
    Ok(row)
}

/// Marks the token used, if it still is usable; the write comes first so that
/// two concurrent uses cannot both succeed.
pub(crate) async fn consume(
    conn: &impl ConnectionTrait,
    presented: &str,
    purpose: Purpose,
    now: OffsetDateTime,
) -> Result<Model, DomainError> {
    if !token::looks_valid(presented) {
        return Err(errors::invalid_token());
    }
    let res = Entity::update_many()
        .col_expr(Column::UsedAt, Expr::value(Some(now)))
        .filter(Column::TokenHash.eq(token::hash(presented)))
        .filter(Column::Purpose.eq(purpose.as_str()))
        .filter(Column::UsedAt.is_null())
        .filter(Column::ExpiresAt.gt(now))
        .exec(conn)
        .await
        .map_err(db_error)?;
    if res.rows_affected == 1 {
        return token::stored(conn, Entity::find(), Column::TokenHash, presented).await;
    }
    // Not consumed: say why.
    Err(check(conn, presented, purpose, now)
        .await
        .err()
        .unwrap_or_else(errors::token_used))
}
