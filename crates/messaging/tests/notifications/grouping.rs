//! Replies in one topic are one notification while it is unread and younger
//! than the window: the count grows by one per reply, also when replies come
//! at once, and the live events say so.

use super::{Org, actor, service};
use async_trait::async_trait;
use p2p_kernel::adapters::memory::BroadcastEventBus;
use p2p_kernel::ids::{OrgId, TopicId, UserId};
use p2p_kernel::persistence::db_time;
use p2p_kernel::ports::{NotificationKind, NotificationRequest, NotificationText, Recipients};
use p2p_kernel::{DomainError, Event, PageRequest};
use p2p_messaging::{
    MarkRead, NotificationFilter, NotificationPreferences, NotificationView, Notifications,
    Subjects,
};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::Barrier;
use tokio::sync::broadcast::Receiver;
use uuid::Uuid;

/// Topic titles as the forum would give them.
struct Titles;

#[async_trait]
impl Subjects for Titles {
    async fn topic_title(&self, _topic: TopicId) -> Result<Option<String>, DomainError> {
        Ok(Some("تآكل المضخّات / Pump seals".to_owned()))
    }
}

struct Setup {
    service: Notifications,
    events: Receiver<Event>,
    author: UserId,
    org: OrgId,
}

fn setup(db: &DatabaseConnection) -> Setup {
    let org = OrgId::new();
    let author = UserId::new();
    let bus = Arc::new(BroadcastEventBus::default());
    let events = bus.subscribe();
    let service = service(
        db,
        bus,
        Org {
            id: org,
            members: Vec::new(),
            arabic: Vec::new(),
        },
    );
    service.set_subjects(Arc::new(Titles));
    Setup {
        service,
        events,
        author,
        org,
    }
}

fn reply(to: UserId, topic: Uuid) -> NotificationRequest {
    let replier = UserId::new();
    NotificationRequest::new(
        Recipients::Users(vec![to]),
        NotificationText::Reply {
            actor: String::new(),
            topic: "Pump seals".into(),
        },
    )
    .by(replier)
    .link(format!("/forums/topics/{topic}"))
    .data(json!({ "topic_id": topic, "post_id": Uuid::now_v7() }))
}

impl Setup {
    async fn list(&self) -> Vec<NotificationView> {
        self.service
            .list(
                &actor(self.author, self.org),
                NotificationFilter::default(),
                PageRequest::first(50),
                None,
            )
            .await
            .unwrap()
            .items
    }

    async fn unread(&self) -> u64 {
        let me = actor(self.author, self.org);
        self.service.unread_count(&me).await.unwrap().unread_count
    }

    /// Names and counts of the events published so far.
    fn drain(&mut self) -> Vec<(String, u64)> {
        let mut seen = Vec::new();
        while let Ok(e) = self.events.try_recv() {
            seen.push((e.name, e.data["count"].as_u64().unwrap_or(0)));
        }
        seen
    }
}

p2p_testkit::on_both!(
    ten_replies_are_one_notification_until_it_is_read,
    replies_at_once_lose_no_count,
    an_old_group_takes_no_more_replies,
);

async fn ten_replies_are_one_notification_until_it_is_read(db: DatabaseConnection) {
    let mut s = setup(&db);
    let (topic, other_topic) = (Uuid::now_v7(), Uuid::now_v7());
    for _ in 0..10 {
        assert_eq!(s.service.create(reply(s.author, topic)).await.unwrap(), 1);
    }
    let list = s.list().await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].count, 10);
    assert_eq!(
        list[0].title,
        "10 new replies in \"\u{2068}تآكل المضخّات / Pump seals\u{2069}\""
    );
    assert!(list[0].updated_at >= list[0].created_at);
    assert_eq!(s.unread().await, 1);
    let mut expected = vec![("notification.created".to_owned(), 1)];
    expected.extend((2..=10).map(|n| ("notification.updated".to_owned(), n)));
    assert_eq!(s.drain(), expected);

    // Another topic, or a mention in the same one: separate notifications.
    s.service
        .create(reply(s.author, other_topic))
        .await
        .unwrap();
    let mut mention = reply(s.author, topic);
    mention.text = NotificationText::Mention {
        actor: "Nora".into(),
        topic: "Pump seals".into(),
    };
    s.service.create(mention).await.unwrap();
    assert_eq!(s.list().await.len(), 3);
    assert_eq!(s.unread().await, 3);

    // Once read, the next reply opens a new notification.
    let me = actor(s.author, s.org);
    let read = MarkRead {
        ids: Some(vec![list[0].id]),
        all: None,
    };
    s.service.mark_read(&me, read).await.unwrap();
    s.drain();
    s.service.create(reply(s.author, topic)).await.unwrap();
    assert_eq!(s.drain(), vec![("notification.created".to_owned(), 1)]);
    let list = s.list().await;
    assert_eq!(list.len(), 4);
    assert_eq!((list[0].count, list[0].read), (1, false));
    assert_eq!(
        list[0].title,
        "Someone replied in \"\u{2068}Pump seals\u{2069}\""
    );
    assert_eq!(s.unread().await, 3);
}

async fn replies_at_once_lose_no_count(db: DatabaseConnection) {
    let mut s = setup(&db);
    let topic = Uuid::now_v7();
    // Without emails (no digest row, whose insert would make them take
    // turns), replies really race to open the group.
    let me = actor(s.author, s.org);
    let off = BTreeMap::from([(NotificationKind::Reply, false)]);
    let prefs = NotificationPreferences { email: off };
    s.service.set_preferences(&me, prefs).await.unwrap();
    let start = Arc::new(Barrier::new(10));
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (service, request) = (s.service.clone(), reply(s.author, topic));
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                service.create(request).await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 1);
    }
    let list = s.list().await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].count, 10);
    let events = s.drain();
    let created: Vec<_> = events
        .iter()
        .filter(|(name, _)| name == "notification.created")
        .collect();
    assert_eq!(created.len(), 1, "{events:?}");
    let mut counts: Vec<u64> = events.iter().map(|(_, n)| *n).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=10).collect::<Vec<u64>>());
}

async fn an_old_group_takes_no_more_replies(db: DatabaseConnection) {
    let s = setup(&db);
    let topic = Uuid::now_v7();
    s.service.create(reply(s.author, topic)).await.unwrap();
    s.service.create(reply(s.author, topic)).await.unwrap();
    // Its first reply came before the window (10 minutes).
    let long_ago = db_time(OffsetDateTime::now_utc() - time::Duration::minutes(11));
    let age = Query::update()
        .table(Alias::new("notifications"))
        .value(Alias::new("created_at"), Expr::value(long_ago))
        .to_owned();
    db.execute(&age).await.unwrap();
    s.service.create(reply(s.author, topic)).await.unwrap();
    let list = s.list().await;
    let counts: Vec<u32> = list.iter().map(|n| n.count).collect();
    assert_eq!(counts, vec![1, 2], "{list:?}");
    assert_eq!(s.unread().await, 2);
}
