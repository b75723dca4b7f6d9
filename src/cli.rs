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
    /// Half-years: 2018-H1 is January to June.
    Half,
    Quarter,
    Month,
}

impl From<PeriodArg> for Period {
    fn from(p: PeriodArg) -> Period {
        match p {
            PeriodArg::Year => Period::Year,
            PeriodArg::Half => Period::Half,
            PeriodArg::Quarter => Period::Quarter,
            PeriodArg::Month => Period::Month,
        }
    }
}

/// `trend --unit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UnitArg {
    /// Every snapshot counts.
    Snapshots,
    /// A site counts once per period (matching if one of its snapshots matches).
    Sites,
}

/// `trend --dedup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DedupArg {
    None,
    /// Identical normalised texts count once per period.
    Exact,
    /// Texts whose simhashes differ in at most 3 of 64 bits count once per period.
    Near,
}

/// `trend --metric`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MetricArg {
    Words,
    Sentences,
    Sections,
    Flesch,
    #[value(name = "fk_grade")]
    FkGrade,
    Smog,
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
    /// Every snapshot of a vendor with whether a query matches it: since when, and
    /// until when.
    History(HistoryArgs),
    /// The biggest groups of sites sharing one policy text (templates, boilerplate).
    Clusters(ClustersArgs),
    /// Words whose share of policies rose or fell most between two periods.
    Rising(RisingArgs),
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
pub struct HistoryArgs {
    /// The vendor (domain).
    pub vendor: String,
    /// The query each snapshot is checked against.
    pub query: String,
    /// Match the exact wording (see `query --exact`).
    #[arg(long)]
    pub exact: bool,
    /// Index directory [default: index].
    #[arg(long)]
    pub index: Option<PathBuf>,
    /// Output format (human, json, jsonl: one snapshot a line, csv).
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
}

#[derive(Debug, Args)]
pub struct ClustersArgs {
    /// Group near-identical texts too (simhashes at most 3 of 64 bits apart), not only
    /// identical ones.
    #[arg(long)]
    pub near: bool,
    /// Most groups listed.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Index directory [default: index].
    #[arg(long)]
    pub index: Option<PathBuf>,
    /// Output format (human, json, jsonl: one group a line, csv).
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
}

#[derive(Debug, Args)]
pub struct RisingArgs {
    /// The earlier period: 2016, 2016-H1, 2016-Q3 or 2016-05.
    #[arg(long, value_name = "PERIOD")]
    pub from: String,
    /// The later period, written the same way.
    #[arg(long, value_name = "PERIOD")]
    pub to: String,
    /// Only words held by at least this many policies in one of the periods.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub min_policies: u64,
    /// Words listed each way (rising and falling).
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Index directory [default: index].
    #[arg(long)]
    pub index: Option<PathBuf>,
    /// Output format (human, json, jsonl: one word a line, csv).
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
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
    /// Megabytes of search answers kept for the index's current commit, so that a
    /// repeated search is answered without searching again (0: keep none).
    #[arg(long, value_name = "MB", default_value_t = 64,
          value_parser = clap::value_parser!(u64).range(0..=16384))]
    pub cache_mb: u64,
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
    /// Only policies of at least this many words.
    #[arg(long, value_name = "N")]
    pub min_words: Option<u64>,
    /// Only policies of at most this many words.
    #[arg(long, value_name = "N")]
    pub max_words: Option<u64>,
    /// Only policies of at least this Flesch-Kincaid grade.
    #[arg(long, value_name = "GRADE")]
    pub min_fk: Option<f64>,
    /// Only policies of at most this Flesch-Kincaid grade.
    #[arg(long, value_name = "GRADE")]
    pub max_fk: Option<f64>,
}

/// Filters of `query` and `vendors` that `trend` does not take.
#[derive(Debug, Args, Clone, Default)]
pub struct SelectArgs {
    /// Only policies naming this entity, as CATEGORY:NAME (processor, tracker, program,
    /// law; e.g. tracker:Google, law:GDPR); repeat: one of the names of each category.
    #[arg(long = "entity", value_name = "CATEGORY:NAME")]
    pub entities: Vec<String>,
    /// Only the latest snapshot of each vendor archived on or before this date
    /// (YYYY, YYYY-MM or YYYY-MM-DD: the period's last day).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
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
    Tracker,
    Program,
    Law,
}

#[derive(Debug, Args)]
pub struct TrendArgs {
    /// One or more queries, compared side by side.
    #[arg(required_unless_present_any = ["entities", "metric"])]
    pub queries: Vec<String>,
    /// A series of the policies naming an entity, as CATEGORY:NAME (law:GDPR,
    /// tracker:Google); repeat for several.
    #[arg(long = "entity", value_name = "CATEGORY:NAME")]
    pub entities: Vec<String>,
    /// What counts once: every snapshot, or each site once per period.
    #[arg(long, value_enum, default_value_t = UnitArg::Snapshots)]
    pub unit: UnitArg,
    /// Count identical (exact) or near-identical (near) texts once per period.
    #[arg(long, value_enum, default_value_t = DedupArg::None)]
    pub dedup: DedupArg,
    /// Also give this measure's median, quartiles and mean per period.
    #[arg(long, value_enum)]
    pub metric: Option<MetricArg>,
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
    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub select: SelectArgs,
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
    /// Entity dictionaries (TOML) adding to or replacing the built-in processors,
    /// trackers, programs and laws; see the README. Files already indexed keep their
    /// entities until they change or --rebuild.
    #[arg(long, value_name = "FILE")]
    pub entities: Option<PathBuf>,
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
    #[command(flatten)]
    pub select: SelectArgs,
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
    /// Count all matching sections and policies by these (comma-separated): year, vendor,
    /// processor, tracker, program, law.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub facet: Vec<FacetArg>,
    /// Most values shown for the vendor and processor facets.
    #[arg(long, default_value_t = 10)]
    pub facet_limit: usize,
}
