//! Printers of the research reports: a vendor's history under a query, clusters of
//! sites sharing a text, rising and falling words.

use std::io::{self, Write};

use super::OutputFormat;
use super::{csv_error, write_json_line as json_line, write_json_pretty as json_pretty};
use crate::search::research::{Clusters, History, Rising, RisingTerm};

fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

/// Prints a vendor's history: one line per snapshot, changes marked.
pub fn print_history(out: &mut dyn Write, h: &History, format: OutputFormat) -> io::Result<()> {
    match format {
        OutputFormat::Json => json_pretty(out, h),
        OutputFormat::Jsonl => {
            for s in &h.snapshots {
                json_line(out, s)?;
            }
            Ok(())
        }
        OutputFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "date",
                "policy_id",
                "matched",
                "sections_matching",
                "change",
                "url",
                "revision",
            ])
            .map_err(csv_error)?;
            for s in &h.snapshots {
                w.write_record([
                    opt(&s.date),
                    &s.policy_id,
                    if s.matched { "true" } else { "false" },
                    &s.sections_matching.to_string(),
                    opt(&s.change),
                    opt(&s.url),
                    opt(&s.revision),
                ])
                .map_err(csv_error)?;
            }
            w.flush()
        }
        OutputFormat::Human => {
            writeln!(
                out,
                "{}: {} of {} snapshots match {}",
                h.vendor,
                h.matching,
                h.snapshots.len(),
                h.query
            )?;
            for s in &h.snapshots {
                let mark = match s.change.as_deref() {
                    Some("appeared") => "+ appeared   ",
                    Some("disappeared") => "- disappeared",
                    _ if s.matched => "  matches    ",
                    _ => "             ",
                };
                write!(
                    out,
                    "{mark} {:<10} {}",
                    s.date.as_deref().unwrap_or("undated"),
                    s.policy_id
                )?;
                if s.matched {
                    write!(out, " ({} sections)", s.sections_matching)?;
                }
                if let Some(u) = &s.url {
                    write!(out, "  {u}")?;
                }
                if let Some(r) = &s.revision {
                    write!(out, "  commit {}", r.get(..12).unwrap_or(r))?;
                }
                writeln!(out)?;
            }
            Ok(())
        }
    }
}

/// Prints clusters of sites sharing a text, biggest first.
pub fn print_clusters(out: &mut dyn Write, c: &Clusters, format: OutputFormat) -> io::Result<()> {
    match format {
        OutputFormat::Json => json_pretty(out, c),
        OutputFormat::Jsonl => {
            for g in &c.clusters {
                json_line(out, g)?;
            }
            Ok(())
        }
        OutputFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "sites",
                "snapshots",
                "first_date",
                "last_date",
                "example_policy_id",
                "vendors",
            ])
            .map_err(csv_error)?;
            for g in &c.clusters {
                w.write_record([
                    &g.sites.to_string(),
                    &g.snapshots.to_string(),
                    opt(&g.first_date),
                    opt(&g.last_date),
                    &g.example_policy_id,
                    &g.vendors.join(" "),
                ])
                .map_err(csv_error)?;
            }
            w.flush()
        }
        OutputFormat::Human => {
            writeln!(
                out,
                "{} groups of two sites or more share one {} text ({} snapshots looked at){}",
                c.total_clusters,
                if c.mode == "near" {
                    "near-identical"
                } else {
                    "identical"
                },
                c.snapshots,
                if (c.clusters.len() as u64) < c.total_clusters {
                    format!("; the {} biggest:", c.clusters.len())
                } else {
                    String::new()
                }
            )?;
            for g in &c.clusters {
                let shown: Vec<&str> = g.vendors.iter().take(8).map(String::as_str).collect();
                let more = g.vendors.len().saturating_sub(shown.len());
                writeln!(
                    out,
                    "{:>5} sites {:>6} snapshots  {} … {}  e.g. {}\n      {}{}",
                    g.sites,
                    g.snapshots,
                    g.first_date.as_deref().unwrap_or("undated"),
                    g.last_date.as_deref().unwrap_or("undated"),
                    g.example_policy_id,
                    shown.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                )?;
            }
            Ok(())
        }
    }
}

/// Prints rising and falling words.
pub fn print_rising(out: &mut dyn Write, r: &Rising, format: OutputFormat) -> io::Result<()> {
    match format {
        OutputFormat::Json => json_pretty(out, r),
        OutputFormat::Jsonl | OutputFormat::Csv => {
            let rows: Vec<(&str, &RisingTerm)> = r
                .rising
                .iter()
                .map(|t| ("rising", t))
                .chain(r.falling.iter().map(|t| ("falling", t)))
                .collect();
            if format == OutputFormat::Jsonl {
                for (direction, t) in rows {
                    let mut v = serde_json::to_value(t).map_err(io::Error::other)?;
                    v["direction"] = direction.into();
                    json_line(out, &v)?;
                }
                return Ok(());
            }
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "direction",
                "term",
                "from_policies",
                "to_policies",
                "from_share",
                "to_share",
                "change",
            ])
            .map_err(csv_error)?;
            for (direction, t) in rows {
                w.write_record([
                    direction,
                    &t.term,
                    &t.from_policies.to_string(),
                    &t.to_policies.to_string(),
                    &format!("{:.6}", t.from_share),
                    &format!("{:.6}", t.to_share),
                    &format!("{:.6}", t.change),
                ])
                .map_err(csv_error)?;
            }
            w.flush()
        }
        OutputFormat::Human => {
            writeln!(
                out,
                "{} ({} policies) → {} ({} policies): {} words held by at least {} policies \
                 compared (stemmed: cooki = cookie, cookies, …)",
                r.from, r.from_policies, r.to, r.to_policies, r.terms_compared, r.min_policies
            )?;
            for (title, list) in [("rising", &r.rising), ("falling", &r.falling)] {
                writeln!(out, "\n{title}:")?;
                writeln!(
                    out,
                    "  {:<24} {:>8} {:>8} {:>8}",
                    "word", r.from, r.to, "change"
                )?;
                for t in list.iter() {
                    writeln!(
                        out,
                        "  {:<24} {:>7.1}% {:>7.1}% {:>+7.1}",
                        t.term,
                        t.from_share * 100.0,
                        t.to_share * 100.0,
                        t.change * 100.0
                    )?;
                }
            }
            Ok(())
        }
    }
}
