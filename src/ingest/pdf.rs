//! `.pdf` reader: the text layer, rebuilt into the draft's paragraphs.
//!
//! unpdf decodes the text (CJK CMaps included) and groups it into lines and
//! blocks, but its paragraph joiner only breaks on a 40 pt indent change, and a
//! 公文 exported from Word or WPS indents the first line by two characters (32 pt
//! at 三号) with no extra spacing — its `Document` model runs every article of a
//! page into one paragraph. So this reader takes unpdf's *lines* (through its
//! public `LayoutAnalyzer`, which also drops page numbers in the margins) and
//! rebuilds paragraphs from geometry: a line continues the previous one only if
//! the previous line runs to the right edge, this one is not indented, and it does
//! not open with a numbering marker (第X条, 一、, （一）, 1.). The price is that
//! tables come out as lines rather than cells, and multi-column layouts are read
//! line by line; drafts are single-column prose.
//!
//! Spaces some converters put between CJK characters are removed, page numbers
//! such as `- 3 -` or `第 3 页` are dropped, and a paragraph broken by a page break
//! is joined under the same rules. Parsing runs under `catch_unwind`: a malformed
//! file must cost one upload, never the server.

use std::panic::{AssertUnwindSafe, catch_unwind};

use unpdf::ErrorKind;
use unpdf::parser::LayoutAnalyzer;
use unpdf::parser::backend::{PdfBackend, RawBackend};

use super::{Hint, IngestError, RawBlock};

/// Reads the text layer of a PDF into paragraphs.
pub fn read(bytes: &[u8]) -> Result<Vec<RawBlock>, IngestError> {
    if !has_pdf_header(bytes) {
        return Err(corrupt("缺少 %PDF 文件头"));
    }
    let extracted = catch_unwind(AssertUnwindSafe(|| extract_lines(bytes)))
        .map_err(|_| corrupt("PDF 解析器内部错误"))??;
    let blocks = paragraphs(&extracted.lines);
    if blocks.is_empty() {
        // No text: a scan — unless page content could not even be decoded.
        return Err(if extracted.undecodable_streams > 0 {
            corrupt("页面内容无法解码")
        } else {
            IngestError::NeedsOcr
        });
    }
    Ok(blocks)
}

fn corrupt(detail: impl Into<String>) -> IngestError {
    IngestError::Corrupt {
        format: "pdf",
        detail: detail.into(),
    }
}

/// `%PDF-` within the first KiB (some producers put junk before it).
fn has_pdf_header(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5).any(|w| w == b"%PDF-")
}

fn map_error(e: unpdf::Error) -> IngestError {
    match e.kind() {
        ErrorKind::Encrypted | ErrorKind::InvalidPassword => IngestError::Encrypted,
        _ => corrupt(e.to_string()),
    }
}

/// One line of text with the geometry the paragraph rules need.
#[derive(Debug, Clone)]
struct Line {
    text: String,
    page: u32,
    /// Starts a block in unpdf's grouping (a spacing, font or heading break).
    block_start: bool,
    heading: Option<u8>,
    /// Font size in points.
    size: f32,
    /// Indented from the page's left text edge (first line of a paragraph, a
    /// centred title).
    indented: bool,
    /// Ends short of the page's right text edge (last line of a paragraph).
    short: bool,
    first_on_page: bool,
    last_on_page: bool,
}

struct Extracted {
    lines: Vec<Line>,
    /// Content streams unpdf could not decode, over all pages.
    undecodable_streams: usize,
}

fn extract_lines(bytes: &[u8]) -> Result<Extracted, IngestError> {
    let backend = RawBackend::load_bytes(bytes).map_err(map_error)?;
    let mut analyzer = LayoutAnalyzer::new(&backend);
    let mut out = Vec::new();
    let mut undecodable_streams = 0usize;
    for &page in backend.pages().keys() {
        let blocks = match analyzer.extract_page_blocks(page) {
            Ok(blocks) => blocks,
            Err(e) if matches!(e.kind(), ErrorKind::Encrypted | ErrorKind::InvalidPassword) => {
                return Err(IngestError::Encrypted);
            }
            // One unreadable page should not cost the reviewer the rest.
            Err(_) => {
                undecodable_streams += 1;
                continue;
            }
        };
        undecodable_streams += analyzer.undecodable_content_streams();
        // Rotated runs are stamps and watermarks, not the draft's prose.
        let upright = |l: &unpdf::parser::TextLine| !l.spans.iter().all(|s| s.is_rotated());
        let all: Vec<_> = blocks
            .iter()
            .flat_map(|b| b.lines.iter())
            .filter(|l| upright(l))
            .collect();
        let left = all.iter().map(|l| l.x).fold(f32::INFINITY, f32::min);
        let right = all
            .iter()
            .map(|l| line_right(l))
            .fold(f32::NEG_INFINITY, f32::max);
        let em = |l: &unpdf::parser::TextLine| if l.font_size > 0.0 { l.font_size } else { 12.0 };
        let reaches_right = |l: &unpdf::parser::TextLine| right - line_right(l) <= 1.5 * em(l);
        // The right edge is only a column edge if several lines run to it; on a page
        // with one long line (a title, a short letter) every line counts as short.
        let edge_is_real = all.iter().filter(|l| reaches_right(l)).count() >= 2;

        let first_index = out.len();
        for block in &blocks {
            let heading = (block.heading_level > 0).then_some(block.heading_level);
            let mut first_in_block = true;
            for line in block.lines.iter().filter(|l| upright(l)) {
                let text = squeeze_cjk_spaces(line_text(line).trim());
                if text.is_empty() {
                    continue;
                }
                let size = em(line);
                out.push(Line {
                    text,
                    page,
                    block_start: first_in_block,
                    heading,
                    size,
                    indented: line.x - left > 0.8 * size,
                    short: !(edge_is_real && reaches_right(line)),
                    first_on_page: false,
                    last_on_page: false,
                });
                first_in_block = false;
            }
        }
        let mut page_lines = out.split_off(first_index);
        clean_page(&mut page_lines);
        out.extend(page_lines);
    }
    Ok(Extracted {
        lines: out,
        undecodable_streams,
    })
}

/// Drops page numbers from one page's lines, then marks its first and last line
/// (what a paragraph broken by the page break is joined across).
fn clean_page(lines: &mut Vec<Line>) {
    let count = lines.len();
    let mut index = 0;
    lines.retain(|l| {
        let at_edge = index == 0 || index + 1 == count;
        index += 1;
        !is_page_number(&l.text, at_edge)
    });
    let count = lines.len();
    for (i, l) in lines.iter_mut().enumerate() {
        l.first_on_page = i == 0;
        l.last_on_page = i + 1 == count;
    }
}

/// The line's text; runs set far apart (table columns, a tab after 第一条) keep a
/// tab between them, which unpdf's CJK joining would drop (`项目金额`), and which
/// [`squeeze_cjk_spaces`] leaves alone.
fn line_text(line: &unpdf::parser::TextLine) -> String {
    let size = if line.font_size > 0.0 {
        line.font_size
    } else {
        12.0
    };
    let far = |a: &unpdf::parser::TextSpan, b: &unpdf::parser::TextSpan| {
        b.x - (a.x + a.width) > 0.9 * size
    };
    if !line.spans.windows(2).any(|w| far(&w[0], &w[1])) {
        return line.text();
    }
    let mut out = String::new();
    let mut group_start = 0;
    for i in 1..=line.spans.len() {
        let at_gap = i == line.spans.len() || far(&line.spans[i - 1], &line.spans[i]);
        if at_gap {
            let group = unpdf::parser::TextLine::from_spans(line.spans[group_start..i].to_vec());
            if !out.is_empty() {
                out.push('\t');
            }
            out.push_str(group.text().trim());
            group_start = i;
        }
    }
    out
}

fn line_right(line: &unpdf::parser::TextLine) -> f32 {
    line.spans
        .iter()
        .map(|s| s.x + s.width)
        .fold(line.x, f32::max)
}

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{2FDF}'     // radicals
        | '\u{3000}'..='\u{303F}'   // CJK punctuation
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF00}'..='\u{FFEF}'   // full-width forms
        | '\u{20000}'..='\u{2FA1F}'
        | '“' | '”' | '‘' | '’' | '…' | '—' | '·')
}

/// Removes runs of spaces that stand between two CJK characters (`关 于 加 强` →
/// `关于加强`); spaces next to Latin letters or digits are kept.
fn squeeze_cjk_spaces(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == ' ' || c == '\u{a0}' {
            let run_end = chars[i..]
                .iter()
                .position(|&c| c != ' ' && c != '\u{a0}')
                .map_or(chars.len(), |p| i + p);
            let before = out.chars().next_back();
            let after = chars.get(run_end).copied();
            let between_cjk = before.is_some_and(is_cjk) && after.is_some_and(is_cjk);
            if !between_cjk {
                out.push(' ');
            }
            i = run_end;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// `- 3 -`, `—3—`, `第 3 页`, `第3页 共12页`, `共12页 第3页`, `3/12`; a bare number
/// only where a folio stands (first or last line of a page).
fn is_page_number(text: &str, at_page_edge: bool) -> bool {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let dashes: &[char] = &['-', '—', '–', '－', '一'];
    if let Some(inner) = t.strip_prefix(dashes).and_then(|s| s.strip_suffix(dashes))
        && digits(inner.trim_matches(dashes))
    {
        return true;
    }
    let page_of = |s: &str| {
        s.strip_prefix('第')
            .and_then(|s| s.strip_suffix('页'))
            .is_some_and(digits)
    };
    let total = |s: &str| {
        s.strip_prefix('共')
            .and_then(|s| s.strip_suffix('页'))
            .is_some_and(digits)
    };
    if page_of(&t) {
        return true;
    }
    if let Some(split) = t.find("页共").or_else(|| t.find("页第")) {
        let (a, b) = t.split_at(split + '页'.len_utf8());
        let b = b.trim_start_matches([',', '，', '/']);
        if (page_of(a) && total(b)) || (total(a) && page_of(b)) {
            return true;
        }
    }
    if let Some((a, b)) = t.split_once('/')
        && digits(a)
        && digits(b)
        && a.len() <= 4
        && b.len() <= 4
    {
        return true;
    }
    at_page_edge && digits(&t) && t.len() <= 4
}

/// Whether `text` opens with a numbering marker that always starts a paragraph.
fn starts_with_marker(text: &str) -> bool {
    let t = text.trim_start();
    let mut chars = t.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let cn = |c: char| "零〇一二三四五六七八九十百千".contains(c);
    let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    match first {
        '第' => {
            let rest: String = chars
                .clone()
                .skip_while(|&c| cn(c) || digit(c))
                .take(2)
                .collect();
            chars.next().is_some_and(|c| cn(c) || digit(c))
                && ["条", "章", "节", "编", "部分"]
                    .iter()
                    .any(|u| rest.starts_with(u))
        }
        '（' | '(' => {
            let rest: String = chars.skip_while(|&c| cn(c) || digit(c)).take(1).collect();
            let number_len = t.chars().skip(1).take_while(|&c| cn(c) || digit(c)).count();
            number_len > 0 && (rest == "）" || rest == ")")
        }
        '①'..='⑳' | '⑴'..='⒇' | '⒈'..='⒛' => true,
        c if cn(c) || digit(c) => {
            let after = t.chars().find(|&c| !(cn(c) || digit(c)));
            let next = t.chars().skip_while(|&c| cn(c) || digit(c)).nth(1);
            match after {
                Some('、') => true,
                Some('.' | '．') => !next.is_some_and(|n| n.is_ascii_digit()),
                _ => false,
            }
        }
        '附' => t.starts_with("附件"),
        _ => false,
    }
}

fn ends_sentence(text: &str) -> bool {
    text.trim_end()
        .ends_with(['。', '；', ';', '：', ':', '！', '!', '？', '?'])
}

/// Whether `next` continues the paragraph whose last line is `prev`. Conservative:
/// every doubt starts a new paragraph, because a split paragraph keeps its clause
/// path while a wrongly joined one can swallow the next clause.
fn continues(prev: &Line, next: &Line) -> bool {
    let breaks = prev.heading.is_some()
        || next.heading.is_some()
        || prev.short
        || next.indented
        || (prev.size - next.size).abs() >= 2.0
        || ends_sentence(&prev.text)
        || starts_with_marker(&next.text);
    if breaks {
        return false;
    }
    if next.page != prev.page {
        // A page break: the previous page's last line ran full width and this
        // page's first line is not indented.
        return prev.last_on_page && next.first_on_page;
    }
    // Within a page, unpdf starts a block at a gap, a font change or a heading.
    !next.block_start
}

fn join(paragraph: &mut String, next: &str) {
    let last = paragraph.chars().next_back();
    let first = next.chars().next();
    if last.is_some_and(|c| c.is_ascii_alphanumeric())
        && first.is_some_and(|c| c.is_ascii_alphanumeric())
    {
        paragraph.push(' ');
    }
    paragraph.push_str(next);
}

fn paragraphs(lines: &[Line]) -> Vec<RawBlock> {
    let mut out: Vec<RawBlock> = Vec::new();
    let mut prev: Option<&Line> = None;
    for line in lines {
        match (prev, out.last_mut()) {
            (Some(p), Some(block)) if continues(p, line) => join(&mut block.text, &line.text),
            _ => out.push(RawBlock {
                text: line.text.clone(),
                hint: line.heading.map_or(Hint::None, Hint::Heading),
            }),
        }
        prev = Some(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> Line {
        Line {
            text: text.into(),
            page: 1,
            block_start: false,
            heading: None,
            size: 16.0,
            indented: false,
            short: false,
            first_on_page: false,
            last_on_page: false,
        }
    }

    fn texts(blocks: &[RawBlock]) -> Vec<&str> {
        blocks.iter().map(|b| b.text.as_str()).collect()
    }

    #[test]
    fn not_a_pdf_is_corrupt() {
        let err = read(b"PK\x03\x04 this is a renamed docx").unwrap_err();
        assert!(matches!(err, IngestError::Corrupt { format: "pdf", .. }));
    }

    #[test]
    fn a_truncated_pdf_is_an_error_not_a_panic() {
        let bytes =
            b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pa";
        match read(bytes) {
            Err(IngestError::Corrupt { format: "pdf", .. } | IngestError::NeedsOcr) => {}
            other => panic!("unexpected: {other:?}"),
        }
    }

    #[test]
    fn random_bytes_after_a_pdf_header_never_panic() {
        // A cheap deterministic fuzz: many garbled variants of a tiny PDF.
        let base = minimal_pdf("BT /F1 12 Tf 72 720 Td (Hello) Tj ET");
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..200 {
            let mut bytes = base.clone();
            for _ in 0..8 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let i = (seed as usize) % bytes.len();
                bytes[i] = (seed >> 32) as u8;
            }
            let _ = read(&bytes);
        }
    }

    /// Serialises numbered objects (1-based) into a PDF with a correct xref table.
    fn pdf_from_objects(objects: &[String], trailer_extra: &str) -> Vec<u8> {
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
        );
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R {trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    fn stream(content: &str) -> String {
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len() + 1
        )
    }

    /// A one-page PDF with a Helvetica text layer.
    fn minimal_pdf(content: &str) -> Vec<u8> {
        pdf_from_objects(
            &[
                "<< /Type /Catalog /Pages 2 0 R >>".into(),
                "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".into(),
                stream(content),
                "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
            ],
            "",
        )
    }

    /// A PDF set in the non-embedded Adobe font STSong-Light with the predefined
    /// UniGB-UCS2-H CMap (what WPS and reportlab write for 宋体 text). Each page is a
    /// list of (x, y, size, text) lines; CJK glyphs are 1 em wide.
    fn cjk_pdf(pages: &[&[(f32, f32, f32, &str)]]) -> Vec<u8> {
        let n = pages.len();
        let font_obj = 3 + 2 * n;
        let mut objects = vec![
            "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
            format!(
                "<< /Type /Pages /Kids [{}] /Count {n} >>",
                (0..n)
                    .map(|i| format!("{} 0 R", 3 + 2 * i))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        ];
        for (i, lines) in pages.iter().enumerate() {
            let mut content = String::new();
            for (x, y, size, text) in lines.iter() {
                let hex: String = text.encode_utf16().map(|u| format!("{u:04X}")).collect();
                content.push_str(&format!("BT /F1 {size} Tf {x} {y} Td <{hex}> Tj ET\n"));
            }
            objects.push(format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {} 0 R /Resources << /Font << /F1 {font_obj} 0 R >> >> >>",
                4 + 2 * i
            ));
            objects.push(stream(&content));
        }
        objects.push(format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [{} 0 R] >>",
            font_obj + 1
        ));
        objects.push(format!(
            "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor {} 0 R /DW 1000 >>",
            font_obj + 2
        ));
        objects.push("<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>".into());
        pdf_from_objects(&objects, "")
    }

    #[test]
    fn a_chinese_draft_pdf_gets_one_block_per_paragraph() {
        // Body 16 pt: text from x=72 to x=520 (28 characters), first lines indented
        // two characters, the title centred at 22 pt, a folio at the foot.
        let page1: &[(f32, f32, f32, &str)] = &[
            (165.0, 760.0, 22.0, "某县政府投资项目管理办法"),
            (240.0, 720.0, 16.0, "（征求意见稿）"),
            (
                104.0,
                680.0,
                16.0,
                "第一条　为规范政府投资行为，提高投资效益，根据有关规",
            ),
            (72.0, 651.0, 16.0, "定，结合本县实际，制定本办法。"),
            (104.0, 622.0, 16.0, "第二条　项目实行分级审批："),
            (
                104.0,
                593.0,
                16.0,
                "（一）总投资500万元以下的，由主管部门审批；",
            ),
            (
                104.0,
                564.0,
                16.0,
                "（二）总投资500万元以上的，提交县政府常务会议集体",
            ),
            (
                72.0,
                535.0,
                16.0,
                "研究决定，并报县委审定。重大项目还应当征求县人大常委会意",
            ),
            (282.0, 40.0, 14.0, "- 1 -"),
        ];
        let page2: &[(f32, f32, f32, &str)] = &[
            (72.0, 760.0, 16.0, "见。"),
            (104.0, 731.0, 16.0, "第 三 条　本办法自印发之日起施行。"),
            (282.0, 40.0, 14.0, "- 2 -"),
        ];
        let blocks = read(&cjk_pdf(&[page1, page2])).unwrap();
        assert_eq!(
            texts(&blocks),
            [
                "某县政府投资项目管理办法",
                "（征求意见稿）",
                "第一条　为规范政府投资行为，提高投资效益，根据有关规定，结合本县实际，制定本办法。",
                "第二条　项目实行分级审批：",
                "（一）总投资500万元以下的，由主管部门审批；",
                "（二）总投资500万元以上的，提交县政府常务会议集体研究决定，并报县委审定。重大项目还应当征求县人大常委会意见。",
                "第三条　本办法自印发之日起施行。",
            ]
        );
    }

    #[test]
    fn a_pdf_whose_password_is_unknown_is_encrypted() {
        let zeros = "00".repeat(32);
        let bytes = pdf_from_objects(
            &[
                "<< /Type /Catalog /Pages 2 0 R >>".into(),
                "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".into(),
                stream("BT ET"),
                format!(
                    "<< /Filter /Standard /V 1 /R 2 /O <{zeros}> /U <{}> /P -4 >>",
                    "AB".repeat(32)
                ),
            ],
            &format!("/Encrypt 5 0 R /ID [<{0}> <{0}>]", "11".repeat(16)),
        );
        assert!(matches!(read(&bytes), Err(IngestError::Encrypted)));
    }

    #[test]
    fn a_minimal_text_pdf_is_read() {
        let bytes = minimal_pdf("BT /F1 12 Tf 72 720 Td (Article 1 applies.) Tj ET");
        assert_eq!(texts(&read(&bytes).unwrap()), ["Article 1 applies."]);
    }

    #[test]
    fn a_pdf_without_text_needs_ocr() {
        let bytes = minimal_pdf("0 0 1 rg 100 100 200 200 re f");
        assert!(matches!(read(&bytes), Err(IngestError::NeedsOcr)));
    }

    #[test]
    fn spaces_between_cjk_characters_are_removed() {
        assert_eq!(
            squeeze_cjk_spaces("关 于 加 强 管 理 的 通 知"),
            "关于加强管理的通知"
        );
        assert_eq!(
            squeeze_cjk_spaces("第 三 条 2024 年 投入 500 万元"),
            "第三条 2024 年投入 500 万元"
        );
        assert_eq!(
            squeeze_cjk_spaces("各乡镇 ： PPP 项目"),
            "各乡镇： PPP 项目"
        );
    }

    #[test]
    fn page_numbers_are_recognised() {
        for t in [
            "- 3 -",
            "—12—",
            "－ 3 －",
            "第 3 页",
            "第3页 共12页",
            "共 12 页 第 3 页",
            "3/12",
        ] {
            assert!(is_page_number(t, false), "{t}");
        }
        assert!(is_page_number("7", true));
        assert!(!is_page_number("7", false));
        assert!(!is_page_number("第三页的表格", true));
        assert!(!is_page_number("2024年", true));
    }

    #[test]
    fn numbering_markers_are_recognised() {
        for t in [
            "第十二条 资金",
            "第三章 附则",
            "一、总体要求",
            "（一）指导思想",
            "(2)公开",
            "1.建立台账",
            "1、建立",
            "①公示",
            "附件1",
        ] {
            assert!(starts_with_marker(t), "{t}");
        }
        for t in [
            "第三次会议",
            "1.5亿元",
            "2024年",
            "一是加强",
            "决定，并报县委审定。",
        ] {
            assert!(!starts_with_marker(t), "{t}");
        }
    }

    #[test]
    fn wrapped_lines_join_and_markers_start_new_paragraphs() {
        let lines = vec![
            Line {
                indented: true,
                block_start: true,
                ..line("第一条 为规范政府投资行为，根据《政府投资条例》")
            },
            line("等有关规定，制定本办法。"),
            Line {
                indented: true,
                ..line("第二条 本办法适用于县级财政资金安排的项目，包")
            },
            Line {
                short: true,
                ..line("括新建、扩建和改建。")
            },
            line("（一）总投资500万元以下的，由主管部门审批；"),
            Line {
                short: true,
                ..line("前款规定不适用于应急项目")
            },
            line("第二行没有缩进，但上一行是短行。"),
        ];
        assert_eq!(
            texts(&paragraphs(&lines)),
            [
                "第一条 为规范政府投资行为，根据《政府投资条例》等有关规定，制定本办法。",
                "第二条 本办法适用于县级财政资金安排的项目，包括新建、扩建和改建。",
                "（一）总投资500万元以下的，由主管部门审批；",
                "前款规定不适用于应急项目",
                "第二行没有缩进，但上一行是短行。",
            ]
        );
    }

    #[test]
    fn a_paragraph_broken_by_a_page_break_is_joined_and_the_folio_dropped() {
        let mut page1 = vec![
            Line {
                indented: true,
                ..line("（二）总投资500万元以上的，提交县政府常务会议集体研究")
            },
            Line {
                short: true,
                ..line("- 1 -")
            },
        ];
        let mut page2 = vec![
            Line {
                page: 2,
                block_start: true,
                ..line("决定，并报县委审定。")
            },
            Line {
                page: 2,
                indented: true,
                ..line("第四条 资金拨付实行国库集中支付。")
            },
            Line {
                page: 2,
                short: true,
                ..line("2")
            },
        ];
        clean_page(&mut page1);
        clean_page(&mut page2);
        let lines: Vec<Line> = page1.into_iter().chain(page2).collect();
        assert_eq!(
            texts(&paragraphs(&lines)),
            [
                "（二）总投资500万元以上的，提交县政府常务会议集体研究决定，并报县委审定。",
                "第四条 资金拨付实行国库集中支付。",
            ]
        );
    }

    #[test]
    fn a_sentence_ending_at_a_page_break_is_not_joined() {
        let mut page1 = vec![line("第三条 项目实行分级审批。")];
        let mut page2 = vec![Line {
            page: 2,
            ..line("项目单位应当如实申报。")
        }];
        clean_page(&mut page1);
        clean_page(&mut page2);
        let lines: Vec<Line> = page1.into_iter().chain(page2).collect();
        assert_eq!(paragraphs(&lines).len(), 2);
    }

    #[test]
    fn latin_words_broken_over_lines_keep_a_space() {
        let lines = vec![
            line("采用 PPP"),
            line("模式"),
            line("and the"),
            line("contract"),
        ];
        assert_eq!(texts(&paragraphs(&lines)), ["采用 PPP模式and the contract"]);
    }
}
