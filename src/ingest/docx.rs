//! `.docx` reader: `word/document.xml` in reading order, with styles and numbering.
//!
//! A short reader of our own (zip + quick-xml) rather than a docx crate, because
//! reviewers need what the page *shows*, in order: tables where they stand, tracked
//! deletions left out and insertions kept, tabs as spaces, and — most important for
//! 公文 — the visible labels of Word's automatic numbering (`一、`, `（一）`, `第一条`),
//! which are not in the text at all but computed from `word/numbering.xml`. Without
//! them a draft numbered by Word would have no clause paths.
//!
//! Untrusted input is assumed throughout: the OLE header of a legacy `.doc` or a
//! password-protected file is recognised before unzipping, declared sizes are
//! summed against [`Limits::max_unzipped_bytes`] and every part is read through a
//! shared byte budget, so a zip bomb is refused rather than inflated.
//!
//! Element names are matched by namespace (transitional or strict
//! WordprocessingML), so DrawingML text (`a:t`) and the VML duplicates Word keeps
//! in `mc:Fallback` do not leak in. Headers, footers, footnotes and comments are
//! not read: they hold page numbers and remarks, not the draft's clauses.

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read};

use quick_xml::XmlVersion;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use zip::ZipArchive;
use zip::result::ZipError;

use super::{Hint, IngestError, Limits, RawBlock};

const CFB_MAGIC: [u8; 4] = [0xD0, 0xCF, 0x11, 0xE0];
const W_NAMESPACES: [&str; 2] = [
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",
];
const MC_NAMESPACE: &str = "http://schemas.openxmlformats.org/markup-compatibility/2006";
/// styles.xml / numbering.xml larger than this are ignored (they are kilobytes in
/// practice; the document text does not depend on them).
const MAX_AUX_PART: usize = 16 * 1024 * 1024;

/// Reads a `.docx` into raw blocks (paragraphs, table cells), in document order.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Vec<RawBlock>, IngestError> {
    if bytes.starts_with(&CFB_MAGIC) {
        // Office writes password-protected .docx files as an OLE compound file with
        // an `EncryptedPackage` stream; any other OLE file is a legacy .doc.
        return Err(if contains_utf16le(bytes, "EncryptedPackage") {
            IngestError::Encrypted
        } else {
            IngestError::Unsupported(".doc（旧版 Word 格式）".into())
        });
    }
    if !bytes.starts_with(b"PK") {
        return Err(corrupt("不是 zip 压缩包（.docx 文件应为 zip 格式）"));
    }
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(zip_error)?;
    check_declared_sizes(&mut archive, limits)?;
    let mut budget = Budget::new(limits.max_unzipped_bytes);

    let main = main_part(&mut archive, &mut budget)?;
    let Some(document) = read_part(&mut archive, &main, &mut budget)? else {
        return Err(not_a_word_document(&archive));
    };
    let rels = part_relationships(&mut archive, &main, &mut budget)?;
    let styles = match rels.get("styles") {
        Some(name) => read_aux_part(&mut archive, name, &mut budget)?,
        None => None,
    };
    let numbering = match rels.get("numbering") {
        Some(name) => read_aux_part(&mut archive, name, &mut budget)?,
        None => None,
    };
    // Style and numbering definitions only refine the result; a broken one is
    // ignored rather than failing the whole draft.
    let styles = styles
        .and_then(|x| parse_dom(&x).ok())
        .map(|d| Styles::from_dom(&d))
        .unwrap_or_default();
    let numbering = numbering
        .and_then(|x| parse_dom(&x).ok())
        .map(|d| Numbering::from_dom(&d))
        .unwrap_or_default();

    let mut walker = Walker::new(&styles, &numbering);
    walk_xml(&document, |ev| walker.event(ev))?;
    Ok(walker.out)
}

fn corrupt(detail: impl Into<String>) -> IngestError {
    IngestError::Corrupt {
        format: "docx",
        detail: detail.into(),
    }
}

fn zip_error(e: ZipError) -> IngestError {
    match e {
        ZipError::UnsupportedArchive(msg) if msg == ZipError::PASSWORD_REQUIRED => {
            IngestError::Encrypted
        }
        ZipError::InvalidPassword => IngestError::Encrypted,
        other => corrupt(format!("zip 结构错误：{other}")),
    }
}

fn contains_utf16le(haystack: &[u8], needle: &str) -> bool {
    let needle: Vec<u8> = needle.encode_utf16().flat_map(u16::to_le_bytes).collect();
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_slice())
}

/// Zip-bomb guard, part one: the sizes the archive declares.
fn check_declared_sizes(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    limits: &Limits,
) -> Result<(), IngestError> {
    let mut total = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index_data(i).map_err(zip_error)?;
        if entry.encrypted() {
            return Err(IngestError::Encrypted);
        }
        total = total.saturating_add(entry.size());
        if total > limits.max_unzipped_bytes {
            return Err(IngestError::ZipBomb {
                limit: limits.max_unzipped_bytes,
            });
        }
    }
    Ok(())
}

/// Finds an entry by name, tolerating `\` separators and case differences that
/// some converters produce.
fn entry_name(archive: &ZipArchive<Cursor<&[u8]>>, name: &str) -> Option<String> {
    if archive.index_for_name(name).is_some() {
        return Some(name.to_string());
    }
    archive
        .file_names()
        .filter_map(Result::ok)
        .find(|n| {
            n.replace('\\', "/")
                .trim_start_matches('/')
                .eq_ignore_ascii_case(name)
        })
        .map(|n| n.into_owned())
}

/// Zip-bomb guard, part two: every byte actually inflated counts against one
/// budget shared by all parts, whatever the headers claim.
struct Budget {
    remaining: u64,
    limit: u64,
}

impl Budget {
    fn new(limit: u64) -> Self {
        Budget {
            remaining: limit,
            limit,
        }
    }
}

fn read_part(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    name: &str,
    budget: &mut Budget,
) -> Result<Option<Vec<u8>>, IngestError> {
    let Some(name) = entry_name(archive, name) else {
        return Ok(None);
    };
    let file = match archive.by_name(&name) {
        Ok(file) => file,
        Err(ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(zip_error(e)),
    };
    let mut buf = Vec::new();
    file.take(budget.remaining.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| corrupt(format!("无法解压 {name}：{e}")))?;
    let used = u64::try_from(buf.len()).unwrap_or(u64::MAX);
    if used > budget.remaining {
        return Err(IngestError::ZipBomb {
            limit: budget.limit,
        });
    }
    budget.remaining -= used;
    Ok(Some(buf))
}

fn read_aux_part(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    name: &str,
    budget: &mut Budget,
) -> Result<Option<Vec<u8>>, IngestError> {
    Ok(read_part(archive, name, budget)?.filter(|b| b.len() <= MAX_AUX_PART))
}

fn not_a_word_document(archive: &ZipArchive<Cursor<&[u8]>>) -> IngestError {
    let has = |n: &str| entry_name(archive, n).is_some();
    if has("xl/workbook.xml") {
        IngestError::Unsupported(".xlsx（Excel 表格）".into())
    } else if has("ppt/presentation.xml") {
        IngestError::Unsupported(".pptx（PowerPoint 演示文稿）".into())
    } else if has("content.xml") {
        IngestError::Unsupported(".odt（OpenDocument 文档）".into())
    } else {
        corrupt("缺少正文部分 word/document.xml")
    }
}

/// The main document part named by `_rels/.rels`, else the usual `word/document.xml`.
fn main_part(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    budget: &mut Budget,
) -> Result<String, IngestError> {
    let default = "word/document.xml".to_string();
    let Some(rels) = read_aux_part(archive, "_rels/.rels", budget)? else {
        return Ok(default);
    };
    let Ok(dom) = parse_dom(&rels) else {
        return Ok(default);
    };
    let found = dom.descendants(0).find_map(|i| {
        let ty = dom.attr(i, "Type")?;
        (dom.elems[i].name == "Relationship" && ty.ends_with("/officeDocument"))
            .then(|| dom.attr(i, "Target").map(|t| resolve_target("", t)))
            .flatten()
    });
    Ok(found
        .filter(|n| entry_name(archive, n).is_some())
        .unwrap_or(default))
}

/// Relationship type suffix (`styles`, `numbering`) → part name, for `part`.
fn part_relationships(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    part: &str,
    budget: &mut Budget,
) -> Result<HashMap<String, String>, IngestError> {
    let (dir, file) = part.rsplit_once('/').unwrap_or(("", part));
    let rels_name = if dir.is_empty() {
        format!("_rels/{file}.rels")
    } else {
        format!("{dir}/_rels/{file}.rels")
    };
    let mut map = HashMap::new();
    if let Some(rels) = read_aux_part(archive, &rels_name, budget)?
        && let Ok(dom) = parse_dom(&rels)
    {
        for i in dom.descendants(0) {
            if let (Some(ty), Some(target)) = (dom.attr(i, "Type"), dom.attr(i, "Target"))
                && let Some((_, kind)) = ty.rsplit_once('/')
                && dom.attr(i, "TargetMode") != Some("External")
            {
                map.entry(kind.to_string())
                    .or_insert_with(|| resolve_target(dir, target));
            }
        }
    }
    for (kind, file) in [("styles", "styles.xml"), ("numbering", "numbering.xml")] {
        map.entry(kind.to_string())
            .or_insert_with(|| resolve_target(dir, file));
    }
    Ok(map)
}

/// Resolves a relationship target against the source part's folder.
fn resolve_target(dir: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

// ---------------------------------------------------------------------------
// XML plumbing
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    W,
    Mc,
    Other,
}

enum XmlEvent<'a> {
    Start {
        ns: Ns,
        name: &'a str,
        attrs: &'a [(String, String)],
    },
    End {
        ns: Ns,
        name: &'a str,
    },
    Text(&'a str),
}

fn decode_xml(bytes: &[u8]) -> String {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(bytes.get(bom..).unwrap_or_default());
        return text.into_owned();
    }
    String::from_utf8_lossy(bytes).into_owned()
}

/// Streams `xml` as simplified events. Entity references (which quick-xml 0.42
/// reports as separate `GeneralRef` events) are resolved into text.
fn walk_xml(xml: &[u8], mut on: impl FnMut(XmlEvent<'_>)) -> Result<(), IngestError> {
    let text = decode_xml(xml);
    let mut reader = NsReader::from_str(&text);
    reader.config_mut().expand_empty_elements = true;
    let mut attrs: Vec<(String, String)> = Vec::new();
    loop {
        let (resolved, event) = reader
            .read_resolved_event()
            .map_err(|e| corrupt(format!("XML 格式错误：{e}")))?;
        let ns = match resolved {
            ResolveResult::Bound(ns) if W_NAMESPACES.contains(&ns.0) => Ns::W,
            ResolveResult::Bound(ns) if ns.0 == MC_NAMESPACE => Ns::Mc,
            _ => Ns::Other,
        };
        match event {
            Event::Start(e) => {
                attrs.clear();
                for attr in e.attributes().with_checks(false).flatten() {
                    let key = attr.key.local_name().into_inner().to_string();
                    let value = attr
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map(|v| v.into_owned())
                        .unwrap_or_default();
                    attrs.push((key, value));
                }
                on(XmlEvent::Start {
                    ns,
                    name: e.local_name().into_inner(),
                    attrs: &attrs,
                });
            }
            Event::End(e) => on(XmlEvent::End {
                ns,
                name: e.local_name().into_inner(),
            }),
            Event::Text(t) => on(XmlEvent::Text(&t.xml10_content())),
            Event::CData(t) => on(XmlEvent::Text(&t.xml10_content())),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    Ok(None) => match r.xml10_content().as_ref() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                    Err(_) => None,
                };
                if let Some(c) = resolved {
                    let mut buf = [0u8; 4];
                    on(XmlEvent::Text(c.encode_utf8(&mut buf)));
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// A tiny element tree for the small definition parts (styles, numbering, rels).
struct Dom {
    elems: Vec<Elem>,
}

struct Elem {
    ns: Ns,
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<usize>,
}

fn parse_dom(xml: &[u8]) -> Result<Dom, IngestError> {
    let mut elems = vec![Elem {
        ns: Ns::Other,
        name: String::new(),
        attrs: Vec::new(),
        children: Vec::new(),
    }];
    let mut stack = vec![0usize];
    walk_xml(xml, |ev| match ev {
        XmlEvent::Start { ns, name, attrs } => {
            let index = elems.len();
            elems.push(Elem {
                ns,
                name: name.to_string(),
                attrs: attrs.to_vec(),
                children: Vec::new(),
            });
            if let Some(parent) = stack.last().and_then(|&p| elems.get_mut(p)) {
                parent.children.push(index);
            }
            stack.push(index);
        }
        XmlEvent::End { .. } => {
            if stack.len() > 1 {
                stack.pop();
            }
        }
        XmlEvent::Text(_) => {}
    })?;
    Ok(Dom { elems })
}

impl Dom {
    fn attr(&self, i: usize, key: &str) -> Option<&str> {
        self.elems
            .get(i)?
            .attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `w:`-namespace children of `i` named `name`.
    fn children<'a>(&'a self, i: usize, name: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.elems
            .get(i)
            .map(|e| e.children.as_slice())
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(move |&c| self.elems[c].ns == Ns::W && self.elems[c].name == name)
    }

    fn child(&self, i: usize, name: &str) -> Option<usize> {
        self.children(i, name).next()
    }

    /// `w:val` of the `w:`-child `name` of `i`.
    fn child_val(&self, i: usize, name: &str) -> Option<&str> {
        self.attr(self.child(i, name)?, "val")
    }

    fn descendants(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let mut stack = vec![i];
        std::iter::from_fn(move || {
            let next = stack.pop()?;
            if let Some(e) = self.elems.get(next) {
                stack.extend(e.children.iter().rev());
            }
            Some(next)
        })
        .skip(1)
    }
}

/// `w:val` toggles: absent or anything but false/0/off means on.
fn is_on(val: Option<&str>) -> bool {
    !matches!(val, Some("0" | "false" | "off"))
}

// ---------------------------------------------------------------------------
// Styles
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StyleRole {
    Title,
    Heading(u8),
    /// A table-of-contents entry (`toc 1`, `目录 1`): a copy of a heading, skipped.
    Contents,
}

#[derive(Debug, Default)]
struct Style {
    role: Option<StyleRole>,
    based_on: Option<String>,
    outline: Option<u8>,
    num_id: Option<u32>,
    ilvl: Option<u8>,
}

#[derive(Debug, Default)]
struct Styles {
    by_id: HashMap<String, Style>,
    default_paragraph: Option<String>,
}

/// `Title`/`标题` → title, `heading 2`/`标题 2` → heading 2 (names compared
/// without spaces, case-insensitively).
fn role_from_name(name: &str) -> Option<StyleRole> {
    let compact: String = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    if compact == "title" || compact == "标题" {
        return Some(StyleRole::Title);
    }
    if compact.starts_with("toc") || compact.starts_with("目录") {
        return Some(StyleRole::Contents);
    }
    let level = compact
        .strip_prefix("heading")
        .or_else(|| compact.strip_prefix("标题"))?;
    let n: u8 = level.parse().ok()?;
    (1..=9).contains(&n).then_some(StyleRole::Heading(n))
}

impl Styles {
    fn from_dom(dom: &Dom) -> Self {
        let mut styles = Styles::default();
        for i in dom.descendants(0) {
            let e = &dom.elems[i];
            if e.ns != Ns::W || e.name != "style" {
                continue;
            }
            if dom.attr(i, "type").is_some_and(|t| t != "paragraph") {
                continue;
            }
            let Some(id) = dom.attr(i, "styleId") else {
                continue;
            };
            let ppr = dom.child(i, "pPr");
            let num_pr = ppr.and_then(|p| dom.child(p, "numPr"));
            let style = Style {
                role: dom.child_val(i, "name").and_then(role_from_name),
                based_on: dom.child_val(i, "basedOn").map(str::to_string),
                outline: ppr
                    .and_then(|p| dom.child_val(p, "outlineLvl"))
                    .and_then(|v| v.parse().ok()),
                num_id: num_pr
                    .and_then(|n| dom.child_val(n, "numId"))
                    .and_then(|v| v.parse().ok()),
                ilvl: num_pr
                    .and_then(|n| dom.child_val(n, "ilvl"))
                    .and_then(|v| v.parse().ok()),
            };
            if dom.attr(i, "default").is_some_and(|d| is_on(Some(d))) {
                styles.default_paragraph = Some(id.to_string());
            }
            styles.by_id.insert(id.to_string(), style);
        }
        styles
    }

    /// The style and its `basedOn` ancestors (cycle-safe).
    fn chain<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Style> + 'a {
        let mut next = Some(id);
        let mut seen = 0;
        std::iter::from_fn(move || {
            seen += 1;
            if seen > 16 {
                return None;
            }
            let style = self.by_id.get(next?)?;
            next = style.based_on.as_deref();
            Some(style)
        })
    }

    fn role(&self, id: &str) -> Option<StyleRole> {
        self.chain(id).find_map(|s| {
            s.role.or_else(|| {
                s.outline
                    .filter(|l| *l < 9)
                    .map(|l| StyleRole::Heading(l + 1))
            })
        })
    }

    /// Numbering inherited from the style: (numId, ilvl if given).
    fn numbering(&self, id: &str) -> Option<(u32, Option<u8>)> {
        self.chain(id).find_map(|s| s.num_id.map(|n| (n, s.ilvl)))
    }
}

// ---------------------------------------------------------------------------
// Numbering
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
struct Level {
    start: u32,
    format: String,
    text: String,
    /// `w:lvlRestart`: restart after a level numbered below this (1-based); 0 = never.
    restart: Option<u32>,
    legal: bool,
    suffix: String,
    style: Option<String>,
}

#[derive(Debug, Default)]
struct AbstractNum {
    levels: HashMap<u8, Level>,
    style_link: Option<String>,
}

#[derive(Debug, Default)]
struct Num {
    abstract_id: u32,
    start_overrides: HashMap<u8, u32>,
    level_overrides: HashMap<u8, Level>,
}

#[derive(Debug, Default)]
struct Numbering {
    abstracts: HashMap<u32, AbstractNum>,
    nums: HashMap<u32, Num>,
}

fn parse_level(dom: &Dom, i: usize) -> Level {
    Level {
        // ECMA-376: an absent w:start means 0.
        start: dom
            .child_val(i, "start")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        format: dom.child_val(i, "numFmt").unwrap_or("decimal").to_string(),
        text: dom.child_val(i, "lvlText").unwrap_or_default().to_string(),
        restart: dom.child_val(i, "lvlRestart").and_then(|v| v.parse().ok()),
        legal: dom
            .child(i, "isLgl")
            .is_some_and(|c| is_on(dom.attr(c, "val"))),
        suffix: dom.child_val(i, "suff").unwrap_or("tab").to_string(),
        style: dom.child_val(i, "pStyle").map(str::to_string),
    }
}

fn ilvl_of(dom: &Dom, i: usize) -> Option<u8> {
    dom.attr(i, "ilvl")?.parse().ok().filter(|l| *l < 9)
}

impl Numbering {
    fn from_dom(dom: &Dom) -> Self {
        let mut numbering = Numbering::default();
        for i in dom.descendants(0) {
            let e = &dom.elems[i];
            if e.ns != Ns::W {
                continue;
            }
            match e.name.as_str() {
                "abstractNum" => {
                    let Some(id) = dom.attr(i, "abstractNumId").and_then(|v| v.parse().ok()) else {
                        continue;
                    };
                    let mut abs = AbstractNum {
                        style_link: dom.child_val(i, "numStyleLink").map(str::to_string),
                        ..AbstractNum::default()
                    };
                    for l in dom.children(i, "lvl") {
                        if let Some(ilvl) = ilvl_of(dom, l) {
                            abs.levels.insert(ilvl, parse_level(dom, l));
                        }
                    }
                    numbering.abstracts.insert(id, abs);
                }
                "num" => {
                    let Some(id) = dom.attr(i, "numId").and_then(|v| v.parse().ok()) else {
                        continue;
                    };
                    let Some(abstract_id) = dom
                        .child_val(i, "abstractNumId")
                        .and_then(|v| v.parse().ok())
                    else {
                        continue;
                    };
                    let mut num = Num {
                        abstract_id,
                        ..Num::default()
                    };
                    for o in dom.children(i, "lvlOverride") {
                        let Some(ilvl) = ilvl_of(dom, o) else {
                            continue;
                        };
                        if let Some(start) = dom
                            .child_val(o, "startOverride")
                            .and_then(|v| v.parse().ok())
                        {
                            num.start_overrides.insert(ilvl, start);
                        }
                        if let Some(l) = dom.child(o, "lvl") {
                            num.level_overrides.insert(ilvl, parse_level(dom, l));
                        }
                    }
                    numbering.nums.insert(id, num);
                }
                _ => {}
            }
        }
        numbering
    }

    /// The abstract numbering behind `num_id`, following one `numStyleLink` hop.
    fn abstract_id(&self, num_id: u32, styles: &Styles) -> Option<u32> {
        let id = self.nums.get(&num_id)?.abstract_id;
        let linked = self
            .abstracts
            .get(&id)?
            .style_link
            .as_deref()
            .and_then(|s| styles.numbering(s))
            .and_then(|(n, _)| self.nums.get(&n))
            .map(|n| n.abstract_id)
            .filter(|a| self.abstracts.contains_key(a));
        Some(linked.unwrap_or(id))
    }

    fn level(&self, num_id: u32, abstract_id: u32, ilvl: u8) -> Option<&Level> {
        self.nums
            .get(&num_id)
            .and_then(|n| n.level_overrides.get(&ilvl))
            .or_else(|| self.abstracts.get(&abstract_id)?.levels.get(&ilvl))
    }

    /// The level of `abstract_id` that is tied to paragraph style `style`.
    fn level_for_style(&self, abstract_id: u32, style: &str) -> Option<u8> {
        self.abstracts
            .get(&abstract_id)?
            .levels
            .iter()
            .find(|(_, l)| l.style.as_deref() == Some(style))
            .map(|(i, _)| *i)
    }
}

/// Running counters. Word counts per abstract numbering (two lists that share one
/// definition continue each other) and restarts where a `w:num` overrides the
/// start value.
#[derive(Default)]
struct Counters {
    values: HashMap<u32, [Option<u32>; 9]>,
    overrides_applied: HashSet<(u32, u8)>,
}

impl Counters {
    /// Advances the counter for one numbered paragraph and returns its visible
    /// label, including the separator Word shows before the text.
    fn next_label(
        &mut self,
        numbering: &Numbering,
        styles: &Styles,
        num_id: u32,
        ilvl: u8,
    ) -> Option<String> {
        let abstract_id = numbering.abstract_id(num_id, styles)?;
        let level = numbering.level(num_id, abstract_id, ilvl)?;
        let ilvl = ilvl.min(8);
        let values = self.values.entry(abstract_id).or_default();
        let i = usize::from(ilvl);

        let start_override = numbering
            .nums
            .get(&num_id)
            .and_then(|n| n.start_overrides.get(&ilvl))
            .copied();
        values[i] = match start_override {
            Some(start) if self.overrides_applied.insert((num_id, ilvl)) => Some(start),
            _ => Some(values[i].map_or(level.start, |v| v.saturating_add(1))),
        };
        for deeper in ilvl + 1..9 {
            let threshold = numbering
                .level(num_id, abstract_id, deeper)
                .and_then(|l| l.restart)
                .unwrap_or(u32::from(deeper));
            if u32::from(ilvl) < threshold {
                values[usize::from(deeper)] = None;
            }
        }

        if matches!(level.format.as_str(), "bullet" | "none") {
            return None;
        }
        let mut label = String::new();
        let mut chars = level.text.chars().peekable();
        while let Some(c) = chars.next() {
            let placeholder = (c == '%')
                .then(|| chars.peek().and_then(|d| d.to_digit(10)))
                .flatten()
                .filter(|d| (1..=9).contains(d));
            match placeholder {
                Some(d) => {
                    chars.next();
                    let k = u8::try_from(d - 1).unwrap_or(0);
                    let def = numbering.level(num_id, abstract_id, k);
                    let value = values[usize::from(k)].or(def.map(|l| l.start)).unwrap_or(1);
                    let format = if level.legal {
                        "decimal"
                    } else {
                        def.map_or("decimal", |l| l.format.as_str())
                    };
                    label.push_str(&format_number(value, format));
                }
                None => label.push(c),
            }
        }
        if label.trim().is_empty() {
            return None;
        }
        let needs_space = level.suffix != "nothing"
            && !label.ends_with(['、', '．', '.', ')', '）', ':', '：', ' ']);
        if needs_space {
            label.push(' ');
        }
        Some(label)
    }
}

const CN_DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const CN_UNITS: [char; 3] = ['千', '百', '十'];
const LEGAL_DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const LEGAL_UNITS: [char; 3] = ['仟', '佰', '拾'];

/// Chinese counting: 1→一, 10→十, 11→十一, 21→二十一, 101→一百零一, 10001→一万零一.
pub(crate) fn chinese_counting(n: u32) -> String {
    counting(n, &CN_DIGITS, &CN_UNITS, '零', '万', true)
}

fn counting(
    n: u32,
    digits: &[char; 10],
    units: &[char; 3],
    zero: char,
    wan: char,
    short_ten: bool,
) -> String {
    if n == 0 {
        return digits[0].to_string();
    }
    if n >= 100_000_000 {
        return n.to_string();
    }
    if n >= 10_000 {
        let high = counting(n / 10_000, digits, units, zero, wan, short_ten);
        let low = n % 10_000;
        let mut out = format!("{high}{wan}");
        if low > 0 {
            if low < 1000 {
                out.push(zero);
            }
            out.push_str(&counting(low, digits, units, zero, wan, false));
        }
        return out;
    }
    let mut out = String::new();
    let mut pending_zero = false;
    let places = [
        (1000, Some(units[0])),
        (100, Some(units[1])),
        (10, Some(units[2])),
        (1, None),
    ];
    for (place, unit) in places {
        let d = (n / place % 10) as usize;
        if d == 0 {
            pending_zero |= !out.is_empty();
            continue;
        }
        if pending_zero {
            out.push(zero);
            pending_zero = false;
        }
        // 十一 rather than 一十一 when the number starts with the tens.
        if !(short_ten && place == 10 && d == 1 && out.is_empty()) {
            out.push(digits[d]);
        }
        if let Some(u) = unit {
            out.push(u);
        }
    }
    out
}

fn letters(n: u32, base: u8) -> String {
    if n == 0 {
        return "0".into();
    }
    let letter = char::from(base + u8::try_from((n - 1) % 26).unwrap_or(0));
    let repeat = ((n - 1) / 26 + 1).min(10) as usize;
    std::iter::repeat_n(letter, repeat).collect()
}

fn roman(mut n: u32) -> String {
    if n == 0 || n >= 4000 {
        return n.to_string();
    }
    let table = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, symbol) in table {
        while n >= value {
            out.push_str(symbol);
            n -= value;
        }
    }
    out
}

fn offset_char(base: char, n: u32, max: u32) -> Option<String> {
    (1..=max)
        .contains(&n)
        .then(|| char::from_u32(u32::from(base) + n - 1))
        .flatten()
        .map(String::from)
}

/// Formats `n` as Word's `w:numFmt` would show it.
fn format_number(n: u32, format: &str) -> String {
    const STEMS: [char; 10] = ['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸'];
    const BRANCHES: [char; 12] = [
        '子', '丑', '寅', '卯', '辰', '巳', '午', '未', '申', '酉', '戌', '亥',
    ];
    let cycle = |set: &[char]| -> String {
        let len = u32::try_from(set.len()).unwrap_or(1);
        if n == 0 {
            return n.to_string();
        }
        set[((n - 1) % len) as usize].to_string()
    };
    match format {
        "decimalZero" if n < 10 => format!("0{n}"),
        "upperLetter" => letters(n, b'A'),
        "lowerLetter" => letters(n, b'a'),
        "upperRoman" => roman(n),
        "lowerRoman" => roman(n).to_lowercase(),
        "chineseCounting"
        | "chineseCountingThousand"
        | "taiwaneseCounting"
        | "taiwaneseCountingThousand"
        | "japaneseCounting"
        | "ideographLegalTraditional" => chinese_counting(n),
        "chineseLegalSimplified" => counting(n, &LEGAL_DIGITS, &LEGAL_UNITS, '零', '万', false),
        "ideographTraditional" => cycle(&STEMS),
        "ideographZodiac" => cycle(&BRANCHES),
        "ideographDigital" | "japaneseDigitalTenThousand" | "taiwaneseDigital" => n
            .to_string()
            .chars()
            .filter_map(|c| c.to_digit(10))
            .map(|d| CN_DIGITS[d as usize])
            .collect(),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" => offset_char('①', n, 20)
            .or_else(|| offset_char('㉑', n.wrapping_sub(20), 15))
            .or_else(|| offset_char('㊱', n.wrapping_sub(35), 15))
            .unwrap_or_else(|| n.to_string()),
        "decimalEnclosedParen" => offset_char('⑴', n, 20).unwrap_or_else(|| format!("({n})")),
        "decimalEnclosedFullstop" => offset_char('⒈', n, 20).unwrap_or_else(|| format!("{n}.")),
        "decimalFullWidth" | "decimalFullWidth2" => n
            .to_string()
            .chars()
            .filter_map(|c| char::from_u32(u32::from(c) - u32::from('0') + u32::from('０')))
            .collect(),
        _ => n.to_string(),
    }
}

// ---------------------------------------------------------------------------
// document.xml
// ---------------------------------------------------------------------------

/// Elements whose whole subtree is not visible text: tracked deletions and moves,
/// field instructions, revision records of properties, ruby guides, and the VML
/// fallback copies Word stores next to DrawingML shapes.
fn skipped(ns: Ns, name: &str) -> bool {
    match ns {
        Ns::W => matches!(
            name,
            "del"
                | "delText"
                | "moveFrom"
                | "instrText"
                | "delInstrText"
                | "pPrChange"
                | "rPrChange"
                | "sectPrChange"
                | "tblPrChange"
                | "tblGridChange"
                | "trPrChange"
                | "tcPrChange"
                | "numberingChange"
                | "rt"
        ),
        Ns::Mc => name == "Fallback",
        Ns::Other => false,
    }
}

#[derive(Default)]
struct Para {
    segments: Vec<String>,
    style: Option<String>,
    num_id: Option<u32>,
    ilvl: Option<u8>,
    outline: Option<u8>,
    cell: Option<(u32, u32, u32)>,
}

struct TablePos {
    index: u32,
    row: Option<u32>,
    col: Option<u32>,
}

struct Walker<'a> {
    styles: &'a Styles,
    numbering: &'a Numbering,
    counters: Counters,
    out: Vec<RawBlock>,
    /// Depth inside a skipped subtree (0 = not skipping).
    skip: usize,
    /// Open paragraphs; more than one when a text box sits inside a paragraph.
    paras: Vec<Para>,
    tables: Vec<TablePos>,
    next_table: u32,
    in_text: usize,
    in_run: usize,
    in_ppr: usize,
    in_num_pr: usize,
}

impl<'a> Walker<'a> {
    fn new(styles: &'a Styles, numbering: &'a Numbering) -> Self {
        Walker {
            styles,
            numbering,
            counters: Counters::default(),
            out: Vec::new(),
            skip: 0,
            paras: Vec::new(),
            tables: Vec::new(),
            next_table: 0,
            in_text: 0,
            in_run: 0,
            in_ppr: 0,
            in_num_pr: 0,
        }
    }

    fn push_text(&mut self, s: &str) {
        if let Some(p) = self.paras.last_mut() {
            if p.segments.is_empty() {
                p.segments.push(String::new());
            }
            if let Some(seg) = p.segments.last_mut() {
                seg.extend(s.chars().map(|c| if c.is_control() { ' ' } else { c }));
            }
        }
    }

    fn new_segment(&mut self) {
        if let Some(p) = self.paras.last_mut() {
            p.segments.push(String::new());
        }
    }

    fn event(&mut self, ev: XmlEvent<'_>) {
        match ev {
            XmlEvent::Start { ns, name, attrs } => {
                if self.skip > 0 || skipped(ns, name) {
                    self.skip += 1;
                    return;
                }
                if ns == Ns::W {
                    self.start(name, attrs);
                }
            }
            XmlEvent::End { ns, name } => {
                if self.skip > 0 {
                    self.skip -= 1;
                    return;
                }
                if ns == Ns::W {
                    self.end(name);
                }
            }
            XmlEvent::Text(t) => {
                if self.skip == 0 && self.in_text > 0 && self.in_run > 0 {
                    self.push_text(t);
                }
            }
        }
    }

    fn start(&mut self, name: &str, attrs: &[(String, String)]) {
        let val = || {
            attrs
                .iter()
                .find(|(k, _)| k == "val")
                .map(|(_, v)| v.as_str())
        };
        match name {
            "p" => {
                let cell = self
                    .tables
                    .last()
                    .and_then(|t| Some((t.index, t.row?, t.col?)));
                self.paras.push(Para {
                    cell,
                    ..Para::default()
                });
            }
            "pPr" => self.in_ppr += 1,
            "numPr" if self.in_ppr > 0 => self.in_num_pr += 1,
            "pStyle" if self.in_ppr > 0 => {
                if let Some(p) = self.paras.last_mut() {
                    p.style = val().map(str::to_string);
                }
            }
            "numId" if self.in_num_pr > 0 => {
                if let Some(p) = self.paras.last_mut() {
                    p.num_id = val().and_then(|v| v.parse().ok());
                }
            }
            "ilvl" if self.in_num_pr > 0 => {
                if let Some(p) = self.paras.last_mut() {
                    p.ilvl = val().and_then(|v| v.parse().ok()).filter(|l| *l < 9);
                }
            }
            "outlineLvl" if self.in_ppr > 0 => {
                if let Some(p) = self.paras.last_mut() {
                    p.outline = val().and_then(|v| v.parse().ok());
                }
            }
            "r" => self.in_run += 1,
            "t" => self.in_text += 1,
            "tab" if self.in_run > 0 && self.in_ppr == 0 => self.push_text(" "),
            "noBreakHyphen" if self.in_run > 0 => self.push_text("-"),
            "br" | "cr" if self.in_run > 0 => self.new_segment(),
            "tbl" => {
                self.tables.push(TablePos {
                    index: self.next_table,
                    row: None,
                    col: None,
                });
                self.next_table = self.next_table.saturating_add(1);
            }
            "tr" => {
                if let Some(t) = self.tables.last_mut() {
                    t.row = Some(t.row.map_or(0, |r| r.saturating_add(1)));
                    t.col = None;
                }
            }
            "tc" => {
                if let Some(t) = self.tables.last_mut() {
                    t.col = Some(t.col.map_or(0, |c| c.saturating_add(1)));
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, name: &str) {
        match name {
            "p" => {
                if let Some(p) = self.paras.pop() {
                    self.finish(p);
                }
            }
            "pPr" => self.in_ppr = self.in_ppr.saturating_sub(1),
            "numPr" => self.in_num_pr = self.in_num_pr.saturating_sub(1),
            "r" => self.in_run = self.in_run.saturating_sub(1),
            "t" => self.in_text = self.in_text.saturating_sub(1),
            "tbl" => {
                self.tables.pop();
            }
            _ => {}
        }
    }

    fn finish(&mut self, p: Para) {
        let style = p.style.as_deref();
        let role = p
            .outline
            .filter(|l| *l < 9)
            .map(|l| StyleRole::Heading(l + 1))
            .or_else(|| style.and_then(|s| self.styles.role(s)));

        // Numbering: the paragraph's own numPr, else its style's; numId 0 switches
        // numbering off.
        let style_for_numbering = style.or(self.styles.default_paragraph.as_deref());
        let from_style = style_for_numbering.and_then(|s| self.styles.numbering(s));
        let num_id = p.num_id.or(from_style.map(|(n, _)| n)).filter(|n| *n != 0);
        let label = num_id.and_then(|num_id| {
            let ilvl = p
                .ilvl
                .or(from_style.and_then(|(_, l)| l))
                .or_else(|| {
                    let abs = self.numbering.abstract_id(num_id, self.styles)?;
                    self.numbering.level_for_style(abs, style?)
                })
                .unwrap_or(0);
            self.counters
                .next_label(self.numbering, self.styles, num_id, ilvl)
        });

        if role == Some(StyleRole::Contents) {
            return;
        }
        let mut segments: Vec<String> = p
            .segments
            .into_iter()
            .filter(|s| !s.trim().is_empty())
            .collect();
        let Some(first) = segments.first_mut() else {
            return;
        };
        let hint = match (p.cell, role, label) {
            (Some((table, row, col)), _, label) => {
                if let Some(label) = label {
                    first.insert_str(0, &label);
                }
                Hint::TableCell { table, row, col }
            }
            (None, Some(role), label) => {
                if let Some(label) = label {
                    first.insert_str(0, &label);
                }
                match role {
                    StyleRole::Title => Hint::Title,
                    StyleRole::Heading(n) => Hint::Heading(n),
                    StyleRole::Contents => Hint::None,
                }
            }
            (None, None, Some(label)) => Hint::Numbered(label),
            (None, None, None) => Hint::None,
        };
        let cell_hint = matches!(hint, Hint::TableCell { .. }).then(|| hint.clone());
        for (i, text) in segments.into_iter().enumerate() {
            let hint = match (&cell_hint, i) {
                (Some(h), _) => h.clone(),
                (None, 0) => hint.clone(),
                (None, _) => Hint::None,
            };
            self.out.push(RawBlock { text, hint });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;
    use zip::{CompressionMethod, ZipWriter};

    use super::*;

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;

    fn zip_of(parts: &[(&str, &str)], method: CompressionMethod) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(method);
        for (name, body) in parts {
            zip.start_file(*name, options).unwrap();
            zip.write_all(body.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn docx(body: &str, styles: Option<&str>, numbering: Option<&str>) -> Vec<u8> {
        let document = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{body}</w:body></w:document>"#
        );
        let styles = styles.map(|s| format!(r#"<w:styles {W}>{s}</w:styles>"#));
        let numbering = numbering.map(|n| format!(r#"<w:numbering {W}>{n}</w:numbering>"#));
        let mut parts = vec![("word/document.xml", document.as_str())];
        if let Some(s) = &styles {
            parts.push(("word/styles.xml", s));
        }
        if let Some(n) = &numbering {
            parts.push(("word/numbering.xml", n));
        }
        zip_of(&parts, CompressionMethod::Stored)
    }

    fn p(text: &str) -> String {
        format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
    }

    fn read_default(bytes: &[u8]) -> Result<Vec<RawBlock>, IngestError> {
        read(bytes, &Limits::default())
    }

    fn texts(blocks: &[RawBlock]) -> Vec<&str> {
        blocks.iter().map(|b| b.text.as_str()).collect()
    }

    #[test]
    fn paragraphs_runs_tabs_and_breaks_in_order() {
        let body = format!(
            "{}<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"420\"/></w:tabs></w:pPr><w:r><w:t>第一条</w:t></w:r><w:r><w:tab/><w:t xml:space=\"preserve\">为规范</w:t></w:r><w:r><w:t>管理，制定本办法。</w:t><w:br/><w:t>第二行</w:t><w:cr/></w:r></w:p>",
            p("某县政府投资项目管理办法")
        );
        let blocks = read_default(&docx(&body, None, None)).unwrap();
        assert_eq!(
            texts(&blocks),
            [
                "某县政府投资项目管理办法",
                "第一条 为规范管理，制定本办法。",
                "第二行"
            ]
        );
        assert!(blocks.iter().all(|b| !b.text.contains('\n')));
    }

    #[test]
    fn tracked_deletions_are_skipped_and_insertions_kept() {
        let body = r#"<w:p><w:r><w:t>项目资金</w:t></w:r><w:del w:id="1" w:author="张三"><w:r><w:delText>经主要领导批准后</w:delText></w:r></w:del><w:ins w:id="2" w:author="李四"><w:r><w:t>经党组会集体研究后</w:t></w:r></w:ins><w:r><w:t>方可拨付。</w:t></w:r><w:moveFrom><w:r><w:t>旧位置</w:t></w:r></w:moveFrom></w:p>"#;
        let blocks = read_default(&docx(body, None, None)).unwrap();
        assert_eq!(texts(&blocks), ["项目资金经党组会集体研究后方可拨付。"]);
    }

    #[test]
    fn entities_and_character_references_are_resolved() {
        let body = p("采购金额&lt;50万元&amp;&#x4E09;重一大&#22823;");
        let blocks = read_default(&docx(&body, None, None)).unwrap();
        assert_eq!(texts(&blocks), ["采购金额<50万元&三重一大大"]);
    }

    #[test]
    fn field_codes_and_fallback_copies_are_not_text() {
        let body = r#"<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>3</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>文本框内容</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>文本框内容</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"#;
        let blocks = read_default(&docx(body, None, None)).unwrap();
        assert_eq!(texts(&blocks), ["文本框内容", "3"]);
    }

    #[test]
    fn tables_become_cells_in_reading_order() {
        let cell = |t: &str| format!("<w:tc><w:tcPr/>{}</w:tc>", p(t));
        let body = format!(
            "{}<w:tbl><w:tr>{}{}</w:tr><w:tr>{}<w:tc>{}{}</w:tc></w:tr></w:tbl>{}",
            p("第五条 预算安排如下："),
            cell("项目"),
            cell("金额（万元）"),
            cell("村道硬化"),
            p("120"),
            p("（含配套）"),
            p("第六条 本办法自印发之日起施行。")
        );
        let blocks = read_default(&docx(&body, None, None)).unwrap();
        let got: Vec<(&str, &Hint)> = blocks.iter().map(|b| (b.text.as_str(), &b.hint)).collect();
        let c = |row, col| Hint::TableCell { table: 0, row, col };
        assert_eq!(
            got,
            [
                ("第五条 预算安排如下：", &Hint::None),
                ("项目", &c(0, 0)),
                ("金额（万元）", &c(0, 1)),
                ("村道硬化", &c(1, 0)),
                ("120", &c(1, 1)),
                ("（含配套）", &c(1, 1)),
                ("第六条 本办法自印发之日起施行。", &Hint::None),
            ]
        );
    }

    const NUMBERING: &str = r#"
        <w:abstractNum w:abstractNumId="7">
          <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/><w:suff w:val="nothing"/></w:lvl>
          <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
          <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
          <w:lvl w:ilvl="3"><w:start w:val="1"/><w:numFmt w:val="decimalEnclosedCircle"/><w:lvlText w:val="%4"/><w:suff w:val="nothing"/></w:lvl>
        </w:abstractNum>
        <w:abstractNum w:abstractNumId="8">
          <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCountingThousand"/><w:lvlText w:val="第%1条"/><w:suff w:val="space"/></w:lvl>
        </w:abstractNum>
        <w:abstractNum w:abstractNumId="9">
          <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val=""/></w:lvl>
        </w:abstractNum>
        <w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num>
        <w:num w:numId="2"><w:abstractNumId w:val="8"/></w:num>
        <w:num w:numId="3"><w:abstractNumId w:val="9"/></w:num>
        <w:num w:numId="4"><w:abstractNumId w:val="7"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num>
    "#;

    fn numbered(num: u32, ilvl: u8, text: &str) -> String {
        format!(
            r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num}"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
        )
    }

    fn hints(blocks: &[RawBlock]) -> Vec<(&str, String)> {
        blocks
            .iter()
            .map(|b| {
                let h = match &b.hint {
                    Hint::Numbered(l) => format!("N:{l}"),
                    Hint::TableCell { row, col, .. } => format!("T:{row},{col}"),
                    other => format!("{other:?}"),
                };
                (b.text.as_str(), h)
            })
            .collect()
    }

    #[test]
    fn automatic_numbering_labels_follow_levels_and_restart() {
        let body = [
            numbered(1, 0, "总体要求"),
            numbered(1, 1, "指导思想。"),
            numbered(1, 1, "工作目标。"),
            numbered(1, 2, "建立清单；"),
            numbered(1, 3, "张贴公示；"),
            numbered(1, 3, "网上公开；"),
            numbered(1, 2, "规范运行。"),
            numbered(1, 0, "主要任务"),
            numbered(1, 1, "加强监督。"),
            numbered(1, 2, "定期检查。"),
            numbered(3, 0, "要点"),
            // A w:num with a startOverride restarts the shared list at 五.
            numbered(4, 0, "保障措施"),
            r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="0"/></w:numPr></w:pPr><w:r><w:t>不编号</w:t></w:r></w:p>"#
                .to_string(),
        ]
        .concat();
        let blocks = read_default(&docx(&body, None, Some(NUMBERING))).unwrap();
        assert_eq!(
            hints(&blocks),
            [
                ("总体要求", "N:一、".to_string()),
                ("指导思想。", "N:（一）".into()),
                ("工作目标。", "N:（二）".into()),
                ("建立清单；", "N:1.".into()),
                ("张贴公示；", "N:①".into()),
                ("网上公开；", "N:②".into()),
                ("规范运行。", "N:2.".into()),
                ("主要任务", "N:二、".into()),
                ("加强监督。", "N:（一）".into()),
                ("定期检查。", "N:1.".into()),
                ("要点", "None".into()),
                ("保障措施", "N:五、".into()),
                ("不编号", "None".into()),
            ]
        );
    }

    #[test]
    fn article_numbering_counts_past_ten_in_chinese() {
        let body: String = (0..21).map(|_| numbered(2, 0, "条文。")).collect();
        let blocks = read_default(&docx(&body, None, Some(NUMBERING))).unwrap();
        let labels: Vec<String> = blocks
            .iter()
            .map(|b| match &b.hint {
                Hint::Numbered(l) => l.clone(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(labels[0], "第一条 ");
        assert_eq!(labels[9], "第十条 ");
        assert_eq!(labels[10], "第十一条 ");
        assert_eq!(labels[20], "第二十一条 ");
    }

    #[test]
    fn heading_title_and_contents_styles_and_style_linked_numbering() {
        let styles = r#"
            <w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/></w:style>
            <w:style w:type="paragraph" w:styleId="a3"><w:name w:val="Title"/></w:style>
            <w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:basedOn w:val="a"/>
              <w:pPr><w:numPr><w:numId w:val="1"/></w:numPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
            <w:style w:type="paragraph" w:styleId="20"><w:name w:val="标题 2"/></w:style>
            <w:style w:type="paragraph" w:styleId="myHead"><w:name w:val="公文小标题"/><w:basedOn w:val="20"/></w:style>
            <w:style w:type="paragraph" w:styleId="lvl3"><w:name w:val="三级"/><w:pPr><w:outlineLvl w:val="2"/></w:pPr></w:style>
            <w:style w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/></w:style>
        "#;
        let styled = |id: &str, t: &str| {
            format!(
                r#"<w:p><w:pPr><w:pStyle w:val="{id}"/></w:pPr><w:r><w:t>{t}</w:t></w:r></w:p>"#
            )
        };
        let body = [
            styled("a3", "关于加强公务用车管理的实施意见"),
            styled("TOC1", "一、总体要求 ........ 1"),
            styled("1", "总体要求"),
            styled("myHead", "适用范围"),
            styled("lvl3", "车辆配备"),
            styled("1", "主要措施"),
            p("正文。"),
        ]
        .concat();
        let blocks = read_default(&docx(&body, Some(styles), Some(NUMBERING))).unwrap();
        assert_eq!(
            hints(&blocks),
            [
                ("关于加强公务用车管理的实施意见", "Title".to_string()),
                ("一、总体要求", "Heading(1)".into()),
                ("适用范围", "Heading(2)".into()),
                ("车辆配备", "Heading(3)".into()),
                ("二、主要措施", "Heading(1)".into()),
                ("正文。", "None".into()),
            ]
        );
    }

    #[test]
    fn numbered_paragraph_inside_a_table_keeps_its_label_in_the_text() {
        let body = format!(
            "<w:tbl><w:tr><w:tc>{}</w:tc></w:tr></w:tbl>",
            numbered(1, 2, "道路工程")
        );
        let blocks = read_default(&docx(&body, None, Some(NUMBERING))).unwrap();
        assert_eq!(hints(&blocks), [("1.道路工程", "T:0,0".to_string())]);
    }

    #[test]
    fn chinese_counting_matches_what_word_shows() {
        let cases = [
            (1, "一"),
            (10, "十"),
            (11, "十一"),
            (20, "二十"),
            (21, "二十一"),
            (99, "九十九"),
            (100, "一百"),
            (101, "一百零一"),
            (110, "一百一十"),
            (1001, "一千零一"),
            (10_001, "一万零一"),
        ];
        for (n, want) in cases {
            assert_eq!(chinese_counting(n), want, "{n}");
        }
        assert_eq!(format_number(3, "ideographTraditional"), "丙");
        assert_eq!(format_number(12, "chineseLegalSimplified"), "壹拾贰");
        assert_eq!(format_number(21, "decimalEnclosedCircle"), "㉑");
        assert_eq!(format_number(28, "upperLetter"), "BB");
        assert_eq!(format_number(4, "lowerRoman"), "iv");
        assert_eq!(format_number(12, "decimalFullWidth"), "１２");
    }

    #[test]
    fn a_corrupt_zip_is_reported_as_corrupt() {
        let mut bytes = docx(&p("正文"), None, None);
        bytes.truncate(bytes.len() / 2);
        assert!(matches!(
            read_default(&bytes),
            Err(IngestError::Corrupt { format: "docx", .. })
        ));
        assert!(matches!(
            read_default(b"this is plain text, not a docx"),
            Err(IngestError::Corrupt { format: "docx", .. })
        ));
    }

    #[test]
    fn malformed_document_xml_is_corrupt_not_a_panic() {
        let bytes = zip_of(
            &[(
                "word/document.xml",
                "<w:document><w:body><w:p></w:r></w:body>",
            )],
            CompressionMethod::Stored,
        );
        assert!(matches!(
            read_default(&bytes),
            Err(IngestError::Corrupt { format: "docx", .. })
        ));
    }

    #[test]
    fn a_zip_without_word_content_is_explained() {
        let xlsx = zip_of(
            &[("xl/workbook.xml", "<workbook/>")],
            CompressionMethod::Stored,
        );
        assert!(
            matches!(read_default(&xlsx), Err(IngestError::Unsupported(s)) if s.contains("xlsx"))
        );
        let other = zip_of(&[("readme.txt", "hello")], CompressionMethod::Stored);
        assert!(matches!(
            read_default(&other),
            Err(IngestError::Corrupt { .. })
        ));
    }

    fn cfb_with(stream_name: Option<&str>) -> Vec<u8> {
        let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        bytes.resize(512, 0);
        let name = stream_name.unwrap_or("WordDocument");
        bytes.extend(name.encode_utf16().flat_map(u16::to_le_bytes));
        bytes.resize(2048, 0);
        bytes
    }

    #[test]
    fn an_ole_file_is_either_encrypted_docx_or_legacy_doc() {
        assert!(matches!(
            read_default(&cfb_with(Some("EncryptedPackage"))),
            Err(IngestError::Encrypted)
        ));
        assert!(matches!(
            read_default(&cfb_with(None)),
            Err(IngestError::Unsupported(s)) if s.contains(".doc")
        ));
    }

    #[test]
    fn declared_sizes_over_the_limit_are_a_zip_bomb() {
        let limits = Limits {
            max_file_bytes: 1 << 20,
            max_unzipped_bytes: 10_000,
        };
        let chunk = "某".repeat(1000); // 3000 bytes
        let parts: Vec<(String, &str)> = (0..5)
            .map(|i| (format!("word/media/part{i}.xml"), chunk.as_str()))
            .collect();
        let mut refs: Vec<(&str, &str)> = parts.iter().map(|(n, b)| (n.as_str(), *b)).collect();
        let document = format!(
            r#"<w:document {W}><w:body>{}</w:body></w:document>"#,
            p("正文")
        );
        refs.push(("word/document.xml", &document));
        let bytes = zip_of(&refs, CompressionMethod::Stored);
        assert!(matches!(
            read(&bytes, &limits),
            Err(IngestError::ZipBomb { limit: 10_000 })
        ));
        // The same archive passes with the default limit.
        assert_eq!(texts(&read_default(&bytes).unwrap()), ["正文"]);
    }

    #[test]
    fn a_highly_compressed_entry_is_refused_before_inflating() {
        let zeros = "0".repeat(5 * 1024 * 1024);
        let bytes = zip_of(
            &[("word/document.xml", zeros.as_str())],
            CompressionMethod::Deflated,
        );
        assert!(bytes.len() < 64 * 1024, "deflate should shrink the bomb");
        let limits = Limits {
            max_file_bytes: 1 << 20,
            max_unzipped_bytes: 1024 * 1024,
        };
        assert!(matches!(
            read(&bytes, &limits),
            Err(IngestError::ZipBomb { .. })
        ));
    }

    #[test]
    fn every_inflated_byte_counts_against_the_budget() {
        let document = format!(
            r#"<w:document {W}><w:body>{}</w:body></w:document>"#,
            p("正文")
        );
        let bytes = zip_of(
            &[("word/document.xml", &document)],
            CompressionMethod::Stored,
        );
        let mut budget = Budget::new(10);
        let mut archive = ZipArchive::new(Cursor::new(bytes.as_slice())).unwrap();
        assert!(matches!(
            read_part(&mut archive, "word/document.xml", &mut budget),
            Err(IngestError::ZipBomb { .. })
        ));
        // The archive itself is fine.
        assert!(read_default(&bytes).is_ok());
    }

    #[test]
    fn an_encrypted_zip_entry_is_reported_as_encrypted() {
        let mut bytes = docx(&p("正文"), None, None);
        // Set the "encrypted" flag bit in every local and central header.
        for (sig, flag_at) in [([0x50, 0x4B, 0x03, 0x04], 6), ([0x50, 0x4B, 0x01, 0x02], 8)] {
            let positions: Vec<usize> = bytes
                .windows(4)
                .enumerate()
                .filter(|(_, w)| *w == sig)
                .map(|(i, _)| i)
                .collect();
            for i in positions {
                bytes[i + flag_at] |= 1;
            }
        }
        assert!(matches!(read_default(&bytes), Err(IngestError::Encrypted)));
    }

    #[test]
    fn main_part_is_found_through_the_package_relationships() {
        let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/document2.xml"/></Relationships>"#;
        let document = format!(
            r#"<w:document {W}><w:body>{}</w:body></w:document>"#,
            p("另一个正文")
        );
        let bytes = zip_of(
            &[("_rels/.rels", rels), ("word/document2.xml", &document)],
            CompressionMethod::Deflated,
        );
        assert_eq!(texts(&read_default(&bytes).unwrap()), ["另一个正文"]);
    }
}
