//! The corpus stage: find policy files, read their bytes, parse one policy into
//! sections and detect the processors it names. Pure functions: no index, no printing.

pub mod header;
pub mod parse;
pub mod processors;
pub mod walk;

pub use parse::{Policy, Section, parse_policy};
pub use processors::ProcessorMatcher;
pub use walk::{
    FileEntry, LoadedFile, SkipReason, TextEncoding, from_bytes, load_file, walk_roots,
};
