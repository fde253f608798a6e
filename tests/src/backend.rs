use p2p_kernel::testenv;
use p2p_server::config::{Config, JwtConfig, LogFormat, Secret};
use sea_orm::{ConnectionTrait, Database};

/// Which deployment shape the suite runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, in-process cache/pubsub, local files, mail files.
    Embedded,
    /// PostgreSQL, MongoDB, Redis, S3 and SMTP on this machine.
    Full,
}

impl Backend {
    pub fn from_env() -> Self {
        match std::env::var("P2P_TEST_BACKEND").as_deref() {
            Ok("full") => Backend::Full,
            Ok("embedded") | Err(_) => Backend::Embedded,
            Ok(other) => panic!("P2P_TEST_BACKEND must be embedded or full, not {other:?}"),
        }
    }
}

/// Per-test resources, removed again when the test ends.
pub struct Isolation {
    pub id: String,
    pub data_dir: std::path::PathBuf,
    pub postgres_db: Option<String>,
    pub mongo_db: Option<String>,
    pub s3_bucket: Option<String>,
}

impl Default for Isolation {
    fn default() -> Self {
        Self::new()
    }
}

impl Isolation {
    pub fn new() -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        let data_dir = std::env::temp_dir().join(format!("p2p-test-{id}"));
        Self {
            id,
            data_dir,
            postgres_db: None,
            mongo_db: None,
            s3_bucket: None,
        }
    }

    /// Settings for this test on the given backend, creating what they need.
    pub async fn config(&mut self, backend: Backend) -> Config {
        let mut raw = Config {
            host: "127.0.0.1".into(),
            port: 0,
            data_dir: self.data_dir.clone(),
            jwt: JwtConfig {
                secret: Some(Secret::new(format!(
                    "test-secret-{}-0123456789abcdef0123456789",
                    self.id
                ))),
                secret_file: None,
            },
            workers: Some(2),
            log_format: Some(LogFormat::Pretty),
            shutdown_timeout_secs: 5,
            ..Config::default()
        };
        if backend == Backend::Full {
            let db = format!("p2p_t_{}", self.id);
            create_postgres_database(&db).await;
            raw.database.url = Some(Secret::new(postgres_url(&db)));
            self.postgres_db = Some(db);
            let mongo_db = format!("p2p_t_{}", self.id);
            raw.mongodb.url = Some(Secret::new(testenv::mongodb_url()));
            raw.mongodb.db = mongo_db.clone();
            self.mongo_db = Some(mongo_db);
            raw.redis.url = Some(Secret::new(testenv::redis_url()));
            raw.redis.prefix = self.redis_prefix();
            raw.smtp_url = Some(Secret::new(testenv::smtp_url()));
            raw.s3.endpoint = Some(testenv::s3_endpoint());
            raw.s3.bucket = Some(format!("p2p-t-{}", self.id));
            raw.s3.access_key = Some(testenv::s3_access_key());
            raw.s3.secret_key = Some(Secret::new(testenv::s3_secret_key()));
            self.s3_bucket = raw.s3.bucket.clone();
        }
        raw
    }

    /// The prefix of this run's Redis keys (full stack).
    pub fn redis_prefix(&self) -> String {
        format!("p2p-t:{}:", self.id)
    }

    /// Removes the database, document database, Redis keys and data directory.
    pub async fn cleanup(&self) {
        if let Some(db) = &self.postgres_db
            && let Ok(admin) = Database::connect(testenv::postgres_admin_url()).await
        {
            let drop = format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)");
            let _ = admin.execute_unprepared(&drop).await;
        }
        if let Some(db) = &self.mongo_db
            && let Ok(client) = mongodb::Client::with_uri_str(testenv::mongodb_url()).await
        {
            let _ = client.database(db).drop().await;
        }
        if let Some(bucket) = &self.s3_bucket {
            delete_bucket(bucket).await;
        }
        if self.postgres_db.is_some() {
            let prefix = self.redis_prefix();
            if let Ok(redis) =
                p2p_kernel::adapters::redis::RedisConnection::new(&testenv::redis_url(), &prefix, 1)
            {
                let _ = redis.delete_prefixed().await;
            }
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// The URL of database `db` on the test PostgreSQL server.
pub fn postgres_url(db: &str) -> String {
    let admin = testenv::postgres_admin_url();
    match admin.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{db}"),
        None => panic!("P2P_TEST_POSTGRES_URL must name a database: {admin}"),
    }
}

async fn create_postgres_database(db: &str) {
    let url = testenv::postgres_admin_url();
    let admin = Database::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{}", testenv::missing("PostgreSQL", &url, e)));
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{db}\""))
        .await
        .unwrap_or_else(|e| panic!("cannot create test database {db}: {e}"));
}

/// Empties and deletes a test bucket.
async fn delete_bucket(name: &str) {
    let region = s3::Region::Custom {
        region: "us-east-1".into(),
        endpoint: testenv::s3_endpoint(),
    };
    let Ok(credentials) = s3::creds::Credentials::new(
        Some(&testenv::s3_access_key()),
        Some(&testenv::s3_secret_key()),
        None,
        None,
        None,
    ) else {
        return;
    };
    let Ok(bucket) = s3::Bucket::new(name, region, credentials) else {
        return;
    };
    let bucket = bucket.with_path_style();
    if let Ok(pages) = bucket.list(String::new(), None).await {
        for object in pages.iter().flat_map(|p| p.contents.iter()) {
            let _ = bucket.delete_object(&object.key).await;
        }
    }
    let _ = bucket.delete().await;
}
