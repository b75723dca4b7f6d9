//! The command line: one clap struct per subcommand. Doc comments are the help text.
//! These raw values are resolved into the library's config structs in `cmd/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use policies::output::OutputFormat;
use policies::search::trend::Period;

/// Output formats of `query`, `trend` and `vendors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Human,
    Json,
    Jsonl,
    Csv,
}

impl From<FormatArg> for OutputFormat {
    fn from(f: FormatArg) -> OutputFormat {
        match f {
            FormatArg::Human => OutputFormat::Human,
            FormatArg::Json => OutputFormat::Json,
            FormatArg::Jsonl => OutputFormat::Jsonl,
            FormatArg::Csv => OutputFormat::Csv,
        }
    }
}

/// Period lengths of `trend --by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PeriodArg {
    Year,
    Month,
}

impl From<PeriodArg> for Period {
    fn from(p: PeriodArg) -> Period {
        match p {
            PeriodArg::Year => Period::Year,
            PeriodArg::Month => Period::Month,
        }
    }
}

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
    /// Share of snapshots matching each query, per year or month.
    Trend(TrendArgs),
    /// What the index holds.
    Stats(StatsArgs),
    /// A whole policy snapshot: by section id, policy id, or vendor.
    Show(ShowArgs),
    /// Vendors with their snapshots; with a query, those that match and since when.
    Vendors(VendorsArgs),
    /// Sections added, removed and changed between two snapshots of a vendor.
    Diff(DiffArgs),
    /// A local search page and JSON API over the index (read-only).
    Serve(ServeArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the manual page (roff), e.g. `policies man > policies.1`.
    Man,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The vendor (domain).
    pub vendor: String,
    /// The older snapshot's archive date (YYYY-MM-DD) [default: the one before --to].
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// The newer snapshot's archive date (YYYY-MM-DD) [default: the latest].
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Index directory [default: index].
    #[arg(long)]
    pub index: Option<PathBuf>,
    /// Output format (human or json).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Index directory [default: index; built from corpus/ on first use].
    #[arg(long)]
    pub index: Option<PathBuf>,
    /// Address to listen on; 0.0.0.0:PORT makes it reachable from other machines.
    #[arg(long, default_value = "127.0.0.1:7070")]
    pub bind: std::net::SocketAddr,
    /// Open the search page in a browser once listening.
    #[arg(long)]
    pub open: bool,
    /// No access log on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Filters shared by `query`, `trend` and `vendors`.
#[derive(Debug, Args, Clone, Default)]
pub struct FilterArgs {
    /// Only this vendor (domain); repeat for several.
    #[arg(long = "vendor", value_name = "DOMAIN")]
    pub vendors: Vec<String>,
    /// Only policies archived in this year.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=9999))]
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
}

/// The formats of `stats` and `show`: one object, for people or for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Human,
    Json,
}

impl From<ReportFormat> for OutputFormat {
    fn from(f: ReportFormat) -> OutputFormat {
        match f {
            ReportFormat::Human => OutputFormat::Human,
            ReportFormat::Json => OutputFormat::Json,
        }
    }
}

/// A facet of `query --facet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FacetArg {
    Year,
    Vendor,
    Processor,
}

#[derive(Debug, Args)]
pub struct TrendArgs {
    /// One or more queries, compared side by side.
    #[arg(required = true)]
    pub queries: Vec<String>,
    /// Index directory [default: index].
    #[arg(long)]
    pub index: Option<PathBuf>,
    /// Period length.
    #[arg(long, value_enum, default_value_t = PeriodArg::Year)]
    pub by: PeriodArg,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Output format (human, json, jsonl: one period a line, csv).
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Also draw the share per period to this file (.svg or .png).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Index directory [default: index].
    #[arg(long)]
    pub index: Option<PathBuf>,
    /// Output format (human or json).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A section id (from query output), a policy id, or a vendor domain.
    pub target: String,
    /// With a vendor: the snapshot archived on this date (YYYY-MM-DD).
    #[arg(long, conflicts_with = "latest")]
    pub date: Option<String>,
    /// With a vendor: its latest snapshot.
    #[arg(long)]
    pub latest: bool,
    /// Index directory [default: index].
    #[arg(long)]
    pub index: Option<PathBuf>,
    /// Output format (human or json).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct VendorsArgs {
    /// Only vendors with a section matching this query.
    pub query: Option<String>,
    /// Index directory [default: index].
    #[arg(long)]
    pub index: Option<PathBuf>,
    /// Output format (human, json, jsonl: one vendor a line, csv).
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Corpus directories or files (default: corpus/).
    #[arg(conflicts_with = "git")]
    pub corpus: Vec<PathBuf>,
    /// Index every version of every policy file in this git repository's history
    /// (read directly, no checkout), instead of files on disk.
    #[arg(long, value_name = "REPO")]
    pub git: Option<PathBuf>,
    /// With --git: the revision whose history is indexed.
    #[arg(long, default_value = "HEAD", requires = "git")]
    pub rev: String,
    /// With --git: only paths matching these globs (e.g. 'a/**'); default all .md/.markdown/.txt.
    #[arg(long, value_name = "GLOB", requires = "git")]
    pub paths: Vec<String>,
    /// Index directory.
    #[arg(long, default_value = "index")]
    pub index: PathBuf,
    /// Threads for parsing and indexing (default: all cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Memory budget of the index writer, in MB (at least 16 per thread).
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(16..=1_000_000))]
    pub memory_mb: u32,
    /// Drop the index's contents and index everything again.
    #[arg(long)]
    pub rebuild: bool,
    /// Skip files larger than this many MiB (records indexed earlier for a file now
    /// over the limit are kept; --rebuild drops them).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_file_mb: u64,
    /// Extra payment processors: one a line, `Name` or `Name: alias, alias`.
    #[arg(long, value_name = "FILE")]
    pub processors: Option<PathBuf>,
    /// Commit a checkpoint after about this many MB of input, so an interrupted run
    /// resumes from there.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub checkpoint_mb: u64,
    /// Treat every warning and skipped file as a failure (exit 2, after the full report).
    #[arg(long)]
    pub strict: bool,
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
    /// Number of hits to show (any number; 0 prints only the count).
    #[arg(long, default_value_t = 10, conflicts_with = "all")]
    pub limit: usize,
    /// Every hit, streamed one by one (JSONL and CSV in constant memory).
    #[arg(long)]
    pub all: bool,
    /// Match the exact wording: unfielded words and phrases are not stemmed
    /// ("third party" does not match "third parties"). Per term: exact:"third party".
    #[arg(long)]
    pub exact: bool,
    /// Skip this many hits first (paging).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// At most K hits per vendor (the best ones); --count then counts those.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..))]
    pub per_vendor: Option<u32>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Snippet length in characters (20 to 100000).
    #[arg(long, default_value_t = 240, value_parser = clap::value_parser!(u32).range(20..=100_000))]
    pub snippet_chars: u32,
    /// Print only the number of matching sections.
    #[arg(long)]
    pub count: bool,
    /// Count all matching sections and policies by these (comma-separated): year, vendor, processor.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub facet: Vec<FacetArg>,
    /// Most values shown for the vendor and processor facets.
    #[arg(long, default_value_t = 10)]
    pub facet_limit: usize,
}
