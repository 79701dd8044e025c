//! The uploaded originals, byte for byte, content-addressed by sha256 under
//! `data-dir/blobs/ab/abcdef…`.
//!
//! Crash safety comes from the order of operations: the bytes go to a temporary
//! file in the same directory tree, are synced, and are renamed into place; only
//! then does the caller commit the database row that refers to them. A kill at any
//! point leaves either nothing, or an unreferenced file (harmless, and reused by the
//! next upload of the same bytes), never a row pointing at missing bytes.

use std::io::Write;
use std::path::{Path, PathBuf};

use sqlx::SqliteConnection;

use super::{Result, StoreError, now, random_hex, sha256_hex};

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where the blob with this hash lives.
pub fn path(data_dir: &Path, sha256: &str) -> PathBuf {
    let prefix = sha256.get(..2).unwrap_or("00");
    data_dir.join("blobs").join(prefix).join(sha256)
}

/// Writes `bytes` (if not already stored) and returns their sha256. Blocking I/O:
/// call from `spawn_blocking` in async code.
pub fn write(data_dir: &Path, bytes: &[u8]) -> Result<String> {
    let sha = sha256_hex(bytes);
    let dest = path(data_dir, &sha);
    if let Ok(meta) = std::fs::metadata(&dest)
        && meta.len() == bytes.len() as u64
    {
        return Ok(sha);
    }
    let tmp_dir = data_dir.join("blobs").join("tmp");
    std::fs::create_dir_all(&tmp_dir).map_err(io(&tmp_dir))?;
    let parent = dest.parent().unwrap_or(data_dir);
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let tmp = tmp_dir.join(format!("{}.part", random_hex(8)));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &dest)?;
        // Make the rename itself durable (best effort: not every platform allows
        // opening a directory).
        if let Ok(d) = std::fs::File::open(parent) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(&dest)(e));
    }
    Ok(sha)
}

/// Reads a stored original back. Blocking I/O.
pub fn read(data_dir: &Path, sha256: &str) -> Result<Vec<u8>> {
    let p = path(data_dir, sha256);
    std::fs::read(&p).map_err(io(&p))
}

/// Records the blob's row (idempotent); call in the transaction that refers to it.
pub async fn ensure_row(conn: &mut SqliteConnection, sha256: &str, size: i64) -> Result<()> {
    sqlx::query("INSERT OR IGNORE INTO blobs (sha256, size, created_at) VALUES (?, ?, ?)")
        .bind(sha256)
        .bind(size)
        .bind(now())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;

    #[tokio::test]
    async fn blobs_round_trip_byte_for_byte_and_dedupe() {
        let (store, dir) = testing::store().await;
        let bytes = "第一条 测试\r\n\u{0}二进制".as_bytes();
        let sha = write(dir.path(), bytes).unwrap();
        assert_eq!(sha, sha256_hex(bytes));
        assert_eq!(read(dir.path(), &sha).unwrap(), bytes);
        assert_eq!(write(dir.path(), bytes).unwrap(), sha);
        // No temporary files are left behind.
        let tmp: Vec<_> = std::fs::read_dir(dir.path().join("blobs/tmp"))
            .unwrap()
            .collect();
        assert!(tmp.is_empty());
        let mut conn = store.pool.acquire().await.unwrap();
        ensure_row(&mut conn, &sha, bytes.len() as i64)
            .await
            .unwrap();
        ensure_row(&mut conn, &sha, bytes.len() as i64)
            .await
            .unwrap();
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM blobs")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
}
