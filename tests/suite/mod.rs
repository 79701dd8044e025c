//! Integration tests by area: the shipped rule set, the annotated fixture drafts,
//! the command line, reading real file formats, search and precedent, and the web workbench (`web*`:
//! the reviewer's story, access control, the JSON API, a real socket, revised
//! drafts, search and precedent).

mod cli;
mod common;
mod drafts;
mod formats;
mod rule_set;
mod search;
mod web;
mod web_api;
mod web_auth;
mod web_browser;
mod web_e2e;
mod web_revisions;
mod web_search;
mod web_support;
