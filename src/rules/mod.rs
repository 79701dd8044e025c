//! The declarative rule set: file format (`model`), loading and validation
//! (`compile`), evaluation (`engine`), the rules' own examples (`examples`) and
//! measurement on annotated drafts (`evaluate`).

pub mod compile;
pub mod engine;
pub mod evaluate;
pub mod examples;
pub mod model;
mod verify;

pub use compile::{Rule, RuleProblem, RuleSet, RuleSetError};
