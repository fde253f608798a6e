//! What a person wrote in the forum, read from the stores themselves (the
//! search index follows them about a second later): their personal-data
//! export lists it.

use super::{Forum, TopicRefs};
use crate::types::PostView;
use p2p_kernel::ids::{PostId, TopicId};
use p2p_kernel::{Actor, DomainError, Page, PageRequest};
use std::collections::HashMap;

impl Forum {
    /// See [`crate::ForumService::own_posts`].
    pub(crate) async fn own_posts(
        &self,
        actor: &Actor,
        request: PageRequest,
    ) -> Result<Page<PostView>, DomainError> {
        let after: Option<PostId> = request.position()?;
        let rows = self
            .posts()
            .by_author(actor.user_id, after, request.fetch_limit())
            .await?;
        let page = Page::from_rows(rows, &request, |p| p.id);
        let ids: Vec<PostId> = page.items.iter().map(|p| p.id).collect();
        let mut topic_ids: Vec<TopicId> = page.items.iter().map(|p| p.topic_id).collect();
        topic_ids.sort_unstable();
        topic_ids.dedup();
        let (topics, upvoted) = tokio::try_join!(
            self.topics().get_many(&topic_ids),
            self.posts().upvoted_by(actor.user_id, &ids),
        )?;
        let refs: HashMap<TopicId, TopicRefs> =
            topics.iter().map(|t| (t.id, TopicRefs::of(t))).collect();
        let users = self.summaries([actor.user_id]).await;
        // A post whose topic is gone is not shown anywhere (its posts go with it).
        let items = page
            .items
            .into_iter()
            .filter_map(|p| {
                let topic = *refs.get(&p.topic_id)?;
                let mine = upvoted.contains(&p.id);
                Some(self.post_view(p, &users, mine, topic))
            })
            .collect();
        Ok(Page {
            items,
            next_cursor: page.next_cursor,
        })
    }
}
