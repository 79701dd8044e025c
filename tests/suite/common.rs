//! Shared helpers: the shipped rule set loaded once, fixture paths.

use std::path::PathBuf;
use std::sync::LazyLock;

use wenxun::config::Config;
use wenxun::rules::RuleSet;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

pub static CONFIG: LazyLock<Config> = LazyLock::new(Config::default);

pub static RULES: LazyLock<RuleSet> =
    LazyLock::new(|| match RuleSet::load(&root().join("rules"), &CONFIG) {
        Ok(set) => set,
        Err(e) => panic!("shipped rule set does not load:\n{e}"),
    });

/// Finds the draft whose file name starts with `prefix` (e.g. "a07_").
pub fn draft(prefix: &str) -> PathBuf {
    let dir = fixture("drafts");
    let mut hits: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            n.starts_with(prefix) && !n.ends_with(".expect.toml")
        })
        .collect();
    hits.sort();
    hits.into_iter()
        .next()
        .unwrap_or_else(|| panic!("no draft {prefix}"))
}
