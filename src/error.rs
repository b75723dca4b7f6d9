//! Errors of the library, one enum per stage, so callers can branch on what went wrong.

use std::path::PathBuf;

/// Errors reading corpus material (files, processor tables).
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    ProcessorFile {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(
        "two corpus roots are named {name:?} ({path} is the second): section ids derive from \
         the root's name and the path below it; index them into separate indexes or rename one"
    )]
    DuplicateRootName { name: String, path: PathBuf },
    #[error("corpus path {path}")]
    Root {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Errors opening, building or reading an index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("no index at {path}; build one with `policies index --index {path}`")]
    Missing { path: PathBuf },
    #[error(
        "the index at {path} has schema version {found}, this program needs version {expected}; \
         run `policies index --rebuild --index {path}{roots}`{git}"
    )]
    SchemaVersion {
        path: PathBuf,
        found: String,
        expected: u32,
        /// The corpus roots the index was built from, each after a space (empty if none).
        roots: String,
        /// How to add back the git histories it held (empty if none).
        git: String,
    },
    #[error(
        "the index at {path} is damaged or not a policies index ({reason}); \
         run `policies index --rebuild --index {path}`"
    )]
    Damaged { path: PathBuf, reason: String },
    #[error(
        "the index at {path} holds nothing yet: a build created it and has not committed \
         (it is still starting, or it was stopped before its first checkpoint); \
         run `policies index --index {path}` to build it"
    )]
    NotYetCommitted { path: PathBuf },
    #[error(
        "permission denied: cannot read {path}; ask its owner for read access \
         (the index itself may be fine)"
    )]
    PermissionDenied { path: PathBuf },
    #[error("{path} is a file, not an index directory; choose another --index directory")]
    NotADirectory { path: PathBuf },
    #[error("{path} exists and is not a policies index; choose another --index directory")]
    NotAnIndex { path: PathBuf },
    #[error(
        "the index at {path} is being written by another `policies index` run; \
         wait for it to finish (queries meanwhile answer from its last commit)"
    )]
    Locked { path: PathBuf },
    #[error("git repository {repo}: {message}")]
    Git { repo: PathBuf, message: String },
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

/// Errors turning user input into a search.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("bad query {query:?}: {message}")]
    BadQuery { query: String, message: String },
    #[error("bad {argument}: {message}")]
    BadArgument {
        argument: &'static str,
        message: String,
    },
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("search error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// The consumer of streamed hits failed (stdout closed, a full disk, …).
    #[error("cannot write the hits")]
    Sink(#[source] std::io::Error),
}
