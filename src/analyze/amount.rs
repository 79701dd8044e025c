//! Money amounts in draft text: `580万元`, `人民币叁佰万元整`, `500-800万元`, `约2000万元`.
//!
//! Rules and the 三重一大 classification compare amounts with configured thresholds,
//! so the job here is to find every amount a drafter wrote, turn it into yuan, and
//! stay quiet about numbers that are not money (`5万亩`, `2025年`, `30%`, `十三五`).
//!
//! Why a hand-written scanner rather than a regex: a figure mixes Arabic and Chinese
//! numerals (`1亿2000万元`, `3千万`), a range's lower end borrows the upper end's unit
//! (`500-800万元`, `三至五万元`), and whether a bare `万` is money depends on the
//! words around it. A regex would only find candidates; each of those decisions would
//! still be code afterwards, and a rejected regex match would swallow the text that a
//! real amount starts in. So the scanner walks the text once, stops only at characters
//! that can start a numeral, parses the numeral in place, and looks a few characters
//! either side for unit, currency and qualifier words. Nothing is allocated except
//! the result. Values are computed in integer millionths of a yuan, so `1.2亿元` is
//! exactly `120000000.0` and sums of units never drift.
//!
//! Money or not, in order: a figure followed by `元` (or cheque-style `圆整`) is
//! money; so is one after `人民币`/`¥`/`￥` or before `人民币`. A figure ending in
//! `万`/`亿` without `元` is money only when a money word (`资金`, `投资`, …) follows
//! it directly, or when one stands earlier in the same clause and the figure is not
//! followed by a measure word (`5万亩`, `3万人`, `2万平方米` stay out).
//!
//! Besides the written figure, a drafter's hedges are kept as a [`Qualifier`]:
//! `约`/`左右` (approximate), `以上`/`不低于`/`3000余万`/`数百万` (a lower bound),
//! `以下`/`不超过` (an upper bound). Rules decide what a bound means for a threshold.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, Input, MatchKind, Span, packed};
use serde::Serialize;

/// One money expression found in a text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Amount {
    /// Normalised value in yuan (for a range: the lower end).
    pub yuan: f64,
    /// Upper end for ranges like "500万元至800万元" / "500-800万元" / "300～500万元".
    pub yuan_to: Option<f64>,
    /// Byte offsets into the input text covering the whole expression incl. unit
    /// (and qualifier words like 约/不超过, and 人民币/¥, if present).
    pub byte_start: usize,
    pub byte_end: usize,
    /// The matched text as written.
    pub text: String,
    pub qualifier: Qualifier,
}

/// How the drafter bounded the figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    Exact,
    /// 约、近、左右、大约、预计、估算约
    Approx,
    /// 以上、不低于、不少于、超过（exclusive, still a lower bound）、逾、3000余万元
    AtLeast,
    /// 以下、以内、不超过、不高于、不足、低于、不满
    AtMost,
}

/// All money amounts in `text`, sorted by `byte_start` and non-overlapping.
pub fn find_amounts(text: &str) -> Vec<Amount> {
    let mut out = Vec::new();
    let mut pos = 0;
    // End of the previous amount: prefixes (约, 人民币) are never looked for before it.
    let mut floor = 0;
    let mut candidates = Candidates::new(text);
    while let Some(start) = candidates.next_from(pos) {
        let Some(c) = char_at(text, start) else { break };
        if !starts_numeral(c) && !vague_unit_start(text, start, c) {
            pos = start + c.len_utf8();
            continue;
        }
        match try_at(text, start, floor) {
            Step::Found(a) => {
                pos = a.byte_end;
                floor = a.byte_end;
                out.push(a);
            }
            // Resume after the whole numeral so that `2025年` is not retried as `025年`.
            Step::Skip(end) => pos = end,
        }
    }
    out
}

/// The characters the scanner has to stop at: those that start a numeral
/// ([`starts_numeral`]) and the units that may start a vague figure (数百万元, see
/// [`vague_unit_start`]). Everything between them is skipped by SIMD searches
/// instead of being decoded and `match`ed character by character, which is most of
/// a draft. (A unit test checks the lists against those functions for every
/// `char`.)
///
/// Two searches, because a packed (Teddy) searcher filters on the first bytes of
/// its patterns: mixing the one-byte ASCII digits with the three-byte characters
/// would make it stop at every Chinese character.
const ASCII_CANDIDATES: &str = "0123456789";
const WIDE_CANDIDATES: &str =
    "０１２３４５６７８９一壹二贰貳两三叁參四肆五伍六陆陸七柒八捌九玖零〇十拾百佰千仟万萬亿億";

static FINDERS: LazyLock<[Finder; 2]> =
    LazyLock::new(|| [Finder::new(ASCII_CANDIDATES), Finder::new(WIDE_CANDIDATES)]);

/// Finds the next candidate character, remembering each search's last answer
/// so that a search only runs again once the scanner has passed it.
struct Candidates<'t> {
    text: &'t str,
    /// Next match of each finder (`usize::MAX`: none left); `None` until searched.
    next: [Option<usize>; 2],
}

impl<'t> Candidates<'t> {
    fn new(text: &'t str) -> Self {
        Candidates {
            text,
            next: [None; 2],
        }
    }

    /// Byte offset of the first candidate character at or after `pos`.
    fn next_from(&mut self, pos: usize) -> Option<usize> {
        let mut first = usize::MAX;
        for (next, finder) in self.next.iter_mut().zip(FINDERS.iter()) {
            let at = match *next {
                Some(at) if at >= pos => at,
                _ => finder.find(self.text, pos).unwrap_or(usize::MAX),
            };
            *next = Some(at);
            first = first.min(at);
        }
        (first != usize::MAX).then_some(first)
    }
}

/// A set of characters to search for: a packed SIMD searcher where the CPU has
/// one, an Aho-Corasick automaton otherwise.
struct Finder {
    packed: Option<packed::Searcher>,
    automaton: AhoCorasick,
}

impl Finder {
    fn new(chars: &str) -> Self {
        let patterns: Vec<String> = chars.chars().map(String::from).collect();
        Finder {
            packed: packed::Config::new().builder().extend(&patterns).build(),
            automaton: AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(&patterns)
                .expect("a fixed set of characters"),
        }
    }

    fn find(&self, text: &str, from: usize) -> Option<usize> {
        let span = Span::from(from..text.len());
        match &self.packed {
            Some(searcher) => searcher.find_in(text, span).map(|m| m.start()),
            None => self
                .automaton
                .find(Input::new(text).span(span))
                .map(|m| m.start()),
        }
    }
}

/// Parses a whole string as a number: Arabic (`3,600,000`, `1.2`, full-width
/// `５８０`), Chinese (`一千二百`, `叁佰万`, `两千`, `一万五`) or mixed (`1亿2000万`,
/// `3.5万`). Surrounding whitespace is ignored; anything else makes it `None`.
pub fn parse_chinese_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let n = parse_numeral(s, 0)?;
    (n.end == s.len()).then(|| to_yuan(n.value))
}

/// A figure for reports: `5800000.0` → `580万元`, `120000000.0` → `1.2亿元`,
/// `3500.0` → `3500元`. Exact to the fen; trailing zeros are dropped.
pub fn format_yuan(yuan: f64) -> String {
    if !yuan.is_finite() {
        return format!("{yuan}元");
    }
    // Round to the fen first so 99999999.999 reads as 1亿元, not 10000万元.
    let yuan = (yuan * 100.0).round() / 100.0;
    let (v, unit, places) = match yuan.abs() {
        a if a >= 1e8 => (yuan / 1e8, "亿元", 10),
        a if a >= 1e4 => (yuan / 1e4, "万元", 6),
        _ => (yuan, "元", 2),
    };
    let mut s = format!("{v:.places$}");
    if s.contains('.') {
        s.truncate(s.trim_end_matches('0').trim_end_matches('.').len());
    }
    if s == "-0" {
        s = "0".to_owned();
    }
    s.push_str(unit);
    s
}

// ---------------------------------------------------------------------------
// Vocabulary. Lists are short and only consulted at a candidate numeral, so a
// linear `starts_with`/`ends_with` search is cheaper than building automata.

/// Qualifiers written before the figure, longest first where one ends another
/// (不超过 before 超过). The third field lists characters that, standing just
/// before a one-character qualifier, make it part of another word (签约, 最近).
const PREFIX_QUALIFIERS: &[(&str, Qualifier, &str)] = &[
    ("估算约", Qualifier::Approx, ""),
    ("大约为", Qualifier::Approx, ""),
    ("不超过", Qualifier::AtMost, ""),
    ("不高于", Qualifier::AtMost, ""),
    ("不多于", Qualifier::AtMost, ""),
    ("不大于", Qualifier::AtMost, ""),
    ("不低于", Qualifier::AtLeast, ""),
    ("不少于", Qualifier::AtLeast, ""),
    ("不小于", Qualifier::AtLeast, ""),
    ("大约", Qualifier::Approx, ""),
    ("约为", Qualifier::Approx, ""),
    ("预计", Qualifier::Approx, ""),
    ("估计", Qualifier::Approx, ""),
    ("估算", Qualifier::Approx, ""),
    ("接近", Qualifier::Approx, ""),
    ("将近", Qualifier::Approx, ""),
    ("超过", Qualifier::AtLeast, ""),
    ("高于", Qualifier::AtLeast, ""),
    ("多于", Qualifier::AtLeast, ""),
    ("大于", Qualifier::AtLeast, ""),
    ("至少", Qualifier::AtLeast, ""),
    ("最低", Qualifier::AtLeast, ""),
    ("不足", Qualifier::AtMost, ""),
    ("低于", Qualifier::AtMost, ""),
    ("少于", Qualifier::AtMost, ""),
    ("小于", Qualifier::AtMost, ""),
    ("不满", Qualifier::AtMost, ""),
    ("不到", Qualifier::AtMost, ""),
    ("最高", Qualifier::AtMost, ""),
    ("最多", Qualifier::AtMost, ""),
    (
        "约",
        Qualifier::Approx,
        "签合契协节制公条履违特邀预相集婉简隐",
    ),
    ("近", Qualifier::Approx, "最附邻靠亲就贴浅远"),
    ("逾", Qualifier::AtLeast, ""),
    ("超", Qualifier::AtLeast, "高赶"),
];

/// Characters before a bare unit (`数百万元`, `上亿元`) that make it a figure;
/// 近/逾/超 are ordinary prefix qualifiers, 数/几/上 only count here.
const VAGUE_BEFORE_UNIT: &str = "数几上近逾超";

/// Qualifiers written after the unit.
const SUFFIX_QUALIFIERS: &[(&str, Qualifier)] = &[
    ("及以上", Qualifier::AtLeast),
    ("及以下", Qualifier::AtMost),
    ("（含）以上", Qualifier::AtLeast),
    ("(含)以上", Qualifier::AtLeast),
    ("（含）以下", Qualifier::AtMost),
    ("(含)以下", Qualifier::AtMost),
    ("以上", Qualifier::AtLeast),
    ("以下", Qualifier::AtMost),
    ("以内", Qualifier::AtMost),
    ("之内", Qualifier::AtMost),
    ("左右", Qualifier::Approx),
    ("上下", Qualifier::Approx),
];

/// Range separators between two figures.
const RANGE_SEPARATORS: &[&str] = &["——", "—", "–", "-", "－", "~", "～", "〜", "至", "到"];

/// Words after `元` that make it part of another word (二元结构, 一元化, 元旦).
const NOT_YUAN_AFTER: &[&str] = &[
    "结构", "化", "素", "论", "制", "旦", "宵", "首", "帅", "老", "件", "器",
];

/// Money words that, earlier in the same clause, make a bare `3000万` money.
#[rustfmt::skip]
const MONEY_CONTEXT: &[&str] = &[
    "投资", "资金", "金额", "预算", "概算", "估算", "决算", "结算", "补助", "补贴",
    "补偿", "奖励", "奖补", "奖金", "造价", "合同价", "价款", "总价", "报价", "中标",
    "控制价", "经费", "费用", "拨付", "拨款", "资助", "融资", "贷款", "出资", "投入",
    "债券", "专项债", "资本金", "注册资本", "租金", "罚款", "赔偿", "捐赠", "捐款", "收入",
    "支出", "成本", "工资", "薪酬", "利润", "税收", "产值", "营业额", "采购", "保证金",
    "价格",
];

/// Money words that, directly after a bare `500万`, make it money (`500万资金`).
#[rustfmt::skip]
const MONEY_AFTER: &[&str] = &[
    "资金", "经费", "投资", "补助", "补贴", "奖励", "奖补", "奖金", "预算", "费用",
    "贷款", "债券", "资本金",
];

/// Chinese words that may follow a bare `3000万` that is money; any other
/// ideograph (亩, 人, 户, 平方米, 吨 …) is taken as a measure word.
const BARE_WAN_FOLLOWERS: &[&str] = &[
    "左右", "上下", "以上", "以下", "以内", "之内", "及", "用于", "的", "其中", "不等", "至", "到",
];

/// How far back (in characters) a money word may stand before a bare `万`.
const CONTEXT_CHARS: usize = 20;

/// Characters that end a sentence: `其中` refers back no further.
const SENTENCE_BREAKS: &[char] = &['。', '；', '！', '？', ';', '!', '?', '\n'];

/// Characters that end a clause for the money-word look-back.
const CLAUSE_BREAKS: &[char] = &['，', '。', '；', '！', '？', ',', ';', '!', '?', '\n'];

// ---------------------------------------------------------------------------
// Scanner.

/// Values are integers in millionths of a yuan while parsing: sums and unit
/// multiplications stay exact, and one division at the end gives the `f64`.
const SCALE: u128 = 1_000_000;
const WAN: u128 = 10_000;
const YI: u128 = 100_000_000;

fn to_yuan(v: u128) -> f64 {
    v as f64 / SCALE as f64
}

enum Step {
    Found(Amount),
    /// Not money; continue scanning at this byte offset.
    Skip(usize),
}

/// Tries the numeral starting at `start`: as the lower end of a range, then alone.
fn try_at(text: &str, start: usize, floor: usize) -> Step {
    // 第十万条, 第3期: ordinals are never amounts. Checked before parsing: article
    // numbers are most of the numerals in a draft.
    if text[floor..start].ends_with('第') {
        let run = text[start..]
            .char_indices()
            .find(|&(_, c)| !starts_numeral(c))
            .map_or(text.len(), |(i, _)| start + i);
        return Step::Skip(run);
    }
    let Some(lower) = operand(text, start) else {
        return Step::Skip(skip_digits(text, start));
    };
    let skip = Step::Skip(lower.num.end);
    let mut pre = prefix(text, start, floor);
    if char_at(text, start).is_some_and(|c| unit_value(c).is_some()) && pre.qualifier.is_none() {
        // 数十万元, 几百万元, 上亿元: at least that much.
        match text[floor..pre.start].chars().next_back() {
            Some(c @ ('数' | '几' | '上')) => {
                pre.start -= c.len_utf8();
                pre.qualifier = Some(Qualifier::AtLeast);
            }
            // A bare 百/千/万/亿 with no vague word before it is not a figure.
            _ if !matches!(char_at(text, start), Some('十' | '拾')) => return skip,
            _ => {}
        }
    }

    if let Some(sep_end) = range_separator(text, lower.end)
        && let Some(upper) = operand(text, sep_end)
        && is_money(text, &upper, &pre, floor)
        && let Some(lo) = range_lower(&lower, &upper)
    {
        return Step::Found(finish(text, &pre, lo, Some(upper.value), upper.end, false));
    }

    if is_money(text, &lower, &pre, floor) && !lone_chinese_digit(text, &lower, &pre) {
        return Step::Found(finish(text, &pre, lower.value, None, lower.end, lower.more));
    }
    skip
}

/// What stands before the figure: currency and qualifier, in either order
/// (`约人民币300万元`, `人民币约300万元`).
struct Prefix {
    start: usize,
    currency: bool,
    qualifier: Option<Qualifier>,
}

fn prefix(text: &str, num_start: usize, floor: usize) -> Prefix {
    let mut p = Prefix {
        start: num_start,
        currency: false,
        qualifier: None,
    };
    if let Some(n) = currency_before(&text[floor..p.start]) {
        p.start -= n;
        p.currency = true;
    }
    if let Some((n, q)) = qualifier_before(&text[floor..p.start]) {
        p.start -= n;
        p.qualifier = Some(q);
        if !p.currency
            && let Some(n) = currency_before(&text[floor..p.start])
        {
            p.start -= n;
            p.currency = true;
        }
    }
    p
}

/// Length in bytes of a currency marker (and spaces after it) ending `before`.
fn currency_before(before: &str) -> Option<usize> {
    let trimmed = before.trim_end_matches([' ', '\u{3000}']);
    ["人民币", "¥", "￥", "RMB"]
        .iter()
        .find(|sym| trimmed.ends_with(*sym))
        .map(|sym| before.len() - trimmed.len() + sym.len())
}

/// The characters that [`PREFIX_QUALIFIERS`] end with.
static QUALIFIER_ENDS: LazyLock<Vec<char>> = LazyLock::new(|| {
    let mut ends: Vec<char> = PREFIX_QUALIFIERS
        .iter()
        .filter_map(|(word, _, _)| word.chars().next_back())
        .collect();
    ends.sort_unstable();
    ends.dedup();
    ends
});

fn qualifier_before(before: &str) -> Option<(usize, Qualifier)> {
    // Most figures (第三条, 2024年) have no qualifier; one look at the last character
    // spares them the comparisons with every qualifier word.
    let last = before.chars().next_back()?;
    if QUALIFIER_ENDS.binary_search(&last).is_err() {
        return None;
    }
    PREFIX_QUALIFIERS.iter().find_map(|&(word, q, not_after)| {
        let rest = before.strip_suffix(word)?;
        let joined = rest
            .chars()
            .next_back()
            .is_some_and(|c| not_after.contains(c));
        (!joined).then_some((word.len(), q))
    })
}

fn suffix_qualifier(text: &str, pos: usize) -> Option<(usize, Qualifier)> {
    let rest = &text[pos..];
    SUFFIX_QUALIFIERS
        .iter()
        .find(|(w, _)| rest.starts_with(w))
        .map(|&(w, q)| (pos + w.len(), q))
}

fn range_separator(text: &str, pos: usize) -> Option<usize> {
    let rest = &text[pos..];
    RANGE_SEPARATORS
        .iter()
        .find(|s| rest.starts_with(*s))
        .map(|s| pos + s.len())
}

/// A figure with what follows it directly: `3000余万元人民币`.
struct Operand {
    num: Numeral,
    /// Value after any `余`/`多` unit (`3000余万` → 3000万).
    value: u128,
    /// The figure ends in 万/亿 (also after 余/多).
    ends_big: bool,
    /// Written with 余/多: "more than".
    more: bool,
    /// Followed by 元 (or 圆整).
    yuan: bool,
    /// Followed by 人民币.
    rmb_after: bool,
    end: usize,
}

fn operand(text: &str, start: usize) -> Option<Operand> {
    let num = parse_numeral(text, start)?;
    let mut op = Operand {
        num,
        value: num.value,
        ends_big: num.last == Last::Big,
        more: false,
        yuan: false,
        rmb_after: false,
        end: num.end,
    };
    // 3000余万元, 300多万元, 十余万元, 5万余元: 余/多 sits between figure and unit.
    if let Some(c) = char_at(text, op.end)
        && matches!(c, '余' | '多')
    {
        let after = op.end + c.len_utf8();
        let (mut p, mut v, mut big) = (after, op.value, op.ends_big);
        while let Some(c) = char_at(text, p)
            && let Some(u) = unit_value(c)
        {
            v = v.checked_mul(u)?;
            big = u >= WAN;
            p += c.len_utf8();
        }
        if p > after || yuan_end(text, p).is_some() {
            (op.value, op.ends_big, op.end, op.more) = (v, big, p, true);
        }
    }
    if let Some(end) = yuan_end(text, op.end) {
        op.yuan = true;
        op.end = end;
    }
    if text[op.end..].starts_with("人民币") {
        op.rmb_after = true;
        op.end += "人民币".len();
    }
    Some(op)
}

/// End of `元`, `元整` or `圆整` at `pos`, unless the 元 belongs to another word.
fn yuan_end(text: &str, pos: usize) -> Option<usize> {
    let rest = &text[pos..];
    if rest.starts_with("圆整") {
        return Some(pos + "圆整".len());
    }
    let end = pos + rest.strip_prefix('元').map(|_| '元'.len_utf8())?;
    let after = &text[end..];
    if NOT_YUAN_AFTER.iter().any(|w| after.starts_with(w)) {
        return None;
    }
    Some(if after.starts_with('整') {
        end + '整'.len_utf8()
    } else {
        end
    })
}

fn is_money(text: &str, op: &Operand, pre: &Prefix, floor: usize) -> bool {
    op.yuan
        || op.rmb_after
        || pre.currency
        || (op.ends_big && bare_wan_is_money(text, pre.start, op.end, floor))
}

/// A lone Chinese digit before 元 is usually a word (一元复始, 多元): accept it only
/// as a clearly separate amount (`每人每天五元。`).
fn lone_chinese_digit(text: &str, op: &Operand, pre: &Prefix) -> bool {
    op.num.chinese_plain
        && !pre.currency
        && text[op.end..]
            .chars()
            .next()
            .is_some_and(|c| is_ideograph(c) || c.is_alphanumeric())
}

/// Is a figure ending in 万/亿 without 元 money? See the module doc.
fn bare_wan_is_money(text: &str, context_start: usize, end: usize, floor: usize) -> bool {
    let after = &text[end..];
    if MONEY_AFTER.iter().any(|w| after.starts_with(w)) {
        return true;
    }
    let follows_ok = match after.chars().next() {
        None => true,
        Some(c) if is_ideograph(c) => BARE_WAN_FOLLOWERS.iter().any(|w| after.starts_with(w)),
        // 5万kW, 3万ｍ²: a unit in letters.
        Some(c) => !c.is_alphanumeric(),
    };
    follows_ok && money_word_before(text, context_start, floor)
}

/// A money word earlier in the clause; or `其中` when the previous amount stands in
/// the same sentence (`项目资金120万，其中60万用于设备购置`).
fn money_word_before(text: &str, pos: usize, floor: usize) -> bool {
    let mut from = pos;
    for (i, c) in text[..pos].char_indices().rev().take(CONTEXT_CHARS) {
        if CLAUSE_BREAKS.contains(&c) {
            break;
        }
        from = i;
    }
    let window = &text[from..pos];
    MONEY_CONTEXT.iter().any(|w| window.contains(w))
        || (window.contains("其中") && floor > 0 && !text[floor..pos].contains(SENTENCE_BREAKS))
}

/// The lower end of a range in millionths of a yuan, borrowing the upper end's
/// unit when it has none (`500-800万元`, `三至五万元`, `3-5千万元`); `None` when the
/// range would run backwards.
fn range_lower(lower: &Operand, upper: &Operand) -> Option<u128> {
    let lo = if lower.yuan || lower.ends_big || lower.num.has_big {
        lower.value
    } else {
        let big = if upper.num.last == Last::Big {
            upper.num.tail_big
        } else {
            1
        };
        let small = if lower.num.plain {
            upper.num.tail_small.unwrap_or(1)
        } else {
            1
        };
        lower.value.checked_mul(big)?.checked_mul(small)?
    };
    (lo <= upper.value).then_some(lo)
}

fn finish(text: &str, pre: &Prefix, lo: u128, hi: Option<u128>, end: usize, more: bool) -> Amount {
    let (end, suffix) = match suffix_qualifier(text, end) {
        Some((e, q)) => (e, Some(q)),
        None => (end, None),
    };
    let qualifier = pre
        .qualifier
        .or(suffix)
        .or(more.then_some(Qualifier::AtLeast))
        .unwrap_or(Qualifier::Exact);
    Amount {
        yuan: to_yuan(lo),
        yuan_to: hi.map(to_yuan),
        byte_start: pre.start,
        byte_end: end,
        text: text[pre.start..end].to_owned(),
        qualifier,
    }
}

/// Past an Arabic digit run the numeral parser refused (it overflowed).
fn skip_digits(text: &str, start: usize) -> usize {
    let mut pos = start;
    while let Some(c) = char_at(text, pos) {
        if pos > start && arabic_digit(c).is_none() && !matches!(c, ',' | '，' | '.' | '．') {
            break;
        }
        pos += c.len_utf8();
    }
    pos
}

fn char_at(text: &str, pos: usize) -> Option<char> {
    text[pos..].chars().next()
}

fn is_ideograph(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

// ---------------------------------------------------------------------------
// Numerals.

/// `百万`, `千万`, `亿` in 数百万元, 上千万元, 近亿元: a unit standing for one of it,
/// only right after a word that makes the figure vague.
fn vague_unit_start(text: &str, pos: usize, c: char) -> bool {
    unit_value(c).is_some()
        && text[..pos]
            .chars()
            .next_back()
            .is_some_and(|p| VAGUE_BEFORE_UNIT.contains(p))
}

fn starts_numeral(c: char) -> bool {
    arabic_digit(c).is_some()
        || chinese_digit(c).is_some()
        || matches!(c, '零' | '〇' | '十' | '拾')
}

fn arabic_digit(c: char) -> Option<u128> {
    match c {
        '0'..='9' => Some(c as u128 - '0' as u128),
        '０'..='９' => Some(c as u128 - '０' as u128),
        _ => None,
    }
}

fn chinese_digit(c: char) -> Option<u128> {
    Some(match c {
        '一' | '壹' => 1,
        '二' | '贰' | '貳' | '两' => 2,
        '三' | '叁' | '參' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' | '陸' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

/// 十百千万亿 (and financial forms) as multipliers.
fn unit_value(c: char) -> Option<u128> {
    Some(match c {
        '十' | '拾' => 10,
        '百' | '佰' => 100,
        '千' | '仟' => 1000,
        '万' | '萬' => WAN,
        '亿' | '億' => YI,
        _ => return None,
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tok {
    /// An Arabic figure or a Chinese digit, in millionths.
    Digit {
        value: u128,
        chinese: bool,
    },
    Zero,
    /// 十 百 千
    Small(u128),
    /// 万 亿
    Big(u128),
}

fn next_token(text: &str, pos: usize) -> Option<(Tok, usize)> {
    let c = char_at(text, pos)?;
    if arabic_digit(c).is_some() {
        let (value, end) = arabic(text, pos)?;
        return Some((
            Tok::Digit {
                value,
                chinese: false,
            },
            end,
        ));
    }
    let tok = if let Some(d) = chinese_digit(c) {
        Tok::Digit {
            value: d * SCALE,
            chinese: true,
        }
    } else if matches!(c, '零' | '〇') {
        Tok::Zero
    } else {
        match unit_value(c)? {
            u if u >= WAN => Tok::Big(u),
            u => Tok::Small(u),
        }
    };
    Some((tok, pos + c.len_utf8()))
}

/// An Arabic figure with optional thousands separators (`,` or `，`, groups of
/// exactly three) and decimals (`.` or `．`), ASCII or full-width digits.
/// Decimals past the sixth are dropped; `None` on overflow.
fn arabic(text: &str, start: usize) -> Option<(u128, usize)> {
    let mut int: u128 = 0;
    let mut pos = start;
    let mut group = 0;
    let mut grouped = false;
    while let Some(c) = char_at(text, pos) {
        if let Some(d) = arabic_digit(c) {
            int = int.checked_mul(10)?.checked_add(d)?;
            group += 1;
            pos += c.len_utf8();
        } else if matches!(c, ',' | '，')
            && (grouped || group <= 3)
            && three_digits_then_end(text, pos + c.len_utf8())
        {
            grouped = true;
            group = 0;
            pos += c.len_utf8();
        } else {
            break;
        }
    }
    let mut value = int.checked_mul(SCALE)?;
    if let Some(c) = char_at(text, pos)
        && matches!(c, '.' | '．')
        && char_at(text, pos + c.len_utf8()).is_some_and(|d| arabic_digit(d).is_some())
    {
        pos += c.len_utf8();
        let mut place = SCALE / 10;
        while let Some(d) = char_at(text, pos) {
            let Some(v) = arabic_digit(d) else { break };
            value = value.checked_add(v * place)?;
            place /= 10;
            pos += d.len_utf8();
        }
    }
    Some((value, pos))
}

fn three_digits_then_end(text: &str, pos: usize) -> bool {
    let mut chars = text[pos..].chars();
    chars
        .by_ref()
        .take(3)
        .filter(|&c| arabic_digit(c).is_some())
        .count()
        == 3
        && chars.next().is_none_or(|c| arabic_digit(c).is_none())
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Last {
    Digit,
    Small,
    Big,
}

/// A parsed numeral and what a range needs to know about its shape.
#[derive(Clone, Copy, Debug)]
struct Numeral {
    /// Millionths of the value.
    value: u128,
    end: usize,
    last: Last,
    has_big: bool,
    /// A single figure with no unit character: the `500` of `500-800万元`.
    plain: bool,
    /// A single Chinese digit (`一`, `五`): often part of a word.
    chinese_plain: bool,
    /// The 万/亿 run closing the numeral (`万` → 1e4, `万亿` → 1e12).
    tail_big: u128,
    /// `千` of `5千万` / `5千`: set when the group before the closing 万/亿 (or the
    /// whole numeral) is exactly one digit and one of 十百千. `3-5千万元` then means
    /// 3千万 to 5千万, while `一百至一百五十万元` borrows only the 万.
    tail_small: Option<u128>,
}

/// Accumulates a Chinese (or mixed) numeral token by token, rejecting any token
/// that would make it malformed (`十三五`: a digit after a digit), so parsing stops
/// there and the part before it stands on its own.
#[derive(Default)]
struct Acc {
    /// Everything up to and including the last 亿.
    yi: u128,
    /// The 万 group inside the current 亿 group.
    wan: u128,
    /// Below 万.
    section: u128,
    /// A digit waiting for its unit.
    current: Option<u128>,
    /// The last of 十百千 in the section (they must fall).
    last_small: Option<u128>,
    seen_wan: bool,
    seen_yi: bool,
    last: Option<Last>,
    /// Unit of the token just before, for 一万五 (= 15000).
    prev_unit: Option<u128>,
    after_zero: bool,
    /// The pending Chinese digit directly follows this unit.
    digit_after_unit: Option<u128>,
    tokens: u32,
    first_chinese_digit: bool,
    tail_big: u128,
    /// Tokens since the last 万/亿, and whether they are exactly digit + small unit.
    group_len: u32,
    group_first_digit: bool,
    group_small: Option<u128>,
    tail_small: Option<u128>,
}

impl Acc {
    /// Takes `tok` if the numeral stays well-formed; `false` leaves `self` untouched.
    fn push(&mut self, tok: Tok) -> bool {
        let accepted = match tok {
            Tok::Zero if self.last.is_none() => {
                return self.push(Tok::Digit {
                    value: 0,
                    chinese: true,
                });
            }
            Tok::Zero => {
                if self.current.is_some() {
                    return false;
                }
                self.after_zero = true;
                self.prev_unit = None;
                return true;
            }
            Tok::Digit { value, chinese } => self.digit(value, chinese),
            // 百万, 千万, 亿: a leading unit other than 十 means one of it.
            Tok::Small(u) | Tok::Big(u) if self.last.is_none() && u != 10 => {
                self.digit(SCALE, true);
                self.tokens += 1;
                return self.push(tok);
            }
            Tok::Small(u) => self.small(u),
            Tok::Big(b) => self.big(b),
        };
        if accepted {
            self.tokens += 1;
            self.after_zero = false;
        }
        accepted
    }

    fn digit(&mut self, value: u128, chinese: bool) -> bool {
        if self.current.is_some() {
            return false;
        }
        self.digit_after_unit = if chinese && !self.after_zero {
            self.prev_unit
        } else {
            None
        };
        if self.last.is_none() {
            self.first_chinese_digit = chinese;
        }
        self.current = Some(value);
        self.last = Some(Last::Digit);
        self.prev_unit = None;
        self.group_len += 1;
        if self.group_len == 1 {
            self.group_first_digit = true;
        }
        true
    }

    /// Adds a decimal fraction to the digit just read (`一点五`, `十二点五`).
    fn fraction(&mut self, frac: u128) -> bool {
        match self.current {
            Some(d) if self.last == Some(Last::Digit) && d.checked_add(frac).is_some() => {
                self.current = Some(d + frac);
                self.digit_after_unit = None;
                true
            }
            _ => false,
        }
    }

    fn small(&mut self, u: u128) -> bool {
        if self.last_small.is_some_and(|s| u >= s) {
            return false;
        }
        let mult = match self.current {
            Some(v) => v,
            // 十五, 一百一十万: past the first token only 十 may stand without its digit.
            None if u == 10 && self.last != Some(Last::Small) => SCALE,
            None => return false,
        };
        let Some(section) = mult
            .checked_mul(u)
            .and_then(|a| a.checked_add(self.section))
        else {
            return false;
        };
        self.section = section;
        self.current = None;
        self.last_small = Some(u);
        self.last = Some(Last::Small);
        self.prev_unit = Some(u);
        self.digit_after_unit = None;
        self.group_len += 1;
        self.group_small = (self.group_len == 2 && self.group_first_digit).then_some(u);
        true
    }

    fn big(&mut self, b: u128) -> bool {
        let has_group = self.current.is_some() || self.section > 0;
        let Some(group) = self.section.checked_add(self.current.unwrap_or(0)) else {
            return false;
        };
        if b == WAN {
            if self.seen_wan || !has_group {
                return false;
            }
            let Some(wan) = group.checked_mul(WAN) else {
                return false;
            };
            self.wan = wan;
            self.seen_wan = true;
        } else {
            if self.seen_yi || !(has_group || self.seen_wan) {
                return false;
            }
            let Some(yi) = (self.wan.checked_add(group))
                .and_then(|v| v.checked_mul(YI))
                .and_then(|v| v.checked_add(self.yi))
            else {
                return false;
            };
            self.yi = yi;
            self.wan = 0;
            self.seen_wan = false;
            self.seen_yi = true;
        }
        if self.last == Some(Last::Big) {
            self.tail_big = self.tail_big.saturating_mul(b);
        } else {
            self.tail_big = b;
            self.tail_small = if self.group_len == 2 {
                self.group_small
            } else {
                None
            };
        }
        self.section = 0;
        self.current = None;
        self.last_small = None;
        self.last = Some(Last::Big);
        self.prev_unit = Some(b);
        self.digit_after_unit = None;
        self.group_len = 0;
        self.group_first_digit = false;
        self.group_small = None;
        true
    }

    fn finish(&self, end: usize) -> Option<Numeral> {
        let last = self.last?;
        // 一万五 = 15000, 三千五 = 3500, 一百五 = 150 (but 一千零五 = 1005).
        let current = match (self.current, self.digit_after_unit) {
            (Some(d), Some(u)) => d * u / 10,
            (d, _) => d.unwrap_or(0),
        };
        let value = self
            .yi
            .checked_add(self.wan)?
            .checked_add(self.section)?
            .checked_add(current)?;
        let plain = self.tokens == 1 && last == Last::Digit;
        Some(Numeral {
            value,
            end,
            last,
            has_big: self.seen_wan || self.seen_yi,
            plain,
            chinese_plain: plain && self.first_chinese_digit,
            tail_big: if last == Last::Big { self.tail_big } else { 1 },
            tail_small: match last {
                Last::Big => self.tail_small,
                Last::Small if self.group_len == 2 => self.group_small,
                _ => None,
            },
        })
    }
}

/// Parses the longest well-formed numeral at `start`; `None` if none starts there.
fn parse_numeral(text: &str, start: usize) -> Option<Numeral> {
    let mut acc = Acc::default();
    let mut pos = start;
    // End of the last token that carries value: a trailing 零 is not part of it.
    let mut end = start;
    while let Some((tok, next)) = next_token(text, pos) {
        let leading = acc.last.is_none();
        if !acc.push(tok) {
            break;
        }
        pos = next;
        if tok != Tok::Zero || leading {
            end = next;
        }
        if let Some((frac, next)) = chinese_fraction(text, pos)
            && acc.fraction(frac)
        {
            pos = next;
            end = next;
        }
    }
    acc.finish(end)
}

/// `点五` of `一点五亿`: 点 and digits (Chinese or Arabic) read one by one, in
/// millionths. Without this, `一点五亿元` would be read as `五亿元`.
fn chinese_fraction(text: &str, start: usize) -> Option<(u128, usize)> {
    let mut pos = start + text[start..].strip_prefix('点').map(|_| '点'.len_utf8())?;
    let (mut frac, mut place) = (0, SCALE / 10);
    while let Some(c) = char_at(text, pos) {
        let d = match c {
            '零' | '〇' => 0,
            _ => match chinese_digit(c).or_else(|| arabic_digit(c)) {
                Some(d) => d,
                None => break,
            },
        };
        frac += d * place;
        place /= 10;
        pos += c.len_utf8();
    }
    (pos > start + '点'.len_utf8()).then_some((frac, pos))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one amount in `text`, with its offsets checked against its text.
    fn one(text: &str) -> Amount {
        let found = find_amounts(text);
        assert_eq!(
            found.len(),
            1,
            "expected one amount in {text:?}, got {found:#?}"
        );
        found.into_iter().next().unwrap()
    }

    fn yuan(text: &str) -> f64 {
        one(text).yuan
    }

    fn none(text: &str) {
        let found = find_amounts(text);
        assert!(
            found.is_empty(),
            "expected no amount in {text:?}, got {found:#?}"
        );
    }

    fn offsets_hold(text: &str, found: &[Amount]) {
        for a in found {
            assert_eq!(&text[a.byte_start..a.byte_end], a.text, "in {text:?}");
        }
        for w in found.windows(2) {
            assert!(
                w[0].byte_end <= w[1].byte_start,
                "overlap in {text:?}: {w:#?}"
            );
        }
    }

    #[test]
    fn arabic_figures_with_wan_and_yi() {
        assert_eq!(yuan("安排580万元"), 5_800_000.0);
        assert_eq!(yuan("总投资1.2亿元"), 120_000_000.0);
        assert_eq!(yuan("补助1.5万元"), 15_000.0);
        assert_eq!(yuan("每户0.5万元"), 5_000.0);
        assert_eq!(yuan("总额1.2万亿元"), 1_200_000_000_000.0);
        assert_eq!(yuan("单位：5000千元"), 5_000_000.0);
        assert_eq!(yuan("3千元"), 3_000.0);
    }

    #[test]
    fn thousands_separators_ascii_and_full_width() {
        let a = one("合同价3,600,000元");
        assert_eq!(a.yuan, 3_600_000.0);
        assert_eq!(a.text, "3,600,000元");
        assert_eq!(yuan("合同价3，600，000元"), 3_600_000.0);
        assert_eq!(yuan("合同价1,234,567.89元"), 1_234_567.89);
    }

    #[test]
    fn full_width_digits() {
        assert_eq!(yuan("投资５８０万元"), 5_800_000.0);
        assert_eq!(yuan("投资１．２亿元"), 120_000_000.0);
        assert_eq!(yuan("３，６００，０００元"), 3_600_000.0);
    }

    #[test]
    fn financial_numerals_with_rmb_and_zheng() {
        let a = one("合同金额人民币叁佰万元整。");
        assert_eq!(a.yuan, 3_000_000.0);
        assert_eq!(a.text, "人民币叁佰万元整");
        let a = one("大写：人民币壹仟贰佰叁拾肆万伍仟元整");
        assert_eq!(a.yuan, 12_345_000.0);
        assert_eq!(a.text, "人民币壹仟贰佰叁拾肆万伍仟元整");
        assert_eq!(yuan("人民币贰拾萬元整"), 200_000.0);
        assert_eq!(yuan("人民币壹佰零伍元整"), 105.0);
        assert_eq!(yuan("金额叁佰万圆整"), 3_000_000.0);
    }

    #[test]
    fn plain_chinese_numerals() {
        assert_eq!(yuan("安排五百万元"), 5_000_000.0);
        assert_eq!(yuan("安排一千二百万元"), 12_000_000.0);
        assert_eq!(yuan("两千万元"), 20_000_000.0);
        assert_eq!(yuan("十万元"), 100_000.0);
        assert_eq!(yuan("一千零五十元"), 1_050.0);
        assert_eq!(yuan("三亿五千万元"), 350_000_000.0);
        assert_eq!(yuan("一万五千元"), 15_000.0);
        assert_eq!(yuan("总投资一点五亿元"), 150_000_000.0);
        assert_eq!(yuan("十二点五万元"), 125_000.0);
        assert_eq!(one("重点支持三点五万元以下").yuan, 35_000.0);
    }

    #[test]
    fn colloquial_trailing_digit_takes_the_next_lower_unit() {
        assert_eq!(yuan("一万五元"), 15_000.0);
        assert_eq!(yuan("三千五百元"), 3_500.0);
        assert_eq!(parse_chinese_number("三千五"), Some(3_500.0));
        assert_eq!(parse_chinese_number("一百五"), Some(150.0));
        assert_eq!(parse_chinese_number("一千零五"), Some(1_005.0));
    }

    #[test]
    fn mixed_arabic_and_chinese_units() {
        assert_eq!(yuan("总投资1亿2000万元"), 120_000_000.0);
        assert_eq!(yuan("3万5千元"), 35_000.0);
        assert_eq!(yuan("5千万元"), 50_000_000.0);
    }

    #[test]
    fn currency_symbols() {
        let a = one("报价¥1,000,000，");
        assert_eq!(a.yuan, 1_000_000.0);
        assert_eq!(a.text, "¥1,000,000");
        let a = one("￥50万元");
        assert_eq!(a.yuan, 500_000.0);
        assert_eq!(a.text, "￥50万元");
        assert_eq!(one("报价￥ 3000").text, "￥ 3000");
        assert_eq!(one("资金300万元人民币").text, "300万元人民币");
        assert_eq!(yuan("获得500万人民币"), 5_000_000.0);
    }

    #[test]
    fn qualifiers_before_the_figure() {
        let a = one("预计总投资约2000万元");
        assert_eq!(
            (a.qualifier, a.text.as_str()),
            (Qualifier::Approx, "约2000万元")
        );
        let a = one("单笔不超过50万元的");
        assert_eq!(
            (a.qualifier, a.text.as_str()),
            (Qualifier::AtMost, "不超过50万元")
        );
        assert_eq!(one("超过400万元").qualifier, Qualifier::AtLeast);
        assert_eq!(one("不低于100万元").qualifier, Qualifier::AtLeast);
        assert_eq!(one("不少于100万元").qualifier, Qualifier::AtLeast);
        assert_eq!(one("逾3000万元").qualifier, Qualifier::AtLeast);
        assert_eq!(one("不足10万元").qualifier, Qualifier::AtMost);
        assert_eq!(one("低于10万元").qualifier, Qualifier::AtMost);
        assert_eq!(one("不满10万元").qualifier, Qualifier::AtMost);
        assert_eq!(one("不高于10万元").qualifier, Qualifier::AtMost);
        assert_eq!(one("近1亿元").qualifier, Qualifier::Approx);
        assert_eq!(one("大约300万元").qualifier, Qualifier::Approx);
        assert_eq!(one("估算约300万元").text, "估算约300万元");
        assert_eq!(one("预计300万元").qualifier, Qualifier::Approx);
    }

    #[test]
    fn qualifier_and_currency_in_either_order() {
        let a = one("不超过人民币50万元");
        assert_eq!(
            (a.qualifier, a.text.as_str()),
            (Qualifier::AtMost, "不超过人民币50万元")
        );
        let a = one("人民币约300万元");
        assert_eq!(
            (a.qualifier, a.text.as_str()),
            (Qualifier::Approx, "人民币约300万元")
        );
    }

    #[test]
    fn qualifier_letters_inside_other_words_do_not_count() {
        assert_eq!(one("签约500万元").qualifier, Qualifier::Exact);
        assert_eq!(one("签约500万元").text, "500万元");
        assert_eq!(one("最近500万元").qualifier, Qualifier::Exact);
    }

    #[test]
    fn qualifiers_after_the_unit() {
        let a = one("2000万元左右");
        assert_eq!(
            (a.qualifier, a.text.as_str()),
            (Qualifier::Approx, "2000万元左右")
        );
        assert_eq!(one("100万元以上").qualifier, Qualifier::AtLeast);
        assert_eq!(one("100万元及以上").text, "100万元及以上");
        assert_eq!(one("50万元以下").qualifier, Qualifier::AtMost);
        assert_eq!(one("50万元以内").qualifier, Qualifier::AtMost);
        assert_eq!(one("400万元（含）以上").qualifier, Qualifier::AtLeast);
    }

    #[test]
    fn yu_and_duo_mean_more_than() {
        let a = one("投资3000余万元");
        assert_eq!((a.yuan, a.qualifier), (30_000_000.0, Qualifier::AtLeast));
        assert_eq!(yuan("300多万元"), 3_000_000.0);
        assert_eq!(yuan("十余万元"), 100_000.0);
        assert_eq!(yuan("两千多万元"), 20_000_000.0);
        let a = one("5万余元");
        assert_eq!((a.yuan, a.text.as_str()), (50_000.0, "5万余元"));
        none("3000余人");
    }

    #[test]
    fn vague_figures_count_as_lower_bounds() {
        let a = one("涉及资金数百万元");
        assert_eq!((a.text.as_str(), a.yuan), ("数百万元", 1_000_000.0));
        assert_eq!(a.qualifier, Qualifier::AtLeast);
        assert_eq!(one("几十万元").qualifier, Qualifier::AtLeast);
        assert_eq!(one("上千万元的项目").yuan, 10_000_000.0);
        assert_eq!(one("逾千万元").qualifier, Qualifier::AtLeast);
        let a = one("总投资近亿元");
        assert_eq!((a.yuan, a.qualifier), (100_000_000.0, Qualifier::Approx));
        none("每万元投资");
        none("亿元以上项目");
        none("百姓得实惠");
        none("上万人参加");
        none("最近万元户");
    }

    #[test]
    fn per_unit_rates_keep_the_figure() {
        let a = one("补助标准8000元/人");
        assert_eq!((a.yuan, a.text.as_str()), (8_000.0, "8000元"));
        assert_eq!(yuan("每人每月300元"), 300.0);
        assert_eq!(yuan("每亩500元"), 500.0);
    }

    #[test]
    fn ranges_borrow_the_upper_unit() {
        let a = one("500-800万元");
        assert_eq!((a.yuan, a.yuan_to), (5_000_000.0, Some(8_000_000.0)));
        assert_eq!(a.text, "500-800万元");
        assert_eq!(one("500～800万元").yuan_to, Some(8_000_000.0));
        assert_eq!(one("300～500万元").yuan, 3_000_000.0);
        assert_eq!(one("30-50万元").yuan, 300_000.0);
        assert_eq!(one("1.5-2亿元").yuan, 150_000_000.0);
        assert_eq!(one("三至五万元").yuan, 30_000.0);
        assert_eq!(one("五十至八十万元").yuan, 500_000.0);
        assert_eq!(one("一百至一百五十万元").yuan, 1_000_000.0);
        assert_eq!(one("3-5千万元").yuan, 30_000_000.0);
        assert_eq!(one("3-5千元").yuan, 3_000.0);
    }

    #[test]
    fn ranges_with_units_on_both_ends() {
        for text in [
            "500万元至800万元",
            "500万至800万元",
            "500万元—800万元",
            "500万元到800万元",
        ] {
            let a = one(text);
            assert_eq!(
                (a.yuan, a.yuan_to),
                (5_000_000.0, Some(8_000_000.0)),
                "{text}"
            );
            assert_eq!(a.text, text);
        }
        let a = one("5000元至8000元");
        assert_eq!((a.yuan, a.yuan_to), (5_000.0, Some(8_000.0)));
        let a = one("500万-1.2亿元");
        assert_eq!((a.yuan, a.yuan_to), (5_000_000.0, Some(120_000_000.0)));
    }

    #[test]
    fn ranges_keep_qualifiers() {
        let a = one("约500-800万元");
        assert_eq!(
            (a.qualifier, a.text.as_str()),
            (Qualifier::Approx, "约500-800万元")
        );
        let a = one("500-800万元左右");
        assert_eq!(
            (a.qualifier, a.yuan_to),
            (Qualifier::Approx, Some(8_000_000.0))
        );
    }

    #[test]
    fn a_dash_that_is_not_a_range_leaves_the_amount_alone() {
        let a = one("资金500万元到位");
        assert_eq!((a.text.as_str(), a.yuan_to), ("500万元", None));
        let found = find_amounts("2024-2025年度预算500万元");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].text, "500万元");
        let a = one("500万元-2025年");
        assert_eq!(a.yuan_to, None);
    }

    #[test]
    fn bare_wan_is_money_after_a_money_word() {
        assert_eq!(yuan("项目投资3000万，分两年"), 30_000_000.0);
        assert_eq!(yuan("专项资金500万。"), 5_000_000.0);
        assert_eq!(yuan("合同金额：120万"), 1_200_000.0);
        assert_eq!(yuan("预算2.5亿"), 250_000_000.0);
        assert_eq!(yuan("给予奖励5万"), 50_000.0);
        assert_eq!(yuan("工程造价约800万左右"), 8_000_000.0);
        assert_eq!(yuan("合同价1亿2000万"), 120_000_000.0);
        assert_eq!(one("投资3.6亿").text, "3.6亿");
        assert_eq!(find_amounts("奖励5万、10万、20万不等").len(), 3);
        let found = find_amounts("项目资金120万，其中60万用于设备购置");
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].yuan, 600_000.0);
        assert_eq!(
            find_amounts("项目资金120万，其中60万、30万用于设备").len(),
            3
        );
    }

    #[test]
    fn bare_wan_is_money_before_a_money_word() {
        let a = one("安排500万资金用于");
        assert_eq!((a.yuan, a.text.as_str()), (5_000_000.0, "500万"));
    }

    #[test]
    fn bare_wan_with_a_measure_word_is_not_money() {
        none("全县耕地5万亩");
        none("惠及3万人");
        none("建设2万平方米");
        none("覆盖2万户");
        none("项目投资涉及5万亩耕地");
        none("投资建设5万kW光伏");
        none("人口3.6亿");
        none("共计3000万");
    }

    #[test]
    fn a_money_word_in_an_earlier_clause_does_not_count() {
        none("项目资金另行安排，覆盖人口3000万");
        assert_eq!(one("投资500万元。其中3万用于").text, "500万元");
    }

    #[test]
    fn non_money_numbers() {
        none("增长30%");
        none("占比百分之三十");
        none("2025年12月31日前");
        none("划分为3个标段");
        none("第十万条");
        none("联系电话：13812345678");
        none("联系电话：0871-65123456");
        none("“十三五”期间");
        none("“十四五”规划");
        none("实行一事一议");
        none("二〇二五年");
        none("破除城乡二元结构");
        none("推进一元化管理");
        none("一元复始");
        none("千万不能挪用资金");
        none("第3期");
    }

    #[test]
    fn a_lone_chinese_digit_before_yuan_needs_to_stand_apart() {
        assert_eq!(yuan("每人每天五元。"), 5.0);
        assert_eq!(yuan("人民币五元"), 5.0);
    }

    #[test]
    fn several_amounts_in_one_sentence() {
        let text = "项目总投资1.2亿元，其中省级补助3000万元、县级配套人民币伍佰万元整，\
                    剩余约8500万元由企业自筹；单项采购不超过50万元的，按每人每月300元发放。";
        let found = find_amounts(text);
        offsets_hold(text, &found);
        let got: Vec<(&str, f64, Qualifier)> = found
            .iter()
            .map(|a| (a.text.as_str(), a.yuan, a.qualifier))
            .collect();
        assert_eq!(
            got,
            vec![
                ("1.2亿元", 120_000_000.0, Qualifier::Exact),
                ("3000万元", 30_000_000.0, Qualifier::Exact),
                ("人民币伍佰万元整", 5_000_000.0, Qualifier::Exact),
                ("约8500万元", 85_000_000.0, Qualifier::Approx),
                ("不超过50万元", 500_000.0, Qualifier::AtMost),
                ("300元", 300.0, Qualifier::Exact),
            ]
        );
    }

    #[test]
    fn adjacent_amounts_do_not_share_words() {
        let text = "500万元约300万元";
        let found = find_amounts(text);
        offsets_hold(text, &found);
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].text, "约300万元");
    }

    #[test]
    fn offsets_are_bytes_into_the_input() {
        let text = "一、总体要求：项目预计总投资约2000万元（含配套资金），工期两年。";
        let a = one(text);
        assert_eq!(&text[a.byte_start..a.byte_end], "约2000万元");
        assert_eq!(a.byte_start, text.find("约2000").unwrap());
    }

    #[test]
    fn offsets_hold_on_a_realistic_draft() {
        let text = "第五条 资金安排\n（一）县财政安排专项资金500-800万元，\
                    对新建项目给予一次性奖励人民币壹拾万元整；\n\
                    （二）单个项目补助不超过¥300,000，补助面积不超过2万亩，\
                    全年支出控制在1亿2000万元以内。";
        let found = find_amounts(text);
        offsets_hold(text, &found);
        let texts: Vec<&str> = found.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "500-800万元",
                "人民币壹拾万元整",
                "不超过¥300,000",
                "1亿2000万元以内"
            ]
        );
        assert_eq!(found[1].yuan, 100_000.0);
        assert_eq!(found[2].yuan, 300_000.0);
        assert_eq!(found[3].qualifier, Qualifier::AtMost);
    }

    #[test]
    fn huge_figures_do_not_panic() {
        let text = format!("{}元", "9".repeat(60));
        assert!(find_amounts(&text).is_empty());
        assert!(find_amounts("九千九百亿亿万万元").len() <= 1);
    }

    /// Random strings over the characters the scanner cares about: no panic, and
    /// every result is a well-formed, in-order slice of the input.
    #[test]
    fn random_text_never_breaks_the_scanner() {
        let alphabet: Vec<char> = "0123456789,，.．-～至到一二两三五十百千万亿零壹贰叁佰仟萬億\
                                   元整圆余多点约不超过以上左右人民币¥￥第资金投资亩人，。、（）a "
            .chars()
            .collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let text: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let found = find_amounts(&text);
            offsets_hold(&text, &found);
            for a in &found {
                assert!(a.byte_start < a.byte_end && a.byte_end <= text.len());
                assert!(a.yuan.is_finite() && a.yuan >= 0.0, "{text:?}: {a:?}");
                assert!(a.yuan_to.is_none_or(|to| to >= a.yuan), "{text:?}: {a:?}");
            }
        }
    }

    #[test]
    fn candidate_lists_are_exactly_the_characters_the_scanner_stops_at() {
        let listed: Vec<char> = ASCII_CANDIDATES
            .chars()
            .chain(WIDE_CANDIDATES.chars())
            .collect();
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            let stops = starts_numeral(c) || unit_value(c).is_some();
            assert_eq!(listed.contains(&c), stops, "{c:?}");
        }
        assert!(ASCII_CANDIDATES.is_ascii());
        assert!(WIDE_CANDIDATES.chars().all(|c| c.len_utf8() == 3));
    }

    /// The scanner as it was before the candidate search: every character decoded
    /// and tested, and every qualifier word compared. The fast paths must not change
    /// a single result.
    fn find_amounts_char_by_char(text: &str) -> Vec<Amount> {
        let mut out = Vec::new();
        let (mut pos, mut floor) = (0, 0);
        while let Some(c) = text[pos..].chars().next() {
            if !starts_numeral(c) && !vague_unit_start(text, pos, c) {
                pos += c.len_utf8();
                continue;
            }
            match try_at(text, pos, floor) {
                Step::Found(a) => {
                    pos = a.byte_end;
                    floor = a.byte_end;
                    out.push(a);
                }
                Step::Skip(end) => pos = end,
            }
        }
        out
    }

    fn qualifier_before_every_word(before: &str) -> Option<(usize, Qualifier)> {
        PREFIX_QUALIFIERS.iter().find_map(|&(word, q, not_after)| {
            let rest = before.strip_suffix(word)?;
            let joined = rest
                .chars()
                .next_back()
                .is_some_and(|c| not_after.contains(c));
            (!joined).then_some((word.len(), q))
        })
    }

    #[test]
    fn the_candidate_search_finds_what_the_char_by_char_scan_found() {
        let alphabet: Vec<char> = "0123456789０５,，.．-～至到一二两三五九十百千万亿零〇壹贰叁佰仟萬億\
                                   元整圆余多点约近超逾数几上不过以上左右人民币¥￥第资金投资亩人，。、（）a \n"
            .chars()
            .collect();
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let text: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            assert_eq!(
                find_amounts(&text),
                find_amounts_char_by_char(&text),
                "{text:?}"
            );
            for (i, _) in text.char_indices() {
                let before = &text[..i];
                assert_eq!(
                    qualifier_before(before),
                    qualifier_before_every_word(before)
                );
            }
        }
        // Long texts too: the searches remember their last match across candidates.
        let long: String = (0..200)
            .map(|i| format!("第{i}条 项目投资约{i}万元，其中3000余万元用于设备。2025年"))
            .collect();
        assert_eq!(find_amounts(&long), find_amounts_char_by_char(&long));
    }

    #[test]
    fn empty_and_numberless_text() {
        none("");
        none("关于进一步加强村级集体经济组织管理的通知");
    }

    #[test]
    fn amounts_serialise_with_snake_case_qualifiers() {
        let json = serde_json::to_string(&one("不超过50万元")).unwrap();
        assert!(json.contains(r#""qualifier":"at_most""#), "{json}");
        assert!(json.contains(r#""yuan":500000.0"#), "{json}");
    }

    #[test]
    fn parse_chinese_number_accepts_whole_numerals_only() {
        assert_eq!(parse_chinese_number("一千二百"), Some(1_200.0));
        assert_eq!(parse_chinese_number("叁佰万"), Some(3_000_000.0));
        assert_eq!(parse_chinese_number(" 1.2亿 "), Some(120_000_000.0));
        assert_eq!(parse_chinese_number("3,600,000"), Some(3_600_000.0));
        assert_eq!(parse_chinese_number("５８０"), Some(580.0));
        assert_eq!(parse_chinese_number("十"), Some(10.0));
        assert_eq!(parse_chinese_number("零"), Some(0.0));
        assert_eq!(parse_chinese_number("一万亿"), Some(1e12));
        assert_eq!(parse_chinese_number("十三五"), None);
        assert_eq!(parse_chinese_number("千万"), Some(10_000_000.0));
        assert_eq!(parse_chinese_number("万万"), None);
        assert_eq!(parse_chinese_number("580万元"), None);
        assert_eq!(parse_chinese_number(""), None);
    }

    #[test]
    fn format_yuan_reads_like_a_report() {
        assert_eq!(format_yuan(5_800_000.0), "580万元");
        assert_eq!(format_yuan(120_000_000.0), "1.2亿元");
        assert_eq!(format_yuan(3_500.0), "3500元");
        assert_eq!(format_yuan(10_000.0), "1万元");
        assert_eq!(format_yuan(12_345.0), "1.2345万元");
        assert_eq!(format_yuan(300.5), "300.5元");
        assert_eq!(format_yuan(0.0), "0元");
        assert_eq!(format_yuan(99_999_999.999), "1亿元");
        assert_eq!(format_yuan(1_234_567_800.0), "12.345678亿元");
    }

    #[test]
    fn formatted_values_parse_back() {
        for v in [
            5_800_000.0,
            120_000_000.0,
            3_500.0,
            12_345.0,
            1_234_567_800.0,
        ] {
            assert_eq!(yuan(&format_yuan(v)), v);
        }
    }
}
