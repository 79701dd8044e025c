//! Ingest: bytes of an uploaded draft → one normalised text with its structure.
//!
//! Every format reader (`text`, `docx`, `pdf`) only turns bytes into a list of
//! [`RawBlock`]s (a paragraph, heading or table cell with an optional layout hint);
//! `structure` then normalises whitespace, recognises 第X条 / 一、/（一）/1./（1）
//! numbering and computes the clause path of every block. Keeping the structure
//! pass format-independent is what makes a GBK `.txt`, a `.docx` and a `.pdf` of the
//! same draft produce the same clause paths.

pub mod docx;
pub mod pack;
pub mod pdf;
pub mod structure;
pub mod text;

use std::path::Path;

use serde::Serialize;

/// Limits applied before and during extraction; all are configurable.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted input file, in bytes (default 50 MiB).
    pub max_file_bytes: u64,
    /// Largest total uncompressed size read from a zip container (default 200 MiB).
    pub max_unzipped_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 50 * 1024 * 1024,
            max_unzipped_bytes: 200 * 1024 * 1024,
        }
    }
}

/// The formats wenxun reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    Txt,
    Markdown,
    Docx,
    Pdf,
}

/// Layout information a reader could see in the source (docx styles, markdown `#`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hint {
    None,
    /// The document title (docx `Title` style, markdown `# `).
    Title,
    /// A heading of the given outline level (1 = top).
    Heading(u8),
    /// A list paragraph whose visible number comes from automatic numbering,
    /// e.g. `（一）`; the label is prefixed to the text by the structure pass.
    Numbered(String),
    /// One table cell (0-based table, row and column).
    TableCell {
        table: u32,
        row: u32,
        col: u32,
    },
}

/// One paragraph-like unit as a reader found it, before normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBlock {
    pub text: String,
    pub hint: Hint,
}

impl RawBlock {
    pub fn para(text: impl Into<String>) -> Self {
        RawBlock {
            text: text.into(),
            hint: Hint::None,
        }
    }
}

/// What a block of the normalised text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum BlockKind {
    Title,
    /// 第X章 / 第X节 / markdown or docx headings / outline headings such as `一、总体要求`.
    Heading,
    /// A `第X条` clause.
    Article,
    /// A numbered item: 一、（一）1.（1）① … when it carries body text.
    Item,
    Paragraph,
    TableCell {
        table: u32,
        row: u32,
        col: u32,
    },
}

/// A block with its offsets into [`Document::text`].
///
/// `start`/`end` are Unicode character offsets (what reports and the JSON use);
/// `byte_start`/`byte_end` are the same range in bytes (what matchers use).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Block {
    pub kind: BlockKind,
    pub start: usize,
    pub end: usize,
    #[serde(skip)]
    pub byte_start: usize,
    #[serde(skip)]
    pub byte_end: usize,
    /// Outline depth: 0 for title, chapters and articles, growing for nested items.
    pub level: u8,
    /// Clause path such as `第三条`, `第三条（二）` or `二、（一）1.`; empty before the first
    /// numbered unit.
    pub clause: String,
    /// Index of the enclosing heading/section block, if any.
    pub section: Option<usize>,
}

/// A draft after extraction: the normalised text and its blocks, in reading order.
///
/// Blocks are separated by exactly one `\n` in `text`, and every block's text has no
/// `\n` inside it, so a paragraph never spans two blocks.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub name: String,
    pub format: SourceFormat,
    pub title: Option<String>,
    pub text: String,
    pub blocks: Vec<Block>,
    /// Non-fatal observations (e.g. "表格内容已按单元格提取").
    pub warnings: Vec<String>,
}

impl Document {
    /// Text of one block.
    pub fn block_text(&self, b: &Block) -> &str {
        &self.text[b.byte_start..b.byte_end]
    }

    /// The block containing byte offset `byte`, if any.
    pub fn block_at(&self, byte: usize) -> Option<usize> {
        let i = self.blocks.partition_point(|b| b.byte_end <= byte);
        (i < self.blocks.len() && self.blocks[i].byte_start <= byte).then_some(i)
    }

    /// The character offset of byte offset `byte` in [`Document::text`], for turning a
    /// matcher's byte range into the character range reports use. Offsets past the end
    /// clamp to the end; an offset inside a multi-byte character counts the characters
    /// before it.
    pub fn char_offset(&self, byte: usize) -> usize {
        let mut byte = byte.min(self.text.len());
        while !self.text.is_char_boundary(byte) {
            byte -= 1;
        }
        // The last block starting at or before `byte`; only its prefix needs counting.
        let i = self.blocks.partition_point(|b| b.byte_start <= byte);
        match i.checked_sub(1).and_then(|i| self.blocks.get(i)) {
            Some(b) => {
                let within = byte.min(b.byte_end);
                // Past the block's end only the one-byte '\n' separator can follow.
                b.start + self.text[b.byte_start..within].chars().count() + (byte - within)
            }
            None => self.text[..byte].chars().count(),
        }
    }
}

/// Why a file could not be read. Messages are Chinese first, English after, and say
/// what the reviewer can do about it.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("无法读取文件 / cannot read file: {0}")]
    Io(#[from] std::io::Error),
    #[error("文件为空 / the file is empty")]
    Empty,
    #[error(
        "文件过大（{size} 字节，上限 {limit} 字节）/ file too large ({size} bytes, limit {limit})"
    )]
    TooLarge { size: u64, limit: u64 },
    #[error(
        "不支持的文件格式“{0}”：请另存为 .docx、.pdf（含文字层）或 .txt 后再上传 / unsupported format: save as .docx, .pdf or .txt"
    )]
    Unsupported(String),
    #[error(
        "文件已加密或设有密码，请解除密码后另存再上传 / the file is encrypted or password-protected"
    )]
    Encrypted,
    #[error("文件已损坏或不是有效的 {format} 文件：{detail} / corrupt {format} file")]
    Corrupt {
        format: &'static str,
        detail: String,
    },
    #[error(
        "压缩包解压后超过 {limit} 字节，疑似压缩炸弹，已拒绝 / decompressed size exceeds {limit} bytes (zip bomb?)"
    )]
    ZipBomb { limit: u64 },
    #[error(
        "PDF 没有可提取的文字层（可能是扫描件），需先进行 OCR 文字识别 / the PDF has no text layer (scanned?), OCR is needed"
    )]
    NeedsOcr,
    #[error("文件编码无法识别（既不是 UTF-8 也不是 GBK/GB18030）/ unknown text encoding")]
    Encoding,
    #[error("文件中没有可分析的文字 / no text found in the file")]
    NoText,
}

/// Reads a file from disk, enforcing the size limit before reading it.
pub fn read_path(path: &Path, limits: &Limits) -> Result<Document, IngestError> {
    let meta = std::fs::metadata(path)?;
    if meta.len() > limits.max_file_bytes {
        return Err(IngestError::TooLarge {
            size: meta.len(),
            limit: limits.max_file_bytes,
        });
    }
    let bytes = std::fs::read(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    read_bytes(&name, &bytes, limits)
}

/// Reads an in-memory upload. The format is decided by extension and confirmed by
/// the file's magic bytes, so a renamed `.doc` is not mistaken for a `.docx`.
pub fn read_bytes(name: &str, bytes: &[u8], limits: &Limits) -> Result<Document, IngestError> {
    if bytes.is_empty() {
        return Err(IngestError::Empty);
    }
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(IngestError::TooLarge {
            size: bytes.len() as u64,
            limit: limits.max_file_bytes,
        });
    }
    let ext = Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let (format, raw) = match ext.as_str() {
        "txt" | "text" => (SourceFormat::Txt, text::read(bytes, false)?),
        "md" | "markdown" => (SourceFormat::Markdown, text::read(bytes, true)?),
        "docx" => (SourceFormat::Docx, docx::read(bytes, limits)?),
        "pdf" => (SourceFormat::Pdf, pdf::read(bytes)?),
        other => {
            let shown = if other.is_empty() {
                name.to_string()
            } else {
                format!(".{other}")
            };
            return Err(IngestError::Unsupported(shown));
        }
    };
    let mut doc = structure::build(name, format, raw);
    if doc.text.trim().is_empty() {
        return Err(if format == SourceFormat::Pdf {
            IngestError::NeedsOcr
        } else {
            IngestError::NoText
        });
    }
    doc.name = name.to_string();
    Ok(doc)
}
