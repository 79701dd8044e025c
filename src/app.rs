//! The application: everything built once at start and shared by the web layer and
//! the CLI — configuration, the store, the rule set and the template environment —
//! plus the upload pipeline both of them (and `--demo`) use.
//!
//! Building these once matters: the rule set compiles hundreds of patterns and the
//! templates parse at start, so a request only renders. The upload pipeline keeps
//! CPU work (unzip, extraction, segmentation, rules) and blocking file I/O in
//! `spawn_blocking`, writes each original to disk before committing the rows that
//! refer to it, and treats every file on its own: one unreadable file is reported
//! with its Chinese error and the rest are stored.
//!
//! The search index lives here too: every function that commits rows the index
//! covers (uploads, revisions) queues them for indexing right after the commit, and
//! so do the web handlers that change a point. Indexing never fails a request: the
//! database is the source of truth, and a row that missed the index (an error, or
//! the process killed in between) is repaired by the reconciliation `serve` starts
//! in the background ([`App::start_reconcile`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::Environment;
use serde::Serialize;

use crate::analyze::decision::DecisionType;
use crate::analyze::revision::{self, EarlierPoint, Summary};
use crate::config::Config;
use crate::ingest::{self, pack};
use crate::rules::RuleSet;
use crate::search::{Key, ReconcileReport, SearchError, SearchIndex};
use crate::store::inquiries::{self, EarlierDecision, Outcome, RevisionCounts, RevisionPlan};
use crate::store::items::{self, DocumentRow, NewDocument, Target};
use crate::store::meetings::{self, MeetingKind, NewMeeting};
use crate::store::users::{self, Role};
use crate::store::{Actor, Store, StoreError};

/// Settings of the web server that are not analysis configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Mark the session cookie `Secure` (only behind HTTPS; off on plain localhost).
    pub secure_cookie: bool,
    /// Session lifetime in seconds.
    pub session_ttl_secs: i64,
    /// Largest request body (an upload of several files or a pack).
    pub max_upload_bytes: usize,
    /// Failed logins per user name and address within `throttle_window_secs` before
    /// further attempts are refused.
    pub max_login_failures: i64,
    pub throttle_window_secs: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secure_cookie: false,
            session_ttl_secs: 12 * 3600,
            max_upload_bytes: 60 * 1024 * 1024,
            max_login_failures: 5,
            throttle_window_secs: 15 * 60,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("模板错误：{0}")]
    Template(#[from] minijinja::Error),
    #[error("后台任务失败：{0}")]
    Join(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error("演示材料目录 {0} 不存在或没有可读的草案")]
    Demo(PathBuf),
    /// An upload the pipeline cannot take (unreadable file, wrong target); the
    /// message is for the reviewer.
    #[error("{0}")]
    Rejected(String),
}

pub struct App {
    pub config: Config,
    pub store: Store,
    pub rules: Arc<RuleSet>,
    pub templates: Environment<'static>,
    pub settings: Settings,
    /// The search index of `<data_dir>/index/`, with its writer thread.
    pub index: Arc<SearchIndex>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("data_dir", &self.store.data_dir)
            .field("rules_version", &self.rules.version)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl App {
    /// Opens the store (running migrations) and the search index (taking its
    /// writer lock, so one data directory has one running `App`), and builds the
    /// templates. The index is not reconciled here: see [`App::start_reconcile`].
    pub async fn build(
        config: Config,
        data_dir: &Path,
        rules: impl Into<Arc<RuleSet>>,
        settings: Settings,
    ) -> Result<Arc<App>, AppError> {
        let store = Store::open(data_dir).await?;
        let dir = data_dir.to_path_buf();
        let index = tokio::task::spawn_blocking(move || SearchIndex::open(&dir)).await??;
        Ok(Arc::new(App {
            config,
            store,
            rules: rules.into(),
            templates: templates()?,
            settings,
            index: Arc::new(index),
        }))
    }

    /// Brings the search index in line with the database in a background task, so
    /// the server answers at once; what was repaired is logged (by the index).
    /// The handle yields the report, or `None` after an error (logged too).
    pub fn start_reconcile(self: &Arc<Self>) -> tokio::task::JoinHandle<Option<ReconcileReport>> {
        let app = Arc::clone(self);
        tokio::spawn(async move {
            match app.index.reconcile(&app.store).await {
                Ok(report) => {
                    if report.indexed + report.removed == 0 {
                        tracing::info!("检索索引与数据库一致");
                    }
                    Some(report)
                }
                Err(e) => {
                    tracing::error!(error = %e, "检索索引核对失败；下次启动时再核对");
                    None
                }
            }
        })
    }

    /// Queues rows that were just committed for indexing. An error is logged, not
    /// returned: the commit stands, and the next start's reconciliation indexes
    /// what was missed.
    pub async fn index_keys(&self, keys: &[Key]) {
        if let Err(e) = self.index.index_keys(&self.store, keys).await {
            tracing::error!(error = %e, ?keys, "索引更新失败，将在下次启动核对时补建");
        }
    }

    /// Queues an inquiry point after it changed.
    pub async fn index_inquiry(&self, inquiry_id: i64) {
        self.index_keys(&[Key::Inquiry(inquiry_id)]).await;
    }

    /// Queues a stored document and the points raised on it.
    pub async fn index_document(&self, document_id: i64) {
        let mut keys = vec![Key::Document(document_id)];
        match inquiries::current_for_document(&self.store, document_id).await {
            Ok(points) => keys.extend(points.iter().map(|q| Key::Inquiry(q.id))),
            Err(e) => tracing::error!(error = %e, document_id, "读取问询要点失败，未索引"),
        }
        self.index_keys(&keys).await;
    }

    /// Queues every document and point of an item (after a revision, which adds a
    /// version and changes the revision status of earlier points).
    pub async fn index_item(&self, item_id: i64) {
        let docs = items::documents(&self.store, item_id).await;
        let points = inquiries::list_for_item(&self.store, item_id).await;
        match (docs, points) {
            (Ok(docs), Ok(points)) => {
                let keys: Vec<Key> = docs
                    .iter()
                    .map(|d| Key::Document(d.id))
                    .chain(points.iter().map(|q| Key::Inquiry(q.id)))
                    .collect();
                self.index_keys(&keys).await;
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!(error = %e, item_id, "读取议题失败，未索引");
            }
        }
    }

    /// On first start (no users at all) creates `admin` with a one-time password,
    /// which is returned for the console; `None` when users exist.
    pub async fn ensure_admin(&self) -> Result<Option<String>, AppError> {
        if users::count(&self.store).await? > 0 {
            return Ok(None);
        }
        let password = users::one_time_password();
        let hash = {
            let p = password.clone();
            tokio::task::spawn_blocking(move || users::hash_password(&p)).await??
        };
        users::create(&self.store, &Actor::system(), "admin", Role::Admin, &hash).await?;
        Ok(Some(password))
    }

    /// Renders a template; errors become [`AppError::Template`].
    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String, AppError> {
        Ok(self.templates.get_template(name)?.render(ctx)?)
    }
}

/// The templates, embedded in the binary so a release build runs from anywhere.
/// `.html` names get HTML auto-escaping (minijinja's default for that suffix).
pub fn templates() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    macro_rules! add {
        ($($name:literal),* $(,)?) => {
            $(env.add_template($name, include_str!(concat!("../templates/", $name)))?;)*
        };
    }
    add!(
        "base.html",
        "login.html",
        "password.html",
        "meetings.html",
        "meeting.html",
        "upload_result.html",
        "item.html",
        "inquiry.html",
        "users.html",
        "audit.html",
        "inquiry_list.html",
        "stats.html",
        "changes.html",
        "search.html",
        "archive.html",
    );
    env.add_filter("datetime", |t: i64| format_time(t));
    env.add_filter("severity_label", |s: &str| {
        crate::store::inquiries::severity_label(s)
    });
    env.add_filter("status_label", |s: &str| {
        crate::store::inquiries::status_label(s)
    });
    env.add_filter("revision_label", |s: &str| {
        crate::store::inquiries::revision_label(s)
    });
    env.add_filter("decision_label", |s: &str| {
        DecisionType::parse(s)
            .map(DecisionType::label)
            .unwrap_or("")
    });
    env.add_filter("meeting_kind_label", |s: &str| {
        MeetingKind::parse(s).map(MeetingKind::label).unwrap_or("")
    });
    env.add_filter("meeting_status_label", |s: &str| {
        meetings::MeetingStatus::parse(s)
            .map(meetings::MeetingStatus::label)
            .unwrap_or("")
    });
    env.add_filter("role_label", |s: &str| {
        Role::parse(s).map(Role::label).unwrap_or("")
    });
    Ok(env)
}

/// Unix seconds as `YYYY-MM-DD HH:MM` in China Standard Time (UTC+8, no DST), the
/// only time zone the workbench's users have.
pub fn format_time(t: i64) -> String {
    let t = t + 8 * 3600;
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        secs / 3600,
        (secs % 3600) / 60
    )
}

/// One uploaded file as received.
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Where an upload's files go.
#[derive(Debug, Clone)]
pub enum Destination {
    /// New items of a meeting: all files as the documents of one item called
    /// `title` when a title is given, else one item per file titled by the draft.
    Meeting {
        meeting_id: i64,
        title: Option<String>,
        unit: String,
    },
    /// More documents for an existing item.
    Item(i64),
}

/// What happened to one file (a pack contributes one entry per member, named
/// `pack.zip/member.docx`).
#[derive(Debug, Clone, Serialize)]
pub struct FileOutcome {
    pub name: String,
    pub stored: Option<StoredFile>,
    pub error: Option<String>,
}

impl FileOutcome {
    fn failed(name: String, error: String) -> FileOutcome {
        FileOutcome {
            name,
            stored: None,
            error: Some(error),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredFile {
    pub item_id: i64,
    pub item_title: String,
    pub document_id: i64,
    pub points: usize,
    pub decision_types: Vec<DecisionType>,
}

/// An analysed file ready to be stored.
struct Analysed {
    sha256: String,
    size: i64,
    format: String,
    title: Option<String>,
    text: String,
    clauses: Vec<(usize, usize, String)>,
    decision_types: Vec<DecisionType>,
    findings: Vec<crate::analyze::Finding>,
}

impl Analysed {
    /// The rows to store for this file.
    fn document<'a>(&'a self, file_name: &'a str, rules_version: &'a str) -> NewDocument<'a> {
        NewDocument {
            file_name,
            sha256: &self.sha256,
            size: self.size,
            format: &self.format,
            text: &self.text,
            clauses: self.clauses.clone(),
            decision_types: &self.decision_types,
            rules_version,
            findings: &self.findings,
        }
    }
}

/// Expands packs into their members (each a file of its own).
fn expand(uploads: Vec<Upload>, limits: &ingest::Limits) -> Vec<(String, Result<Vec<u8>, String>)> {
    let mut out = Vec::new();
    for u in uploads {
        if !pack::is_pack(&u.name) {
            out.push((u.name, Ok(u.bytes)));
            continue;
        }
        match pack::read(&u.bytes, limits) {
            Ok(members) if members.is_empty() => {
                out.push((u.name, Err("压缩包中没有文件".to_string())));
            }
            Ok(members) => {
                for m in members {
                    out.push((
                        format!("{}/{}", u.name, m.name),
                        m.bytes.map_err(|e| e.to_string()),
                    ));
                }
            }
            Err(e) => out.push((u.name, Err(e.to_string()))),
        }
    }
    out
}

/// Reads, analyses and writes the original of one file (blocking).
fn analyse(
    name: &str,
    bytes: &[u8],
    rules: &RuleSet,
    cfg: &Config,
    data_dir: &Path,
) -> Result<Analysed, String> {
    let file_name = file_name_of(name);
    if pack::is_pack(file_name) {
        return Err("压缩包内的压缩包不展开，请解压后分别上传".into());
    }
    let doc = ingest::read_bytes(file_name, bytes, &cfg.limits).map_err(|e| e.to_string())?;
    let clauses = doc
        .blocks
        .iter()
        .map(|b| (b.start, b.end, b.clause.clone()))
        .collect();
    let format = format!("{:?}", doc.format).to_lowercase();
    let report = crate::check::check_document(file_name.to_string(), doc, rules, cfg);
    let sha256 = crate::store::blobs::write(data_dir, bytes).map_err(|e| e.to_string())?;
    Ok(Analysed {
        sha256,
        size: bytes.len() as i64,
        format,
        title: report.title,
        text: report.text,
        clauses,
        decision_types: report.decision_types,
        findings: report.findings,
    })
}

/// The title of an item made from one file: the draft's own title, else the file
/// name without its extension.
fn item_title(a: &Analysed, name: &str) -> String {
    if let Some(t) = a.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        return t.chars().take(200).collect();
    }
    let file = file_name_of(name);
    let stem = file.rsplit_once('.').map(|(s, _)| s).unwrap_or(file);
    stem.chars().take(200).collect()
}

/// Stores each file (or pack member) of an upload; never stops at a bad file.
pub async fn upload(
    app: &Arc<App>,
    actor: &Actor,
    dest: Destination,
    uploads: Vec<Upload>,
) -> Result<Vec<FileOutcome>, AppError> {
    let limits = app.config.limits.clone();
    let files = tokio::task::spawn_blocking(move || expand(uploads, &limits)).await?;
    let mut outcomes = Vec::new();
    // For a titled upload into a meeting, the item created by the first stored file.
    let mut shared_item: Option<i64> = match &dest {
        Destination::Item(id) => Some(*id),
        Destination::Meeting { .. } => None,
    };
    for (name, bytes) in files {
        let analysed = match bytes {
            Err(error) => Err(error),
            Ok(bytes) => {
                let app2 = Arc::clone(app);
                let name2 = name.clone();
                tokio::task::spawn_blocking(move || {
                    analyse(
                        &name2,
                        &bytes,
                        &app2.rules,
                        &app2.config,
                        &app2.store.data_dir,
                    )
                })
                .await?
            }
        };
        let a = match analysed {
            Ok(a) => a,
            Err(error) => {
                outcomes.push(FileOutcome::failed(name, error));
                continue;
            }
        };
        let target = match (&dest, shared_item) {
            (_, Some(id)) => Target::Existing(id),
            (
                Destination::Meeting {
                    meeting_id,
                    title,
                    unit,
                },
                None,
            ) => Target::New {
                meeting_id: *meeting_id,
                title: title.clone().unwrap_or_else(|| item_title(&a, &name)),
                unit: unit.clone(),
            },
            (Destination::Item(id), None) => Target::Existing(*id),
        };
        let file_name = file_name_of(&name).to_string();
        let doc = a.document(&file_name, &app.rules.version);
        match items::add_document(&app.store, actor, &target, &doc).await {
            Ok((item, document_id)) => {
                app.index_document(document_id).await;
                if matches!(&dest, Destination::Meeting { title: Some(_), .. }) {
                    shared_item = Some(item.id);
                }
                outcomes.push(FileOutcome {
                    name,
                    stored: Some(StoredFile {
                        item_id: item.id,
                        item_title: item.title,
                        document_id,
                        points: a.findings.len(),
                        decision_types: a.decision_types,
                    }),
                    error: None,
                });
            }
            // A missing meeting or item is the caller's mistake, not this file's.
            Err(e @ (StoreError::NotFound(_) | StoreError::Invalid(_))) => return Err(e.into()),
            Err(e) => {
                tracing::error!(file = %name, error = %e, "storing an upload failed");
                outcomes.push(FileOutcome::failed(
                    name,
                    "保存失败（服务器内部错误，已记录日志）".into(),
                ));
            }
        }
    }
    Ok(outcomes)
}

/// What a revised draft changed and how the points came out of the re-check.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionOutcome {
    pub item_id: i64,
    pub previous_id: i64,
    pub document_id: i64,
    /// 第N版 of the new document.
    pub revision: i64,
    pub changes: Summary,
    pub points: RevisionCounts,
}

/// The document a revision replaces: `chosen` when given (it must be a current
/// version of the item), else the item's only current document.
fn revised_document(docs: &[DocumentRow], chosen: Option<i64>) -> Result<&DocumentRow, AppError> {
    let current: Vec<&DocumentRow> = docs.iter().filter(|d| d.superseded_by.is_none()).collect();
    let reject = |m: &str| AppError::Rejected(m.to_string());
    match chosen {
        Some(id) => {
            let d = docs
                .iter()
                .find(|d| d.id == id)
                .ok_or_else(|| reject("所选文件不属于该议题"))?;
            if d.superseded_by.is_some() {
                return Err(reject("所选文件已有更新的版本，请选择最新版本"));
            }
            Ok(d)
        }
        None => match current.as_slice() {
            [] => Err(reject("该议题还没有文件，请先上传草案")),
            [only] => Ok(only),
            _ => Err(reject(
                "该议题有多个文件，请指明修订的是哪一个（document_id）",
            )),
        },
    }
}

/// Stores a revised version of one of an item's documents: reads and checks it as
/// any upload, compares it with the version it replaces and re-checks that
/// version's points (see [`crate::analyze::revision`]), then stores everything in
/// one transaction.
pub async fn revise(
    app: &Arc<App>,
    actor: &Actor,
    item_id: i64,
    previous: Option<i64>,
    file: Upload,
) -> Result<RevisionOutcome, AppError> {
    items::get(&app.store, item_id).await?;
    let docs = items::documents(&app.store, item_id).await?;
    let prev = revised_document(&docs, previous)?.clone();
    if pack::is_pack(&file.name) {
        return Err(AppError::Rejected(
            "修订稿每次上传一个文件，不接受压缩包".into(),
        ));
    }
    let app2 = Arc::clone(app);
    let name = file.name.clone();
    let a = tokio::task::spawn_blocking(move || {
        analyse(
            &name,
            &file.bytes,
            &app2.rules,
            &app2.config,
            &app2.store.data_dir,
        )
    })
    .await?
    .map_err(|e| AppError::Rejected(format!("{}：{e}", file_name_of(&file.name))))?;
    let earlier = inquiries::current_for_document(&app.store, prev.id).await?;
    let a = Arc::new(a);
    let plan = {
        let a = Arc::clone(&a);
        let prev = prev.clone();
        tokio::task::spawn_blocking(move || plan_revision(&prev, &a, &earlier)).await?
    };
    let file_name = file_name_of(&file.name).to_string();
    let doc = a.document(&file_name, &app.rules.version);
    let (_, document_id, points) =
        items::add_revision(&app.store, actor, prev.id, &doc, &plan).await?;
    app.index_item(item_id).await;
    Ok(RevisionOutcome {
        item_id,
        previous_id: prev.id,
        document_id,
        revision: prev.revision + 1,
        changes: plan.changes,
        points,
    })
}

/// The file name of a pack member named `pack.zip/dir/member.docx`.
fn file_name_of(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// The re-check of a revision (CPU only): clause comparison and point verdicts.
fn plan_revision(prev: &DocumentRow, a: &Analysed, earlier: &[inquiries::Inquiry]) -> RevisionPlan {
    let old = revision::paragraphs(&prev.text, &prev.clauses());
    let new = revision::paragraphs(&a.text, &a.clauses);
    let changes = revision::summarise(&revision::compare(&old, &new));
    let points: Vec<EarlierPoint> = earlier
        .iter()
        .map(|q| EarlierPoint {
            id: q.id,
            kind: q.kind.clone(),
            manual: q.origin == "manual",
            start: q.start_char.max(0) as usize,
            quote: q.quote.clone(),
        })
        .collect();
    let (verdicts, continues) = revision::recheck(&old, &new, &a.text, &points, &a.findings);
    RevisionPlan {
        earlier: earlier
            .iter()
            .zip(verdicts)
            .map(|(q, verdict)| EarlierDecision {
                id: q.id,
                version: q.version,
                verdict,
            })
            .collect(),
        continues,
        changes,
    }
}

/// The demo's drafts: (file-name prefix, 承办单位). The earlier meeting's items
/// are the precedent of the current meeting's: each current draft has an earlier
/// one on the same subject (state-owned enterprise personnel, investment
/// agreements, rural water supply, housing renovation, allowances for people in
/// need, industry subsidies).
const DEMO_EARLIER: [(&str, &str); 6] = [
    ("a01_", "县国资中心"),
    ("a04_", "县招商局"),
    ("a09_", "县水务局"),
    ("a02_", "县住建局"),
    ("a08_", "县民政局"),
    ("b01_", "县工信局"),
];
/// The current meeting: one draft on each subject above, plus a clean one (a11,
/// no points) to show what a draft without findings looks like.
const DEMO_CURRENT: [(&str, &str); 7] = [
    ("e08_", "县国资中心"),
    ("b02_", "县招商局"),
    ("d05_", "县水务局"),
    ("b03_", "县住建局"),
    ("b06_", "县民政局"),
    ("a03_", "县工信局"),
    ("a11_", "县国资中心"),
];

/// Outcomes logged on the earlier meeting's points, in turn, so precedent has
/// something to say: (outcome, reason).
const DEMO_OUTCOMES: [(Outcome, &str); 3] = [
    (
        Outcome::Adopted,
        "会上采纳：责成承办单位补充集体研究和公开程序后再提交",
    ),
    (
        Outcome::Rejected,
        "会议认为已有上级文件依据且程序完备，按原方案执行",
    ),
    (
        Outcome::PartiallyAdopted,
        "补充了合法性审查意见，金额和期限不作调整",
    ),
];

/// `--demo`: when the database has no meeting yet, creates two sample meetings
/// from a curated set of the fixture drafts in `dir`: an earlier meeting, held,
/// whose points have outcomes with reasons, and the current one, whose items show
/// the earlier ones as precedent. The user `demo` (created disabled unless it
/// exists) records the outcomes.
/// Returns the current meeting's id, or `None` when meetings already exist.
pub async fn load_demo(app: &Arc<App>, dir: &Path) -> Result<Option<i64>, AppError> {
    if meetings::count(&app.store).await? > 0 {
        return Ok(None);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|_| AppError::Demo(dir.to_path_buf()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.to_string_lossy();
            !n.ends_with(".expect.toml") && !n.ends_with(".py")
        })
        .collect();
    files.sort();
    if DEMO_CURRENT
        .iter()
        .all(|(p, _)| demo_file(&files, p).is_none())
    {
        return Err(AppError::Demo(dir.to_path_buf()));
    }
    let demo_user = match users::by_name(&app.store, "demo").await? {
        Some(u) => u,
        None => {
            let hash = {
                let password = users::one_time_password();
                tokio::task::spawn_blocking(move || users::hash_password(&password)).await??
            };
            let u =
                users::create(&app.store, &Actor::system(), "demo", Role::Reviewer, &hash).await?;
            users::set_disabled(&app.store, &Actor::system(), u.id, true).await?;
            u
        }
    };
    let actor = demo_user.actor();

    let (earlier, items) = demo_meeting(
        app,
        &actor,
        &files,
        "（演示）县政府常务会议（往期）",
        "演示第 1 次",
        "2026-06-18",
        &DEMO_EARLIER,
    )
    .await?;
    let mut turn = 0usize;
    for item in items {
        let points = inquiries::list_for_item(&app.store, item).await?;
        for q in points.iter().take(3) {
            let (outcome, reason) = DEMO_OUTCOMES[turn % DEMO_OUTCOMES.len()];
            turn += 1;
            inquiries::log_outcome(
                &app.store,
                &actor,
                q.id,
                None,
                outcome,
                reason,
                "（演示）会议纪要第 9 号",
            )
            .await?;
            app.index_inquiry(q.id).await;
        }
    }
    meetings::set_status(&app.store, &actor, earlier, meetings::MeetingStatus::Closed).await?;
    let (current, _) = demo_meeting(
        app,
        &actor,
        &files,
        "（演示）县政府常务会议",
        "演示第 2 次",
        "2026-11-20",
        &DEMO_CURRENT,
    )
    .await?;
    app.index.flush().await?;
    Ok(Some(current))
}

/// The demo draft whose file name starts with `prefix`, read.
fn demo_file(files: &[PathBuf], prefix: &str) -> Option<Upload> {
    let p = files.iter().find(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
    })?;
    Some(Upload {
        name: p.file_name()?.to_string_lossy().into_owned(),
        bytes: std::fs::read(p).ok()?,
    })
}

/// One meeting of the demo with its drafts, each an item of its unit: the
/// meeting id and the ids of the items stored.
async fn demo_meeting(
    app: &Arc<App>,
    actor: &Actor,
    files: &[PathBuf],
    title: &str,
    session_label: &str,
    date: &str,
    drafts: &[(&str, &str)],
) -> Result<(i64, Vec<i64>), AppError> {
    let meeting = meetings::create(
        &app.store,
        actor,
        &NewMeeting {
            title: title.into(),
            kind: MeetingKind::GovernmentExecutive,
            session_label: session_label.into(),
            date: date.into(),
        },
    )
    .await?;
    let mut items = Vec::new();
    for (prefix, unit) in drafts {
        let Some(draft) = demo_file(files, prefix) else {
            continue;
        };
        let dest = Destination::Meeting {
            meeting_id: meeting.id,
            title: None,
            unit: (*unit).into(),
        };
        let stored = upload(app, actor, dest, vec![draft]).await?;
        items.extend(
            stored
                .into_iter()
                .filter_map(|o| o.stored.map(|s| s.item_id)),
        );
    }
    Ok((meeting.id, items))
}

/// The directory `--demo` reads: the fixture drafts of the source tree.
pub fn demo_dir() -> PathBuf {
    let local = PathBuf::from("tests/fixtures/drafts");
    if local.is_dir() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/drafts")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_in_china_standard_time() {
        assert_eq!(format_time(0), "1970-01-01 08:00");
        // 2026-11-25 23:52:56 UTC
        assert_eq!(format_time(1_795_650_776), "2026-11-26 07:52");
        assert_eq!(format_time(951_782_400), "2000-02-29 08:00");
    }

    #[test]
    fn all_templates_parse() {
        let env = templates().expect("templates parse");
        assert!(env.get_template("item.html").is_ok());
    }
}
