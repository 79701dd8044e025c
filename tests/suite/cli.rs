//! The `wenxun` command line as a user runs it: output formats, exit codes, and
//! bad files reported without stopping the others.

use std::path::Path;
use std::process::{Command, Output};

use super::common::{draft, fixture, root};

fn wenxun(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wenxun"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run wenxun")
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn check_json_reports_docx_gbk_pdf_and_a_bad_file_with_exit_1() {
    let files = [
        draft("a07_"),
        draft("a05_"),
        draft("a08_"),
        fixture("bad/corrupt.docx"),
    ];
    let mut args = vec!["check".to_string(), "--format".into(), "json".into()];
    args.extend(files.iter().map(|p| s(p)));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = wenxun(&args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["rules_version"].as_str().map(str::len), Some(16));
    let docs = v["documents"].as_array().expect("documents");
    assert_eq!(docs.len(), 4);
    for d in &docs[..3] {
        assert!(d["error"].is_null(), "{d}");
        assert!(!d["decision_types"].as_array().expect("types").is_empty());
        let findings = d["findings"].as_array().expect("findings");
        assert!(!findings.is_empty(), "no findings for {}", d["path"]);
        for f in findings {
            for key in ["rule_id", "kind", "quote", "clause", "question"] {
                assert!(f[key].is_string(), "{key} in {f}");
            }
            assert!(["high", "medium", "low"].contains(&f["severity"].as_str().unwrap_or("")));
            assert!(f["start"].as_u64() < f["end"].as_u64());
            assert!(f["basis"].as_array().is_some_and(|b| !b.is_empty()));
        }
    }
    assert!(
        docs[3]["error"]
            .as_str()
            .is_some_and(|e| e.contains("损坏"))
    );
    assert!(docs[3]["findings"].as_array().is_some_and(|f| f.is_empty()));
}

#[test]
fn json_offsets_point_at_the_quote_in_the_extracted_text() {
    let path = draft("a01_");
    let out = wenxun(&["check", "--format", "json", &s(&path)]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let doc = wenxun::ingest::read_path(&path, &Default::default()).expect("reads");
    let chars: Vec<char> = doc.text.chars().collect();
    let findings = v["documents"][0]["findings"].as_array().expect("findings");
    assert!(!findings.is_empty());
    for f in findings {
        let (a, b) = (
            f["start"].as_u64().unwrap_or(0) as usize,
            f["end"].as_u64().unwrap_or(0) as usize,
        );
        let quoted: String = chars[a..b].iter().collect();
        assert_eq!(quoted, f["quote"].as_str().unwrap_or_default());
    }
}

#[test]
fn text_and_markdown_formats_show_evidence_and_questions() {
    let path = s(&draft("a02_"));
    let text = wenxun(&["check", &path]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("原文：") && text.contains("问询：") && text.contains("【"),
        "{text}"
    );
    let md = wenxun(&["check", "--format", "markdown", &path]);
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(
        md.contains("## ") && md.contains("**问询**") && md.contains("> "),
        "{md}"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(wenxun(&["check"]).status.code(), Some(2));
    assert_eq!(
        wenxun(&["check", "--format", "yaml", "x.txt"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(wenxun(&["no-such-command"]).status.code(), Some(2));
}

#[test]
fn a_broken_rule_directory_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        root().join("rules/kinds.toml"),
        dir.path().join("kinds.toml"),
    )
    .expect("copy");
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[rule]]\nid = \"x\"\nseverity = \"huge\"\n",
    )
    .expect("write");
    let out = wenxun(&["check", "--rules", &s(dir.path()), &s(&draft("a01_"))]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:3"), "{err}");
}

#[test]
fn rules_list_json_has_id_kind_severity_title() {
    let out = wenxun(&["rules", "list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let rules = v.as_array().expect("array");
    assert!(rules.len() >= 80);
    for r in rules {
        for key in ["id", "kind", "severity", "title"] {
            assert!(r[key].is_string(), "{key} in {r}");
        }
    }
}

#[test]
fn rules_test_passes_and_prints_the_table() {
    let out = wenxun(&["rules", "test"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("漏报") && text.contains("误报"));
    assert!(text.contains(" passed, 0 failed"));
}

#[test]
fn rules_explain_says_why_a_rule_fired_or_not() {
    let out = wenxun(&["check", "--format", "json", &s(&draft("a01_"))]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let rule = v["documents"][0]["findings"][0]["rule_id"]
        .as_str()
        .expect("a finding")
        .to_string();
    let out = wenxun(&["rules", "explain", &rule, &s(&draft("a01_"))]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(text.contains("命中") && text.contains("信号"), "{text}");
    let quiet = wenxun(&["rules", "explain", &rule, &s(&draft("a11_"))]);
    assert!(String::from_utf8_lossy(&quiet.stdout).contains("结论"));
    let unknown = wenxun(&["rules", "explain", "no.such.rule", &s(&draft("a01_"))]);
    assert_eq!(unknown.status.code(), Some(2));
}
