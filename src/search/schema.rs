//! The index schema and how database rows become index documents.
//!
//! Granularity is the clause: every block of a stored draft (and of an archive
//! document) is one index document, so a hit names the clause and the reviewer
//! opens the draft there. Each inquiry point is one more document. All documents
//! of one database row share a `key` (`doc:12`, `inq:5`, `arc:3`), which is what
//! the writer deletes before re-adding the row, and carry its `stamp` (see
//! [`crate::store::search_feed`]) so reconciliation can tell a stale row from a
//! current one by reading the index alone.
//!
//! Searchable text is indexed twice: `text` with jieba (search mode) for words and
//! ranking, `text_bi` with character bigrams for exact substrings (quoted phrases,
//! phrases cut mid-word). Filters are raw (`STRING`) fields; the date is also an
//! `i64` `yyyymmdd` fast field for ranges and date sorting.

use serde::{Deserialize, Serialize};
use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use super::tokenize::{BIGRAM, JIEBA};
use crate::store::search_feed::{ArchiveFeed, DocumentFeed, InquiryFeed};

/// Bumped whenever the schema or the way rows become documents changes: an index
/// built by an older wenxun is then rebuilt on open.
pub const SCHEMA_VERSION: &str = "wenxun-search-1";

/// What a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    /// A clause of a draft stored in the workbench.
    Clause,
    /// An inquiry point (with its outcome).
    Inquiry,
    /// A clause of an archive document from `wenxun import`.
    Archive,
}

impl HitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HitKind::Clause => "clause",
            HitKind::Inquiry => "inquiry",
            HitKind::Archive => "archive",
        }
    }

    pub fn parse(s: &str) -> Option<HitKind> {
        match s {
            "clause" => Some(HitKind::Clause),
            "inquiry" => Some(HitKind::Inquiry),
            "archive" => Some(HitKind::Archive),
            _ => None,
        }
    }
}

/// The database row an index document came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Document(i64),
    Inquiry(i64),
    Archive(i64),
}

impl Key {
    pub fn encode(self) -> String {
        match self {
            Key::Document(id) => format!("doc:{id}"),
            Key::Inquiry(id) => format!("inq:{id}"),
            Key::Archive(id) => format!("arc:{id}"),
        }
    }

    pub fn decode(s: &str) -> Option<Key> {
        let (tag, id) = s.split_once(':')?;
        let id = id.parse().ok()?;
        match tag {
            "doc" => Some(Key::Document(id)),
            "inq" => Some(Key::Inquiry(id)),
            "arc" => Some(Key::Archive(id)),
            _ => None,
        }
    }
}

/// The stamp stored in the index for a row: the schema version plus a hash of the
/// row's stamp columns.
pub fn stamp(raw: &str) -> String {
    let h = crate::store::sha256_hex(raw.as_bytes());
    format!("{SCHEMA_VERSION}:{}", &h[..16])
}

#[derive(Debug, Clone)]
pub struct Fields {
    pub key: Field,
    pub stamp: Field,
    pub kind: Field,
    pub document_id: Field,
    pub item_id: Field,
    pub meeting_id: Field,
    pub inquiry_id: Field,
    pub archive_id: Field,
    pub revision: Field,
    pub date: Field,
    pub date_num: Field,
    pub meeting_kind: Field,
    pub unit: Field,
    pub decision_type: Field,
    pub risk_kind: Field,
    pub risk_kind_name: Field,
    pub outcome: Field,
    pub reason: Field,
    pub question: Field,
    pub clause: Field,
    pub block_start: Field,
    pub title: Field,
    pub path: Field,
    pub text: Field,
    pub text_bi: Field,
    pub note: Field,
}

impl Fields {
    pub fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let jieba_stored = TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(JIEBA)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
            .set_stored();
        let jieba_only = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(JIEBA)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let bigram = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(BIGRAM)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let id = INDEXED | STORED | FAST;
        let fields = Fields {
            key: b.add_text_field("key", STRING | STORED | FAST),
            stamp: b.add_text_field("stamp", STRING | STORED | FAST),
            kind: b.add_text_field("kind", STRING | STORED),
            document_id: b.add_i64_field("document_id", id.clone()),
            item_id: b.add_i64_field("item_id", id.clone()),
            meeting_id: b.add_i64_field("meeting_id", id.clone()),
            inquiry_id: b.add_i64_field("inquiry_id", id.clone()),
            archive_id: b.add_i64_field("archive_id", id.clone()),
            revision: b.add_i64_field("revision", STORED),
            date: b.add_text_field("date", STRING | STORED),
            date_num: b.add_i64_field("date_num", id),
            meeting_kind: b.add_text_field("meeting_kind", STRING | STORED),
            unit: b.add_text_field("unit", STRING | STORED),
            decision_type: b.add_text_field("decision_type", STRING | STORED),
            risk_kind: b.add_text_field("risk_kind", STRING | STORED),
            risk_kind_name: b.add_text_field("risk_kind_name", STORED),
            outcome: b.add_text_field("outcome", STRING | STORED),
            reason: b.add_text_field("reason", STORED),
            question: b.add_text_field("question", STORED),
            clause: b.add_text_field("clause", STRING | STORED),
            block_start: b.add_i64_field("block_start", STORED),
            title: b.add_text_field("title", jieba_stored.clone()),
            path: b.add_text_field("path", STORED),
            text: b.add_text_field("text", jieba_stored),
            text_bi: b.add_text_field("text_bi", bigram),
            note: b.add_text_field("note", jieba_only),
        };
        (b.build(), fields)
    }

    /// One index document per non-empty block of a stored draft.
    pub fn document_docs(&self, d: &DocumentFeed) -> Vec<TantivyDocument> {
        let types: Vec<String> = serde_json::from_str(&d.decision_types).unwrap_or_default();
        blocks(&d.text, &d.clauses)
            .into_iter()
            .map(|(start, clause, body)| {
                let mut doc = self.common(&Key::Document(d.id).encode(), &stamp(&d.stamp));
                doc.add_text(self.kind, HitKind::Clause.as_str());
                doc.add_i64(self.document_id, d.id);
                doc.add_i64(self.item_id, d.item_id);
                doc.add_i64(self.meeting_id, d.meeting_id);
                doc.add_i64(self.revision, d.revision);
                self.add_meeting(&mut doc, &d.date, &d.meeting_kind, &d.unit, &types);
                doc.add_text(self.title, &d.item_title);
                doc.add_text(self.path, &d.file_name);
                self.add_body(&mut doc, start, &clause, body);
                doc
            })
            .collect()
    }

    /// The one index document of an inquiry point: the quote is its text; the
    /// question and the reasons are searchable beside it.
    pub fn inquiry_doc(&self, q: &InquiryFeed) -> TantivyDocument {
        let types: Vec<String> = serde_json::from_str(&q.decision_types).unwrap_or_default();
        let mut doc = self.common(&Key::Inquiry(q.id).encode(), &stamp(&q.stamp));
        doc.add_text(self.kind, HitKind::Inquiry.as_str());
        doc.add_i64(self.inquiry_id, q.id);
        doc.add_i64(self.document_id, q.document_id);
        doc.add_i64(self.item_id, q.item_id);
        doc.add_i64(self.meeting_id, q.meeting_id);
        doc.add_i64(self.revision, q.revision);
        self.add_meeting(&mut doc, &q.date, &q.meeting_kind, &q.unit, &types);
        doc.add_text(self.risk_kind, &q.kind);
        doc.add_text(self.risk_kind_name, &q.kind_name);
        doc.add_text(self.outcome, &q.status);
        let reason = if q.outcome_reason.is_empty() {
            &q.drop_reason
        } else {
            &q.outcome_reason
        };
        doc.add_text(self.reason, reason);
        doc.add_text(self.question, &q.question);
        doc.add_text(self.note, format!("{}\n{}", q.question, reason));
        doc.add_text(self.title, &q.item_title);
        doc.add_text(self.path, &q.file_name);
        self.add_body(&mut doc, q.start_char.max(0) as usize, &q.clause, &q.quote);
        doc
    }

    /// One index document per non-empty block of an archive document.
    pub fn archive_docs(&self, a: &ArchiveFeed) -> Vec<TantivyDocument> {
        blocks(&a.text, &a.clauses)
            .into_iter()
            .map(|(start, clause, body)| {
                let mut doc = self.common(&Key::Archive(a.id).encode(), &stamp(&a.stamp));
                doc.add_text(self.kind, HitKind::Archive.as_str());
                doc.add_i64(self.archive_id, a.id);
                doc.add_text(self.title, &a.title);
                doc.add_text(self.path, &a.path);
                self.add_body(&mut doc, start, &clause, body);
                doc
            })
            .collect()
    }

    fn common(&self, key: &str, stamp: &str) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.key, key);
        doc.add_text(self.stamp, stamp);
        doc
    }

    fn add_meeting(
        &self,
        doc: &mut TantivyDocument,
        date: &str,
        kind: &str,
        unit: &str,
        types: &[String],
    ) {
        doc.add_text(self.date, date);
        doc.add_i64(self.date_num, date_num(date));
        doc.add_text(self.meeting_kind, kind);
        if !unit.is_empty() {
            doc.add_text(self.unit, unit);
        }
        for t in types {
            doc.add_text(self.decision_type, t);
        }
    }

    fn add_body(&self, doc: &mut TantivyDocument, start: usize, clause: &str, body: &str) {
        doc.add_i64(self.block_start, start as i64);
        doc.add_text(self.clause, clause);
        doc.add_text(self.text, body);
        doc.add_text(self.text_bi, body);
    }
}

/// `YYYY-MM-DD` → `yyyymmdd` (0 when the date does not parse).
pub fn date_num(date: &str) -> i64 {
    let digits: String = date.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 8 {
        digits.parse().unwrap_or(0)
    } else {
        0
    }
}

/// `(start_char, clause_path, text)` of every non-blank block, from the clauses
/// JSON the store keeps (character ranges into `text`). A text without blocks is
/// one block.
pub(crate) fn blocks<'t>(text: &'t str, clauses_json: &str) -> Vec<(usize, String, &'t str)> {
    let clauses: Vec<(usize, usize, String)> =
        serde_json::from_str(clauses_json).unwrap_or_default();
    if clauses.is_empty() {
        return if text.trim().is_empty() {
            Vec::new()
        } else {
            vec![(0, String::new(), text)]
        };
    }
    // Character offset → byte offset, in one pass over the text.
    let byte_at: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()))
        .collect();
    let at = |c: usize| byte_at[c.min(byte_at.len() - 1)];
    clauses
        .into_iter()
        .filter_map(|(s, e, clause)| {
            let body = &text[at(s)..at(e.max(s))];
            (!body.trim().is_empty()).then_some((s, clause, body))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_follow_character_offsets() {
        let text = "第一条　公开招标。\n第二条　回避。";
        let json = r#"[[0,9,"第一条"],[10,17,"第二条"]]"#;
        let b = blocks(text, json);
        assert_eq!(b.len(), 2);
        assert_eq!(b[1], (10, "第二条".to_string(), "第二条　回避。"));
    }

    #[test]
    fn keys_round_trip_and_dates_become_numbers() {
        for k in [Key::Document(3), Key::Inquiry(4), Key::Archive(5)] {
            assert_eq!(Key::decode(&k.encode()), Some(k));
        }
        assert_eq!(date_num("2025-03-07"), 20250307);
        assert_eq!(date_num(""), 0);
    }
}
