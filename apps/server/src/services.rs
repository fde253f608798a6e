//! The domain services, built once at startup from the settings and backends.
//! Their events go to the realtime hub, which numbers, logs and fans them out.

use crate::backends::Backends;
use crate::config::Settings;
use crate::indexing::Discovery;
use async_trait::async_trait;
use p2p_forum::{
    Forum, ForumFiles, ForumService, ForumStates, MongoPostStore, POST_FILES, POST_KIND, PostStore,
    PostTargets, SqlPostStore, TOPIC_KIND, TopicTargets,
};
use p2p_identity::{Identity, IdentityConfig, IdentityMemberDirectory, IdentityService, RateRule};
use p2p_kernel::audit::SqlAuditTrail;
use p2p_kernel::ids::{OrgId, TopicId, UserId};
use p2p_kernel::outbox::events::{OutboxHandler, OutboxLink, Retained};
use p2p_kernel::ports::{
    AuditTrail, Clock, CurrentState, CurrentStates, EventBus, ModerationTargets, Notifier,
    PortError, SystemClock, TargetType,
};
use p2p_kernel::text::{ImagePolicy, Markdown};
use p2p_kernel::{Actor, DayCount, DomainError, PageRequest, Role};
use p2p_messaging::{
    DigestConfig, EmailRecipient, MESSAGE_CREATED, MESSAGE_FILES, MESSAGE_KIND, MessageFiles,
    MessageTargets, Messaging, MessagingParts, MessagingService, NOTIFICATION_KIND,
    NotificationParts, NotificationService, Notifications, RecipientDirectory, SendLimit, Subjects,
};
use p2p_moderation::{
    ContentNotifications, Moderation, ModerationParts, ModerationService, ModeratorDirectory,
    UserTargets,
};
use p2p_orgs::{
    ContentCounts, ContentStatsSource, MemberDirectory, OrgService, OrganizationTable,
    Organizations,
};
use p2p_realtime::ReplayStates;
use p2p_storage::{FileManager, FileService, FilesConfig};
use p2p_usecases::{
    FacetCache, MongoUseCaseStore, SqlUseCaseStore, USE_CASE_PUBLISHED, UseCaseParts,
    UseCaseService, UseCaseStore, UseCaseTargets, UseCases,
};
use std::sync::Arc;
use time::Date;
use tokio::sync::Notify;

#[derive(Clone)]
pub struct Services {
    pub identity: Arc<dyn IdentityService>,
    pub orgs: Arc<dyn OrgService>,
    pub forum: Arc<dyn ForumService>,
    /// What replayed `topic.*` and `post.*` events carry now.
    forum_states: Arc<dyn CurrentStates>,
    /// What replayed `notification.*` events carry now.
    notification_states: Arc<dyn CurrentStates>,
    /// What replayed `message.*` events carry now.
    message_states: Arc<dyn CurrentStates>,
    pub files: Arc<dyn FileService>,
    pub messaging: Arc<dyn MessagingService>,
    pub notifications: Arc<dyn NotificationService>,
    pub usecases: Arc<dyn UseCaseService>,
    pub events: Arc<dyn EventBus>,
    /// The organizations' append-only audit log: every service that records
    /// who did what (roles, invitations, pins, locks, moderation) gets this one.
    pub audit: Arc<dyn AuditTrail>,
    /// Reports, moderation and the audit log's reader.
    pub moderation: Arc<dyn ModerationService>,
    /// Search, dashboards and the search indexer (`indexing`).
    pub discovery: Discovery,
    /// What follows new topics, posts and messages and a use case published
    /// (the event outbox's handlers, by kind).
    pub outbox_handlers: Vec<(&'static str, Arc<dyn OutboxHandler>)>,
    /// What the event outbox purges with its parked events: the
    /// notification sources.
    pub outbox_retained: Arc<dyn Retained>,
}

/// What wakes the outbox workers after a commit: the mail outbox's and the
/// event outbox's.
pub struct OutboxWakers {
    pub mail: Arc<Notify>,
    pub events: Arc<Notify>,
}

impl Services {
    pub async fn build(
        settings: &Settings,
        backends: &Backends,
        wakers: OutboxWakers,
        events: Arc<dyn EventBus>,
    ) -> anyhow::Result<Self> {
        let outbox_waker = wakers.mail;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let audit: Arc<dyn AuditTrail> = Arc::new(SqlAuditTrail::new(backends.db.clone()));
        // New topics, posts and messages and use cases published go out
        // through the hub at once; what follows them (the index among it)
        // through the event outbox.
        let outbox = OutboxLink {
            wake: wakers.events,
            fanout: events.clone(),
        };
        // Every event also reaches the search indexer.
        let (bus, feed) = p2p_search::indexing_bus(events, settings.bounds.search_queue_capacity);
        let events: Arc<dyn EventBus> = Arc::new(bus);
        let mut digest =
            DigestConfig::new(settings.notification_digest, settings.public_url.as_str());
        digest.outbox_waker = Some(outbox_waker.clone());
        let notifications = Notifications::new(NotificationParts {
            db: backends.db.clone(),
            events: events.clone(),
            directory: Arc::new(IdentityRecipients(IdentityMemberDirectory::new(
                backends.db.clone(),
            ))),
            digest,
            group_window: settings.notification_group,
        });
        let notifier: Arc<dyn Notifier> = Arc::new(notifications.clone());
        let files = FileManager::new(
            backends.db.clone(),
            backends.files.clone(),
            FilesConfig::new(settings.public_url.as_str()),
        );
        let mut identity_config = identity_config(settings, outbox_waker)?;
        identity_config.notifier = Some(notifier.clone());
        identity_config.personal_files = Some(Arc::new(files.clone()));
        let identity = Identity::new(
            backends.db.clone(),
            backends.cache.clone(),
            backends.rate_limiter.clone(),
            events.clone(),
            clock.clone(),
            Arc::new(OrganizationTable::new(backends.db.clone())),
            identity_config,
        );
        let posts: Arc<dyn PostStore> = match &backends.mongo {
            Some(mongo) => Arc::new(
                MongoPostStore::init(mongo)
                    .await
                    .map_err(|e| anyhow::anyhow!("forum posts store: {e}"))?
                    .with_deadline(backends.mongo_deadline.clone()),
            ),
            None => Arc::new(SqlPostStore::new(backends.db.clone())),
        };
        let markdown = Markdown::new(ImagePolicy::new(
            settings.markdown_image_hosts.iter().cloned(),
            Some(settings.public_url.as_str()),
        ));
        let forum = Forum::new(
            backends.db.clone(),
            posts,
            events.clone(),
            identity.user_directory(),
            clock.clone(),
            Arc::new(files.clone()),
        )
        .with_notifier(notifier.clone())
        .with_audit(audit.clone())
        .with_markdown(markdown.clone());
        files.register_access(POST_FILES, Arc::new(ForumFiles(forum.clone())));
        let forum_states: Arc<dyn CurrentStates> = Arc::new(ForumStates(forum.clone()));
        let forum_outbox = forum.clone();
        notifications.set_subjects(Arc::new(TopicTitles(forum_states.clone())));
        let targets = ModerationTargets::new()
            .register(TargetType::Topic, Arc::new(TopicTargets(forum.clone())))
            .register(TargetType::Post, Arc::new(PostTargets(forum.clone())))
            .register(
                TargetType::User,
                Arc::new(UserTargets(identity.user_directory())),
            );
        let forum: Arc<dyn ForumService> = Arc::new(forum);
        let messaging = Messaging::new(MessagingParts {
            db: backends.db.clone(),
            events: events.clone(),
            users: identity.user_directory(),
            limiter: backends.rate_limiter.clone(),
            notifier: notifier.clone(),
            files: Arc::new(files.clone()),
            send_limit: SendLimit {
                messages: settings.message_send_limit_per_minute,
                window: std::time::Duration::from_secs(60),
            },
            markdown: markdown.clone(),
            outbox: Some(outbox.clone()),
        });
        files.register_access(MESSAGE_FILES, Arc::new(MessageFiles(messaging.clone())));
        let usecases = use_case_service(
            backends,
            &files,
            (events.clone(), outbox.clone()),
            (notifier.clone(), audit.clone()),
            clock.clone(),
            markdown,
        )
        .await?;
        let targets = targets
            .register(
                TargetType::UseCase,
                Arc::new(UseCaseTargets(usecases.clone())),
            )
            .register(
                TargetType::Message,
                Arc::new(MessageTargets(messaging.clone())),
            );
        let usecases_outbox = usecases.clone();
        let usecases: Arc<dyn UseCaseService> = Arc::new(usecases);
        let member_directory = identity.member_directory();
        let moderation = Moderation::new(ModerationParts {
            db: backends.db.clone(),
            targets,
            users: identity.user_directory(),
            moderators: Arc::new(Moderators {
                members: member_directory.clone(),
                users: IdentityMemberDirectory::new(backends.db.clone()),
            }),
            notifier,
            notifications: Arc::new(WithheldNotifications(notifications.clone())),
            audit: audit.clone(),
        });
        let identity: Arc<dyn IdentityService> = Arc::new(identity);
        let discovery =
            Discovery::build(backends, &identity, &forum, &usecases, feed, clock.clone());
        forum_outbox.connect_event_outbox(outbox);
        let index: Arc<dyn EventBus> = Arc::new(discovery.indexer.clone());
        let mut outbox_handlers = forum_outbox.outbox_handlers(index.clone());
        outbox_handlers.push((MESSAGE_CREATED, messaging.outbox_handler()));
        outbox_handlers.push((USE_CASE_PUBLISHED, usecases_outbox.outbox_handler(index)));
        let orgs = Organizations::new(
            backends.db.clone(),
            member_directory,
            vec![
                Arc::new(ForumStats(forum.clone())),
                Arc::new(UseCaseStats(usecases.clone())),
            ],
            events.clone(),
            clock,
        );
        Ok(Self {
            identity,
            orgs: Arc::new(orgs),
            forum,
            forum_states,
            notification_states: Arc::new(notifications.clone()),
            outbox_retained: notifications.retained_sources(),
            message_states: Arc::new(messaging.clone()),
            files: Arc::new(files),
            messaging: Arc::new(messaging),
            notifications: Arc::new(notifications),
            usecases,
            events,
            audit,
            moderation: Arc::new(moderation),
            discovery,
            outbox_handlers,
        })
    }
}

impl Services {
    /// Who tells the realtime hub what a replayed event carries now, per kind
    /// of object (see `p2p_realtime::current`): the forum for topics and
    /// posts, messaging for notifications (a grouped one's latest count and
    /// read state, nothing of a withheld one) and messages (nothing of a
    /// hidden one for its recipient, the tombstone of a deleted one).
    pub fn replay_states(&self) -> ReplayStates {
        ReplayStates::new()
            .register(TOPIC_KIND, self.forum_states.clone())
            .register(POST_KIND, self.forum_states.clone())
            .register(NOTIFICATION_KIND, self.notification_states.clone())
            .register(MESSAGE_KIND, self.message_states.clone())
    }
}

/// Use cases in MongoDB when configured, else in the relational database;
/// their media are readable by whoever may see the use case.
async fn use_case_service(
    backends: &Backends,
    files: &FileManager,
    (events, outbox): (Arc<dyn EventBus>, OutboxLink),
    (notifier, audit): (Arc<dyn Notifier>, Arc<dyn AuditTrail>),
    clock: Arc<dyn Clock>,
    markdown: Markdown,
) -> anyhow::Result<UseCases> {
    let store: Arc<dyn UseCaseStore> = match &backends.mongo {
        Some(mongo) => Arc::new(
            MongoUseCaseStore::init(mongo)
                .await
                .map_err(|e| anyhow::anyhow!("use case store: {e}"))?
                .with_deadline(backends.mongo_deadline.clone()),
        ),
        None => Arc::new(SqlUseCaseStore::new(backends.db.clone())),
    };
    let store: Arc<dyn UseCaseStore> = Arc::new(FacetCache::new(store, backends.cache.clone()));
    let usecases = UseCases::new(UseCaseParts {
        db: backends.db.clone(),
        store,
        files: Arc::new(files.clone()),
        events,
        notifier: Some(notifier),
        audit: Some(audit),
        clock,
        markdown,
        outbox: Some(outbox),
    });
    files.register_access(p2p_usecases::FILE_OWNER_KIND, usecases.file_access());
    Ok(usecases)
}

/// Use cases in organization statistics.
struct UseCaseStats(Arc<dyn UseCaseService>);

#[async_trait]
impl ContentStatsSource for UseCaseStats {
    async fn totals(&self, org: OrgId) -> Result<ContentCounts, DomainError> {
        Ok(ContentCounts {
            topics: 0,
            posts: 0,
            use_cases: self.0.org_count(org).await?,
        })
    }

    /// Use cases published per day.
    async fn daily_activity(&self, org: OrgId, since: Date) -> Result<Vec<DayCount>, DomainError> {
        self.0.published_per_day(org, since).await
    }
}

fn identity_config(
    settings: &Settings,
    outbox_waker: Arc<Notify>,
) -> anyhow::Result<IdentityConfig> {
    let secret = settings
        .jwt_secret
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("the JWT secret was not resolved"))?;
    let mut config = IdentityConfig::new(
        secret.expose().clone(),
        settings.public_url.as_str().trim_end_matches('/'),
    );
    config.access_token_ttl = settings.access_token_ttl;
    config.refresh_token_ttl = settings.refresh_token_ttl;
    let hour = std::time::Duration::from_secs(3600);
    config.rate_limits.invitations_per_organization =
        RateRule::new(settings.invite_limit_per_organization_per_hour, hour);
    config.rate_limits.invitations_per_admin =
        RateRule::new(settings.invite_limit_per_admin_per_hour, hour);
    config.outbox_waker = Some(outbox_waker);
    config.signing_key =
        p2p_identity::fdi::SigningKeySource::File(settings.fdi_signing_key_file.clone());
    config
        .validate()
        .map_err(|e| anyhow::anyhow!("identity configuration: {e}"))?;
    Ok(config)
}

/// The forum's contribution to organization statistics.
struct ForumStats(Arc<dyn ForumService>);

#[async_trait]
impl ContentStatsSource for ForumStats {
    async fn totals(&self, org: OrgId) -> Result<ContentCounts, DomainError> {
        let today = time::OffsetDateTime::now_utc().date();
        let counts = self.0.org_counts(org, today).await?;
        Ok(ContentCounts {
            topics: counts.topics,
            posts: counts.posts,
            use_cases: 0,
        })
    }

    /// Topics and posts created per day.
    async fn daily_activity(&self, org: OrgId, since: Date) -> Result<Vec<DayCount>, DomainError> {
        Ok(self.0.org_counts(org, since).await?.daily)
    }
}

/// Who moderates content: the platform's superusers, and an organization's
/// active admins, read from its member list (organizations are small).
struct Moderators {
    members: Arc<dyn MemberDirectory>,
    users: IdentityMemberDirectory,
}

#[async_trait]
impl ModeratorDirectory for Moderators {
    async fn superusers(&self) -> Result<Vec<UserId>, PortError> {
        self.users.active_superuser_ids().await
    }

    async fn organization_admins(&self, org: OrgId) -> Result<Vec<UserId>, PortError> {
        let mut admins = Vec::new();
        let mut cursor = None;
        loop {
            let page = PageRequest { limit: 100, cursor };
            let members = self
                .members
                .list_members(org, &page)
                .await
                .map_err(|e| PortError::new("database", e))?;
            admins.extend(
                members
                    .items
                    .iter()
                    .filter(|m| m.role == Role::Admin)
                    .map(|m| UserId(m.id)),
            );
            match members.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(admins),
            }
        }
    }
}

/// Notifications about content a moderator hid or deleted are withheld.
struct WithheldNotifications(Notifications);

#[async_trait]
impl ContentNotifications for WithheldNotifications {
    async fn withhold(
        &self,
        target: TargetType,
        id: uuid::Uuid,
        withheld: bool,
    ) -> Result<(), PortError> {
        self.0
            .withhold_about(target, id, withheld)
            .await
            .map(|_| ())
            .map_err(|e| PortError::new("database", e))
    }
}

/// Where notifications find users' email addresses and organizations' members.
struct IdentityRecipients(IdentityMemberDirectory);

#[async_trait]
impl RecipientDirectory for IdentityRecipients {
    async fn emails(&self, ids: &[UserId]) -> Result<Vec<EmailRecipient>, PortError> {
        let contacts = self.0.contact_emails(ids).await?;
        Ok(contacts
            .into_iter()
            .map(|(user, email, locale)| EmailRecipient {
                user,
                email,
                locale,
            })
            .collect())
    }

    async fn organization_members(&self, org: OrgId) -> Result<Vec<UserId>, PortError> {
        self.0.active_member_ids(org).await
    }
}

/// The titles grouped notifications show: topics as the forum's replayed
/// events show them.
struct TopicTitles(Arc<dyn CurrentStates>);

#[async_trait]
impl Subjects for TopicTitles {
    async fn topic_title(&self, topic: TopicId) -> Result<Option<String>, DomainError> {
        let mut states = self
            .0
            .current_states(&Actor::system(), TOPIC_KIND, &[topic.0])
            .await?;
        Ok(match states.remove(&topic.0) {
            Some(CurrentState::Visible(view)) => view["title"].as_str().map(str::to_owned),
            _ => None,
        })
    }
}
