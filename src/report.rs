//! Rendering a [`CheckReport`] for people and programs: a terminal view with the
//! evidence highlighted, markdown to paste into a working paper, and JSON.

use std::fmt::Write;

use crate::analyze::Finding;
use crate::check::{CheckReport, DocumentReport};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

pub fn render(report: &CheckReport, format: Format, color: bool) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(report)
            .unwrap_or_else(|e| format!("{{\"error\": \"JSON 序列化失败：{e}\"}}")),
        Format::Text => text(report, color),
        Format::Markdown => markdown(report),
    }
}

/// The quote with the signal marked: ANSI colour on a terminal, 【】 otherwise.
fn marked(f: &Finding, open: &str, close: &str) -> String {
    let chars: Vec<char> = f.quote.chars().collect();
    let s = f.signal_start.saturating_sub(f.start).min(chars.len());
    let e = f.signal_end.saturating_sub(f.start).min(chars.len()).max(s);
    let head: String = chars[..s].iter().collect();
    let mid: String = chars[s..e].iter().collect();
    let tail: String = chars[e..].iter().collect();
    format!("{head}{open}{mid}{close}{tail}")
}

fn types_line(d: &DocumentReport) -> String {
    if d.decision_types.is_empty() {
        return "未识别".into();
    }
    d.decision_types
        .iter()
        .map(|t| t.label())
        .collect::<Vec<_>>()
        .join("、")
}

fn text(report: &CheckReport, color: bool) -> String {
    let (hl, bold, dim, reset) = if color {
        ("\x1b[1;31m", "\x1b[1m", "\x1b[2m", "\x1b[0m")
    } else {
        ("【", "", "", "】")
    };
    let mut out = String::new();
    for d in &report.documents {
        let _ = writeln!(out, "{bold}══ {}{}", d.path, if color { reset } else { "" });
        if let Some(err) = &d.error {
            let _ = writeln!(out, "  无法分析：{err}\n");
            continue;
        }
        if let Some(t) = &d.title {
            let _ = writeln!(out, "  标题：{t}");
        }
        let _ = writeln!(out, "  三重一大类型：{}", types_line(d));
        if d.findings.is_empty() {
            let _ = writeln!(out, "  未发现需问询的风险点。\n");
            continue;
        }
        let _ = writeln!(out, "  问询要点 {} 条：", d.findings.len());
        for (i, f) in d.findings.iter().enumerate() {
            let clause = if f.clause.is_empty() {
                "正文".to_string()
            } else {
                f.clause.clone()
            };
            let _ = writeln!(
                out,
                "\n  [{}] {bold}{} · {}{} · {} · 字符 {}–{}",
                i + 1,
                f.severity.label(),
                f.kind_name,
                if color { reset } else { "" },
                clause,
                f.start,
                f.end
            );
            let quote = if color {
                marked(f, hl, reset)
            } else {
                marked(f, "【", "】")
            };
            let _ = writeln!(out, "      原文：“{quote}”");
            let _ = writeln!(out, "      问询：{}", f.question);
            let _ = writeln!(out, "      依据：{}", f.basis.join("；"));
            let _ = writeln!(
                out,
                "      {dim}规则：{}（置信度 {:.2}）{}",
                f.rule_ids.join("、"),
                f.confidence,
                if color { reset } else { "" }
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "共 {} 个文件，{} 个无法读取；规则集版本 {}",
        report.documents.len(),
        report.failed(),
        report.rules_version
    );
    let _ = (hl, dim);
    out
}

fn markdown(report: &CheckReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# 廉政问询要点（草稿）\n");
    let _ = writeln!(
        out,
        "> 规则集版本：`{}`。以下要点由工具根据草案原文生成，须经审核人员核实、修改后使用。\n",
        report.rules_version
    );
    for d in &report.documents {
        let name = d.title.clone().unwrap_or_else(|| d.path.clone());
        let _ = writeln!(out, "## {name}\n");
        let _ = writeln!(out, "- 文件：`{}`", d.path);
        if let Some(err) = &d.error {
            let _ = writeln!(out, "- **无法分析**：{err}\n");
            continue;
        }
        let _ = writeln!(out, "- “三重一大”类型：{}", types_line(d));
        let _ = writeln!(out, "- 问询要点：{} 条\n", d.findings.len());
        for (i, f) in d.findings.iter().enumerate() {
            let clause = if f.clause.is_empty() {
                String::new()
            } else {
                format!("（{}）", f.clause)
            };
            let _ = writeln!(
                out,
                "### {}. 【{}】{}{}\n",
                i + 1,
                f.severity.label(),
                f.kind_name,
                clause
            );
            let _ = writeln!(out, "> {}\n", marked(f, "**", "**").replace('\n', " "));
            let _ = writeln!(out, "**问询**：{}\n", f.question);
            let _ = writeln!(out, "**依据**：{}\n", f.basis.join("；"));
            let _ = writeln!(
                out,
                "<sub>规则 {}，置信度 {:.2}</sub>\n",
                f.rule_ids.join("、"),
                f.confidence
            );
        }
    }
    out
}
