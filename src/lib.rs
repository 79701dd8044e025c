//! wenxun（问询）：县级纪委监委对“三重一大”议题草案开展廉政问询的辅助工具。
//!
//! A draft flows one way: bytes → [`ingest`] (structured text) → [`segment`] →
//! [`analyze`] (三重一大 type, amounts, [`rules`]) → findings → [`report`] → CLI;
//! stored drafts, inquiry points and imported archives are indexed by [`search`].
//! The CLI (`cli`) is a thin layer over these modules so the web workbench can reuse
//! them unchanged.

pub mod analyze;
pub mod app;
pub mod bench;
pub mod check;
pub mod cli;
pub mod config;
pub mod export;
pub mod ingest;
pub mod report;
pub mod rules;
pub mod search;
pub mod segment;
pub mod store;
pub mod web;
