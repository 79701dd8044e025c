//! Precedent, unasked: for an agenda item, the most similar other items with the
//! inquiry points raised on them and what became of them; for an inquiry point,
//! earlier points of the same risk kind on similar clauses, with their outcome and
//! reason ("上次类似条款提出的问询被采纳/未采纳，理由…").
//!
//! Similarity is tantivy's MoreLikeThis over the jieba field: the most
//! distinctive words (tf-idf) of the item's current text, or of the clause a point
//! quotes, become a disjunctive query. Items are ranked by the sum of their best
//! few clause scores, so one long draft does not win by length alone. Single
//! characters are ignored (`min_word_length` counts bytes: one CJK character is 3).

use std::collections::HashMap;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, MoreLikeThisQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, OwnedValue};
use tantivy::{DocAddress, Score, TantivyDocument, Term};

use super::query::{i64_of, str_of};
use super::schema::HitKind;
use super::{Result, SearchError, SearchIndex};
use crate::store::inquiries::{self, Inquiry};
use crate::store::{Store, search_feed};

/// Clauses considered when ranking similar items.
const ITEM_CANDIDATES: usize = 400;
/// Best clauses per item summed into its score.
const CLAUSES_PER_ITEM: usize = 5;

/// An earlier inquiry point and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct PrecedentPoint {
    pub inquiry_id: i64,
    pub item_id: i64,
    pub item_title: String,
    pub date: String,
    pub kind: String,
    pub kind_name: String,
    pub clause: String,
    pub quote: String,
    pub question: String,
    /// `open`, `dropped` or an outcome (`adopted`, `rejected`, …).
    pub status: String,
    /// Chinese label of the status (采纳、未采纳…).
    pub status_label: String,
    /// Reason recorded with the outcome, or the reason for dropping it.
    pub reason: String,
    /// Similarity (0 for points listed under a similar item).
    pub score: f32,
}

/// Another agenda item similar to the one asked about.
#[derive(Debug, Clone, Serialize)]
pub struct SimilarItem {
    pub item_id: i64,
    pub meeting_id: i64,
    pub title: String,
    pub unit: String,
    pub date: String,
    pub meeting_kind: String,
    pub score: f32,
    /// Its points (the current ones of each version chain), with outcomes.
    pub inquiries: Vec<PrecedentPoint>,
}

fn mlt(index: &SearchIndex, text: &str) -> MoreLikeThisQuery {
    MoreLikeThisQuery::builder()
        .with_min_doc_frequency(1)
        .with_min_term_frequency(1)
        .with_max_query_terms(40)
        .with_min_word_length(4)
        .with_document_fields(vec![(
            index.fields.text,
            vec![OwnedValue::Str(text.to_string())],
        )])
}

fn term(field: tantivy::schema::Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

fn id_term(field: tantivy::schema::Field, id: i64) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_i64(field, id),
        IndexRecordOption::Basic,
    ))
}

impl SearchIndex {
    /// The best `n` documents for `query`, searched on the blocking pool: these
    /// handlers are async, and a MoreLikeThis query over the whole index is CPU work.
    async fn top(&self, query: BooleanQuery, n: usize) -> Result<Vec<(Score, TantivyDocument)>> {
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let searcher = reader.searcher();
            let hits: Vec<(Score, DocAddress)> =
                searcher.search(&query, &TopDocs::with_limit(n).order_by_score())?;
            hits.into_iter()
                .map(|(s, a)| Ok((s, searcher.doc(a)?)))
                .collect()
        })
        .await
        .map_err(|e| SearchError::Query(format!("检索任务失败：{e}")))?
    }

    /// The `k` items most similar to `item_id` (never itself), each with its
    /// inquiry points and their outcomes. Empty when the item has no text.
    pub async fn similar_items(
        &self,
        store: &Store,
        item_id: i64,
        k: usize,
    ) -> Result<Vec<SimilarItem>> {
        let text = search_feed::item_texts(store, item_id).await?.join("\n");
        if text.trim().is_empty() || k == 0 {
            return Ok(Vec::new());
        }
        let f = &self.fields;
        let query = BooleanQuery::new(vec![
            (Occur::Must, Box::new(mlt(self, &text)) as Box<dyn Query>),
            (Occur::Must, term(f.kind, HitKind::Clause.as_str())),
            (Occur::MustNot, id_term(f.item_id, item_id)),
        ]);
        let mut by_item: HashMap<i64, (Vec<Score>, TantivyDocument)> = HashMap::new();
        for (score, doc) in self.top(query, ITEM_CANDIDATES).await? {
            let Some(id) = i64_of(&doc, f.item_id) else {
                continue;
            };
            by_item
                .entry(id)
                .or_insert_with(|| (Vec::new(), doc))
                .0
                .push(score);
        }
        // Candidates arrive best first, so each item's list is already sorted.
        let mut ranked: Vec<(f32, i64, TantivyDocument)> = by_item
            .into_iter()
            .map(|(id, (scores, doc))| {
                let s: f32 = scores.iter().take(CLAUSES_PER_ITEM).sum();
                (s, id, doc)
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.truncate(k);
        let mut out = Vec::with_capacity(ranked.len());
        for (score, id, doc) in ranked {
            let points = inquiries::list_for_item(store, id).await?;
            let mut list = Vec::new();
            for q in points
                .into_iter()
                .filter(|q| !inquiries::superseded(&q.revision_status))
            {
                let reason = latest_reason(store, &q).await?;
                list.push(point_from_row(
                    &q,
                    &str_of(&doc, f.title),
                    &str_of(&doc, f.date),
                    reason,
                ));
            }
            out.push(SimilarItem {
                item_id: id,
                meeting_id: i64_of(&doc, f.meeting_id).unwrap_or(0),
                title: str_of(&doc, f.title),
                unit: str_of(&doc, f.unit),
                date: str_of(&doc, f.date),
                meeting_kind: str_of(&doc, f.meeting_kind),
                score,
                inquiries: list,
            });
        }
        Ok(out)
    }

    /// Up to `k` earlier inquiry points (created before this one, on other items)
    /// of the same risk kind whose quoted clause is most similar to this point's
    /// clause, with their outcome and reason.
    pub async fn similar_points(
        &self,
        store: &Store,
        inquiry_id: i64,
        k: usize,
    ) -> Result<Vec<PrecedentPoint>> {
        let Some(q) = search_feed::inquiry(store, inquiry_id).await? else {
            return Ok(Vec::new());
        };
        // The clause the point quotes says more about it than the quote alone.
        let mut text = q.quote.clone();
        if let Some(d) = search_feed::document(store, q.document_id).await? {
            let clauses: Vec<(usize, usize, String)> =
                serde_json::from_str(&d.clauses).unwrap_or_default();
            let at = q.start_char.max(0) as usize;
            if let Some((s, e, _)) = clauses.iter().find(|(s, e, _)| *s <= at && at < *e) {
                let clause: String = d.text.chars().skip(*s).take(e - s).collect();
                text = format!("{clause}\n{}", q.quote);
            }
        }
        if text.trim().is_empty() || k == 0 {
            return Ok(Vec::new());
        }
        let f = &self.fields;
        let earlier = RangeQuery::new(
            std::ops::Bound::Unbounded,
            std::ops::Bound::Excluded(Term::from_field_i64(f.inquiry_id, inquiry_id)),
        );
        let query = BooleanQuery::new(vec![
            (Occur::Must, Box::new(mlt(self, &text)) as Box<dyn Query>),
            (Occur::Must, term(f.kind, HitKind::Inquiry.as_str())),
            (Occur::Must, term(f.risk_kind, &q.kind)),
            (Occur::Must, Box::new(earlier)),
            (Occur::MustNot, id_term(f.item_id, q.item_id)),
        ]);
        Ok(self
            .top(query, k)
            .await?
            .into_iter()
            .map(|(score, doc)| {
                let status = str_of(&doc, f.outcome);
                PrecedentPoint {
                    inquiry_id: i64_of(&doc, f.inquiry_id).unwrap_or(0),
                    item_id: i64_of(&doc, f.item_id).unwrap_or(0),
                    item_title: str_of(&doc, f.title),
                    date: str_of(&doc, f.date),
                    kind: str_of(&doc, f.risk_kind),
                    kind_name: str_of(&doc, f.risk_kind_name),
                    clause: str_of(&doc, f.clause),
                    quote: str_of(&doc, f.text),
                    question: str_of(&doc, f.question),
                    status_label: inquiries::status_label(&status).to_string(),
                    status,
                    reason: str_of(&doc, f.reason),
                    score,
                }
            })
            .collect())
    }
}

/// The reason of the latest recorded outcome, else the reason for dropping.
async fn latest_reason(store: &Store, q: &Inquiry) -> Result<String> {
    let outcomes = inquiries::outcomes(store, q.id).await?;
    Ok(outcomes
        .last()
        .map(|o| o.reason.clone())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| q.drop_reason.clone()))
}

fn point_from_row(q: &Inquiry, item_title: &str, date: &str, reason: String) -> PrecedentPoint {
    PrecedentPoint {
        inquiry_id: q.id,
        item_id: q.item_id,
        item_title: item_title.to_string(),
        date: date.to_string(),
        kind: q.kind.clone(),
        kind_name: q.kind_name.clone(),
        clause: q.clause.clone(),
        quote: q.quote.clone(),
        question: q.question.clone(),
        status: q.status.clone(),
        status_label: inquiries::status_label(&q.status).to_string(),
        reason,
        score: 0.0,
    }
}
