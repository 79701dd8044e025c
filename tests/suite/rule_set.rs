//! The shipped rule set: coverage, self-tests, and loud failures on bad rule files.

use std::collections::BTreeSet;
use std::path::Path;

use wenxun::rules::RuleSet;
use wenxun::rules::examples;

use super::common::{CONFIG, RULES, root};

/// The 42 kind ids of the domain taxonomy (shared/domain/risk-kinds.toml).
const TAXONOMY: &[&str] = &[
    "procedure.collective_decision_missing",
    "procedure.legal_review_missing",
    "procedure.risk_assessment_missing",
    "procedure.public_participation_missing",
    "procedure.recusal_missing",
    "procedure.retroactive_approval",
    "procedure.party_prestudy_missing",
    "procedure.urgency_shortcut",
    "procedure.record_archiving_missing",
    "personnel.selection_procedure",
    "personnel.pending_complaint",
    "personnel.soe_governance",
    "personnel.concurrent_posts_pay",
    "personnel.kinship_avoidance",
    "personnel.recruitment_irregular",
    "personnel.pay_excess",
    "procurement.bidding_evasion",
    "procurement.bid_splitting",
    "procurement.single_source_abuse",
    "procurement.tailored_requirements",
    "project.scope_change",
    "project.approval_missing",
    "project.public_commercial_mix",
    "project.land_transfer",
    "project.hidden_debt",
    "funds.subsidy_eligibility",
    "funds.beneficiary_crosscheck",
    "funds.budget_missing",
    "funds.loans_guarantees",
    "funds.advance_payment",
    "funds.performance_evaluation_missing",
    "funds.preferential_policy",
    "funds.earmark_misuse",
    "assets.disposal_irregular",
    "assets.related_party",
    "drafting.vague_discretion",
    "drafting.oversight_missing",
    "drafting.fair_competition",
    "drafting.power_concentration",
    "drafting.ultra_vires",
    "integrity.eight_rules",
    "integrity.leader_interference",
];

#[test]
fn kinds_are_exactly_the_domain_taxonomy() {
    let ours: BTreeSet<&str> = RULES.kinds.iter().map(|k| k.id.as_str()).collect();
    let expected: BTreeSet<&str> = TAXONOMY.iter().copied().collect();
    assert_eq!(ours, expected);
    // When the shared taxonomy is beside the repo, it must agree too.
    let shared = root().join("../shared/domain/risk-kinds.toml");
    if let Ok(text) = std::fs::read_to_string(shared) {
        let ids: BTreeSet<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("id = \""))
            .map(|l| l.trim_end_matches('"').to_string())
            .collect();
        let ours: BTreeSet<String> = ours.iter().map(|s| s.to_string()).collect();
        assert_eq!(ours, ids);
    }
}

#[test]
fn every_kind_has_a_rule_and_there_are_at_least_80() {
    assert!(RULES.rules.len() >= 80, "only {} rules", RULES.rules.len());
    let uncovered = examples::uncovered_kinds(&RULES);
    assert!(uncovered.is_empty(), "kinds without rules: {uncovered:?}");
}

#[test]
fn every_rule_passes_its_own_examples() {
    let results = examples::run(&RULES);
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| {
            format!(
                "{}\n    {}",
                r.rule_id,
                r.false_negatives
                    .iter()
                    .chain(&r.false_positives)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n    ")
            )
        })
        .collect();
    assert!(
        failed.is_empty(),
        "rules failing their examples:\n{}",
        failed.join("\n")
    );
    for r in &results {
        assert!(
            r.positives >= 2 && r.negatives >= 2,
            "{} lacks examples",
            r.rule_id
        );
    }
}

#[test]
fn rules_version_is_a_stable_hash_of_the_files() {
    let again = RuleSet::load(&root().join("rules"), &CONFIG).expect("loads");
    assert_eq!(again.version, RULES.version);
    assert_eq!(RULES.version.len(), 16);
}

/// A rule directory with the shipped kinds and one pack of our own.
fn dir_with_pack(pack: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        root().join("rules/kinds.toml"),
        dir.path().join("kinds.toml"),
    )
    .expect("copy");
    std::fs::write(dir.path().join("pack.toml"), pack).expect("write");
    dir
}

const GOOD: &str = r#"
[[rule]]
id = "t.direct"
kind = "procurement.bidding_evasion"
title = "直接委托"
severity = "high"
confidence = 0.8
basis = ["《中华人民共和国招标投标法》第三条"]
signal = ["直接委托"]
unless = [ { scope = "document", any = ["公开招标"] } ]
question = "{{ clause }}“{{ quote }}”的依据是什么？"
positive = [
  { text = "第五条 工程直接委托县城投公司实施。", evidence = "直接委托" },
  { text = "由县住建局直接委托设计单位。", evidence = "直接委托" },
]
negative = ["第五条 工程严禁直接委托。", "工程直接委托。\n第六条 施工单位公开招标确定。"]
"#;

/// The example lines of `GOOD`, for tests that swap in their own examples.
const GOOD_POSITIVES: &str = "{ text = \"第五条 工程直接委托县城投公司实施。\", evidence = \"直接委托\" },\n  { text = \"由县住建局直接委托设计单位。\", evidence = \"直接委托\" },";
const GOOD_NEGATIVES: &str = "negative = [\"第五条 工程严禁直接委托。\", \"工程直接委托。\\n第六条 施工单位公开招标确定。\"]";

#[test]
fn the_example_lines_tests_replace_are_those_of_good() {
    assert!(GOOD.contains(GOOD_POSITIVES) && GOOD.contains(GOOD_NEGATIVES));
}

/// Loads `pack` and asserts that every one of its examples passes.
fn assert_examples_pass(pack: &str) {
    let dir = dir_with_pack(pack);
    let set = RuleSet::load(dir.path(), &CONFIG).expect("loads");
    let results = examples::run(&set);
    assert!(results.iter().all(|r| r.passed()), "{results:#?}");
}

fn load_err(pack: &str) -> String {
    let dir = dir_with_pack(pack);
    match RuleSet::load(dir.path(), &CONFIG) {
        Ok(_) => panic!("rule set should not load"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_valid_pack_loads_and_its_examples_pass() {
    let dir = dir_with_pack(GOOD);
    let set = RuleSet::load(dir.path(), &CONFIG).expect("loads");
    assert!(examples::run(&set).iter().all(|r| r.passed()));
}

#[test]
fn unknown_key_names_file_line_and_rule() {
    let bad = GOOD.replace("confidence = 0.8", "confidence = 0.8\nconfidance = 1");
    let msg = load_err(&bad);
    assert!(msg.contains("pack.toml:8"), "{msg}");
    assert!(msg.contains("t.direct"), "{msg}");
    assert!(msg.contains("confidance"), "{msg}");
}

#[test]
fn duplicate_ids_unknown_kinds_bad_regex_and_bad_templates_are_all_reported() {
    let second = GOOD
        .replace("procurement.bidding_evasion", "procurement.no_such_kind")
        .replace("signal = [\"直接委托\"]", "signal = [\"re:直接(委托\"]")
        .replace("{{ clause }}", "{{ clause ");
    let msg = load_err(&format!("{GOOD}\n{second}"));
    assert!(msg.contains("规则 id 重复"), "{msg}");
    let other = second.replace("t.direct", "t.other");
    let combined = format!("{GOOD}\n{other}");
    let msg = load_err(&combined);
    assert!(msg.contains("procurement.no_such_kind"), "{msg}");
    assert!(msg.contains("正则表达式"), "{msg}");
    assert!(msg.contains("问题模板"), "{msg}");
    assert!(msg.contains("t.other"), "{msg}");
    // Every problem carries the line of its rule.
    let line = |needle: &str| {
        let at = combined.find(needle).expect("needle");
        combined[..at].matches('\n').count() + 1
    };
    assert!(
        msg.contains(&format!(
            "pack.toml:{} 规则 t.other",
            line("id = \"t.other\"")
        )),
        "{msg}"
    );
}

#[test]
fn too_few_examples_and_misplaced_evidence_fail_loading() {
    let bad = GOOD
        .replace(
            "negative = [\"第五条 工程严禁直接委托。\", ",
            "negative = [",
        )
        .replace(
            "evidence = \"直接委托\" },\n  { text = \"由县住建局",
            "evidence = \"不在原文\" },\n  { text = \"由县住建局",
        );
    let msg = load_err(&bad);
    assert!(msg.contains("至少需要 2 个反例"), "{msg}");
    assert!(msg.contains("不在原文"), "{msg}");
}

#[test]
fn unknown_set_and_unconfigured_threshold_are_reported() {
    let bad = GOOD.replace(
        "any = [\"公开招标\"]",
        "any = [\"@no_such_set\"], amount_min = \"county_special\"",
    );
    let msg = load_err(&bad);
    assert!(msg.contains("@no_such_set"), "{msg}");
    assert!(msg.contains("county_special"), "{msg}");
}

#[test]
fn a_broken_toml_file_is_located() {
    let msg = load_err("[[rule]]\nid = \"x\"\nkind = \n");
    assert!(msg.contains("pack.toml:3"), "{msg}");
}

#[test]
fn a_missing_rules_directory_is_an_error_not_a_panic() {
    let err = RuleSet::load(Path::new("/nonexistent/wenxun-rules"), &CONFIG);
    assert!(err.is_err());
}

#[test]
fn a_compare_needs_exactly_one_bound() {
    let both = GOOD.replace(
        "unless = [ { scope = \"document\", any = [\"公开招标\"] } ]",
        "require = [ { scope = \"document\", compare = { left = [\"价款\"], right = [\"评估值\"], below = 0.9, at_least = 0.1 } } ]",
    );
    let msg = load_err(&both);
    assert!(msg.contains("compare"), "{msg}");
    assert!(msg.contains("t.direct"), "{msg}");
}

#[test]
fn a_compare_reads_labelled_amounts_on_both_sides() {
    let cheap = GOOD
        .replace("signal = [\"直接委托\"]", "signal = [\"出让价款\"]")
        .replace(
            "unless = [ { scope = \"document\", any = [\"公开招标\"] } ]",
            "require = [ { scope = \"document\", compare = { left = [\"定为\"], right = [\"评估值\"], below = 0.9 } } ]",
        )
        .replace(
            GOOD_POSITIVES,
            "{ text = \"一、经营权评估值为2860万元。\\n二、出让价款定为1900万元。\", evidence = \"出让价款定为1900万元\" },\n  { text = \"（一）评估值为100万元，出让价款定为80万元。\", evidence = \"出让价款定为80万元\" },",
        )
        .replace(
            GOOD_NEGATIVES,
            // At 95% of the appraisal; a price with no appraisal to compare with;
            // an appraisal that labels the price itself (nearest label wins).
            "negative = [\"一、评估值为2000万元。\\n二、出让价款定为1900万元。\", \"二、出让价款定为1900万元。\", \"二、出让价款按评估值2000万元确定。\"]",
        );
    assert_examples_pass(&cheap);
}

#[test]
fn same_person_ties_a_relation_in_one_sentence_to_a_role_in_another() {
    let linked = GOOD
        .replace("id = \"t.direct\"", "id = \"t.recusal\"")
        .replace("kind = \"procurement.bidding_evasion\"", "kind = \"procedure.recusal_missing\"")
        .replace("signal = [\"直接委托\"]", "signal = [\"牵头\"]")
        .replace(
            "unless = [ { scope = \"document\", any = [\"公开招标\"] } ]",
            "require = [ { scope = \"document\", any = [\"妻弟\", \"侄女\"], same_person = true } ]\n\
             unless = [ { scope = \"document\", any = [\"回避\"], same_person = true } ]",
        )
        .replace(
            GOOD_POSITIVES,
            "{ text = \"一、李某某系集团副总经理王明远的妻弟，在该公司任职。\\n二、评审小组由副总经理王明远牵头。\", evidence = \"牵头\" },\n  { text = \"洽谈由刘某某牵头。刘某某的侄女在乙方任财务。\", evidence = \"牵头\" },",
        )
        .replace(
            GOOD_NEGATIVES,
            // A relative of someone else; the same person, who steps aside; a role
            // sentence that names nobody.
            "negative = [\"一、李某某系集团副总经理王明远的妻弟。\\n二、评审小组由副总经理赵建国牵头。\", \"刘某某的侄女在乙方任财务。洽谈由刘某某牵头，刘某某已申请回避。\", \"王某的妻弟在乙方任职。评审小组由集团牵头组建。\"]",
        );
    assert_examples_pass(&linked);

    let bare = GOOD.replace(
        "unless = [ { scope = \"document\", any = [\"公开招标\"] } ]",
        "unless = [ { scope = \"document\", same_person = true } ]",
    );
    let msg = load_err(&bare);
    assert!(msg.contains("same_person"), "{msg}");
}

#[test]
fn a_problem_reported_and_reversed_in_a_rectification_report_is_not_risk_evidence() {
    let pack = GOOD
        .replace("signal = [\"直接委托\"]", "signal = [\"购物卡\"]")
        .replace(
            "unless = [ { scope = \"document\", any = [\"公开招标\"] } ]",
            "unless = [ { scope = \"sentence\", any = [\"批准\"] } ]",
        )
        .replace(
            GOOD_POSITIVES,
            // A proposal; and a "rectification" that ratifies instead of reversing.
            "{ text = \"关于春节慰问职工的请示\\n集团拟以节日慰问名义向职工发放购物卡。\", evidence = \"购物卡\" },\n  \
             { text = \"福利费使用问题整改报告\\n一、福利费问题\\n审计发现：集团向职工发放购物卡12万元。\\n整改情况：已补办审批手续，不再收回。\", evidence = \"购物卡\" },",
        )
        .replace(
            GOOD_NEGATIVES,
            "negative = [\"福利费使用问题整改方案\\n一、以节日慰问名义发放购物卡问题\\n问题表现：集团向职工发放购物卡12万元。\\n整改措施：已全部清退，集团已停止发放购物卡。\", \"关于春节慰问职工的请示\\n集团严禁发放购物卡。\"]",
        );
    assert_examples_pass(&pack);
}
