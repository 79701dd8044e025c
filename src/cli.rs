//! Command line: one function per subcommand; errors become exit codes here.
//!
//! Exit codes follow the batch convention: 0 when every file was read, 1 when some
//! file could not be (the others are still reported), 2 for usage errors and for a
//! rule set that does not load or whose examples fail.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::report::{self, Format};
use crate::rules::RuleSet;
use crate::rules::examples;

#[derive(Parser, Debug)]
#[command(
    name = "wenxun",
    version,
    about = "问询：“三重一大”议题草案廉政风险审阅与问询辅助工具"
)]
pub struct Cli {
    /// 配置文件（默认读取当前目录下的 wenxun.toml，如存在）
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// 审阅草案文件，输出问询要点
    Check {
        /// 草案文件（.docx / .pdf / .txt / .md）
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// 规则目录（默认 ./rules）
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// 规则集：自检、列表、解释
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// 性能基准：完整审阅与仅分词的吞吐量之比，规则数 1 倍与 10 倍的耗时之比
    Bench {
        /// 语料目录（默认 ../shared/corpus/bulk，不存在时用 tests/fixtures/drafts）
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// 最多读取的文件数
        #[arg(long, default_value_t = 400)]
        max_files: usize,
        /// 每项测量重复的轮数（取最快一轮）
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        #[arg(long)]
        rules: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum RulesCommand {
    /// 运行每条规则的正例、反例，输出误报 / 漏报表
    Test {
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// 列出规则
    List {
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// 在标注过的草案目录上评估规则集：召回、证据位置、误报（草案旁放 X.expect.toml）
    Eval {
        dir: PathBuf,
        #[arg(long)]
        rules: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
    },
    /// 解释某条规则在某个文件上为何命中或未命中
    Explain {
        rule_id: String,
        file: PathBuf,
        #[arg(long)]
        rules: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

/// The rules directory: `--rules`, else `./rules`, else the one in the source tree.
pub fn rules_dir(arg: Option<&Path>) -> PathBuf {
    if let Some(p) = arg {
        return p.to_path_buf();
    }
    let local = PathBuf::from("rules");
    if local.join("kinds.toml").exists() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules")
}

/// Loads the rule set and makes its dictionary the segmenter's.
pub fn load_rules(arg: Option<&Path>, cfg: &Config) -> Result<RuleSet, String> {
    let dir = rules_dir(arg);
    let set = RuleSet::load(&dir, cfg).map_err(|e| e.to_string())?;
    if let Some(dict) = &set.dict {
        crate::segment::init_with_dict(dict);
    }
    Ok(set)
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cfg = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::Check {
            files,
            format,
            rules,
        } => check(&files, format, rules.as_deref(), &cfg),
        Command::Rules { command } => match command {
            RulesCommand::Test { rules } => rules_test(rules.as_deref(), &cfg),
            RulesCommand::List { format, rules } => rules_list(rules.as_deref(), format, &cfg),
            RulesCommand::Eval { dir, rules, format } => {
                rules_eval(&dir, rules.as_deref(), format, &cfg)
            }
            RulesCommand::Explain {
                rule_id,
                file,
                rules,
            } => rules_explain(&rule_id, &file, rules.as_deref(), &cfg),
        },
        Command::Bench {
            corpus,
            max_files,
            rounds,
            rules,
        } => {
            match crate::bench::run(corpus.as_deref(), max_files, rounds, rules.as_deref(), &cfg) {
                Ok(text) => {
                    println!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

fn check(files: &[PathBuf], format: Format, rules: Option<&Path>, cfg: &Config) -> ExitCode {
    let set = match load_rules(rules, cfg) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let report = crate::check::check_paths(files, &set, cfg);
    let color = format == Format::Text && std::io::stdout().is_terminal();
    println!("{}", report::render(&report, format, color));
    for d in report.documents.iter().filter(|d| d.error.is_some()) {
        eprintln!(
            "无法读取 {}：{}",
            d.path,
            d.error.as_deref().unwrap_or_default()
        );
    }
    if report.failed() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn rules_test(rules: Option<&Path>, cfg: &Config) -> ExitCode {
    let set = match load_rules(rules, cfg) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let results = examples::run(&set);
    println!(
        "{:<58} {:>6} {:>6} {:>6} {:>6}  结果",
        "规则", "正例", "漏报", "反例", "误报"
    );
    for r in &results {
        println!(
            "{:<60} {:>6} {:>8} {:>6} {:>8}  {}",
            r.rule_id,
            r.positives,
            r.false_negatives.len(),
            r.negatives,
            r.false_positives.len(),
            if r.passed() { "通过" } else { "失败" }
        );
    }
    let failed: Vec<_> = results.iter().filter(|r| !r.passed()).collect();
    for r in &failed {
        println!("\n✗ {}", r.rule_id);
        for m in r.false_negatives.iter().chain(&r.false_positives) {
            println!("    {m}");
        }
    }
    let uncovered = examples::uncovered_kinds(&set);
    let examples_total: usize = results.iter().map(|r| r.positives + r.negatives).sum();
    println!(
        "\n规则 {} 条，示例 {} 个，覆盖风险类型 {}/{}；规则集版本 {}",
        results.len(),
        examples_total,
        set.kinds.len() - uncovered.len(),
        set.kinds.len(),
        set.version
    );
    if !uncovered.is_empty() {
        println!("没有规则的风险类型：{}", uncovered.join("、"));
    }
    // The plain closing line CI reads.
    println!(
        "{} passed, {} failed",
        results.len() - failed.len(),
        failed.len()
    );
    if failed.is_empty() && uncovered.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

#[derive(serde::Serialize)]
struct ListedRule<'a> {
    id: &'a str,
    kind: &'a str,
    severity: &'a str,
    title: &'a str,
    confidence: f32,
    file: &'a str,
}

fn rules_list(rules: Option<&Path>, format: ListFormat, cfg: &Config) -> ExitCode {
    let set = match load_rules(rules, cfg) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let listed: Vec<ListedRule> = set
        .rules
        .iter()
        .map(|r| ListedRule {
            id: &r.id,
            kind: &r.kind,
            severity: r.severity.as_str(),
            title: &r.title,
            confidence: r.confidence,
            file: &r.file,
        })
        .collect();
    match format {
        ListFormat::Json => match serde_json::to_string_pretty(&listed) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
        ListFormat::Text => {
            for r in &listed {
                let sev = set
                    .rule(r.id)
                    .map(|x| x.severity.label())
                    .unwrap_or_default();
                println!("{:<56} {} {:<40} {}", r.id, sev, r.kind, r.title);
            }
            println!("共 {} 条规则；规则集版本 {}", listed.len(), set.version);
        }
    }
    ExitCode::SUCCESS
}

fn rules_explain(rule_id: &str, file: &Path, rules: Option<&Path>, cfg: &Config) -> ExitCode {
    let set = match load_rules(rules, cfg) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let Some(idx) = set.rules.iter().position(|r| r.id == rule_id) else {
        eprintln!("没有 id 为“{rule_id}”的规则（用 wenxun rules list 查看）");
        return ExitCode::from(2);
    };
    let doc = match crate::ingest::read_path(file, &cfg.limits) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("无法读取 {}：{e}", file.display());
            return ExitCode::from(1);
        }
    };
    let lines = crate::analyze::explain(&doc, &set, idx, cfg);
    let rule = &set.rules[idx];
    println!("规则 {}（{}）：{}", rule.id, rule.kind, rule.title);
    println!("定义于 {}:{}", rule.file, rule.line);
    for l in lines {
        println!("{l}");
    }
    ExitCode::SUCCESS
}

fn rules_eval(dir: &Path, rules: Option<&Path>, format: ListFormat, cfg: &Config) -> ExitCode {
    let set = match load_rules(rules, cfg) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let summary = match crate::rules::evaluate::evaluate_dir(dir, &set, cfg) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("无法读取目录 {}：{e}", dir.display());
            return ExitCode::from(2);
        }
    };
    match format {
        ListFormat::Json => match serde_json::to_string_pretty(&summary) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("{e}"),
        },
        ListFormat::Text => print!("{}", crate::rules::evaluate::render(&summary)),
    }
    ExitCode::SUCCESS
}
