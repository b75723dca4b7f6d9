//! The output stage: human, JSON, JSON Lines and CSV printers. The only code that writes
//! to stdout.

pub mod plot;
pub mod reports;
pub mod research;

use std::io::{self, Write};

use crate::search::{Hit, SearchResult};

/// How records are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Human,
    Json,
    Jsonl,
    Csv,
}

/// Whether to colour: only when stdout is a terminal and `NO_COLOR` is unset or empty.
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

const BOLD_RED: &str = "\x1b[1;31m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// A serde error as an I/O error of the same kind, so a closed pipe stays a closed pipe
/// (the command layer exits quietly on one).
pub fn json_error(e: serde_json::Error) -> io::Error {
    match e.io_error_kind() {
        Some(kind) => io::Error::new(kind, e),
        None => io::Error::other(e),
    }
}

/// A CSV error as an I/O error, keeping the kind of an underlying I/O error.
pub fn csv_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// One CSV record as bytes, quoted as needed, ending in a newline.
fn csv_line<T: AsRef<[u8]>>(fields: &[T]) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields).map_err(csv_error)?;
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// Writes `value` as one line of JSON.
pub fn write_json_line<T: serde::Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(json_error)?;
    writeln!(out)
}

/// Writes `value` as indented JSON.
pub fn write_json_pretty<T: serde::Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(json_error)?;
    writeln!(out)
}

/// Prints hits as they come (JSONL, CSV and human output stream; JSON holds the page
/// until [`HitPrinter::finish`] prints the whole object).
pub struct HitPrinter<'a> {
    out: &'a mut dyn Write,
    format: OutputFormat,
    count_only: bool,
    color: bool,
    index_complete: bool,
    /// JSON only: the hits of the page.
    held: Vec<Hit>,
    csv_started: bool,
    shown: usize,
    first_rank: usize,
}

impl<'a> HitPrinter<'a> {
    pub fn new(
        out: &'a mut dyn Write,
        format: OutputFormat,
        count_only: bool,
        color: bool,
        index_complete: bool,
    ) -> HitPrinter<'a> {
        HitPrinter {
            out,
            format,
            count_only,
            color,
            index_complete,
            held: Vec::new(),
            csv_started: false,
            shown: 0,
            first_rank: 0,
        }
    }

    /// Prints (or, for JSON, holds) one hit.
    pub fn hit(&mut self, hit: &Hit) -> io::Result<()> {
        if self.shown == 0 {
            self.first_rank = hit.rank;
        }
        self.shown += 1;
        match self.format {
            OutputFormat::Human => print_human_hit(self.out, hit, self.color),
            OutputFormat::Json => {
                self.held.push(hit.clone());
                Ok(())
            }
            OutputFormat::Jsonl => write_json_line(self.out, hit),
            OutputFormat::Csv => {
                if !self.csv_started {
                    self.start_csv()?;
                }
                self.out.write_all(&csv_line(&csv_row(hit))?)
            }
        }
    }

    fn start_csv(&mut self) -> io::Result<()> {
        self.out.write_all(&csv_line(CSV_HEADER)?)?;
        self.csv_started = true;
        Ok(())
    }

    /// Prints what follows the hits: the count, the footer, the facets; for JSON, the
    /// whole object.
    pub fn finish(mut self, result: &SearchResult) -> io::Result<()> {
        let matched = result.per_vendor_hits.unwrap_or(result.total_hits);
        match self.format {
            OutputFormat::Human => {
                if self.count_only {
                    writeln!(self.out, "{matched}")?;
                } else {
                    self.human_footer(result)?;
                }
                if let Some(facets) = &result.facets {
                    if !self.count_only {
                        writeln!(self.out)?;
                    }
                    reports::print_facets_human(self.out, facets)?;
                }
                Ok(())
            }
            OutputFormat::Json => {
                let mut whole = result.clone();
                whole.hits = std::mem::take(&mut self.held);
                whole.index_complete = self.index_complete;
                write_json_pretty(self.out, &whole)
            }
            OutputFormat::Jsonl => {
                if self.count_only {
                    let mut line = serde_json::json!({
                        "query": result.query,
                        "total_hits": result.total_hits,
                        "took_ms": result.took_ms,
                        "index_complete": self.index_complete,
                    });
                    if let Some(n) = result.per_vendor_hits {
                        line["per_vendor_hits"] = n.into();
                    }
                    write_json_line(self.out, &line)?;
                }
                // Facets, when asked for, come last, on a line of their own.
                if let Some(facets) = &result.facets {
                    write_json_line(
                        self.out,
                        &serde_json::json!({ "facets": facets, "index_complete": self.index_complete }),
                    )?;
                }
                Ok(())
            }
            OutputFormat::Csv if self.count_only => {
                let mut w = csv::Writer::from_writer(&mut *self.out);
                w.write_record(["total_hits"]).map_err(csv_error)?;
                w.write_record([matched.to_string()]).map_err(csv_error)?;
                w.flush()
            }
            OutputFormat::Csv => {
                if !self.csv_started {
                    self.start_csv()?;
                }
                Ok(())
            }
        }
    }

    fn human_footer(&mut self, result: &SearchResult) -> io::Result<()> {
        let total = result.total_hits;
        let noun = if total == 1 { "section" } else { "sections" };
        if self.shown == 0 {
            if total == 0 {
                writeln!(self.out, "no matching sections ({} ms)", result.took_ms)
            } else {
                writeln!(self.out, "{total} matching {noun} ({} ms)", result.took_ms)
            }
        } else {
            writeln!(
                self.out,
                "hits {}–{} of {total} matching {noun} ({} ms)",
                self.first_rank,
                self.first_rank + self.shown - 1,
                result.took_ms
            )
        }
    }
}

fn print_human_hit(out: &mut dyn Write, hit: &Hit, color: bool) -> io::Result<()> {
    let (bold, hl, dim, reset) = if color {
        (BOLD, BOLD_RED, DIM, RESET)
    } else {
        ("", "", "", "")
    };
    let date = hit.date.as_deref().unwrap_or("undated");
    writeln!(
        out,
        "{bold}{}. {}{reset} · {} · {}",
        hit.rank,
        hit.vendor,
        date,
        hit.heading_path.join(" › ")
    )?;
    if hit.snippet.text.is_empty() {
        writeln!(out, "   {dim}(a heading with no text of its own){reset}")?;
    } else {
        writeln!(
            out,
            "   {}",
            mark(&hit.snippet.text, &hit.snippet.highlights, hl, reset)
        )?;
    }
    let processors = if hit.processors.is_empty() {
        String::new()
    } else {
        format!("  processors: {}", hit.processors.join(", "))
    };
    writeln!(
        out,
        "   {dim}id {}  score {:.2}{processors}{reset}",
        hit.id, hit.score
    )?;
    writeln!(out)
}

/// Wraps the highlighted character ranges of `text` in `on`/`off`.
fn mark(text: &str, highlights: &[[usize; 2]], on: &str, off: &str) -> String {
    if on.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + highlights.len() * 12);
    let mut ranges = highlights.iter().peekable();
    for (i, c) in text.chars().enumerate() {
        if ranges.peek().is_some_and(|r| r[0] == i) {
            out.push_str(on);
        }
        out.push(c);
        if ranges.peek().is_some_and(|r| r[1] == i + 1) {
            out.push_str(off);
            ranges.next();
        }
    }
    out
}

/// The CSV columns, in order.
pub const CSV_HEADER: &[&str] = &[
    "rank",
    "score",
    "id",
    "vendor",
    "date",
    "year",
    "title",
    "heading",
    "heading_path",
    "processors",
    "snippet",
    "url",
    "path",
    "trackers",
    "programs",
    "laws",
];

fn csv_row(h: &Hit) -> [String; 16] {
    [
        h.rank.to_string(),
        format!("{:.4}", h.score),
        h.id.clone(),
        h.vendor.clone(),
        h.date.clone().unwrap_or_default(),
        h.year.map(|y| y.to_string()).unwrap_or_default(),
        h.title.clone().unwrap_or_default(),
        h.heading.clone(),
        h.heading_path.join(" > "),
        h.processors.join(";"),
        h.snippet.text.clone(),
        h.url.clone().unwrap_or_default(),
        h.path.clone(),
        h.trackers.join(";"),
        h.programs.join(";"),
        h.laws.join(";"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mark_wraps_character_ranges() {
        assert_eq!(
            mark("é credit card x", &[[2, 13]], "<", ">"),
            "é <credit card> x"
        );
        assert_eq!(mark("abc", &[[0, 1]], "", ""), "abc");
    }
}
