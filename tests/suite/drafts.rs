//! The annotated fixture drafts (tests/fixtures/drafts/*.expect.toml), written as
//! a reviewer meets them and independently of the rules: recall with evidence on
//! the right sentence, nothing reported where the draft forbids or safeguards it,
//! and clean drafts kept quiet.

use std::sync::LazyLock;

use wenxun::rules::evaluate::{Summary, evaluate_dir, render};

use super::common::{CONFIG, RULES, fixture};

static SUMMARY: LazyLock<Summary> = LazyLock::new(|| {
    let s = evaluate_dir(&fixture("drafts"), &RULES, &CONFIG).expect("fixture dir");
    eprintln!("{}", render(&s));
    s
});

#[test]
fn there_are_at_least_25_annotated_drafts_in_every_format() {
    let docs = &SUMMARY.documents;
    assert!(docs.len() >= 25, "only {} annotated drafts", docs.len());
    for ext in [".docx", ".pdf", "_gbk.txt", ".md"] {
        assert!(docs.iter().any(|d| d.path.ends_with(ext)), "no {ext} draft");
    }
    assert!(docs.iter().filter(|d| d.clean).count() >= 5);
}

#[test]
fn every_draft_is_read_and_every_annotated_quote_is_in_the_extracted_text() {
    let errors: Vec<String> = SUMMARY
        .documents
        .iter()
        .filter_map(|d| d.error.as_ref().map(|e| format!("{}: {e}", d.path)))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn expected_inquiry_points_are_found_on_the_right_sentence() {
    let recall = SUMMARY.recall();
    assert!(
        recall >= MIN_RECALL,
        "recall {:.2} below {MIN_RECALL}:\n{}",
        recall,
        render(&SUMMARY)
    );
}

/// The fixtures were written without seeing the rules; the rules were then tuned on
/// their misses by generalising, so any regression below this is a real loss.
const MIN_RECALL: f64 = 0.95;

#[test]
fn nothing_is_reported_where_the_draft_forbids_or_safeguards_it() {
    let forbidden: Vec<String> = SUMMARY
        .documents
        .iter()
        .flat_map(|d| {
            d.forbidden
                .iter()
                .map(move |f| format!("{}: {} ({}) “{}”", d.path, f.kind, f.rule_id, f.quote))
        })
        .collect();
    assert!(forbidden.is_empty(), "{forbidden:#?}");
}

#[test]
fn clean_drafts_raise_at_most_one_low_point_each() {
    for d in SUMMARY.documents.iter().filter(|d| d.clean) {
        let serious: Vec<_> = d
            .unexpected
            .iter()
            .filter(|f| f.severity != "low")
            .collect();
        assert!(
            serious.is_empty() && d.unexpected.len() <= 1,
            "clean draft {} raised {:#?}",
            d.path,
            d.unexpected
        );
    }
}

#[test]
fn decision_types_match_the_reviewers_reading() {
    let total: usize = SUMMARY
        .documents
        .iter()
        .map(|d| d.decision_types_missing.len())
        .sum();
    let misses: Vec<String> = SUMMARY
        .documents
        .iter()
        .filter(|d| !d.decision_types_missing.is_empty())
        .map(|d| format!("{}: {:?}", d.path, d.decision_types_missing))
        .collect();
    let labels: usize = SUMMARY
        .documents
        .iter()
        .map(|d| d.decision_types_expected)
        .sum();
    // Some readings are debatable and annotators disagree among themselves: a
    // village asset-leasing plan with no money in its text counted as 大额资金, a
    // company's staff appraisal rules as 重要干部任免, leaders' speeches at a 推进会
    // or a 汇报提纲 counted as 重大事项决策 by some annotators and not by others.
    // Up to 1.5% of the annotated types may be missed; more is a regression.
    assert!(labels >= 500, "{labels} annotated types");
    assert!(
        total * 200 <= labels * 3,
        "{total} of {labels} missed: {misses:#?}"
    );
}
