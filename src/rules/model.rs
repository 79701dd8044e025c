//! The rule file format, as serde reads it from `rules/*.toml`.
//!
//! Everything here is plain data with `deny_unknown_fields`, so a typo in a rule
//! file is a load error naming the file and line instead of a silently ignored key.
//! Validation that needs more than the syntax (known kinds, compilable regexes,
//! renderable templates, examples) lives in `compile.rs`.
//!
//! A rule reads as: *find a signal; keep it if every `require` condition holds around
//! it and no `unless` condition does*. Conditions test terms within a scope relative
//! to the signal (sentence, clause, paragraph, section, document, or N characters),
//! absence of safeguards (`none`), amounts and counts.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// One `rules/*.toml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Named term lists, referenced from rules as `@name`. Sets defined in any file
    /// are visible to every file; a name may be defined only once.
    #[serde(default)]
    pub sets: BTreeMap<String, Vec<String>>,
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleDef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::High => "高",
            Severity::Medium => "中",
            Severity::Low => "低",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// Where a condition looks, relative to the signal that anchors the finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Between sentence ends (。！？；) inside the signal's paragraph.
    #[default]
    Sentence,
    /// The numbered unit holding the signal: a 第X条 clause or an 一、/（一）/1. item
    /// with its sub-items; a paragraph when the text has no numbering there.
    Clause,
    /// The block (paragraph, table cell) holding the signal.
    Paragraph,
    /// Everything under the signal's nearest heading.
    Section,
    /// The whole document.
    Document,
}

/// A threshold: a number of yuan, or the name of a configured threshold
/// (`bidding_construction`, `large_fund`, …; see `config.rs`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Threshold {
    Yuan(f64),
    Named(String),
}

/// A condition. The fields that are set are combined with AND; `or` / `and` nest.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ConditionDef {
    /// At least one of these terms occurs in scope (`count` of them, if set).
    pub any: Option<Vec<String>>,
    /// Every one of these terms occurs in scope.
    pub all: Option<Vec<String>>,
    /// None of these terms occurs in scope: the absence of a safeguard.
    /// Negated mentions ("未公开招标", "不再公示") do not count as the safeguard.
    pub none: Option<Vec<String>>,
    /// Minimum number of occurrences of `any` terms in scope (default 1).
    pub count: Option<usize>,
    pub scope: Option<Scope>,
    /// Proximity: look only within this many characters either side of the signal
    /// (clipped to `scope` when both are given).
    pub within: Option<usize>,
    /// Look only before (`"before"`) or after (`"after"`) the signal.
    pub side: Option<Side>,
    /// An extracted amount in scope is at least this (yuan or a named threshold).
    pub amount_min: Option<Threshold>,
    /// …and below this (exclusive).
    pub amount_below: Option<Threshold>,
    /// How many amounts in scope must satisfy the bounds (default 1).
    pub amount_count: Option<usize>,
    /// The amounts satisfying the bounds add up to at least this.
    pub amount_sum_min: Option<Threshold>,
    /// Two amounts compared: one the signal's sentence gives under a `left`
    /// label (出让价款 1900万元) against one the scope gives under a `right` label
    /// (评估值 2860万元).
    pub compare: Option<CompareDef>,
    /// `any`/`all`/`none` terms count only in sentences naming a person the
    /// signal's sentence names (刘某某, 副局长王明远): ties a relation stated in
    /// one sentence to a role stated in another.
    pub same_person: Option<bool>,
    pub or: Option<Vec<ConditionDef>>,
    pub and: Option<Vec<ConditionDef>>,
}

/// `compare = { left = [...], right = [...], below = 0.9 }`: an amount labelled
/// by a `left` term in the signal's sentence is below (or `at_least`) that
/// fraction of an amount labelled by a `right` term in scope. An amount's label
/// is the nearest of these terms before it, at most `gap` characters away
/// (default 12) with no other amount in between.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareDef {
    pub left: Vec<String>,
    pub right: Vec<String>,
    pub below: Option<f64>,
    pub at_least: Option<f64>,
    pub gap: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Before,
    After,
}

/// Block kinds a signal may be restricted to (`signal_in`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalPlace {
    Title,
    Heading,
    Article,
    Item,
    Paragraph,
    Table,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositiveExample {
    pub text: String,
    /// A substring of `text` that must lie inside the finding's evidence span.
    pub evidence: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub id: Spanned<String>,
    pub kind: String,
    pub title: String,
    pub severity: Severity,
    /// How sure the rule is that a hit is a real issue (0–1), separate from how
    /// serious the issue would be.
    pub confidence: f32,
    /// 三重一大 types the document must have for the rule to apply (any of them);
    /// empty means every document.
    #[serde(default)]
    pub decision_types: Vec<String>,
    pub basis: Vec<String>,
    /// Terms whose occurrences anchor findings (their sentence becomes the evidence).
    pub signal: Vec<String>,
    #[serde(default)]
    pub signal_in: Vec<SignalPlace>,
    /// Prohibitions before the signal (严禁、不得 …) suppress it. Default true.
    #[serde(default = "yes")]
    pub negatable: bool,
    /// Report at most one finding per document (for whole-document absence checks).
    #[serde(default)]
    pub once: bool,
    #[serde(default)]
    pub require: Vec<ConditionDef>,
    #[serde(default)]
    pub unless: Vec<ConditionDef>,
    /// minijinja template of the inquiry question.
    pub question: String,
    pub positive: Vec<PositiveExample>,
    pub negative: Vec<String>,
    /// Free-form note for rule authors (why the rule is shaped so).
    #[serde(default)]
    pub note: Option<String>,
}

fn yes() -> bool {
    true
}

/// `rules/kinds.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindsFile {
    #[serde(rename = "kind")]
    pub kinds: Vec<KindDef>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct KindDef {
    pub id: String,
    pub name: String,
    pub group: String,
    pub decision_types: Vec<String>,
    pub description: String,
}
