//! Configuration: built-in defaults, then `wenxun.toml`, then `WENXUN_*` variables.
//!
//! The numbers that decide what counts as 大额资金 or which projects must be
//! tendered differ by province, county and unit, so they are configuration with
//! documented defaults, never constants in rules. Rules refer to thresholds by name
//! (`amount_min = "bidding_construction"`), and a county may add its own names.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::ingest::Limits;

/// Default thresholds in yuan, with the source of each number.
pub const DEFAULT_THRESHOLDS: &[(&str, f64, &str)] = &[
    (
        "large_fund",
        500_000.0,
        "“大额资金”默认 50 万元；各县“三重一大”实施办法各有规定，请按本地标准配置",
    ),
    (
        "bidding_construction",
        4_000_000.0,
        "施工单项合同估算价 400 万元以上必须招标（《必须招标的工程项目规定》第五条）",
    ),
    (
        "bidding_goods",
        2_000_000.0,
        "重要设备、材料采购单项合同估算价 200 万元以上必须招标（同上）",
    ),
    (
        "bidding_services",
        1_000_000.0,
        "勘察、设计、监理等服务单项合同估算价 100 万元以上必须招标（同上）",
    ),
    (
        "gov_procurement_open",
        4_000_000.0,
        "政府采购货物、服务公开招标数额标准，由省级人民政府规定，默认 400 万元",
    ),
    (
        "gov_procurement_limit",
        1_000_000.0,
        "政府采购限额标准（分散采购），由省级人民政府规定，默认 100 万元",
    ),
];

#[derive(Debug, Clone)]
pub struct Config {
    pub thresholds: BTreeMap<String, f64>,
    pub limits: Limits,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            thresholds: DEFAULT_THRESHOLDS
                .iter()
                .map(|(k, v, _)| (k.to_string(), *v))
                .collect(),
            limits: Limits::default(),
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    thresholds: BTreeMap<String, f64>,
    max_file_mb: Option<u64>,
    max_unzipped_mb: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("配置文件 {path} 读取失败 / cannot read config: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("配置文件 {path} 格式错误 / invalid config: {message}")]
    Parse { path: String, message: String },
    #[error("环境变量 {name} 的值“{value}”不是数字 / not a number")]
    Env { name: String, value: String },
}

impl Config {
    /// Defaults, overridden by `path` when it exists, then by `WENXUN_THRESHOLD_<NAME>`,
    /// `WENXUN_MAX_FILE_MB` and `WENXUN_MAX_UNZIPPED_MB`.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let mut cfg = Config::default();
        let default_path = Path::new("wenxun.toml");
        let path = path.or_else(|| default_path.exists().then_some(default_path));
        if let Some(path) = path {
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
                path: shown.clone(),
                source,
            })?;
            let file: FileConfig = toml::from_str(&text).map_err(|e| ConfigError::Parse {
                path: shown.clone(),
                message: e.to_string(),
            })?;
            cfg.apply(file);
        }
        for (name, value) in std::env::vars() {
            let parse = |v: &str| {
                v.trim().parse::<f64>().map_err(|_| ConfigError::Env {
                    name: name.clone(),
                    value: v.to_string(),
                })
            };
            if let Some(key) = name.strip_prefix("WENXUN_THRESHOLD_") {
                cfg.thresholds.insert(key.to_lowercase(), parse(&value)?);
            } else if name == "WENXUN_MAX_FILE_MB" {
                cfg.limits.max_file_bytes = (parse(&value)? * 1024.0 * 1024.0) as u64;
            } else if name == "WENXUN_MAX_UNZIPPED_MB" {
                cfg.limits.max_unzipped_bytes = (parse(&value)? * 1024.0 * 1024.0) as u64;
            }
        }
        Ok(cfg)
    }

    fn apply(&mut self, file: FileConfig) {
        self.thresholds.extend(file.thresholds);
        if let Some(mb) = file.max_file_mb {
            self.limits.max_file_bytes = mb * 1024 * 1024;
        }
        if let Some(mb) = file.max_unzipped_mb {
            self.limits.max_unzipped_bytes = mb * 1024 * 1024;
        }
    }

    pub fn threshold(&self, name: &str) -> Option<f64> {
        self.thresholds.get(name).copied()
    }
}
