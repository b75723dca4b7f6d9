//! The Princeton-Leuven header line: `> *The following text is extracted and transformed
//! from the DOMAIN privacy policy that was archived on YYYY-MM-DD. Please check the
//! [original snapshot on the Wayback Machine](URL) …*`.

use std::sync::LazyLock;

use regex::Regex;

/// What the header line says about a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    /// The archived site's domain, lower-case.
    pub vendor: Option<String>,
    /// Archive date `YYYY-MM-DD`, only when it is a real calendar date.
    pub date: Option<String>,
    pub year: Option<u32>,
    /// The Wayback Machine link.
    pub url: Option<String>,
    /// The original address, decoded from the Wayback link.
    pub source_url: Option<String>,
    /// Set when the line is a header but something in it is unusable.
    pub problem: Option<String>,
}

static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*>?\s*\*?\s*the following text is extracted and transformed from").unwrap()
});
static DOMAIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)transformed from the\s+(\S+)\s+privacy policy").unwrap());
static ARCHIVED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)archived on\s+([0-9A-Za-z-]+)").unwrap());
static WAYBACK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\]\((https?://[^)\s]+)\)").unwrap());
static ORIGINAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"/web/[0-9]+[a-z_]*/(.+)$").unwrap());

/// Is this line a Princeton-Leuven header line?
pub fn is_header_line(line: &str) -> bool {
    MARKER.is_match(line)
}

/// Parses a header line. Call only on lines for which [`is_header_line`] is true.
pub fn parse_header(line: &str) -> Header {
    let mut header = Header::default();
    let mut problems = Vec::new();
    match DOMAIN.captures(line) {
        Some(c) => header.vendor = Some(c[1].trim_end_matches('.').to_lowercase()),
        None => problems.push("no domain".to_string()),
    }
    match ARCHIVED.captures(line) {
        Some(c) => match parse_date(&c[1]) {
            Some((y, _, _)) => {
                header.date = Some(c[1].to_string());
                header.year = Some(y);
            }
            None => problems.push(format!("impossible archive date {:?}", &c[1])),
        },
        None => problems.push("no archive date".to_string()),
    }
    if let Some(c) = WAYBACK.captures(line) {
        let url = c[1].to_string();
        header.source_url = ORIGINAL.captures(&url).map(|o| {
            percent_encoding::percent_decode_str(&o[1])
                .decode_utf8_lossy()
                .into_owned()
        });
        header.url = Some(url);
    }
    if !problems.is_empty() {
        header.problem = Some(format!("header: {}", problems.join(", ")));
    }
    header
}

/// Parses `YYYY-MM-DD` into a real calendar date.
pub fn parse_date(s: &str) -> Option<(u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some((y, m, d))
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = "> *The following text is extracted and transformed from the flvsoft.com privacy policy that was archived on 2011-05-25. Please check the [original snapshot on the Wayback Machine](https://web.archive.org/web/20110525181810id_/http%3A//www.flvsoft.com/about/privacy) for the most accurate reproduction.*";

    #[test]
    fn parses_all_fields() {
        assert!(is_header_line(LINE));
        let h = parse_header(LINE);
        assert_eq!(h.vendor.as_deref(), Some("flvsoft.com"));
        assert_eq!(h.date.as_deref(), Some("2011-05-25"));
        assert_eq!(h.year, Some(2011));
        assert_eq!(
            h.source_url.as_deref(),
            Some("http://www.flvsoft.com/about/privacy")
        );
        assert!(
            h.url
                .unwrap()
                .starts_with("https://web.archive.org/web/2011")
        );
        assert_eq!(h.problem, None);
    }

    #[test]
    fn impossible_date_is_a_problem_not_a_date() {
        let h = parse_header(&LINE.replace("2011-05-25", "2015-13-45"));
        assert_eq!(h.date, None);
        assert!(h.problem.unwrap().contains("2015-13-45"));
        assert_eq!(h.vendor.as_deref(), Some("flvsoft.com"));
    }

    #[test]
    fn calendar_rules() {
        assert!(parse_date("2016-02-29").is_some());
        assert!(parse_date("2015-02-29").is_none());
        assert!(parse_date("1900-02-29").is_none());
        assert!(parse_date("2000-02-29").is_some());
        assert!(parse_date("2015-04-31").is_none());
        assert!(parse_date("2015-4-3").is_none());
    }

    #[test]
    fn truncated_header_keeps_what_it_has() {
        let h = parse_header(
            "> *The following text is extracted and transformed from the a.com privacy pol",
        );
        assert_eq!(h.vendor, None);
        assert_eq!(h.date, None);
        assert!(h.problem.is_some());
    }
}
