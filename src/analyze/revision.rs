//! Revised drafts (修订稿): what changed between two versions of a document, clause
//! by clause, and which inquiry points of the earlier version the new one still
//! raises.
//!
//! Both versions are compared as their stored paragraphs (one block per line of the
//! extracted text, each with its clause path). Paragraphs are aligned in order by a
//! weighted longest-common-subsequence: two paragraphs pair up when they carry the
//! same clause path (第X条, 一、（一）…), or — for
//! unnumbered paragraphs, or clauses renumbered by an insertion — when their texts
//! are similar enough on their own (Dice coefficient over character bigrams, which
//! needs no word segmentation and treats Chinese fairly). Changed paragraphs get a
//! word-level inline diff over jieba tokens.
//!
//! An earlier point *persists* when the new version has a finding of the same risk
//! kind in the aligned clause, or with similar evidence anywhere; it is *resolved*
//! when there is none. A manual point without a rule behind it persists when its
//! quote is still in the new text (it is carried over to that place). Findings that
//! continue no earlier point are *new*. This module only decides; `store` applies
//! the decisions with the audit trail.

use serde::Serialize;

use super::Finding;
use crate::segment::segmenter;

/// One non-empty paragraph of a document version.
#[derive(Debug, Clone, PartialEq)]
pub struct Para {
    /// Character offset of the paragraph in the document text.
    pub start: usize,
    pub end: usize,
    pub clause: String,
    pub text: String,
}

/// The non-empty paragraphs of `text` with the clause path of each.
pub fn paragraphs(text: &str, clauses: &[(usize, usize, String)]) -> Vec<Para> {
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut clause = String::new();
    for line in text.split('\n') {
        let n = line.chars().count();
        if let Some((_, _, c)) = clauses.iter().find(|(s, _, _)| *s == start) {
            clause = c.clone();
        }
        if !line.trim().is_empty() {
            out.push(Para {
                start,
                end: start + n,
                clause: clause.clone(),
                text: line.to_string(),
            });
        }
        start += n + 1;
    }
    out
}

/// The paragraph without a leading label that only restates its clause path
/// (`第五条 …` under `第五条`), so a renumbered clause still compares equal.
fn body(p: &Para) -> &str {
    let tails = p.clause.char_indices().map(|(i, _)| &p.clause[i..]);
    for tail in tails {
        if tail.chars().count() >= 2
            && let Some(rest) = p.text.strip_prefix(tail)
        {
            return rest.trim_start();
        }
    }
    p.text.trim()
}

fn bigrams(s: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
    let mut v: Vec<(char, char)> = if chars.len() < 2 {
        chars.iter().map(|&c| (c, c)).collect()
    } else {
        chars.windows(2).map(|w| (w[0], w[1])).collect()
    };
    v.sort_unstable();
    v
}

/// Dice coefficient of two sorted bigram multisets.
fn dice(a: &[(char, char)], b: &[(char, char)]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// Text similarity in [0, 1] (1 = same characters in the same pairs).
pub fn similarity(a: &str, b: &str) -> f64 {
    dice(&bigrams(a), &bigrams(b))
}

/// Above this many paragraph pairs the alignment only pairs identical paragraphs
/// and equal clause paths (a 2 000-paragraph draft is not a meeting document).
const MAX_ALIGN_CELLS: usize = 1_500_000;

/// Pairs paragraphs of two versions in order: `(Some(i), Some(j))` for a pair,
/// `(Some(i), None)` for a removed and `(None, Some(j))` for an added paragraph.
pub fn align(old: &[Para], new: &[Para]) -> Vec<(Option<usize>, Option<usize>)> {
    let (n, m) = (old.len(), new.len());
    let ob: Vec<_> = old.iter().map(|p| bigrams(body(p))).collect();
    let nb: Vec<_> = new.iter().map(|p| bigrams(body(p))).collect();
    let full = n.saturating_mul(m) <= MAX_ALIGN_CELLS;
    let weight = |i: usize, j: usize| -> f64 {
        let (a, b) = (&old[i], &new[j]);
        let keyed = !a.clause.is_empty() && a.clause == b.clause;
        if body(a) == body(b) {
            return if keyed { 2.1 } else { 2.0 };
        }
        if !full {
            return if keyed { 0.3 } else { 0.0 };
        }
        // The same clause path pairs even when rewritten; a renumbered clause pairs
        // with its unchanged text instead, which weighs more.
        let sim = dice(&ob[i], &nb[j]);
        if keyed {
            0.3 + sim
        } else if sim >= 0.5 {
            sim
        } else {
            0.0
        }
    };
    // dp[i][j]: best total weight aligning old[i..] with new[j..].
    let mut dp = vec![0.0f64; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    let mut w = vec![0.0f64; n * m];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let wij = weight(i, j);
            w[i * m + j] = wij;
            let mut best = dp[at(i + 1, j)].max(dp[at(i, j + 1)]);
            if wij > 0.0 {
                best = best.max(dp[at(i + 1, j + 1)] + wij);
            }
            dp[at(i, j)] = best;
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        let wij = w[i * m + j];
        if wij > 0.0 && (dp[at(i, j)] - (dp[at(i + 1, j + 1)] + wij)).abs() < 1e-9 {
            out.push((Some(i), Some(j)));
            i += 1;
            j += 1;
        } else if (dp[at(i, j)] - dp[at(i + 1, j)]).abs() < 1e-9 {
            out.push((Some(i), None));
            i += 1;
        } else {
            out.push((None, Some(j)));
            j += 1;
        }
    }
    out.extend((i..n).map(|i| (Some(i), None)));
    out.extend((j..m).map(|j| (None, Some(j))));
    out
}

/// What happened to a paragraph between versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Same,
    Changed,
    Added,
    Removed,
}

/// A run of an inline diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Equal,
    Insert,
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Piece {
    pub op: Op,
    pub text: String,
}

/// Above this many token pairs a changed paragraph shows as removed + added text.
const MAX_DIFF_CELLS: usize = 1_000_000;

/// jieba tokens of `s`, whitespace included, so the pieces join back to `s`.
fn tokens(s: &str) -> Vec<&str> {
    let b = segmenter().boundaries(s);
    b.windows(2)
        .map(|w| &s[w[0]..w[1]])
        .filter(|t| !t.is_empty())
        .collect()
}

fn push(out: &mut Vec<Piece>, op: Op, text: &str) {
    if text.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(p) if p.op == op => p.text.push_str(text),
        _ => out.push(Piece {
            op,
            text: text.to_string(),
        }),
    }
}

/// A word-level diff of `a` → `b` (longest common subsequence of jieba tokens).
pub fn inline_diff(a: &str, b: &str) -> Vec<Piece> {
    let (ta, tb) = (tokens(a), tokens(b));
    let pre = ta.iter().zip(&tb).take_while(|(x, y)| x == y).count();
    let suf = ta[pre..]
        .iter()
        .rev()
        .zip(tb[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (xa, xb) = (&ta[pre..ta.len() - suf], &tb[pre..tb.len() - suf]);
    let mut out = Vec::new();
    push(&mut out, Op::Equal, &ta[..pre].concat());
    let (n, m) = (xa.len(), xb.len());
    if n.saturating_mul(m) > MAX_DIFF_CELLS {
        push(&mut out, Op::Delete, &xa.concat());
        push(&mut out, Op::Insert, &xb.concat());
    } else {
        // lcs[i][j]: LCS length of xa[i..] and xb[j..].
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        let at = |i: usize, j: usize| i * (m + 1) + j;
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[at(i, j)] = if xa[i] == xb[j] {
                    lcs[at(i + 1, j + 1)] + 1
                } else {
                    lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && xa[i] == xb[j] {
                push(&mut out, Op::Equal, xa[i]);
                i += 1;
                j += 1;
            } else if j < m && (i == n || lcs[at(i, j + 1)] >= lcs[at(i + 1, j)]) {
                push(&mut out, Op::Insert, xb[j]);
                j += 1;
            } else {
                push(&mut out, Op::Delete, xa[i]);
                i += 1;
            }
        }
    }
    push(&mut out, Op::Equal, &ta[ta.len() - suf..].concat());
    out
}

/// One row of the clause-by-clause comparison.
#[derive(Debug, Clone, Serialize)]
pub struct ClauseChange {
    pub change: Change,
    pub old_clause: String,
    pub new_clause: String,
    pub old_text: String,
    pub new_text: String,
    /// The inline diff of a changed paragraph (empty otherwise).
    pub pieces: Vec<Piece>,
}

/// Counts of a comparison, for summaries and the audit trail.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub same: usize,
    pub changed: usize,
    pub added: usize,
    pub removed: usize,
}

/// Compares two versions paragraph by paragraph, in document order.
pub fn compare(old: &[Para], new: &[Para]) -> Vec<ClauseChange> {
    align(old, new)
        .into_iter()
        .map(|pair| match pair {
            (Some(i), Some(j)) => {
                let (a, b) = (&old[i], &new[j]);
                let same = a.text == b.text;
                ClauseChange {
                    change: if same { Change::Same } else { Change::Changed },
                    old_clause: a.clause.clone(),
                    new_clause: b.clause.clone(),
                    old_text: a.text.clone(),
                    new_text: b.text.clone(),
                    pieces: if same {
                        Vec::new()
                    } else {
                        inline_diff(&a.text, &b.text)
                    },
                }
            }
            (Some(i), None) => ClauseChange {
                change: Change::Removed,
                old_clause: old[i].clause.clone(),
                new_clause: String::new(),
                old_text: old[i].text.clone(),
                new_text: String::new(),
                pieces: Vec::new(),
            },
            (None, Some(j)) => ClauseChange {
                change: Change::Added,
                old_clause: String::new(),
                new_clause: new[j].clause.clone(),
                old_text: String::new(),
                new_text: new[j].text.clone(),
                pieces: Vec::new(),
            },
            (None, None) => unreachable!("align never yields an empty pair"),
        })
        .collect()
}

pub fn summarise(changes: &[ClauseChange]) -> Summary {
    let mut s = Summary::default();
    for c in changes {
        match c.change {
            Change::Same => s.same += 1,
            Change::Changed => s.changed += 1,
            Change::Added => s.added += 1,
            Change::Removed => s.removed += 1,
        }
    }
    s
}

/// An inquiry point of the earlier version, as the re-check sees it.
#[derive(Debug, Clone)]
pub struct EarlierPoint {
    pub id: i64,
    /// Risk kind ("" for a manual point the reviewer did not classify).
    pub kind: String,
    pub manual: bool,
    pub start: usize,
    pub quote: String,
}

/// What the new version says about an earlier point.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// 仍存在: the new version's finding (index into the new findings) continues it.
    Persists(usize),
    /// 仍存在: a manual point whose quote is still in the new text at these char offsets.
    Carried { start: usize, end: usize },
    /// 修订后已消除.
    Resolved,
}

/// Evidence this similar to the earlier quote counts as the same issue even when
/// the clause moved.
const SIMILAR_EVIDENCE: f64 = 0.6;

/// Decides every earlier point against the new version's findings. Returns one
/// verdict per point (same order) and, per new finding, the earlier points it
/// continues (empty for a new finding).
pub fn recheck(
    old: &[Para],
    new: &[Para],
    new_text: &str,
    points: &[EarlierPoint],
    findings: &[Finding],
) -> (Vec<Verdict>, Vec<Vec<i64>>) {
    let pairs = align(old, new);
    let aligned_to = |offset: usize| -> Option<&Para> {
        let i = old
            .iter()
            .position(|p| p.start <= offset && offset < p.end.max(p.start + 1))?;
        pairs
            .iter()
            .find(|(a, _)| *a == Some(i))
            .and_then(|(_, b)| b.map(|j| &new[j]))
    };
    let mut continues = vec![Vec::new(); findings.len()];
    let verdicts = points
        .iter()
        .map(|p| {
            let target = aligned_to(p.start);
            let mut best: Option<(f64, usize)> = None;
            if !p.kind.is_empty() {
                for (k, f) in findings.iter().enumerate() {
                    if f.kind != p.kind {
                        continue;
                    }
                    let sim = similarity(&p.quote, &f.quote);
                    let score = match target {
                        Some(t) if t.start <= f.start && f.start < t.end.max(t.start + 1) => {
                            2.0 + sim
                        }
                        Some(t) if !t.clause.is_empty() && t.clause == f.clause => 1.5 + sim,
                        _ if sim >= SIMILAR_EVIDENCE => sim,
                        _ => continue,
                    };
                    if best.is_none_or(|(s, _)| score > s) {
                        best = Some((score, k));
                    }
                }
            }
            if let Some((_, k)) = best {
                continues[k].push(p.id);
                return Verdict::Persists(k);
            }
            if p.manual && !p.quote.is_empty() {
                // Prefer the quote inside the aligned paragraph, else anywhere.
                let found = target
                    .and_then(|t| {
                        t.text
                            .find(&p.quote)
                            .map(|b| t.start + t.text[..b].chars().count())
                    })
                    .or_else(|| {
                        new_text
                            .find(&p.quote)
                            .map(|b| new_text[..b].chars().count())
                    });
                if let Some(start) = found {
                    return Verdict::Carried {
                        start,
                        end: start + p.quote.chars().count(),
                    };
                }
            }
            Verdict::Resolved
        })
        .collect();
    (verdicts, continues)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::model::Severity;

    fn doc(lines: &[&str]) -> (String, Vec<(usize, usize, String)>) {
        let text = lines.join("\n");
        let mut clauses = Vec::new();
        let mut start = 0;
        let mut current = String::new();
        for l in lines {
            let n = l.chars().count();
            if let Some(end) = l.find('条')
                && l.starts_with('第')
            {
                current = l[..end + '条'.len_utf8()].to_string();
            }
            clauses.push((start, start + n, current.clone()));
            start += n + 1;
        }
        (text, clauses)
    }

    fn paras(lines: &[&str]) -> Vec<Para> {
        let (t, c) = doc(lines);
        paragraphs(&t, &c)
    }

    #[test]
    fn paragraphs_carry_clause_paths_and_offsets() {
        let p = paras(&["标题", "", "第一条 总则。", "续段。"]);
        assert_eq!(p.len(), 3);
        assert_eq!((p[1].start, p[1].clause.as_str()), (4, "第一条"));
        assert_eq!((p[2].start, p[2].clause.as_str()), (12, "第一条"));
        assert_eq!(body(&p[1]), "总则。");
    }

    #[test]
    fn clauses_align_by_path_and_renumbered_ones_by_text() {
        let old = paras(&[
            "第一条 为规范项目管理，制定本办法。",
            "第二条 项目直接委托县城投公司实施。",
            "第三条 本办法自印发之日起施行。",
        ]);
        let new = paras(&[
            "第一条 为规范项目管理，制定本办法。",
            "第二条 项目通过公共资源交易中心公开招标确定实施单位。",
            "第三条 资金实行专户管理，专款专用。",
            "第四条 本办法自印发之日起施行。",
        ]);
        let rows = compare(&old, &new);
        let kinds: Vec<Change> = rows.iter().map(|r| r.change).collect();
        assert_eq!(
            kinds,
            [
                Change::Same,
                Change::Changed,
                Change::Added,
                Change::Changed
            ]
        );
        assert_eq!(rows[1].old_clause, "第二条");
        assert_eq!(rows[1].new_clause, "第二条");
        // The renumbered clause pairs with its own text, not with the new 第三条.
        assert_eq!(rows[3].old_clause, "第三条");
        assert_eq!(rows[3].new_clause, "第四条");
        assert_eq!(
            summarise(&rows),
            Summary {
                same: 1,
                changed: 2,
                added: 1,
                removed: 0
            }
        );
    }

    #[test]
    fn unnumbered_paragraphs_align_by_similarity_or_count_as_removed() {
        let old = paras(&["会议原则同意该方案。", "由县财政局牵头落实。"]);
        let new = paras(&["会议原则同意该实施方案。", "另行研究。"]);
        let rows = compare(&old, &new);
        let kinds: Vec<Change> = rows.iter().map(|r| r.change).collect();
        assert_eq!(kinds, [Change::Changed, Change::Removed, Change::Added]);
    }

    #[test]
    fn inline_diff_marks_words_and_joins_back_to_both_texts() {
        let a = "项目直接委托县城投公司实施。";
        let b = "项目通过公开招标确定实施单位。";
        let pieces = inline_diff(a, b);
        let old: String = pieces
            .iter()
            .filter(|p| p.op != Op::Insert)
            .map(|p| p.text.as_str())
            .collect();
        let new: String = pieces
            .iter()
            .filter(|p| p.op != Op::Delete)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!((old.as_str(), new.as_str()), (a, b));
        assert_eq!(
            pieces[0],
            Piece {
                op: Op::Equal,
                text: "项目".into()
            }
        );
        assert!(
            pieces
                .iter()
                .any(|p| p.op == Op::Delete && p.text.contains("直接委托"))
        );
        assert!(
            pieces
                .iter()
                .any(|p| p.op == Op::Insert && p.text.contains("公开招标"))
        );
        assert_eq!(inline_diff("相同", "相同").len(), 1);
    }

    fn finding(kind: &str, start: usize, quote: &str, clause: &str) -> Finding {
        Finding {
            rule_id: "r".into(),
            rule_ids: vec!["r".into()],
            kind: kind.into(),
            kind_name: String::new(),
            title: String::new(),
            severity: Severity::High,
            confidence: 0.8,
            start,
            end: start + quote.chars().count(),
            quote: quote.into(),
            signal: String::new(),
            signal_start: start,
            signal_end: start,
            clause: clause.into(),
            question: String::new(),
            basis: vec![],
            amounts: vec![],
        }
    }

    #[test]
    fn earlier_points_persist_resolve_or_carry_over() {
        let old_lines = [
            "第一条 项目直接委托县城投公司实施。",
            "第二条 资金由指挥部统筹使用。",
            "第三条 有关事项另行研究。",
        ];
        let new_lines = [
            "第一条 项目通过公开招标确定实施单位。",
            "第二条 新增：资金由指挥部统筹使用，不设专户。",
            "第三条 有关事项另行研究。",
        ];
        let (old_text, oc) = doc(&old_lines);
        let (new_text, nc) = doc(&new_lines);
        let (old, new) = (paragraphs(&old_text, &oc), paragraphs(&new_text, &nc));
        let p = |id, kind: &str, start, quote: &str, manual| EarlierPoint {
            id,
            kind: kind.into(),
            manual,
            start,
            quote: quote.into(),
        };
        let points = [
            p(1, "bidding", 6, "直接委托", false),
            p(2, "funds", 25, "指挥部统筹使用", false),
            p(3, "", 40, "另行研究", true),
            p(4, "", 6, "直接委托县城投公司", true),
        ];
        let second = new.iter().find(|x| x.clause == "第二条").unwrap();
        let findings = [
            finding("funds", second.start + 7, "指挥部统筹使用", "第二条"),
            finding("personnel", 0, "任免", "第一条"),
        ];
        let (verdicts, continues) = recheck(&old, &new, &new_text, &points, &findings);
        assert_eq!(verdicts[0], Verdict::Resolved);
        assert_eq!(verdicts[1], Verdict::Persists(0));
        let third = new.iter().find(|x| x.clause == "第三条").unwrap();
        let at = third.start + 8;
        assert_eq!(
            verdicts[2],
            Verdict::Carried {
                start: at,
                end: at + 4
            }
        );
        assert_eq!(verdicts[3], Verdict::Resolved);
        assert_eq!(continues, vec![vec![2], vec![]]);
        let chars: Vec<char> = new_text.chars().collect();
        assert_eq!(chars[at..at + 4].iter().collect::<String>(), "另行研究");
    }

    #[test]
    fn similar_evidence_elsewhere_still_counts() {
        assert!(similarity("直接委托县城投公司实施", "直接委托县城投公司建设") > 0.6);
        assert!(similarity("直接委托", "公开招标") < 0.1);
        assert_eq!(similarity("", ""), 1.0);
    }
}
