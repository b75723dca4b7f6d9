//! The output stage: human, JSON, JSON Lines and CSV printers. The only code that writes
//! to stdout.

pub mod plot;
pub mod reports;

use std::io::{self, Write};

use crate::search::{Hit, SearchResult};

/// How records are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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

/// Prints a search result in `format` to `out`.
pub fn print_search(
    out: &mut dyn Write,
    result: &SearchResult,
    format: OutputFormat,
    count_only: bool,
    color: bool,
) -> io::Result<()> {
    match format {
        OutputFormat::Human => {
            if count_only {
                writeln!(out, "{}", result.total_hits)?;
            } else {
                print_human(out, result, color)?;
            }
            if let Some(facets) = &result.facets {
                if !count_only {
                    writeln!(out)?;
                }
                reports::print_facets_human(out, facets)?;
            }
            Ok(())
        }
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, result).map_err(io::Error::other)?;
            writeln!(out)
        }
        OutputFormat::Jsonl => {
            if count_only {
                serde_json::to_writer(&mut *out, &serde_json::json!({
                    "query": result.query, "total_hits": result.total_hits, "took_ms": result.took_ms
                }))
                .map_err(io::Error::other)?;
                writeln!(out)?;
            } else {
                for hit in &result.hits {
                    serde_json::to_writer(&mut *out, hit).map_err(io::Error::other)?;
                    writeln!(out)?;
                }
            }
            // Facets, when asked for, come last, on a line of their own.
            if let Some(facets) = &result.facets {
                serde_json::to_writer(&mut *out, &serde_json::json!({ "facets": facets }))
                    .map_err(io::Error::other)?;
                writeln!(out)?;
            }
            Ok(())
        }
        OutputFormat::Csv if count_only => writeln!(out, "total_hits\n{}", result.total_hits),
        OutputFormat::Csv => print_csv(out, &result.hits),
    }
}

fn print_human(out: &mut dyn Write, result: &SearchResult, color: bool) -> io::Result<()> {
    let (bold, hl, dim, reset) = if color {
        (BOLD, BOLD_RED, DIM, RESET)
    } else {
        ("", "", "", "")
    };
    for hit in &result.hits {
        let date = hit.date.as_deref().unwrap_or("undated");
        writeln!(
            out,
            "{bold}{}. {}{reset} · {} · {}",
            hit.rank,
            hit.vendor,
            date,
            hit.heading_path.join(" › ")
        )?;
        writeln!(
            out,
            "   {}",
            mark(&hit.snippet.text, &hit.snippet.highlights, hl, reset)
        )?;
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
        writeln!(out)?;
    }
    let shown = result.hits.len();
    let first = result.hits.first().map_or(0, |h| h.rank);
    if shown == 0 {
        writeln!(
            out,
            "no hits of {} matching sections ({} ms)",
            result.total_hits, result.took_ms
        )
    } else {
        writeln!(
            out,
            "hits {}–{} of {} matching sections ({} ms)",
            first,
            first + shown - 1,
            result.total_hits,
            result.took_ms
        )
    }
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
];

fn print_csv(out: &mut dyn Write, hits: &[Hit]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for h in hits {
        w.write_record([
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
        ])?;
    }
    w.flush()
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
