//! Analysis: a structured document → a report of inquiry points.
//!
//! The pipeline is amounts → 三重一大 classification → one scan of all rule terms
//! (segmenting, with jieba, the lines where a word-bounded term needs it) → rule
//! evaluation → findings. Findings of one kind whose evidence overlaps
//! merge into one inquiry point (a reviewer raises one question per issue, however
//! many rules saw it), and points are ordered by severity, then position.

pub mod amount;
pub mod decision;
pub mod person;
pub mod revision;

use serde::Serialize;

use crate::config::Config;
use crate::ingest::Document;
use crate::rules::RuleSet;
use crate::rules::engine::{Prepared, RawFinding, scan};
use crate::rules::model::Severity;

use amount::{Amount, find_amounts, format_yuan};
use decision::{Classification, DecisionType, classify, selected};

/// One inquiry point drafted from rule hits.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule_id: String,
    /// Every rule merged into this point (the first is `rule_id`).
    pub rule_ids: Vec<String>,
    pub kind: String,
    pub kind_name: String,
    pub title: String,
    pub severity: Severity,
    pub confidence: f32,
    /// Character offsets of the evidence quote in the extracted text.
    pub start: usize,
    pub end: usize,
    pub quote: String,
    /// The matched signal inside the quote, in character offsets.
    pub signal: String,
    pub signal_start: usize,
    pub signal_end: usize,
    pub clause: String,
    pub question: String,
    pub basis: Vec<String>,
    pub amounts: Vec<String>,
}

/// The analysis of one readable document.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub title: Option<String>,
    pub chars: usize,
    pub decision_types: Vec<DecisionType>,
    pub classification: Vec<Classification>,
    pub amounts: Vec<AmountOut>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AmountOut {
    pub text: String,
    pub yuan: f64,
    pub yuan_to: Option<f64>,
    pub start: usize,
    pub end: usize,
}

/// What the rules need from the stages before them: the amounts and the 三重一大
/// classification of one document. (Word boundaries are segmented by the scan,
/// on the lines whose word-bounded terms need them.)
pub struct Staged {
    pub amounts: Vec<Amount>,
    pub classification: Vec<Classification>,
    pub types: Vec<DecisionType>,
}

impl Staged {
    pub fn new(doc: &Document, cfg: &Config) -> Staged {
        let amounts = find_amounts(&doc.text);
        let classification = classify(doc, &amounts, cfg);
        let types = selected(&classification);
        Staged {
            amounts,
            classification,
            types,
        }
    }

    /// Scans `doc` with the rule set's terms, ready for rule evaluation.
    pub fn prepare<'a>(&'a self, doc: &'a Document, rules: &'a RuleSet) -> Prepared<'a> {
        let occ = scan(&rules.matcher, &doc.text, true);
        Prepared::new(doc, occ, &self.amounts, &self.types)
    }
}

/// Runs the whole analysis of one document.
pub fn analyze(doc: &Document, rules: &RuleSet, cfg: &Config) -> Analysis {
    let staged = Staged::new(doc, cfg);
    let prep = staged.prepare(doc, rules);
    let raw = prep.run_all(rules);
    let findings = build_findings(&prep, rules, raw);
    let Staged {
        amounts,
        mut classification,
        mut types,
    } = staged;
    implied_types(rules, &findings, &mut classification, &mut types);
    Analysis {
        title: doc.title.clone(),
        chars: doc.text.chars().count(),
        amounts: amounts
            .iter()
            .map(|a| AmountOut {
                text: a.text.clone(),
                yuan: a.yuan,
                yuan_to: a.yuan_to,
                start: doc.char_offset(a.byte_start),
                end: doc.char_offset(a.byte_end),
            })
            .collect(),
        decision_types: types,
        classification,
        findings,
    }
}

/// Adds the 三重一大 type a finding's risk kind belongs to when the cue words
/// missed it: a draft raising a recruitment or kinship point concerns 干部任免
/// even if it never says 任免 (a leader's speech on hiring grid workers). Only kinds
/// of exactly one type count, and only medium or high points; rule gating has
/// already run on the cue-word types, so this changes the badge, not the findings.
fn implied_types(
    rules: &RuleSet,
    findings: &[Finding],
    classification: &mut [Classification],
    types: &mut Vec<DecisionType>,
) {
    for f in findings.iter().filter(|f| f.severity != Severity::Low) {
        let Some(kind) = rules.kinds.iter().find(|k| k.id == f.kind) else {
            continue;
        };
        let [only] = kind.decision_types.as_slice() else {
            continue;
        };
        let Some(t) = DecisionType::parse(only) else {
            continue;
        };
        if types.contains(&t) {
            continue;
        }
        types.push(t);
        types.sort();
        if let Some(c) = classification.iter_mut().find(|c| c.decision_type == t) {
            c.selected = true;
            c.cues.push(format!("问询点“{}”", kind.name));
        }
    }
}

fn amounts_in(amounts: &[Amount], lo: usize, hi: usize) -> impl Iterator<Item = &Amount> {
    amounts
        .iter()
        .filter(move |a| a.byte_start >= lo && a.byte_end <= hi)
}

/// The phrase a question quotes: the comma-delimited part of the evidence around
/// the signal (widened when very short), without a leading 一、/（一）/第X条 marker,
/// so the question reads "第五条提出“由县城投公司直接委托……”" rather than repeating
/// the whole sentence and its number.
pub fn excerpt(text: &str, evidence: (usize, usize), anchor: (usize, usize)) -> String {
    let (lo, hi) = evidence;
    let ev: Vec<(usize, char)> = text[lo..hi]
        .char_indices()
        .map(|(i, c)| (lo + i, c))
        .collect();
    if ev.is_empty() {
        return String::new();
    }
    let is_cut = |c: char| matches!(c, '，' | '：' | '；' | ',' | ':' | ';');
    // Character positions (indexes into `ev`) of the signal.
    let s = ev.partition_point(|&(b, _)| b < anchor.0).min(ev.len() - 1);
    let e = ev
        .partition_point(|&(b, _)| b < anchor.1)
        .max(s + 1)
        .min(ev.len());
    let mut from = (0..s).rev().find(|&k| is_cut(ev[k].1)).map_or(0, |k| k + 1);
    let mut to = (e..ev.len()).find(|&k| is_cut(ev[k].1)).unwrap_or(ev.len());
    if to - from < 10 {
        // Too short to stand alone: take the next phrase too, or else the previous one.
        if to < ev.len() {
            to = (to + 1..ev.len())
                .find(|&k| is_cut(ev[k].1))
                .unwrap_or(ev.len());
        } else if from > 0 {
            from = (0..from - 1)
                .rev()
                .find(|&k| is_cut(ev[k].1))
                .map_or(0, |k| k + 1);
        }
    }
    let phrase: String = ev[from..to].iter().map(|&(_, c)| c).collect();
    let phrase = phrase.trim().trim_end_matches(['。', '；', '，', ' ']);
    let phrase = strip_number(phrase);
    let chars: Vec<char> = phrase.chars().collect();
    if chars.len() > 60 {
        format!("{}……", chars[..58].iter().collect::<String>())
    } else {
        phrase.to_string()
    }
}

/// Drops a leading outline or article number ("（一）", "二、", "3.", "第五条 ").
fn strip_number(s: &str) -> &str {
    static NUMBER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^(第[一二三四五六七八九十百零〇0-9]+条\s*|[（(][一二三四五六七八九十0-9]+[)）]|[一二三四五六七八九十]+、|[0-9]+[.．、]|[①-⑳])\s*",
        )
        .expect("fixed pattern")
    });
    match NUMBER.find(s) {
        Some(m) if m.end() < s.len() => &s[m.end()..],
        _ => s,
    }
}

/// Turns raw hits into rendered, merged and ordered inquiry points.
#[inline(never)]
pub fn build_findings(prep: &Prepared, rules: &RuleSet, raw: Vec<RawFinding>) -> Vec<Finding> {
    let doc = prep.doc;
    let mut points: Vec<(RawFinding, Finding)> = Vec::new();
    for r in raw {
        let rule = &rules.rules[r.rule];
        let kind_name = rules
            .kind(&rule.kind)
            .map(|k| k.name.clone())
            .unwrap_or_default();
        let (es, ee) = r.evidence;
        let quote = doc.text[es..ee].to_string();
        let clause = doc
            .block_at(r.anchor.0)
            .map(|i| doc.blocks[i].clause.clone())
            .unwrap_or_default();
        let in_quote: Vec<&Amount> = amounts_in(prep.amounts, es, ee).collect();
        let in_clause: Vec<&Amount> = amounts_in(prep.amounts, r.context.0, r.context.1).collect();
        let pick = if in_quote.is_empty() {
            &in_clause
        } else {
            &in_quote
        };
        let amount = pick
            .iter()
            .max_by(|a, b| a.yuan.total_cmp(&b.yuan))
            .map(|a| format_yuan(a.yuan_to.unwrap_or(a.yuan).max(a.yuan)));
        let amounts: Vec<String> = in_clause.iter().map(|a| a.text.clone()).collect();
        let signal = doc.text[r.anchor.0..r.anchor.1].to_string();
        let title = doc.title.clone().unwrap_or_else(|| doc.name.clone());
        let ctx = minijinja::context! {
            quote => excerpt(&doc.text, r.evidence, r.anchor),
            clause => clause.clone(),
            signal => signal.clone(),
            title => title,
            amount => amount,
            amounts => amounts.clone(),
            kind_name => kind_name.clone(),
            doc => doc.name.clone(),
        };
        let question = rules
            .render_question(rule, ctx)
            .unwrap_or_else(|e| format!("（问题模板渲染失败：{e}）{}", rule.title));
        let finding = Finding {
            rule_id: rule.id.clone(),
            rule_ids: vec![rule.id.clone()],
            kind: rule.kind.clone(),
            kind_name,
            title: rule.title.clone(),
            severity: rule.severity,
            confidence: rule.confidence,
            start: doc.char_offset(es),
            end: doc.char_offset(ee),
            quote,
            signal,
            signal_start: doc.char_offset(r.anchor.0),
            signal_end: doc.char_offset(r.anchor.1),
            clause,
            question,
            basis: rule.basis.clone(),
            amounts,
        };
        points.push((r, finding));
    }
    merge(points)
}

/// Merges points of one kind with overlapping evidence; keeps the most severe (then
/// most confident) as the representative.
fn merge(mut points: Vec<(RawFinding, Finding)>) -> Vec<Finding> {
    points.sort_by(|a, b| a.1.kind.cmp(&b.1.kind).then(a.1.start.cmp(&b.1.start)));
    let mut out: Vec<Finding> = Vec::new();
    for (_, f) in points {
        if let Some(last) = out.last_mut()
            && last.kind == f.kind
            && f.start < last.end
            && last.start < f.end
        {
            let better = (f.severity, f.confidence) > (last.severity, last.confidence);
            let mut ids = std::mem::take(&mut last.rule_ids);
            for id in &f.rule_ids {
                if !ids.contains(id) {
                    ids.push(id.clone());
                }
            }
            if better {
                *last = f;
                // Keep the representative first.
                ids.retain(|i| *i != last.rule_id);
                ids.insert(0, last.rule_id.clone());
            }
            last.rule_ids = ids;
            continue;
        }
        out.push(f);
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.start.cmp(&b.start))
            .then(a.kind.cmp(&b.kind))
    });
    out
}

/// Why one rule fired or not on `doc`: one line per signal and condition.
pub fn explain(doc: &Document, rules: &RuleSet, idx: usize, cfg: &Config) -> Vec<String> {
    let staged = Staged::new(doc, cfg);
    let types = &staged.types;
    let prep = staged.prepare(doc, rules);
    let mut lines = vec![format!(
        "文档“三重一大”类型：{}",
        if types.is_empty() {
            "未识别".to_string()
        } else {
            types
                .iter()
                .map(|t| t.label())
                .collect::<Vec<_>>()
                .join("、")
        }
    )];
    let mut raw = Vec::new();
    prep.run_rule(idx, &rules.rules[idx], false, Some(&mut lines), &mut raw);
    let n = raw.len();
    let findings = build_findings(&prep, rules, raw);
    if n == 0 {
        lines.push("结论：未命中。".into());
    } else {
        lines.push(format!("结论：命中 {n} 处。"));
        for f in findings {
            lines.push(format!("  {}「{}」→ {}", f.clause, f.quote, f.question));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(kind: &str, severity: Severity) -> Finding {
        Finding {
            rule_id: format!("{kind}.test"),
            rule_ids: Vec::new(),
            kind: kind.into(),
            kind_name: String::new(),
            title: String::new(),
            severity,
            confidence: 0.7,
            start: 0,
            end: 0,
            quote: String::new(),
            signal: String::new(),
            signal_start: 0,
            signal_end: 0,
            clause: String::new(),
            question: String::new(),
            basis: Vec::new(),
            amounts: Vec::new(),
        }
    }

    #[test]
    fn a_point_of_a_single_type_kind_adds_that_type() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let cfg = Config::default();
        let set = RuleSet::load(&root.join("rules"), &cfg).expect("shipped rules load");
        let doc = crate::ingest::read_bytes(
            "讲话.txt",
            "在网格化工作推进会上的讲话\n网格员由各村推荐后直接上岗。".as_bytes(),
            &cfg.limits,
        )
        .expect("text reads");
        let mut classes = classify(&doc, &[], &cfg);
        let mut types = selected(&classes);
        assert!(!types.contains(&DecisionType::Personnel));
        // A low point, or a kind spanning several types, says nothing on its own.
        let weak = [
            finding("personnel.recruitment_irregular", Severity::Low),
            finding("procedure.collective_decision_missing", Severity::High),
        ];
        implied_types(&set, &weak, &mut classes, &mut types);
        assert!(!types.contains(&DecisionType::Personnel));
        let strong = [finding("personnel.recruitment_irregular", Severity::Medium)];
        implied_types(&set, &strong, &mut classes, &mut types);
        assert!(types.contains(&DecisionType::Personnel));
        let c = classes
            .iter()
            .find(|c| c.decision_type == DecisionType::Personnel)
            .expect("personnel row");
        assert!(c.selected && c.cues.iter().any(|q| q.starts_with("问询点")));
        // The types stay in canonical order.
        assert!(types.windows(2).all(|w| w[0] < w[1]));
    }

    fn ex(text: &str, signal: &str) -> String {
        let a = text.find(signal).expect("signal in text");
        excerpt(text, (0, text.len()), (a, a + signal.len()))
    }

    #[test]
    fn excerpt_is_the_phrase_around_the_signal_without_its_number() {
        let t = "（一）鉴于时间紧迫，拟简化前期工作程序，由县城投公司负责组织实施，力争6月进场。";
        assert_eq!(
            ex(t, "简化"),
            "拟简化前期工作程序，由县城投公司负责组织实施"
        );
        assert_eq!(ex(t, "进场"), "由县城投公司负责组织实施，力争6月进场");
        let t = "第五条 工程直接委托县城投公司实施。";
        assert_eq!(ex(t, "直接委托"), "工程直接委托县城投公司实施");
    }

    #[test]
    fn excerpt_of_a_long_phrase_is_cut_on_a_character_boundary() {
        let t = "甲".repeat(100);
        let e = ex(&t, "甲甲");
        assert!(e.ends_with("……") && e.chars().count() == 60);
    }
}
