//! The integration tests, one module per area, linked into one test binary (one link of
//! tantivy, gix and axum instead of one per file: the test build is minutes shorter on
//! two cores). Most run the real `policies` binary; `cargo test --test integration
//! serve::` runs one area.

mod common;

mod browser;
mod cli;
mod correctness;
mod diff;
mod fuzz_parser;
mod git;
mod parse_fixtures;
mod readme;
mod reports;
mod research;
mod robustness;
mod serve;
