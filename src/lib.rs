//! `policies`: make archived website privacy policies searchable, section by section.
//!
//! The data goes corpus → index → search → output; each stage is a module. The
//! command line (`policies` binary: `src/cli.rs`, `src/cmd/`) is not part of the library:
//! it resolves arguments into the config structs the stages take, so the library is
//! usable without clap (by a server, a notebook binding, another tool).

pub mod corpus;
pub mod error;
pub mod index;
pub mod output;
pub mod search;

// The README's Rust examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
