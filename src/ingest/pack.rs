//! `.zip` packs of drafts: a meeting's materials often arrive as one archive.
//!
//! Members are read with the same zip-bomb limits as `.docx` parts (declared sizes
//! summed against [`Limits::max_unzipped_bytes`], then every read through one shared
//! byte budget), and each member is also held to [`Limits::max_file_bytes`]. A bad
//! member becomes an error entry of its own, so one broken file in a pack never
//! loses the others. Member names written by Chinese Windows tools are GBK without
//! the zip UTF-8 flag; they are decoded as GBK when they are not valid UTF-8.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::{IngestError, Limits};

/// At most this many members are taken from one pack.
pub const MAX_MEMBERS: usize = 500;

/// One member of a pack: its file name (without folders) and its bytes, or why it
/// could not be taken out.
#[derive(Debug)]
pub struct Member {
    pub name: String,
    pub bytes: Result<Vec<u8>, IngestError>,
}

/// Whether a file name looks like a zip pack.
pub fn is_pack(name: &str) -> bool {
    name.to_lowercase().ends_with(".zip")
}

fn corrupt(detail: impl Into<String>) -> IngestError {
    IngestError::Corrupt {
        format: "zip",
        detail: detail.into(),
    }
}

fn member_name(raw: &[u8]) -> String {
    let full = match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(raw).0.into_owned(),
    };
    full.rsplit(['/', '\\']).next().unwrap_or(&full).to_string()
}

/// Skips folders and the metadata some archivers add (`__MACOSX/`, `._x`, `.DS_Store`).
fn is_noise(raw_name: &[u8], name: &str) -> bool {
    raw_name.ends_with(b"/")
        || raw_name.starts_with(b"__MACOSX")
        || name.starts_with('.')
        || name.is_empty()
}

/// Reads the members of a pack. An error for the whole pack (not a zip, encrypted,
/// a zip bomb by its declared sizes) is returned as `Err`.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Vec<Member>, IngestError> {
    if !bytes.starts_with(b"PK") {
        return Err(corrupt("不是 zip 压缩包"));
    }
    let mut archive =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| corrupt(format!("zip 结构错误：{e}")))?;
    let mut declared = 0u64;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| corrupt(format!("zip 结构错误：{e}")))?;
        declared = declared.saturating_add(entry.size());
        if declared > limits.max_unzipped_bytes {
            return Err(IngestError::ZipBomb {
                limit: limits.max_unzipped_bytes,
            });
        }
    }
    let mut remaining = limits.max_unzipped_bytes;
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(zip::result::ZipError::UnsupportedArchive(m))
                if m == zip::result::ZipError::PASSWORD_REQUIRED =>
            {
                out.push(Member {
                    name: format!("第 {} 个文件", i + 1),
                    bytes: Err(IngestError::Encrypted),
                });
                continue;
            }
            Err(e) => return Err(corrupt(format!("zip 结构错误：{e}"))),
        };
        let raw = entry.name_raw().to_vec();
        let name = member_name(&raw);
        if is_noise(&raw, &name) {
            continue;
        }
        if out.len() >= MAX_MEMBERS {
            return Err(corrupt(format!("压缩包内文件超过 {MAX_MEMBERS} 个")));
        }
        if entry.encrypted() {
            out.push(Member {
                name,
                bytes: Err(IngestError::Encrypted),
            });
            continue;
        }
        if entry.size() > limits.max_file_bytes {
            out.push(Member {
                name,
                bytes: Err(IngestError::TooLarge {
                    size: entry.size(),
                    limit: limits.max_file_bytes,
                }),
            });
            continue;
        }
        let cap = remaining.min(limits.max_file_bytes).saturating_add(1);
        let mut buf = Vec::new();
        let read = (&mut entry).take(cap).read_to_end(&mut buf);
        let bytes = match read {
            Err(e) => Err(corrupt(format!("无法解压 {name}：{e}"))),
            // More than the budget came out of a member that declared less: a bomb.
            Ok(_) if buf.len() as u64 > remaining => {
                return Err(IngestError::ZipBomb {
                    limit: limits.max_unzipped_bytes,
                });
            }
            Ok(_) if buf.len() as u64 > limits.max_file_bytes => Err(IngestError::TooLarge {
                size: buf.len() as u64,
                limit: limits.max_file_bytes,
            }),
            Ok(_) => {
                remaining -= buf.len() as u64;
                Ok(buf)
            }
        };
        out.push(Member { name, bytes });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::{SimpleFileOptions, ZipWriter};

    fn pack(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in files {
            w.start_file(*name, SimpleFileOptions::default()).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn members_come_out_in_order_without_folders_or_noise() {
        let z = pack(&[
            ("材料/一、请示.txt", "第一条 内容".as_bytes()),
            ("__MACOSX/._x", b"junk"),
            ("二、说明.txt", "说明".as_bytes()),
        ]);
        let m = read(&z, &Limits::default()).unwrap();
        let names: Vec<&str> = m.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["一、请示.txt", "二、说明.txt"]);
        assert_eq!(m[0].bytes.as_ref().unwrap(), "第一条 内容".as_bytes());
        assert!(is_pack("材料.ZIP") && !is_pack("a.docx"));
    }

    #[test]
    fn oversized_members_and_bombs_are_refused() {
        let big = vec![b'a'; 5000];
        let z = pack(&[("a.txt", &big), ("b.txt", b"ok")]);
        let tight = Limits {
            max_file_bytes: 1000,
            max_unzipped_bytes: 1_000_000,
        };
        let m = read(&z, &tight).unwrap();
        assert!(matches!(m[0].bytes, Err(IngestError::TooLarge { .. })));
        assert!(m[1].bytes.is_ok(), "the other member is kept");
        let bomb = Limits {
            max_file_bytes: 1_000_000,
            max_unzipped_bytes: 1000,
        };
        assert!(matches!(read(&z, &bomb), Err(IngestError::ZipBomb { .. })));
        assert!(matches!(
            read(b"not a zip", &bomb),
            Err(IngestError::Corrupt { .. })
        ));
    }

    #[test]
    fn gbk_member_names_are_decoded() {
        let (gbk, _, _) = encoding_rs::GBK.encode("请示.txt");
        assert_eq!(member_name(&gbk), "请示.txt");
    }
}
