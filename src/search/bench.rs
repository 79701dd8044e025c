//! `wenxun bench --search`: our search (tantivy + jieba + character bigrams) beside
//! the baseline a team would reach for instead, SQLite FTS5 with the `trigram`
//! tokenizer, over the same clauses, measured in the same process.
//!
//! One run, in a temporary data directory:
//! 1. `import_dir` of the corpus (extraction, database, index) and, for the clause
//!    set that gave, our index rebuilt from the database beside an FTS5 table built
//!    from the same clause texts (one transaction, a temporary SQLite file);
//! 2. query latency over a fixed query list (known items and topical queries), one
//!    warm-up pass and one timed pass, top 10 with snippets on both sides;
//! 3. quality: (a) known-item recall@10 for substrings of 4–12 characters cut at
//!    arbitrary points of random clauses (fixed seed; substrings in more than
//!    [`MAX_OCCURRENCES`] clauses are skipped); (b) 2-character terms, which a
//!    trigram index cannot match; (c) topical queries judged by rules computed from
//!    the corpus (see [`Judge`]), precision@10 and nDCG@10.
//!
//! Nothing here asserts a timing; the figures are printed for the README.

use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{SearchIndex, SearchRequest, import, schema};
use crate::bench::tempdir;
use crate::config::Config;
use crate::segment::segmenter;
use crate::store::{Store, search_feed};

/// Known items must occur in at most this many clauses.
pub const MAX_OCCURRENCES: usize = 5;
/// Seed of the known-item generator (the query list is the same on every run).
pub const SEED: u64 = 0x5eed_2026_1126;
/// Results looked at per query.
const TOP: usize = 10;

/// 2-character terms a reviewer types (trigram needs three characters).
pub const TWO_CHAR_TERMS: &[&str] = &[
    "招标", "回避", "公示", "审计", "担保", "补贴", "出让", "征收", "挪用", "受贿", "听证", "罚款",
];

/// Topical queries, written for a corpus of laws and regulations. Half are run
/// together as a reviewer types them (segmentation decides), half are separated by
/// spaces into parts of 3+ characters, which FTS5 trigram can answer part by part.
pub const TOPICAL: &[&str] = &[
    "国有企业领导人员任免",
    "土地使用权出让",
    "国家工作人员挪用公款",
    "近亲属回避",
    "集体经济组织土地补偿费",
    "建设用地使用权出让合同",
    "行政处罚听证程序",
    "政府投资项目可行性研究",
    "土地使用权 出让金",
    "国有资产 监督管理",
    "环境影响评价 建设项目",
    "审计监督 财政收支",
    "财政资金 专项资金",
    "工程建设项目 招标投标",
    "受贿罪 国家工作人员",
    "征收补偿 房屋",
];

/// One clause as both indexes see it.
struct Clause {
    archive_id: i64,
    start: usize,
    text: String,
}

/// A substring of one clause, the known item to find.
struct KnownItem {
    query: String,
    source: usize,
}

/// A small deterministic generator (splitmix64), so the query list never changes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Characters a known item may not contain: whitespace and control characters (a
/// reviewer copies a phrase from one line) and quotes, which both query languages
/// read as syntax.
fn unusable(c: char) -> bool {
    c.is_whitespace() || c.is_control() || matches!(c, '"' | '“' | '”' | '「' | '」')
}

/// `n` known items: substrings of 4–12 characters cut at arbitrary character
/// positions of random clauses, occurring in at most [`MAX_OCCURRENCES`] clauses.
fn known_items(clauses: &[Clause], n: usize, seed: u64) -> Vec<KnownItem> {
    let mut rng = Rng(seed);
    let mut out: Vec<KnownItem> = Vec::with_capacity(n);
    let mut tries = 0;
    while out.len() < n && tries < n * 50 && !clauses.is_empty() {
        tries += 1;
        let source = rng.below(clauses.len());
        let chars: Vec<char> = clauses[source].text.chars().collect();
        let len = 4 + rng.below(9);
        if chars.len() < len {
            continue;
        }
        let at = rng.below(chars.len() - len + 1);
        let s: String = chars[at..at + len].iter().collect();
        if s.chars().any(unusable)
            || s.chars().filter(|c| c.is_alphanumeric()).count() < 3
            || out.iter().any(|k| k.query == s)
        {
            continue;
        }
        let occurrences = clauses.iter().filter(|c| c.text.contains(&s)).count();
        if occurrences > MAX_OCCURRENCES {
            continue;
        }
        out.push(KnownItem { query: s, source });
    }
    out
}

/// FTS5 query syntax for a substring: one quoted string.
fn fts_phrase(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A query as a team using FTS5 would pass it: each space-separated part a quoted
/// substring, all required.
fn fts_as_typed(q: &str) -> String {
    q.split_whitespace()
        .map(fts_phrase)
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// FTS5 given our help: the query's jieba words of 3+ characters, all required
/// (shorter words cannot be matched by trigram and are left out). `None` when no
/// word is long enough.
fn fts_words(q: &str) -> Option<String> {
    let words: Vec<String> = query_words(q)
        .into_iter()
        .filter(|w| w.chars().count() >= 3)
        .collect();
    (!words.is_empty()).then(|| {
        words
            .iter()
            .map(|w| fts_phrase(w))
            .collect::<Vec<_>>()
            .join(" AND ")
    })
}

/// The jieba words (default mode) of a query, lowercased, without punctuation.
fn query_words(q: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in q.split_whitespace() {
        for t in segmenter().word_tokens(part) {
            let w = t.word.to_lowercase();
            if w.chars().any(char::is_alphanumeric) && !out.contains(&w) {
                out.push(w);
            }
        }
    }
    out
}

/// Relevance judgements for a topical query, computed from the clause texts alone
/// (not from either index):
/// * `substring`: the clause contains every jieba word of the query as a substring;
/// * `words`: …and each of them is also one of the clause's own jieba (search-mode)
///   words, so 出让 inside 转让出让人 would not count. This one shares jieba with our
///   index, so it leans our way; the substring judgement does not.
struct Judge {
    substring: Vec<bool>,
    words: Vec<bool>,
}

impl Judge {
    fn new(clauses: &[Clause], q: &str) -> Judge {
        let words = query_words(q);
        let substring: Vec<bool> = clauses
            .iter()
            .map(|c| {
                let lower = c.text.to_lowercase();
                words.iter().all(|w| lower.contains(w.as_str()))
            })
            .collect();
        let by_words = clauses
            .iter()
            .zip(&substring)
            .map(|(c, &sub)| {
                sub && {
                    let toks: Vec<String> = segmenter()
                        .search_words(&c.text)
                        .into_iter()
                        .map(str::to_lowercase)
                        .collect();
                    words.iter().all(|w| toks.contains(w))
                }
            })
            .collect();
        Judge {
            substring,
            words: by_words,
        }
    }
}

/// Precision@10 and nDCG@10 (binary relevance) of a ranked list of clause indices.
fn precision_ndcg(ranked: &[usize], relevant: &[bool]) -> (f64, f64) {
    let total = relevant.iter().filter(|r| **r).count();
    let rel: Vec<bool> = ranked.iter().take(TOP).map(|&i| relevant[i]).collect();
    let hits = rel.iter().filter(|r| **r).count();
    let gain = |i: usize| 1.0 / ((i + 2) as f64).log2();
    let dcg: f64 = rel
        .iter()
        .enumerate()
        .filter(|(_, r)| **r)
        .map(|(i, _)| gain(i))
        .sum();
    let ideal: f64 = (0..total.min(TOP)).map(gain).sum();
    (
        hits as f64 / TOP as f64,
        // (+ 0.0: an empty float sum is -0.0.)
        if ideal > 0.0 { dcg / ideal + 0.0 } else { 0.0 },
    )
}

/// p50, p99 and max of a set of durations, in milliseconds.
fn quantiles(times: &[Duration]) -> (f64, f64, f64) {
    let mut ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    if ms.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let at = |q: f64| ms[((ms.len() as f64 * q).ceil() as usize).clamp(1, ms.len()) - 1];
    (at(0.50), at(0.99), ms[ms.len() - 1])
}

/// Our side: a search through the public API, mapped back to clause indices.
struct Ours<'a> {
    index: &'a SearchIndex,
    by_key: HashMap<(i64, usize), usize>,
}

impl Ours<'_> {
    /// `(clause indices of the top 10, total hits)`.
    fn top(&self, q: &str) -> Result<(Vec<usize>, usize), String> {
        let mut req = SearchRequest::new(q);
        req.limit = TOP;
        let res = self.index.search(&req).map_err(|e| e.to_string())?;
        let ranked = res
            .hits
            .iter()
            .filter_map(|h| {
                let key = (h.archive_id?, usize::try_from(h.start_char).ok()?);
                self.by_key.get(&key).copied()
            })
            .collect();
        Ok((ranked, res.total))
    }
}

/// The baseline: an FTS5 trigram table over the same clauses (rowid = clause index).
struct Fts {
    pool: SqlitePool,
}

impl Fts {
    async fn create(path: &Path) -> Result<Fts, String> {
        let opts = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|e| e.to_string())?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await
            .map_err(|e| e.to_string())?;
        sqlx::query("CREATE VIRTUAL TABLE clauses USING fts5(body, tokenize = 'trigram')")
            .execute(&pool)
            .await
            .map_err(|e| format!("此 SQLite 不支持 FTS5 trigram 分词器：{e}"))?;
        Ok(Fts { pool })
    }

    async fn sqlite_version(&self) -> String {
        sqlx::query_as::<_, (String,)>("SELECT sqlite_version()")
            .fetch_one(&self.pool)
            .await
            .map(|(v,)| v)
            .unwrap_or_default()
    }

    async fn fill(&self, clauses: &[Clause]) -> Result<(), String> {
        let mut tx = self.pool.begin().await.map_err(|e| e.to_string())?;
        for (i, c) in clauses.iter().enumerate() {
            sqlx::query("INSERT INTO clauses (rowid, body) VALUES (?, ?)")
                .bind(i as i64)
                .bind(&c.text)
                .execute(&mut *tx)
                .await
                .map_err(|e| e.to_string())?;
        }
        tx.commit().await.map_err(|e| e.to_string())
    }

    /// Top 10 by bm25 with a highlighted snippet, as a search page would ask.
    /// An FTS5 syntax error counts as no result (and is returned as such).
    async fn top(&self, fts_query: &str) -> Result<Vec<usize>, String> {
        let rows: Vec<(i64, f64, String)> = sqlx::query_as(
            "SELECT rowid, bm25(clauses), snippet(clauses, 0, '<b>', '</b>', '…', 32) \
             FROM clauses WHERE clauses MATCH ? ORDER BY bm25(clauses) LIMIT 10",
        )
        .bind(fts_query)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| e.to_string())?;
        Ok(rows.into_iter().map(|(id, _, _)| id as usize).collect())
    }

    /// Rows FTS5 matches for a query (`Err` with SQLite's message on an error).
    async fn count(&self, fts_query: &str) -> Result<i64, String> {
        sqlx::query_as::<_, (i64,)>("SELECT count(*) FROM clauses WHERE clauses MATCH ?")
            .bind(fts_query)
            .fetch_one(&self.pool)
            .await
            .map(|(n,)| n)
            .map_err(|e| e.to_string())
    }

    /// The fallback for short terms: `LIKE '%term%'`, a full scan without ranking.
    async fn like_count(&self, term: &str) -> Result<i64, String> {
        sqlx::query_as::<_, (i64,)>("SELECT count(*) FROM clauses WHERE body LIKE ?")
            .bind(format!("%{term}%"))
            .fetch_one(&self.pool)
            .await
            .map(|(n,)| n)
            .map_err(|e| e.to_string())
    }

    async fn close(self) {
        self.pool.close().await;
    }
}

fn dir_size(dir: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.filter_map(|e| e.ok())
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Everything one run measured.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub corpus: String,
    pub sqlite_version: String,
    pub files: usize,
    pub imported: usize,
    pub failed: usize,
    pub file_bytes: u64,
    pub clauses: usize,
    pub clause_bytes: usize,
    /// `wenxun import`: extraction + database + index, flushed.
    pub import: Duration,
    /// Our index rebuilt from the database (the clause set only).
    pub index_ours: Duration,
    /// FTS5 trigram table filled with the same clauses, one transaction.
    pub index_fts: Duration,
    pub index_bytes_ours: u64,
    pub index_bytes_fts: u64,
    /// Query latencies over the same list (known items + topical).
    pub latency_ours: Vec<Duration>,
    pub latency_fts: Vec<Duration>,
    /// Ours on the known items alone, as typed and quoted (where the time goes).
    pub latency_ours_known: Vec<Duration>,
    pub latency_ours_quoted: Vec<Duration>,
    /// Ours on the 2-character terms; FTS5's `LIKE` fallback on the same.
    pub latency_ours_short: Vec<Duration>,
    pub latency_like_short: Vec<Duration>,
    pub known_items: usize,
    pub known_found_ours: usize,
    pub known_found_ours_quoted: usize,
    pub known_found_fts: usize,
    /// Known items ours missed (query), for the report.
    pub known_missed_ours: Vec<String>,
    pub known_missed_ours_quoted: Vec<String>,
    pub known_missed_fts: Vec<String>,
    pub short: Vec<ShortTerm>,
    pub topical: Vec<Topical>,
}

/// A 2-character term on both sides.
#[derive(Debug, Clone)]
pub struct ShortTerm {
    pub term: String,
    /// Clauses that contain the term (brute force).
    pub containing: usize,
    pub ours_total: usize,
    /// Of our top 10, how many clauses contain the term literally.
    pub ours_top_containing: usize,
    pub ours_top: usize,
    /// FTS5 MATCH: rows, or SQLite's error.
    pub fts: Result<i64, String>,
    pub like: i64,
}

/// A topical query on both sides.
#[derive(Debug, Default, Clone)]
pub struct Topical {
    pub query: String,
    pub relevant_words: usize,
    pub relevant_substring: usize,
    pub ours_returned: usize,
    pub fts_returned: usize,
    pub fts_words_returned: usize,
    /// `(precision@10, nDCG@10)` under the words / the substring judgement.
    pub ours: [(f64, f64); 2],
    pub fts: [(f64, f64); 2],
    pub fts_words: [(f64, f64); 2],
}

/// Runs the search benchmark on `corpus` (default: `../shared/corpus/bulk`, else
/// the fixture drafts) with `queries` known items.
pub fn run(corpus: Option<&Path>, queries: usize, cfg: &Config) -> Result<String, String> {
    let dir = crate::bench::corpus_or_default(corpus);
    let report = measure(&dir, queries, cfg)?;
    Ok(report.render())
}

/// The measurements, without formatting (the test looks at these).
pub fn measure(dir: &Path, queries: usize, cfg: &Config) -> Result<Report, String> {
    if !dir.is_dir() {
        return Err(format!("不是文件夹：{}", dir.display()));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("无法启动异步运行时：{e}"))?;
    let tmp = tempdir::Dir::new().map_err(|e| format!("无法创建临时目录：{e}"))?;
    rt.block_on(measure_in(dir, queries, cfg, tmp.path()))
}

async fn measure_in(
    dir: &Path,
    queries: usize,
    cfg: &Config,
    tmp: &Path,
) -> Result<Report, String> {
    let err = |e: super::SearchError| e.to_string();
    let data_dir = tmp.join("data");
    let store = Store::open(&data_dir).await.map_err(|e| e.to_string())?;
    let index = {
        let d = data_dir.clone();
        tokio::task::spawn_blocking(move || SearchIndex::open(&d))
            .await
            .map_err(|e| e.to_string())?
            .map_err(err)?
    };
    // Load jieba before anything is timed (`wenxun import` pays it at start too).
    segmenter();

    let mut report = Report {
        corpus: dir.display().to_string(),
        ..Report::default()
    };

    // 1. Import (extraction + database + index), then the clause set it gave.
    let t = Instant::now();
    let imp = import::import_dir(&store, &index, dir, &cfg.limits, &mut |_, _| {})
        .await
        .map_err(err)?;
    report.import = t.elapsed();
    report.files = imp.files;
    report.imported = imp.imported;
    report.failed = imp.failed.len();
    report.file_bytes = imp.bytes;

    let mut clauses: Vec<Clause> = Vec::new();
    let mut ids: Vec<i64> = search_feed::archive_stamps(&store)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    ids.sort_unstable();
    for id in ids {
        let Some(a) = search_feed::archive(&store, id)
            .await
            .map_err(|e| e.to_string())?
        else {
            continue;
        };
        for (start, _, body) in schema::blocks(&a.text, &a.clauses) {
            clauses.push(Clause {
                archive_id: id,
                start,
                text: body.to_string(),
            });
        }
    }
    report.clauses = clauses.len();
    report.clause_bytes = clauses.iter().map(|c| c.text.len()).sum();

    // Indexing the clause set: ours rebuilt from the database, FTS5 from memory.
    let t = Instant::now();
    index.rebuild(&store).await.map_err(err)?;
    report.index_ours = t.elapsed();
    report.index_bytes_ours = dir_size(&data_dir.join("index"));

    let fts_path = tmp.join("fts5.sqlite3");
    let fts = Fts::create(&fts_path).await?;
    report.sqlite_version = fts.sqlite_version().await;
    let t = Instant::now();
    fts.fill(&clauses).await?;
    report.index_fts = t.elapsed();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&fts.pool)
        .await
        .map_err(|e| e.to_string())?;
    report.index_bytes_fts = std::fs::metadata(&fts_path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(tmp.join("fts5.sqlite3-wal"))
            .map(|m| m.len())
            .unwrap_or(0);

    let ours = Ours {
        index: &index,
        by_key: clauses
            .iter()
            .enumerate()
            .map(|(i, c)| ((c.archive_id, c.start), i))
            .collect(),
    };

    // 3a. Known items.
    let items = known_items(&clauses, queries, SEED);
    report.known_items = items.len();
    for k in &items {
        let (top, _) = ours.top(&k.query)?;
        if top.contains(&k.source) {
            report.known_found_ours += 1;
        } else {
            report.known_missed_ours.push(k.query.clone());
        }
        let (top, _) = ours.top(&format!("\"{}\"", k.query))?;
        if top.contains(&k.source) {
            report.known_found_ours_quoted += 1;
        } else {
            report.known_missed_ours_quoted.push(k.query.clone());
        }
        let top = fts.top(&fts_phrase(&k.query)).await.unwrap_or_default();
        if top.contains(&k.source) {
            report.known_found_fts += 1;
        } else {
            report.known_missed_fts.push(k.query.clone());
        }
    }

    // 3b. 2-character terms.
    for term in TWO_CHAR_TERMS {
        let containing = clauses.iter().filter(|c| c.text.contains(term)).count();
        let (top, total) = ours.top(term)?;
        let top_containing = top
            .iter()
            .filter(|&&i| clauses[i].text.contains(term))
            .count();
        report.short.push(ShortTerm {
            term: term.to_string(),
            containing,
            ours_total: total,
            ours_top_containing: top_containing,
            ours_top: top.len(),
            fts: fts.count(&fts_phrase(term)).await,
            like: fts.like_count(term).await.unwrap_or(-1),
        });
    }

    // 3c. Topical queries.
    for q in TOPICAL {
        let judge = Judge::new(&clauses, q);
        let (top_ours, _) = ours.top(q)?;
        let top_fts = fts.top(&fts_as_typed(q)).await.unwrap_or_default();
        let top_fts_words = match fts_words(q) {
            Some(fq) => fts.top(&fq).await.unwrap_or_default(),
            None => Vec::new(),
        };
        let both = |ranked: &[usize]| {
            [
                precision_ndcg(ranked, &judge.words),
                precision_ndcg(ranked, &judge.substring),
            ]
        };
        report.topical.push(Topical {
            query: q.to_string(),
            relevant_words: judge.words.iter().filter(|r| **r).count(),
            relevant_substring: judge.substring.iter().filter(|r| **r).count(),
            ours_returned: top_ours.len(),
            fts_returned: top_fts.len(),
            fts_words_returned: top_fts_words.len(),
            ours: both(&top_ours),
            fts: both(&top_fts),
            fts_words: both(&top_fts_words),
        });
    }

    // 2. Latency: the known items and the topical queries, one warm-up pass, then
    // one timed pass per side.
    let list: Vec<String> = items
        .iter()
        .map(|k| k.query.clone())
        .chain(TOPICAL.iter().map(|q| q.to_string()))
        .collect();
    for timed in [false, true] {
        for q in &list {
            let t = Instant::now();
            std::hint::black_box(ours.top(q)?);
            if timed {
                report.latency_ours.push(t.elapsed());
            }
        }
        for q in &list {
            let fq = fts_as_typed(q);
            let t = Instant::now();
            std::hint::black_box(fts.top(&fq).await.unwrap_or_default());
            if timed {
                report.latency_fts.push(t.elapsed());
            }
        }
    }
    for k in &items {
        let t = Instant::now();
        std::hint::black_box(ours.top(&k.query)?);
        report.latency_ours_known.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(ours.top(&format!("\"{}\"", k.query))?);
        report.latency_ours_quoted.push(t.elapsed());
    }
    for term in TWO_CHAR_TERMS {
        let t = Instant::now();
        std::hint::black_box(ours.top(term)?);
        report.latency_ours_short.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(fts.like_count(term).await?);
        report.latency_like_short.push(t.elapsed());
    }

    fts.close().await;
    index.close();
    store.pool.close().await;
    Ok(report)
}

fn pct(n: usize, of: usize) -> f64 {
    100.0 * n as f64 / of.max(1) as f64
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = xs.collect();
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

impl Report {
    pub fn render(&self) -> String {
        let mut o = String::new();
        let mib = |b: f64| b / (1024.0 * 1024.0);
        let secs = |d: Duration| d.as_secs_f64().max(1e-9);
        let _ = writeln!(
            o,
            "语料：{}（{} 个文件，导入 {}，无法读取 {}；原文件 {:.2} MiB）",
            self.corpus,
            self.files,
            self.imported,
            self.failed,
            mib(self.file_bytes as f64)
        );
        let _ = writeln!(
            o,
            "条款：{} 条，{:.2} MiB 文本；基线：SQLite {} FTS5 tokenize='trigram'（同一进程，临时库）",
            self.clauses,
            mib(self.clause_bytes as f64),
            self.sqlite_version
        );
        let _ = writeln!(o);
        let _ = writeln!(o, "索引");
        let _ = writeln!(
            o,
            "{:>9} {:>9} {:>9} {:>9}  测量",
            "秒", "文件/秒", "MiB/秒", "索引MiB"
        );
        let _ = writeln!(
            o,
            "{:>10.2} {:>11.1} {:>10.2} {:>10}  wenxun import（抽取+入库+索引，原文件字节）",
            secs(self.import),
            self.imported as f64 / secs(self.import),
            mib(self.file_bytes as f64) / secs(self.import),
            "",
        );
        let _ = writeln!(
            o,
            "{:>10.2} {:>11} {:>10.2} {:>10.1}  我们：按数据库重建索引（jieba 字段 + 二元组字段，条款文本字节）",
            secs(self.index_ours),
            "",
            mib(self.clause_bytes as f64) / secs(self.index_ours),
            mib(self.index_bytes_ours as f64)
        );
        let _ = writeln!(
            o,
            "{:>10.2} {:>11} {:>10.2} {:>10.1}  FTS5 trigram：同样的条款，一个事务",
            secs(self.index_fts),
            "",
            mib(self.clause_bytes as f64) / secs(self.index_fts),
            mib(self.index_bytes_fts as f64)
        );
        let _ = writeln!(
            o,
            "建索引耗时 我们 / FTS5 = {:.2}",
            secs(self.index_ours) / secs(self.index_fts)
        );
        let _ = writeln!(o);

        let (o50, o99, omax) = quantiles(&self.latency_ours);
        let (f50, f99, fmax) = quantiles(&self.latency_fts);
        let (s50, s99, smax) = quantiles(&self.latency_ours_short);
        let (l50, l99, lmax) = quantiles(&self.latency_like_short);
        let _ = writeln!(
            o,
            "查询延迟（毫秒；前 10 条含高亮摘要；{} 个查询 = 已知条目 {} + 主题 {}，预热一遍后计时一遍）",
            self.latency_ours.len(),
            self.known_items,
            TOPICAL.len()
        );
        let _ = writeln!(o, "{:>8} {:>8} {:>8}  测量", "p50", "p99", "最大");
        let lat = |o: &mut String, a: f64, b: f64, c: f64, name: &str| {
            let _ = writeln!(o, "{a:>8.2} {b:>8.2} {c:>8.2}  {name}");
        };
        lat(&mut o, o50, o99, omax, "我们");
        lat(
            &mut o,
            f50,
            f99,
            fmax,
            "FTS5 trigram（MATCH + bm25 + snippet）",
        );
        let (k50, k99, kmax) = quantiles(&self.latency_ours_known);
        let (q50, q99, qmax) = quantiles(&self.latency_ours_quoted);
        lat(
            &mut o,
            k50,
            k99,
            kmax,
            "我们：只算已知条目（照原样输入：jieba 词 或 二元组短语）",
        );
        lat(
            &mut o,
            q50,
            q99,
            qmax,
            "我们：已知条目加引号（只走二元组短语）",
        );
        lat(
            &mut o,
            s50,
            s99,
            smax,
            &format!("我们：{} 个双字词", self.latency_ours_short.len()),
        );
        lat(
            &mut o,
            l50,
            l99,
            lmax,
            "FTS5 表上 LIKE '%词%'（双字词的退路：全表扫描，只计数，不排序）",
        );
        let _ = writeln!(
            o,
            "p99 我们 / FTS5 = {:.2}；p50 我们 / FTS5 = {:.2}",
            o99 / f99.max(1e-9),
            o50 / f50.max(1e-9)
        );
        let _ = writeln!(o);

        let _ = writeln!(
            o,
            "(a) 已知条目召回@10：{} 个 4–12 字片段，从随机条款的任意字符处截取（种子固定；出现在 {} 条以上条款中的跳过）",
            self.known_items, MAX_OCCURRENCES
        );
        let _ = writeln!(
            o,
            "    我们（照原样输入）{}/{}（{:.1}%）；我们（加引号）{}/{}（{:.1}%）；FTS5 trigram {}/{}（{:.1}%）",
            self.known_found_ours,
            self.known_items,
            pct(self.known_found_ours, self.known_items),
            self.known_found_ours_quoted,
            self.known_items,
            pct(self.known_found_ours_quoted, self.known_items),
            self.known_found_fts,
            self.known_items,
            pct(self.known_found_fts, self.known_items),
        );
        for q in self.known_missed_ours.iter().take(5) {
            let _ = writeln!(o, "    我们漏掉：{q}");
        }
        for q in self.known_missed_ours_quoted.iter().take(5) {
            let _ = writeln!(o, "    我们（加引号）漏掉：{q}");
        }
        for q in self.known_missed_fts.iter().take(5) {
            let _ = writeln!(o, "    FTS5 漏掉：{q}");
        }
        let _ = writeln!(o);

        let _ = writeln!(o, "(b) 双字词（FTS5 trigram 的 MATCH 需要至少 3 个字）");
        let _ = writeln!(
            o,
            "{:>6} {:>8} {:>10} {:>10} {:>8}  词",
            "含该词", "我们命中", "前10含该词", "FTS5", "LIKE"
        );
        for s in &self.short {
            let fts = match &s.fts {
                Ok(n) => n.to_string(),
                Err(e) => format!("错误：{e}"),
            };
            let _ = writeln!(
                o,
                "{:>9} {:>12} {:>10}/{:<2} {:>10} {:>8}  {}",
                s.containing, s.ours_total, s.ours_top_containing, s.ours_top, fts, s.like, s.term
            );
        }
        let _ = writeln!(o);

        let _ = writeln!(
            o,
            "(c) 主题查询：精确率@10 / nDCG@10。相关 = 条款含查询的全部 jieba 词：“词”判定要求它们也是条款自己的 jieba 词（与我们的分词同源，偏向我们），“子串”判定只要求作为子串出现"
        );
        let _ = writeln!(
            o,
            "{:>11} {:>11} {:>11} {:>11} {:>11} {:>11} {:>9}  查询",
            "我们·词",
            "我们·子串",
            "FTS5·词",
            "FTS5·子串",
            "FTS5按词·词",
            "FTS5按词·子串",
            "相关词/串"
        );
        let cell = |p: (f64, f64)| format!("{:.2}/{:.2}", p.0, p.1);
        for t in &self.topical {
            let _ = writeln!(
                o,
                "{:>11} {:>13} {:>13} {:>13} {:>15} {:>15} {:>11}  {}（返回 {}/{}/{}）",
                cell(t.ours[0]),
                cell(t.ours[1]),
                cell(t.fts[0]),
                cell(t.fts[1]),
                cell(t.fts_words[0]),
                cell(t.fts_words[1]),
                format!("{}/{}", t.relevant_words, t.relevant_substring),
                t.query,
                t.ours_returned,
                t.fts_returned,
                t.fts_words_returned
            );
        }
        let avg = |f: &dyn Fn(&Topical) -> (f64, f64)| {
            (
                mean(self.topical.iter().map(|t| f(t).0)),
                mean(self.topical.iter().map(|t| f(t).1)),
            )
        };
        let _ = writeln!(
            o,
            "{:>11} {:>13} {:>13} {:>13} {:>15} {:>15} {:>11}  平均",
            cell(avg(&|t| t.ours[0])),
            cell(avg(&|t| t.ours[1])),
            cell(avg(&|t| t.fts[0])),
            cell(avg(&|t| t.fts[1])),
            cell(avg(&|t| t.fts_words[0])),
            cell(avg(&|t| t.fts_words[1])),
            ""
        );
        let _ = writeln!(
            o,
            "（FTS5：按输入，空格分开的部分各为一个引号短语；FTS5按词：查询的 3 字以上 jieba 词各为一个引号短语，双字词 trigram 查不了只好丢掉）"
        );
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_and_quantiles() {
        let rel = [true, false, true, false];
        let (p, n) = precision_ndcg(&[0, 2], &rel);
        assert!((p - 0.2).abs() < 1e-9);
        assert!((n - 1.0).abs() < 1e-9);
        let (_, n) = precision_ndcg(&[1, 0, 2], &rel);
        assert!(n < 1.0 && n > 0.0);
        let ms: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let (p50, p99, max) = quantiles(&ms);
        assert_eq!((p50, p99, max), (50.0, 99.0, 100.0));
        assert_eq!(
            fts_as_typed("国有资产 监督管理"),
            "\"国有资产\" AND \"监督管理\""
        );
    }

    /// Runs the whole benchmark on the fixture drafts with a few queries: keeps the
    /// code path compiling and sane. No timing is asserted.
    #[test]
    fn the_search_bench_runs_on_the_fixtures() {
        let dir =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/drafts");
        let r = measure(&dir, 20, &Config::default()).expect("bench");
        assert!(r.clauses > 100, "{} clauses", r.clauses);
        assert!(r.known_items >= 15, "{} known items", r.known_items);
        assert_eq!(r.known_found_fts, r.known_items, "{:?}", r.known_missed_fts);
        assert_eq!(
            r.known_found_ours, r.known_items,
            "{:?}",
            r.known_missed_ours
        );
        assert_eq!(r.known_found_ours_quoted, r.known_items);
        let bid = r.short.iter().find(|s| s.term == "招标").expect("招标");
        assert!(bid.ours_total > 0 && bid.ours_top_containing == bid.ours_top);
        assert!(matches!(bid.fts, Ok(0) | Err(_)), "{:?}", bid.fts);
        assert!(bid.like > 0);
        assert_eq!(r.topical.len(), TOPICAL.len());
        assert!(r.render().contains("已知条目召回@10"));
    }
}
