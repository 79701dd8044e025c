//! Loading and validating a rule directory, and compiling it into matchers.
//!
//! Every term of every rule is deduplicated by source text and compiled into one
//! Aho-Corasick automaton: literals directly, regexes through their required prefix
//! literals (each regex then runs anchored only where one of its prefixes occurs). A
//! document is scanned once whether one rule or a thousand use a term; rules then only
//! look up term occurrences by id. A `RegexSet` over hundreds of Unicode-class
//! patterns was tried first and measured 100x slower than jieba: its lazy DFA thrashes. Validation collects every problem it finds, each with file,
//! line and rule id, instead of stopping at the first.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use daachorse::{CharwiseDoubleArrayAhoCorasick, CharwiseDoubleArrayAhoCorasickBuilder, MatchKind};
use regex::Regex;
use regex_automata::meta;
use sha2::{Digest, Sha256};

use super::model::{
    ConditionDef, KindDef, KindsFile, RuleDef, RuleFile, Scope, Severity, Side, SignalPlace,
    Threshold,
};
use crate::analyze::decision::DecisionType;
use crate::config::Config;

/// Index of a pattern in [`Matcher::patterns`].
pub type PatId = u32;

/// One problem in the rule set, located.
#[derive(Debug, Clone)]
pub struct RuleProblem {
    pub file: String,
    pub line: Option<usize>,
    pub rule_id: Option<String>,
    pub message: String,
}

impl fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(id) = &self.rule_id {
            write!(f, " 规则 {id}")?;
        }
        write!(f, "：{}", self.message)
    }
}

/// The rule set could not be loaded; lists every problem found.
#[derive(Debug)]
pub struct RuleSetError {
    pub problems: Vec<RuleProblem>,
}

impl fmt::Display for RuleSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "规则集有 {} 处错误 / rule set has {} error(s):",
            self.problems.len(),
            self.problems.len()
        )?;
        for p in &self.problems {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RuleSetError {}

#[derive(Debug, Clone)]
pub struct PatternInfo {
    /// The term as written in the rule file (`re:` prefix kept).
    pub source: String,
    /// Whether a match must start and end on jieba word boundaries (`w:` terms).
    pub word: bool,
}

/// All terms of the rule set, compiled once.
pub struct Matcher {
    pub patterns: Vec<PatternInfo>,
    pub literals: Vec<String>,
    /// A character-wise double-array automaton: measured 5x faster than a byte DFA
    /// for overlapping search over Chinese text with thousands of terms.
    pub(crate) ac: Option<CharwiseDoubleArrayAhoCorasick<u32>>,
    /// By automaton pattern: the literal terms it stands for, with their `w:` flag
    /// (read for hits whose value is not packed, see [`pack_hit`]).
    pub(crate) ac_literals: Csr<(PatId, bool)>,
    /// By automaton pattern: its key among the literals of regex literal groups
    /// ([`NO_KEY`] when no group contains it); hits of keyed literals are kept for
    /// the regex plans.
    pub(crate) ac_set_key: Vec<u32>,
    pub(crate) regexes: Vec<(super::verify::Verifier, PatId)>,
    pub(crate) plans: Vec<RegexPlan>,
    /// By regex: its literal groups (as in its plan), kept in one flat table for
    /// the per-document check that each occurs, which reads it for every regex.
    pub(crate) regex_groups: Csr<u32>,
    /// By regex literal group (see [`RegexPlan`]): the keys of its literals.
    pub(crate) set_members: Csr<u32>,
    /// By literal key: the groups containing it (the inverse of `set_members`).
    pub(crate) key_groups: Csr<u32>,
    /// Number of distinct literals in regex literal groups.
    pub(crate) set_keys: usize,
    /// By pattern id: `Some(slot)` for a regex used only in conditions, which the
    /// engine searches on first use instead of in every scan.
    pub(crate) lazy_regex: Vec<Option<usize>>,
    /// Regex index of each lazily searched regex (by its `lazy_regex` slot).
    pub(crate) lazy_regexes: Vec<usize>,
    pub(crate) any_word: bool,
}

pub(crate) const NO_KEY: u32 = u32::MAX;

/// An automaton value that points to the tables (`ac_literals`, `ac_set_key`)
/// rather than holding the answer itself.
pub(crate) const HIT_INDEX: u32 = 1 << 31;

/// The value the automaton reports for literal `a`. The scan looks up a hit's
/// term and literal key for every one of about a million hits per 400 files, and
/// those lookups in tables by literal were cache misses that cost a fifth of the
/// scan; so the common case, at most one plain term and a key that fit, travels
/// in the value: bits 0–15 hold the term id + 1, bits 16–30 the key + 1 (0 for
/// none). Anything else is [`HIT_INDEX`] | `a`.
fn pack_hit(a: usize, terms: &[(PatId, bool)], key: u32) -> u32 {
    let term = match terms {
        [] => Some(0),
        [(id, false)] => Some(id + 1).filter(|&t| t < 1 << 16),
        _ => None,
    };
    let key = if key == NO_KEY {
        Some(0)
    } else {
        Some(key + 1).filter(|&k| k < 1 << 15)
    };
    match (term, key) {
        (Some(t), Some(k)) => (k << 16) | t,
        _ => HIT_INDEX | a as u32,
    }
}

/// The term (`None` when none) and key (or [`NO_KEY`]) packed by [`pack_hit`].
#[inline]
pub(crate) fn unpack_hit(v: u32) -> (Option<PatId>, u32) {
    let term = (v & 0xFFFF).checked_sub(1);
    let key = (v >> 16).checked_sub(1).unwrap_or(NO_KEY);
    (term, key)
}

/// Lists by dense index in two allocations. The scan consults these for every
/// automaton hit and every regex of every document; a `Vec` per entry, scattered
/// over the heap, made those lookups cache misses that cost more than the search.
#[derive(Debug, Clone)]
pub(crate) struct Csr<T> {
    offsets: Vec<u32>,
    values: Vec<T>,
}

impl<T: Clone> Csr<T> {
    fn new(lists: &[Vec<T>]) -> Csr<T> {
        let mut offsets = Vec::with_capacity(lists.len() + 1);
        offsets.push(0);
        let mut values = Vec::new();
        for l in lists {
            values.extend_from_slice(l);
            offsets.push(values.len() as u32);
        }
        Csr { offsets, values }
    }

    pub fn get(&self, i: usize) -> &[T] {
        &self.values[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }
}

/// How a regex is searched. Most rule regexes are literal alternatives joined by
/// short bounded gaps (`(经|按照)[^。；]{0,30}(常委会|批准)`): every match contains
/// one literal of each such group. The engine runs the regex only where the
/// group rarest in the document at hand (the pivot) occurs and every other group
/// occurs within reach of it — a few binary searches rule out almost every place —
/// instead of passing each regex over the whole text (hundreds of passes) or
/// compiling them into one `RegexSet` (its lazy DFA thrashed and ran 100x slower
/// than jieba). The pivot is chosen per document: a fixed choice made by literal
/// length picked digits or 第 for `[0-9]+万?(户|亩)` and `第…届…(节|论坛)`, and
/// verified at every article number.
#[derive(Debug, Clone)]
pub(crate) enum RegexPlan {
    /// No required literal group: search the whole text.
    Full,
    /// Every match contains a literal of each of `groups`. When every match
    /// starts with a literal of group `first`, the regex runs anchored at those
    /// starts only, so a failing candidate costs a few characters of backtracking
    /// instead of a scan of the whole window.
    Pivot {
        groups: Vec<GroupReach>,
        first: Option<usize>,
    },
}

/// Where a literal group sits in a regex's matches: its literal set, and at most
/// `before` bytes from the match start to the group's start and `after` bytes
/// from there to the match end. Matches never span a line break, which bounds
/// both when the pattern does not.
#[derive(Debug, Clone)]
pub(crate) struct GroupReach {
    pub set: usize,
    pub before: usize,
    pub after: usize,
}

/// Small character classes (`[县区]`, or `(户|亩|间)`, which the parser turns into
/// a class) count as literal groups up to this many characters.
const CLASS_AS_GROUP: usize = 24;

/// Literals one of which starts every match of `h`, if there is such a set: the
/// pattern's literal alternatives themselves, or the literal prefixes of its
/// branches (`经[^理营]` → `经`). The regex still verifies every candidate, so a
/// prefix is as good as the whole literal for finding where to look.
fn literal_group(h: &regex_syntax::hir::Hir) -> Option<Vec<String>> {
    use regex_syntax::hir::{Class, HirKind};
    match h.kind() {
        HirKind::Capture(c) => literal_group(&c.sub),
        HirKind::Literal(l) => Some(vec![String::from_utf8(l.0.to_vec()).ok()?]),
        HirKind::Class(Class::Unicode(c)) => {
            let n: usize = c
                .ranges()
                .iter()
                .map(|r| r.end() as usize - r.start() as usize + 1)
                .sum();
            (n <= CLASS_AS_GROUP).then(|| {
                c.ranges()
                    .iter()
                    .flat_map(|r| r.start()..=r.end())
                    .map(String::from)
                    .collect()
            })
        }
        HirKind::Alternation(bs) => {
            let mut out = Vec::new();
            for b in bs {
                out.extend(literal_group(b)?);
            }
            Some(out)
        }
        HirKind::Concat(items) => literal_group(items.first()?),
        HirKind::Repetition(r) if r.min >= 1 => literal_group(&r.sub),
        _ => None,
    }
}

/// Splits a pattern into its top-level pieces with their literal groups and maximum
/// lengths; `None` when the pattern is not a concatenation.
#[allow(clippy::type_complexity)]
fn pieces(h: &regex_syntax::hir::Hir) -> Option<Vec<(Option<Vec<String>>, Option<usize>)>> {
    use regex_syntax::hir::HirKind;
    match h.kind() {
        HirKind::Capture(c) => pieces(&c.sub),
        HirKind::Concat(items) => Some(
            items
                .iter()
                .map(|x| (literal_group(x), x.properties().maximum_len()))
                .collect(),
        ),
        _ => Some(vec![(literal_group(h), h.properties().maximum_len())]),
    }
}

/// A term list as written: each entry is a group of alternative patterns
/// (a literal is a group of one; `@set` expands to the set's members).
#[derive(Debug, Clone, Default)]
pub struct Terms {
    pub groups: Vec<Vec<PatId>>,
}

impl Terms {
    pub fn flat(&self) -> impl Iterator<Item = PatId> + '_ {
        self.groups.iter().flatten().copied()
    }
}

#[derive(Debug, Clone)]
pub struct AmountCond {
    pub min: Option<f64>,
    pub below: Option<f64>,
    pub count: usize,
    pub sum_min: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Cond {
    pub any: Option<Terms>,
    pub all: Option<Terms>,
    pub none: Option<Terms>,
    pub count: usize,
    pub scope: Scope,
    pub scope_given: bool,
    pub within: Option<usize>,
    pub side: Option<Side>,
    pub amount: Option<AmountCond>,
    pub compare: Option<CompareCond>,
    /// See [`super::model::ConditionDef::same_person`].
    pub same_person: bool,
    pub or: Vec<Cond>,
    pub and: Vec<Cond>,
}

/// See [`super::model::CompareDef`].
#[derive(Debug, Clone)]
pub struct CompareCond {
    pub left: Terms,
    pub right: Terms,
    pub below: Option<f64>,
    pub at_least: Option<f64>,
    pub gap: usize,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub severity: Severity,
    pub confidence: f32,
    pub decision_types: Vec<DecisionType>,
    pub basis: Vec<String>,
    pub signal: Terms,
    pub signal_in: Vec<SignalPlace>,
    pub negatable: bool,
    pub once: bool,
    pub require: Vec<Cond>,
    pub unless: Vec<Cond>,
    pub positive: Vec<super::model::PositiveExample>,
    pub negative: Vec<String>,
    pub file: String,
    pub line: usize,
}

/// A loaded, validated and compiled rule set.
pub struct RuleSet {
    /// Hash of the rule files; every report carries it.
    pub version: String,
    pub dir: PathBuf,
    pub kinds: Vec<KindDef>,
    pub rules: Vec<Rule>,
    pub matcher: Matcher,
    /// By pattern id: the rules it is a signal of. A document's rules are found
    /// from the signals that occur in it, so rules whose signals are absent (most
    /// of them, in any one draft) cost nothing.
    pub(crate) by_signal: Csr<u32>,
    /// The jieba user dictionary of this rule set (`dict.txt`).
    pub dict: Option<String>,
    pub(crate) templates: minijinja::Environment<'static>,
}

impl RuleSet {
    pub fn kind(&self, id: &str) -> Option<&KindDef> {
        self.kinds.iter().find(|k| k.id == id)
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Renders a rule's question template.
    pub fn render_question(
        &self,
        rule: &Rule,
        ctx: minijinja::Value,
    ) -> Result<String, minijinja::Error> {
        let tmpl = self.templates.get_template(&rule.id)?;
        Ok(tmpl.render(ctx)?.trim().to_string())
    }

    /// Loads `dir`: `kinds.toml`, `dict.txt` and every other `*.toml` as a rule pack.
    pub fn load(dir: &Path, config: &Config) -> Result<RuleSet, RuleSetError> {
        let mut problems = Vec::new();
        let mut hasher = Sha256::new();
        let dir_shown = dir.display().to_string();
        let err = |file: &str, message: String| RuleProblem {
            file: file.to_string(),
            line: None,
            rule_id: None,
            message,
        };

        let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect(),
            Err(e) => {
                return Err(RuleSetError {
                    problems: vec![err(&dir_shown, format!("无法读取规则目录：{e}"))],
                });
            }
        };
        files.sort();

        let kinds_path = dir.join("kinds.toml");
        let kinds: Vec<KindDef> = match std::fs::read_to_string(&kinds_path) {
            Ok(text) => {
                hasher.update(b"kinds.toml\0");
                hasher.update(text.as_bytes());
                match toml::from_str::<KindsFile>(&text) {
                    Ok(k) => k.kinds,
                    Err(e) => {
                        problems.push(located(&kinds_path, &text, &e));
                        Vec::new()
                    }
                }
            }
            Err(e) => {
                problems.push(err(
                    &kinds_path.display().to_string(),
                    format!("缺少风险类型文件 kinds.toml：{e}"),
                ));
                Vec::new()
            }
        };
        let mut seen_kinds = HashSet::new();
        for k in &kinds {
            if !seen_kinds.insert(k.id.as_str()) {
                problems.push(err(
                    &kinds_path.display().to_string(),
                    format!("风险类型 id 重复：{}", k.id),
                ));
            }
            for t in &k.decision_types {
                if DecisionType::parse(t).is_none() {
                    problems.push(err(
                        &kinds_path.display().to_string(),
                        format!("风险类型 {} 的 decision_types 含未知取值“{t}”", k.id),
                    ));
                }
            }
        }

        let dict_path = dir.join("dict.txt");
        let dict = std::fs::read_to_string(&dict_path).ok();
        if let Some(d) = &dict {
            hasher.update(b"dict.txt\0");
            hasher.update(d.as_bytes());
        }

        // Parse every pack first: sets are global across files.
        let mut parsed: Vec<(String, String, RuleFile)> = Vec::new();
        for path in files.iter().filter(|p| *p != &kinds_path) {
            let shown = path.display().to_string();
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(err(&shown, format!("无法读取：{e}")));
                    continue;
                }
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            hasher.update(name.as_bytes());
            hasher.update(b"\0");
            hasher.update(text.as_bytes());
            match toml::from_str::<RuleFile>(&text) {
                Ok(f) => parsed.push((shown, text, f)),
                Err(e) => problems.push(located(path, &text, &e)),
            }
        }

        let mut sets: HashMap<String, (Vec<String>, String)> = HashMap::new();
        for (file, _, f) in &parsed {
            for (name, members) in &f.sets {
                if let Some((_, other)) = sets.get(name) {
                    problems.push(err(file, format!("词表 @{name} 重复定义（另见 {other}）")));
                    continue;
                }
                for m in members {
                    if m.starts_with('@') {
                        problems.push(err(file, format!("词表 @{name} 不能引用其他词表（{m}）")));
                    }
                }
                sets.insert(name.clone(), (members.clone(), file.clone()));
            }
        }

        let mut builder = MatcherBuilder::default();
        let mut rules = Vec::new();
        let mut ids: HashMap<String, (String, usize)> = HashMap::new();
        let mut templates = minijinja::Environment::new();
        templates.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        templates.set_undefined_behavior(minijinja::UndefinedBehavior::Lenient);

        for (file, text, f) in parsed {
            for def in f.rules {
                let line = line_of(&text, def.id.span().start);
                let id = def.id.get_ref().clone();
                let mut ctx = Ctx {
                    file: &file,
                    line,
                    rule_id: &id,
                    problems: &mut problems,
                    sets: &sets,
                    builder: &mut builder,
                    config,
                };
                if let Some((other_file, other_line)) = ids.get(&id) {
                    ctx.problem(format!("规则 id 重复（另见 {other_file}:{other_line}）"));
                    continue;
                }
                ids.insert(id.clone(), (file.clone(), line));
                // The template is checked even when the rule has other problems, so
                // one load reports everything wrong with the rule.
                let rule = ctx.rule(&def, &seen_kinds);
                let template_ok = match templates
                    .add_template_owned(id.clone(), def.question.clone())
                {
                    Ok(()) => {
                        let sample = minijinja::context! {
                            quote => "示例原文", clause => "第一条", signal => "示例",
                            title => "示例草案", amount => "100万元", amounts => vec!["100万元"],
                            kind_name => "示例", doc => "示例.docx",
                        };
                        match templates.get_template(&id).and_then(|t| t.render(&sample)) {
                            Ok(s) if s.trim().is_empty() => {
                                ctx.problem("问题模板渲染结果为空".into());
                                false
                            }
                            Ok(_) => true,
                            Err(e) => {
                                ctx.problem(format!("问题模板无法渲染：{e}"));
                                false
                            }
                        }
                    }
                    Err(e) => {
                        ctx.problem(format!("问题模板语法错误：{e}"));
                        false
                    }
                };
                if let (Some(rule), true) = (rule, template_ok) {
                    rules.push(rule);
                }
            }
        }

        let mut matcher = match builder.build() {
            Ok(m) => m,
            Err(e) => {
                problems.push(err(&dir_shown, e));
                return Err(RuleSetError { problems });
            }
        };
        if !problems.is_empty() {
            return Err(RuleSetError { problems });
        }
        let mut by_signal: Vec<Vec<u32>> = vec![Vec::new(); matcher.patterns.len()];
        for (i, r) in rules.iter().enumerate() {
            for p in r.signal.flat() {
                let list = &mut by_signal[p as usize];
                if list.last() != Some(&(i as u32)) {
                    list.push(i as u32);
                }
            }
        }
        let is_signal: Vec<bool> = by_signal.iter().map(|l| !l.is_empty()).collect();
        let mut lazy = vec![None; matcher.patterns.len()];
        let mut lazy_regexes = Vec::new();
        for (ri, (_, id)) in matcher.regexes.iter().enumerate() {
            if !is_signal[*id as usize] {
                lazy[*id as usize] = Some(lazy_regexes.len());
                lazy_regexes.push(ri);
            }
        }
        matcher.lazy_regex = lazy;
        matcher.lazy_regexes = lazy_regexes;
        let digest = hasher.finalize();
        let version = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        Ok(RuleSet {
            version,
            dir: dir.to_path_buf(),
            kinds,
            rules,
            matcher,
            by_signal: Csr::new(&by_signal),
            dict,
            templates,
        })
    }
}

/// A toml error located at its line in `path`.
fn located(path: &Path, text: &str, e: &toml::de::Error) -> RuleProblem {
    let line = e.span().map(|s| line_of(text, s.start));
    let rule_id = e.span().and_then(|s| enclosing_rule_id(text, s.start));
    RuleProblem {
        file: path.display().to_string(),
        line,
        rule_id,
        message: e.message().to_string(),
    }
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// The `id = "…"` of the `[[rule]]` table around `byte`, for syntax errors that
/// serde reports before any rule is built.
fn enclosing_rule_id(text: &str, byte: usize) -> Option<String> {
    let head = &text[..byte.min(text.len())];
    let start = head.rfind("[[rule]]")?;
    let rest = &text[start..];
    let end = rest[8..].find("[[rule]]").map_or(rest.len(), |i| i + 8);
    rest[..end].lines().find_map(|l| {
        let l = l.trim();
        let v = l.strip_prefix("id")?.trim_start().strip_prefix('=')?.trim();
        Some(v.trim_matches('"').to_string())
    })
}

#[derive(Default)]
struct MatcherBuilder {
    patterns: Vec<PatternInfo>,
    by_source: HashMap<String, PatId>,
}

impl MatcherBuilder {
    fn intern(&mut self, source: &str) -> Result<PatId, String> {
        if let Some(&id) = self.by_source.get(source) {
            return Ok(id);
        }
        let word = source.starts_with("w:");
        if let Some(re) = source.strip_prefix("re:") {
            // The matcher compiles the pattern again (as a meta regex) in `build`;
            // this parse only validates it and rejects patterns matching nothing.
            let parsed = Regex::new(re).map_err(|e| format!("正则表达式“{re}”无法编译：{e}"))?;
            if parsed.is_match("") {
                return Err(format!("正则表达式“{re}”能匹配空串"));
            }
        } else {
            let lit = source.strip_prefix("w:").unwrap_or(source);
            if lit.trim().is_empty() {
                return Err("词语不能为空".into());
            }
        }
        let id = self.patterns.len() as PatId;
        self.patterns.push(PatternInfo {
            source: source.to_string(),
            word,
        });
        self.by_source.insert(source.to_string(), id);
        Ok(id)
    }

    fn build(self) -> Result<Matcher, String> {
        let mut lits: Vec<String> = Vec::new();
        let mut ac_literals: Vec<Vec<(PatId, bool)>> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut slot = |text: &str, lits: &mut Vec<String>, targets: &mut Vec<Vec<_>>| {
            *index.entry(text.to_string()).or_insert_with(|| {
                lits.push(text.to_string());
                targets.push(Vec::new());
                targets.len() - 1
            })
        };
        let mut regexes = Vec::new();
        let mut plans = Vec::new();
        let mut regex_groups: Vec<Vec<u32>> = Vec::new();
        let mut set_members: Vec<Vec<u32>> = Vec::new();
        let mut set_ids: HashMap<Vec<String>, usize> = HashMap::new();
        for (i, p) in self.patterns.iter().enumerate() {
            if let Some(re) = p.source.strip_prefix("re:") {
                let hir = regex_syntax::Parser::new()
                    .parse(re)
                    .map_err(|e| e.to_string())?;
                regexes.push((
                    super::verify::Verifier::new(&hir, verifier(re)?),
                    i as PatId,
                ));
                let plan = match pieces(&hir) {
                    Some(parts) => plan_for(&parts, |g| {
                        // Regexes share groups ((经|按照), (公司|集团)…): one set per
                        // distinct group.
                        let mut key = g.to_vec();
                        key.sort();
                        key.dedup();
                        if let Some(&id) = set_ids.get(&key) {
                            return id;
                        }
                        let id = set_members.len();
                        let members = key
                            .iter()
                            .map(|lit| slot(lit, &mut lits, &mut ac_literals) as u32)
                            .collect();
                        set_members.push(members);
                        set_ids.insert(key, id);
                        id
                    }),
                    None => RegexPlan::Full,
                };
                regex_groups.push(match &plan {
                    RegexPlan::Full => Vec::new(),
                    RegexPlan::Pivot { groups, .. } => {
                        groups.iter().map(|g| g.set as u32).collect()
                    }
                });
                plans.push(plan);
            } else {
                let lit = p.source.strip_prefix("w:").unwrap_or(&p.source);
                let k = slot(lit, &mut lits, &mut ac_literals);
                ac_literals[k].push((i as PatId, p.word));
            }
        }
        // Dense keys keep the per-document grouping of hits small.
        let mut ac_set_key = vec![NO_KEY; lits.len()];
        let mut set_keys = 0;
        for m in &mut set_members {
            for k in m.iter_mut() {
                let key = &mut ac_set_key[*k as usize];
                if *key == NO_KEY {
                    *key = set_keys;
                    set_keys += 1;
                }
                *k = *key;
            }
        }
        let mut key_groups: Vec<Vec<u32>> = vec![Vec::new(); set_keys as usize];
        for (g, m) in set_members.iter().enumerate() {
            for &k in m {
                key_groups[k as usize].push(g as u32);
            }
        }
        let values = (0..lits.len()).map(|a| pack_hit(a, &ac_literals[a], ac_set_key[a]));
        let ac = if lits.is_empty() {
            None
        } else {
            Some(
                CharwiseDoubleArrayAhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .build_with_values(lits.iter().map(String::as_str).zip(values))
                    .map_err(|e| format!("词语自动机构建失败：{e}"))?,
            )
        };
        let any_word = self.patterns.iter().any(|p| p.word);
        Ok(Matcher {
            patterns: self.patterns,
            literals: lits,
            ac,
            ac_literals: Csr::new(&ac_literals),
            ac_set_key,
            regexes,
            plans,
            regex_groups: Csr::new(&regex_groups),
            set_members: Csr::new(&set_members),
            key_groups: Csr::new(&key_groups),
            set_keys: set_keys as usize,
            lazy_regex: Vec::new(),
            lazy_regexes: Vec::new(),
            any_word,
        })
    }
}

/// A rule regex as the engine runs it: on short windows around literal hits,
/// thousands of times per document. The meta engine would pick its bounded
/// backtracker for such short inputs, which clears a visited set sized by NFA
/// states × input on every search — with Unicode classes under `{0,30}` that set
/// is large, and it made some searches cost 400 µs. The lazy DFA keeps its states
/// between searches instead.
fn verifier(re: &str) -> Result<meta::Regex, String> {
    meta::Builder::new()
        .configure(
            meta::Config::new()
                .backtrack(false)
                .onepass(false)
                .hybrid_cache_capacity(8 * 1024 * 1024),
        )
        .build(re)
        .map_err(|e| e.to_string())
}

/// Chooses how to search a regex made of `parts` (see [`RegexPlan`]); `register`
/// turns a literal group into a literal set id the scan will fill.
fn plan_for(
    parts: &[(Option<Vec<String>>, Option<usize>)],
    mut register: impl FnMut(&[String]) -> usize,
) -> RegexPlan {
    let sum = |ps: &[(Option<Vec<String>>, Option<usize>)]| -> usize {
        ps.iter()
            .map(|(_, m)| *m)
            .sum::<Option<usize>>()
            .unwrap_or(usize::MAX / 4)
    };
    let mut groups = Vec::new();
    let mut first = None;
    for (k, (group, _)) in parts.iter().enumerate() {
        let Some(g) = group.as_ref().filter(|g| !g.is_empty()) else {
            continue;
        };
        let set = register(g);
        if k == 0 {
            first = Some(set);
        }
        groups.push(GroupReach {
            set,
            before: sum(&parts[..k]),
            after: sum(&parts[k..]),
        });
    }
    if groups.is_empty() {
        return RegexPlan::Full;
    }
    RegexPlan::Pivot { groups, first }
}

/// Regexes that must be searched over the whole text (for `rules lint`-style
/// diagnostics and the benchmark).
pub fn full_scan_patterns(m: &Matcher) -> Vec<&str> {
    m.regexes
        .iter()
        .zip(&m.plans)
        .filter(|(_, p)| matches!(p, RegexPlan::Full))
        .map(|((_, id), _)| m.patterns[*id as usize].source.as_str())
        .collect()
}

struct Ctx<'a> {
    file: &'a str,
    line: usize,
    rule_id: &'a str,
    problems: &'a mut Vec<RuleProblem>,
    sets: &'a HashMap<String, (Vec<String>, String)>,
    builder: &'a mut MatcherBuilder,
    config: &'a Config,
}

impl Ctx<'_> {
    fn problem(&mut self, message: String) {
        self.problems.push(RuleProblem {
            file: self.file.to_string(),
            line: Some(self.line),
            rule_id: Some(self.rule_id.to_string()),
            message,
        });
    }

    fn terms(&mut self, list: &[String], what: &str) -> Terms {
        if list.is_empty() {
            self.problem(format!("{what} 的词语列表为空"));
        }
        let mut groups = Vec::new();
        for t in list {
            let members: Vec<String> = if let Some(name) = t.strip_prefix('@') {
                match self.sets.get(name) {
                    Some((m, _)) => m.clone(),
                    None => {
                        self.problem(format!("{what} 引用了未定义的词表 @{name}"));
                        continue;
                    }
                }
            } else {
                vec![t.clone()]
            };
            let mut group = Vec::new();
            for m in members {
                match self.builder.intern(&m) {
                    Ok(id) => group.push(id),
                    Err(e) => self.problem(format!("{what}：{e}")),
                }
            }
            groups.push(group);
        }
        Terms { groups }
    }

    fn threshold(&mut self, t: &Threshold) -> Option<f64> {
        match t {
            Threshold::Yuan(v) => Some(*v),
            Threshold::Named(name) => {
                let v = self.config.threshold(name);
                if v.is_none() {
                    self.problem(format!(
                        "金额阈值“{name}”未配置（可用：{}）",
                        self.config
                            .thresholds
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join("、")
                    ));
                }
                v
            }
        }
    }

    fn cond(&mut self, def: &ConditionDef, what: &str) -> Cond {
        let any = def.any.as_ref().map(|l| self.terms(l, what));
        let all = def.all.as_ref().map(|l| self.terms(l, what));
        let none = def.none.as_ref().map(|l| self.terms(l, what));
        let has_amount = def.amount_min.is_some()
            || def.amount_below.is_some()
            || def.amount_count.is_some()
            || def.amount_sum_min.is_some();
        let amount = has_amount.then(|| AmountCond {
            min: def.amount_min.as_ref().and_then(|t| self.threshold(t)),
            below: def.amount_below.as_ref().and_then(|t| self.threshold(t)),
            count: def.amount_count.unwrap_or(1).max(1),
            sum_min: def.amount_sum_min.as_ref().and_then(|t| self.threshold(t)),
        });
        let compare = def.compare.as_ref().map(|c| {
            if c.below.is_some() == c.at_least.is_some() {
                self.problem(format!(
                    "{what}：compare 需要 below 或 at_least 之一（比值，如 0.9）"
                ));
            }
            if c.below
                .or(c.at_least)
                .is_some_and(|r| r.is_nan() || r <= 0.0)
            {
                self.problem(format!("{what}：compare 的比值必须大于 0"));
            }
            CompareCond {
                left: self.terms(&c.left, what),
                right: self.terms(&c.right, what),
                below: c.below,
                at_least: c.at_least,
                gap: c.gap.unwrap_or(12),
            }
        });
        let or: Vec<Cond> = def
            .or
            .iter()
            .flatten()
            .map(|c| self.cond(c, what))
            .collect();
        let and: Vec<Cond> = def
            .and
            .iter()
            .flatten()
            .map(|c| self.cond(c, what))
            .collect();
        if any.is_none()
            && all.is_none()
            && none.is_none()
            && amount.is_none()
            && compare.is_none()
            && or.is_empty()
            && and.is_empty()
        {
            self.problem(format!(
                "{what} 中有一个条件没有任何检验（需要 any/all/none/amount_*/compare/or/and 之一）"
            ));
        }
        if def.count.is_some() && any.is_none() {
            self.problem(format!("{what}：count 只能与 any 一起使用"));
        }
        let same_person = def.same_person.unwrap_or(false);
        if same_person && any.is_none() && all.is_none() && none.is_none() {
            self.problem(format!("{what}：same_person 只能与 any/all/none 一起使用"));
        }
        if def.or.as_ref().is_some_and(|o| o.is_empty()) {
            self.problem(format!("{what}：or 列表为空"));
        }
        Cond {
            any,
            all,
            none,
            count: def.count.unwrap_or(1).max(1),
            scope: def.scope.unwrap_or_default(),
            scope_given: def.scope.is_some(),
            within: def.within,
            side: def.side,
            amount,
            compare,
            same_person,
            or,
            and,
        }
    }

    fn rule(&mut self, def: &RuleDef, kinds: &HashSet<&str>) -> Option<Rule> {
        let before = self.problems.len();
        if !kinds.contains(def.kind.as_str()) {
            self.problem(format!("未知的风险类型 kind = \"{}\"", def.kind));
        }
        if def.title.trim().is_empty() {
            self.problem("title 不能为空".into());
        }
        if !(0.0..=1.0).contains(&def.confidence) {
            self.problem(format!(
                "confidence 应在 0 到 1 之间，现为 {}",
                def.confidence
            ));
        }
        let mut decision_types = Vec::new();
        for t in &def.decision_types {
            match DecisionType::parse(t) {
                Some(d) => decision_types.push(d),
                None => self.problem(format!(
                    "decision_types 含未知取值“{t}”（可用 major_decision / personnel / major_project / large_fund）"
                )),
            }
        }
        if def.basis.is_empty() || def.basis.iter().any(|b| b.trim().is_empty()) {
            self.problem("basis（依据）不能为空".into());
        }
        let signal = self.terms(&def.signal, "signal");
        let require: Vec<Cond> = def
            .require
            .iter()
            .map(|c| self.cond(c, "require"))
            .collect();
        let unless: Vec<Cond> = def.unless.iter().map(|c| self.cond(c, "unless")).collect();
        if def.positive.len() < 2 {
            self.problem(format!(
                "至少需要 2 个正例（positive），现有 {}",
                def.positive.len()
            ));
        }
        if def.negative.len() < 2 {
            self.problem(format!(
                "至少需要 2 个反例（negative），现有 {}",
                def.negative.len()
            ));
        }
        for (i, p) in def.positive.iter().enumerate() {
            if !p.text.contains(&p.evidence) || p.evidence.is_empty() {
                self.problem(format!(
                    "正例 {} 的 evidence“{}”不是其 text 的片段",
                    i + 1,
                    p.evidence
                ));
            }
        }
        (self.problems.len() == before).then(|| Rule {
            id: def.id.get_ref().clone(),
            kind: def.kind.clone(),
            title: def.title.clone(),
            severity: def.severity,
            confidence: def.confidence,
            decision_types,
            basis: def.basis.clone(),
            signal,
            signal_in: def.signal_in.clone(),
            negatable: def.negatable,
            once: def.once,
            require,
            unless,
            positive: def.positive.clone(),
            negative: def.negative.clone(),
            file: self.file.to_string(),
            line: self.line,
        })
    }
}
