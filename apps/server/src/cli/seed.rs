//! `seed`: realistic demo data created through the services, as users would:
//! organizations with admins and invited members, forum topics with threaded
//! replies, upvotes and accepted answers. Every account's password is
//! `P2P_SEED_PASSWORD` (default `Demo-password-2026`).

use super::superuser::describe;
use p2p_forum::{NewPost, NewTopic, TopicWithFirstPost};
use p2p_identity::{AcceptInviteRequest, ClientInfo, InviteRequest, SignupRequest};
use p2p_kernel::{Actor, DomainError, Role};
use p2p_server::services::Services;

struct Company {
    name: &'static str,
    domain: &'static str,
    people: [(&'static str, &'static str, &'static str); 3],
}

const COMPANIES: [Company; 4] = [
    Company {
        name: "Al-Jubail Steel Fabrication",
        domain: "jubailsteel.example.sa",
        people: [
            ("nora", "Nora", "Al-Harbi"),
            ("khalid", "Khalid", "Al-Otaibi"),
            ("sara", "Sara", "Al-Qahtani"),
        ],
    },
    Company {
        name: "Riyadh Precision Plastics",
        domain: "riyadhplastics.example.sa",
        people: [
            ("omar", "Omar", "Al-Shehri"),
            ("lama", "Lama", "Al-Dosari"),
            ("faisal", "Faisal", "Al-Ghamdi"),
        ],
    },
    Company {
        name: "Dammam Food Packaging",
        domain: "dammampack.example.sa",
        people: [
            ("huda", "Huda", "Al-Mutairi"),
            ("yousef", "Yousef", "Al-Zahrani"),
            ("reem", "Reem", "Al-Anazi"),
        ],
    },
    Company {
        name: "Yanbu Chemical Works",
        domain: "yanbuchem.example.sa",
        people: [
            ("majed", "Majed", "Al-Harthi"),
            ("dana", "Dana", "Al-Saud"),
            ("turki", "Turki", "Al-Malki"),
        ],
    },
];

const TOPICS: [(&str, &str, &str, &[&str]); 4] = [
    (
        "Reducing weld porosity on galvanized sheet",
        "We see porosity on **galvanized** sheet welds since switching suppliers. Shielding gas is 82/18. What worked for you?",
        "quality",
        &["welding", "quality-control"],
    ),
    (
        "Predictive maintenance for injection molding machines",
        "Has anyone put vibration sensors on hydraulic pumps? Looking for a simple setup before buying a full platform.",
        "maintenance",
        &["iot", "predictive-maintenance"],
    ),
    (
        "Cutting energy costs of cold storage in summer",
        "Our cold rooms run at 40% of the electricity bill in July. Night pre-cooling helped a bit. Other ideas?",
        "energy",
        &["energy", "cold-chain"],
    ),
    (
        "Vendor recommendations for vision-based defect detection",
        "Looking for a vendor with Arabic support and local installation for bottle-cap inspection.",
        "automation",
        &["computer-vision", "vendors"],
    ),
];

const REPLIES: [&str; 4] = [
    "We had the same issue: grinding off the zinc 20 mm around the joint fixed most of it.",
    "Check the gas flow too, above 18 L/min we got turbulence and *more* porosity.",
    "Thanks, trying both this week and will report back.",
    "We used a local integrator for this; happy to share their contact by message.",
];

fn client() -> ClientInfo {
    ClientInfo {
        ip: None,
        user_agent: Some("p2p-server seed".into()),
    }
}

fn fail(e: DomainError) -> anyhow::Error {
    anyhow::anyhow!("{}", describe(&e))
}

pub async fn run() -> anyhow::Result<()> {
    let password =
        std::env::var("P2P_SEED_PASSWORD").unwrap_or_else(|_| "Demo-password-2026".to_owned());
    let (backends, services) = super::context::connect().await?;
    let mut everyone: Vec<Vec<Actor>> = Vec::new();
    for company in &COMPANIES {
        let people = seed_company(&services, &backends.db, company, &password).await?;
        println!("organization {} with {} people", company.name, people.len());
        everyone.push(people);
    }
    let mut topics = 0;
    for (i, (title, content, category, tags)) in TOPICS.iter().enumerate() {
        let author = &everyone[i % everyone.len()][0];
        let topic = services
            .forum
            .create_topic(
                author,
                NewTopic {
                    title: (*title).to_owned(),
                    content: (*content).to_owned(),
                    category: Some((*category).to_owned()),
                    tags: Some(tags.iter().map(|t| (*t).to_owned()).collect()),
                    attachments: None,
                },
            )
            .await
            .map_err(fail)?;
        seed_thread(&services, &everyone, i, author, &topic).await?;
        topics += 1;
    }
    println!(
        "{topics} topics with threads; sign in as nora@{} / {password}",
        COMPANIES[0].domain
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
    let (handle, first, last) = company.people[0];
    let admin = services
        .identity
        .signup(
            SignupRequest {
                email: format!("{handle}@{}", company.domain),
                password: password.to_owned(),
                first_name: first.to_owned(),
                last_name: last.to_owned(),
                organization_name: company.name.to_owned(),
            },
            client(),
        )
        .await
        .map_err(fail)?;
    let admin_actor = services
        .identity
        .authenticate(&admin.access_token)
        .await
        .map_err(fail)?;
    let mut people = vec![admin_actor.clone()];
    for (handle, first, last) in company.people.iter().skip(1) {
        let email = format!("{handle}@{}", company.domain);
        services
            .identity
            .invite(
                &admin_actor,
                InviteRequest {
                    email: email.clone(),
                    role: Role::Member,
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
                    first_name: (*first).to_owned(),
                    last_name: (*last).to_owned(),
                },
                client(),
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
    everyone: &[Vec<Actor>],
    index: usize,
    author: &Actor,
    topic: &TopicWithFirstPost,
) -> anyhow::Result<()> {
    let topic_id = topic.topic.id;
    let first_replier = &everyone[(index + 1) % everyone.len()][1];
    let second_replier = &everyone[(index + 2) % everyone.len()][2];
    let answer = services
        .forum
        .create_post(
            first_replier,
            topic_id,
            NewPost {
                content: REPLIES[0].to_owned(),
                parent_id: None,
                attachments: None,
            },
        )
        .await
        .map_err(fail)?;
    services
        .forum
        .create_post(
            second_replier,
            topic_id,
            NewPost {
                content: REPLIES[1].to_owned(),
                parent_id: None,
                attachments: None,
            },
        )
        .await
        .map_err(fail)?;
    services
        .forum
        .create_post(
            author,
            topic_id,
            NewPost {
                content: REPLIES[2].to_owned(),
                parent_id: Some(answer.id),
                attachments: None,
            },
        )
        .await
        .map_err(fail)?;
    services
        .forum
        .upvote(author, answer.id)
        .await
        .map_err(fail)?;
    services
        .forum
        .upvote(second_replier, answer.id)
        .await
        .map_err(fail)?;
    if index.is_multiple_of(2) {
        services
            .forum
            .mark_best_answer(author, answer.id)
            .await
            .map_err(fail)?;
    }
    Ok(())
}
