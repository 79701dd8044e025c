//! 三重一大 classification: which of the four decision types a draft concerns.
//!
//! Multi-label and explainable: each type scores weighted cue words (title hits
//! count three times, repeats are capped so a long draft does not win by length)
//! and, for 大额资金, extracted amounts at or above the configured `large_fund`
//! threshold. The cues that decided are reported with the result so a reviewer can
//! see why an item was badged, and correct it.

use std::sync::LazyLock;

use daachorse::{CharwiseDoubleArrayAhoCorasick, CharwiseDoubleArrayAhoCorasickBuilder, MatchKind};
use serde::Serialize;

use super::amount::{Amount, format_yuan};
use crate::config::Config;
use crate::ingest::{BlockKind, Document};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionType {
    MajorDecision,
    Personnel,
    MajorProject,
    LargeFund,
}

impl DecisionType {
    pub const ALL: [DecisionType; 4] = [
        DecisionType::MajorDecision,
        DecisionType::Personnel,
        DecisionType::MajorProject,
        DecisionType::LargeFund,
    ];

    pub fn parse(s: &str) -> Option<DecisionType> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionType::MajorDecision => "major_decision",
            DecisionType::Personnel => "personnel",
            DecisionType::MajorProject => "major_project",
            DecisionType::LargeFund => "large_fund",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DecisionType::MajorDecision => "重大事项决策",
            DecisionType::Personnel => "重要干部任免",
            DecisionType::MajorProject => "重大项目安排",
            DecisionType::LargeFund => "大额资金使用",
        }
    }
}

/// One type's score and the cues behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Classification {
    #[serde(rename = "type")]
    pub decision_type: DecisionType,
    pub label: &'static str,
    pub score: f32,
    pub selected: bool,
    pub cues: Vec<String>,
}

/// A type is assigned at this score.
const SELECT_AT: f32 = 4.0;
/// Repeats of one cue beyond this add nothing.
const CAP: usize = 3;

use DecisionType::*;

/// (cue, type, weight)
const CUES: &[(&str, DecisionType, f32)] = &[
    // 重要干部任免
    ("任免", Personnel, 3.0),
    ("拟任", Personnel, 3.0),
    ("任职", Personnel, 1.5),
    ("免去", Personnel, 2.0),
    ("免职", Personnel, 2.0),
    ("提拔", Personnel, 2.0),
    ("选拔任用", Personnel, 3.0),
    ("干部", Personnel, 1.0),
    ("领导人员", Personnel, 2.0),
    ("聘任", Personnel, 1.5),
    ("聘用", Personnel, 1.5),
    ("考察", Personnel, 1.0),
    ("民主推荐", Personnel, 2.0),
    ("任前公示", Personnel, 2.0),
    ("人选", Personnel, 2.0),
    ("后备干部", Personnel, 2.0),
    ("招聘", Personnel, 2.0),
    ("薪酬", Personnel, 1.5),
    ("兼任", Personnel, 1.0),
    ("任期", Personnel, 1.0),
    ("交流任职", Personnel, 2.0),
    ("经营班子", Personnel, 2.0),
    ("领导班子", Personnel, 1.5),
    ("董事长", Personnel, 1.0),
    ("执行董事", Personnel, 2.0),
    ("事业编制", Personnel, 3.0),
    ("人员安置", Personnel, 1.5),
    ("人才引进", Personnel, 3.0),
    ("引进人才", Personnel, 2.0),
    ("高层次人才", Personnel, 2.0),
    ("绩效考核", Personnel, 1.0),
    // 重大项目安排
    ("项目", MajorProject, 1.0),
    ("工程", MajorProject, 1.0),
    ("施工", MajorProject, 2.0),
    ("招标", MajorProject, 1.5),
    ("采购", MajorProject, 1.0),
    ("立项", MajorProject, 2.0),
    ("可行性研究", MajorProject, 2.0),
    ("概算", MajorProject, 2.0),
    ("开工", MajorProject, 2.0),
    ("标段", MajorProject, 2.0),
    ("代建", MajorProject, 2.0),
    ("承建", MajorProject, 2.0),
    ("建设内容", MajorProject, 2.0),
    ("投资", MajorProject, 1.0),
    ("工期", MajorProject, 2.0),
    ("出让", MajorProject, 1.0),
    ("经营权", MajorProject, 1.5),
    ("开发", MajorProject, 1.0),
    ("运营", MajorProject, 1.0),
    ("养护", MajorProject, 1.5),
    ("托管", MajorProject, 1.5),
    ("农村公路", MajorProject, 2.0),
    ("疏浚", MajorProject, 2.0),
    ("河道", MajorProject, 1.0),
    ("进场", MajorProject, 1.5),
    // 大额资金使用
    ("资金", LargeFund, 1.0),
    ("补助", LargeFund, 1.0),
    ("补贴", LargeFund, 1.0),
    ("奖补", LargeFund, 2.0),
    ("拨付", LargeFund, 2.0),
    ("预算", LargeFund, 1.0),
    ("借款", LargeFund, 2.0),
    ("出借", LargeFund, 2.0),
    ("担保", LargeFund, 1.5),
    ("专项资金", LargeFund, 2.0),
    ("绩效工资", LargeFund, 1.5),
    ("工资总额", LargeFund, 2.0),
    ("支付", LargeFund, 1.0),
    ("融资", LargeFund, 1.5),
    ("债券", LargeFund, 1.5),
    ("奖励", LargeFund, 1.0),
    ("发放", LargeFund, 1.0),
    ("预付", LargeFund, 2.0),
    ("医保基金", LargeFund, 2.0),
    ("结算", LargeFund, 1.0),
    ("货款", LargeFund, 1.5),
    ("采购资金", LargeFund, 2.0),
    ("采购", LargeFund, 1.0),
    ("租金", LargeFund, 1.5),
    ("招租", LargeFund, 2.0),
    ("出租", LargeFund, 1.0),
    ("资产转让", LargeFund, 1.0),
    ("产权转让", LargeFund, 1.5),
    ("资产处置", LargeFund, 1.0),
    ("资产评估", LargeFund, 1.0),
    ("财政补贴", LargeFund, 2.0),
    ("财政资金", LargeFund, 2.0),
    ("财政投资", LargeFund, 1.5),
    ("财政预算", LargeFund, 1.5),
    ("兜底", LargeFund, 1.5),
    ("亏损", LargeFund, 1.0),
    ("补偿", LargeFund, 1.0),
    ("差价", LargeFund, 1.0),
    ("经费", LargeFund, 1.0),
    ("分红", LargeFund, 1.5),
    ("收益分配", LargeFund, 2.0),
    // 重大事项决策
    ("管理办法", MajorDecision, 3.0),
    ("实施办法", MajorDecision, 3.0),
    ("实施方案", MajorDecision, 3.0),
    ("实施细则", MajorDecision, 3.0),
    ("实施意见", MajorDecision, 3.0),
    ("暂行规定", MajorDecision, 3.0),
    ("若干措施", MajorDecision, 3.0),
    ("征求意见稿", MajorDecision, 2.0),
    ("政策", MajorDecision, 1.5),
    ("规划", MajorDecision, 1.5),
    ("改革", MajorDecision, 2.0),
    ("医改", MajorDecision, 2.0),
    ("改制", MajorDecision, 3.0),
    ("征收", MajorDecision, 2.0),
    ("决策", MajorDecision, 1.0),
    ("机制", MajorDecision, 1.0),
    ("处置", MajorDecision, 1.5),
    ("转让", MajorDecision, 1.5),
    ("招商引资", MajorDecision, 2.0),
    ("标准调整", MajorDecision, 2.0),
    ("补贴标准", MajorDecision, 2.0),
    ("有偿使用", MajorDecision, 2.0),
    ("方案", MajorDecision, 1.0),
    ("融资", MajorDecision, 1.5),
    ("融资租赁", MajorDecision, 2.0),
    ("债务", MajorDecision, 1.0),
    ("发行债券", MajorDecision, 2.0),
    ("展期", MajorDecision, 2.0),
    ("借款", MajorDecision, 1.0),
    ("委托贷款", MajorDecision, 2.0),
    ("贷款", MajorDecision, 1.0),
    // Minutes and agreements record decisions whatever their subject.
    ("会议纪要", MajorDecision, 3.0),
    ("会议同意", MajorDecision, 1.5),
    ("会议决定", MajorDecision, 1.5),
    ("会议原则同意", MajorDecision, 1.5),
    ("合作协议", MajorDecision, 3.0),
    ("投资协议", MajorDecision, 3.0),
    ("合同草案", MajorDecision, 2.0),
    ("协议草案", MajorDecision, 2.0),
    ("补充协议", MajorDecision, 2.0),
    ("合作开发", MajorDecision, 2.0),
    ("议题", MajorDecision, 1.0),
    ("筹备", MajorDecision, 1.5),
    ("部署", MajorDecision, 1.0),
    // A leader's speech or a year's work points set policy more often than not
    // (about two in three annotated drafts of each).
    ("讲话", MajorDecision, 1.5),
    ("要点", MajorDecision, 1.5),
    ("党委会", MajorDecision, 1.0),
];

/// The cue words as one automaton, and for each distinct word the indices of its
/// entries in [`CUES`] (采购, 融资 and 借款 count for two types each).
///
/// Every occurrence of every cue counts, overlaps included, so the search cannot
/// skip ahead; a character-wise double-array automaton takes one step per
/// character instead of one per byte (three per Chinese character).
static CUE_AC: LazyLock<(CharwiseDoubleArrayAhoCorasick<u32>, Vec<Vec<usize>>)> =
    LazyLock::new(|| {
        let mut words: Vec<&str> = Vec::new();
        let mut entries: Vec<Vec<usize>> = Vec::new();
        for (i, &(cue, _, _)) in CUES.iter().enumerate() {
            match words.iter().position(|w| *w == cue) {
                Some(k) => entries[k].push(i),
                None => {
                    words.push(cue);
                    entries.push(vec![i]);
                }
            }
        }
        let automaton = CharwiseDoubleArrayAhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build_with_values(words.iter().enumerate().map(|(k, w)| (*w, k as u32)))
            .expect("cue list is a fixed set of distinct literals");
        (automaton, entries)
    });

/// Classifies `doc`. Every type is returned with its score; `selected` marks the
/// assigned ones (at least one when the draft shows any cue at all).
pub fn classify(doc: &Document, amounts: &[Amount], cfg: &Config) -> Vec<Classification> {
    let mut counts = vec![(0usize, 0usize); CUES.len()]; // (body, title)
    let title_range = doc
        .blocks
        .iter()
        .find(|b| b.kind == BlockKind::Title)
        .map(|b| (b.byte_start, b.byte_end));
    let (automaton, entries) = &*CUE_AC;
    for m in automaton.find_overlapping_iter(&doc.text) {
        let in_title = title_range.is_some_and(|(s, e)| m.start() >= s && m.end() <= e);
        for &i in &entries[m.value() as usize] {
            if in_title {
                counts[i].1 += 1;
            } else {
                counts[i].0 += 1;
            }
        }
    }
    let mut out: Vec<Classification> = DecisionType::ALL
        .into_iter()
        .map(|t| Classification {
            decision_type: t,
            label: t.label(),
            score: 0.0,
            selected: false,
            cues: Vec::new(),
        })
        .collect();
    for (i, &(cue, t, w)) in CUES.iter().enumerate() {
        let (body, title) = counts[i];
        if body + title == 0 {
            continue;
        }
        let c = &mut out[t as usize];
        c.score += w * (body.min(CAP) as f32) + 3.0 * w * (title.min(1) as f32);
        c.cues.push(if title > 0 {
            format!("标题含“{cue}”")
        } else {
            format!("“{cue}”×{body}")
        });
    }
    let large = cfg.threshold("large_fund").unwrap_or(500_000.0);
    let big: Vec<&Amount> = amounts
        .iter()
        .filter(|a| a.yuan_to.unwrap_or(a.yuan).max(a.yuan) >= large)
        .collect();
    if !big.is_empty() {
        let c = &mut out[LargeFund as usize];
        c.score += 3.0 * (big.len().min(2) as f32);
        let top = big
            .iter()
            .map(|a| a.yuan_to.unwrap_or(a.yuan).max(a.yuan))
            .fold(0.0, f64::max);
        c.cues.push(format!(
            "金额 {} 达到大额资金标准（{}）",
            format_yuan(top),
            format_yuan(large)
        ));
    } else {
        // Fund vocabulary alone, without a large amount, is a weaker sign.
        out[LargeFund as usize].score *= 0.6;
    }
    for c in &mut out {
        c.selected = c.score >= SELECT_AT;
    }
    if !out.iter().any(|c| c.selected)
        && let Some(best) = out
            .iter_mut()
            .filter(|c| c.score >= 2.0)
            .max_by(|a, b| a.score.total_cmp(&b.score))
    {
        best.selected = true;
    }
    out
}

/// The selected types, in canonical order.
pub fn selected(classes: &[Classification]) -> Vec<DecisionType> {
    classes
        .iter()
        .filter(|c| c.selected)
        .map(|c| c.decision_type)
        .collect()
}
