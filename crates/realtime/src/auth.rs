//! Who may open a socket, and who may subscribe to what. The server provides
//! the implementations (identity checks tokens; the forum knows its topics).

use crate::channel::Channel;
use async_trait::async_trait;
use p2p_kernel::ids::TopicId;
use p2p_kernel::{Actor, DomainError};
use std::sync::Arc;

/// A handshake's checked access token: who it is, and until when.
#[derive(Clone, Debug)]
pub struct Authenticated {
    pub actor: Actor,
    /// When the token expires (its socket is closed then); `None` keeps the
    /// socket open until it ends otherwise.
    pub expires_at: Option<time::OffsetDateTime>,
}

/// Checks the access token presented at the WebSocket handshake.
#[async_trait]
pub trait Authenticator: Send + Sync + 'static {
    /// The caller and the token's expiry, or `unauthenticated` for a bad,
    /// expired or revoked token.
    async fn authenticate(&self, access_token: &str) -> Result<Authenticated, DomainError>;
}

/// Decides whether a caller may subscribe to a channel.
#[async_trait]
pub trait ChannelAuthorizer: Send + Sync + 'static {
    /// `Ok(false)` answers `forbidden`; an error answers with its own code
    /// (`not_found` for a topic that does not exist...).
    async fn can_subscribe(&self, actor: &Actor, channel: &Channel) -> Result<bool, DomainError>;
}

/// Whether a forum topic exists (the forum implements it).
#[async_trait]
pub trait TopicLookup: Send + Sync + 'static {
    /// True when the topic exists.
    async fn topic_exists(&self, topic: TopicId) -> Result<bool, DomainError>;
}

#[async_trait]
impl<T: TopicLookup + ?Sized> TopicLookup for Arc<T> {
    async fn topic_exists(&self, topic: TopicId) -> Result<bool, DomainError> {
        (**self).topic_exists(topic).await
    }
}

/// Treats every topic as existing. Topics are visible to every signed-in
/// user, so this leaks nothing: subscribing to an unknown topic just receives
/// no events. With the forum's lookup instead, unknown topics answer `not_found`.
pub struct AnyTopic;

#[async_trait]
impl TopicLookup for AnyTopic {
    async fn topic_exists(&self, _topic: TopicId) -> Result<bool, DomainError> {
        Ok(true)
    }
}

/// The platform's channel rules:
/// - `user:<id>`: only that user;
/// - `org:<id>`: members of that organization;
/// - `topic:<id>`: any signed-in user, when the topic exists (`not_found` otherwise).
pub struct ChannelRules<T> {
    topics: T,
}

impl<T: TopicLookup> ChannelRules<T> {
    /// The rules, asking `topics` whether a topic exists.
    pub fn new(topics: T) -> Self {
        Self { topics }
    }
}

#[async_trait]
impl<T: TopicLookup> ChannelAuthorizer for ChannelRules<T> {
    async fn can_subscribe(&self, actor: &Actor, channel: &Channel) -> Result<bool, DomainError> {
        match channel {
            Channel::User(user) => Ok(actor.user_id == *user),
            Channel::Org(org) => Ok(actor.org_id == *org),
            Channel::Forum => Ok(true),
            Channel::Topic(topic) => {
                if self.topics.topic_exists(*topic).await? {
                    Ok(true)
                } else {
                    Err(DomainError::not_found("topic"))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p2p_kernel::ErrorCode;
    use p2p_kernel::ids::{OrgId, UserId};

    struct OneTopic(TopicId);

    #[async_trait]
    impl TopicLookup for OneTopic {
        async fn topic_exists(&self, topic: TopicId) -> Result<bool, DomainError> {
            Ok(topic == self.0)
        }
    }

    #[tokio::test]
    async fn applies_the_channel_rules() {
        let topic = TopicId::new();
        let rules = ChannelRules::new(Arc::new(OneTopic(topic)));
        let me = p2p_testkit::member();
        let allowed = |c: Channel| {
            let rules = &rules;
            let me = &me;
            async move { rules.can_subscribe(me, &c).await.ok() }
        };
        assert_eq!(allowed(Channel::user(me.user_id)).await, Some(true));
        assert_eq!(allowed(Channel::user(UserId::new())).await, Some(false));
        assert_eq!(allowed(Channel::org(me.org_id)).await, Some(true));
        assert_eq!(allowed(Channel::org(OrgId::new())).await, Some(false));
        assert_eq!(allowed(Channel::topic(topic)).await, Some(true));
        let missing = rules
            .can_subscribe(&me, &Channel::topic(TopicId::new()))
            .await;
        assert_eq!(
            missing.err().map(|e| e.code().as_str().to_owned()),
            Some("not_found".to_owned())
        );
    }
}
