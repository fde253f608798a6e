//! The sections of the export, in the order they are written.

use super::PAGE;
use super::json::{JsonSink, Stop};
use crate::services::Services;
use p2p_forum::TopicFilter;
use p2p_identity::UserProfile;
use p2p_kernel::ids::{PostId, UseCaseId, UserId};
use p2p_kernel::{Actor, DomainError, ErrorKind, Page, PageRequest};
use p2p_messaging::NotificationFilter;
use p2p_search::Kind;
use serde::Serialize;
use std::future::Future;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

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
    authored_field(sink, services, actor, Kind::Post, "posts", |id| {
        forum.get_post(actor, PostId(id))
    })
    .await?;
    let usecases = &services.usecases;
    authored_field(sink, services, actor, Kind::UseCase, "use_cases", |id| {
        usecases.get(actor, UseCaseId(id))
    })
    .await?;
    conversations(sink, services, actor).await?;
    let notifications = &services.notifications;
    list_field(sink, "notifications", |page| {
        notifications.list(actor, NotificationFilter::default(), page)
    })
    .await?;
    let files = &services.files;
    list_field(sink, "files", |page| files.list_own(actor, page)).await?;
    sink.close(b'}');
    sink.flush().await
}

/// Writes every page `fetch` gives as items of the open array, a page per chunk.
async fn pages<T, F, Fut>(sink: &mut JsonSink, mut fetch: F) -> Result<(), Stop>
where
    T: Serialize,
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, DomainError>>,
{
    let mut request = PageRequest::first(PAGE);
    loop {
        let page = fetch(request.clone()).await?;
        for item in &page.items {
            sink.item(item)?;
        }
        sink.flush().await?;
        match page.next_cursor {
            Some(cursor) => request.cursor = Some(cursor),
            None => return Ok(()),
        }
    }
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

/// `"key": [...]` of the caller's documents of `kind` (drafts included),
/// each read by `read`; one deleted since it was indexed is left out.
async fn authored_field<T, F, Fut>(
    sink: &mut JsonSink,
    services: &Services,
    actor: &Actor,
    kind: Kind,
    key: &str,
    mut read: F,
) -> Result<(), Stop>
where
    T: Serialize,
    F: FnMut(Uuid) -> Fut,
    Fut: Future<Output = Result<T, DomainError>>,
{
    let index = services.discovery.search.index();
    sink.open_field(key, b'[')?;
    let mut after = None;
    loop {
        let ids = index
            .ids_by_author(kind, actor.user_id.0, after, u64::from(PAGE))
            .await?;
        for id in &ids {
            match read(*id).await {
                Ok(item) => sink.item(&item)?,
                Err(e) if e.kind_of() == ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        sink.flush().await?;
        if ids.len() < PAGE as usize {
            break;
        }
        after = ids.last().copied();
    }
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
    let mut request = PageRequest::first(PAGE);
    loop {
        let page = messaging.conversations(actor, request.clone()).await?;
        for conversation in &page.items {
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
        match page.next_cursor {
            Some(cursor) => request.cursor = Some(cursor),
            None => break,
        }
    }
    sink.close(b']');
    Ok(())
}
