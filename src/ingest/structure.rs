//! Structure pass: raw blocks from any reader → a [`Document`] with clause paths.
//!
//! This is the only place that knows what a Chinese draft looks like, so a GBK
//! `.txt`, a `.docx` and a `.pdf` of the same draft get the same blocks and paths.
//! It works on the *text* of each block; reader hints (docx styles, markdown `#`,
//! automatic numbering labels) only fill gaps the text cannot answer, such as a
//! heading without a number.
//!
//! Shape of a draft, as the pass understands it:
//! - a title near the top (hinted, or recognised by its ending: 办法/方案/通知…/（征求意见稿）);
//! - chapters `第X章`/`第X节` (headings; in drafts with `第X条` they do not enter the
//!   clause path because article numbers are global, otherwise they prefix it);
//! - articles `第X条`, whose number starts a new clause path;
//! - outline numbering `一、` > `（一）` > `1.` > `（1）` > `①`, nested under the
//!   current article (`第三条（二）1.`) or standing alone (`二、（一）1.（1）`); a
//!   marker resets every deeper level;
//! - annexes (`附件1`), which start a fresh context (`附件1第三条`).
//!
//! The recognisers are hand-written prefix scanners rather than regexes: the
//! patterns are short, and scanners make it easy to refuse look-alikes such as
//! `第三条规定的情形` or `1.5亿元` at the start of a paragraph.

use std::borrow::Cow;

use super::{Block, BlockKind, Document, Hint, RawBlock, SourceFormat};

/// Turns reader output into a [`Document`]: normalised text, block kinds, offsets,
/// clause paths and sections.
pub fn build(name: &str, format: SourceFormat, raw: Vec<RawBlock>) -> Document {
    let mut items = normalise_blocks(raw);
    let title_index = find_title(&mut items);
    let has_articles = items
        .iter()
        .any(|item| !item.is_cell() && article(&item.text).is_some());

    let mut ctx = Context::new(has_articles);
    let mut classified = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        classified.push(ctx.classify(index, item, title_index == Some(index)));
    }

    let mut text = String::with_capacity(items.iter().map(|i| i.text.len() + 1).sum());
    let mut blocks = Vec::with_capacity(items.len());
    let mut chars = 0usize;
    for (item, c) in items.iter().zip(classified) {
        if !text.is_empty() {
            text.push('\n');
            chars += 1;
        }
        let byte_start = text.len();
        let start = chars;
        text.push_str(&item.text);
        chars += item.text.chars().count();
        blocks.push(Block {
            kind: c.kind,
            start,
            end: chars,
            byte_start,
            byte_end: text.len(),
            level: c.level,
            clause: c.clause,
            section: c.section,
        });
    }

    let mut warnings = Vec::new();
    if blocks
        .iter()
        .any(|b| matches!(b.kind, BlockKind::TableCell { .. }))
    {
        warnings.push("表格内容已按单元格提取".to_string());
    }

    Document {
        name: name.to_string(),
        format,
        title: title_index
            .and_then(|i| items.get(i))
            .map(|i| i.text.clone()),
        text,
        blocks,
        warnings,
    }
}

/// A normalised block before classification.
#[derive(Debug)]
struct Item {
    text: String,
    hint: Hint,
}

impl Item {
    fn is_cell(&self) -> bool {
        matches!(self.hint, Hint::TableCell { .. })
    }
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Prefixes numbering labels, splits on any line break a reader let through, and
/// normalises whitespace; empty blocks are dropped.
fn normalise_blocks(raw: Vec<RawBlock>) -> Vec<Item> {
    let mut items = Vec::with_capacity(raw.len());
    for RawBlock { text, hint } in raw {
        let (full, hint) = match hint {
            Hint::Numbered(label) => (format!("{label}{text}"), Hint::None),
            other => (text, other),
        };
        // Most blocks are one clean line already: keep the reader's string.
        if is_normal(&full) {
            if !full.is_empty() {
                items.push(Item { text: full, hint });
            }
            continue;
        }
        let mut first = true;
        for piece in full.split(is_line_break) {
            let text = normalise(piece);
            if text.is_empty() {
                continue;
            }
            // Only the first line of a titled/heading block keeps the hint; every
            // line of a table cell stays in its cell.
            let hint = if first || matches!(hint, Hint::TableCell { .. }) {
                hint.clone()
            } else {
                Hint::None
            };
            first = false;
            items.push(Item { text, hint });
        }
    }
    items
}

fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{AD}'
    )
}

/// Whether `s` is already what [`normalise`] makes of it and holds no line break:
/// no leading, trailing or doubled ASCII space and no other character that
/// `normalise` touches. Most blocks pass, and then they are kept without a copy.
///
/// Checked on the UTF-8 bytes without decoding, one (byte, next, next but one)
/// triple per position, with no branch per byte; a unit test checks it against
/// `normalise` for every `char`.
fn is_normal(s: &str) -> bool {
    let b = s.as_bytes();
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return false;
    }
    let n = b.len();
    let body = if n >= 2 {
        let triples = b.iter().zip(&b[1..]).zip(&b[2..]);
        triples.fold(false, |hit, ((&x, &y), &z)| hit | touches_at(x, y, z))
    } else {
        false
    };
    // The last two positions, with the bytes past the end read as 0 (no sequence
    // is cut short in valid UTF-8, so this decides them exactly).
    let tail = match n {
        0 => false,
        1 => touches_at(b[0], 0, 0),
        _ => touches_at(b[n - 2], b[n - 1], 0) | touches_at(b[n - 1], 0, 0),
    };
    !(body | tail)
}

/// Whether the character starting with byte `x` (followed by `y`, `z`) is one that
/// [`normalise`] drops, replaces or splits at, other than a single ASCII space:
/// C0 controls and DEL; a second space in a row; `C2 80`–`C2 A0` (C1 controls,
/// NEL, NBSP) and `C2 AD` (soft hyphen); U+1680; U+2000–U+200D, U+2028, U+2029,
/// U+202F, U+205F and U+2060; U+3000; U+FEFF. Written with `&`/`|` on purpose, so
/// that it compiles without branches.
#[inline(always)]
fn touches_at(x: u8, y: u8, z: u8) -> bool {
    let ascii = (x < 0x20) | (x == 0x7f) | ((x == b' ') & (y == b' '));
    let c2 = (x == 0xc2) & ((y <= 0xa0) | (y == 0xad));
    let e1 = (x == 0xe1) & (y == 0x9a) & (z == 0x80);
    let e2 = (x == 0xe2)
        & (((y == 0x80) & ((z <= 0x8d) | (z == 0xa8) | (z == 0xa9) | (z == 0xaf)))
            | ((y == 0x81) & ((z == 0x9f) | (z == 0xa0))));
    let e3 = (x == 0xe3) & (y == 0x80) & (z == 0x80);
    let ef = (x == 0xef) & (y == 0xbb) & (z == 0xbf);
    ascii | c2 | e1 | e2 | e3 | ef
}

/// Collapses every kind of space (ASCII, U+3000, NBSP, tabs …) to one ASCII space,
/// drops zero-width and control characters, and trims both ends.
fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        match c {
            c if is_zero_width(c) => {}
            c if c.is_whitespace() => pending_space = true,
            c if c.is_control() => {}
            c => {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Recognisers
// ---------------------------------------------------------------------------

fn is_cn_numeral(c: char) -> bool {
    matches!(
        c,
        '零' | '〇'
            | '一'
            | '二'
            | '三'
            | '四'
            | '五'
            | '六'
            | '七'
            | '八'
            | '九'
            | '十'
            | '百'
            | '千'
            | '两'
    )
}

fn ascii_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')),
        _ => None,
    }
}

/// A leading number, either Chinese numerals or digits (full-width digits become
/// ASCII): (number as written, is Chinese, rest). Borrowed unless a full-width
/// digit had to be converted.
fn take_number(s: &str) -> Option<(Cow<'_, str>, bool, &str)> {
    let first = s.chars().next()?;
    let (is_cn, max) = if is_cn_numeral(first) {
        (true, 8)
    } else if ascii_digit(first).is_some() {
        (false, 4)
    } else {
        return None;
    };
    let mut count = 0;
    let mut end = 0;
    let mut full_width = false;
    for (i, c) in s.char_indices() {
        let keep = if is_cn {
            is_cn_numeral(c)
        } else {
            ascii_digit(c).is_some()
        };
        if !keep {
            break;
        }
        full_width |= !is_cn && !c.is_ascii();
        count += 1;
        end = i + c.len_utf8();
    }
    if count > max {
        return None;
    }
    let num = if full_width {
        Cow::Owned(s[..end].chars().filter_map(ascii_digit).collect())
    } else {
        Cow::Borrowed(&s[..end])
    };
    Some((num, is_cn, &s[end..]))
}

/// Words that, right after `第X条`/`第X章`, show the text is citing the unit rather
/// than starting it (`第三条规定的情形…`).
const CITATION_FOLLOWERS: &[&str] = &[
    "规定",
    "的",
    "所",
    "中的",
    "中所",
    "中规定",
    "中列",
    "之",
    "至",
    "到",
    "和",
    "与",
    "、",
    "，",
    ",",
    "。",
    "或",
    "及",
    "第",
    "款",
    "项",
    "条",
    "章",
    "节",
];

fn cites_rather_than_starts(rest: &str) -> bool {
    CITATION_FOLLOWERS.iter().any(|w| rest.starts_with(w))
}

/// `第十二条 …` / `第12条…` / `第一百二十条之一 …` → `第十二条`.
fn article(t: &str) -> Option<String> {
    let rest = t.strip_prefix('第')?;
    let (num, _, rest) = take_number(rest.trim_start())?;
    let mut rest = rest.trim_start().strip_prefix('条')?;
    let mut label = format!("第{num}条");
    if let Some(after) = rest.strip_prefix('之')
        && let Some((n, true, after)) = take_number(after)
    {
        label.push('之');
        label.push_str(&n);
        rest = after;
    }
    if rest.is_empty() || rest.starts_with(' ') || !cites_rather_than_starts(rest) {
        Some(label)
    } else {
        None
    }
}

/// Rank of a chapter-like heading in the section stack: 编/篇/部分 > 章 > 节.
/// An agenda item of a meeting pack (`议题一：关于……的议题`) ranks as a part: the
/// items of one compilation are separate matters, and a clause of one must not
/// read its neighbour's safeguards.
fn chapter(t: &str) -> Option<(String, u8)> {
    if let Some(rest) = t.strip_prefix("议题") {
        let (num, _, rest) = take_number(rest.trim_start())?;
        // The separator is read before trimming: "议题三 关于……" uses a space.
        let sep = rest.chars().next()?;
        let heading_like = (sep.is_whitespace() || matches!(sep, '：' | ':' | '、' | '．' | '.'))
            && rest.chars().count() <= 60
            && !rest.contains('。');
        return heading_like.then(|| (format!("议题{num}"), 1));
    }
    let rest = t.strip_prefix('第')?;
    let (num, _, rest) = take_number(rest.trim_start())?;
    let rest = rest.trim_start();
    let (unit, rank, rest) = if let Some(r) = rest.strip_prefix("部分") {
        ("部分", 1, r)
    } else {
        let c = rest.chars().next()?;
        let rank = match c {
            '编' | '篇' => 1,
            '章' => 2,
            '节' => 3,
            _ => return None,
        };
        (&rest[..c.len_utf8()], rank, &rest[c.len_utf8()..])
    };
    let heading_like = rest.chars().count() <= 40 && !rest.contains('。');
    if !heading_like || (!rest.starts_with(' ') && cites_rather_than_starts(rest)) {
        return None;
    }
    Some((format!("第{num}{unit}"), rank))
}

/// `附件` / `附件1` / `附件 2：` / `附件：` alone on a line → `附件1`.
fn annex(t: &str) -> Option<String> {
    let rest = t.strip_prefix("附件")?.trim_start();
    let (num, rest) = match take_number(rest) {
        Some((num, _, rest)) => (num, rest),
        None => (Cow::Borrowed(""), rest),
    };
    let rest = rest.trim().trim_start_matches(['：', ':']).trim();
    rest.is_empty().then(|| format!("附件{num}"))
}

/// An outline marker at the start of `t`: (level 1–5, normalised marker, rest).
fn outline(t: &str) -> Option<(u8, String, &str)> {
    let first = t.chars().next()?;
    let after_first = &t[first.len_utf8()..];
    match first {
        '（' | '(' => {
            let (num, is_cn, rest) = take_number(after_first)?;
            let rest = rest.strip_prefix('）').or_else(|| rest.strip_prefix(')'))?;
            if !is_cn && num.len() > 3 {
                return None;
            }
            let level = if is_cn { 2 } else { 4 };
            return Some((level, format!("（{num}）"), rest));
        }
        '①'..='⑳' => return Some((5, first.to_string(), after_first)),
        '⑴'..='⒇' => {
            let n = u32::from(first) - u32::from('⑴') + 1;
            return Some((4, format!("（{n}）"), after_first));
        }
        '⒈'..='⒛' => {
            let n = u32::from(first) - u32::from('⒈') + 1;
            return Some((3, format!("{n}."), after_first));
        }
        _ => {}
    }
    let (num, is_cn, rest) = take_number(t)?;
    let sep = rest.chars().next()?;
    let after = &rest[sep.len_utf8()..];
    let digit_follows = after.chars().next().and_then(ascii_digit).is_some();
    match sep {
        '、' | '．' | '.' if is_cn && !digit_follows => Some((1, format!("{num}、"), after)),
        '、' | '．' | '.' if !is_cn && num.len() <= 3 && !digit_follows => {
            Some((3, format!("{num}."), after))
        }
        _ => None,
    }
}

/// Sentence punctuation: an outline line containing any of these carries body text.
const SENTENCE_PUNCT: &[char] = &['。', '；', ';', '！', '!', '？', '?', '，', ',', '：', ':'];

fn is_heading_text(rest: &str) -> bool {
    rest.trim().chars().count() <= 30 && !rest.contains(SENTENCE_PUNCT)
}

fn starts_structure(t: &str) -> bool {
    article(t).is_some() || chapter(t).is_some() || annex(t).is_some() || outline(t).is_some()
}

// ---------------------------------------------------------------------------
// Title
// ---------------------------------------------------------------------------

const DOC_TYPES: &[&str] = &[
    "办法", "方案", "意见", "规定", "请示", "报告", "通知", "细则", "条例", "规则", "制度", "决定",
    "规划", "计划", "纪要", "通报", "批复", "公告", "通告", "指引", "指南", "准则", "守则", "措施",
    "要点", "清单", "章程", "决议", "规程", "标准", "议案", "函",
];

const QUALIFIERS: &[&str] = &[
    "征求意见稿",
    "草案",
    "试行",
    "暂行",
    "修订",
    "修订稿",
    "修订草案",
    "送审稿",
    "讨论稿",
    "代拟稿",
    "初稿",
    "审议稿",
    "草稿",
];

/// `征求意见稿`, `草案`, or a revision note such as `2023年修订`.
fn is_qualifier(q: &str) -> bool {
    QUALIFIERS.contains(&q)
        || (q.chars().count() <= 16
            && q.starts_with(|c: char| c.is_ascii_digit())
            && ["修订", "修正", "修改", "版", "年"]
                .iter()
                .any(|e| q.ends_with(e)))
}

/// Strips trailing `（征求意见稿）`-like qualifiers: (core, whether one was found).
fn strip_qualifiers(t: &str) -> (&str, bool) {
    let mut core = t.trim_end();
    let mut found = false;
    for _ in 0..3 {
        let Some(open) = core.rfind(['（', '(']) else {
            break;
        };
        let inner = &core[open..];
        let inner = inner
            .strip_prefix(['（', '('])
            .and_then(|s| s.strip_suffix(['）', ')']));
        match inner {
            Some(q) if is_qualifier(q.trim()) => {
                core = core[..open].trim_end();
                found = true;
            }
            _ => break,
        }
    }
    (core, found)
}

fn ends_with_doc_type(t: &str) -> bool {
    // A bracket left open means the line was broken inside it: `…办法（征求意见`.
    let count = |set: &[char]| t.chars().filter(|c| set.contains(c)).count();
    if count(&['（', '(', '《']) > count(&['）', ')', '》']) {
        return false;
    }
    let (core, _) = strip_qualifiers(t);
    // 《…办法》 quoted, or followed by the year of its version (`…条例 2023`).
    let core = core.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
    let core = core
        .strip_prefix('《')
        .and_then(|c| c.strip_suffix('》'))
        .unwrap_or(core);
    DOC_TYPES.iter().any(|d| core.ends_with(d))
}

fn is_qualifier_line(t: &str) -> bool {
    let (core, found) = strip_qualifiers(t);
    found && core.is_empty()
}

fn title_shaped(t: &str) -> bool {
    let n = t.chars().count();
    // 发文字号 such as 某政办发〔2024〕12号.
    let document_number = t.contains(['〔', '[', '［']) && t.ends_with('号');
    let sentence = t.contains(['。', '；']) || t.ends_with(['：', ':', '，', ',']);
    (4..=80).contains(&n) && !sentence && !document_number && !starts_structure(t)
}

fn looks_like_title(t: &str) -> bool {
    title_shaped(t) && (ends_with_doc_type(t) || strip_qualifiers(t).1 || t.contains("关于"))
}

/// Whether `next` completes a title broken over two lines (`…管理办法》` + `的通知`,
/// or a trailing `（征求意见稿）`).
fn continues_title(title: &str, next: &Item) -> bool {
    if next.is_cell() || starts_structure(&next.text) {
        return false;
    }
    if is_qualifier_line(&next.text) {
        return true;
    }
    let combined = format!("{title}{}", next.text);
    !ends_with_doc_type(title)
        && next.text.chars().count() <= 30
        && !next.text.contains('。')
        && title_shaped(&combined)
        && ends_with_doc_type(&combined)
}

/// The title block: the first `Hint::Title`, else the first title-shaped block
/// near the top (before any numbered structure). A continuation line is merged
/// into it.
fn find_title(items: &mut Vec<Item>) -> Option<usize> {
    let hinted = items.iter().position(|i| i.hint == Hint::Title);
    let index = hinted.or_else(|| {
        let mut seen = 0;
        for (i, item) in items.iter().enumerate() {
            if item.is_cell() {
                continue;
            }
            if seen >= 12 || starts_structure(&item.text) {
                break;
            }
            seen += 1;
            // A heading at the very top (markdown `###`, a docx heading style) is the
            // title even without a 办法/通知 ending.
            let hinted_heading = i == 0 && matches!(item.hint, Hint::Heading(_));
            if looks_like_title(&item.text) || (hinted_heading && title_shaped(&item.text)) {
                return Some(i);
            }
        }
        None
    })?;
    if let Some(next) = items.get(index + 1)
        && continues_title(&items[index].text, next)
    {
        let next = items.remove(index + 1);
        items[index].text.push_str(&next.text);
    }
    Some(index)
}

// ---------------------------------------------------------------------------
// Classification
// ---------------------------------------------------------------------------

struct Classified {
    kind: BlockKind,
    level: u8,
    clause: String,
    section: Option<usize>,
}

/// Reading state: where in the numbering the current block sits.
struct Context {
    has_articles: bool,
    annex: Option<String>,
    chapter: Option<String>,
    article: Option<String>,
    /// Open outline markers, shallowest first: (level, marker).
    outline: Vec<(u8, String)>,
    /// Open headings: (rank, block index); rank orders 附件 < 编 < 章 < 节 < styled
    /// headings < 一、 < （一） ….
    headings: Vec<(u8, usize)>,
    /// Set by an annex marker: the annex's own title line becomes a heading.
    expect_annex_title: bool,
}

const OUTLINE_RANK_BASE: u8 = 10;

impl Context {
    fn new(has_articles: bool) -> Self {
        Context {
            has_articles,
            annex: None,
            chapter: None,
            article: None,
            outline: Vec::new(),
            headings: Vec::new(),
            expect_annex_title: false,
        }
    }

    fn path(&self) -> String {
        // Sized up front: this runs for every block.
        let len = self.annex.as_ref().map_or(0, String::len)
            + self
                .chapter
                .as_ref()
                .filter(|_| !self.has_articles)
                .map_or(0, String::len)
            + self.article.as_ref().map_or(0, String::len)
            + self.outline.iter().map(|(_, m)| m.len()).sum::<usize>();
        let mut p = String::with_capacity(len);
        if let Some(a) = &self.annex {
            p.push_str(a);
        }
        if !self.has_articles
            && let Some(c) = &self.chapter
        {
            p.push_str(c);
        }
        if let Some(a) = &self.article {
            p.push_str(a);
        }
        for (_, marker) in &self.outline {
            p.push_str(marker);
        }
        p
    }

    fn depth(&self) -> u8 {
        self.outline.last().map_or(0, |(level, _)| *level)
    }

    fn section(&self) -> Option<usize> {
        self.headings.last().map(|(_, index)| *index)
    }

    /// Records a heading of `rank` at `index`; returns its enclosing section.
    fn open_heading(&mut self, rank: u8, index: usize) -> Option<usize> {
        while self.headings.last().is_some_and(|(r, _)| *r >= rank) {
            self.headings.pop();
        }
        let parent = self.section();
        self.headings.push((rank, index));
        parent
    }

    fn classify(&mut self, index: usize, item: &Item, is_title: bool) -> Classified {
        let t = item.text.as_str();
        if let Hint::TableCell { table, row, col } = item.hint {
            return Classified {
                kind: BlockKind::TableCell { table, row, col },
                level: self.depth(),
                clause: self.path(),
                section: self.section(),
            };
        }
        let expect_annex_title = std::mem::take(&mut self.expect_annex_title);
        if is_title {
            return Classified {
                kind: BlockKind::Title,
                level: 0,
                clause: String::new(),
                section: None,
            };
        }
        if let Some(label) = annex(t) {
            self.annex = Some(label.clone());
            self.chapter = None;
            self.article = None;
            self.outline.clear();
            self.headings.clear();
            self.headings.push((0, index));
            self.expect_annex_title = true;
            return heading(0, label, None);
        }
        if let Some((label, rank)) = chapter(t) {
            self.article = None;
            self.outline.clear();
            if !self.has_articles {
                self.chapter = Some(label.clone());
            }
            let section = self.open_heading(rank, index);
            let clause = format!("{}{label}", self.annex.as_deref().unwrap_or(""));
            return heading(0, clause, section);
        }
        if let Some(label) = article(t) {
            self.article = Some(label);
            self.outline.clear();
            return Classified {
                kind: BlockKind::Article,
                level: 0,
                clause: self.path(),
                section: self.section(),
            };
        }
        if let Some((level, marker, rest)) = outline(t) {
            while self.outline.last().is_some_and(|(l, _)| *l >= level) {
                self.outline.pop();
            }
            self.outline.push((level, marker));
            let clause = self.path();
            // Inside an article, numbered lines are list items of the article.
            if self.article.is_none() && is_heading_text(rest) {
                let section = self.open_heading(OUTLINE_RANK_BASE + level, index);
                return heading(level, clause, section);
            }
            return Classified {
                kind: BlockKind::Item,
                level,
                clause,
                section: self.section(),
            };
        }
        let hinted_rank = match item.hint {
            Hint::Title => Some(1),
            Hint::Heading(n) => Some(n.clamp(1, 6)),
            _ if expect_annex_title && title_shaped(t) => Some(1),
            _ => None,
        };
        if let Some(rank) = hinted_rank {
            let section = self.open_heading(rank, index);
            return heading(0, self.path(), section);
        }
        Classified {
            kind: BlockKind::Paragraph,
            level: self.depth(),
            clause: self.path(),
            section: self.section(),
        }
    }
}

fn heading(level: u8, clause: String, section: Option<usize>) -> Classified {
    Classified {
        kind: BlockKind::Heading,
        level,
        clause,
        section,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(lines: &[&str]) -> Document {
        build(
            "测试.txt",
            SourceFormat::Txt,
            lines.iter().map(|l| RawBlock::para(*l)).collect(),
        )
    }

    /// (text, kind, clause) of every block.
    fn rows(d: &Document) -> Vec<(&str, BlockKind, &str)> {
        d.blocks
            .iter()
            .map(|b| (d.block_text(b), b.kind, b.clause.as_str()))
            .collect()
    }

    fn assert_offsets_match_chars(d: &Document) {
        let chars: Vec<char> = d.text.chars().collect();
        for b in &d.blocks {
            let by_chars: String = chars[b.start..b.end].iter().collect();
            assert_eq!(by_chars, d.block_text(b));
            assert!(!d.block_text(b).contains('\n'));
            assert_eq!(d.char_offset(b.byte_start), b.start);
            assert_eq!(d.char_offset(b.byte_end), b.end);
        }
        let joined: Vec<&str> = d.blocks.iter().map(|b| d.block_text(b)).collect();
        assert_eq!(joined.join("\n"), d.text);
    }

    const ARTICLE_DRAFT: &[&str] = &[
        "某县政府投资项目管理办法",
        "（征求意见稿）",
        "第一章　总则",
        "第一条　为规范政府投资行为，根据有关规定，制定本办法。",
        "第二条 本办法适用于县级财政资金安排的投资项目。",
        "第三条　项目实行分级审批：",
        "（一）总投资500万元以下的，由主管部门审批；",
        "（二）总投资500万元以上的，按下列程序办理：",
        "1.提交县政府常务会议研究；",
        "2．报县委审定。",
        "前款所称以上，包括本数。",
        "第二章 资金管理",
        "第十二条资金拨付实行国库集中支付。",
        "第十三条规定的情形除外。",
    ];

    #[test]
    fn article_draft_gets_article_and_item_paths() {
        let d = doc(ARTICLE_DRAFT);
        assert_eq!(
            d.title.as_deref(),
            Some("某县政府投资项目管理办法（征求意见稿）")
        );
        assert_eq!(
            rows(&d),
            [
                (
                    "某县政府投资项目管理办法（征求意见稿）",
                    BlockKind::Title,
                    ""
                ),
                ("第一章 总则", BlockKind::Heading, "第一章"),
                (
                    "第一条 为规范政府投资行为，根据有关规定，制定本办法。",
                    BlockKind::Article,
                    "第一条"
                ),
                (
                    "第二条 本办法适用于县级财政资金安排的投资项目。",
                    BlockKind::Article,
                    "第二条"
                ),
                ("第三条 项目实行分级审批：", BlockKind::Article, "第三条"),
                (
                    "（一）总投资500万元以下的，由主管部门审批；",
                    BlockKind::Item,
                    "第三条（一）"
                ),
                (
                    "（二）总投资500万元以上的，按下列程序办理：",
                    BlockKind::Item,
                    "第三条（二）"
                ),
                (
                    "1.提交县政府常务会议研究；",
                    BlockKind::Item,
                    "第三条（二）1."
                ),
                ("2．报县委审定。", BlockKind::Item, "第三条（二）2."),
                (
                    "前款所称以上，包括本数。",
                    BlockKind::Paragraph,
                    "第三条（二）2."
                ),
                ("第二章 资金管理", BlockKind::Heading, "第二章"),
                (
                    "第十二条资金拨付实行国库集中支付。",
                    BlockKind::Article,
                    "第十二条"
                ),
                // A citation at the start of a paragraph is not a new article.
                ("第十三条规定的情形除外。", BlockKind::Paragraph, "第十二条"),
            ]
        );
        let levels: Vec<u8> = d.blocks.iter().map(|b| b.level).collect();
        assert_eq!(levels, [0, 0, 0, 0, 0, 2, 2, 3, 3, 3, 0, 0, 0]);
        // Articles and their items sit in the chapter they follow.
        assert_eq!(d.blocks[2].section, Some(1));
        assert_eq!(d.blocks[7].section, Some(1));
        assert_eq!(d.blocks[11].section, Some(10));
        assert_eq!(d.blocks[0].section, None);
        assert_offsets_match_chars(&d);
    }

    #[test]
    fn outline_draft_builds_hierarchical_paths_and_headings() {
        let d = doc(&[
            "关于进一步规范村级小微权力运行的实施方案",
            "为加强基层监督，结合我县实际，制定本方案。",
            "一、总体要求",
            "（一）指导思想。坚持以人民为中心。",
            "（二）工作目标",
            "到2025年，村级权力清单全面覆盖。",
            "1.建立清单",
            "（1）梳理事项；",
            "（2）公开清单。",
            "①张贴公示；",
            "2.规范运行。严格执行“四议两公开”。",
            "二、主要任务",
            "1.5亿元以上项目须经县委常委会研究。",
        ]);
        assert_eq!(
            rows(&d),
            [
                (
                    "关于进一步规范村级小微权力运行的实施方案",
                    BlockKind::Title,
                    ""
                ),
                (
                    "为加强基层监督，结合我县实际，制定本方案。",
                    BlockKind::Paragraph,
                    ""
                ),
                ("一、总体要求", BlockKind::Heading, "一、"),
                (
                    "（一）指导思想。坚持以人民为中心。",
                    BlockKind::Item,
                    "一、（一）"
                ),
                ("（二）工作目标", BlockKind::Heading, "一、（二）"),
                (
                    "到2025年，村级权力清单全面覆盖。",
                    BlockKind::Paragraph,
                    "一、（二）"
                ),
                ("1.建立清单", BlockKind::Heading, "一、（二）1."),
                ("（1）梳理事项；", BlockKind::Item, "一、（二）1.（1）"),
                ("（2）公开清单。", BlockKind::Item, "一、（二）1.（2）"),
                ("①张贴公示；", BlockKind::Item, "一、（二）1.（2）①"),
                (
                    "2.规范运行。严格执行“四议两公开”。",
                    BlockKind::Item,
                    "一、（二）2."
                ),
                ("二、主要任务", BlockKind::Heading, "二、"),
                (
                    "1.5亿元以上项目须经县委常委会研究。",
                    BlockKind::Paragraph,
                    "二、"
                ),
            ]
        );
        let levels: Vec<u8> = d.blocks.iter().map(|b| b.level).collect();
        assert_eq!(levels, [0, 0, 1, 2, 2, 2, 3, 4, 4, 5, 3, 1, 1]);
        // Headings nest: （二） sits in 一、, 1. in （二）, 二、 is top level.
        assert_eq!(d.blocks[2].section, None);
        assert_eq!(d.blocks[4].section, Some(2));
        assert_eq!(d.blocks[6].section, Some(4));
        assert_eq!(d.blocks[7].section, Some(6));
        assert_eq!(d.blocks[11].section, None);
        assert_eq!(d.blocks[12].section, Some(11));
        assert_offsets_match_chars(&d);
    }

    #[test]
    fn agenda_items_of_a_meeting_pack_are_separate_sections() {
        let d = doc(&[
            "县委常委会第37次会议议题汇总",
            "议题一：关于干部任免的议题（县委组织部）",
            "拟任命张某为县文旅局局长。",
            "议题二：关于设立人才专项资金的议题",
            "一、资金规模",
            "每年安排500万元。",
            "议题材料已送各位常委。",
        ]);
        let clauses: Vec<&str> = d.blocks.iter().map(|b| b.clause.as_str()).collect();
        assert_eq!(
            clauses,
            [
                "",
                "议题一",
                "议题一",
                "议题二",
                "议题二一、",
                "议题二一、",
                "议题二一、"
            ]
        );
        assert_eq!(d.blocks[1].kind, BlockKind::Heading);
        assert_eq!(d.blocks[3].kind, BlockKind::Heading);
        // The second item's outline nests under it, not under the first item.
        assert_eq!(d.blocks[3].section, None);
        assert_eq!(d.blocks[4].section, Some(3));
        // 议题材料 is a word, not an agenda marker.
        assert_eq!(d.blocks[6].kind, BlockKind::Paragraph);
        assert_offsets_match_chars(&d);
        let spaced = doc(&[
            "议题汇总",
            "议题三 关于城区停车收费的议题",
            "拟上调收费标准。",
        ]);
        assert_eq!(spaced.blocks[1].kind, BlockKind::Heading);
        assert_eq!(spaced.blocks[2].clause, "议题三");
    }

    #[test]
    fn half_width_and_full_width_markers_give_the_same_path() {
        let a = doc(&["一、工作任务", "(一)加强监督。", "(2)抓好落实。"]);
        let b = doc(&["一．工作任务", "（一）加强监督。", "（2）抓好落实。"]);
        let paths = |d: &Document| {
            d.blocks
                .iter()
                .map(|b| b.clause.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(paths(&a), ["一、", "一、（一）", "一、（一）（2）"]);
        assert_eq!(paths(&a), paths(&b));
    }

    #[test]
    fn whitespace_is_normalised_and_empty_blocks_dropped() {
        let d = build(
            "x.txt",
            SourceFormat::Txt,
            vec![
                RawBlock::para(
                    "\u{3000}\u{3000}第一条\u{3000}为了\u{a0}规范\t管理，\u{200b}制定本办法。\r",
                ),
                RawBlock::para(" \u{3000}\u{feff} "),
                RawBlock::para("第二条  本办法\r\n自发布之日起施行。"),
            ],
        );
        assert_eq!(
            d.text,
            "第一条 为了 规范 管理，制定本办法。\n第二条 本办法\n自发布之日起施行。"
        );
        assert_eq!(d.blocks.len(), 3);
        assert_eq!(d.blocks[2].kind, BlockKind::Paragraph);
        assert_eq!(d.blocks[2].clause, "第二条");
        assert_offsets_match_chars(&d);
    }

    #[test]
    fn numbered_hint_label_is_prefixed_to_the_text() {
        let d = build(
            "x.docx",
            SourceFormat::Docx,
            vec![
                RawBlock {
                    text: "总体要求".into(),
                    hint: Hint::Numbered("一、".into()),
                },
                RawBlock {
                    text: "坚持民主集中制。".into(),
                    hint: Hint::Numbered("（一）".into()),
                },
            ],
        );
        assert_eq!(rows(&d)[0], ("一、总体要求", BlockKind::Heading, "一、"));
        assert_eq!(
            rows(&d)[1],
            ("（一）坚持民主集中制。", BlockKind::Item, "一、（一）")
        );
    }

    #[test]
    fn table_cells_keep_the_enclosing_path() {
        let d = build(
            "x.docx",
            SourceFormat::Docx,
            vec![
                RawBlock::para("第五条 年度预算如下表："),
                RawBlock {
                    text: "1.道路".into(),
                    hint: Hint::TableCell {
                        table: 0,
                        row: 1,
                        col: 0,
                    },
                },
                RawBlock::para("第六条 本办法自印发之日起施行。"),
            ],
        );
        assert_eq!(
            rows(&d)[1],
            (
                "1.道路",
                BlockKind::TableCell {
                    table: 0,
                    row: 1,
                    col: 0
                },
                "第五条"
            )
        );
        assert_eq!(d.blocks[2].clause, "第六条");
        assert_eq!(d.warnings, ["表格内容已按单元格提取"]);
    }

    #[test]
    fn annex_starts_a_fresh_context() {
        let d = doc(&[
            "关于印发《某县公务接待管理办法》",
            "的通知",
            "各乡镇人民政府，县直各单位：",
            "一、高度重视",
            "请认真贯彻执行。",
            "附件：",
            "某县公务接待管理办法",
            "第一条 为规范公务接待，制定本办法。",
            "附件2",
            "一、接待清单",
        ]);
        assert_eq!(
            d.title.as_deref(),
            Some("关于印发《某县公务接待管理办法》的通知")
        );
        let r = rows(&d);
        assert_eq!(r[4], ("附件：", BlockKind::Heading, "附件"));
        assert_eq!(r[5], ("某县公务接待管理办法", BlockKind::Heading, "附件"));
        assert_eq!(r[6].2, "附件第一条");
        assert_eq!(r[7], ("附件2", BlockKind::Heading, "附件2"));
        assert_eq!(r[8], ("一、接待清单", BlockKind::Heading, "附件2一、"));
        assert_eq!(d.blocks[5].section, Some(4));
    }

    #[test]
    fn chapters_prefix_paths_only_when_there_are_no_articles() {
        let d = doc(&[
            "第一部分 总体要求",
            "一、目标",
            "第二部分 主要任务",
            "一、目标",
        ]);
        let paths: Vec<&str> = d.blocks.iter().map(|b| b.clause.as_str()).collect();
        assert_eq!(
            paths,
            ["第一部分", "第一部分一、", "第二部分", "第二部分一、"]
        );
    }

    #[test]
    fn title_is_found_after_the_red_header_and_document_number() {
        let d = doc(&[
            "某县人民政府办公室文件",
            "某政办发〔2024〕12号",
            "某县人民政府办公室关于开展政府采购专项检查的通知",
            "各乡镇人民政府：",
            "一、检查范围",
        ]);
        assert_eq!(
            d.title.as_deref(),
            Some("某县人民政府办公室关于开展政府采购专项检查的通知")
        );
        assert_eq!(d.blocks[2].kind, BlockKind::Title);
        assert_eq!(d.blocks[0].kind, BlockKind::Paragraph);
    }

    #[test]
    fn a_request_title_and_a_hinted_title_are_recognised() {
        let d = doc(&["关于申请村道硬化资金的请示", "县财政局："]);
        assert_eq!(d.title.as_deref(), Some("关于申请村道硬化资金的请示"));
        let d = build(
            "x.md",
            SourceFormat::Markdown,
            vec![
                RawBlock {
                    text: "某县采购内控制度".into(),
                    hint: Hint::Title,
                },
                RawBlock {
                    text: "附则".into(),
                    hint: Hint::Heading(2),
                },
                RawBlock::para("本制度自印发之日起施行。"),
            ],
        );
        assert_eq!(d.title.as_deref(), Some("某县采购内控制度"));
        assert_eq!(d.blocks[1].kind, BlockKind::Heading);
        assert_eq!(d.blocks[2].section, Some(1));
    }

    #[test]
    fn titles_with_revision_notes_quotes_years_or_a_top_heading() {
        for t in [
            "某县财政专项资金管理办法（2023年修订）",
            "《某县公务接待管理细则》",
            "某县国有资产处置规定 2024",
        ] {
            assert_eq!(doc(&[t, "第一条 总则。"]).title.as_deref(), Some(t), "{t}");
        }
        let d = build(
            "x.md",
            SourceFormat::Markdown,
            vec![
                RawBlock {
                    text: "县委常委会议事规则学习材料".into(),
                    hint: Hint::Heading(3),
                },
                RawBlock::para("一、会议范围"),
            ],
        );
        assert_eq!(d.title.as_deref(), Some("县委常委会议事规则学习材料"));
    }

    #[test]
    fn a_title_broken_inside_brackets_is_joined() {
        let d = doc(&["关于印发《某县村级财务管理办法", "》的通知", "各乡镇："]);
        assert_eq!(
            d.title.as_deref(),
            Some("关于印发《某县村级财务管理办法》的通知")
        );
        let d = build(
            "x.pdf",
            SourceFormat::Pdf,
            vec![
                RawBlock {
                    text: "某县国有企业投资监督管理办法（征求意见".into(),
                    hint: Hint::Heading(1),
                },
                RawBlock::para("稿）"),
                RawBlock::para("第1条 为规范投资行为，制定本办法。"),
            ],
        );
        assert_eq!(
            d.title.as_deref(),
            Some("某县国有企业投资监督管理办法（征求意见稿）")
        );
        assert_eq!(d.blocks[1].clause, "第1条");
    }

    #[test]
    fn an_article_whose_text_starts_with_zhong_is_still_an_article() {
        assert_eq!(
            article("第六条中心城区项目由县住建局负责。").as_deref(),
            Some("第六条")
        );
        assert_eq!(article("第六条中的“重大项目”是指"), None);
    }

    #[test]
    fn no_title_when_the_draft_starts_with_body_text() {
        let d = doc(&["为加强管理，现通知如下。", "一、总体要求"]);
        assert_eq!(d.title, None);
        assert!(d.blocks.iter().all(|b| b.kind != BlockKind::Title));
    }

    #[test]
    fn article_numbers_in_digits_and_with_zhi_suffix() {
        assert_eq!(article("第12条 资金").as_deref(), Some("第12条"));
        assert_eq!(article("第１２条　资金").as_deref(), Some("第12条"));
        assert_eq!(
            article("第一百二十条之一 本条").as_deref(),
            Some("第一百二十条之一")
        );
        assert_eq!(article("第三条"), Some("第三条".into()));
        assert_eq!(article("第 3 条 采购").as_deref(), Some("第3条"));
        assert_eq!(
            article("第一百二十四 条采用").as_deref(),
            Some("第一百二十四条")
        );
        assert_eq!(article("第三条第二款规定"), None);
        assert_eq!(article("第三次会议"), None);
        assert_eq!(chapter("第三章总则"), Some(("第三章".into(), 2)));
        assert_eq!(chapter("第三章规定的程序，不适用。"), None);
        assert_eq!(annex("附件 1："), Some("附件1".into()));
        assert_eq!(annex("附件：1.某县采购目录"), None);
    }

    #[test]
    fn outline_markers_refuse_numbers_in_running_text() {
        assert_eq!(outline("2024年计划"), None);
        assert_eq!(outline("3.14亩"), None);
        assert_eq!(outline("十分重要"), None);
        assert_eq!(outline("（2024）年度"), None);
        assert_eq!(outline("3、抓好落实").map(|o| o.1), Some("3.".into()));
        assert_eq!(outline("十二、附则").map(|o| o.1), Some("十二、".into()));
        assert_eq!(outline("⑵细化").map(|o| o.1), Some("（2）".into()));
    }

    /// What the fast check must agree with: no line break, and `normalise` keeps it.
    fn normal_by_definition(s: &str) -> bool {
        !s.contains(is_line_break) && normalise(s) == s
    }

    #[test]
    fn the_fast_normal_check_agrees_with_normalise_for_every_char() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            for s in [
                format!("{c}"),
                format!("甲{c}"),
                format!("{c}乙"),
                format!("甲{c}乙"),
                format!("甲 {c}乙"),
                format!("甲{c} 乙"),
            ] {
                assert_eq!(is_normal(&s), normal_by_definition(&s), "{s:?}");
            }
        }
    }

    #[test]
    fn the_fast_normal_check_handles_spaces_and_mixed_text() {
        for s in [
            "",
            " ",
            "a",
            "a b",
            "a  b",
            " a",
            "a ",
            "第一条 为了规范管理，制定本办法。",
            "第一条\u{3000}为了",
            "“四议两公开”——见附件…",
            "a\u{a0}b",
            "a\u{b7}b",
            "a\u{2028}b",
            "资金\u{200b}管理",
            "x\u{feff}",
            "\u{85}",
        ] {
            assert_eq!(is_normal(s), normal_by_definition(s), "{s:?}");
        }
        // Pseudo-random strings over an alphabet rich in the interesting bytes.
        let alphabet: Vec<char> = " \t\n\u{3000}\u{a0}\u{ad}\u{2028}\u{200b}\u{feff}\u{85}\u{1680}\u{202f}\u{2060}a、。，“”—\u{b7}第条一"
            .chars()
            .collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let mut s = String::new();
            for _ in 0..(seed % 7) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            seed = seed.wrapping_add(1);
            assert_eq!(is_normal(&s), normal_by_definition(&s), "{s:?}");
        }
    }

    #[test]
    fn take_number_borrows_unless_it_converts_full_width_digits() {
        assert!(matches!(
            take_number("12条"),
            Some((Cow::Borrowed("12"), false, "条"))
        ));
        assert!(matches!(
            take_number("十二条"),
            Some((Cow::Borrowed("十二"), true, "条"))
        ));
        let (num, is_cn, rest) = take_number("１２条").unwrap();
        assert_eq!((num.as_ref(), is_cn, rest), ("12", false, "条"));
        assert!(take_number("12345条").is_none());
        assert!(take_number("条").is_none());
    }

    #[test]
    fn empty_input_gives_an_empty_document() {
        let d = build(
            "x.txt",
            SourceFormat::Txt,
            vec![RawBlock::para("  \u{3000} ")],
        );
        assert!(d.text.is_empty());
        assert!(d.blocks.is_empty());
        assert_eq!(d.char_offset(0), 0);
    }

    #[test]
    fn char_offset_counts_unicode_scalars_anywhere_in_the_text() {
        let d = doc(&["第一条 资金😀管理。", "第二条 采购。"]);
        for (byte, _) in d.text.char_indices() {
            assert_eq!(d.char_offset(byte), d.text[..byte].chars().count());
        }
        assert_eq!(d.char_offset(d.text.len()), d.text.chars().count());
        assert_eq!(d.char_offset(usize::MAX), d.text.chars().count());
        // Inside a multi-byte character: counts the characters before it.
        assert_eq!(d.char_offset(1), 0);
    }

    /// Reads every `.md`/`.txt` under `$WENXUN_CORPUS` (default: the shared corpus)
    /// and checks the invariants; run with `cargo test --lib ingest -- --ignored`.
    #[test]
    #[ignore = "needs the local corpus of real laws and 公文"]
    fn real_corpus_files_read_with_consistent_offsets_and_titles() {
        let root = std::env::var("WENXUN_CORPUS").unwrap_or_else(|_| "/work/shared/corpus".into());
        let mut stack = vec![std::path::PathBuf::from(root)];
        let (mut files, mut articles, mut untitled) = (0usize, 0usize, Vec::new());
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                for entry in std::fs::read_dir(&path).unwrap().flatten() {
                    stack.push(entry.path());
                }
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if !matches!(ext, "md" | "txt") {
                continue;
            }
            files += 1;
            let d = crate::ingest::read_path(&path, &crate::ingest::Limits::default())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_offsets_match_chars(&d);
            articles += d
                .blocks
                .iter()
                .filter(|b| b.kind == BlockKind::Article)
                .count();
            if d.title.is_none() {
                untitled.push(path.display().to_string());
            }
        }
        eprintln!("{files} files, {articles} articles, untitled: {untitled:?}");
        assert!(files == 0 || articles > 0);
    }
}
