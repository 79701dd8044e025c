//! Persistence: every SQL statement of the workbench lives under this module.
//!
//! One SQLite file in the data directory (WAL, foreign keys on, a busy timeout so a
//! CLI `wenxun user …` run beside a live server waits instead of failing), with the
//! migrations in `migrations/sqlite/` embedded at build time and run at start. One
//! module per aggregate: `users` (accounts, tokens, sessions, login throttling),
//! `meetings`, `items` (议题 and their documents), `inquiries` (points, outcomes,
//! statistics), `audit` (the hash-chained trail), `blobs` (the stored originals),
//! `archive` (bulk-imported past materials) and `search_feed` (what the search index
//! reads, with change stamps).
//!
//! Queries are runtime `sqlx::query_as` with `FromRow` rows (no compile-time
//! `query!`: no database is needed to build, and a PostgreSQL backend can follow).
//! Every write runs in a `BEGIN IMMEDIATE` transaction that also appends its audit
//! row, so a change and its audit entry are committed together or not at all, and
//! the audit chain's "read last hash, append" never races another writer.

pub mod archive;
pub mod audit;
pub mod blobs;
pub mod inquiries;
pub mod items;
pub mod meetings;
pub mod search_feed;
pub mod users;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Errors of the persistence layer. User mistakes that only the database can see
/// (a stale version, a duplicate name) are variants of their own so the web layer
/// can answer them with a 4xx and a Chinese message.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库错误：{0}")]
    Db(#[from] sqlx::Error),
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("数据目录 {path} 读写失败：{source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}不存在")]
    NotFound(&'static str),
    /// Optimistic concurrency: the row changed since the caller read it.
    #[error(
        "该问询要点已被他人修改（当前版本 {current}，您基于版本 {given}），您的修改未保存，请刷新后重试"
    )]
    Stale { current: i64, given: i64 },
    /// A change the current state does not allow (e.g. an outcome on a dropped point).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("内部数据格式错误：{0}")]
    Json(#[from] serde_json::Error),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Who did something, as the audit trail records it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<i64>,
    pub name: String,
}

impl Actor {
    /// Changes made by `wenxun` itself (first-start admin, `--demo`, CLI).
    pub fn system() -> Actor {
        Actor {
            id: None,
            name: "system".into(),
        }
    }
}

/// The database handle and the data directory the originals are stored under.
#[derive(Debug, Clone)]
pub struct Store {
    pub pool: SqlitePool,
    pub data_dir: PathBuf,
}

/// Current time in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// `n` random bytes from the OS, hex encoded (session ids, tokens, passwords).
pub fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    if let Err(e) = getrandom::fill(&mut buf) {
        // No OS randomness means no safe credentials: stop rather than continue.
        panic!("操作系统随机数源不可用：{e}");
    }
    hex(&buf)
}

impl Store {
    /// Opens (creating if needed) `data_dir/wenxun.sqlite3` and runs the migrations.
    pub async fn open(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Io {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let db = data_dir.join("wenxun.sqlite3");
        let opts = SqliteConnectOptions::from_str("sqlite://")?
            .filename(&db)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Store {
            pool,
            data_dir: data_dir.to_path_buf(),
        })
    }

    /// A write transaction holding SQLite's write lock from the start.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A store in a fresh temporary directory (kept alive by the returned guard).
    pub async fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).await.expect("open store");
        (store, dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opening_twice_runs_migrations_once_and_enables_foreign_keys() {
        let (store, dir) = testing::store().await;
        store.pool.close().await;
        let again = Store::open(dir.path()).await.expect("reopen");
        let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
            .fetch_one(&again.pool)
            .await
            .expect("pragma");
        assert_eq!(fk, 1);
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&again.pool)
            .await
            .expect("pragma");
        assert_eq!(mode, "wal");
    }

    #[test]
    fn hex_and_random_have_the_expected_shape() {
        assert_eq!(hex(&[0, 255, 16]), "00ff10");
        let a = random_hex(16);
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_hex(16));
    }
}
