//! The search index's content sources: how each domain's content becomes
//! index documents (see `p2p_search::ContentSource`). They read through the
//! domain services as a platform operator, so the index holds everything and
//! the search service applies visibility per caller. A new content kind adds
//! one source here and one line in `Discovery::build`.

mod forum;
mod usecases;
mod users;

pub use forum::ForumSource;
pub use usecases::UseCaseSource;
pub use users::UserSource;

use p2p_kernel::round_trips::RoundTrips;
use p2p_kernel::{Actor, DomainError, ErrorKind};
use uuid::Uuid;

/// The identity the indexer reads with: the platform itself ([`Actor::system`]).
pub(crate) fn indexer_actor() -> Actor {
    Actor::system()
}

/// `Ok(None)` for a `not_found` error: the content is gone.
pub(crate) fn found<T>(result: Result<T, DomainError>) -> Result<Option<T>, DomainError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind_of() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

pub(crate) fn id_of(data: &serde_json::Value, field: &str) -> Option<Uuid> {
    data.get(field)
        .and_then(|v| v.as_str())
        .and_then(|s| Uuid::parse_str(s).ok())
}

use crate::backends::Backends;
use p2p_dashboard::{Dashboard, DashboardService, TrendingRefresher};
use p2p_forum::ForumService;
use p2p_identity::IdentityService;
use p2p_kernel::ports::Clock;
use p2p_search::{IndexFeed, IndexSearch, Indexer, SearchIndex, SearchService};
use p2p_usecases::UseCaseService;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Search and dashboard services over one index, and the indexer that keeps it fresh.
#[derive(Clone)]
pub struct Discovery {
    pub search: Arc<dyn SearchService>,
    pub dashboard: Arc<dyn DashboardService>,
    pub indexer: Indexer,
    clock: Arc<dyn Clock>,
}

impl Discovery {
    pub fn build(
        backends: &Backends,
        identity: &Arc<dyn IdentityService>,
        forum: &Arc<dyn ForumService>,
        usecases: &Arc<dyn UseCaseService>,
        feed: IndexFeed,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let index = SearchIndex::new(backends.db.clone());
        let sources: Vec<Arc<dyn p2p_search::ContentSource>> = vec![
            Arc::new(UserSource::new(identity.clone())),
            Arc::new(ForumSource::new(forum.clone())),
            Arc::new(UseCaseSource::new(usecases.clone())),
        ];
        Self {
            search: Arc::new(IndexSearch::new(index.clone())),
            dashboard: Arc::new(Dashboard::new(
                index.clone(),
                backends.cache.clone(),
                clock.clone(),
            )),
            indexer: Indexer::new(index, sources, feed),
            clock,
        }
    }

    /// The indexer and the trending refresher, until shutdown.
    pub fn start_workers(&self, shutdown: &watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
        let refresher = TrendingRefresher {
            index: self.search.index().clone(),
            clock: self.clock.clone(),
            changed: self.indexer.changed(),
        };
        vec![
            RoundTrips::spawn_worker(self.indexer.clone().run(shutdown.clone())),
            RoundTrips::spawn_worker(self.indexer.clone().upgrade(shutdown.clone())),
            RoundTrips::spawn_worker(refresher.run(shutdown.clone())),
        ]
    }
}
