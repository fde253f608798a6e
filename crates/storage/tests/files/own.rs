//! The caller's own uploads (the personal-data export): theirs only, paged,
//! with download URLs where they may still fetch the bytes.

use super::{env, png};
use p2p_kernel::ports::{FileOwner, Files};
use p2p_kernel::{Actor, DomainError, PageRequest};
use p2p_storage::OwnFile;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Forum posts that exist: `live`.
struct Posts {
    live: Uuid,
}

#[async_trait::async_trait]
impl p2p_kernel::ports::FileAccess for Posts {
    async fn can_read(&self, _actor: &Actor, owner_id: Uuid) -> Result<bool, DomainError> {
        Ok(owner_id == self.live)
    }
}

async fn all_own(env: &super::Env, actor: &Actor) -> Vec<OwnFile> {
    let mut out = Vec::new();
    let mut page = PageRequest::first(1);
    loop {
        let got = env.files.list_own(actor, page.clone()).await.unwrap();
        out.extend(got.items);
        match got.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => return out,
        }
    }
}

pub async fn own_files_are_listed_with_their_links(db: DatabaseConnection) {
    let env = env(db, Duration::from_secs(3600)).await;
    let (me, other) = (p2p_testkit::member(), p2p_testkit::member());
    let live = Uuid::now_v7();
    env.files
        .register_access("forum_post", Arc::new(Posts { live }));
    let loose = env.files.upload(&me, png()).await.unwrap();
    let kept = env.files.upload(&me, png()).await.unwrap();
    let orphan = env.files.upload(&me, png()).await.unwrap();
    let theirs = env.files.upload(&other, png()).await.unwrap();
    env.files
        .attach(&me, &FileOwner::new("forum_post", live), &[kept.id])
        .await
        .unwrap();
    let gone = Uuid::now_v7();
    env.files
        .attach(&me, &FileOwner::new("forum_post", gone), &[orphan.id])
        .await
        .unwrap();

    let files = all_own(&env, &me).await;
    let ids: Vec<_> = files.iter().map(|f| f.id).collect();
    assert_eq!(
        ids,
        vec![loose.id, kept.id, orphan.id],
        "mine, oldest first"
    );
    assert!(!ids.contains(&theirs.id));
    assert_eq!(files[0].attached_to, None);
    assert!(
        files[0].download_url.is_some(),
        "an unattached upload of mine"
    );
    assert_eq!(files[0].size, loose.size);
    assert_eq!(files[0].url, loose.url);
    let attached = files[1].attached_to.as_ref().unwrap();
    assert_eq!((attached.kind.as_str(), attached.id), ("forum_post", live));
    assert!(files[1].download_url.is_some() && files[1].download_expires_at.is_some());
    assert_eq!(files[2].download_url, None, "its post is gone");

    let theirs_listed = all_own(&env, &other).await;
    assert_eq!(
        theirs_listed.iter().map(|f| f.id).collect::<Vec<_>>(),
        vec![theirs.id]
    );
}
