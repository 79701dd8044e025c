//! Measuring the rule set on annotated drafts: recall, evidence placement and
//! false positives.
//!
//! A draft `X.txt` (or `.docx`, `.pdf`, `.md`) is annotated by a sidecar
//! `X.expect.toml` written by a reviewer:
//!
//! ```toml
//! clean = false                      # a clean draft should raise nothing
//! decision_types = ["major_project"] # 三重一大 types a reviewer would assign
//! absent = ["procurement.bid_splitting"]   # kinds that must not be reported
//! [[expect]]
//! kind = "procurement.bidding_evasion"
//! quote = "由县城投公司负责组织实施"   # where the evidence is; must be verbatim
//! ```
//!
//! An expectation is met when a finding of that kind has evidence overlapping the
//! quote. This is how `wenxun rules eval DIR` and the test suite judge rule quality
//! on drafts the rules were not written from.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::check::check_path;
use crate::config::Config;

use super::RuleSet;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    #[serde(default)]
    pub clean: bool,
    #[serde(default)]
    pub decision_types: Vec<String>,
    #[serde(default)]
    pub absent: Vec<String>,
    #[serde(default)]
    pub expect: Vec<Expected>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    pub kind: String,
    pub quote: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// A finding shown in an evaluation: kind, severity and quote.
#[derive(Debug, Clone, Serialize)]
pub struct Seen {
    pub kind: String,
    pub rule_id: String,
    pub severity: String,
    pub quote: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocEval {
    pub path: String,
    pub clean: bool,
    pub met: Vec<Expected>,
    pub missed: Vec<Expected>,
    /// Missed expectations whose kind was still reported elsewhere in the draft
    /// (found, but with the evidence on another sentence).
    pub misplaced: usize,
    /// Findings of a kind the annotation says must not be reported.
    pub forbidden: Vec<Seen>,
    /// Findings not matching any expectation (on a clean draft: false positives).
    pub unexpected: Vec<Seen>,
    pub decision_types_missing: Vec<String>,
    /// How many 三重一大 types the annotation lists.
    pub decision_types_expected: usize,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub documents: Vec<DocEval>,
    pub expected: usize,
    pub met: usize,
    /// Expectations whose kind was reported, but on another sentence.
    pub misplaced: usize,
    pub forbidden: usize,
    pub clean_documents: usize,
    pub clean_false_positives: usize,
    pub unexpected_on_risky: usize,
}

impl Summary {
    pub fn recall(&self) -> f64 {
        if self.expected == 0 {
            1.0
        } else {
            self.met as f64 / self.expected as f64
        }
    }
}

/// The drafts in `dir` that have a sidecar, sorted by name.
pub fn annotated(dir: &Path) -> std::io::Result<Vec<(PathBuf, PathBuf)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
        let Some(name) = name else { continue };
        if name.ends_with(".expect.toml") {
            continue;
        }
        let stem = match name.rfind('.') {
            Some(i) => &name[..i],
            None => continue,
        };
        let side = dir.join(format!("{stem}.expect.toml"));
        if side.exists() {
            out.push((p, side));
        }
    }
    out.sort();
    Ok(out)
}

fn char_span(text: &str, quote: &str) -> Option<(usize, usize)> {
    let b = text.find(quote)?;
    let s = text[..b].chars().count();
    Some((s, s + quote.chars().count()))
}

/// Evaluates one annotated draft.
pub fn evaluate_one(draft: &Path, sidecar: &Path, rules: &RuleSet, cfg: &Config) -> DocEval {
    let mut ev = DocEval {
        path: draft.display().to_string(),
        clean: false,
        met: Vec::new(),
        missed: Vec::new(),
        misplaced: 0,
        forbidden: Vec::new(),
        unexpected: Vec::new(),
        decision_types_missing: Vec::new(),
        decision_types_expected: 0,
        error: None,
    };
    let exp: Expectations = match std::fs::read_to_string(sidecar)
        .map_err(|e| e.to_string())
        .and_then(|t| toml::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(x) => x,
        Err(e) => {
            ev.error = Some(format!("标注文件 {} 无法读取：{e}", sidecar.display()));
            return ev;
        }
    };
    ev.clean = exp.clean;
    let report = check_path(draft, rules, cfg);
    if let Some(e) = report.error {
        ev.error = Some(e);
        return ev;
    }
    let mut used = vec![false; report.findings.len()];
    for x in &exp.expect {
        let Some((qs, qe)) = char_span(&report.text, &x.quote) else {
            ev.error = Some(format!("标注原文“{}”不在抽取文本中", x.quote));
            ev.missed.push(x.clone());
            continue;
        };
        let hit = report
            .findings
            .iter()
            .position(|f| f.kind == x.kind && f.start < qe && qs < f.end);
        match hit {
            Some(i) => {
                used[i] = true;
                ev.met.push(x.clone());
            }
            None => {
                if report.findings.iter().any(|f| f.kind == x.kind) {
                    ev.misplaced += 1;
                }
                ev.missed.push(x.clone());
            }
        }
    }
    for (f, used) in report.findings.iter().zip(used) {
        let seen = Seen {
            kind: f.kind.clone(),
            rule_id: f.rule_id.clone(),
            severity: f.severity.as_str().to_string(),
            quote: f.quote.chars().take(60).collect(),
        };
        if exp.absent.contains(&f.kind) {
            ev.forbidden.push(seen);
        } else if !used {
            ev.unexpected.push(seen);
        }
    }
    ev.decision_types_expected = exp.decision_types.len();
    for t in &exp.decision_types {
        if !report.decision_types.iter().any(|d| d.as_str() == t) {
            ev.decision_types_missing.push(t.clone());
        }
    }
    ev
}

/// Evaluates every annotated draft in `dir`.
pub fn evaluate_dir(dir: &Path, rules: &RuleSet, cfg: &Config) -> std::io::Result<Summary> {
    let documents: Vec<DocEval> = annotated(dir)?
        .iter()
        .map(|(d, s)| evaluate_one(d, s, rules, cfg))
        .collect();
    let expected = documents.iter().map(|d| d.met.len() + d.missed.len()).sum();
    let met = documents.iter().map(|d| d.met.len()).sum();
    let misplaced = documents.iter().map(|d| d.misplaced).sum();
    let forbidden = documents.iter().map(|d| d.forbidden.len()).sum();
    let clean_documents = documents.iter().filter(|d| d.clean).count();
    let clean_false_positives = documents
        .iter()
        .filter(|d| d.clean)
        .map(|d| d.unexpected.len())
        .sum();
    let unexpected_on_risky = documents
        .iter()
        .filter(|d| !d.clean)
        .map(|d| d.unexpected.len())
        .sum();
    Ok(Summary {
        documents,
        expected,
        met,
        misplaced,
        forbidden,
        clean_documents,
        clean_false_positives,
        unexpected_on_risky,
    })
}

/// A plain-text report of a summary.
pub fn render(s: &Summary) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for d in &s.documents {
        let name = Path::new(&d.path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}{}：命中 {}/{}，禁报 {}，其他 {}",
            if d.clean { "［无风险稿］" } else { "" },
            name,
            d.met.len(),
            d.met.len() + d.missed.len(),
            d.forbidden.len(),
            d.unexpected.len()
        );
        if let Some(e) = &d.error {
            let _ = writeln!(out, "    ! {e}");
        }
        for m in &d.missed {
            let _ = writeln!(out, "    漏报 {}：“{}”", m.kind, m.quote);
        }
        for f in &d.forbidden {
            let _ = writeln!(
                out,
                "    禁报却报 {}（{}）：“{}”",
                f.kind, f.rule_id, f.quote
            );
        }
        for f in &d.unexpected {
            let _ = writeln!(
                out,
                "    其他 {} {}（{}）：“{}”",
                f.severity, f.kind, f.rule_id, f.quote
            );
        }
        if !d.decision_types_missing.is_empty() {
            let _ = writeln!(
                out,
                "    三重一大类型未识别：{}",
                d.decision_types_missing.join("、")
            );
        }
    }
    let _ = writeln!(
        out,
        "\n召回 {}/{}（{:.0}%；另有 {} 处类型已报但证据落在别的句子）；禁报类型被报 {}；无风险稿 {} 份上的报告 {} 条；风险稿上未标注的报告 {} 条",
        s.met,
        s.expected,
        s.recall() * 100.0,
        s.misplaced,
        s.forbidden,
        s.clean_documents,
        s.clean_false_positives,
        s.unexpected_on_risky
    );
    out
}
