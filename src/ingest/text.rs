//! Plain-text and Markdown reader: bytes → one [`RawBlock`] per non-empty line.
//!
//! Drafts arrive from county offices whose machines still save `.txt` as GBK, so
//! decoding is the real work here: a BOM wins; otherwise strict UTF-8; otherwise the
//! GB18030 family (a superset of GBK) unless `chardetng` is confident the bytes are a
//! different CJK encoding. Every candidate is decoded *without replacement*, so a
//! wrong guess fails instead of producing mojibake, and a file that no candidate
//! decodes — or that decodes to control characters (a binary file renamed `.txt`) —
//! is reported as [`IngestError::Encoding`].
//!
//! Markdown is handled just far enough to give the structure pass clean text:
//! `#` headings become hints, tables become cells, and emphasis markers, escapes and
//! HTML comments are removed. Everything else is left as text; recognising 第X条 or
//! （一） is the structure pass's job, the same for every format.

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030};

use super::{Hint, IngestError, RawBlock};

/// Decodes `bytes` and splits them into blocks, one per non-empty line.
pub fn read(bytes: &[u8], markdown: bool) -> Result<Vec<RawBlock>, IngestError> {
    let text = decode_borrowed(bytes)?;
    Ok(if markdown {
        markdown_blocks(&text)
    } else {
        plain_blocks(&text)
    })
}

/// Decodes text bytes: BOM (UTF-8, UTF-16 LE/BE), else UTF-8, else GB18030/GBK or
/// the CJK encoding `chardetng` detects.
pub fn decode(bytes: &[u8]) -> Result<String, IngestError> {
    decode_borrowed(bytes).map(Cow::into_owned)
}

/// [`decode`] without copying: UTF-8 input (the usual case) is borrowed as it is.
fn decode_borrowed(bytes: &[u8]) -> Result<Cow<'_, str>, IngestError> {
    let text = decode_strict(bytes)?;
    if looks_binary(&text) {
        return Err(IngestError::Encoding);
    }
    Ok(text)
}

fn decode_strict(bytes: &[u8]) -> Result<Cow<'_, str>, IngestError> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        // A BOM is a declaration; if the body contradicts it, guessing would only
        // hide a broken file.
        let body = bytes.get(bom_len..).unwrap_or_default();
        return decode_with(encoding, body).ok_or(IngestError::Encoding);
    }
    // encoding_rs's UTF-8 validator is several times faster than `str::from_utf8`
    // on Chinese text, and a valid input is borrowed, not copied.
    if let Some(text) = decode_with(encoding_rs::UTF_8, bytes) {
        return Ok(text);
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    let guess = detector.guess(None, true);
    // Government machines produce GBK: try the GB18030 family first unless the
    // detector is sure of another CJK encoding. Single-byte encodings decode almost
    // anything, so they only come after GB18030 has failed.
    let candidates: [&'static Encoding; 2] = if is_other_cjk(guess) {
        [guess, GB18030]
    } else {
        [GB18030, guess]
    };
    candidates
        .into_iter()
        .find_map(|encoding| decode_with(encoding, bytes))
        .ok_or(IngestError::Encoding)
}

fn is_other_cjk(encoding: &'static Encoding) -> bool {
    [
        encoding_rs::BIG5,
        encoding_rs::SHIFT_JIS,
        encoding_rs::EUC_JP,
        encoding_rs::EUC_KR,
    ]
    .contains(&encoding)
}

fn decode_with<'a>(encoding: &'static Encoding, bytes: &'a [u8]) -> Option<Cow<'a, str>> {
    encoding.decode_without_bom_handling_and_without_replacement(bytes)
}

/// More than 2 % control characters (NUL included) means this is not text.
///
/// Counted on the UTF-8 bytes, which gives the same numbers as counting `char`s
/// without decoding them: a C0 control or DEL is one byte, a C1 control is `C2 80`–
/// `C2 9F`, and the characters are the bytes that are not continuation bytes. The
/// character count is only needed when there is a control character at all.
fn looks_binary(text: &str) -> bool {
    let bytes = text.as_bytes();
    let c0 = count_bytes(bytes, |b| {
        (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)) || b == 0x7f
    });
    let c1 = match bytes.len().checked_sub(1) {
        Some(n) => count_pairs(&bytes[..n], &bytes[1..], |a, b| a == 0xc2 && b < 0xa0),
        None => 0,
    };
    let bad = c0 + c1;
    if bad == 0 {
        return false;
    }
    let total = count_bytes(bytes, |b| (b as i8) >= -0x40);
    bad * 50 > total
}

/// How many bytes satisfy `f`. Counted in `u8` over chunks of 255 bytes (which
/// cannot overflow it) so that the loop vectorises: this runs over every upload.
fn count_bytes(bytes: &[u8], f: impl Fn(u8) -> bool) -> usize {
    bytes
        .chunks(255)
        .map(|chunk| usize::from(chunk.iter().map(|&b| u8::from(f(b))).sum::<u8>()))
        .sum()
}

/// How many positions `i` satisfy `f(a[i], b[i])`, counted like [`count_bytes`].
fn count_pairs(a: &[u8], b: &[u8], f: impl Fn(u8, u8) -> bool) -> usize {
    a.chunks(255)
        .zip(b.chunks(255))
        .map(|(x, y)| {
            let n = x
                .iter()
                .zip(y)
                .map(|(&p, &q)| u8::from(f(p, q)))
                .sum::<u8>();
            usize::from(n)
        })
        .sum()
}

/// The text split at every `\n` and `\r`: the same pieces as `split(['\n', '\r'])`
/// (empty ones included), found with a SIMD search for the two bytes.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let breaks = memchr::memchr2_iter(b'\n', b'\r', text.as_bytes());
    let mut start = 0;
    breaks.chain([text.len()]).map(move |end| {
        // Both breaks are ASCII, so `end` is a char boundary.
        let line = &text[start..end];
        start = end + 1;
        line
    })
}

fn plain_blocks(text: &str) -> Vec<RawBlock> {
    lines(text)
        .filter(|line| !line.trim().is_empty())
        .map(RawBlock::para)
        .collect()
}

fn markdown_blocks(text: &str) -> Vec<RawBlock> {
    let text = strip_html_comments(text);
    let mut out = Vec::new();
    let mut seen_h1 = false;
    let mut in_fence = false;
    // (table index, row index) of the table being read.
    let mut table: Option<(u32, u32)> = None;
    let mut next_table = 0u32;

    for line in lines(&text) {
        let t = line.trim();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
            table = None;
            continue;
        }
        if in_fence {
            if !t.is_empty() {
                out.push(RawBlock::para(t));
            }
            continue;
        }
        if is_table_row(t) {
            let cells = split_row(t);
            if is_separator_row(&cells) {
                continue;
            }
            let (index, row) = match table {
                Some((index, row)) => (index, row + 1),
                None => {
                    next_table += 1;
                    (next_table - 1, 0)
                }
            };
            table = Some((index, row));
            for (col, cell) in cells.iter().enumerate() {
                let cell = inline(cell);
                if !cell.trim().is_empty() {
                    out.push(RawBlock {
                        text: cell,
                        hint: Hint::TableCell {
                            table: index,
                            row,
                            col: u32::try_from(col).unwrap_or(u32::MAX),
                        },
                    });
                }
            }
            continue;
        }
        table = None;
        if t.is_empty() || is_thematic_break(t) {
            continue;
        }
        if let Some((level, rest)) = atx_heading(t) {
            let hint = if level == 1 && !seen_h1 {
                seen_h1 = true;
                Hint::Title
            } else {
                Hint::Heading(level)
            };
            let text = inline(rest);
            if !text.trim().is_empty() {
                out.push(RawBlock { text, hint });
            }
            continue;
        }
        let text = inline(strip_container_prefix(t));
        if !text.trim().is_empty() {
            out.push(RawBlock::para(text));
        }
    }
    out
}

/// Removes `<!-- … -->` (possibly spanning lines). An unterminated comment is kept
/// as text rather than swallowing the rest of the draft.
fn strip_html_comments(text: &str) -> Cow<'_, str> {
    if memchr::memmem::find(text.as_bytes(), b"<!--").is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("<!--") {
        let after = &rest[open + 4..];
        match after.find("-->") {
            Some(close) => {
                out.push_str(&rest[..open]);
                rest = &after[close + 3..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// `# 标题` … `###### 标题` → (level, text without the closing `#`s).
fn atx_heading(line: &str) -> Option<(u8, &str)> {
    let hashes = line.bytes().take_while(|&b| b == b'#').count();
    if hashes == 0 || hashes > 6 {
        return None;
    }
    let rest = &line[hashes..];
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let mut rest = rest.trim();
    // Optional closing sequence: `## 总则 ##`.
    let trimmed = rest.trim_end_matches('#');
    if trimmed.len() < rest.len() && (trimmed.is_empty() || trimmed.ends_with([' ', '\t'])) {
        rest = trimmed.trim_end();
    }
    Some((u8::try_from(hashes).unwrap_or(6), rest))
}

fn is_thematic_break(line: &str) -> bool {
    // `line` is trimmed, so a break starts with its marker; this refuses almost every
    // line before building the compacted copy.
    if !line.starts_with(['-', '*', '_']) {
        return false;
    }
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    compact.len() >= 3
        && ['-', '*', '_']
            .iter()
            .any(|&m| compact.chars().all(|c| c == m))
}

/// Drops blockquote markers and bullet markers; ordered markers such as `1.` are
/// kept because they are part of the clause numbering.
fn strip_container_prefix(line: &str) -> &str {
    let mut t = line;
    while let Some(rest) = t.strip_prefix('>') {
        t = rest.trim_start();
    }
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(bullet) {
            return rest.trim_start();
        }
    }
    t
}

fn is_table_row(line: &str) -> bool {
    line.len() > 1 && line.starts_with('|') && line[1..].contains('|')
}

/// Splits `| a | b |` into cells, honouring `\|` inside a cell.
fn split_row(line: &str) -> Vec<String> {
    let inner = line.strip_prefix('|').unwrap_or(line);
    let inner = match inner.strip_suffix('|') {
        Some(s) if !s.ends_with('\\') => s,
        _ => inner,
    };
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

fn is_separator_row(cells: &[String]) -> bool {
    cells.iter().all(|c| {
        let c = c.trim();
        c.contains('-') && c.chars().all(|ch| matches!(ch, '-' | ':' | ' '))
    })
}

/// The ASCII characters at which [`inline`] may change the text; everything between
/// them is copied as it is.
fn is_inline_markup(b: u8) -> bool {
    matches!(b, b'\\' | b'*' | b'`' | b'!' | b'[' | b'<')
}

/// Inline Markdown → text: `**bold**` markers, backslash escapes, backticks, links
/// (`[text](url)` → text) and `<br>` are reduced to their visible text.
fn inline(s: &str) -> String {
    // Most lines have no markup at all: one pass without early exit says so.
    if !s.bytes().fold(false, |hit, b| hit | is_inline_markup(b)) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    loop {
        // Copy the run up to the next markup character in one go (most lines have
        // none). The markup characters are ASCII, so the split is a char boundary.
        let plain = rest
            .bytes()
            .position(is_inline_markup)
            .unwrap_or(rest.len());
        out.push_str(&rest[..plain]);
        rest = &rest[plain..];
        let Some(c) = rest.chars().next() else {
            break;
        };
        let len = c.len_utf8();
        match c {
            '\\' => {
                let next = rest[1..].chars().next();
                match next {
                    Some(n) if n.is_ascii_punctuation() => {
                        out.push(n);
                        rest = &rest[1 + n.len_utf8()..];
                    }
                    _ => {
                        out.push('\\');
                        rest = &rest[1..];
                    }
                }
            }
            '*' if rest.starts_with("**") => rest = &rest[2..],
            '`' => rest = &rest[1..],
            '!' if rest.starts_with("![") => match link(&rest[1..]) {
                Some((label, used)) => {
                    out.push_str(&inline(label));
                    rest = &rest[1 + used..];
                }
                None => {
                    out.push('!');
                    rest = &rest[1..];
                }
            },
            '[' => match link(rest) {
                Some((label, used)) => {
                    out.push_str(&inline(label));
                    rest = &rest[used..];
                }
                None => {
                    out.push('[');
                    rest = &rest[1..];
                }
            },
            '<' => {
                let tag = ["<br />", "<br/>", "<br>"].into_iter().find(|t| {
                    rest.as_bytes()
                        .get(..t.len())
                        .is_some_and(|head| head.eq_ignore_ascii_case(t.as_bytes()))
                });
                match tag {
                    Some(t) => {
                        out.push(' ');
                        rest = &rest[t.len()..];
                    }
                    None => {
                        out.push('<');
                        rest = &rest[1..];
                    }
                }
            }
            _ => {
                out.push(c);
                rest = &rest[len..];
            }
        }
    }
    out
}

/// `[label](target)` at the start of `s` → (label, bytes consumed).
fn link(s: &str) -> Option<(&str, usize)> {
    let body = s.strip_prefix('[')?;
    let close = body.find("](")?;
    let label = &body[..close];
    if label.contains('[') {
        return None;
    }
    let after = &body[close + 2..];
    let end = after.find(')')?;
    if after[..end].contains(char::is_whitespace) && !after[..end].contains('"') {
        return None;
    }
    Some((label, 1 + close + 2 + end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(blocks: &[RawBlock]) -> Vec<&str> {
        blocks.iter().map(|b| b.text.as_str()).collect()
    }

    const DRAFT: &str = "关于加强村级工程项目管理的通知\n各乡镇人民政府：\n\n一、严格项目审批\n村级工程项目须经村民代表会议讨论。\n";

    #[test]
    fn utf8_text_gives_one_block_per_non_empty_line() {
        let blocks = read(DRAFT.as_bytes(), false).unwrap();
        assert_eq!(
            texts(&blocks),
            [
                "关于加强村级工程项目管理的通知",
                "各乡镇人民政府：",
                "一、严格项目审批",
                "村级工程项目须经村民代表会议讨论。"
            ]
        );
        assert!(blocks.iter().all(|b| b.hint == Hint::None));
    }

    #[test]
    fn gbk_bytes_from_a_government_pc_are_decoded() {
        let (gbk, _, bad) = encoding_rs::GBK.encode(DRAFT);
        assert!(!bad);
        assert!(std::str::from_utf8(&gbk).is_err());
        let blocks = read(&gbk, false).unwrap();
        assert_eq!(blocks[0].text, "关于加强村级工程项目管理的通知");
        assert_eq!(blocks.len(), 4);
    }

    #[test]
    fn a_short_gbk_line_is_still_decoded_as_gbk() {
        let (gbk, _, _) = encoding_rs::GBK.encode("第一条　资金");
        assert_eq!(decode(&gbk).unwrap(), "第一条　资金");
    }

    #[test]
    fn utf8_bom_is_dropped() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice("第一条 为规范管理，制定本办法。".as_bytes());
        let blocks = read(&bytes, false).unwrap();
        assert_eq!(blocks[0].text, "第一条 为规范管理，制定本办法。");
    }

    #[test]
    fn utf16_with_bom_is_decoded_both_ways() {
        let s = "第二条　本办法适用于县直各单位。";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for unit in s.encode_utf16() {
            le.extend_from_slice(&unit.to_le_bytes());
            be.extend_from_slice(&unit.to_be_bytes());
        }
        assert_eq!(read(&le, false).unwrap()[0].text, s);
        assert_eq!(read(&be, false).unwrap()[0].text, s);
    }

    #[test]
    fn crlf_and_lone_cr_split_lines_without_leaving_cr() {
        let blocks = read("一、总体要求\r\n坚持依法决策。\r第二段。".as_bytes(), false).unwrap();
        assert_eq!(
            texts(&blocks),
            ["一、总体要求", "坚持依法决策。", "第二段。"]
        );
    }

    #[test]
    fn binary_garbage_is_an_encoding_error() {
        let mut bytes: Vec<u8> = (0u8..=255).cycle().take(4096).collect();
        bytes[0] = b'P';
        assert!(matches!(read(&bytes, false), Err(IngestError::Encoding)));
        let nul_heavy = b"\0\0\0abc\0\0\0\x01\x02\x03";
        assert!(matches!(read(nul_heavy, false), Err(IngestError::Encoding)));
    }

    #[test]
    fn utf16_without_bom_is_rejected_rather_than_misread() {
        let bytes: Vec<u8> = "plan text"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert!(matches!(read(&bytes, false), Err(IngestError::Encoding)));
    }

    #[test]
    fn a_broken_utf8_bom_file_is_an_encoding_error() {
        let bytes = [0xEF, 0xBB, 0xBF, b'a', 0xFF, 0xFE, 0xFD];
        assert!(matches!(read(&bytes, false), Err(IngestError::Encoding)));
    }

    #[test]
    fn markdown_headings_become_hints_and_first_h1_is_the_title() {
        let md = "# 某县政府投资项目管理办法\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n第一条 为了规范管理，制定本办法。\n\n# 附件\n";
        let blocks = read(md.as_bytes(), true).unwrap();
        assert_eq!(
            blocks,
            [
                RawBlock {
                    text: "某县政府投资项目管理办法".into(),
                    hint: Hint::Title
                },
                RawBlock {
                    text: "第一章 总则".into(),
                    hint: Hint::Heading(2)
                },
                RawBlock::para("第一条 为了规范管理，制定本办法。"),
                RawBlock {
                    text: "附件".into(),
                    hint: Hint::Heading(1)
                },
            ]
        );
    }

    #[test]
    fn markdown_inline_markup_and_multiline_comments_are_removed() {
        let md = "**第三条** 项目\\[2024\\]号文件见[附件](a.docx)。<!-- 批注\n跨行 -->保留\n- 列表项\n> 引用\n---\n";
        let blocks = read(md.as_bytes(), true).unwrap();
        assert_eq!(
            texts(&blocks),
            ["第三条 项目[2024]号文件见附件。保留", "列表项", "引用"]
        );
    }

    #[test]
    fn an_unterminated_comment_is_kept_as_text() {
        let blocks = read("正文<!-- 未闭合".as_bytes(), true).unwrap();
        assert_eq!(texts(&blocks), ["正文<!-- 未闭合"]);
    }

    #[test]
    fn markdown_table_rows_become_cells_and_the_separator_is_skipped() {
        let md = "| 项目 | 金额（万元） |\n|---|:---:|\n| 道路硬化 | 120 |\n| 路灯\\|安装 |  |\n\n正文\n\n| 甲 |\n|--|\n| 乙 |\n";
        let blocks = read(md.as_bytes(), true).unwrap();
        let cells: Vec<(&str, &Hint)> = blocks.iter().map(|b| (b.text.trim(), &b.hint)).collect();
        let cell = |table, row, col| Hint::TableCell { table, row, col };
        assert_eq!(
            cells,
            [
                ("项目", &cell(0, 0, 0)),
                ("金额（万元）", &cell(0, 0, 1)),
                ("道路硬化", &cell(0, 1, 0)),
                ("120", &cell(0, 1, 1)),
                ("路灯|安装", &cell(0, 2, 0)),
                ("正文", &Hint::None),
                ("甲", &cell(1, 0, 0)),
                ("乙", &cell(1, 1, 0)),
            ]
        );
    }

    #[test]
    fn plain_text_keeps_markdown_looking_characters() {
        let blocks = read("# 不是标题\n**原样**".as_bytes(), false).unwrap();
        assert_eq!(texts(&blocks), ["# 不是标题", "**原样**"]);
    }

    #[test]
    fn lines_are_the_pieces_between_every_cr_and_lf() {
        for text in [
            "",
            "a",
            "\n",
            "\r\n",
            "a\r\nb\rc\n\nd\n",
            "第一条\r\r第二条",
        ] {
            let expected: Vec<&str> = text.split(['\n', '\r']).collect();
            assert_eq!(lines(text).collect::<Vec<_>>(), expected, "{text:?}");
        }
    }

    #[test]
    fn the_byte_count_of_control_characters_matches_a_char_count() {
        fn by_chars(text: &str) -> bool {
            let total = text.chars().count();
            let bad = text
                .chars()
                .filter(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
                .count();
            bad > 0 && bad * 50 > total
        }
        let alphabet: Vec<char> =
            "a第。\u{0}\u{1}\t\n\r\u{c}\u{7f}\u{80}\u{85}\u{9f}\u{a0}\u{b7}\u{2028}😀"
                .chars()
                .collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..600 {
            let mut s = String::new();
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Mostly ordinary characters, so both sides of the 2 % line occur.
                let i = (seed % (alphabet.len() as u64 * 8)) as usize;
                s.push(if i < alphabet.len() {
                    alphabet[i]
                } else {
                    '资'
                });
            }
            assert_eq!(looks_binary(&s), by_chars(&s), "{s:?}");
        }
    }

    #[test]
    fn inline_copies_text_around_markup_unchanged() {
        assert_eq!(inline("没有标记的一行"), "没有标记的一行");
        assert_eq!(inline("a*b!c"), "a*b!c");
        assert_eq!(inline("前**中**后`码`<BR>尾\\*"), "前中后码 尾*");
        assert_eq!(inline("见![图](x.png)与[附件](a.docx)"), "见图与附件");
    }

    #[test]
    fn underscores_used_as_blanks_survive() {
        let blocks = read("____年____月____日".as_bytes(), true).unwrap();
        assert_eq!(texts(&blocks), ["____年____月____日"]);
    }
}
