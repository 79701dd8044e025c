//! Search and precedent over every stored draft, clause, inquiry point and archive
//! document: a tantivy index under `<data_dir>/index/`.
//!
//! * [`schema`]: clause-granular documents, keyed by their database row, with a
//!   change stamp; [`tokenize`]: jieba (search mode) and character bigrams.
//! * [`writer`]: the one thread that owns tantivy's `IndexWriter`; [`SearchIndex`]
//!   sends it rows over a channel, so holding the index in `App` (it is
//!   `Send + Sync`; wrap it in an `Arc`) and asking for a document to be indexed
//!   after an upload is one cheap call ([`SearchIndex::index_document`]).
//! * [`query`]: [`SearchRequest`] → tantivy query, hits with escaped snippets;
//!   [`precedent`]: similar items and similar earlier inquiry points;
//!   [`import`]: `wenxun import DIR` into the archive table, then the index.
//!
//! **Consistency.** The database is the source of truth and is always committed
//! first; the index follows. Every index document carries the stamp of the row it
//! came from (a hash of the columns that were indexed), committed atomically with
//! it. [`SearchIndex::reconcile`], run at start-up, lists `(key, stamp)` for every
//! row of the database (no text loaded) and for every live document of the index,
//! re-indexes rows that are missing or whose stamp differs and deletes keys the
//! database no longer has. So a `kill -9` between a database commit and the index
//! commit — or a deleted `index/` directory — is repaired on the next start, and
//! nothing committed to the database is lost. An index built with another schema
//! version is rebuilt from scratch on open.

pub mod bench;
pub mod import;
pub mod precedent;
pub mod query;
pub mod schema;
pub mod tokenize;
pub mod writer;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use serde::Serialize;
use tantivy::directory::MmapDirectory;
use tantivy::{Index, IndexReader, ReloadPolicy};

pub use precedent::{PrecedentPoint, SimilarItem};
pub use query::{Filters, Hit, SearchRequest, SearchResults, Sort};
pub use schema::{Fields, HitKind, Key};

use crate::store::{Store, StoreError, search_feed};
use writer::Msg;

/// Writer heap: tantivy splits it between its indexing threads (min 15 MB each).
const WRITER_HEAP_BYTES: usize = 64 * 1024 * 1024;
const WRITER_THREADS: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("检索索引错误：{0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("检索索引目录 {path} 读写失败：{source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "检索索引正被另一个 wenxun 进程写入（例如正在运行的 serve）；请先停止它再导入或重建索引"
    )]
    Locked,
    #[error("检索索引以只读方式打开，不能写入")]
    ReadOnly,
    #[error("检索索引写入线程已停止：{0}")]
    Writer(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("查询有误：{0}")]
    Query(String),
}

pub type Result<T> = std::result::Result<T, SearchError>;

/// What reconciliation changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// Rows of the database that were missing from the index or stale in it.
    pub indexed: usize,
    /// Keys in the index whose row the database no longer has.
    pub removed: usize,
}

/// The search index: a reader for queries and a channel to the writer thread.
pub struct SearchIndex {
    reader: IndexReader,
    fields: Fields,
    /// `None` when opened read-only (a CLI search beside a running server).
    writer: Option<Sender<Msg>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SearchIndex {
    /// Opens (creating if needed) `<data_dir>/index/` for reading and writing and
    /// starts the writer thread. An index of another schema version is deleted and
    /// created anew (run [`SearchIndex::reconcile`] after opening to fill it).
    /// Fails with [`SearchError::Locked`] while another process writes the index.
    pub fn open(data_dir: &Path) -> Result<SearchIndex> {
        let (index, fields) = open_index(data_dir, true)?;
        let reader = reader(&index)?;
        let writer = match index.writer_with_num_threads(WRITER_THREADS, WRITER_HEAP_BYTES) {
            Ok(w) => w,
            Err(tantivy::TantivyError::LockFailure(..)) => return Err(SearchError::Locked),
            Err(e) => return Err(e.into()),
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = writer::spawn(writer, reader.clone(), fields.key, rx).map_err(|source| {
            SearchError::Io {
                path: index_dir(data_dir),
                source,
            }
        })?;
        Ok(SearchIndex {
            reader,
            fields,
            writer: Some(tx),
            thread: Some(thread),
        })
    }

    /// Opens the index for searching only (no writer, no lock): what `wenxun search`
    /// uses, so it works while `serve` holds the writer. A missing index is created
    /// empty.
    pub fn open_read_only(data_dir: &Path) -> Result<SearchIndex> {
        let (index, fields) = open_index(data_dir, false)?;
        let reader = reader(&index)?;
        Ok(SearchIndex {
            reader,
            fields,
            writer: None,
            thread: None,
        })
    }

    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    fn send(&self, msg: Msg) -> Result<()> {
        let tx = self.writer.as_ref().ok_or(SearchError::ReadOnly)?;
        tx.send(msg)
            .map_err(|_| SearchError::Writer("写入线程已退出".into()))
    }

    /// Queues a stored draft (all its clauses) for indexing, replacing what the index
    /// had for it; a document no longer in the database is removed. Returns once
    /// the rows are queued; [`SearchIndex::flush`] waits until they are searchable.
    pub async fn index_document(&self, store: &Store, document_id: i64) -> Result<()> {
        self.index_key(store, Key::Document(document_id)).await
    }

    /// Queues an inquiry point (after it was created, edited, dropped or given an
    /// outcome).
    pub async fn index_inquiry(&self, store: &Store, inquiry_id: i64) -> Result<()> {
        self.index_key(store, Key::Inquiry(inquiry_id)).await
    }

    /// Queues an archive document.
    pub async fn index_archive(&self, store: &Store, archive_id: i64) -> Result<()> {
        self.index_key(store, Key::Archive(archive_id)).await
    }

    /// Queues the removal of a row's documents from the index.
    pub fn remove(&self, key: Key) -> Result<()> {
        self.send(Msg::Put {
            key: key.encode(),
            docs: Vec::new(),
        })
    }

    /// Loads a row from the database and queues it (or its removal if it is gone).
    pub async fn index_key(&self, store: &Store, key: Key) -> Result<()> {
        let f = &self.fields;
        let docs = match key {
            Key::Document(id) => search_feed::document(store, id)
                .await?
                .map(|d| f.document_docs(&d)),
            Key::Inquiry(id) => search_feed::inquiry(store, id)
                .await?
                .map(|q| vec![f.inquiry_doc(&q)]),
            Key::Archive(id) => search_feed::archive(store, id)
                .await?
                .map(|a| f.archive_docs(&a)),
        };
        self.send(Msg::Put {
            key: key.encode(),
            docs: docs.unwrap_or_default(),
        })
    }

    /// Queues several rows; the writer commits them together.
    pub async fn index_keys(&self, store: &Store, keys: &[Key]) -> Result<()> {
        for k in keys {
            self.index_key(store, *k).await?;
        }
        Ok(())
    }

    /// Waits until everything queued so far is committed and visible to searches.
    pub async fn flush(&self) -> Result<()> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(Msg::Flush(tx))?;
        rx.await
            .map_err(|_| SearchError::Writer("写入线程已退出".into()))?
            .map_err(SearchError::Writer)
    }

    /// Brings the index in line with the database (see the module doc) and waits
    /// for the result to be committed.
    pub async fn reconcile(&self, store: &Store) -> Result<ReconcileReport> {
        // Rows already queued count as indexed once committed, not as repairs.
        self.flush().await?;
        let indexed = self.indexed_stamps()?;
        let mut wanted: HashMap<String, (Key, String)> = HashMap::new();
        for (id, raw) in search_feed::document_stamps(store).await? {
            let k = Key::Document(id);
            wanted.insert(k.encode(), (k, schema::stamp(&raw)));
        }
        for (id, raw) in search_feed::inquiry_stamps(store).await? {
            let k = Key::Inquiry(id);
            wanted.insert(k.encode(), (k, schema::stamp(&raw)));
        }
        for (id, raw) in search_feed::archive_stamps(store).await? {
            let k = Key::Archive(id);
            wanted.insert(k.encode(), (k, schema::stamp(&raw)));
        }
        let mut report = ReconcileReport::default();
        let mut stale: Vec<Key> = wanted
            .iter()
            .filter(|(key, (_, stamp))| indexed.get(*key) != Some(stamp))
            .map(|(_, (k, _))| *k)
            .collect();
        stale.sort_by_key(|k| k.encode());
        for key in indexed.keys().filter(|k| !wanted.contains_key(*k)) {
            self.send(Msg::Put {
                key: key.clone(),
                docs: Vec::new(),
            })?;
            report.removed += 1;
        }
        report.indexed = stale.len();
        self.index_keys(store, &stale).await?;
        self.flush().await?;
        if report.indexed + report.removed > 0 {
            tracing::info!(
                "检索索引已与数据库核对：补建 {}，删除 {}",
                report.indexed,
                report.removed
            );
        }
        Ok(report)
    }

    /// Empties the index and indexes every row of the database again.
    pub async fn rebuild(&self, store: &Store) -> Result<ReconcileReport> {
        self.send(Msg::Clear)?;
        self.flush().await?;
        self.reconcile(store).await
    }

    /// `key → stamp` of every live document in the committed index.
    fn indexed_stamps(&self) -> Result<HashMap<String, String>> {
        self.reader.reload()?;
        let searcher = self.reader.searcher();
        let mut out = HashMap::new();
        let mut seen: HashSet<(u64, u64)> = HashSet::new();
        for seg in searcher.segment_readers() {
            let ff = seg.fast_fields();
            let (Some(keys), Some(stamps)) = (ff.str("key")?, ff.str("stamp")?) else {
                continue;
            };
            seen.clear();
            let (mut k, mut s) = (String::new(), String::new());
            for doc in 0..seg.max_doc() {
                if seg.is_deleted(doc) {
                    continue;
                }
                let (Some(ko), Some(so)) =
                    (keys.term_ords(doc).next(), stamps.term_ords(doc).next())
                else {
                    continue;
                };
                if !seen.insert((ko, so)) {
                    continue;
                }
                k.clear();
                s.clear();
                keys.ord_to_str(ko, &mut k)
                    .map_err(tantivy::TantivyError::from)?;
                stamps
                    .ord_to_str(so, &mut s)
                    .map_err(tantivy::TantivyError::from)?;
                out.insert(k.clone(), s.clone());
            }
        }
        Ok(out)
    }

    /// Commits what is queued, stops the writer thread and releases the index lock
    /// (dropping the index does the same).
    pub fn close(self) {
        drop(self);
    }

    /// Number of live index documents (clauses, points and archive clauses).
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}

impl Drop for SearchIndex {
    /// Waits for the writer thread to commit what is queued and release the lock,
    /// so that the same process can open the index again at once (an `App` rebuilt
    /// in a test, a restart); the wait is one commit at most.
    fn drop(&mut self) {
        self.writer = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn index_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("index")
}

fn reader(index: &Index) -> Result<IndexReader> {
    Ok(index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?)
}

/// Opens or creates the index, registering our tokenizers. With `may_reset`, an
/// index whose schema differs from ours is deleted first.
fn open_index(data_dir: &Path, may_reset: bool) -> Result<(Index, Fields)> {
    let dir = index_dir(data_dir);
    let io = |source| SearchError::Io {
        path: dir.clone(),
        source,
    };
    let (schema, fields) = Fields::schema();
    if may_reset && dir.join("meta.json").exists() {
        let same = Index::open_in_dir(&dir)
            .map(|i| i.schema() == schema)
            .unwrap_or(false);
        if !same {
            tracing::warn!("检索索引结构已变化，重建 {}", dir.display());
            std::fs::remove_dir_all(&dir).map_err(io)?;
        }
    }
    std::fs::create_dir_all(&dir).map_err(io)?;
    let mmap = MmapDirectory::open(&dir).map_err(tantivy::TantivyError::from)?;
    let index = Index::open_or_create(mmap, schema)?;
    let tk = index.tokenizers();
    tk.register(tokenize::JIEBA, tokenize::JiebaTokenizer);
    tk.register(tokenize::BIGRAM, tokenize::BigramTokenizer);
    Ok((index, fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<SearchIndex>();
        shareable::<std::sync::Arc<SearchIndex>>();
    }

    #[test]
    fn a_read_only_index_refuses_writes_and_a_second_writer_is_locked_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        let writer = SearchIndex::open(dir.path()).expect("open");
        assert!(matches!(
            SearchIndex::open(dir.path()),
            Err(SearchError::Locked)
        ));
        let reader = SearchIndex::open_read_only(dir.path()).expect("read-only");
        assert!(matches!(
            reader.remove(Key::Document(1)),
            Err(SearchError::ReadOnly)
        ));
        writer.close();
        SearchIndex::open(dir.path()).expect("lock released on close");
    }
}
