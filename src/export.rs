//! Exports: the 问询清单 of a meeting as a `.docx` the commission can edit and
//! file.
//!
//! Written by hand with the `zip` crate we already read `.docx` with, rather than a
//! docx-writing crate: the document is a title, headings and paragraphs, and the
//! three parts a minimal WordprocessingML package needs are a few lines each. Text
//! is XML-escaped and stripped of characters XML 1.0 forbids, so nothing a draft
//! contains can break the file. Fonts follow 公文 habit (方正小标宋简体 for the
//! title, 仿宋_GB2312 for the body); Word substitutes when they are missing.

use std::io::{Cursor, Write};

use zip::write::{SimpleFileOptions, ZipWriter};

/// One inquiry point as the list shows it.
#[derive(Debug, Clone)]
pub struct ListPoint {
    pub question: String,
    pub quote: String,
    pub clause: String,
    pub kind_name: String,
    pub severity: &'static str,
    pub status: &'static str,
}

/// One item (议题) with its points.
#[derive(Debug, Clone)]
pub struct ListItem {
    pub title: String,
    pub unit: String,
    pub approved: bool,
    pub points: Vec<ListPoint>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("生成 .docx 失败：{0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("生成 .docx 失败：{0}")]
    Io(#[from] std::io::Error),
}

/// XML text content: escaped, without characters XML 1.0 does not allow.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[derive(Clone, Copy)]
enum Style {
    Title,
    Heading,
    Body,
    Small,
    Mark,
}

fn para(text: &str, style: Style) -> String {
    let (jc, font, size, bold) = match style {
        Style::Title => ("center", "方正小标宋简体", 44, false),
        Style::Heading => ("left", "黑体", 32, false),
        Style::Body => ("both", "仿宋_GB2312", 32, false),
        Style::Small => ("both", "仿宋_GB2312", 24, false),
        Style::Mark => ("right", "黑体", 28, true),
    };
    format!(
        "<w:p><w:pPr><w:jc w:val=\"{jc}\"/><w:spacing w:line=\"560\" w:lineRule=\"exact\"/></w:pPr>\
         <w:r><w:rPr><w:rFonts w:ascii=\"{font}\" w:hAnsi=\"{font}\" w:eastAsia=\"{font}\"/>{b}\
         <w:sz w:val=\"{size}\"/><w:szCs w:val=\"{size}\"/></w:rPr>\
         <w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>",
        b = if bold { "<w:b/>" } else { "" },
        text = xml(text),
    )
}

/// The 问询清单 as `.docx` bytes. `footer` says who exported it and when.
pub fn inquiry_list_docx(
    title: &str,
    subtitle: &str,
    items: &[ListItem],
    footer: &str,
) -> Result<Vec<u8>, ExportError> {
    let mut body = String::new();
    body.push_str(&para("工作秘密 · 注意保管", Style::Mark));
    body.push_str(&para(&format!("{title}廉政问询清单"), Style::Title));
    body.push_str(&para(subtitle, Style::Small));
    if items.is_empty() {
        body.push_str(&para("该会议还没有议题。", Style::Body));
    }
    let numerals = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    for (i, it) in items.iter().enumerate() {
        let n = numerals
            .get(i)
            .map(|s| s.to_string())
            .unwrap_or_else(|| (i + 1).to_string());
        let unit = if it.unit.is_empty() {
            String::new()
        } else {
            format!("（{}）", it.unit)
        };
        body.push_str(&para(&format!("{n}、{}{unit}", it.title), Style::Heading));
        if !it.approved {
            body.push_str(&para("（问询清单尚未审定）", Style::Small));
        }
        if it.points.is_empty() {
            body.push_str(&para("无问询要点。", Style::Body));
        }
        for (j, p) in it.points.iter().enumerate() {
            body.push_str(&para(&format!("{}. {}", j + 1, p.question), Style::Body));
            let clause = if p.clause.is_empty() {
                String::new()
            } else {
                format!("（{}）", p.clause)
            };
            let kind = if p.kind_name.is_empty() {
                "人工添加"
            } else {
                &p.kind_name
            };
            body.push_str(&para(
                &format!(
                    "依据原文{clause}：“{}”；{kind}；严重度{}；{}",
                    p.quote, p.severity, p.status
                ),
                Style::Small,
            ));
        }
    }
    body.push_str(&para(footer, Style::Small));
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}\
         <w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"2098\" w:right=\"1474\" \
         w:bottom=\"1984\" w:left=\"1588\" w:header=\"851\" w:footer=\"992\" w:gutter=\"0\"/></w:sectPr>\
         </w:body></w:document>"
    );
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default();
    zip.start_file("[Content_Types].xml", opts)?;
    zip.write_all(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
          <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
          <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
          <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
          <Override PartName=\"/word/document.xml\" \
          ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
          </Types>",
    )?;
    zip.start_file("_rels/.rels", opts)?;
    zip.write_all(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
          <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
          <Relationship Id=\"rId1\" \
          Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" \
          Target=\"word/document.xml\"/></Relationships>",
    )?;
    zip.start_file("word/document.xml", opts)?;
    zip.write_all(document.as_bytes())?;
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Limits, read_bytes};

    #[test]
    fn the_list_reads_back_with_our_own_docx_reader() {
        let items = [ListItem {
            title: "干部任免<议题>".into(),
            unit: "县委组织部".into(),
            approved: false,
            points: vec![ListPoint {
                question: "拟任人选有未了结信访举报，是否暂缓提拔？".into(),
                quote: "有一件信访举报正在核查\u{1}".into(),
                clause: "二、".into(),
                kind_name: "带病提拔风险".into(),
                severity: "高",
                status: "待问询",
            }],
        }];
        let bytes =
            inquiry_list_docx("县委常委会", "十五届第 12 次", &items, "导出人：zhang").unwrap();
        let doc = read_bytes("list.docx", &bytes, &Limits::default()).expect("valid docx");
        assert!(doc.text.contains("县委常委会廉政问询清单"));
        assert!(doc.text.contains("一、干部任免<议题>（县委组织部）"));
        assert!(
            doc.text
                .contains("1. 拟任人选有未了结信访举报，是否暂缓提拔？")
        );
        assert!(
            doc.text.contains("“有一件信访举报正在核查”"),
            "control chars dropped"
        );
        assert!(doc.text.contains("导出人：zhang"));
    }
}
