//! The corpus stage: find policy files, read their bytes, parse one policy into
//! sections, detect the entities it names and measure it. Pure functions: no index, no
//! printing.

pub mod entities;
pub mod header;
pub mod measures;
pub mod parse;
pub mod walk;

pub use entities::{Category, EntityMatcher, Found};
pub use parse::{Policy, Section, parse_policy};
pub use walk::{
    FileEntry, LoadedFile, SkipReason, TextEncoding, from_bytes, load_file, walk_roots,
};
