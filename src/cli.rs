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
use crate::store::Store;
use crate::store::users::Role;

/// `println!` that ends the process quietly when stdout is closed (`wenxun check … | head`)
/// instead of panicking on the broken pipe.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout().lock(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

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
        /// 改测会议材料包：N 个文件打成 .zip，经工作台的上传流水线存入临时数据库，与同一批文件的 check 对比
        #[arg(long, num_args = 0..=1, default_missing_value = "30", value_name = "N")]
        pack: Option<usize>,
        /// 改测检索：导入语料（临时数据目录），与同一批条款上的 SQLite FTS5 trigram 对比建索引耗时、查询延迟和检索质量
        #[arg(long, conflicts_with = "pack")]
        search: bool,
        /// 检索基准的已知条目查询数
        #[arg(long, default_value_t = 200, requires = "search")]
        queries: usize,
    },
    /// 启动审阅工作台（网页 + JSON API），默认只监听本机
    Serve {
        /// 监听地址
        #[arg(long, default_value = "127.0.0.1:3000")]
        bind: String,
        /// 数据目录（数据库与上传的原件）
        #[arg(long, default_value = "./data")]
        data_dir: PathBuf,
        /// 首次启动时载入一个演示会议（用 tests/fixtures/drafts 中的草案）
        #[arg(long)]
        demo: bool,
        /// 会话 Cookie 加 Secure 标记（仅在 HTTPS 反向代理之后使用）
        #[arg(long)]
        secure_cookie: bool,
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// 批量导入历年会议材料（文件夹，含子目录）供检索；可中断后重跑，不会重复导入
    Import {
        /// 材料文件夹（.docx / .pdf / .txt / .md）
        dir: PathBuf,
        /// 数据目录（与 serve 相同）
        #[arg(long, alias = "data", default_value = "./data")]
        data_dir: PathBuf,
    },
    /// 检索草案条款、问询要点和导入的历年材料
    Search {
        /// 检索词：空格分隔的词须同时出现；"引号内" 为精确短语
        query: String,
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
        /// 返回条数
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// 跳过前 N 条（翻页）
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// 排序：relevance（相关度）或 date（会议日期，新的在前）
        #[arg(long, value_enum, default_value = "relevance")]
        sort: SortArg,
        /// 只看某类结果：clause（议题草案条款）、inquiry（问询要点）、archive（导入材料）
        #[arg(long, value_enum)]
        kind: Vec<KindArg>,
        /// 会议日期起（YYYY-MM-DD，含）
        #[arg(long)]
        from: Option<String>,
        /// 会议日期止（YYYY-MM-DD，含）
        #[arg(long)]
        to: Option<String>,
        /// 会议类型：standing_committee、government_executive、party_group、other
        #[arg(long)]
        meeting_kind: Option<String>,
        /// “三重一大”类型，如 major_project
        #[arg(long)]
        decision_type: Option<String>,
        /// 风险类型，如 procurement.bidding_evasion
        #[arg(long)]
        risk_kind: Option<String>,
        /// 问询要点状态或处理结果：open、dropped、adopted、rejected…
        #[arg(long)]
        outcome: Option<String>,
        /// 承办单位（完全一致）
        #[arg(long)]
        unit: Option<String>,
        #[arg(long, alias = "data", default_value = "./data")]
        data_dir: PathBuf,
    },
    /// 按数据库重建检索索引
    Reindex {
        #[arg(long, alias = "data", default_value = "./data")]
        data_dir: PathBuf,
    },
    /// 用户管理：新增、生成 API 令牌、列表、停用
    User {
        /// 数据目录（与 serve 相同）
        #[arg(long, default_value = "./data", global = true)]
        data_dir: PathBuf,
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// 新增用户，打印一次性密码（首次登录须修改）
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// 为用户生成新的 API 令牌（只打印这一次；库中只存其 sha256）
    Token { name: String },
    /// 列出用户
    List,
    /// 停用用户（立即结束其会话，令牌失效）
    Disable { name: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RoleArg {
    Admin,
    Reviewer,
    Leader,
    Viewer,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::Reviewer => Role::Reviewer,
            RoleArg::Leader => Role::Leader,
            RoleArg::Viewer => Role::Viewer,
        }
    }
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
enum SortArg {
    Relevance,
    Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum KindArg {
    Clause,
    Inquiry,
    Archive,
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

/// Loads the rule set for a subcommand; a rule set that does not load prints every
/// problem and ends the command with exit code 2.
fn rules_or_exit(arg: Option<&Path>, cfg: &Config) -> Result<RuleSet, ExitCode> {
    load_rules(arg, cfg).map_err(|e| {
        eprintln!("{e}");
        ExitCode::from(2)
    })
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
        Command::Serve {
            bind,
            data_dir,
            demo,
            secure_cookie,
            rules,
        } => serve(&bind, &data_dir, demo, secure_cookie, rules.as_deref(), cfg),
        Command::User { data_dir, command } => user(&data_dir, command),
        Command::Import { dir, data_dir } => import(&dir, &data_dir, &cfg),
        Command::Reindex { data_dir } => reindex(&data_dir),
        Command::Search {
            query,
            format,
            limit,
            offset,
            sort,
            kind,
            from,
            to,
            meeting_kind,
            decision_type,
            risk_kind,
            outcome,
            unit,
            data_dir,
        } => {
            use crate::search::{Filters, HitKind, SearchRequest, Sort};
            let req = SearchRequest {
                query,
                filters: Filters {
                    kinds: kind
                        .into_iter()
                        .map(|k| match k {
                            KindArg::Clause => HitKind::Clause,
                            KindArg::Inquiry => HitKind::Inquiry,
                            KindArg::Archive => HitKind::Archive,
                        })
                        .collect(),
                    date_from: from,
                    date_to: to,
                    meeting_kind,
                    decision_type,
                    risk_kind,
                    outcome,
                    unit,
                },
                sort: match sort {
                    SortArg::Relevance => Sort::Relevance,
                    SortArg::Date => Sort::Date,
                },
                offset,
                limit,
            };
            search(&req, format, &data_dir)
        }
        Command::Bench {
            corpus,
            max_files,
            rounds,
            rules,
            pack,
            search,
            queries,
        } => {
            let result = match pack {
                _ if search => crate::search::bench::run(corpus.as_deref(), queries, &cfg),
                Some(n) => {
                    crate::bench::run_pack(corpus.as_deref(), n, rounds, rules.as_deref(), &cfg)
                }
                None => {
                    crate::bench::run(corpus.as_deref(), max_files, rounds, rules.as_deref(), &cfg)
                }
            };
            match result {
                Ok(text) => {
                    out!("{text}");
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
    let set = match rules_or_exit(rules, cfg) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let report = crate::check::check_paths(files, &set, cfg);
    let color = format == Format::Text && std::io::stdout().is_terminal();
    out!("{}", report::render(&report, format, color));
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
    let set = match rules_or_exit(rules, cfg) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let results = examples::run(&set);
    out!(
        "{:<58} {:>6} {:>6} {:>6} {:>6}  结果",
        "规则",
        "正例",
        "漏报",
        "反例",
        "误报"
    );
    for r in &results {
        out!(
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
        out!("\n✗ {}", r.rule_id);
        for m in r.false_negatives.iter().chain(&r.false_positives) {
            out!("    {m}");
        }
    }
    let uncovered = examples::uncovered_kinds(&set);
    let examples_total: usize = results.iter().map(|r| r.positives + r.negatives).sum();
    out!(
        "\n规则 {} 条，示例 {} 个，覆盖风险类型 {}/{}；规则集版本 {}",
        results.len(),
        examples_total,
        set.kinds.len() - uncovered.len(),
        set.kinds.len(),
        set.version
    );
    if !uncovered.is_empty() {
        out!("没有规则的风险类型：{}", uncovered.join("、"));
    }
    // The plain closing line CI reads.
    out!(
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
    let set = match rules_or_exit(rules, cfg) {
        Ok(s) => s,
        Err(code) => return code,
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
            Ok(s) => out!("{s}"),
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
                out!("{:<56} {} {:<40} {}", r.id, sev, r.kind, r.title);
            }
            out!("共 {} 条规则；规则集版本 {}", listed.len(), set.version);
        }
    }
    ExitCode::SUCCESS
}

fn rules_explain(rule_id: &str, file: &Path, rules: Option<&Path>, cfg: &Config) -> ExitCode {
    let set = match rules_or_exit(rules, cfg) {
        Ok(s) => s,
        Err(code) => return code,
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
    out!("规则 {}（{}）：{}", rule.id, rule.kind, rule.title);
    out!("定义于 {}:{}", rule.file, rule.line);
    for l in lines {
        out!("{l}");
    }
    ExitCode::SUCCESS
}

fn rules_eval(dir: &Path, rules: Option<&Path>, format: ListFormat, cfg: &Config) -> ExitCode {
    let set = match rules_or_exit(rules, cfg) {
        Ok(s) => s,
        Err(code) => return code,
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
            Ok(s) => out!("{s}"),
            Err(e) => eprintln!("{e}"),
        },
        ListFormat::Text => print!("{}", crate::rules::evaluate::render(&summary)),
    }
    ExitCode::SUCCESS
}

/// Runs an async command on a fresh runtime; errors are printed, exit code 1.
fn block_on(f: impl std::future::Future<Output = anyhow::Result<()>>) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("无法启动异步运行时：{e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(f) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(
    bind: &str,
    data_dir: &Path,
    demo: bool,
    secure_cookie: bool,
    rules: Option<&Path>,
    cfg: Config,
) -> ExitCode {
    let set = match rules_or_exit(rules, &cfg) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let settings = crate::app::Settings {
        secure_cookie,
        ..Default::default()
    };
    block_on(async {
        let app = crate::app::App::build(cfg, data_dir, set, settings).await?;
        if let Some(password) = app.ensure_admin().await? {
            out!("首次启动：已创建管理员账号 admin，一次性密码：{password}");
            out!("（只显示这一次；首次登录后须修改密码）");
        }
        if demo {
            match crate::app::load_demo(&app, &crate::app::demo_dir()).await? {
                Some(id) => out!("已载入演示会议（编号 {id}）"),
                None => out!("已有会议，未再载入演示会议"),
            }
        }
        // Rows committed while no server ran (or while one was killed) are indexed
        // in the background; searches answer from the index meanwhile. A repair is
        // worth a line on the console (the log shows warnings only by default).
        let check = app.start_reconcile();
        tokio::spawn(async move {
            if let Ok(Some(r)) = check.await
                && r.indexed + r.removed > 0
            {
                out!(
                    "检索索引已与数据库核对：补建 {} 条记录，删除 {} 条",
                    r.indexed,
                    r.removed
                );
            }
        });
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(|e| anyhow::anyhow!("无法监听 {bind}：{e}"))?;
        let addr = listener.local_addr()?;
        if !addr.ip().is_loopback() {
            eprintln!(
                "注意：正在监听非本机地址 {addr}，材料属于工作秘密，请确认只在内网使用并在前面配置 HTTPS。"
            );
        }
        out!(
            "问询工作台已启动：http://{addr}/ （数据目录 {}；Ctrl-C 停止）",
            data_dir.display()
        );
        crate::web::serve(app, listener).await?;
        Ok(())
    })
}

fn cli_actor() -> crate::store::Actor {
    let who = std::env::var("USER").unwrap_or_else(|_| "?".into());
    crate::store::Actor {
        id: None,
        name: format!("cli({who})"),
    }
}

fn user(data_dir: &Path, command: UserCommand) -> ExitCode {
    use crate::store::{random_hex, sha256_hex, users};
    block_on(async {
        let store = Store::open(data_dir).await?;
        let actor = cli_actor();
        let find = |name: String| {
            let store = store.clone();
            async move {
                users::by_name(&store, &name)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("没有用户“{name}”"))
            }
        };
        match command {
            UserCommand::Add { name, role } => {
                let role = Role::from(role);
                users::validate_name(&name)?;
                let password = users::one_time_password();
                let p = password.clone();
                let hash = tokio::task::spawn_blocking(move || users::hash_password(&p)).await??;
                users::create(&store, &actor, &name, role, &hash).await?;
                out!(
                    "已创建用户 {name}（{}），一次性密码：{password}",
                    role.label()
                );
                out!("（只显示这一次；首次登录后须修改密码）");
            }
            UserCommand::Token { name } => {
                let u = find(name).await?;
                let token = random_hex(32);
                users::add_token(&store, &actor, u.id, &sha256_hex(token.as_bytes())).await?;
                out!("{token}");
                eprintln!(
                    "用户 {} 的新 API 令牌如上（只显示这一次）。请求时使用 Authorization: Bearer <令牌>",
                    u.name
                );
            }
            UserCommand::List => {
                for u in users::list(&store).await? {
                    let state = if u.disabled {
                        "已停用"
                    } else if u.must_change_password {
                        "待修改初始密码"
                    } else {
                        "正常"
                    };
                    out!("{:<20} {:<10} {}", u.name, u.role.as_str(), state);
                }
            }
            UserCommand::Disable { name } => {
                let u = find(name).await?;
                users::set_disabled(&store, &actor, u.id, true).await?;
                out!("已停用用户 {}", u.name);
            }
        }
        Ok(())
    })
}

/// Opens the store and the index (with its writer) and reconciles them.
async fn open_index(data_dir: &Path) -> anyhow::Result<(Store, crate::search::SearchIndex)> {
    let store = Store::open(data_dir).await?;
    let dir = data_dir.to_path_buf();
    let index =
        tokio::task::spawn_blocking(move || crate::search::SearchIndex::open(&dir)).await??;
    index.reconcile(&store).await?;
    Ok((store, index))
}

fn import(dir: &Path, data_dir: &Path, cfg: &Config) -> ExitCode {
    if !dir.is_dir() {
        eprintln!("不是文件夹：{}", dir.display());
        return ExitCode::from(2);
    }
    let mut failed = false;
    let code = block_on(async {
        let (store, index) = open_index(data_dir).await?;
        let started = std::time::Instant::now();
        let tty = std::io::stderr().is_terminal();
        let mut progress = |done: usize, total: usize| {
            if tty {
                eprint!("\r导入 {done}/{total}");
            } else if done.is_multiple_of(100) || done == total {
                eprintln!("导入 {done}/{total}");
            }
        };
        let report =
            crate::search::import::import_dir(&store, &index, dir, &cfg.limits, &mut progress)
                .await?;
        if tty {
            eprintln!();
        }
        let secs = started.elapsed().as_secs_f64().max(1e-3);
        out!(
            "共 {} 个文件：新导入 {}，已导入过 {}，无法读取 {}；用时 {:.1} 秒（{:.1} 文件/秒，{:.2} MB/秒）",
            report.files,
            report.imported,
            report.already,
            report.failed.len(),
            secs,
            report.imported as f64 / secs,
            report.bytes as f64 / 1e6 / secs
        );
        if !report.failed.is_empty() {
            eprintln!("以下文件无法读取，已跳过：");
            for (path, reason) in &report.failed {
                eprintln!("  {path}：{reason}");
            }
            failed = true;
        }
        Ok(())
    });
    if failed && code == ExitCode::SUCCESS {
        ExitCode::FAILURE
    } else {
        code
    }
}

fn reindex(data_dir: &Path) -> ExitCode {
    block_on(async {
        let store = Store::open(data_dir).await?;
        let dir = data_dir.to_path_buf();
        let index =
            tokio::task::spawn_blocking(move || crate::search::SearchIndex::open(&dir)).await??;
        let report = index.rebuild(&store).await?;
        out!(
            "检索索引已重建：{} 条记录，{} 个索引文档",
            report.indexed,
            index.num_docs()
        );
        Ok(())
    })
}

fn search(req: &crate::search::SearchRequest, format: ListFormat, data_dir: &Path) -> ExitCode {
    use crate::search::{SearchError, SearchIndex};
    block_on(async {
        // With the writer free, bring the index up to date first; while `serve`
        // holds it, read what is there (serve reconciles on its own).
        let index = match open_index(data_dir).await {
            Ok((_, index)) => index,
            Err(e) if matches!(e.downcast_ref::<SearchError>(), Some(SearchError::Locked)) => {
                SearchIndex::open_read_only(data_dir)?
            }
            Err(e) => return Err(e),
        };
        let results = index.search(req)?;
        match format {
            ListFormat::Json => out!("{}", serde_json::to_string_pretty(&results)?),
            ListFormat::Text => {
                let tty = std::io::stdout().is_terminal();
                out!("共 {} 条结果（{:.1} 毫秒）", results.total, results.took_ms);
                for (i, h) in results.hits.iter().enumerate() {
                    let place = [h.path.as_str(), h.clause.as_str()]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ");
                    out!(
                        "{}. [{}] {} — {}  {}（{:.2}）",
                        results.offset + i + 1,
                        hit_kind_label(h.kind),
                        h.title,
                        place,
                        h.date,
                        h.score
                    );
                    out!("   {}", snippet_for_terminal(&h.snippet, tty));
                    if !h.outcome.is_empty() {
                        out!(
                            "   状态：{}{}",
                            crate::store::inquiries::status_label(&h.outcome),
                            if h.reason.is_empty() {
                                String::new()
                            } else {
                                format!("；理由：{}", h.reason)
                            }
                        );
                    }
                }
            }
        }
        Ok(())
    })
}

fn hit_kind_label(kind: crate::search::HitKind) -> &'static str {
    match kind {
        crate::search::HitKind::Clause => "草案",
        crate::search::HitKind::Inquiry => "问询",
        crate::search::HitKind::Archive => "材料",
    }
}

/// The snippet's `<b>` highlights as terminal bold (or 【】 when piped), entities
/// decoded.
fn snippet_for_terminal(html: &str, tty: bool) -> String {
    let (on, off) = if tty {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("【", "】")
    };
    html.replace("<b>", on)
        .replace("</b>", off)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
