//! Evaluating a compiled rule set on one document.
//!
//! The text is scanned once ([`scan`]) by the rule set's automaton and regex set,
//! giving every term's occurrences; rules then only look occurrences up by id within
//! a scope around each signal, so a rule costs lookups, not passes over the text.
//!
//! Negation is handled here, once for every rule, because it is a property of the
//! language and not of any one risk:
//! - a *prohibition* before a signal (严禁、不得 … in the same clause fragment, or a
//!   "不得有下列行为：" lead-in to a list) means the draft forbids the risky act, so
//!   the signal does not count as risk evidence;
//! - a *negated safeguard* ("未经公开招标", "不再公示", "以专题会议代替常委会") is not
//!   a safeguard, so it does not satisfy a `none`/`unless` check — except in the
//!   conditional form "未经公示的，不得发放", which is a safeguard.

use crate::analyze::amount::Amount;
use crate::analyze::decision::DecisionType;
use crate::analyze::person;
use crate::ingest::{BlockKind, Document};

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::thread::LocalKey;

use regex_automata::Input;

use super::compile::{
    CompareCond, Cond, GroupReach, HIT_INDEX, Matcher, NO_KEY, PatId, RegexPlan, Rule, RuleSet,
    Terms, unpack_hit,
};
use super::model::{Scope, Side, SignalPlace};

/// Words that, before a signal, turn it into a prohibition. (整治 and a bare 反对 are
/// left out: 村庄整治项目, 反对意见 are nouns far more often than prohibitions.)
const PROHIBITIONS: &[&str] = &[
    "严禁",
    "禁止",
    "不得",
    "不准",
    "不许",
    "不允许",
    "杜绝",
    "防止",
    "严防",
    "避免",
    "不予",
    "制止",
    "不应",
    "不能",
    "不可",
    "不宜",
    "无权",
    "一律不",
    "不再",
    "纠正",
    "查处",
    "防范",
    "严查",
    "坚决反对",
    "不以任何",
    "不存在",
];

/// Words that, in a "有下列情形之一的，……" lead-in, make the list a list of
/// sanctioned acts (责令改正、追究责任) rather than arrangements.
const SANCTIONS: &[&str] = &[
    "责令", "追究", "处罚", "处分", "问责", "罚款", "取消", "收回",
];

/// After a bare 不, these make it a quantity ("不超过") or a judgement ("履职不力",
/// "不符合"), not a negation of what follows.
const NOT_NEGATION_AFTER_BU: &[char] = &[
    '超', '低', '少', '高', '足', '满', '定', '断', '同', '等', '仅', '久', '力', '当', '良', '实',
    '善', '规', '到', '严', '合', '正', '明', '清', '符', '利', '佳', '够',
];

/// Phrases that, just before a safeguard term, negate it.
const SAFEGUARD_NEGATORS: &[&str] = &[
    "未经",
    "未进行",
    "未开展",
    "未按",
    "未予",
    "未履行",
    "未组织",
    "未作",
    "未做",
    "尚未",
    "不经",
    "不进行",
    "不开展",
    "不采用",
    "不实行",
    "不搞",
    "不再",
    "不需",
    "不必",
    "无需",
    "无须",
    "免于",
    "免予",
    "没有",
    "暂不",
    "规避",
    "代替",
    "替代",
    "取代",
    "绕开",
    "绕过",
    "省略",
    "简化",
    "跳过",
    "免除",
    "豁免",
    "不组织",
    "不履行",
    "不采取",
    "不实施",
    "补办",
    "事后补",
    "后补",
    "补签",
    "补充履行",
];

/// After a negated safeguard, these make it a conditional requirement ("未经…不得…").
const CONDITIONAL_TAILS: &[&str] = &[
    "不得",
    "不予",
    "不能",
    "一律不",
    "严禁",
    "禁止",
    "方可",
    "后方可",
    "才能",
    "无效",
];

const LIST_WORDS: &[&str] = &["下列", "以下", "如下", "行为", "情形"];

/// Titles of documents written to rectify problems found before.
const RECTIFICATION_TITLES: &[&str] = &["整改", "问题清单", "自查报告", "反馈意见"];

/// In such a document, sentences that report a problem found, or its ending.
const REPORTED_PROBLEM: &[&str] = &[
    "问题表现",
    "存在问题",
    "存在的问题",
    "主要问题",
    "审计发现",
    "审计指出",
    "巡察发现",
    "巡察指出",
    "检查发现",
    "督查发现",
    "经查",
    "查实",
    "已停止",
    "已叫停",
    "已清退",
    "已收回",
    "已追回",
    "已退回",
    "已纠正",
];

/// Acts that reverse a reported problem (a claim such as 已完成整改 is not one).
const REVERSALS: &[&str] = &[
    "停止", "叫停", "清退", "收回", "追回", "退回", "纠正", "归还", "追缴", "撤销", "解除",
];

/// How term occurrences are read: as risk evidence (prohibited mentions do not
/// count) or as safeguards (negated mentions do not count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarity {
    Risk,
    Safeguard,
    /// Every mention counts (signals of rules with `negatable = false`).
    Any,
}

/// Every term occurrence of one document, by pattern id, sorted by start.
///
/// Literals and signal regexes are found eagerly in one pass. Regexes used only in
/// `require`/`unless` conditions are searched the first time a rule asks for them
/// (a rule asks only once one of its signals occurred), so their cost follows the
/// signals a draft contains rather than the size of the rule set.
pub struct Occurrences<'m> {
    matcher: &'m Matcher,
    spans: Grouped<(usize, usize)>,
    /// By lazy slot, for regexes searched on first use.
    lazy: Vec<OnceCell<Vec<(usize, usize)>>>,
    /// Start offsets of each literal of the regex literal groups, by its key
    /// (`Matcher::ac_set_key`): a hit is stored once, however many groups share the
    /// literal (决定 is in dozens).
    hits: Grouped<usize>,
    /// By literal group, found on the group's first use in this document.
    live: RefCell<LiveGroups>,
    /// The keys of `hits` that occurred, as a bit set.
    occurred: Vec<u64>,
    newlines: Vec<usize>,
    /// Jieba word boundaries for `w:` terms; `None` when they match like plain terms.
    words: Option<Words>,
}

/// Jieba word boundaries of the lines a word-bounded (`w:`) term occurs on,
/// segmented on first need. Segmenting whole drafts cost more than the rest of the
/// analysis did (the shipped rules have two `w:` terms, on a few lines), and a
/// line segmented alone has the tokens it has in the whole text: jieba first cuts
/// its input into runs of Chinese characters, letters and digits, and builds words
/// within a run, so no word spans a line break.
#[derive(Default)]
struct Words {
    /// Token ends by line start, in offsets into the whole text.
    lines: RefCell<HashMap<usize, Vec<usize>>>,
}

impl Words {
    /// Whether `span` of `text` starts and ends on jieba word boundaries;
    /// `newlines` are the text's line breaks (the scan's own list, so that finding
    /// the line costs two binary searches, however long it is).
    fn on_words(&self, text: &str, newlines: &[usize], (s, e): (usize, usize)) -> bool {
        let i = newlines.partition_point(|&n| n < s);
        let lo = if i == 0 { 0 } else { newlines[i - 1] + 1 };
        let j = newlines.partition_point(|&n| n < e);
        let hi = newlines.get(j).copied().unwrap_or(text.len());
        let mut lines = self.lines.borrow_mut();
        let b = lines.entry(lo).or_insert_with(|| {
            let mut b = crate::segment::segmenter().boundaries(&text[lo..hi]);
            for x in &mut b {
                *x += lo;
            }
            b
        });
        b.binary_search(&s).is_ok() && b.binary_search(&e).is_ok()
    }
}

/// The literals of each regex literal group that occur in one document, with
/// their hits counted. A group lists every form of a word (the kinship group has
/// seventy), few of which a draft contains, and the plans ask about a group at
/// every pivot: looking at each member each time cost more than the search.
struct LiveGroups {
    /// By group: its range in `keys` (end + 1, so that 0 means not yet seen) and
    /// its hit count.
    at: Table<(u32, u32, u32)>,
    keys: Vec<u32>,
}

type Pool<T> = LocalKey<RefCell<Vec<Vec<T>>>>;

thread_local! {
    static SLOT_TABLES: RefCell<Vec<Vec<(u32, u32)>>> = const { RefCell::new(Vec::new()) };
    static GROUP_TABLES: RefCell<Vec<Vec<(u32, u32, u32)>>> = const { RefCell::new(Vec::new()) };
}

/// A table with an entry for every key of the rule set (term, literal, group),
/// of which a document sets a few hundred. Allocating and zeroing such tables
/// (thousands of entries, several per document) cost more than filling them did,
/// so a finished document's table goes back to a per-thread pool with just the
/// entries it set reset to the default.
struct Table<T: Copy + Default + PartialEq + 'static> {
    entries: Vec<T>,
    touched: Vec<u32>,
    pool: &'static Pool<T>,
}

impl<T: Copy + Default + PartialEq + 'static> Table<T> {
    fn new(len: usize, pool: &'static Pool<T>) -> Table<T> {
        let reused = pool
            .try_with(|p| {
                let mut p = p.borrow_mut();
                let i = p.iter().position(|t| t.len() == len)?;
                Some(p.swap_remove(i))
            })
            .ok()
            .flatten();
        Table {
            entries: reused.unwrap_or_else(|| vec![T::default(); len]),
            touched: Vec::new(),
            pool,
        }
    }

    fn get(&self, k: usize) -> T {
        self.entries[k]
    }

    fn set(&mut self, k: usize, v: T) {
        if self.entries[k] == T::default() {
            self.touched.push(k as u32);
        }
        self.entries[k] = v;
    }
}

impl<T: Copy + Default + PartialEq + 'static> Drop for Table<T> {
    fn drop(&mut self) {
        for &k in &self.touched {
            self.entries[k as usize] = T::default();
        }
        let entries = std::mem::take(&mut self.entries);
        if entries.is_empty() {
            return;
        }
        // A few tables per rule set in use on this thread are enough.
        let _ = self.pool.try_with(|p| {
            let mut p = p.borrow_mut();
            if p.len() < 8 {
                p.push(entries);
            }
        });
    }
}

/// Values grouped by a dense key, in two allocations however many keys there are:
/// a scan touches a few hundred of the rule set's thousands of terms, and a vector
/// per term (allocated, grown and freed per document) cost more than the search.
struct Grouped<T> {
    /// By key: where its values start in `values`, and how many there are.
    slots: Table<(u32, u32)>,
    values: Vec<T>,
}

impl<T: Copy + Ord> Grouped<T> {
    /// Groups `pairs` (key, value) for keys `0..keys`, keeping their order within
    /// a key; callers pass each key's values in ascending order (the automaton
    /// reports a literal's hits left to right, regex matches are sorted). A
    /// counting sort over the keys that occur: the automaton reports thousands of
    /// hits per document, and a comparison sort of all of them cost more than the
    /// search itself.
    #[inline(never)]
    fn build(keys: usize, pairs: Vec<(u32, T)>) -> Grouped<T> {
        let mut slots = Table::new(keys, &SLOT_TABLES);
        for &(k, _) in &pairs {
            let n = &mut slots.entries[k as usize].1;
            if *n == 0 {
                slots.touched.push(k);
            }
            *n += 1;
        }
        // Each key's run of values, then its count again as a cursor.
        let mut at = 0;
        for i in 0..slots.touched.len() {
            let k = slots.touched[i] as usize;
            let (_, n) = slots.entries[k];
            slots.entries[k] = (at, 0);
            at += n;
        }
        let Some(&(_, fill)) = pairs.first() else {
            return Grouped {
                slots,
                values: Vec::new(),
            };
        };
        let mut values = vec![fill; pairs.len()];
        for (k, v) in pairs {
            let (start, n) = &mut slots.entries[k as usize];
            values[(*start + *n) as usize] = v;
            *n += 1;
        }
        let grouped = Grouped { slots, values };
        debug_assert!(
            grouped
                .slots
                .touched
                .iter()
                .all(|&k| grouped.get(k as usize).is_sorted()),
            "values of a key must arrive in order"
        );
        grouped
    }

    fn get(&self, k: usize) -> &[T] {
        let (start, n) = self.slots.get(k);
        &self.values[start as usize..(start + n) as usize]
    }

    /// The keys that have values, in no particular order.
    fn keys(&self) -> impl Iterator<Item = usize> + '_ {
        self.slots.touched.iter().map(|&k| k as usize)
    }
}

impl Occurrences<'_> {
    /// Occurrences of pattern `p` in `text` (the text `scan` was given).
    pub fn of(&self, p: PatId, text: &str) -> &[(usize, usize)] {
        let m = self.matcher;
        match m.lazy_regex[p as usize] {
            Some(slot) => self.lazy[slot].get_or_init(|| {
                let mut out = self.run_regex(m.lazy_regexes[slot], text);
                self.word_filter(p, text, &mut out);
                out.sort_unstable();
                out.dedup();
                out
            }),
            None => self.spans.get(p as usize),
        }
    }

    fn word_filter(&self, p: PatId, text: &str, v: &mut Vec<(usize, usize)>) {
        if let Some(words) = &self.words
            && self.matcher.patterns[p as usize].word
        {
            v.retain(|&span| words.on_words(text, &self.newlines, span));
        }
    }

    /// Group `g`'s occurring literals (a range of `live.keys`) and their hit count.
    fn live(&self, g: usize) -> (usize, usize, usize) {
        let mut live = self.live.borrow_mut();
        let (s, e, n) = live.at.get(g);
        if e > 0 {
            return (s as usize, e as usize - 1, n as usize);
        }
        let s = live.keys.len();
        let mut n = 0;
        for &k in self.matcher.set_members.get(g) {
            // Most members do not occur; the bit set answers that from cache.
            if self.occurred[k as usize / 64] & (1 << (k % 64)) == 0 {
                continue;
            }
            live.keys.push(k);
            n += self.hits.get(k as usize).len();
        }
        let e = live.keys.len();
        live.at.set(g, (s as u32, e as u32 + 1, n as u32));
        (s, e, n)
    }

    /// Start offsets of regex literal group `g`, sorted and distinct (由 and 由于
    /// start at the same place); merged into `buf` unless one literal occurs.
    fn group<'s>(&'s self, g: usize, buf: &'s mut Vec<usize>) -> &'s [usize] {
        let (s, e, _) = self.live(g);
        let live = self.live.borrow();
        if let [only] = live.keys[s..e] {
            return self.hits.get(only as usize);
        }
        buf.clear();
        for &k in &live.keys[s..e] {
            buf.extend_from_slice(self.hits.get(k as usize));
        }
        buf.sort_unstable();
        buf.dedup();
        buf
    }

    /// Whether some literal of group `g` starts in `[lo, hi]`. Looked up per
    /// literal: merging a group holding 以 or 决定 would cost more than the search.
    fn within(&self, g: usize, lo: usize, hi: usize) -> bool {
        let (s, e, _) = self.live(g);
        self.live.borrow().keys[s..e].iter().any(|&k| {
            let v = self.hits.get(k as usize);
            let i = v.partition_point(|&x| x < lo);
            v.get(i).is_some_and(|&x| x <= hi)
        })
    }

    /// Start offsets of group `g`'s literals in `[lo, hi]`, sorted, into `buf`.
    fn starts_in(&self, g: usize, lo: usize, hi: usize, buf: &mut Vec<usize>) {
        buf.clear();
        let (s, e, _) = self.live(g);
        for &k in &self.live.borrow().keys[s..e] {
            let v = self.hits.get(k as usize);
            let i = v.partition_point(|&x| x < lo);
            buf.extend(v[i..].iter().take_while(|&&x| x <= hi));
        }
        buf.sort_unstable();
        buf.dedup();
    }

    /// Number of hits of literal group `g`'s literals.
    fn group_len(&self, g: usize) -> usize {
        self.live(g).2
    }

    /// Runs regex `r` where its plan says it can match.
    fn run_regex(&self, r: usize, text: &str) -> Vec<(usize, usize)> {
        let (re, _) = &self.matcher.regexes[r];
        let mut out = Vec::new();
        match &self.matcher.plans[r] {
            RegexPlan::Full => {
                out.extend(re.re.find_iter(text).map(|h| (h.start(), h.end())));
            }
            RegexPlan::Pivot { groups, first } => {
                // The group rarest in this document leads; the others are checked
                // rarest first, so a window is usually ruled out by the first look.
                let mut order: Vec<(usize, &GroupReach)> =
                    groups.iter().map(|g| (self.group_len(g.set), g)).collect();
                if order.iter().any(|&(n, _)| n == 0) {
                    return out;
                }
                order.sort_by_key(|&(n, _)| n);
                let pivot = order[0].1;
                let others = &order[1..];
                // A regex match never spans a line break (one paragraph), so windows
                // stop at the pivot's line; overlapping windows are merged so each
                // stretch of text is searched once.
                let run = |lo: usize, hi: usize, out: &mut Vec<(usize, usize)>| {
                    out.extend(
                        re.re
                            .find_iter(Input::new(text).range(lo..hi))
                            .map(|h| (h.start(), h.end())),
                    );
                };
                let mut pending: Option<(usize, usize)> = None;
                // Anchored candidates below `next` were tried already, or lie inside
                // a match (matches do not overlap, as with `find_iter`).
                let mut next = 0;
                let mut starts = Vec::new();
                // Pivots come in order, so the line index only moves forward.
                let mut li = 0;
                let mut merged = Vec::new();
                for &p in self.group(pivot.set, &mut merged) {
                    li += self.newlines[li..].partition_point(|&n| n < p);
                    let line_lo = if li == 0 {
                        0
                    } else {
                        self.newlines[li - 1] + 1
                    };
                    let line_hi = self.newlines.get(li).copied().unwrap_or(text.len());
                    let lo = floor_char(text, p.saturating_sub(pivot.before).max(line_lo));
                    let hi = ceil_char(text, p.saturating_add(pivot.after).min(line_hi));
                    if !others.iter().all(|&(_, g)| self.within(g.set, lo, hi)) {
                        continue;
                    }
                    if let Some(f) = first {
                        // Every match starts at a literal of the first group: try
                        // those starts, each once, searching to the end of the line
                        // so that a later pivot occurrence cannot be missed.
                        if lo.max(next) > p {
                            continue;
                        }
                        self.starts_in(*f, lo.max(next), p, &mut starts);
                        for &s in &starts {
                            if s < next {
                                continue;
                            }
                            next = s + 1;
                            if let Some(e) = re.match_at(text, s, line_hi) {
                                out.push((s, e));
                                next = e.max(s + 1);
                            }
                        }
                        continue;
                    }
                    pending = match pending {
                        Some((plo, phi)) if lo <= phi => Some((plo, phi.max(hi))),
                        Some((plo, phi)) => {
                            run(plo, phi, &mut out);
                            Some((lo, hi))
                        }
                        None => Some((lo, hi)),
                    };
                }
                if let Some((lo, hi)) = pending {
                    run(lo, hi, &mut out);
                }
            }
        }
        out
    }
}

/// Finds every literal term, and every regex used as a signal, in `text`. With
/// `words`, word-bounded (`w:`) terms count only on jieba word boundaries;
/// without, they match like plain terms.
#[inline(never)]
pub fn scan<'m>(m: &'m Matcher, text: &str, words: bool) -> Occurrences<'m> {
    let words = (words && m.any_word).then(Words::default);
    let newlines = memchr_newlines(text);
    // Sized from the bulk corpus (0.8 literal hits and 0.25 term spans per
    // character; a character is three bytes): growing these vectors copied more
    // than the scan wrote.
    let mut spans: Vec<(u32, (usize, usize))> = Vec::with_capacity(text.len() / 10);
    let mut hits: Vec<(u32, usize)> = Vec::with_capacity(text.len() / 3);
    if let Some(ac) = &m.ac {
        for hit in ac.find_overlapping_iter(text) {
            let v = hit.value();
            let span = (hit.start(), hit.end());
            let k = if v & HIT_INDEX == 0 {
                let (term, k) = unpack_hit(v);
                if let Some(id) = term {
                    spans.push((id, span));
                }
                k
            } else {
                let a = (v & !HIT_INDEX) as usize;
                for &(id, word) in m.ac_literals.get(a) {
                    if !word
                        || words
                            .as_ref()
                            .is_none_or(|w| w.on_words(text, &newlines, span))
                    {
                        spans.push((id, span));
                    }
                }
                m.ac_set_key[a]
            };
            if k != NO_KEY {
                hits.push((k, hit.start()));
            }
        }
    }
    let hits = Grouped::build(m.set_keys, hits);
    let mut occurred = vec![0u64; m.set_keys.div_ceil(64)];
    for k in hits.keys() {
        occurred[k / 64] |= 1 << (k % 64);
    }
    let mut occ = Occurrences {
        matcher: m,
        spans: Grouped::build(0, Vec::new()),
        lazy: (0..m.lazy_regexes.len()).map(|_| OnceCell::new()).collect(),
        hits,
        occurred,
        live: RefCell::new(LiveGroups {
            at: Table::new(m.set_members.len(), &GROUP_TABLES),
            keys: Vec::new(),
        }),
        newlines,
        words,
    };
    // Which literal groups occur, from the literals that did: a regex can match
    // only if all of its groups occur, which most of the rule set's regexes fail
    // in any one draft. (Asking each regex's groups' literals instead touched
    // thousands of scattered entries per document.)
    let mut present = vec![false; m.set_members.len()];
    for k in occ.hits.keys() {
        for &g in m.key_groups.get(k) {
            present[g as usize] = true;
        }
    }
    for (r, (_, id)) in m.regexes.iter().enumerate() {
        if m.lazy_regex[*id as usize].is_none()
            && m.regex_groups.get(r).iter().all(|&g| present[g as usize])
        {
            let mut found = occ.run_regex(r, text);
            occ.word_filter(*id, text, &mut found);
            found.sort_unstable();
            spans.extend(found.into_iter().map(|span| (*id, span)));
        }
    }
    occ.spans = Grouped::build(m.patterns.len(), spans);
    occ
}

/// Byte offsets just after each sentence end (。！？；!?; and line breaks). Read as
/// bytes: the lead bytes E3/EF never occur inside another character's encoding, so
/// `memchr` can jump between candidates instead of decoding every character.
fn sentence_ends(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 40 + 1);
    for i in memchr::memchr3_iter(b'\n', 0xE3, 0xEF, b) {
        let ends = match b[i] {
            b'\n' => true,
            // 。 U+3002
            0xE3 => b.get(i + 1) == Some(&0x80) && b.get(i + 2) == Some(&0x82),
            // ！ U+FF01, ？ U+FF1F, ； U+FF1B
            _ => b.get(i + 1) == Some(&0xBC) && matches!(b.get(i + 2), Some(0x81 | 0x9F | 0x9B)),
        };
        if ends {
            out.push(i + if b[i] == b'\n' { 1 } else { 3 });
        }
    }
    let ascii: Vec<usize> = memchr::memchr3_iter(b'!', b'?', b';', b)
        .map(|i| i + 1)
        .collect();
    if !ascii.is_empty() {
        out.extend(ascii);
        out.sort_unstable();
    }
    out
}

fn memchr_newlines(text: &str) -> Vec<usize> {
    memchr::memchr_iter(b'\n', text.as_bytes()).collect()
}

/// `cache[key]`, computed by `f` the first time.
fn memo(
    cache: &RefCell<HashMap<(usize, usize), bool>>,
    key: (usize, usize),
    f: impl FnOnce() -> bool,
) -> bool {
    if let Some(&v) = cache.borrow().get(&key) {
        return v;
    }
    let v = f();
    cache.borrow_mut().insert(key, v);
    v
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// A document prepared for rule evaluation.
pub struct Prepared<'a> {
    pub doc: &'a Document,
    pub occ: Occurrences<'a>,
    pub amounts: &'a [Amount],
    pub decision_types: &'a [DecisionType],
    /// Byte offsets just after each sentence end (。！？；, newline).
    sentence_ends: Vec<usize>,
    /// `prohibited` and `negated` by span: rules share signals and safeguards
    /// (直接委托, 公开招标 …), and each would otherwise re-read the same context.
    prohibited_seen: RefCell<HashMap<(usize, usize), bool>>,
    negated_seen: RefCell<HashMap<(usize, usize), bool>>,
}

/// A rule hit before rendering: byte ranges into the document text.
#[derive(Debug, Clone)]
pub struct RawFinding {
    pub rule: usize,
    pub anchor: (usize, usize),
    pub evidence: (usize, usize),
    /// The scope used for amounts quoted in the question (the signal's clause).
    pub context: (usize, usize),
}

impl<'a> Prepared<'a> {
    pub fn new(
        doc: &'a Document,
        occ: Occurrences<'a>,
        amounts: &'a [Amount],
        decision_types: &'a [DecisionType],
    ) -> Self {
        Prepared {
            doc,
            occ,
            amounts,
            decision_types,
            sentence_ends: sentence_ends(&doc.text),
            prohibited_seen: RefCell::default(),
            negated_seen: RefCell::default(),
        }
    }

    fn text(&self) -> &str {
        &self.doc.text
    }

    /// The sentence around byte `pos`, without its line break.
    pub fn sentence(&self, pos: usize) -> (usize, usize) {
        let i = self.sentence_ends.partition_point(|&e| e <= pos);
        let lo = if i == 0 { 0 } else { self.sentence_ends[i - 1] };
        let hi = self
            .sentence_ends
            .get(i)
            .copied()
            .unwrap_or(self.text().len());
        let hi = if self.text()[..hi].ends_with('\n') {
            hi - 1
        } else {
            hi
        };
        (lo, hi.max(lo))
    }

    fn paragraph(&self, pos: usize) -> (usize, usize) {
        match self.doc.block_at(pos) {
            Some(i) => {
                let b = &self.doc.blocks[i];
                (b.byte_start, b.byte_end)
            }
            None => self.sentence(pos),
        }
    }

    /// The numbered unit around `pos`: the run of blocks sharing its clause path,
    /// with the sub-items under it.
    pub fn clause(&self, pos: usize) -> (usize, usize) {
        let Some(i) = self.doc.block_at(pos) else {
            return self.sentence(pos);
        };
        let blocks = &self.doc.blocks;
        let path = &blocks[i].clause;
        if path.is_empty() {
            return self.paragraph(pos);
        }
        let mut first = i;
        while first > 0 && blocks[first - 1].clause == *path {
            first -= 1;
        }
        let mut last = i;
        while last + 1 < blocks.len() && blocks[last + 1].clause.starts_with(path.as_str()) {
            last += 1;
        }
        (blocks[first].byte_start, blocks[last].byte_end)
    }

    fn section(&self, pos: usize) -> (usize, usize) {
        let Some(i) = self.doc.block_at(pos) else {
            return (0, self.text().len());
        };
        let blocks = &self.doc.blocks;
        let key = match blocks[i].kind {
            BlockKind::Heading => Some(i),
            _ => blocks[i].section,
        };
        let Some(h) = key else {
            return (0, self.text().len());
        };
        let in_section = |b: usize| blocks[b].section == Some(h) || b == h;
        let mut last = h;
        while last + 1 < blocks.len() && in_section(last + 1) {
            last += 1;
        }
        (blocks[h].byte_start, blocks[last].byte_end)
    }

    pub fn scope(&self, scope: Scope, pos: usize) -> (usize, usize) {
        match scope {
            Scope::Sentence => self.sentence(pos),
            Scope::Clause => self.clause(pos),
            Scope::Paragraph => self.paragraph(pos),
            Scope::Section => self.section(pos),
            Scope::Document => (0, self.text().len()),
        }
    }

    /// Moves `n` characters back from byte `pos` (not before `floor`).
    fn back_chars(&self, pos: usize, n: usize, floor: usize) -> usize {
        let head = &self.text()[floor..pos];
        match head.char_indices().rev().nth(n.saturating_sub(1)) {
            Some((i, _)) if n > 0 => floor + i,
            _ if n == 0 => pos,
            _ => floor,
        }
    }

    fn fwd_chars(&self, pos: usize, n: usize, ceil: usize) -> usize {
        let tail = &self.text()[pos..ceil];
        match tail.char_indices().nth(n) {
            Some((i, _)) => pos + i,
            None => ceil,
        }
    }

    /// The clause fragment before `pos` (back to the nearest ，。；：), at most `max` chars.
    fn fragment_before(&self, pos: usize, max: usize) -> &str {
        let start = self.back_chars(pos, max, 0);
        let window = &self.text()[start..pos];
        let cut = window
            .char_indices()
            .rev()
            .find(|(_, c)| {
                matches!(
                    c,
                    '，' | '。' | '；' | '！' | '？' | '：' | ',' | ';' | ':' | '\n'
                )
            })
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0);
        &window[cut..]
    }

    /// Whether the mention at `s` is forbidden by the draft (严禁 X, 不得有下列行为：…X).
    pub fn prohibited(&self, s: usize, e: usize) -> bool {
        memo(&self.prohibited_seen, (s, e), || {
            self.prohibited_uncached(s, e)
        })
    }

    fn prohibited_uncached(&self, s: usize, e: usize) -> bool {
        if self.reported_problem(s) {
            return true;
        }
        let frag = self.fragment_before(s, 24);
        if PROHIBITIONS.iter().any(|p| frag.contains(p)) {
            return true;
        }
        // A regex signal may start at the subject: "主管部门不得直接任免".
        let matched = &self.text()[s..e];
        if [
            "不得",
            "严禁",
            "禁止",
            "不准",
            "不允许",
            "不以任何",
            "不承担",
            "不承诺",
            "不提供",
            "不安排",
        ]
        .iter()
        .any(|p| matched.contains(p))
        {
            return true;
        }
        // A bare 不 earlier in the same clause fragment: "不向乙方出借资金",
        // "不向特许经营者承诺固定回报".
        let near = frag;
        for (i, _) in near.match_indices('不') {
            let next = near[i + '不'.len_utf8()..].chars().next();
            if next.is_none_or(|c| !NOT_NEGATION_AFTER_BU.contains(&c)) {
                return true;
            }
        }
        // List words first: they are rare, and a paragraph of a law can be long.
        let lead_in_forbids = |lead: &str| {
            LIST_WORDS.iter().any(|w| lead.contains(w))
                && (PROHIBITIONS.iter().any(|p| lead.contains(p))
                    || SANCTIONS.iter().any(|p| lead.contains(p)))
        };
        // "……不得有下列行为：（一）……；（二）……" within one paragraph.
        let (ps, _) = self.paragraph(s);
        let before = &self.text()[ps..s];
        if let Some(colon) = before.rfind('：').or_else(|| before.rfind(':')) {
            let after_colon = &before[colon..];
            if !after_colon.contains('。') && lead_in_forbids(&before[..colon]) {
                return true;
            }
        }
        // The same list with each item in its own paragraph.
        if let Some(i) = self.doc.block_at(s) {
            let blocks = &self.doc.blocks;
            if blocks[i].kind == BlockKind::Item {
                let mut j = i;
                let mut steps = 0;
                while j > 0 && blocks[j].kind == BlockKind::Item && steps < 40 {
                    j -= 1;
                    steps += 1;
                }
                if blocks[j].kind != BlockKind::Item {
                    let lead = self.doc.block_text(&blocks[j]);
                    let lead = lead.trim_end();
                    if (lead.ends_with('：') || lead.ends_with(':')) && lead_in_forbids(lead) {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// Whether the mention at `s` describes a problem that a rectification report
    /// sets out in order to fix it ("问题表现：……以节日慰问名义发放购物卡", "集团已停止
    /// 发放购物卡"): the draft does not propose the act, it reports and ends it.
    /// Only in a document titled as such (整改方案、整改报告、问题清单 …), and only in
    /// sentences that say so, so that a new arrangement among its measures still
    /// counts.
    fn reported_problem(&self, s: usize) -> bool {
        let Some(title) = &self.doc.title else {
            return false;
        };
        if !RECTIFICATION_TITLES.iter().any(|t| title.contains(t)) {
            return false;
        }
        let (a, b) = self.sentence(s);
        let sentence = self.text()[a..b].trim_end();
        let reported = REPORTED_PROBLEM.iter().any(|m| sentence.contains(m))
            || sentence.trim_end_matches(['。', '；']).ends_with("问题");
        // Reported *and* reversed under the same heading: a problem "rectified" by
        // ratifying it (补编方案, 作为决策依据) or by keeping the money where it is
        // (不再收回) is still a question for the meeting.
        let (ss, se) = self.section(s);
        let section = &self.text()[ss..se];
        reported
            && REVERSALS.iter().any(|r| {
                section.match_indices(r).any(|(i, _)| {
                    let before: String = section[..i].chars().rev().take(2).collect();
                    !before.contains('未') && !before.contains('不')
                })
            })
    }

    /// Whether the safeguard mention at `(s, e)` is negated ("未经公开招标").
    pub fn negated(&self, s: usize, e: usize) -> bool {
        memo(&self.negated_seen, (s, e), || self.negated_uncached(s, e))
    }

    fn negated_uncached(&self, s: usize, e: usize) -> bool {
        let frag = self.fragment_before(s, 8);
        let close = self.fragment_before(s, 1);
        let hit = SAFEGUARD_NEGATORS.iter().any(|n| frag.contains(n))
            || close == "未"
            || close == "不"
            || close == "无";
        if !hit {
            return false;
        }
        // "未经公示的，不得兑现" is the safeguard itself.
        let (_, sent_end) = self.sentence(s);
        let tail_end = self.fwd_chars(e, 25, sent_end);
        let tail = &self.text()[e..tail_end];
        !CONDITIONAL_TAILS.iter().any(|t| tail.contains(t))
    }

    fn counts(&self, pol: Polarity, s: usize, e: usize) -> bool {
        match pol {
            Polarity::Risk => !self.prohibited(s, e),
            Polarity::Safeguard => !self.negated(s, e),
            Polarity::Any => true,
        }
    }

    /// Occurrences of `pats` inside `[lo, hi)` that count under `pol`, up to `limit`.
    fn find(
        &self,
        pats: impl Iterator<Item = PatId>,
        lo: usize,
        hi: usize,
        pol: Polarity,
        limit: usize,
    ) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        for p in pats {
            let v = self.occ.of(p, &self.doc.text);
            let from = v.partition_point(|&(s, _)| s < lo);
            for &(s, e) in &v[from..] {
                if s >= hi {
                    break;
                }
                if e <= hi && self.counts(pol, s, e) {
                    out.push((s, e));
                    // Spans of different patterns may coincide; `limit` counts places.
                    if out.len() >= limit {
                        out.sort_unstable();
                        out.dedup();
                        if out.len() >= limit {
                            return out;
                        }
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    fn range_for(&self, c: &Cond, anchor: (usize, usize)) -> (usize, usize) {
        let (s, e) = anchor;
        let (mut lo, mut hi) = if c.within.is_some() && !c.scope_given {
            (0, self.text().len())
        } else {
            self.scope(c.scope, s)
        };
        if let Some(n) = c.within {
            lo = lo.max(self.back_chars(s, n, lo.min(s)));
            hi = hi.min(self.fwd_chars(e.min(hi), n, hi));
        }
        match c.side {
            Some(Side::Before) => hi = hi.min(s),
            Some(Side::After) => lo = lo.max(e),
            None => {}
        }
        (lo, hi.max(lo))
    }

    fn quote(&self, s: usize, e: usize) -> String {
        let t: String = self.text()[s..e].chars().take(40).collect();
        format!("“{t}”")
    }

    /// Evaluates one condition around `anchor`; writes why into `trace` if given.
    pub fn eval(
        &self,
        c: &Cond,
        anchor: (usize, usize),
        pol: Polarity,
        trace: &mut Option<&mut Vec<String>>,
        depth: usize,
    ) -> bool {
        let (lo, hi) = self.range_for(c, anchor);
        let pad = "  ".repeat(depth);
        let mut log = |ok: bool, msg: String| {
            if let Some(t) = trace.as_deref_mut() {
                t.push(format!("{pad}{} {msg}", if ok { "✓" } else { "✗" }));
            }
        };
        let where_ = format!("{:?} [{}..{}]", c.scope, lo, hi);
        // With `same_person`, only occurrences in sentences naming someone the
        // signal's sentence names count; everything is found first, then filtered.
        let people = c.same_person.then(|| {
            let (s, e) = self.sentence(anchor.0);
            person::keys(&self.text()[s..e])
        });
        let linked = |found: Vec<(usize, usize)>| -> Vec<(usize, usize)> {
            match &people {
                None => found,
                Some(keys) => found
                    .into_iter()
                    .filter(|&(s, _)| {
                        let (a, b) = self.sentence(s);
                        person::names_any(&self.text()[a..b], keys)
                    })
                    .collect(),
            }
        };
        let limit = |n: usize| if people.is_some() { usize::MAX } else { n };
        if let Some(any) = &c.any {
            let found = linked(self.find(any.flat(), lo, hi, pol, limit(c.count)));
            let ok = found.len() >= c.count;
            log(
                ok,
                match found.first() {
                    Some(&(s, e)) => format!("any：在 {where_} 找到 {}", self.quote(s, e)),
                    None => format!("any：{where_} 内没有所列词语"),
                },
            );
            if !ok {
                return false;
            }
        }
        if let Some(all) = &c.all {
            for g in &all.groups {
                let found = linked(self.find(g.iter().copied(), lo, hi, pol, limit(1)));
                if found.is_empty() {
                    log(false, format!("all：{where_} 内缺少其中一项"));
                    return false;
                }
            }
            log(true, format!("all：{where_} 内各项均出现"));
        }
        if let Some(none) = &c.none {
            let found = linked(self.find(none.flat(), lo, hi, Polarity::Safeguard, limit(1)));
            if let Some(&(s, e)) = found.first() {
                log(
                    false,
                    format!("none：{where_} 内已有保障措施 {}", self.quote(s, e)),
                );
                return false;
            }
            log(true, format!("none：{where_} 内未见所列保障措施"));
        }
        if let Some(a) = &c.amount {
            let picked: Vec<f64> = self
                .amounts
                .iter()
                .filter(|x| x.byte_start >= lo && x.byte_end <= hi)
                .map(|x| x.yuan_to.unwrap_or(x.yuan).max(x.yuan))
                .filter(|v| a.min.is_none_or(|m| *v >= m) && a.below.is_none_or(|b| *v < b))
                .collect();
            let sum: f64 = picked.iter().sum();
            let ok = picked.len() >= a.count && a.sum_min.is_none_or(|m| sum >= m);
            log(
                ok,
                format!(
                    "amount：{where_} 内符合条件的金额 {} 笔，合计 {:.0} 元",
                    picked.len(),
                    sum
                ),
            );
            if !ok {
                return false;
            }
        }
        if let Some(cmp) = &c.compare {
            let found = self.compare(cmp, self.sentence(anchor.0), (lo, hi));
            let ok = found.is_some();
            log(
                ok,
                match found {
                    Some((l, r)) => format!(
                        "compare：{} 与 {} 之比为 {:.2}",
                        self.quote(l.byte_start, l.byte_end),
                        self.quote(r.byte_start, r.byte_end),
                        l.yuan / r.yuan
                    ),
                    None => format!("compare：{where_} 内没有比值符合条件的两笔金额"),
                },
            );
            if !ok {
                return false;
            }
        }
        if !c.or.is_empty() {
            let ok =
                c.or.iter()
                    .any(|sub| self.eval(sub, anchor, pol, trace, depth + 1));
            if !ok {
                if let Some(t) = trace.as_deref_mut() {
                    t.push(format!("{pad}✗ or：各分支均不成立"));
                }
                return false;
            }
        }
        for sub in &c.and {
            if !self.eval(sub, anchor, pol, trace, depth + 1) {
                return false;
            }
        }
        true
    }

    /// Amounts in `[lo, hi)` labelled by one of `terms`: the nearest label (of
    /// `terms` or `others`) before an amount, at most `gap` characters away with
    /// no other amount in between, names what the amount is.
    fn labelled(
        &self,
        terms: &Terms,
        others: &Terms,
        gap: usize,
        (lo, hi): (usize, usize),
    ) -> Vec<&Amount> {
        let labels = |t: &Terms| self.find(t.flat(), lo, hi, Polarity::Any, usize::MAX);
        let (mine, theirs) = (labels(terms), labels(others));
        let mut prev_end = lo;
        let mut out = Vec::new();
        for a in self
            .amounts
            .iter()
            .filter(|a| a.byte_start >= lo && a.byte_end <= hi)
        {
            let nearest = |v: &[(usize, usize)]| {
                v.iter()
                    .map(|&(_, e)| e)
                    .filter(|&e| e <= a.byte_start && e >= prev_end)
                    .max()
            };
            if let Some(e) = nearest(&mine)
                && nearest(&theirs).is_none_or(|o| o <= e)
                && self.text()[e..a.byte_start].chars().count() <= gap
            {
                out.push(a);
            }
            prev_end = a.byte_end;
        }
        out
    }

    /// Two amounts whose ratio meets `cmp`: a `left` one in `sentence`, a `right`
    /// one in `scope`.
    fn compare(
        &self,
        cmp: &CompareCond,
        sentence: (usize, usize),
        scope: (usize, usize),
    ) -> Option<(&Amount, &Amount)> {
        let lefts = self.labelled(&cmp.left, &cmp.right, cmp.gap, sentence);
        if lefts.is_empty() {
            return None;
        }
        let rights = self.labelled(&cmp.right, &cmp.left, cmp.gap, scope);
        lefts.iter().find_map(|&l| {
            rights.iter().find_map(|&r| {
                if r.yuan <= 0.0 || std::ptr::eq(l, r) {
                    return None;
                }
                let ratio = l.yuan / r.yuan;
                let ok =
                    cmp.below.is_none_or(|b| ratio < b) && cmp.at_least.is_none_or(|m| ratio >= m);
                ok.then_some((l, r))
            })
        })
    }

    fn place_ok(&self, rule: &Rule, s: usize) -> bool {
        if rule.signal_in.is_empty() {
            return true;
        }
        let Some(i) = self.doc.block_at(s) else {
            return false;
        };
        let kind = self.doc.blocks[i].kind;
        rule.signal_in.iter().any(|p| {
            matches!(
                (p, kind),
                (SignalPlace::Title, BlockKind::Title)
                    | (SignalPlace::Heading, BlockKind::Heading)
                    | (SignalPlace::Article, BlockKind::Article)
                    | (SignalPlace::Item, BlockKind::Item)
                    | (SignalPlace::Paragraph, BlockKind::Paragraph)
                    | (SignalPlace::Table, BlockKind::TableCell { .. })
            )
        })
    }

    /// The evidence range for a signal: its sentence, trimmed, and clipped around the
    /// signal when the sentence is very long.
    pub fn evidence(&self, s: usize, e: usize) -> (usize, usize) {
        let (mut lo, mut hi) = self.sentence(s);
        let text = self.text();
        if text[lo..hi].chars().count() > 160 {
            let wlo = self.back_chars(s, 60, lo);
            let whi = self.fwd_chars(e, 60, hi);
            // Snap to a comma so the quote starts and ends at a phrase boundary.
            lo = text[wlo..s]
                .find('，')
                .map(|i| wlo + i + '，'.len_utf8())
                .unwrap_or(wlo);
            hi = text[e..whi].rfind('，').map(|i| e + i).unwrap_or(whi);
        }
        while lo < hi {
            let c = text[lo..].chars().next().unwrap_or(' ');
            if c.is_whitespace() {
                lo += c.len_utf8();
            } else {
                break;
            }
        }
        while hi > lo {
            let c = text[..hi].chars().next_back().unwrap_or(' ');
            if c.is_whitespace() {
                hi -= c.len_utf8();
            } else {
                break;
            }
        }
        (lo, hi)
    }

    fn gated_out(&self, rule: &Rule) -> bool {
        !rule.decision_types.is_empty()
            && !rule
                .decision_types
                .iter()
                .any(|d| self.decision_types.contains(d))
    }

    /// Evaluates one rule; `trace` receives an explanation per signal if given.
    pub fn run_rule(
        &self,
        idx: usize,
        rule: &Rule,
        ignore_gating: bool,
        mut trace: Option<&mut Vec<String>>,
        out: &mut Vec<RawFinding>,
    ) {
        // Most rules' signals do not occur in a given draft: leave before any
        // prohibition or place checks (unless explaining, which reports the miss).
        if trace.is_none()
            && rule
                .signal
                .flat()
                .all(|p| self.occ.of(p, self.text()).is_empty())
        {
            return;
        }
        if !ignore_gating && self.gated_out(rule) {
            if let Some(t) = trace.as_deref_mut() {
                t.push(format!(
                    "✗ 文档的“三重一大”类型不含规则要求的 {:?}，规则不适用",
                    rule.decision_types
                ));
            }
            return;
        }
        let mut anchors = self.find(
            rule.signal.flat(),
            0,
            self.text().len(),
            Polarity::Risk,
            usize::MAX,
        );
        if let Some(t) = trace.as_deref_mut() {
            let all = self.find(
                rule.signal.flat(),
                0,
                self.text().len(),
                Polarity::Safeguard,
                usize::MAX,
            );
            if all.is_empty() {
                t.push("✗ 未找到信号词（signal）".into());
            }
            for &(s, e) in &all {
                if rule.negatable && self.prohibited(s, e) {
                    t.push(format!(
                        "✗ 信号 {} 前有禁止性表述（严禁/不得…），视为防范措施",
                        self.quote(s, e)
                    ));
                }
            }
        }
        if !rule.negatable {
            anchors = self.find(
                rule.signal.flat(),
                0,
                self.text().len(),
                Polarity::Any,
                usize::MAX,
            );
        }
        anchors.sort_unstable();
        let mut last_evidence = None;
        for (s, e) in anchors {
            if !self.place_ok(rule, s) {
                if let Some(t) = trace.as_deref_mut() {
                    t.push(format!("✗ 信号 {} 不在规则要求的位置", self.quote(s, e)));
                }
                continue;
            }
            let evidence = self.evidence(s, e);
            if last_evidence == Some(evidence) {
                continue;
            }
            if let Some(t) = trace.as_deref_mut() {
                t.push(format!("信号 {}（字节 {s}..{e}）：", self.quote(s, e)));
            }
            let ok_req = rule
                .require
                .iter()
                .all(|c| self.eval(c, (s, e), Polarity::Risk, &mut trace, 1));
            if !ok_req {
                continue;
            }
            let blocked = rule
                .unless
                .iter()
                .any(|c| self.eval(c, (s, e), Polarity::Safeguard, &mut trace, 1));
            if blocked {
                if let Some(t) = trace.as_deref_mut() {
                    t.push("  ✗ unless 条件成立（已有保障措施），不报告".into());
                }
                continue;
            }
            if let Some(t) = trace.as_deref_mut() {
                t.push("  ⇒ 命中".into());
            }
            last_evidence = Some(evidence);
            out.push(RawFinding {
                rule: idx,
                anchor: (s, e),
                evidence,
                context: self.clause(s),
            });
            if rule.once {
                break;
            }
        }
    }

    /// Evaluates every rule of the set.
    #[inline(never)]
    pub fn run_all(&self, set: &RuleSet) -> Vec<RawFinding> {
        // Signals are found eagerly, so the rules to run are those of the
        // patterns that occurred; rules still run in rule-set order.
        let mut todo = vec![false; set.rules.len()];
        for p in self.occ.spans.keys() {
            for &r in set.by_signal.get(p) {
                todo[r as usize] = true;
            }
        }
        let mut out = Vec::new();
        for (i, r) in set.rules.iter().enumerate() {
            if todo[i] {
                self.run_rule(i, r, false, None, &mut out);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every readable fixture draft whose path passes `keep`, with its path.
    fn fixture_documents(
        keep: impl Fn(&std::path::Path) -> bool,
    ) -> Vec<(std::path::PathBuf, Document)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let limits = crate::config::Config::default().limits;
        let mut dirs = vec![root.join("tests/fixtures/drafts")];
        let mut out = Vec::new();
        while let Some(d) = dirs.pop() {
            for entry in std::fs::read_dir(&d).expect("fixture dir").flatten() {
                let p = entry.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if keep(&p)
                    && let Ok(doc) = crate::ingest::read_path(&p, &limits)
                {
                    out.push((p, doc));
                }
            }
        }
        out
    }

    #[test]
    fn sentence_ends_match_a_character_scan() {
        let text = "第一条　为规范管理，制定本办法。\n（一）是否可行？应当论证！不得拆分；\nA;b?c!。、，：「」￥";
        let by_chars: Vec<usize> = text
            .char_indices()
            .filter(|&(_, c)| matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';' | '\n'))
            .map(|(i, c)| i + c.len_utf8())
            .collect();
        assert_eq!(sentence_ends(text), by_chars);
    }

    /// Word-bounded terms are checked against the jieba tokens of their line alone
    /// ([`Words`]); in every fixture draft those are the whole text's tokens.
    #[test]
    fn lines_segment_as_in_the_whole_text() {
        let seg = crate::segment::segmenter();
        let mut lines = 0;
        for (p, doc) in fixture_documents(|_| true) {
            let text = &doc.text;
            let whole = seg.boundaries(text);
            let mut at = 0;
            for line in text.split('\n') {
                let hi = at + line.len();
                let expected: Vec<usize> = whole
                    .iter()
                    .copied()
                    .filter(|&b| b >= at && b <= hi)
                    .collect();
                let got: Vec<usize> = seg.boundaries(line).iter().map(|b| b + at).collect();
                assert_eq!(got, expected, "{}: {line}", p.display());
                at = hi + 1;
                lines += 1;
            }
        }
        assert!(lines > 10_000, "only {lines} lines read");
        let words = Words::default();
        let text = "全体教职工参加。\n职工代表大会审议通过。";
        let span = |needle: &str, from: usize| {
            let s = from + text[from..].find(needle).expect("in text");
            (s, s + needle.len())
        };
        let newlines = memchr_newlines(text);
        assert!(!words.on_words(text, &newlines, span("职工", 0)));
        assert!(words.on_words(
            text,
            &newlines,
            span("职工", text.find('\n').expect("two lines"))
        ));
    }

    /// The pivot plans (rarest group per document, windows, anchored
    /// verification) must find exactly what each regex finds on its own within
    /// each line, in every fixture draft.
    #[test]
    fn regex_plans_find_what_the_regexes_find() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let cfg = crate::config::Config::default();
        let set = RuleSet::load(&root.join("rules"), &cfg).expect("shipped rules load");
        let m = &set.matcher;
        let mut checked = 0;
        for (p, doc) in
            fixture_documents(|p| p.extension().is_some_and(|e| e == "txt" || e == "md"))
        {
            let text = &doc.text;
            let occ = scan(m, text, false);
            for (v, id) in &m.regexes {
                let mut expected = Vec::new();
                let mut at = 0;
                for line in text.split('\n') {
                    // Confined to the line, as the engine confines matches;
                    // assertions still see the whole text.
                    let input = Input::new(text).range(at..at + line.len());
                    expected.extend(v.re.find_iter(input).map(|h| (h.start(), h.end())));
                    at += line.len() + 1;
                }
                let got = occ.of(*id, text);
                let differ: Vec<&str> = expected
                    .iter()
                    .filter(|x| !got.contains(x))
                    .chain(got.iter().filter(|x| !expected.contains(x)))
                    .map(|&(s, e)| &text[floor_char(text, s.saturating_sub(12))..e])
                    .collect();
                assert!(
                    differ.is_empty(),
                    "{} in {}: {differ:?}",
                    m.patterns[*id as usize].source,
                    p.display()
                );
            }
            checked += 1;
        }
        assert!(checked > 100, "only {checked} fixture drafts read");
    }
}
