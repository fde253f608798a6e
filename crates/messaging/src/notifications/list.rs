//! Listing notifications and marking them read.

use super::Notifications;
use super::group::display_title;
use crate::entity::notification;
use crate::types::{MarkRead, MarkReadResult, NotificationFilter, NotificationView, UnreadCount};
use p2p_kernel::FieldCode;
use p2p_kernel::FieldError;
use p2p_kernel::ids::{NotificationId, UserId};
use p2p_kernel::persistence::{db_now, stored};
use p2p_kernel::ports::NotificationKind;
use p2p_kernel::text::FieldConstraint;
use p2p_kernel::{Actor, DomainError, Locale, Page, PageRequest};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use uuid::Uuid;

/// The most ids one mark-read request takes.
pub const MAX_MARK_IDS: usize = 100;

/// The rules of the notification requests, as the OpenAPI document states
/// them: a mark-read request gives one id or more, or `all: true`.
pub const NOTIFICATION_CONSTRAINTS: &[FieldConstraint] = &[
    FieldConstraint::max_items("MarkRead", "ids", MAX_MARK_IDS),
    FieldConstraint::choice(
        "MarkRead",
        mark_read_choices,
        "Give one id or more in `ids` (then `all` is not read), or `all: true` (with `ids` absent, null or empty).",
    ),
];

/// `ids` with an entry, or `all` true.
fn mark_read_choices() -> Vec<Schema> {
    let some_ids = ObjectBuilder::new()
        .property("ids", ArrayBuilder::new().min_items(Some(1)))
        .required("ids");
    let all = ObjectBuilder::new()
        .property(
            "all",
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .enum_values(Some([true])),
        )
        .required("all");
    vec![some_ids.build().into(), all.build().into()]
}

impl Notifications {
    /// The caller's notifications, newest first (only unread ones with
    /// `unread: true`), their titles written in `locale`, else in the
    /// caller's own language.
    pub async fn list(
        &self,
        actor: &Actor,
        filter: NotificationFilter,
        page: PageRequest,
        locale: Option<Locale>,
    ) -> Result<Page<NotificationView>, DomainError> {
        let before: Option<Uuid> = page.position()?;
        let mut query = notification::Entity::find()
            .filter(notification::Column::UserId.eq(actor.user_id.0))
            .filter(notification::Column::Withheld.eq(false))
            .order_by_desc(notification::Column::Id)
            .limit(page.fetch_limit());
        if filter.unread == Some(true) {
            query = query.filter(notification::Column::ReadAt.is_null());
        }
        if let Some(before) = before {
            query = query.filter(notification::Column::Id.lt(before));
        }
        let rows = query.all(self.db()).await?;
        let page = Page::from_rows(rows, &page, |n| n.id);
        let locale = match locale {
            Some(locale) => locale,
            None => self.locale_of(actor.user_id).await,
        };
        let items = page
            .items
            .into_iter()
            .map(|n| notification_view(n, locale))
            .collect::<Result<_, _>>()?;
        Ok(Page {
            items,
            next_cursor: page.next_cursor,
        })
    }

    /// How many of the caller's notifications are unread.
    pub async fn unread_count(&self, actor: &Actor) -> Result<UnreadCount, DomainError> {
        Ok(UnreadCount {
            unread_count: self.count_unread(actor.user_id).await?,
        })
    }

    /// Marks the given notifications of the caller read, or all of them.
    /// Ids of other users' notifications are ignored (never revealed).
    /// 422 when neither `ids` nor `all: true` is given, or over 100 ids.
    pub async fn mark_read(
        &self,
        actor: &Actor,
        request: MarkRead,
    ) -> Result<MarkReadResult, DomainError> {
        let mut update = notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(db_now()))
            .filter(notification::Column::UserId.eq(actor.user_id.0))
            .filter(notification::Column::ReadAt.is_null());
        match (request.ids, request.all) {
            (Some(ids), _) if ids.len() > MAX_MARK_IDS => {
                return Err(DomainError::validation(vec![FieldError::too_many(
                    "ids",
                    MAX_MARK_IDS,
                    "ids at once",
                )]));
            }
            (Some(ids), _) if !ids.is_empty() => {
                update =
                    update.filter(notification::Column::Id.is_in(ids.into_iter().map(|id| id.0)));
            }
            (_, Some(true)) => {}
            _ => {
                return Err(DomainError::invalid_field(
                    "ids",
                    FieldCode::Required,
                    "give the ids to mark read, or \"all\": true",
                ));
            }
        }
        let marked = update.exec(self.db()).await?.rows_affected;
        Ok(MarkReadResult {
            marked,
            unread_count: self.count_unread(actor.user_id).await?,
        })
    }

    async fn count_unread(&self, user: UserId) -> Result<u64, DomainError> {
        Ok(notification::Entity::find()
            .filter(notification::Column::UserId.eq(user.0))
            .filter(notification::Column::ReadAt.is_null())
            .filter(notification::Column::Withheld.eq(false))
            .count(self.db())
            .await?)
    }
}

/// A stored notification as its user sees it, its title written in `locale`.
pub(crate) fn notification_view(
    n: notification::Model,
    locale: Locale,
) -> Result<NotificationView, DomainError> {
    let kind: NotificationKind = n
        .kind
        .parse()
        .map_err(|e| DomainError::corrupt("notification kind", e))?;
    let data =
        serde_json::from_str(&n.data).map_err(|e| DomainError::corrupt("notification data", e))?;
    Ok(NotificationView {
        id: NotificationId(n.id),
        kind,
        actor_id: n.actor_id.map(UserId),
        title: display_title(&n, locale),
        count: stored("notification count", n.group_count)?,
        link: n.link,
        data,
        read: n.read_at.is_some(),
        read_at: n.read_at,
        created_at: n.created_at,
        updated_at: n.updated_at.unwrap_or(n.created_at),
    })
}
