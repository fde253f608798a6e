//! Queries on `users` shared by several flows.

use crate::entity::user::{ActiveModel, Column, Entity, Model};
use crate::errors;
use crate::token;
use p2p_kernel::persistence::{db_error, is_unique_violation};
use p2p_kernel::ports::{handle_key, mention_handle};
use p2p_kernel::text::arabic::fold;
use p2p_kernel::{DomainError, Locale, Role};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};
use time::OffsetDateTime;
use uuid::Uuid;

/// A user to create.
pub(crate) struct NewUser {
    pub organization_id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    pub is_superuser: bool,
    pub email_verified_at: Option<OffsetDateTime>,
    /// The language of the user's emails.
    pub locale: Locale,
}

/// The stored mention handle of a name (at most 255 characters).
pub(crate) fn handle_of(first_name: &str, last_name: &str) -> String {
    mention_handle(first_name.trim(), last_name.trim())
        .chars()
        .take(255)
        .collect()
}

/// The stored `search_name` of a user: first name, last name and email,
/// folded by [`p2p_kernel::text::arabic::fold`] (so «احمد» and «أحمد» meet).
/// Erased users have none.
pub(crate) fn search_name_of(first_name: &str, last_name: &str, email: &str) -> String {
    fold(&format!(
        "{} {} {email}",
        first_name.trim(),
        last_name.trim()
    ))
}

/// Inserts a user; a taken email (unique index `ux_users_email`) is 409 `email_taken`.
pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    new: NewUser,
    now: OffsetDateTime,
) -> Result<Model, DomainError> {
    let handle = handle_of(&new.first_name, &new.last_name);
    let model = Model {
        id: Uuid::now_v7(),
        organization_id: new.organization_id,
        email: new.email.clone(),
        password_hash: new.password_hash,
        handle_key: handle_key(&handle),
        handle,
        first_name: new.first_name.trim().to_owned(),
        last_name: new.last_name.trim().to_owned(),
        job_title: None,
        bio: None,
        phone: None,
        avatar_url: None,
        avatar_file_id: None,
        role: new.role.as_str().to_owned(),
        is_superuser: new.is_superuser,
        is_active: true,
        email_verified_at: new.email_verified_at,
        security_stamp: token::security_stamp(),
        created_at: now,
        updated_at: now,
        last_login_at: None,
        locale: new.locale.as_str().to_owned(),
        search_name: search_name_of(&new.first_name, &new.last_name, &new.email),
    };
    let row: ActiveModel = model.clone().into();
    match Entity::insert(row).exec_without_returning(conn).await {
        Ok(_) => Ok(model),
        Err(e) if is_unique_violation(&e) => Err(errors::email_taken()),
        Err(e) => Err(db_error(e)),
    }
}

pub(crate) async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id).one(conn).await
}

/// By normalized email.
pub(crate) async fn find_by_email(
    conn: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::Email.eq(email))
        .one(conn)
        .await
}

/// Active admins of an organization other than `except`.
pub(crate) async fn other_active_admins(
    conn: &impl ConnectionTrait,
    org: Uuid,
    except: Uuid,
) -> Result<u64, DbErr> {
    Entity::find()
        .filter(Column::OrganizationId.eq(org))
        .filter(Column::Role.eq(Role::Admin.as_str()))
        .filter(Column::IsActive.eq(true))
        .filter(Column::Id.ne(except))
        .count(conn)
        .await
}

/// Active members of an organization.
pub(crate) async fn count_active(conn: &impl ConnectionTrait, org: Uuid) -> Result<u64, DbErr> {
    Entity::find()
        .filter(Column::OrganizationId.eq(org))
        .filter(Column::IsActive.eq(true))
        .count(conn)
        .await
}

/// Writes only the given columns of a user, so that concurrent changes of
/// other columns (a profile edit and an admin's deactivation) never undo
/// each other.
pub(crate) async fn set(
    conn: &impl ConnectionTrait,
    id: Uuid,
    changes: Vec<(Column, sea_orm::Value)>,
) -> Result<(), DbErr> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut update = Entity::update_many();
    for (column, value) in changes {
        update = update.col_expr(column, Expr::value(value));
    }
    update.filter(Column::Id.eq(id)).exec(conn).await?;
    Ok(())
}

/// Marks the email verified unless it already is.
/// Gives `user` a new password hash and security stamp (the old stamp's
/// access tokens stop working) and marks the email verified (a reset link or
/// the operator proved it), writing the `extra` columns in the same update.
pub(crate) async fn replace_password(
    conn: &impl ConnectionTrait,
    user: &mut Model,
    password_hash: String,
    now: OffsetDateTime,
    extra: Vec<(Column, sea_orm::Value)>,
) -> Result<(), DbErr> {
    user.password_hash = password_hash;
    user.security_stamp = crate::token::security_stamp();
    user.email_verified_at.get_or_insert(now);
    user.updated_at = now;
    let mut changes = vec![
        (Column::PasswordHash, user.password_hash.clone().into()),
        (Column::SecurityStamp, user.security_stamp.clone().into()),
        (Column::UpdatedAt, now.into()),
    ];
    changes.extend(extra);
    set(conn, user.id, changes).await?;
    mark_verified(conn, user.id, now).await
}

pub(crate) async fn mark_verified(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::EmailVerifiedAt, Expr::value(Some(now)))
        .filter(Column::Id.eq(id))
        .filter(Column::EmailVerifiedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
