//! `wenxun import DIR`: a folder tree of past meeting materials into the archive
//! table, then into the index.
//!
//! Each file is read with the same ingest as uploads (in `spawn_blocking`); files
//! that cannot be read are collected with their Chinese reason and the import goes
//! on. Rows are committed to the database in batches of [`BATCH`] and each batch
//! is queued for indexing only after its commit, so an import killed at any point
//! leaves the database ahead of the index at worst, which start-up
//! reconciliation repairs. The sha256 of the bytes is unique in the table: running
//! the import again (to resume it, or on an overlapping folder) skips what is
//! already stored.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Key, Result, SearchError, SearchIndex};
use crate::ingest::{self, Limits};
use crate::store::archive::{self, NewArchive};
use crate::store::{Store, sha256_hex};

/// Files stored per database transaction.
pub const BATCH: usize = 50;

/// Extensions looked at: the readable formats plus the office formats a folder of
/// materials often holds, which are reported as "save as .docx".
const EXTENSIONS: &[&str] = &[
    "txt", "text", "md", "markdown", "docx", "pdf", "doc", "wps", "ofd", "rtf",
];

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// Files considered (by extension).
    pub files: usize,
    /// Newly stored.
    pub imported: usize,
    /// Already stored (same content), skipped.
    pub already: usize,
    /// Bytes read from newly stored files.
    pub bytes: u64,
    /// `(relative path, reason)` of files that could not be read.
    pub failed: Vec<(String, String)>,
}

/// Progress after each file: `(done, total)`.
pub type Progress<'a> = &'a mut (dyn FnMut(usize, usize) + Send);

/// The files under `dir` with an extension of interest, sorted (hidden entries are
/// skipped).
pub fn walk(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let ft = entry.file_type()?;
            if ft.is_dir() {
                stack.push(path);
            } else if ft.is_file() {
                let ext = path
                    .extension()
                    .map(|e| e.to_string_lossy().to_lowercase())
                    .unwrap_or_default();
                if EXTENSIONS.contains(&ext.as_str()) {
                    out.push(path);
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `a/b/c.docx` relative to `root`, always with '/'.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// What reading one file gave.
enum Read {
    New(NewArchive),
    Failed(String),
}

fn read_one(root: &Path, path: &Path, bytes: Vec<u8>, sha256: String, limits: &Limits) -> Read {
    let rel = relative(root, path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match ingest::read_bytes(&name, &bytes, limits) {
        Ok(doc) => {
            let title = doc
                .title
                .clone()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| {
                    path.file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default()
                });
            Read::New(NewArchive {
                path: rel,
                sha256,
                size: bytes.len() as i64,
                format: format!("{:?}", doc.format).to_lowercase(),
                title,
                clauses: doc
                    .blocks
                    .iter()
                    .map(|b| (b.start, b.end, b.clause.clone()))
                    .collect(),
                text: doc.text,
            })
        }
        Err(e) => Read::Failed(e.to_string()),
    }
}

async fn store_batch(
    store: &Store,
    index: &SearchIndex,
    batch: &mut Vec<NewArchive>,
    report: &mut ImportReport,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let ids = archive::insert_batch(store, batch).await?;
    report.imported += ids.len();
    report.already += batch.len() - ids.len();
    batch.clear();
    let keys: Vec<Key> = ids.into_iter().map(Key::Archive).collect();
    index.index_keys(store, &keys).await
}

/// Imports every file under `dir`; see the module doc. Waits until the index has
/// committed everything before returning.
pub async fn import_dir(
    store: &Store,
    index: &SearchIndex,
    dir: &Path,
    limits: &Limits,
    progress: Progress<'_>,
) -> Result<ImportReport> {
    let io = |source| SearchError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let files = walk(dir).map_err(io)?;
    let mut report = ImportReport {
        files: files.len(),
        ..ImportReport::default()
    };
    let mut batch: Vec<NewArchive> = Vec::with_capacity(BATCH);
    for (n, path) in files.iter().enumerate() {
        let rel = relative(dir, path);
        match std::fs::read(path) {
            Err(e) => report.failed.push((rel, format!("无法读取文件：{e}"))),
            Ok(bytes) => {
                let sha = sha256_hex(&bytes);
                if archive::has_hash(store, &sha).await? || batch.iter().any(|b| b.sha256 == sha) {
                    report.already += 1;
                } else {
                    let len = bytes.len() as u64;
                    let (root, p, l) = (dir.to_path_buf(), path.clone(), limits.clone());
                    let read =
                        tokio::task::spawn_blocking(move || read_one(&root, &p, bytes, sha, &l))
                            .await
                            .map_err(|e| SearchError::Writer(format!("读取任务失败：{e}")))?;
                    match read {
                        Read::New(a) => {
                            report.bytes += len;
                            batch.push(a);
                        }
                        Read::Failed(reason) => report.failed.push((rel, reason)),
                    }
                    if batch.len() >= BATCH {
                        store_batch(store, index, &mut batch, &mut report).await?;
                    }
                }
            }
        }
        progress(n + 1, files.len());
    }
    store_batch(store, index, &mut batch, &mut report).await?;
    index.flush().await?;
    Ok(report)
}
