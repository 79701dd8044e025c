//! `wenxun bench`: throughput of the full check against jieba segmentation alone,
//! and the cost of the rule pass at 1x and 10x the rule count. `wenxun bench --pack`:
//! a 30-file meeting pack (.zip) uploaded through the workbench's own upload
//! pipeline (`app::upload`: unzip, ingest, analyse, originals to disk, rows and
//! audit into a temporary SQLite), beside the plain `check` of the same files.
//!
//! Figures are ratios between measurements taken in the same process on the same
//! text, because absolute timings on shared 2-core machines are noise. Each
//! measurement runs `rounds` times, taking turns with the others, and keeps its
//! fastest round.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::analyze::Staged;
use crate::analyze::amount::find_amounts;
use crate::analyze::decision::{classify, selected};
use crate::config::Config;
use crate::ingest::{self, Document};
use crate::rules::RuleSet;
use crate::segment::segmenter;

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>, max: usize) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if out.len() >= max {
            return;
        }
        if p.is_dir() {
            collect_files(&p, out, max);
        } else if p
            .extension()
            .is_some_and(|e| matches!(e.to_str(), Some("md" | "txt" | "docx" | "pdf")))
        {
            out.push(p);
        }
    }
}

fn timed(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

/// A copy of the rule directory with every rule repeated `times` times under new ids.
fn multiplied_rules(src: &Path, times: usize) -> Result<tempdir::Dir, String> {
    let dir = tempdir::Dir::new().map_err(|e| format!("无法创建临时目录：{e}"))?;
    let rd = std::fs::read_dir(src).map_err(|e| e.to_string())?;
    for entry in rd.filter_map(|e| e.ok()) {
        let p = entry.path();
        let name = entry.file_name();
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        let is_pack = p.extension().is_some_and(|e| e == "toml") && name != "kinds.toml";
        let out = if is_pack {
            let mut table: toml::Table =
                toml::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?;
            if let Some(toml::Value::Array(rules)) = table.get("rule").cloned() {
                let mut copies = Vec::with_capacity(rules.len() * times);
                for n in 0..times {
                    for r in &rules {
                        let mut r = r.clone();
                        if n > 0
                            && let Some(toml::Value::String(id)) =
                                r.as_table_mut().and_then(|t| t.get_mut("id"))
                        {
                            id.push_str(&format!(".copy{n}"));
                        }
                        copies.push(r);
                    }
                }
                table.insert("rule".into(), toml::Value::Array(copies));
            }
            toml::to_string(&table).map_err(|e| e.to_string())?
        } else {
            text
        };
        std::fs::write(dir.path().join(name), out).map_err(|e| e.to_string())?;
    }
    Ok(dir)
}

/// A throw-away directory removed on drop (keeps `tempfile` a dev-dependency).
pub(crate) mod tempdir {
    use std::path::{Path, PathBuf};

    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new() -> std::io::Result<Dir> {
            let p = std::env::temp_dir().join(format!(
                "wenxun-bench-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default()
            ));
            std::fs::create_dir_all(&p)?;
            Ok(Dir(p))
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// The corpus to measure on: the one given, else `../shared/corpus/bulk` when
/// present, else the fixture drafts.
pub(crate) fn corpus_or_default(corpus: Option<&Path>) -> PathBuf {
    match corpus {
        Some(d) => d.to_path_buf(),
        None => {
            let bulk = PathBuf::from("../shared/corpus/bulk");
            if bulk.is_dir() {
                bulk
            } else {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/drafts")
            }
        }
    }
}

/// The rule pass alone: one scan of all terms, then every rule; the earlier stages
/// are computed once, outside the timing.
fn rule_pass(staged: &[(&Document, Staged)], set: &RuleSet) -> usize {
    staged
        .iter()
        .map(|(doc, s)| s.prepare(doc, set).run_all(set).len())
        .sum()
}

/// Runs the benchmark and returns the report as text.
pub fn run(
    corpus: Option<&Path>,
    max_files: usize,
    rounds: usize,
    rules: Option<&Path>,
    cfg: &Config,
) -> Result<String, String> {
    let set = crate::cli::load_rules(rules, cfg)?;
    let dir = corpus_or_default(corpus);
    let mut paths = Vec::new();
    collect_files(&dir, &mut paths, max_files);
    let files: Vec<(String, Vec<u8>)> = paths
        .iter()
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().into_owned();
            Some((name, std::fs::read(p).ok()?))
        })
        .collect();
    if files.is_empty() {
        return Err(format!("语料目录 {} 中没有可读文件", dir.display()));
    }
    let docs: Vec<Document> = files
        .iter()
        .filter_map(|(n, b)| ingest::read_bytes(n, b, &cfg.limits).ok())
        .collect();
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let mb = bytes as f64 / (1024.0 * 1024.0);
    let seg = segmenter();

    let staged: Vec<(&Document, Staged)> = docs.iter().map(|d| (d, Staged::new(d, cfg))).collect();

    let tmp = multiplied_rules(&set.dir, 10)?;
    let set10 = RuleSet::load(tmp.path(), cfg).map_err(|e| e.to_string())?;
    let mut findings = 0;
    let mut hits1 = 0;
    let mut hits10 = 0;
    // Fastest of `rounds`, the measurements taking turns within each round, so
    // that a burst of load from elsewhere on a shared machine falls on all of them
    // rather than on whichever ran during it.
    let mut t = [Duration::MAX; 7];
    for _ in 0..rounds.max(1) {
        // The baseline: jieba segmentation (HMM on, as the pipeline uses it) alone.
        t[0] = t[0].min(timed(|| {
            for d in &docs {
                std::hint::black_box(seg.boundaries(&d.text));
            }
        }));
        t[1] = t[1].min(timed(|| {
            findings = 0;
            for (n, b) in &files {
                if let Ok(doc) = ingest::read_bytes(n, b, &cfg.limits) {
                    findings += crate::analyze::analyze(&doc, &set, cfg).findings.len();
                }
            }
        }));
        // For comparison: the full check plus jieba over the whole text, as the
        // check ran before it segmented only the lines its word-bounded terms need.
        t[2] = t[2].min(timed(|| {
            for (n, b) in &files {
                if let Ok(doc) = ingest::read_bytes(n, b, &cfg.limits) {
                    std::hint::black_box(seg.boundaries(&doc.text));
                    std::hint::black_box(crate::analyze::analyze(&doc, &set, cfg));
                }
            }
        }));
        t[3] = t[3].min(timed(|| {
            hits1 = std::hint::black_box(rule_pass(&staged, &set));
        }));
        // The other stages, each alone, to show where the full check spends its time.
        t[4] = t[4].min(timed(|| {
            for (n, b) in &files {
                let _ = std::hint::black_box(ingest::read_bytes(n, b, &cfg.limits));
            }
        }));
        t[5] = t[5].min(timed(|| {
            for d in &docs {
                let amounts = find_amounts(&d.text);
                std::hint::black_box(selected(&classify(d, &amounts, cfg)));
            }
        }));
        t[6] = t[6].min(timed(|| {
            hits10 = std::hint::black_box(rule_pass(&staged, &set10));
        }));
    }
    let [
        t_seg,
        t_full,
        t_full_seg,
        t_rules1,
        t_ingest,
        t_classify,
        t_rules10,
    ] = t;
    let mbps = |d: Duration| mb / d.as_secs_f64().max(1e-9);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "语料：{}（{} 个文件，抽取后 {:.2} MiB）；各项轮流运行 {} 轮，每项取最快一轮",
        dir.display(),
        docs.len(),
        mb,
        rounds
    );
    let _ = writeln!(
        out,
        "规则：{} 条（10 倍：{} 条）",
        set.rules.len(),
        set10.rules.len()
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "{:<44} {:>10} {:>10}", "测量", "MiB/s", "耗时");
    let row = |o: &mut String, name: &str, d: Duration| {
        let _ = writeln!(
            o,
            "{:<40} {:>10.2} {:>9.0}ms",
            name,
            mbps(d),
            d.as_secs_f64() * 1000.0
        );
    };
    row(&mut out, "基线：jieba 分词（仅分词）", t_seg);
    row(
        &mut out,
        "完整审阅（抽取+按需分词+分类+规则+问询点生成）",
        t_full,
    );
    row(&mut out, "  其中：抽取与结构识别", t_ingest);
    row(&mut out, "  其中：金额抽取与三重一大分类", t_classify);
    row(&mut out, "  其中：规则遍（词语扫描+规则求值）", t_rules1);
    row(&mut out, "对照：完整审阅 + 整篇 jieba 分词", t_full_seg);
    row(&mut out, "规则遍（10 倍规则）", t_rules10);
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "完整审阅吞吐量 / 分词吞吐量 = {:.2}（目标 ≥ 0.50）",
        t_seg.as_secs_f64() / t_full.as_secs_f64().max(1e-9)
    );
    let _ = writeln!(
        out,
        "对照：（完整审阅 + 整篇分词）吞吐量 / 分词吞吐量 = {:.2}",
        t_seg.as_secs_f64() / t_full_seg.as_secs_f64().max(1e-9)
    );
    let _ = writeln!(
        out,
        "10 倍规则耗时 / 1 倍规则耗时 = {:.2}（目标 ≤ 2.00）",
        t_rules10.as_secs_f64() / t_rules1.as_secs_f64().max(1e-9)
    );
    let _ = writeln!(
        out,
        "（完整审阅共产生问询要点 {findings} 条；规则命中 1 倍 {hits1} 次、10 倍 {hits10} 次）"
    );
    Ok(out)
}

/// The files of a meeting pack: `n` files from `paths`, cycling when there are
/// fewer; a repeated text file gets trailing newlines so every original is distinct
/// (a repeated .docx/.pdf would be stored once, as the workbench deduplicates).
fn pack_members(paths: &[PathBuf], n: usize) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        let Some(p) = paths.get(k % paths.len().max(1)) else {
            break;
        };
        let Ok(mut bytes) = std::fs::read(p) else {
            continue;
        };
        let copy = k / paths.len();
        let name = p.file_name().unwrap_or_default().to_string_lossy();
        if copy > 0 && p.extension().is_some_and(|e| e == "txt" || e == "md") {
            bytes.extend(std::iter::repeat_n(b'\n', copy));
        }
        out.push((format!("{k:02}_{name}"), bytes));
    }
    out
}

fn zip_pack(members: &[(String, Vec<u8>)]) -> Result<Vec<u8>, String> {
    use std::io::Write as _;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in members {
        zip.start_file(
            format!("材料/{name}"),
            zip::write::SimpleFileOptions::default(),
        )
        .map_err(|e| e.to_string())?;
        zip.write_all(bytes).map_err(|e| e.to_string())?;
    }
    Ok(zip.finish().map_err(|e| e.to_string())?.into_inner())
}

/// One upload of the pack into a fresh data directory, as `serve` would store it.
/// Returns the elapsed time of the upload alone and the files stored.
fn upload_pack_once(
    rt: &tokio::runtime::Runtime,
    set: &std::sync::Arc<RuleSet>,
    cfg: &Config,
    pack: &[u8],
) -> Result<(Duration, usize), String> {
    use crate::app::{self, App, Destination, Settings, Upload};
    use crate::store::Actor;
    use crate::store::meetings::{self, MeetingKind, NewMeeting};
    let dir = tempdir::Dir::new().map_err(|e| format!("无法创建临时目录：{e}"))?;
    rt.block_on(async {
        let app = App::build(
            cfg.clone(),
            dir.path(),
            std::sync::Arc::clone(set),
            Settings::default(),
        )
        .await
        .map_err(|e| e.to_string())?;
        let actor = Actor::system();
        let meeting = meetings::create(
            &app.store,
            &actor,
            &NewMeeting {
                title: "基准：县政府常务会议".into(),
                kind: MeetingKind::GovernmentExecutive,
                session_label: String::new(),
                date: "2026-11-26".into(),
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        let upload = Upload {
            name: "会议材料.zip".into(),
            bytes: pack.to_vec(),
        };
        let t = Instant::now();
        let outcomes = app::upload(
            &app,
            &actor,
            Destination::Meeting {
                meeting_id: meeting.id,
                title: None,
                unit: String::new(),
            },
            vec![upload],
        )
        .await
        .map_err(|e| e.to_string())?;
        let elapsed = t.elapsed();
        app.store.pool.close().await;
        Ok((
            elapsed,
            outcomes.iter().filter(|o| o.stored.is_some()).count(),
        ))
    })
}

/// `wenxun bench --pack`: the meeting-pack upload against the plain check.
pub fn run_pack(
    corpus: Option<&Path>,
    files: usize,
    rounds: usize,
    rules: Option<&Path>,
    cfg: &Config,
) -> Result<String, String> {
    let set = std::sync::Arc::new(crate::cli::load_rules(rules, cfg)?);
    let dir = match corpus {
        Some(d) => d.to_path_buf(),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/drafts"),
    };
    let mut paths = Vec::new();
    collect_files(&dir, &mut paths, files);
    if paths.is_empty() {
        return Err(format!("语料目录 {} 中没有可读文件", dir.display()));
    }
    let members = pack_members(&paths, files);
    let pack = zip_pack(&members)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("无法启动异步运行时：{e}"))?;

    // What `wenxun check` does per file, from the same bytes (no disk reads).
    let mut readable = 0;
    let mut t_check = Duration::MAX;
    let mut t_pack = Duration::MAX;
    let mut stored = 0;
    for _ in 0..rounds.max(1) {
        t_check = t_check.min(timed(|| {
            readable = 0;
            for (name, bytes) in &members {
                if let Ok(doc) = ingest::read_bytes(name, bytes, &cfg.limits) {
                    readable += 1;
                    std::hint::black_box(crate::check::check_document(
                        name.clone(),
                        doc,
                        &set,
                        cfg,
                    ));
                }
            }
        }));
        let (d, n) = upload_pack_once(&rt, &set, cfg, &pack)?;
        t_pack = t_pack.min(d);
        stored = n;
    }
    let per_s = |d: Duration, n: usize| n as f64 / d.as_secs_f64().max(1e-9);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "材料包：{} 个文件（取自 {}，{:.2} MiB 压缩包）；两项轮流运行 {} 轮，每项取最快一轮",
        members.len(),
        dir.display(),
        pack.len() as f64 / (1024.0 * 1024.0),
        rounds
    );
    let _ = writeln!(out);
    // Labels last: CJK text breaks fixed-width columns.
    let _ = writeln!(out, "{:>8} {:>10}  测量", "秒", "文件/秒");
    let _ = writeln!(
        out,
        "{:>9.2} {:>12.1}  check（抽取+审阅，逐个文件）",
        t_check.as_secs_f64(),
        per_s(t_check, readable)
    );
    let _ = writeln!(
        out,
        "{:>9.2} {:>12.1}  工作台上传材料包（解压+审阅+存原件+入库+审计，临时 SQLite）",
        t_pack.as_secs_f64(),
        per_s(t_pack, stored)
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "上传耗时 / check 耗时 = {:.2}（可读 {readable} 个，入库 {stored} 个）",
        t_pack.as_secs_f64() / t_check.as_secs_f64().max(1e-9)
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_pack_goes_through_the_upload_pipeline() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let drafts = root.join("tests/fixtures/drafts");
        let mut paths = Vec::new();
        collect_files(&drafts, &mut paths, 2);
        // Cycling makes distinct originals of repeated text files.
        let members = pack_members(&paths, 4);
        assert_eq!(members.len(), 4);
        assert_ne!(members[0].1, members[2].1);
        assert!(members[2].0.starts_with("02_"));
        let report = run_pack(
            Some(&drafts),
            3,
            1,
            Some(&root.join("rules")),
            &Config::default(),
        )
        .expect("bench runs");
        assert!(report.contains("可读 3 个，入库 3 个"), "{report}");
        assert!(report.contains("文件/秒"));
    }
}
