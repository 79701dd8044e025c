//! Integration tests by area: the shipped rule set, the annotated fixture drafts,
//! the command line, and reading real file formats.

mod cli;
mod common;
mod drafts;
mod formats;
mod rule_set;
