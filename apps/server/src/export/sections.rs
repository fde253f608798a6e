//! The sections of the export, in the order they are written.

use super::PAGE;
use super::json::{JsonSink, Stop};
use crate::services::Services;
use p2p_forum::TopicFilter;
use p2p_identity::UserProfile;
use p2p_kernel::ids::UserId;
use p2p_kernel::{Actor, DomainError, Page, PageRequest};
use p2p_messaging::NotificationFilter;
use p2p_usecases::Status;
use serde::Serialize;
use std::future::Future;
use time::format_description::well_known::Rfc3339;

/// The version of the document's shape.
const FORMAT_VERSION: u32 = 1;

/// The other participant of a conversation, as the conversation view names them.
#[derive(Serialize)]
struct Participant {
    id: UserId,
    display_name: Option<String>,
}

/// Writes the whole document.
pub async fn write_all(
    services: &Services,
    actor: &Actor,
    profile: &UserProfile,
    sink: &mut JsonSink,
) -> Result<(), Stop> {
    sink.open(b'{');
    sink.field("format", "p2p-personal-export")?;
    sink.field("version", &FORMAT_VERSION)?;
    let now = time::OffsetDateTime::now_utc();
    sink.field("generated_at", &now.format(&Rfc3339).ok())?;
    sink.field("profile", profile)?;
    sink.field("organization", &services.orgs.current(actor).await?)?;
    sink.field("sessions", &services.identity.list_sessions(actor).await?)?;
    sink.flush().await?;

    let mine = TopicFilter {
        author_id: Some(actor.user_id),
        ..TopicFilter::default()
    };
    let forum = &services.forum;
    list_field(sink, "topics", |page| {
        forum.list_topics(actor, mine.clone(), page)
    })
    .await?;
    list_field(sink, "posts", |page| forum.own_posts(actor, page)).await?;
    // Published first, then drafts; read without counting a view.
    let usecases = &services.usecases;
    sink.open_field("use_cases", b'[')?;
    for status in [Status::Published, Status::Draft] {
        pages(sink, |page| usecases.own(actor, status, page)).await?;
    }
    sink.close(b']');
    conversations(sink, services, actor).await?;
    // Titles in the user's own language.
    let notifications = &services.notifications;
    list_field(sink, "notifications", |page| {
        notifications.list(actor, NotificationFilter::default(), page, None)
    })
    .await?;
    let files = &services.files;
    list_field(sink, "files", |page| files.list_own(actor, page)).await?;
    sink.close(b'}');
    sink.flush().await
}

/// Where a paginated read is: the request of its next page, until a page
/// comes without a cursor. The one paging loop of the export.
struct Pager(Option<PageRequest>);

impl Pager {
    fn new() -> Self {
        Self(Some(PageRequest::first(PAGE)))
    }

    /// The items of the next page `fetch` gives, `None` after the last.
    async fn next<T, Fut>(
        &mut self,
        fetch: impl FnOnce(PageRequest) -> Fut,
    ) -> Result<Option<Vec<T>>, DomainError>
    where
        Fut: Future<Output = Result<Page<T>, DomainError>>,
    {
        let Some(request) = self.0.take() else {
            return Ok(None);
        };
        let page = fetch(request.clone()).await?;
        self.0 = page.next_cursor.map(|cursor| PageRequest {
            cursor: Some(cursor),
            ..request
        });
        Ok(Some(page.items))
    }
}

/// Writes every page `fetch` gives as items of the open array, a page per chunk.
async fn pages<T, F, Fut>(sink: &mut JsonSink, mut fetch: F) -> Result<(), Stop>
where
    T: Serialize,
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, DomainError>>,
{
    let mut pager = Pager::new();
    while let Some(items) = pager.next(&mut fetch).await? {
        for item in &items {
            sink.item(item)?;
        }
        sink.flush().await?;
    }
    Ok(())
}

/// `"key": [every item of every page]`.
async fn list_field<T, F, Fut>(sink: &mut JsonSink, key: &str, fetch: F) -> Result<(), Stop>
where
    T: Serialize,
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, DomainError>>,
{
    sink.open_field(key, b'[')?;
    pages(sink, fetch).await?;
    sink.close(b']');
    Ok(())
}

/// `"conversations": [{"with": {id, display_name}, "messages": [...]}]`:
/// every message the caller sent or received, newest first per conversation.
async fn conversations(
    sink: &mut JsonSink,
    services: &Services,
    actor: &Actor,
) -> Result<(), Stop> {
    let messaging = &services.messaging;
    sink.open_field("conversations", b'[')?;
    let mut pager = Pager::new();
    while let Some(page) = pager.next(|p| messaging.conversations(actor, p)).await? {
        for conversation in &page {
            let other = conversation.other_user_id;
            sink.open(b'{');
            sink.field(
                "with",
                &Participant {
                    id: other,
                    display_name: conversation
                        .other_user
                        .as_ref()
                        .map(|u| u.display_name.clone()),
                },
            )?;
            list_field(sink, "messages", |page| {
                messaging.conversation(actor, other, page)
            })
            .await?;
            sink.close(b'}');
        }
        sink.flush().await?;
    }
    sink.close(b']');
    Ok(())
}
