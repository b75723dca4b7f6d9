//! The command line: one clap struct per subcommand. Doc comments are the help text.
//! These raw values are resolved into the library's config structs in `cmd/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::output::OutputFormat;

/// Search archived website privacy policies, section by section.
#[derive(Debug, Parser)]
#[command(name = "policies", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build or update the index from policy files (incremental by default).
    Index(IndexArgs),
    /// Search the index; ranked sections with highlighted snippets.
    Query(QueryArgs),
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Corpus directories or files (default: corpus/).
    pub corpus: Vec<PathBuf>,
    /// Index directory.
    #[arg(long, default_value = "index")]
    pub index: PathBuf,
    /// Threads for parsing and indexing (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Memory budget of the index writer, in MB (at least 16 per thread).
    #[arg(long, default_value_t = 1024)]
    pub memory_mb: usize,
    /// Drop the index's contents and index everything again.
    #[arg(long)]
    pub rebuild: bool,
    /// Skip files larger than this many MiB.
    #[arg(long, default_value_t = 32)]
    pub max_file_mb: u64,
    /// Extra payment processors: one a line, `Name` or `Name: alias, alias`.
    #[arg(long, value_name = "FILE")]
    pub processors: Option<PathBuf>,
    /// No progress bar and no summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// List every skipped file and warning, not only the first 20 of each.
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Query in tantivy syntax: words, "phrases", "phrase"~2, AND/OR/NOT, +/-,
    /// field:value (vendor, date, year, processor, heading, title, body), year:[2010 TO 2015].
    pub query: String,
    /// Index directory [default: index; built from corpus/ on first use].
    #[arg(long)]
    pub index: Option<PathBuf>,
    /// Number of hits to show.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Skip this many hits first (paging).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Only this vendor (domain); repeat for several.
    #[arg(long = "vendor", value_name = "DOMAIN")]
    pub vendors: Vec<String>,
    /// Only policies archived in this year.
    #[arg(long)]
    pub year: Option<u64>,
    /// Only policies archived on or after this date (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only policies archived on or before this date (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Only policies naming this payment processor; repeat for several.
    #[arg(long = "processor", value_name = "NAME")]
    pub processors: Vec<String>,
    /// At most K hits per vendor (the best ones).
    #[arg(long, value_name = "K")]
    pub per_vendor: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Snippet length in characters.
    #[arg(long, default_value_t = 240)]
    pub snippet_chars: usize,
    /// Print only the number of matching sections.
    #[arg(long)]
    pub count: bool,
}
