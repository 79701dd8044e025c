//! Self-tests: every rule carries positive and negative examples, and
//! `wenxun rules test` (and `cargo test`) runs them all and prints a
//! false-positive / false-negative table rather than stopping at the first failure.
//!
//! An example is analysed as a whole little document (so scopes such as clause and
//! document work), with only the rule under test evaluated and the 三重一大 gate
//! ignored: examples are single paragraphs too short to classify.

use serde::Serialize;

use super::RuleSet;
use super::engine::{Prepared, scan};
use crate::analyze::amount::find_amounts;
use crate::ingest::{self, Document, Limits};

#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    pub rule_id: String,
    pub kind: String,
    pub positives: usize,
    pub negatives: usize,
    /// Positive examples the rule missed, or hit with evidence elsewhere.
    pub false_negatives: Vec<String>,
    /// Negative examples the rule fired on.
    pub false_positives: Vec<String>,
}

impl RuleResult {
    pub fn passed(&self) -> bool {
        self.false_negatives.is_empty() && self.false_positives.is_empty()
    }
}

fn as_document(text: &str) -> Option<Document> {
    ingest::read_bytes("example.txt", text.as_bytes(), &Limits::default()).ok()
}

/// Evidence ranges (byte offsets) the rule at `idx` reports on `text`.
pub fn hits(set: &RuleSet, idx: usize, doc: &Document) -> Vec<(usize, usize)> {
    let amounts = find_amounts(&doc.text);
    let occ = scan(&set.matcher, &doc.text, true);
    let prep = Prepared::new(doc, occ, &amounts, &[]);
    let mut out = Vec::new();
    prep.run_rule(idx, &set.rules[idx], true, None, &mut out);
    out.into_iter().map(|f| f.evidence).collect()
}

fn short(s: &str) -> String {
    let t: String = s.chars().take(50).collect();
    if t.len() < s.len() {
        format!("{t}…")
    } else {
        t
    }
}

/// Runs every example of every rule.
pub fn run(set: &RuleSet) -> Vec<RuleResult> {
    set.rules
        .iter()
        .enumerate()
        .map(|(idx, rule)| {
            let mut res = RuleResult {
                rule_id: rule.id.clone(),
                kind: rule.kind.clone(),
                positives: rule.positive.len(),
                negatives: rule.negative.len(),
                false_negatives: Vec::new(),
                false_positives: Vec::new(),
            };
            for p in &rule.positive {
                let Some(doc) = as_document(&p.text) else {
                    res.false_negatives
                        .push(format!("无法读取：{}", short(&p.text)));
                    continue;
                };
                let found = hits(set, idx, &doc);
                let placed = found
                    .iter()
                    .any(|&(s, e)| doc.text[s..e].contains(&p.evidence));
                if found.is_empty() {
                    res.false_negatives
                        .push(format!("未命中：{}", short(&p.text)));
                } else if !placed {
                    let got: Vec<String> =
                        found.iter().map(|&(s, e)| short(&doc.text[s..e])).collect();
                    res.false_negatives.push(format!(
                        "证据位置不符（应含“{}”，实为 {}）",
                        p.evidence,
                        got.join(" | ")
                    ));
                }
            }
            for n in &rule.negative {
                let Some(doc) = as_document(n) else { continue };
                let found = hits(set, idx, &doc);
                if let Some(&(s, e)) = found.first() {
                    res.false_positives.push(format!(
                        "误报：{}（证据“{}”）",
                        short(n),
                        short(&doc.text[s..e])
                    ));
                }
            }
            res
        })
        .collect()
}

/// Kinds that no rule maps to.
pub fn uncovered_kinds(set: &RuleSet) -> Vec<String> {
    set.kinds
        .iter()
        .filter(|k| !set.rules.iter().any(|r| r.kind == k.id))
        .map(|k| k.id.clone())
        .collect()
}
