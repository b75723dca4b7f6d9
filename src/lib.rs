//! `policies`: make archived website privacy policies searchable, section by section.
//!
//! The data goes corpus → index → search → output; each stage is a module. The command
//! layer (`cmd`) resolves command-line arguments into config structs and glues the
//! stages together.

pub mod cli;
pub mod cmd;
pub mod corpus;
pub mod error;
pub mod index;
pub mod output;
pub mod search;

pub use cmd::run;
