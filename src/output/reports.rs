//! Printers for facets, trends, stats, `show` and `vendors`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::OutputFormat;
use crate::search::FacetCount;
use crate::search::browse::{PolicyView, Shown, Stats, VendorRow};
use crate::search::diff::{Change, PolicyDiff};
use crate::search::trend::{Dedup, Summary, Trend, Unit};

use super::{csv_error, write_json_line as json_line, write_json_pretty as json_pretty};

/// A small table per facet.
pub fn print_facets_human(
    out: &mut dyn Write,
    facets: &BTreeMap<String, Vec<FacetCount>>,
) -> io::Result<()> {
    // A fixed, natural order rather than the map's alphabetical one.
    let order = ["year", "month", "vendor", "processor"];
    let mut names: Vec<&String> = facets.keys().collect();
    names.sort_by_key(|n| order.iter().position(|o| o == n).unwrap_or(order.len()));
    for name in names {
        let counts = &facets[name];
        let width = counts
            .iter()
            .map(|c| c.value.to_string().chars().count())
            .chain([name.len()])
            .max()
            .unwrap_or(4);
        writeln!(out, "{name:<width$}  {:>9}  {:>9}", "sections", "policies")?;
        for c in counts {
            writeln!(
                out,
                "{:<width$}  {:>9}  {:>9}",
                c.value.to_string(),
                c.sections,
                c.policies
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// `1 vendor`, `2 vendors`: a count with its noun in the right number.
pub fn count_of(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A bar of `fraction` (0..=1) in `width` cells, with eighth-cell resolution.
pub fn bar(fraction: f64, width: usize) -> String {
    const PARTS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];
    let eighths = (fraction.clamp(0.0, 1.0) * (width * 8) as f64).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        s.push(PARTS[eighths % 8 - 1]);
    }
    let len = s.chars().count();
    s.push_str(&" ".repeat(width.saturating_sub(len)));
    s
}

/// Prints a trend.
pub fn print_trend(out: &mut dyn Write, t: &Trend, format: OutputFormat) -> io::Result<()> {
    let summary_cols = ["n", "mean", "min", "q1", "median", "q3", "max"];
    let summary_values = |s: &Option<Summary>| -> Vec<String> {
        match s {
            Some(s) => [s.n as f64, s.mean, s.min, s.q1, s.median, s.q3, s.max]
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    if i == 0 {
                        format!("{v}")
                    } else {
                        format!("{v:.3}")
                    }
                })
                .collect(),
            None => vec![String::new(); 7],
        }
    };
    match format {
        OutputFormat::Json => json_pretty(out, t),
        OutputFormat::Jsonl => {
            for row in &t.rows {
                json_line(out, row)?;
            }
            Ok(())
        }
        OutputFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            let mut header = vec![
                "period".to_string(),
                "total".to_string(),
                "policies_total".to_string(),
            ];
            if t.metric.is_some() {
                header.extend(summary_cols.iter().map(|c| format!("all:{c}")));
            }
            for q in &t.queries {
                for col in [
                    "matching",
                    "share",
                    "policies_matching",
                    "sections_matching",
                ] {
                    header.push(format!("{q}:{col}"));
                }
                if t.metric.is_some() {
                    header.extend(summary_cols.iter().map(|c| format!("{q}:{c}")));
                }
            }
            w.write_record(&header).map_err(csv_error)?;
            for row in &t.rows {
                let mut rec = vec![
                    row.period.clone(),
                    row.total.to_string(),
                    row.policies_total.to_string(),
                ];
                if t.metric.is_some() {
                    rec.extend(summary_values(&row.metric));
                }
                for c in &row.matches {
                    rec.push(c.matching.to_string());
                    rec.push(format!("{:.6}", c.share));
                    rec.push(c.policies_matching.to_string());
                    rec.push(c.sections_matching.to_string());
                    if t.metric.is_some() {
                        rec.extend(summary_values(&c.metric));
                    }
                }
                w.write_record(&rec).map_err(csv_error)?;
            }
            w.flush()
        }
        OutputFormat::Human => {
            let unit = match (t.unit, t.dedup) {
                (Unit::Snapshots, Dedup::None) => "snapshots".to_string(),
                (Unit::Sites, Dedup::None) => "sites".to_string(),
                (u, d) => format!(
                    "{} with {} texts counted once",
                    if u == Unit::Sites {
                        "sites"
                    } else {
                        "snapshots"
                    },
                    if d == Dedup::Exact {
                        "identical"
                    } else {
                        "near-identical"
                    }
                ),
            };
            writeln!(out, "counting {unit} per period")?;
            let max_share: Vec<f64> = (0..t.queries.len())
                .map(|i| {
                    t.rows
                        .iter()
                        .map(|r| r.matches[i].share)
                        .fold(0.0, f64::max)
                })
                .collect();
            let bar_width = if t.queries.len() == 1 { 30 } else { 12 };
            for (i, q) in t.queries.iter().enumerate() {
                writeln!(
                    out,
                    "[{}] {q}  (bars scaled to the largest share, {:.1}%)",
                    i + 1,
                    max_share[i] * 100.0
                )?;
            }
            let metric_name = t.metric.map(|m| m.field_name().to_string());
            write!(out, "{:<8} {:>8}", "period", "total")?;
            if let Some(m) = &metric_name {
                write!(out, " {:>27}", format!("{m}: q1 / median / q3"))?;
            }
            for i in 0..t.queries.len() {
                write!(
                    out,
                    " │ {:>8} {:>6} {:>8} {:<bar_width$}",
                    format!("[{}]match", i + 1),
                    "share",
                    "sections",
                    ""
                )?;
                if metric_name.is_some() {
                    write!(out, " {:>9}", "median")?;
                }
            }
            writeln!(out)?;
            let quartiles = |s: &Option<Summary>| match s {
                Some(s) => format!("{:.1} / {:.1} / {:.1}", s.q1, s.median, s.q3),
                None => "-".to_string(),
            };
            for row in &t.rows {
                write!(out, "{:<8} {:>8}", row.period, row.total)?;
                if metric_name.is_some() {
                    write!(out, " {:>27}", quartiles(&row.metric))?;
                }
                for (i, c) in row.matches.iter().enumerate() {
                    let scaled = if max_share[i] > 0.0 {
                        c.share / max_share[i]
                    } else {
                        0.0
                    };
                    write!(
                        out,
                        " │ {:>8} {:>5.1}% {:>8} {}",
                        c.matching,
                        c.share * 100.0,
                        c.sections_matching,
                        bar(scaled, bar_width)
                    )?;
                    if metric_name.is_some() {
                        let m = c
                            .metric
                            .as_ref()
                            .map_or("-".to_string(), |s| format!("{:.1}", s.median));
                        write!(out, " {m:>9}")?;
                    }
                }
                writeln!(out)?;
            }
            if t.undated_policies > 0 {
                writeln!(
                    out,
                    "({} snapshots without an archive date are in no period)",
                    t.undated_policies
                )?;
            }
            Ok(())
        }
    }
}

/// Prints index statistics.
pub fn print_stats(out: &mut dyn Write, s: &Stats, format: OutputFormat) -> io::Result<()> {
    if format != OutputFormat::Human {
        return json_pretty(out, s);
    }
    writeln!(out, "policies (snapshots)  {}", s.policies)?;
    writeln!(out, "sections              {}", s.sections)?;
    writeln!(out, "vendors               {}", s.vendors)?;
    writeln!(out, "files                 {}", s.files)?;
    writeln!(
        out,
        "index size            {:.1} MB in {} segments",
        s.index_bytes as f64 / 1e6,
        s.segments
    )?;
    writeln!(out, "schema version        {}", s.schema_version)?;
    writeln!(out, "built at              {}", s.built_at)?;
    writeln!(out, "corpus roots          {}", s.roots.join(", "))?;
    writeln!(out)?;
    let max = s.years.iter().map(|y| y.policies).max().unwrap_or(1).max(1);
    writeln!(out, "{:<8} {:>9}", "year", "snapshots")?;
    for y in &s.years {
        writeln!(
            out,
            "{:<8} {:>9} {}",
            y.year.map_or("unknown".to_string(), |y| y.to_string()),
            y.policies,
            bar(y.policies as f64 / max as f64, 30)
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{:<20} {:>9}", "processor", "policies")?;
    for p in &s.processors {
        writeln!(out, "{:<20} {:>9}", p.processor, p.policies)?;
    }
    Ok(())
}

/// Prints what `show` found.
pub fn print_shown(
    out: &mut dyn Write,
    shown: &Shown,
    format: OutputFormat,
    color: bool,
) -> io::Result<()> {
    if format != OutputFormat::Human {
        return json_pretty(out, shown);
    }
    match shown {
        Shown::Snapshots { vendor, snapshots } => {
            writeln!(
                out,
                "{vendor}: {} snapshots (show one with --date DATE or --latest)",
                snapshots.len()
            )?;
            writeln!(
                out,
                "{:<12} {:<14} {:>8}  processors",
                "date", "policy id", "sections"
            )?;
            for s in snapshots {
                writeln!(
                    out,
                    "{:<12} {:<14} {:>8}  {}",
                    s.date.as_deref().unwrap_or("undated"),
                    s.policy_id,
                    s.sections,
                    s.processors.join(", ")
                )?;
            }
            Ok(())
        }
        Shown::Policy(p) => print_policy(out, p, color),
    }
}

fn print_policy(out: &mut dyn Write, p: &PolicyView, color: bool) -> io::Result<()> {
    let (on, off) = if color {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("", "")
    };
    writeln!(
        out,
        "{} · {} · policy {}",
        p.vendor,
        p.date.as_deref().unwrap_or("undated"),
        p.policy_id
    )?;
    if let Some(u) = &p.url {
        writeln!(out, "{u}")?;
    }
    match (&p.revision, &p.blob) {
        (Some(r), Some(b)) => writeln!(out, "{} at commit {r} (blob {b})", p.path)?,
        _ => writeln!(out, "{}", p.path)?,
    }
    for (name, list) in [
        ("processors", &p.processors),
        ("trackers", &p.trackers),
        ("programs", &p.programs),
        ("laws", &p.laws),
    ] {
        if !list.is_empty() {
            writeln!(out, "{name}: {}", list.join(", "))?;
        }
    }
    let m = &p.measures;
    if let (Some(w), Some(s)) = (m.words, m.sentences) {
        let score = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.1}"));
        writeln!(
            out,
            "{w} words, {s} sentences, {} sections · Flesch reading ease {} · \
             Flesch-Kincaid grade {} · SMOG {}",
            m.sections.unwrap_or(0),
            score(m.flesch),
            score(m.fk_grade),
            score(m.smog)
        )?;
    }
    writeln!(out)?;
    if let Some(t) = &p.title
        && !p
            .sections
            .iter()
            .any(|s| (s.level == 1 && &s.heading == t) || s.lead_headings.contains(t))
    {
        writeln!(out, "# {t}")?;
        writeln!(out)?;
    }
    let mut last_heading: Option<&str> = None;
    for s in &p.sections {
        let marked = p.marked.as_deref() == Some(s.id.as_str());
        if last_heading != Some(s.heading.as_str()) || s.part == 0 {
            let hashes = "#".repeat((s.level as usize).clamp(1, 6));
            for lead in &s.lead_headings {
                writeln!(out, "{hashes} {lead}")?;
                writeln!(out)?;
            }
            if s.level > 0 {
                writeln!(out, "{hashes} {}", s.heading)?;
                writeln!(out)?;
            }
        }
        last_heading = Some(s.heading.as_str());
        if marked {
            writeln!(out, "{on}>>> section {} (asked for){off}", s.id)?;
            for line in s.body.lines() {
                writeln!(out, "{on}┃{off} {line}")?;
            }
            writeln!(out, "{on}<<<{off}")?;
        } else {
            writeln!(out, "{}", s.body)?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Prints the vendor list.
pub fn print_vendors(
    out: &mut dyn Write,
    rows: &[VendorRow],
    format: OutputFormat,
) -> io::Result<()> {
    match format {
        OutputFormat::Json => json_pretty(out, &rows),
        OutputFormat::Jsonl => {
            for r in rows {
                json_line(out, r)?;
            }
            Ok(())
        }
        OutputFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "vendor",
                "snapshots",
                "first_date",
                "last_date",
                "processors",
                "trackers",
                "programs",
                "laws",
                "matching_snapshots",
                "matching_sections",
                "first_match",
                "last_match",
            ])
            .map_err(csv_error)?;
            for r in rows {
                let opt = |v: &Option<String>| v.clone().unwrap_or_default();
                let num = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_default();
                w.write_record([
                    r.vendor.clone(),
                    r.snapshots.to_string(),
                    opt(&r.first_date),
                    opt(&r.last_date),
                    r.processors.join(";"),
                    r.trackers.join(";"),
                    r.programs.join(";"),
                    r.laws.join(";"),
                    num(r.matching_snapshots),
                    num(r.matching_sections),
                    opt(&r.first_match),
                    opt(&r.last_match),
                ])
                .map_err(csv_error)?;
            }
            w.flush()
        }
        OutputFormat::Human => {
            let width = rows
                .iter()
                .map(|r| r.vendor.len())
                .max()
                .unwrap_or(6)
                .max(6);
            let with_query = rows.iter().any(|r| r.matching_snapshots.is_some());
            write!(
                out,
                "{:<width$} {:>9} {:<10} {:<10}",
                "vendor", "snapshots", "first", "last"
            )?;
            if with_query {
                write!(
                    out,
                    " {:>8} {:<10} {:<10}",
                    "matching", "first hit", "last hit"
                )?;
            }
            writeln!(out, "  processors · trackers · programs · laws")?;
            for r in rows {
                let d = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
                write!(
                    out,
                    "{:<width$} {:>9} {:<10} {:<10}",
                    r.vendor,
                    r.snapshots,
                    d(&r.first_date),
                    d(&r.last_date)
                )?;
                if with_query {
                    write!(
                        out,
                        " {:>8} {:<10} {:<10}",
                        r.matching_snapshots.unwrap_or(0),
                        d(&r.first_match),
                        d(&r.last_match)
                    )?;
                }
                let named: Vec<String> = [&r.processors, &r.trackers, &r.programs, &r.laws]
                    .iter()
                    .filter(|l| !l.is_empty())
                    .map(|l| l.join(", "))
                    .collect();
                writeln!(out, "  {}", named.join(" · "))?;
            }
            writeln!(out, "{}", count_of(rows.len() as u64, "vendor", "vendors"))
        }
    }
}

/// Per-file lines shown without --verbose, for skips and for warnings each.
pub const WARNINGS_SHOWN: usize = 20;

/// The summary of an index build: what was done, what was skipped and why (the command
/// writes it to stderr).
pub fn print_build_summary(
    out: &mut dyn Write,
    s: &crate::index::BuildSummary,
    verbose: bool,
) -> io::Result<()> {
    let limit = if verbose { usize::MAX } else { WARNINGS_SHOWN };
    for (path, reason) in s.skipped.iter().take(limit) {
        writeln!(out, "policies: skipped {}: {reason}", path.display())?;
    }
    if s.skipped.len() > limit {
        writeln!(
            out,
            "policies: … and {} more skipped files (--verbose lists all)",
            s.skipped.len() - limit
        )?;
    }
    for (path, warning) in s.warnings.iter().take(limit) {
        writeln!(out, "policies: warning: {}: {warning}", path.display())?;
    }
    if s.warnings.len() > limit {
        writeln!(
            out,
            "policies: … and {} more warnings (--verbose lists all)",
            s.warnings.len() - limit
        )?;
    }
    if s.from_git {
        writeln!(
            out,
            "walked {} new commits: {} distinct new policy versions",
            s.commits, s.files_seen
        )?;
    }
    let noun = if s.from_git { "versions" } else { "files" };
    let secs = s.elapsed.as_secs_f64();
    let mb = s.bytes_read as f64 / 1e6;
    writeln!(
        out,
        "indexed {} {noun} ({} unchanged, {} removed, {} skipped) of {} found: {} sections added, {:.1} MB in {:.2} s ({:.1} MB/s)",
        s.files_indexed,
        s.files_unchanged,
        s.files_removed,
        s.skipped.len(),
        s.files_seen,
        s.sections_added,
        mb,
        secs,
        if secs > 0.0 { mb / secs } else { 0.0 },
    )?;
    let span = s
        .year_span
        .map_or("no dates".to_string(), |(a, b)| format!("years {a}–{b}"));
    writeln!(
        out,
        "index now holds {}, {}, {}, {span} ({} undated)",
        count_of(s.total_policies, "policy", "policies"),
        count_of(s.total_sections, "section", "sections"),
        count_of(s.total_vendors, "vendor", "vendors"),
        count_of(s.undated_policies, "policy", "policies")
    )?;
    if s.no_header > 0 {
        writeln!(
            out,
            "{} without the archive header (vendor from file name, no date)",
            count_of(s.no_header, "file", "files")
        )?;
    }
    if s.windows_1252 > 0 || s.utf16 > 0 || s.replaced > 0 {
        let mut parts = Vec::new();
        if s.windows_1252 > 0 {
            parts.push(format!(
                "{} decoded as Windows-1252 (not valid UTF-8)",
                count_of(s.windows_1252, "file", "files")
            ));
        }
        if s.utf16 > 0 {
            parts.push(format!(
                "{} decoded as UTF-16 (byte-order mark)",
                count_of(s.utf16, "file", "files")
            ));
        }
        if s.replaced > 0 {
            parts.push(format!(
                "{} with invalid bytes replaced by U+FFFD (the byte-order mark did not fit)",
                count_of(s.replaced, "file", "files")
            ));
        }
        writeln!(out, "{}", parts.join("; "))?;
    }
    if s.files_kept > 0 {
        writeln!(
            out,
            "kept the records indexed earlier for {} skipped this run (over the size limit \
             or unreadable); `policies index --rebuild` drops them",
            count_of(s.files_kept, "file", "files")
        )?;
    }
    let by_reason = s.skipped_by_reason();
    if !by_reason.is_empty() {
        let parts: Vec<String> = by_reason.iter().map(|(k, n)| format!("{n} {k}")).collect();
        writeln!(out, "skipped: {}", parts.join(", "))?;
        if by_reason.contains_key("too large") {
            writeln!(out, "(--max-file-mb raises the size limit)")?;
        }
    }
    Ok(())
}

/// Prints the changes between two snapshots: a summary line, then each section that
/// changed (`+` added, `-` removed, `~` changed with `[-deleted-]{+inserted+}` words).
pub fn print_diff(
    out: &mut dyn Write,
    d: &PolicyDiff,
    format: OutputFormat,
    color: bool,
) -> io::Result<()> {
    if format != OutputFormat::Human {
        return json_pretty(out, d);
    }
    let (red, green, bold, off) = if color {
        ("\x1b[31m", "\x1b[32m", "\x1b[1m", "\x1b[0m")
    } else {
        ("", "", "", "")
    };
    let date = |s: &crate::search::diff::SnapshotRef| {
        s.date.clone().unwrap_or_else(|| "undated".to_string())
    };
    writeln!(
        out,
        "{}: {} → {}: {} added, {} removed, {} changed, {} unchanged",
        d.vendor,
        date(&d.from),
        date(&d.to),
        d.added,
        d.removed,
        d.changed,
        d.unchanged
    )?;
    for s in &d.sections {
        let mark = match s.change {
            Change::Added => "+",
            Change::Removed => "-",
            Change::Changed => "~",
            Change::Unchanged => continue,
        };
        writeln!(out)?;
        writeln!(out, "{bold}{mark} {}{off}", s.heading_path.join(" › "))?;
        let mut line = String::new();
        for run in &s.words {
            match (s.change, run.op.as_str()) {
                (Change::Changed, "insert") => {
                    line.push_str(&format!("{green}{{+{}+}}{off}", run.text))
                }
                (Change::Changed, "delete") => {
                    line.push_str(&format!("{red}[-{}-]{off}", run.text))
                }
                (Change::Added, _) => line.push_str(&format!("{green}{}{off}", run.text)),
                (Change::Removed, _) => line.push_str(&format!("{red}{}{off}", run.text)),
                _ => line.push_str(&run.text),
            }
        }
        for l in line.lines() {
            writeln!(out, "  {l}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale() {
        assert_eq!(bar(0.0, 4), "    ");
        assert_eq!(bar(1.0, 4), "████");
        assert_eq!(bar(0.5, 4), "██  ");
        assert_eq!(bar(1.0 / 32.0, 4).chars().next(), Some('▏'));
    }
}
