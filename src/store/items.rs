//! Items (议题) of a meeting and the documents (草案、说明、附件) uploaded for them.
//!
//! A document row keeps what the item page needs without re-reading the original:
//! the extracted text, the clause path of every block (as char ranges), the
//! 三重一大 types and the rule-set version that produced its inquiry points. Storing
//! a document, its points and the audit row is one transaction, after the original
//! has been written to disk by [`super::blobs::write`].

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::json;
use sqlx::{FromRow, SqliteConnection};

use super::audit::{self, Entry};
use super::{Actor, Result, Store, StoreError, blobs, inquiries, now};
use crate::analyze::Finding;
use crate::analyze::decision::DecisionType;

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Item {
    pub id: i64,
    pub meeting_id: i64,
    pub title: String,
    pub unit: String,
    pub approved_by: Option<i64>,
    pub approved_at: Option<i64>,
    pub created_at: i64,
}

/// An item with the counts and badges the meeting page shows.
#[derive(Debug, Clone, Serialize)]
pub struct ItemSummary {
    #[serde(flatten)]
    pub item: Item,
    pub documents: i64,
    pub points: i64,
    pub open_points: i64,
    pub decision_types: Vec<DecisionType>,
}

#[derive(Debug, Clone, FromRow)]
struct ItemSummaryRow {
    #[sqlx(flatten)]
    item: Item,
    documents: i64,
    points: i64,
    open_points: i64,
    types: Option<String>,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct DocumentRow {
    pub id: i64,
    pub item_id: i64,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub format: String,
    pub text: String,
    pub clauses: String,
    pub decision_types: String,
    pub rules_version: String,
    pub uploaded_at: i64,
    /// The version this one revises (NULL for a first upload).
    pub supersedes: Option<i64>,
    /// 第N版 (1 for a first upload).
    pub revision: i64,
    /// The later version that revises this one, if any.
    pub superseded_by: Option<i64>,
}

impl DocumentRow {
    pub fn decision_types(&self) -> Vec<DecisionType> {
        parse_types(&self.decision_types)
    }

    /// `(start_char, end_char, clause_path)` of every block.
    pub fn clauses(&self) -> Vec<(usize, usize, String)> {
        serde_json::from_str(&self.clauses).unwrap_or_default()
    }

    /// The clause path at a character offset ("" before the first numbered unit).
    pub fn clause_at(&self, char_offset: usize) -> String {
        self.clauses()
            .into_iter()
            .find(|(s, e, _)| *s <= char_offset && char_offset < (*e).max(*s + 1))
            .map(|(_, _, c)| c)
            .unwrap_or_default()
    }
}

fn parse_types(json: &str) -> Vec<DecisionType> {
    serde_json::from_str::<Vec<String>>(json)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| DecisionType::parse(s))
        .collect()
}

/// Where an upload goes: a new item of a meeting, or an existing item.
#[derive(Debug, Clone)]
pub enum Target {
    New {
        meeting_id: i64,
        title: String,
        unit: String,
    },
    Existing(i64),
}

/// One analysed upload, ready to store.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub size: i64,
    pub format: &'a str,
    pub text: &'a str,
    pub clauses: Vec<(usize, usize, String)>,
    pub decision_types: &'a [DecisionType],
    pub rules_version: &'a str,
    pub findings: &'a [Finding],
}

/// Stores a document (and a new item if asked) with its inquiry points and one
/// audit row, in one transaction. The blob must already be on disk.
pub async fn add_document(
    store: &Store,
    actor: &Actor,
    target: &Target,
    doc: &NewDocument<'_>,
) -> Result<(Item, i64)> {
    let mut tx = store.begin_write().await?;
    let item = match target {
        Target::New {
            meeting_id,
            title,
            unit,
        } => create_item(&mut tx, actor, *meeting_id, title, unit).await?,
        Target::Existing(id) => get_in(&mut tx, *id).await?,
    };
    let doc_id = insert_document(&mut tx, actor, item.id, doc, None, 1).await?;
    let types: Vec<&str> = doc.decision_types.iter().map(|t| t.as_str()).collect();
    let points = inquiries::insert_findings(&mut tx, actor, item.id, doc_id, doc.findings).await?;
    clear_approval(&mut tx, item.id).await?;
    audit::append(
        &mut tx,
        actor,
        Entry {
            action: "document.upload",
            entity: "document",
            entity_id: Some(doc_id),
            before: None,
            after: Some(json!({
                "item_id": item.id,
                "file_name": doc.file_name,
                "sha256": doc.sha256,
                "size": doc.size,
                "decision_types": types,
                "rules_version": doc.rules_version,
                "points": points,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((item, doc_id))
}

/// The document row (and its blob row); `supersedes` and `revision` place it among
/// the versions of one draft.
async fn insert_document(
    conn: &mut SqliteConnection,
    actor: &Actor,
    item_id: i64,
    doc: &NewDocument<'_>,
    supersedes: Option<i64>,
    revision: i64,
) -> Result<i64> {
    blobs::ensure_row(conn, doc.sha256, doc.size).await?;
    let types: Vec<&str> = doc.decision_types.iter().map(|t| t.as_str()).collect();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO documents (item_id, file_name, sha256, size, format, text, clauses, \
         decision_types, rules_version, uploaded_by, uploaded_at, supersedes, revision) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(item_id)
    .bind(doc.file_name)
    .bind(doc.sha256)
    .bind(doc.size)
    .bind(doc.format)
    .bind(doc.text)
    .bind(serde_json::to_string(&doc.clauses)?)
    .bind(serde_json::to_string(&types)?)
    .bind(doc.rules_version)
    .bind(actor.id)
    .bind(now())
    .bind(supersedes)
    .bind(revision)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

async fn create_item(
    conn: &mut SqliteConnection,
    actor: &Actor,
    meeting_id: i64,
    title: &str,
    unit: &str,
) -> Result<Item> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(StoreError::Invalid(
            "议题名称不能为空，且不超过 200 字".into(),
        ));
    }
    let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM meetings WHERE id = ?")
        .bind(meeting_id)
        .fetch_optional(&mut *conn)
        .await?;
    if exists.is_none() {
        return Err(StoreError::NotFound("会议"));
    }
    let item: Item = sqlx::query_as(
        "INSERT INTO items (meeting_id, title, unit, created_by, created_at) \
         VALUES (?, ?, ?, ?, ?) RETURNING id, meeting_id, title, unit, approved_by, approved_at, created_at",
    )
    .bind(meeting_id)
    .bind(title)
    .bind(unit.trim())
    .bind(actor.id)
    .bind(now())
    .fetch_one(&mut *conn)
    .await?;
    audit::append(
        conn,
        actor,
        Entry {
            action: "item.create",
            entity: "item",
            entity_id: Some(item.id),
            before: None,
            after: Some(serde_json::to_value(&item)?),
        },
    )
    .await?;
    Ok(item)
}

const ITEM_COLUMNS: &str = "SELECT id, meeting_id, title, unit, approved_by, approved_at, created_at FROM items WHERE id = ?";

async fn get_in(conn: &mut SqliteConnection, id: i64) -> Result<Item> {
    sqlx::query_as(ITEM_COLUMNS)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("议题"))
}

pub async fn get(store: &Store, id: i64) -> Result<Item> {
    sqlx::query_as(ITEM_COLUMNS)
        .bind(id)
        .fetch_optional(&store.pool)
        .await?
        .ok_or(StoreError::NotFound("议题"))
}

/// Every 承办单位 named on an item, for the search page's filter.
pub async fn units(store: &Store) -> Result<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT DISTINCT unit FROM items WHERE unit <> '' ORDER BY unit")
            .fetch_all(&store.pool)
            .await?;
    Ok(rows.into_iter().map(|(u,)| u).collect())
}

/// The items of a meeting in upload order, with counts and 三重一大 badges. Counts
/// are of the current versions: superseded documents and the points a revision
/// checked off are history, not work.
pub async fn list_for_meeting(store: &Store, meeting_id: i64) -> Result<Vec<ItemSummary>> {
    let rows: Vec<ItemSummaryRow> = sqlx::query_as(
        "SELECT i.id, i.meeting_id, i.title, i.unit, i.approved_by, i.approved_at, i.created_at, \
           (SELECT COUNT(*) FROM documents d WHERE d.item_id = i.id AND NOT EXISTS \
              (SELECT 1 FROM documents n WHERE n.supersedes = d.id)) AS documents, \
           (SELECT COUNT(*) FROM inquiries q WHERE q.item_id = i.id AND q.status != 'dropped' \
              AND q.revision_status NOT IN ('resolved', 'persists')) AS points, \
           (SELECT COUNT(*) FROM inquiries q WHERE q.item_id = i.id AND q.status = 'open' \
              AND q.revision_status NOT IN ('resolved', 'persists')) AS open_points, \
           (SELECT group_concat(d.decision_types, '|') FROM documents d WHERE d.item_id = i.id) AS types \
         FROM items i WHERE i.meeting_id = ? ORDER BY i.id",
    )
    .bind(meeting_id)
    .fetch_all(&store.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let types: BTreeSet<DecisionType> = r
                .types
                .as_deref()
                .unwrap_or("")
                .split('|')
                .flat_map(parse_types)
                .collect();
            ItemSummary {
                item: r.item,
                documents: r.documents,
                points: r.points,
                open_points: r.open_points,
                decision_types: types.into_iter().collect(),
            }
        })
        .collect())
}

/// The document query with a fixed tail (a literal, so the SQL stays static).
macro_rules! select_documents {
    ($tail:literal) => {
        concat!(
            "SELECT d.id, d.item_id, d.file_name, d.sha256, d.size, d.format, d.text, d.clauses, \
             d.decision_types, d.rules_version, d.uploaded_at, d.supersedes, d.revision, \
             (SELECT n.id FROM documents n WHERE n.supersedes = d.id) AS superseded_by \
             FROM documents d ",
            $tail
        )
    };
}

/// All documents of an item, every version, in upload order.
pub async fn documents(store: &Store, item_id: i64) -> Result<Vec<DocumentRow>> {
    Ok(
        sqlx::query_as(select_documents!("WHERE d.item_id = ? ORDER BY d.id"))
            .bind(item_id)
            .fetch_all(&store.pool)
            .await?,
    )
}

pub async fn document(store: &Store, id: i64) -> Result<DocumentRow> {
    let mut conn = store.pool.acquire().await?;
    document_in(&mut conn, id).await
}

async fn document_in(conn: &mut SqliteConnection, id: i64) -> Result<DocumentRow> {
    sqlx::query_as(select_documents!("WHERE d.id = ?"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("文件"))
}

/// Stores a revised version of document `previous` with its points, and applies the
/// re-check `plan` to the previous version's points, all in one transaction with
/// the audit rows. Refused when `previous` already has a later version or when its
/// points changed since the plan was made (the caller re-plans on a fresh read).
pub async fn add_revision(
    store: &Store,
    actor: &Actor,
    previous: i64,
    doc: &NewDocument<'_>,
    plan: &inquiries::RevisionPlan,
) -> Result<(Item, i64, inquiries::RevisionCounts)> {
    let mut tx = store.begin_write().await?;
    let prev = document_in(&mut tx, previous).await?;
    if let Some(later) = prev.superseded_by {
        let (n,): (i64,) = sqlx::query_as("SELECT revision FROM documents WHERE id = ?")
            .bind(later)
            .fetch_one(&mut *tx)
            .await?;
        return Err(StoreError::Conflict(format!(
            "该文件已有第 {n} 版，请在最新版本上上传修订稿"
        )));
    }
    let item = get_in(&mut tx, prev.item_id).await?;
    let revision = prev.revision + 1;
    let doc_id = insert_document(&mut tx, actor, item.id, doc, Some(previous), revision).await?;
    let types: Vec<&str> = doc.decision_types.iter().map(|t| t.as_str()).collect();
    let counts =
        inquiries::apply_revision(&mut tx, actor, item.id, previous, doc_id, doc, plan).await?;
    clear_approval(&mut tx, item.id).await?;
    audit::append(
        &mut tx,
        actor,
        Entry {
            action: "document.revise",
            entity: "document",
            entity_id: Some(doc_id),
            before: Some(json!({"document_id": previous, "revision": prev.revision})),
            after: Some(json!({
                "item_id": item.id,
                "file_name": doc.file_name,
                "sha256": doc.sha256,
                "size": doc.size,
                "revision": revision,
                "decision_types": types,
                "rules_version": doc.rules_version,
                "clauses": plan.changes,
                "points": counts,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((item, doc_id, counts))
}

/// A leader's approval (审定) of the item's inquiry list as it stands now.
pub async fn approve(store: &Store, actor: &Actor, item_id: i64) -> Result<()> {
    let mut tx = store.begin_write().await?;
    get_in(&mut tx, item_id).await?;
    sqlx::query("UPDATE items SET approved_by = ?, approved_at = ? WHERE id = ?")
        .bind(actor.id)
        .bind(now())
        .bind(item_id)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        actor,
        Entry {
            action: "item.approve",
            entity: "item",
            entity_id: Some(item_id),
            before: None,
            after: Some(json!({"approved": true})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Any change to an item's points withdraws an earlier approval: the leader
/// approved a list, not whatever it later became.
pub async fn clear_approval(conn: &mut SqliteConnection, item_id: i64) -> Result<()> {
    sqlx::query("UPDATE items SET approved_by = NULL, approved_at = NULL WHERE id = ?")
        .bind(item_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::meetings::{self, MeetingKind, NewMeeting};
    use crate::store::testing;

    pub(crate) async fn meeting(store: &Store) -> i64 {
        meetings::create(
            store,
            &Actor::system(),
            &NewMeeting {
                title: "县政府常务会议".into(),
                kind: MeetingKind::GovernmentExecutive,
                session_label: "第 30 次".into(),
                date: "2026-11-21".into(),
            },
        )
        .await
        .unwrap()
        .id
    }

    pub(crate) fn doc<'a>(findings: &'a [Finding], types: &'a [DecisionType]) -> NewDocument<'a> {
        NewDocument {
            file_name: "请示.txt",
            sha256: "abc",
            size: 3,
            format: "txt",
            text: "第一条 直接委托县城投公司实施。\n第二条 其他。",
            clauses: vec![(0, 16, "第一条".into()), (17, 24, "第二条".into())],
            decision_types: types,
            rules_version: "v1",
            findings,
        }
    }

    #[tokio::test]
    async fn an_upload_creates_item_document_and_badges() {
        let (store, _dir) = testing::store().await;
        let m = meeting(&store).await;
        let a = Actor::system();
        let types = [DecisionType::MajorProject, DecisionType::LargeFund];
        let target = Target::New {
            meeting_id: m,
            title: "老旧小区改造".into(),
            unit: "县住建局".into(),
        };
        let (item, d1) = add_document(&store, &a, &target, &doc(&[], &types))
            .await
            .unwrap();
        let (same, _d2) = add_document(
            &store,
            &a,
            &Target::Existing(item.id),
            &doc(&[], &[DecisionType::Personnel]),
        )
        .await
        .unwrap();
        assert_eq!(same.id, item.id);
        let listed = list_for_meeting(&store, m).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].documents, 2);
        assert_eq!(
            listed[0].decision_types,
            vec![
                DecisionType::Personnel,
                DecisionType::MajorProject,
                DecisionType::LargeFund
            ]
        );
        let docs = documents(&store, item.id).await.unwrap();
        assert_eq!(docs.len(), 2);
        let d = document(&store, d1).await.unwrap();
        assert_eq!(d.clause_at(3), "第一条");
        assert_eq!(d.clause_at(20), "第二条");
        assert_eq!(d.decision_types(), types.to_vec());
        assert!(matches!(
            document(&store, 999).await,
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(get(&store, item.id).await.unwrap().unit, "县住建局");
    }

    #[tokio::test]
    async fn uploads_to_missing_meetings_or_items_fail_without_leaving_rows() {
        let (store, _dir) = testing::store().await;
        let a = Actor::system();
        let bad = Target::New {
            meeting_id: 42,
            title: "x".into(),
            unit: String::new(),
        };
        assert!(
            add_document(&store, &a, &bad, &doc(&[], &[]))
                .await
                .is_err()
        );
        assert!(
            add_document(&store, &a, &Target::Existing(5), &doc(&[], &[]))
                .await
                .is_err()
        );
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM documents")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(n, 0);
    }

    #[tokio::test]
    async fn approval_is_recorded_and_withdrawn_by_a_change() {
        let (store, _dir) = testing::store().await;
        let m = meeting(&store).await;
        let a = Actor::system();
        let target = Target::New {
            meeting_id: m,
            title: "议题".into(),
            unit: String::new(),
        };
        let (item, _) = add_document(&store, &a, &target, &doc(&[], &[]))
            .await
            .unwrap();
        approve(&store, &a, item.id).await.unwrap();
        assert!(get(&store, item.id).await.unwrap().approved_at.is_some());
        add_document(&store, &a, &Target::Existing(item.id), &doc(&[], &[]))
            .await
            .unwrap();
        assert!(get(&store, item.id).await.unwrap().approved_at.is_none());
        assert!(approve(&store, &a, 77).await.is_err());
    }
}
