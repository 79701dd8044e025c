//! What the search index reads from the database: the rows it indexes, each with a
//! *stamp* — a string built from every column that ends up in the index.
//!
//! The index stores the stamp next to what it indexed, so start-up reconciliation
//! compares `(key, stamp)` pairs from here with those in the index and re-indexes
//! only what differs, without loading any text. The same SQL expression produces the
//! stamp in the listing and in the full rows, so the two cannot drift apart.

// The SQL below is assembled only from the constants of this file, never from input.
use sqlx::{AssertSqlSafe, FromRow};

use super::{Result, Store};

const DOC_STAMP: &str = "d.sha256 || '|' || d.revision || '|' || d.file_name || '|' || d.decision_types \
    || '|' || i.title || '|' || i.unit || '|' || m.date || '|' || m.kind";
const DOC_FROM: &str =
    "FROM documents d JOIN items i ON i.id = d.item_id JOIN meetings m ON m.id = i.meeting_id";

const INQ_STAMP: &str = "q.version || '|' || q.status || '|' || q.drop_reason || '|' || q.revision_status \
    || '|' || COALESCE((SELECT MAX(o.id) FROM outcomes o WHERE o.inquiry_id = q.id), 0) \
    || '|' || i.title || '|' || i.unit || '|' || m.date || '|' || m.kind";
const INQ_FROM: &str = "FROM inquiries q JOIN items i ON i.id = q.item_id \
    JOIN meetings m ON m.id = i.meeting_id JOIN documents d ON d.id = q.document_id";

const ARC_STAMP: &str = "a.sha256 || '|' || a.path || '|' || a.title";

/// A stored document (one version of a draft) with its item and meeting.
#[derive(Debug, Clone, FromRow)]
pub struct DocumentFeed {
    pub id: i64,
    pub item_id: i64,
    pub meeting_id: i64,
    pub revision: i64,
    pub file_name: String,
    pub item_title: String,
    pub unit: String,
    pub date: String,
    pub meeting_kind: String,
    /// JSON list of 三重一大 type ids.
    pub decision_types: String,
    pub text: String,
    /// JSON `[[start_char, end_char, clause_path], ...]`.
    pub clauses: String,
    pub stamp: String,
}

/// An inquiry point with its latest outcome, item and meeting.
#[derive(Debug, Clone, FromRow)]
pub struct InquiryFeed {
    pub id: i64,
    pub item_id: i64,
    pub document_id: i64,
    pub meeting_id: i64,
    pub revision: i64,
    pub file_name: String,
    pub kind: String,
    pub kind_name: String,
    pub quote: String,
    pub question: String,
    pub clause: String,
    pub start_char: i64,
    pub status: String,
    pub drop_reason: String,
    /// Reason given with the latest recorded outcome ('' if none).
    pub outcome_reason: String,
    pub item_title: String,
    pub unit: String,
    pub date: String,
    pub meeting_kind: String,
    pub decision_types: String,
    pub stamp: String,
}

/// An archive document (see [`super::archive`]).
#[derive(Debug, Clone, FromRow)]
pub struct ArchiveFeed {
    pub id: i64,
    pub path: String,
    pub title: String,
    pub text: String,
    pub clauses: String,
    pub stamp: String,
}

/// `(id, stamp)` of every row of one kind.
pub type Stamps = Vec<(i64, String)>;

pub async fn document_stamps(store: &Store) -> Result<Stamps> {
    let sql = format!("SELECT d.id, {DOC_STAMP} AS stamp {DOC_FROM}");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .fetch_all(&store.pool)
        .await?)
}

pub async fn inquiry_stamps(store: &Store) -> Result<Stamps> {
    let sql = format!("SELECT q.id, {INQ_STAMP} AS stamp {INQ_FROM}");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .fetch_all(&store.pool)
        .await?)
}

pub async fn archive_stamps(store: &Store) -> Result<Stamps> {
    let sql = format!("SELECT a.id, {ARC_STAMP} AS stamp FROM archive_documents a");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .fetch_all(&store.pool)
        .await?)
}

pub async fn document(store: &Store, id: i64) -> Result<Option<DocumentFeed>> {
    let sql = format!(
        "SELECT d.id, d.item_id, i.meeting_id, d.revision, d.file_name, i.title AS item_title, \
         i.unit, m.date, m.kind AS meeting_kind, d.decision_types, d.text, d.clauses, \
         {DOC_STAMP} AS stamp {DOC_FROM} WHERE d.id = ?"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&store.pool)
        .await?)
}

pub async fn inquiry(store: &Store, id: i64) -> Result<Option<InquiryFeed>> {
    let sql = format!(
        "SELECT q.id, q.item_id, q.document_id, i.meeting_id, d.revision, d.file_name, q.kind, \
         q.kind_name, q.quote, q.question, q.clause, q.start_char, q.status, q.drop_reason, \
         COALESCE((SELECT o.reason FROM outcomes o WHERE o.inquiry_id = q.id \
                   ORDER BY o.id DESC LIMIT 1), '') AS outcome_reason, \
         i.title AS item_title, i.unit, m.date, m.kind AS meeting_kind, d.decision_types, \
         {INQ_STAMP} AS stamp {INQ_FROM} WHERE q.id = ?"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&store.pool)
        .await?)
}

pub async fn archive(store: &Store, id: i64) -> Result<Option<ArchiveFeed>> {
    let sql = format!(
        "SELECT a.id, a.path, a.title, a.text, a.clauses, {ARC_STAMP} AS stamp \
         FROM archive_documents a WHERE a.id = ?"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&store.pool)
        .await?)
}

/// The current (not superseded) documents of an item, oldest first: the text
/// precedent search compares other items with.
pub async fn item_texts(store: &Store, item_id: i64) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT d.text FROM documents d WHERE d.item_id = ? \
         AND NOT EXISTS (SELECT 1 FROM documents n WHERE n.supersedes = d.id) ORDER BY d.id",
    )
    .bind(item_id)
    .fetch_all(&store.pool)
    .await?;
    Ok(rows.into_iter().map(|(t,)| t).collect())
}
