//! The backends chosen by configuration, connected and behind kernel ports.
//!
//! | concern | configured | embedded default |
//! |---|---|---|
//! | relational | PostgreSQL (`DATABASE_URL=postgres://…`) | SQLite file in the data dir |
//! | documents | MongoDB (`MONGODB_URL`) | the relational database |
//! | cache, rate limits, pub/sub | Redis (`REDIS_URL`) | in-process |
//! | mail | SMTP (`SMTP_URL`) | `.eml` files in `<data dir>/mail` |
//! | files | S3 (`S3_*`) | `<data dir>/files` |

pub mod data_dir;
pub mod database;
pub mod files;
pub mod mongo;
pub mod retry;

use crate::config::Settings;
use p2p_kernel::adapters::mail::{FileMailer, SmtpMailer};
use p2p_kernel::adapters::memory::{MemoryCache, MemoryPubSub, MemoryRateLimiter};
use p2p_kernel::adapters::redis::{RedisCache, RedisConnection, RedisPubSub, RedisRateLimiter};
use p2p_kernel::footprint::Footprint;
use p2p_kernel::persistence::MongoDeadline;
use p2p_kernel::ports::{Cache, HealthProbe, Mailer, PubSub, RateLimiter};
use p2p_kernel::round_trips::RoundTrips;
use p2p_storage::{LocalStore, ObjectStore};
use retry::{ConnectError, RetryPolicy};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Every backend the application talks to.
#[derive(Clone)]
pub struct Backends {
    pub db: DatabaseConnection,
    pub mongo: Option<mongodb::Database>,
    /// The deadline of every MongoDB operation on the request path (one breaker).
    pub mongo_deadline: MongoDeadline,
    pub redis: Option<RedisConnection>,
    pub cache: Arc<dyn Cache>,
    pub rate_limiter: Arc<dyn RateLimiter>,
    pub pubsub: Arc<dyn PubSub>,
    pub mailer: Arc<dyn Mailer>,
    pub files: Arc<dyn ObjectStore>,
    /// The local file store when files are not on S3 (it signs URLs the server answers).
    pub local_files: Option<Arc<LocalStore>>,
    /// What `/health/ready` checks.
    pub probes: Vec<Arc<dyn HealthProbe>>,
    /// The in-process structures among these, whose size is published as gauges.
    pub footprints: Vec<Arc<dyn Footprint>>,
    /// Round trips made to the relational database, MongoDB and Redis.
    pub round_trips: RoundTrips,
}

impl Backends {
    /// Connects to every configured backend, retrying each with backoff.
    pub async fn connect(settings: &Settings, retry: RetryPolicy) -> Result<Self, ConnectError> {
        let round_trips = RoundTrips::default();
        let deadlines = settings.deadlines;
        let mongo_deadline = MongoDeadline::new(deadlines.mongodb, deadlines.mongodb_breaker);
        let mut db = database::connect(settings, retry).await?;
        round_trips.count_statements(&mut db);
        let mut probes: Vec<Arc<dyn HealthProbe>> =
            vec![Arc::new(database::DatabaseProbe(db.clone()))];

        let mongo = match &settings.mongo {
            Some(m) => {
                let mongo = mongo::connect(m, retry, &round_trips).await?;
                probes.push(Arc::new(mongo::MongoProbe {
                    db: mongo.clone(),
                    deadline: mongo_deadline.clone(),
                }));
                Some(mongo)
            }
            None => None,
        };

        let redis = match &settings.redis {
            Some(r) => {
                let timeouts = settings.deadlines.redis;
                let redis = RedisConnection::with_timeouts(r.url.expose(), &r.prefix, 32, timeouts)
                    .map_err(|e| ConnectError {
                        backend: "redis",
                        attempts: 1,
                        last_error: e.to_string(),
                    })?
                    .with_round_trips(round_trips.clone());
                retry::with_retry("redis", retry, || redis.ping()).await?;
                probes.push(Arc::new(redis.clone()));
                Some(redis)
            }
            None => None,
        };
        let (cache, rate_limiter, pubsub): (Arc<dyn Cache>, Arc<dyn RateLimiter>, Arc<dyn PubSub>) =
            match &redis {
                Some(r) => (
                    Arc::new(RedisCache::new(r.clone())),
                    Arc::new(RedisRateLimiter::new(r.clone())),
                    Arc::new(RedisPubSub::new(r.clone())),
                ),
                None => (
                    Arc::new(MemoryCache::new(settings.bounds.cache_max_bytes)),
                    Arc::new(MemoryRateLimiter::new(settings.bounds.rate_limit_max_keys)),
                    Arc::new(MemoryPubSub::default()),
                ),
            };

        let mailer: Arc<dyn Mailer> = match &settings.smtp {
            Some(smtp) => {
                let mailer =
                    SmtpMailer::new(smtp.url.expose(), &settings.mail_from).map_err(|e| {
                        ConnectError {
                            backend: "smtp",
                            attempts: 1,
                            last_error: e.to_string(),
                        }
                    })?;
                // SMTP is checked for readiness but not required at startup:
                // the outbox keeps emails until the server answers.
                let mailer = Arc::new(mailer);
                probes.push(mailer.clone());
                mailer
            }
            None => Arc::new(
                FileMailer::new(settings.data_dir.join("mail"), &settings.mail_from).map_err(
                    |e| ConnectError {
                        backend: "mail",
                        attempts: 1,
                        last_error: e.to_string(),
                    },
                )?,
            ),
        };

        let footprints: Vec<Arc<dyn Footprint>> = vec![
            Arc::new(database::PoolFootprint(db.clone())),
            cache.clone(),
            rate_limiter.clone(),
            pubsub.clone(),
        ];

        let files = files::connect(settings, retry).await?;
        probes.push(files.probe);

        Ok(Self {
            db,
            mongo,
            mongo_deadline,
            redis,
            cache,
            rate_limiter,
            pubsub,
            mailer,
            files: files.store,
            local_files: files.local,
            probes,
            footprints,
            round_trips,
        })
    }
}
