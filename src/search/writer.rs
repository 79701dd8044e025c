//! The single index writer: one thread owns tantivy's `IndexWriter`; everyone else
//! sends it [`Msg`]s over a channel.
//!
//! tantivy allows one writer per index (it holds a lock file), and committing is
//! the expensive part, so the thread applies every message already waiting before
//! it commits: under a burst (an import, a reconcile) that is one commit per batch
//! of up to [`BATCH`] rows or [`MAX_BATCH_TIME`], and a single upload is committed — and searchable — as
//! soon as it arrives. After each commit the shared `IndexReader` is reloaded.
//!
//! A row is replaced by deleting its `key` term and adding its documents in the
//! same commit, so a search never sees a row twice or half of it.

use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};

use tantivy::schema::Field;
use tantivy::{IndexReader, IndexWriter, TantivyDocument, Term};

/// Most rows applied before a commit even if more are waiting.
pub const BATCH: usize = 2000;
/// Longest time spent applying rows before a commit, so that under a steady stream
/// (an import) what was queued first becomes searchable — and durable — soon.
pub const MAX_BATCH_TIME: Duration = Duration::from_secs(1);

pub enum Msg {
    /// Replace every document of `key` with `docs` (none: just delete).
    Put {
        key: String,
        docs: Vec<TantivyDocument>,
    },
    /// Drop everything (start of a rebuild).
    Clear,
    /// Commit now and answer once the reader sees the commit.
    Flush(tokio::sync::oneshot::Sender<Result<(), String>>),
}

pub fn spawn(
    mut writer: IndexWriter,
    reader: IndexReader,
    key_field: Field,
    rx: Receiver<Msg>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("wenxun-index-writer".into())
        .spawn(move || {
            let mut pending = 0usize;
            let mut waiting: Vec<tokio::sync::oneshot::Sender<Result<(), String>>> = Vec::new();
            loop {
                // Block for the next message, then take whatever else is already
                // waiting (up to BATCH rows) before committing once.
                let mut next = match rx.recv() {
                    Ok(m) => Some(m),
                    Err(_) => break,
                };
                let started = Instant::now();
                let mut closed = false;
                while let Some(msg) = next.take() {
                    match msg {
                        Msg::Put { key, docs } => {
                            writer.delete_term(Term::from_field_text(key_field, &key));
                            for d in docs {
                                if let Err(e) = writer.add_document(d) {
                                    tracing::error!("索引写入失败 {key}: {e}");
                                }
                            }
                            pending += 1;
                        }
                        Msg::Clear => {
                            if let Err(e) = writer.delete_all_documents() {
                                tracing::error!("清空索引失败：{e}");
                            }
                            pending += 1;
                        }
                        Msg::Flush(tx) => waiting.push(tx),
                    }
                    if pending >= BATCH || started.elapsed() >= MAX_BATCH_TIME {
                        break;
                    }
                    next = match rx.try_recv() {
                        Ok(m) => Some(m),
                        Err(TryRecvError::Empty) => None,
                        Err(TryRecvError::Disconnected) => {
                            closed = true;
                            None
                        }
                    };
                }
                if pending > 0 || !waiting.is_empty() {
                    let applied = started.elapsed();
                    let result = commit(&mut writer, &reader, pending > 0);
                    tracing::debug!(
                        "索引提交：{pending} 条记录，写入 {applied:?}，合计 {:?}",
                        started.elapsed()
                    );
                    pending = 0;
                    for tx in waiting.drain(..) {
                        let _ = tx.send(result.clone());
                    }
                }
                if closed {
                    break;
                }
            }
            if let Err(e) = writer.wait_merging_threads() {
                tracing::warn!("索引合并线程结束异常：{e}");
            }
        })
}

fn commit(writer: &mut IndexWriter, reader: &IndexReader, changed: bool) -> Result<(), String> {
    if changed {
        writer.commit().map_err(|e| {
            tracing::error!("索引提交失败：{e}");
            format!("索引提交失败：{e}")
        })?;
    }
    reader
        .reload()
        .map_err(|e| format!("索引重新加载失败：{e}"))
}
