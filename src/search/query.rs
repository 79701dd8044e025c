//! Searching: a [`SearchRequest`] (query text, filters, sort, page) becomes a
//! tantivy query; hits come back with an HTML-escaped snippet.
//!
//! Query syntax, meant for reviewers rather than search experts:
//! * words separated by spaces must all match (AND);
//! * a word matches if the clause contains it as jieba words (the words of the
//!   query's own segmentation: 国企直接委托 → 国企, 直接, 委托; all of one or two,
//!   about two thirds of more, see [`words_required`]) **or** as a substring (a
//!   phrase over character bigrams), so a phrase cut mid-word is still found;
//! * `"协议出让"` (ASCII or Chinese quotes) must occur exactly, as a substring.
//!
//! Filters are exact terms, so they never change the ranking. Snippets come from
//! tantivy's `SnippetGenerator` (which escapes the text and adds only `<b>` tags):
//! first the query's words and phrases where they occur literally, else its jieba
//! words, else its bigrams, else an inquiry's question and reason.

use std::ops::Bound;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, Occur, PhraseQuery, Query, RegexPhraseQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Order, Score, Searcher, TantivyDocument, Term};

use super::schema::{Fields, HitKind, date_num};
use super::tokenize::{BigramTokenizer, ForSnippets, JiebaTokenizer, LiteralFinder, bigrams};
use super::{Result, SearchError, SearchIndex};
use crate::segment::segmenter;

/// Characters of snippet context around the highlights.
const SNIPPET_CHARS: usize = 160;
/// Largest page a caller may ask for.
pub const MAX_LIMIT: usize = 200;

/// Field filters; `None` / empty means "any". Dates are `YYYY-MM-DD`, inclusive.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Filters {
    /// Only these kinds of hit (empty: all).
    pub kinds: Vec<HitKind>,
    pub date_from: Option<String>,
    pub date_to: Option<String>,
    /// Meeting kind id (`standing_committee`, …).
    pub meeting_kind: Option<String>,
    /// 三重一大 type id (`major_project`, …).
    pub decision_type: Option<String>,
    /// Risk kind id of an inquiry point (only inquiry hits have one).
    pub risk_kind: Option<String>,
    /// Inquiry status / outcome (`open`, `adopted`, `rejected`, …).
    pub outcome: Option<String>,
    /// 承办单位, exact.
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Relevance,
    /// Newest meeting first (archive documents, which have no date, last).
    Date,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchRequest {
    pub query: String,
    pub filters: Filters,
    pub sort: Sort,
    pub offset: usize,
    /// Hits per page (at most [`MAX_LIMIT`]).
    pub limit: usize,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: String::new(),
            filters: Filters::default(),
            sort: Sort::Relevance,
            offset: 0,
            limit: 20,
        }
    }
}

impl SearchRequest {
    pub fn new(query: impl Into<String>) -> SearchRequest {
        SearchRequest {
            query: query.into(),
            ..SearchRequest::default()
        }
    }
}

/// One hit: a clause of a draft or archive document, or an inquiry point.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub kind: HitKind,
    pub score: f32,
    /// Item title (drafts, points) or document title (archive).
    pub title: String,
    /// Stored file name, or the archive file's path relative to the imported folder.
    pub path: String,
    /// Clause path (第三条（二）…), '' before the first numbered unit.
    pub clause: String,
    /// HTML: escaped text with `<b>` around matches.
    pub snippet: String,
    /// Meeting date `YYYY-MM-DD` ('' for archive documents).
    pub date: String,
    pub meeting_kind: String,
    pub unit: String,
    pub meeting_id: Option<i64>,
    pub item_id: Option<i64>,
    pub document_id: Option<i64>,
    pub revision: Option<i64>,
    pub inquiry_id: Option<i64>,
    pub archive_id: Option<i64>,
    /// Character offset of the clause (or the quote) in the document text: where to
    /// open the document.
    pub start_char: i64,
    /// Inquiry points only: risk kind, its name, status/outcome, reason, question.
    pub risk_kind: String,
    pub risk_kind_name: String,
    pub outcome: String,
    pub reason: String,
    pub question: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// All matching hits (not just this page).
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    pub hits: Vec<Hit>,
    /// Time spent in the search, snippets included, in milliseconds.
    pub took_ms: f64,
}

/// A piece of the query: a bare word or a quoted phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    Word(String),
    Phrase(String),
}

/// Splits the query into words and quoted phrases (`"…"`, `“…”`, `「…」`); an
/// unclosed quote runs to the end.
pub(crate) fn parse(q: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut chars = q.chars().peekable();
    let mut word = String::new();
    let flush = |w: &mut String, parts: &mut Vec<Part>| {
        if !w.trim().is_empty() {
            parts.push(Part::Word(w.trim().to_string()));
        }
        w.clear();
    };
    while let Some(c) = chars.next() {
        let close = match c {
            '"' => Some('"'),
            '“' => Some('”'),
            '「' => Some('」'),
            _ => None,
        };
        if let Some(close) = close {
            flush(&mut word, &mut parts);
            let phrase: String = chars.by_ref().take_while(|&x| x != close).collect();
            if !phrase.trim().is_empty() {
                parts.push(Part::Phrase(phrase.trim().to_string()));
            }
        } else if c.is_whitespace() {
            flush(&mut word, &mut parts);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut parts);
    parts
}

fn term_q(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// Substring match: a phrase over the bigrams of `text` (None if it has no word
/// characters). Runs separated by punctuation must each occur.
fn substring_q(f: &Fields, text: &str) -> Option<Box<dyn Query>> {
    let toks = bigrams(text);
    if toks.is_empty() {
        return None;
    }
    let base = toks[0].position;
    // A one-character run at either end of the query (金 in 金；情节, cut from
    // 罚金；情节) is a single-character token, which the index has only for a
    // character standing alone: in the clause it is the end (or the start) of a
    // bigram. Such an end matches any term ending (starting) with that character.
    let n = toks.len();
    let single =
        |t: &tantivy::tokenizer::Token| text[t.offset_from..t.offset_to].chars().count() == 1;
    let (lead, trail) = (n > 1 && single(&toks[0]), n > 1 && single(&toks[n - 1]));
    if lead || trail {
        let terms: Vec<(usize, String)> = toks
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let lit = regex::escape(&t.text);
                let pattern = match i {
                    0 if lead => format!(".?{lit}"),
                    i if i == n - 1 && trail => format!("{lit}.?"),
                    _ => lit,
                };
                (t.position - base, pattern)
            })
            .collect();
        let mut q = RegexPhraseQuery::new_with_offset(f.text_bi, terms);
        // Terms ending with one common character: a few thousand at most.
        q.set_max_expansions(1 << 16);
        return Some(Box::new(q));
    }
    let terms: Vec<(usize, Term)> = toks
        .iter()
        .map(|t| (t.position - base, Term::from_field_text(f.text_bi, &t.text)))
        .collect();
    Some(if terms.len() == 1 {
        term_q(f.text_bi, &toks[0].text)
    } else {
        Box::new(PhraseQuery::new_with_offset(terms))
    })
}

/// Every jieba word of `text` in the text or the question/reason fields. The title
/// is not searched: it would make every clause of a document a hit; the title
/// block of the document is a clause of its own and is found as such.
fn words_q(f: &Fields, text: &str) -> Option<Box<dyn Query>> {
    let words: Vec<String> = segmenter()
        .word_tokens(text)
        .into_iter()
        .filter(|t| t.word.chars().any(char::is_alphanumeric))
        .map(|t| t.word.to_lowercase())
        .collect();
    if words.is_empty() {
        return None;
    }
    let n = words.len();
    let each: Vec<(Occur, Box<dyn Query>)> = words
        .iter()
        .map(|w| {
            let any_field: Vec<(Occur, Box<dyn Query>)> = [f.text, f.note]
                .into_iter()
                .map(|field| (Occur::Should, term_q(field, w)))
                .collect();
            (
                Occur::Should,
                Box::new(BooleanQuery::new(any_field)) as Box<dyn Query>,
            )
        })
        .collect();
    Some(Box::new(BooleanQuery::with_minimum_required_clauses(
        each,
        words_required(n),
    )))
}

/// How many of a chunk's `n` words a clause must contain: all of one or two
/// words, else about two thirds, so a run-together topical query (国企直接委托 →
/// 国企, 直接, 委托) still finds clauses that word it differently.
fn words_required(n: usize) -> usize {
    if n <= 2 { n } else { (2 * n).div_ceil(3) }
}

/// The text part of the query (None for an empty query).
fn text_query(f: &Fields, q: &str) -> Option<Box<dyn Query>> {
    let mut musts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for part in parse(q) {
        let sub: Option<Box<dyn Query>> = match part {
            Part::Phrase(p) => substring_q(f, &p),
            Part::Word(w) => {
                // The substring alternative weighs as much as the words: a clause
                // holding the query's exact text, segmented otherwise (整体项目，由县
                // 城管局 for 体项目，由县城), outranked it at half weight once enough
                // clauses held two thirds of its words apart.
                let alts: Vec<(Occur, Box<dyn Query>)> = [words_q(f, &w), substring_q(f, &w)]
                    .into_iter()
                    .flatten()
                    .map(|q| (Occur::Should, q))
                    .collect();
                (!alts.is_empty()).then(|| Box::new(BooleanQuery::new(alts)) as Box<dyn Query>)
            }
        };
        if let Some(sub) = sub {
            musts.push((Occur::Must, sub));
        }
    }
    (!musts.is_empty()).then(|| Box::new(BooleanQuery::new(musts)) as Box<dyn Query>)
}

fn filter_qs(f: &Fields, flt: &Filters) -> Vec<(Occur, Box<dyn Query>)> {
    let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if !flt.kinds.is_empty() {
        let any = flt
            .kinds
            .iter()
            .map(|k| (Occur::Should, term_q(f.kind, k.as_str())))
            .collect();
        out.push((Occur::Must, Box::new(BooleanQuery::new(any))));
    }
    for (field, value) in [
        (f.meeting_kind, &flt.meeting_kind),
        (f.decision_type, &flt.decision_type),
        (f.risk_kind, &flt.risk_kind),
        (f.outcome, &flt.outcome),
        (f.unit, &flt.unit),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            out.push((Occur::Must, term_q(field, v)));
        }
    }
    let bound =
        |d: &Option<String>, inclusive: fn(Term) -> Bound<Term>| match d.as_deref().map(date_num) {
            Some(n) if n > 0 => inclusive(Term::from_field_i64(f.date_num, n)),
            _ => Bound::Unbounded,
        };
    let lower = bound(&flt.date_from, Bound::Included);
    let upper = bound(&flt.date_to, Bound::Included);
    if !matches!((&lower, &upper), (Bound::Unbounded, Bound::Unbounded)) {
        // A date bound also excludes undated rows (archive documents).
        let lower = match lower {
            Bound::Unbounded => Bound::Excluded(Term::from_field_i64(f.date_num, 0)),
            b => b,
        };
        out.push((
            Occur::Must,
            Box::new(tantivy::query::RangeQuery::new(lower, upper)),
        ));
    }
    out
}

/// The full query of a request: text AND filters (everything if both are empty).
pub(crate) fn build(f: &Fields, req: &SearchRequest) -> Box<dyn Query> {
    let mut clauses = filter_qs(f, &req.filters);
    match text_query(f, &req.query) {
        Some(q) => clauses.push((Occur::Must, q)),
        None => clauses.push((Occur::Must, Box::new(AllQuery))),
    }
    Box::new(BooleanQuery::new(clauses))
}

pub(crate) fn str_of(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub(crate) fn i64_of(doc: &TantivyDocument, field: Field) -> Option<i64> {
    doc.get_first(field).and_then(|v| v.as_i64())
}

/// Snippet generators for one query, tried in order: the query's words and
/// phrases as literal substrings, then its jieba words, then its bigrams, then an
/// inquiry's question and reason.
pub(crate) struct Snippets {
    literal: SnippetGenerator,
    text: SnippetGenerator,
    bigram: SnippetGenerator,
    note: SnippetGenerator,
}

impl Snippets {
    pub(crate) fn new(
        searcher: &Searcher,
        f: &Fields,
        query: &dyn Query,
        query_text: &str,
    ) -> Result<Snippets> {
        let literals: Vec<String> = parse(query_text)
            .into_iter()
            .map(|p| match p {
                Part::Word(w) | Part::Phrase(w) => w,
            })
            .collect();
        let terms = literals.iter().map(|l| (l.clone(), 1.0)).collect();
        let literal = SnippetGenerator::new(
            terms,
            TextAnalyzer::from(LiteralFinder::new(literals)),
            f.text,
            SNIPPET_CHARS,
        );
        // What `SnippetGenerator::create` does, with the field's analyser made safe
        // for snippets (see `tokenize::monotone`).
        let make = |field: Field, analyzer: TextAnalyzer| -> Result<SnippetGenerator> {
            let mut terms: Vec<Term> = Vec::new();
            query.query_terms(&mut |term, _| {
                if term.field() == field {
                    terms.push(term.clone());
                }
            });
            let mut weights = std::collections::BTreeMap::new();
            for term in terms {
                let Some(text) = term.value().as_str().map(str::to_string) else {
                    continue;
                };
                let df = searcher.doc_freq(&term)?;
                if df > 0 {
                    weights.insert(text, 1.0 / (1.0 + df as Score));
                }
            }
            Ok(SnippetGenerator::new(
                weights,
                analyzer,
                field,
                SNIPPET_CHARS,
            ))
        };
        let jieba = || TextAnalyzer::from(ForSnippets(JiebaTokenizer));
        Ok(Snippets {
            literal,
            text: make(f.text, jieba())?,
            bigram: make(f.text_bi, TextAnalyzer::from(ForSnippets(BigramTokenizer)))?,
            note: make(f.note, jieba())?,
        })
    }

    /// HTML of the best snippet for a hit whose text is `text` (and, for inquiry
    /// points, whose question and reason are `note`).
    pub(crate) fn html(&self, text: &str, note: &str) -> String {
        for (g, t) in [
            (&self.literal, text),
            (&self.text, text),
            (&self.bigram, text),
            (&self.note, note),
        ] {
            let s = g.snippet(t);
            if !s.highlighted().is_empty() {
                return s.to_html();
            }
        }
        // Matched only through the title or filters: the start of the text.
        let start: String = text.chars().take(SNIPPET_CHARS / 2).collect();
        crate::web::error::escape(&start)
    }
}

impl SearchIndex {
    /// Runs a search. CPU-bound (a few ms): call it from `spawn_blocking` in async
    /// code.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        let started = std::time::Instant::now();
        let f = &self.fields;
        let limit = req.limit.clamp(1, MAX_LIMIT);
        if req.query.chars().count() > 500 {
            return Err(SearchError::Query("查询过长（上限 500 字）".into()));
        }
        let query = build(f, req);
        let searcher = self.reader.searcher();
        let page = TopDocs::with_limit(limit).and_offset(req.offset);
        let (addresses, total): (Vec<(Score, DocAddress)>, usize) = match req.sort {
            Sort::Relevance => searcher.search(&query, &(page.order_by_score(), Count))?,
            Sort::Date => {
                let (by_date, total) = searcher.search(
                    &query,
                    &(
                        page.order_by_fast_field::<i64>("date_num", Order::Desc),
                        Count,
                    ),
                )?;
                (by_date.into_iter().map(|(_, a)| (0.0, a)).collect(), total)
            }
        };
        let snippets = Snippets::new(&searcher, f, &query, &req.query)?;
        let mut hits = Vec::with_capacity(addresses.len());
        for (score, addr) in addresses {
            let doc: TantivyDocument = searcher.doc(addr)?;
            hits.push(self.hit(&doc, score, &snippets));
        }
        Ok(SearchResults {
            total,
            offset: req.offset,
            limit,
            hits,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    pub(crate) fn hit(&self, doc: &TantivyDocument, score: Score, snippets: &Snippets) -> Hit {
        let f = &self.fields;
        let text = str_of(doc, f.text);
        let question = str_of(doc, f.question);
        let reason = str_of(doc, f.reason);
        let kind = HitKind::parse(&str_of(doc, f.kind)).unwrap_or(HitKind::Clause);
        Hit {
            kind,
            score,
            title: str_of(doc, f.title),
            path: str_of(doc, f.path),
            clause: str_of(doc, f.clause),
            snippet: snippets.html(&text, &format!("{question}\n{reason}")),
            date: str_of(doc, f.date),
            meeting_kind: str_of(doc, f.meeting_kind),
            unit: str_of(doc, f.unit),
            meeting_id: i64_of(doc, f.meeting_id),
            item_id: i64_of(doc, f.item_id),
            document_id: i64_of(doc, f.document_id),
            revision: i64_of(doc, f.revision),
            inquiry_id: i64_of(doc, f.inquiry_id),
            archive_id: i64_of(doc, f.archive_id),
            start_char: i64_of(doc, f.block_start).unwrap_or(0),
            risk_kind: str_of(doc, f.risk_kind),
            risk_kind_name: str_of(doc, f.risk_kind_name),
            outcome: str_of(doc, f.outcome),
            reason,
            question,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_make_phrases_and_spaces_separate_words() {
        assert_eq!(
            parse(r#"国企 "协议出让" “直接 委托” 招标"#),
            vec![
                Part::Word("国企".into()),
                Part::Phrase("协议出让".into()),
                Part::Phrase("直接 委托".into()),
                Part::Word("招标".into()),
            ]
        );
        assert_eq!(parse("  "), vec![]);
        assert_eq!(parse("\"未闭合"), vec![Part::Phrase("未闭合".into())]);
    }

    #[test]
    fn long_run_together_queries_need_most_but_not_all_words() {
        assert_eq!(
            (1..=6).map(words_required).collect::<Vec<_>>(),
            [1, 2, 2, 3, 4, 4]
        );
    }
}
