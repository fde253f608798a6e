//! `seed`: realistic demo data created through the services, as users would:
//! organizations with admins and invited members, forum topics with threaded
//! replies, upvotes and accepted answers, in English and in Arabic (the
//! Arabic companies' people read the platform in Arabic). Every account's password is
//! `P2P_SEED_PASSWORD` (default `Demo-password-2026`).

use super::superuser::describe;
use p2p_forum::{NewPost, NewTopic, TopicWithFirstPost};
use p2p_identity::{AcceptInviteRequest, ClientInfo, InviteRequest, SignupRequest};
use p2p_kernel::ids::{PostId, TopicId};
use p2p_kernel::{Actor, DomainError, Locale, Role};
use p2p_server::services::Services;
use serde::Deserialize;

/// The demo data: `seed.json` beside this file.
const SEED_DATA: &str = include_str!("seed.json");

#[derive(Deserialize)]
struct SeedData {
    companies: Vec<Company>,
    topics: Vec<Topic>,
    replies: Replies,
}

#[derive(Deserialize)]
struct Company {
    name: String,
    domain: String,
    /// The language its people read their emails in (English when absent).
    #[serde(default)]
    locale: Option<Locale>,
    /// The first person signs up as the admin; the others join by invitation.
    people: Vec<Person>,
}

#[derive(Deserialize)]
struct Person {
    handle: String,
    first_name: String,
    last_name: String,
}

#[derive(Deserialize)]
struct Topic {
    title: String,
    content: String,
    category: String,
    tags: Vec<String>,
    /// The topic's own thread; the shared `replies` when absent.
    #[serde(default)]
    replies: Option<Replies>,
}

/// The thread under every topic: an answer, a second opinion and the topic
/// author's thanks (threaded under the answer).
#[derive(Deserialize)]
struct Replies {
    answer: String,
    second_opinion: String,
    thanks: String,
}

impl Company {
    fn email(&self, person: &Person) -> String {
        format!("{}@{}", person.handle, self.domain)
    }
}

fn client(locale: Option<Locale>) -> ClientInfo {
    ClientInfo {
        ip: None,
        user_agent: Some("p2p-server seed".into()),
        locale,
    }
}

fn fail(e: DomainError) -> anyhow::Error {
    anyhow::anyhow!("{}", describe(&e))
}

pub async fn run() -> anyhow::Result<()> {
    let password =
        std::env::var("P2P_SEED_PASSWORD").unwrap_or_else(|_| "Demo-password-2026".to_owned());
    let data: SeedData = serde_json::from_str(SEED_DATA)?;
    let (backends, services) = super::context::connect().await?;
    let mut everyone: Vec<Vec<Actor>> = Vec::new();
    for company in &data.companies {
        let people = seed_company(&services, &backends.db, company, &password).await?;
        println!("organization {} with {} people", company.name, people.len());
        everyone.push(people);
    }
    for (i, topic) in data.topics.iter().enumerate() {
        let author = &everyone[i % everyone.len()][0];
        let new_topic = NewTopic {
            title: topic.title.clone(),
            content: topic.content.clone(),
            category: Some(topic.category.clone()),
            tags: Some(topic.tags.clone()),
            attachments: None,
        };
        let created = services.forum.create_topic(author, new_topic).await;
        let created = created.map_err(fail)?;
        let replies = topic.replies.as_ref().unwrap_or(&data.replies);
        seed_thread(&services, replies, &everyone, i, author, &created).await?;
    }
    let first = &data.companies[0];
    println!(
        "{} topics with threads; sign in as {} / {password}",
        data.topics.len(),
        first.email(&first.people[0])
    );
    // No live indexer runs in a one-off command: index what was seeded.
    services.discovery.indexer.reindex().await.map_err(fail)?;
    Ok(())
}

async fn seed_company(
    services: &Services,
    db: &sea_orm::DatabaseConnection,
    company: &Company,
    password: &str,
) -> anyhow::Result<Vec<Actor>> {
    let founder = &company.people[0];
    let admin = services
        .identity
        .signup(
            SignupRequest {
                email: company.email(founder),
                password: password.to_owned(),
                first_name: founder.first_name.clone(),
                last_name: founder.last_name.clone(),
                organization_name: company.name.clone(),
            },
            client(company.locale),
        )
        .await
        .map_err(fail)?;
    let admin_actor = services
        .identity
        .authenticate(&admin.access_token)
        .await
        .map_err(fail)?;
    let mut people = vec![admin_actor.clone()];
    for person in company.people.iter().skip(1) {
        let email = company.email(person);
        services
            .identity
            .invite(
                &admin_actor,
                InviteRequest {
                    email: email.clone(),
                    role: Role::Member,
                    locale: company.locale,
                },
            )
            .await
            .map_err(fail)?;
        let token = invitation_token(db, &email).await?;
        let joined = services
            .identity
            .accept_invite(
                AcceptInviteRequest {
                    token,
                    password: password.to_owned(),
                    first_name: person.first_name.clone(),
                    last_name: person.last_name.clone(),
                },
                client(company.locale),
            )
            .await
            .map_err(fail)?;
        people.push(
            services
                .identity
                .authenticate(&joined.access_token)
                .await
                .map_err(fail)?,
        );
    }
    Ok(people)
}

/// The token of the invitation email queued for `email`.
async fn invitation_token(db: &sea_orm::DatabaseConnection, email: &str) -> anyhow::Result<String> {
    let emails = p2p_kernel::outbox::undelivered_to(db, email).await?;
    emails
        .iter()
        .rev()
        .find_map(|m| {
            let at = m.text.find("accept-invite?token=")? + "accept-invite?token=".len();
            Some(
                m.text[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect::<String>(),
            )
        })
        .filter(|t| !t.is_empty())
        .ok_or_else(|| anyhow::anyhow!("no invitation email queued for {email}"))
}

async fn seed_thread(
    services: &Services,
    replies: &Replies,
    everyone: &[Vec<Actor>],
    index: usize,
    author: &Actor,
    topic: &TopicWithFirstPost,
) -> anyhow::Result<()> {
    let topic_id = topic.topic.id;
    let first_replier = &everyone[(index + 1) % everyone.len()][1];
    let second_replier = &everyone[(index + 2) % everyone.len()][2];
    let answer = reply(services, first_replier, topic_id, &replies.answer, None).await?;
    reply(
        services,
        second_replier,
        topic_id,
        &replies.second_opinion,
        None,
    )
    .await?;
    reply(services, author, topic_id, &replies.thanks, Some(answer)).await?;
    for voter in [author, second_replier] {
        services.forum.upvote(voter, answer).await.map_err(fail)?;
    }
    if index.is_multiple_of(2) {
        let marked = services.forum.mark_best_answer(author, answer).await;
        marked.map_err(fail)?;
    }
    Ok(())
}

/// Posts `content` in the topic (under `parent` when given); returns the post's id.
async fn reply(
    services: &Services,
    who: &Actor,
    topic_id: TopicId,
    content: &str,
    parent_id: Option<PostId>,
) -> anyhow::Result<PostId> {
    let post = NewPost {
        content: content.to_owned(),
        parent_id,
        attachments: None,
    };
    let created = services.forum.create_post(who, topic_id, post).await;
    Ok(created.map_err(fail)?.id)
}
