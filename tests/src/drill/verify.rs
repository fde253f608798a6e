//! After the faults: everything the server acknowledged must be there. Replies readable, each
//! message in its recipient's conversation, each upload downloadable with its bytes, each
//! signup's verification email sent exactly once, each acknowledged reply seen by every
//! socket that follows its topic.

use super::sockets::Subscriber;
use super::traffic::Traffic;
use serde_json::Value;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Lost (or, for emails, duplicated) acknowledged writes, by kind; and what is allowed but
/// worth showing (`notes`).
#[derive(Debug, Default)]
pub struct Losses {
    pub lines: Vec<(String, usize, usize)>,
    pub notes: Vec<String>,
}

impl Losses {
    fn add(&mut self, what: &str, acknowledged: usize, lost: usize) {
        self.lines.push((what.to_owned(), acknowledged, lost));
    }

    pub fn total(&self) -> usize {
        self.lines.iter().map(|(_, _, lost)| lost).sum()
    }

    /// Prints the table under `title` (then the notes) and adds a violation
    /// for each check that lost something.
    pub fn report(&self, title: &str, violations: &mut Vec<String>) {
        println!("\n{title}:");
        println!("{:<28} {:>12} {:>6}", "check", "acknowledged", "lost");
        for (what, acknowledged, lost) in &self.lines {
            println!("{what:<28} {acknowledged:>12} {lost:>6}");
            if *lost > 0 {
                violations.push(format!("{what}: {lost} of {acknowledged}"));
            }
        }
        for note in &self.notes {
            println!("{note}");
        }
    }
}

pub async fn check(
    traffic: &Traffic,
    subscribers: &[Arc<Subscriber>],
    maildir: &std::path::Path,
) -> Losses {
    let mut losses = Losses::default();
    let (replies, messages, uploads, signups) = {
        let acked = traffic.acked.lock().expect("acked");
        (
            acked.replies.clone(),
            acked.messages.clone(),
            acked.uploads.clone(),
            acked.signups.clone(),
        )
    };

    let mut lost = 0;
    for (_, post) in &replies {
        if get(traffic, &format!("/api/v1/forums/posts/{post}"), 0)
            .await
            .0
            != 200
        {
            lost += 1;
        }
    }
    losses.add("replies readable", replies.len(), lost);

    let mut lost = 0;
    let mut conversations: HashMap<(usize, usize), HashSet<String>> = HashMap::new();
    for (from, to, id) in &messages {
        let delivered = match conversations.entry((*from, *to)) {
            Entry::Occupied(seen) => seen.into_mut(),
            Entry::Vacant(slot) => {
                let path = format!("/api/v1/messages/{}", traffic.user_ids[*from]);
                slot.insert(all_pages(traffic, &path, *to).await)
            }
        };
        if !delivered.contains(id) {
            lost += 1;
        }
    }
    losses.add("messages delivered", messages.len(), lost);

    let mut lost = 0;
    for (user, id, size) in &uploads {
        let (status, bytes) = download(traffic, &format!("/api/v1/files/{id}"), *user).await;
        if status != 200 || bytes != *size {
            lost += 1;
        }
    }
    losses.add("uploads downloadable", uploads.len(), lost);

    let (missing, duplicated, repeated) = emails(maildir, &signups).await;
    losses.add("emails sent (missing)", signups.len(), missing);
    losses.add("emails sent twice", signups.len(), duplicated);
    losses.notes.push(format!(
        "emails delivered again with the same Message-ID (an attempt ended without the \
         server's answer; receivers drop the copy): {repeated} of {}",
        signups.len()
    ));

    let (unseen, expected, gaps, duplicates) = sockets(&replies, subscribers).await;
    losses.add("replies reaching sockets", expected, unseen);
    losses.add("socket seq gaps", expected, gaps);
    losses.add("socket duplicates", expected, duplicates);
    losses
}

async fn get(traffic: &Traffic, path: &str, user: usize) -> (u16, Value) {
    let resp = traffic
        .client
        .get(format!("{}{path}", traffic.base))
        .bearer_auth(traffic.token(user))
        .send()
        .await;
    match resp {
        Ok(resp) => {
            let status = resp.status().as_u16();
            (status, resp.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

/// The ids of every item of a paged list, read as `user`.
async fn all_pages(traffic: &Traffic, path: &str, user: usize) -> HashSet<String> {
    let mut ids = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_path = match &cursor {
            Some(cursor) => format!("{path}?limit=100&cursor={cursor}"),
            None => format!("{path}?limit=100"),
        };
        let (status, page) = get(traffic, &page_path, user).await;
        if status != 200 {
            return ids;
        }
        for item in page["items"].as_array().into_iter().flatten() {
            if let Some(id) = item["id"].as_str() {
                ids.insert(id.to_owned());
            }
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return ids,
        }
    }
}

/// `GET /files/{id}` as its uploader, then the URL it redirects to (without the bearer
/// token, as a browser would); status and byte count of what came back.
async fn download(traffic: &Traffic, path: &str, user: usize) -> (u16, u64) {
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    let Ok(redirect) = no_redirect
        .get(format!("{}{path}", traffic.base))
        .bearer_auth(traffic.token(user))
        .send()
        .await
    else {
        return (0, 0);
    };
    let Some(location) = redirect
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned)
    else {
        return (redirect.status().as_u16(), 0);
    };
    // A signed URL of the server itself (`/api/v1/files/blob/...`) or of the S3 server.
    let location = match location.starts_with('/') {
        true => format!("{}{location}", traffic.base),
        false => location,
    };
    match traffic.client.get(&location).send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let bytes = resp.bytes().await.map_or(0, |b| b.len() as u64);
            (status, bytes)
        }
        Err(_) => (0, 0),
    }
}

/// Waits (up to a minute) for one email per signup; then (missing, sent twice, delivered
/// again). SMTP cannot be exactly once: an attempt that ends without the server's answer (the
/// server stopped or frozen after taking the message) is sent again, with the same
/// `Message-ID`, which is what the outbox guarantees; two different `Message-ID`s to one
/// signup would be a real double send.
async fn emails(maildir: &std::path::Path, signups: &[String]) -> (usize, usize, usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut copies: HashMap<&str, Vec<String>> = HashMap::new();
        for email in crate::mail::emails_to(maildir, "") {
            let header = |name: &str| {
                email
                    .headers
                    .lines()
                    .find(|l| l.to_ascii_lowercase().starts_with(name))
                    .map(|l| l[name.len()..].trim().to_owned())
            };
            let (Some(to), id) = (header("to:"), header("message-id:")) else {
                continue;
            };
            if let Some(address) = signups.iter().find(|a| to.contains(a.as_str())) {
                copies
                    .entry(address.as_str())
                    .or_default()
                    .push(id.unwrap_or_default());
            }
        }
        let missing = signups
            .iter()
            .filter(|a| !copies.contains_key(a.as_str()))
            .count();
        let (mut twice, mut again) = (0, 0);
        for ids in copies.values() {
            let distinct: HashSet<&String> = ids.iter().collect();
            if distinct.len() > 1 {
                twice += 1;
            } else if ids.len() > 1 {
                again += 1;
            }
        }
        if missing == 0 || Instant::now() > deadline {
            return (missing, twice, again);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Waits (up to 30 s) for every socket to have seen every acknowledged reply of its topic;
/// then (unseen, expected, gaps, duplicates) over all sockets.
async fn sockets(
    replies: &[(String, String)],
    subscribers: &[Arc<Subscriber>],
) -> (usize, usize, usize, usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (mut unseen, mut expected, mut gaps, mut duplicates) = (0, 0, 0, 0);
        for subscriber in subscribers {
            let seen = subscriber.seen.lock().expect("seen");
            gaps += seen.gaps;
            duplicates += seen.duplicates;
            for (topic, post) in replies {
                if *topic == subscriber.topic {
                    expected += 1;
                    if !seen.posts.contains(post) {
                        unseen += 1;
                    }
                }
            }
        }
        if unseen == 0 || Instant::now() > deadline {
            return (unseen, expected, gaps, duplicates);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
