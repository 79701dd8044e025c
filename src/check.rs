//! Batch check: read and analyse several files, keeping going past bad ones.
//!
//! A file that cannot be read becomes a document entry with an `error` and no
//! findings, so one corrupt upload never hides the others' results; the caller
//! decides the exit code from [`CheckReport::failed`].

use std::path::Path;

use serde::Serialize;

use crate::analyze::decision::{Classification, DecisionType};
use crate::analyze::{AmountOut, Finding, analyze};
use crate::config::Config;
use crate::ingest::{self, Document, SourceFormat};
use crate::rules::RuleSet;

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub rules_version: String,
    pub documents: Vec<DocumentReport>,
}

impl CheckReport {
    pub fn failed(&self) -> usize {
        self.documents.iter().filter(|d| d.error.is_some()).count()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentReport {
    pub path: String,
    pub format: Option<SourceFormat>,
    pub title: Option<String>,
    pub chars: usize,
    pub decision_types: Vec<DecisionType>,
    pub classification: Vec<Classification>,
    pub amounts: Vec<AmountOut>,
    pub findings: Vec<Finding>,
    pub error: Option<String>,
    /// The extracted text, for renderers that show findings in context (not in JSON).
    #[serde(skip)]
    pub text: String,
    #[serde(skip)]
    pub document: Option<Document>,
}

impl DocumentReport {
    fn failed(path: String, error: String) -> Self {
        DocumentReport {
            path,
            format: None,
            title: None,
            chars: 0,
            decision_types: Vec::new(),
            classification: Vec::new(),
            amounts: Vec::new(),
            findings: Vec::new(),
            error: Some(error),
            text: String::new(),
            document: None,
        }
    }
}

/// Analyses an already-extracted document.
pub fn check_document(
    path: String,
    doc: Document,
    rules: &RuleSet,
    cfg: &Config,
) -> DocumentReport {
    let a = analyze(&doc, rules, cfg);
    DocumentReport {
        path,
        format: Some(doc.format),
        title: a.title,
        chars: a.chars,
        decision_types: a.decision_types,
        classification: a.classification,
        amounts: a.amounts,
        findings: a.findings,
        error: None,
        text: doc.text.clone(),
        document: Some(doc),
    }
}

/// Reads and analyses one file.
pub fn check_path(path: &Path, rules: &RuleSet, cfg: &Config) -> DocumentReport {
    let shown = path.display().to_string();
    match ingest::read_path(path, &cfg.limits) {
        Ok(doc) => check_document(shown, doc, rules, cfg),
        Err(e) => DocumentReport::failed(shown, e.to_string()),
    }
}

/// Reads and analyses every file, in order.
pub fn check_paths(paths: &[impl AsRef<Path>], rules: &RuleSet, cfg: &Config) -> CheckReport {
    CheckReport {
        rules_version: rules.version.clone(),
        documents: paths
            .iter()
            .map(|p| check_path(p.as_ref(), rules, cfg))
            .collect(),
    }
}
