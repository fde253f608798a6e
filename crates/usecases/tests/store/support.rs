//! Each store implementation on fresh databases from the shared harness (`p2p-testkit`).

use p2p_testkit::{Databases, StoreKind};
use p2p_usecases::{MongoUseCaseStore, SqlUseCaseStore, UseCaseStore};
use std::future::Future;
use std::sync::Arc;

/// Runs `test` against the use-case store of `kind` and drops its databases afterwards.
pub async fn run_store<F, Fut>(kind: StoreKind, test: F)
where
    F: FnOnce(Arc<dyn UseCaseStore>) -> Fut,
    Fut: Future<Output = ()>,
{
    let databases = Databases::for_store(kind).await;
    p2p_testkit::run(databases, |sql, mongo| async move {
        let store: Arc<dyn UseCaseStore> = match mongo {
            Some(mongo) => Arc::new(
                MongoUseCaseStore::init(&mongo)
                    .await
                    .expect("the MongoDB use-case store"),
            ),
            None => Arc::new(SqlUseCaseStore::new(sql)),
        };
        test(store).await;
    })
    .await;
}
