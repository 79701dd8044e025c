//! Archive documents (历年会议材料) imported in bulk by `wenxun import`.
//!
//! They are searchable but belong to no meeting, so they have a table of their own
//! (`archive_documents`, migration 0003) and the workbench's queries over `documents`
//! are untouched. The sha256 of the file's bytes is unique: an import that is run
//! again, or resumed after being killed, skips what is already stored.

use serde::Serialize;
use sqlx::FromRow;

use super::{Result, Store, now};

/// One extracted file, ready to store.
#[derive(Debug, Clone)]
pub struct NewArchive {
    /// Path relative to the imported folder, '/'-separated.
    pub path: String,
    pub sha256: String,
    pub size: i64,
    pub format: String,
    pub title: String,
    pub text: String,
    /// `(start_char, end_char, clause_path)` of every block.
    pub clauses: Vec<(usize, usize, String)>,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct ArchiveDocument {
    pub id: i64,
    pub path: String,
    pub sha256: String,
    pub size: i64,
    pub format: String,
    pub title: String,
    pub text: String,
    pub clauses: String,
    pub imported_at: i64,
}

/// Whether a file with this content hash is already stored.
pub async fn has_hash(store: &Store, sha256: &str) -> Result<bool> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM archive_documents WHERE sha256 = ?")
        .bind(sha256)
        .fetch_optional(&store.pool)
        .await?;
    Ok(row.is_some())
}

/// Stores a batch in one transaction; content already stored is skipped. Returns
/// the ids of the rows actually inserted.
pub async fn insert_batch(store: &Store, batch: &[NewArchive]) -> Result<Vec<i64>> {
    let mut tx = store.begin_write().await?;
    let at = now();
    let mut ids = Vec::with_capacity(batch.len());
    for a in batch {
        let row: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO archive_documents (path, sha256, size, format, title, text, clauses, imported_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO NOTHING RETURNING id",
        )
        .bind(&a.path)
        .bind(&a.sha256)
        .bind(a.size)
        .bind(&a.format)
        .bind(&a.title)
        .bind(&a.text)
        .bind(serde_json::to_string(&a.clauses)?)
        .bind(at)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((id,)) = row {
            ids.push(id);
        }
    }
    tx.commit().await?;
    Ok(ids)
}

pub async fn get(store: &Store, id: i64) -> Result<ArchiveDocument> {
    sqlx::query_as("SELECT * FROM archive_documents WHERE id = ?")
        .bind(id)
        .fetch_optional(&store.pool)
        .await?
        .ok_or(super::StoreError::NotFound("归档文件"))
}

pub async fn count(store: &Store) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM archive_documents")
        .fetch_one(&store.pool)
        .await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;

    fn sample(path: &str, sha: &str) -> NewArchive {
        NewArchive {
            path: path.into(),
            sha256: sha.into(),
            size: 3,
            format: "txt".into(),
            title: "标题".into(),
            text: "第一条 内容".into(),
            clauses: vec![(0, 6, "第一条".into())],
        }
    }

    #[tokio::test]
    async fn the_same_content_is_stored_once() {
        let (store, _dir) = testing::store().await;
        let ids = insert_batch(&store, &[sample("a.txt", "h1"), sample("b.txt", "h2")])
            .await
            .expect("insert");
        assert_eq!(ids.len(), 2);
        let again = insert_batch(&store, &[sample("copy/a.txt", "h1")])
            .await
            .expect("insert again");
        assert!(again.is_empty());
        assert!(has_hash(&store, "h2").await.expect("has"));
        assert_eq!(count(&store).await.expect("count"), 2);
        assert_eq!(get(&store, ids[0]).await.expect("get").path, "a.txt");
    }
}
