//! The audit trail: append-only, hash-chained.
//!
//! Every change appends one row inside the transaction that makes the change (the
//! callers pass their transaction in), so the trail never misses a committed change
//! nor records one that was rolled back. Each row stores
//! `sha256(prev_hash + "\n" + canonical content)`; [`verify`] recomputes the chain
//! and reports the first row that does not match. SQLite triggers refuse UPDATE
//! and DELETE on the table; the chain catches edits made around them.

use serde::Serialize;
use serde_json::Value;
use sqlx::{FromRow, Sqlite, SqliteConnection};

use super::{Actor, Result, Store, now, sha256_hex};

/// The hash before the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub user_id: Option<i64>,
    pub user_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// What one audit row says happened.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The fields a row's hash covers (everything but the hashes themselves).
struct Hashed<'a> {
    id: i64,
    at: i64,
    user_name: &'a str,
    action: &'a str,
    entity: &'a str,
    entity_id: Option<i64>,
    before: Option<&'a str>,
    after: Option<&'a str>,
}

impl Hashed<'_> {
    fn content(&self) -> String {
        // A JSON array is an unambiguous, escape-safe serialisation of the fields.
        serde_json::json!([
            self.id,
            self.at,
            self.user_name,
            self.action,
            self.entity,
            self.entity_id,
            self.before,
            self.after
        ])
        .to_string()
    }
}

fn chain_hash(prev: &str, content: &str) -> String {
    sha256_hex(format!("{prev}\n{content}").as_bytes())
}

/// Appends one row; call inside the write transaction of the change it records.
pub async fn append(conn: &mut SqliteConnection, actor: &Actor, e: Entry<'_>) -> Result<i64> {
    let prev: Option<(i64, String)> =
        sqlx::query_as("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let (id, prev_hash) = match prev {
        Some((id, h)) => (id + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let at = now();
    let before = e.before.as_ref().map(Value::to_string);
    let after = e.after.as_ref().map(Value::to_string);
    let c = Hashed {
        id,
        at,
        user_name: &actor.name,
        action: e.action,
        entity: e.entity,
        entity_id: e.entity_id,
        before: before.as_deref(),
        after: after.as_deref(),
    }
    .content();
    let hash = chain_hash(&prev_hash, &c);
    sqlx::query::<Sqlite>(
        "INSERT INTO audit_log (id, at, user_id, user_name, action, entity, entity_id, \
         before_json, after_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(at)
    .bind(actor.id)
    .bind(&actor.name)
    .bind(e.action)
    .bind(e.entity)
    .bind(e.entity_id)
    .bind(before)
    .bind(after)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Appends one row in a transaction of its own (for events that change nothing
/// else, such as a login).
pub async fn record(store: &Store, actor: &Actor, e: Entry<'_>) -> Result<i64> {
    let mut tx = store.begin_write().await?;
    let id = append(&mut tx, actor, e).await?;
    tx.commit().await?;
    Ok(id)
}

/// Filters for the admin page; empty strings mean "any".
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub user: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub limit: i64,
}

pub async fn list(store: &Store, f: &Filter) -> Result<Vec<AuditRow>> {
    let limit = if f.limit <= 0 { 200 } else { f.limit };
    Ok(sqlx::query_as(
        "SELECT * FROM audit_log \
         WHERE (? = '' OR user_name = ?) AND (? = '' OR action = ?) AND (? = '' OR entity = ?) \
           AND (? IS NULL OR entity_id = ?) \
         ORDER BY id DESC LIMIT ?",
    )
    .bind(&f.user)
    .bind(&f.user)
    .bind(&f.action)
    .bind(&f.action)
    .bind(&f.entity)
    .bind(&f.entity)
    .bind(f.entity_id)
    .bind(f.entity_id)
    .bind(limit)
    .fetch_all(&store.pool)
    .await?)
}

/// The result of recomputing the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub rows: i64,
    /// The first row whose stored hashes do not match, if any.
    pub broken_at: Option<i64>,
}

pub async fn verify(store: &Store) -> Result<Verification> {
    let rows: Vec<AuditRow> = sqlx::query_as("SELECT * FROM audit_log ORDER BY id")
        .fetch_all(&store.pool)
        .await?;
    let mut prev = GENESIS.to_string();
    for r in &rows {
        let c = Hashed {
            id: r.id,
            at: r.at,
            user_name: &r.user_name,
            action: &r.action,
            entity: &r.entity,
            entity_id: r.entity_id,
            before: r.before_json.as_deref(),
            after: r.after_json.as_deref(),
        }
        .content();
        if r.prev_hash != prev || r.hash != chain_hash(&prev, &c) {
            return Ok(Verification {
                rows: rows.len() as i64,
                broken_at: Some(r.id),
            });
        }
        prev = r.hash.clone();
    }
    Ok(Verification {
        rows: rows.len() as i64,
        broken_at: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;

    fn entry(action: &str) -> Entry<'_> {
        Entry {
            action,
            entity: "meeting",
            entity_id: Some(7),
            before: None,
            after: Some(serde_json::json!({"title": "常委会"})),
        }
    }

    #[tokio::test]
    async fn appended_rows_chain_and_verify() {
        let (store, _dir) = testing::store().await;
        let actor = Actor::system();
        record(&store, &actor, entry("create")).await.unwrap();
        record(&store, &actor, entry("edit")).await.unwrap();
        let v = verify(&store).await.unwrap();
        assert_eq!(
            v,
            Verification {
                rows: 2,
                broken_at: None
            }
        );
        let rows = list(&store, &Filter::default()).await.unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].prev_hash, rows[1].hash, "newest first, chained");
        let only = list(
            &store,
            &Filter {
                action: "edit".into(),
                entity: "meeting".into(),
                entity_id: Some(7),
                ..Filter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(only.len(), 1);
        assert!(
            list(
                &store,
                &Filter {
                    user: "nobody".into(),
                    ..Filter::default()
                }
            )
            .await
            .unwrap()
            .is_empty()
        );
    }

    #[tokio::test]
    async fn the_log_refuses_updates_and_deletes_and_a_forged_row_breaks_the_chain() {
        let (store, _dir) = testing::store().await;
        let actor = Actor::system();
        record(&store, &actor, entry("create")).await.unwrap();
        assert!(
            sqlx::query("UPDATE audit_log SET action = 'x'")
                .execute(&store.pool)
                .await
                .is_err()
        );
        assert!(
            sqlx::query("DELETE FROM audit_log")
                .execute(&store.pool)
                .await
                .is_err()
        );
        // Someone drops the trigger and rewrites history: the chain shows where.
        record(&store, &actor, entry("edit")).await.unwrap();
        sqlx::query("DROP TRIGGER audit_log_no_update")
            .execute(&store.pool)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_log SET user_name = 'mallory' WHERE id = 2")
            .execute(&store.pool)
            .await
            .unwrap();
        assert_eq!(verify(&store).await.unwrap().broken_at, Some(2));
    }
}
