//! One policy file's text in, one [`Policy`] with its sections out. Pure: no I/O, no
//! index, never a panic, and no text lost: every word outside the header and heading
//! lines lands in exactly one section body.

use std::sync::LazyLock;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use regex::Regex;
use serde::Serialize;

use super::entities::{EntityMatcher, Found};
use super::header::{is_header_line, parse_header};
use super::measures::{Fingerprints, Readability, fingerprints, readability};

/// A bold-only line longer than this (in characters) is emphasised text, not a heading
/// (a disclaimer set in bold, say).
pub const MAX_BOLD_HEADING_CHARS: usize = 200;

/// Bodies longer than this (in bytes) are split at paragraph boundaries into parts.
pub const MAX_BODY_BYTES: usize = 4000;

/// One archived snapshot of one site's policy.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub vendor: String,
    pub date: Option<String>,
    pub year: Option<u32>,
    pub url: Option<String>,
    pub source_url: Option<String>,
    pub title: Option<String>,
    /// Processors named anywhere in the policy, canonical names, sorted.
    pub processors: Vec<String>,
    /// Trackers, programs and laws named anywhere in the policy (processors too).
    pub entities: Found,
    /// Length and readability of the section bodies.
    pub readability: Readability,
    /// Fingerprints of the text after the header, for de-duplication.
    pub fingerprints: Fingerprints,
    pub sections: Vec<Section>,
    /// Whether the Princeton-Leuven header line was found.
    pub has_header: bool,
    /// Problems worth a warning (a header with an impossible date, …).
    pub warnings: Vec<String>,
}

/// One section (or one part of a long section) of a policy.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Section {
    pub heading: String,
    /// Enclosing headings, outermost first, ending with this section's own heading.
    pub heading_path: Vec<String>,
    /// 1–6 for Markdown headings, one below the enclosing heading for bold-line
    /// headings, 0 for text before the first heading.
    pub level: u32,
    /// Position of this record within the policy, from 0.
    pub ordinal: u32,
    /// Which part of a split section this is, from 0.
    pub part: u32,
    pub body: String,
    /// Processors named in this section's headings or body.
    pub processors: Vec<String>,
    /// Headings with no text of their own that come right before this section's
    /// heading, in order: searchable with it and shown before it, so that every heading
    /// of the policy is in exactly one record (without a record each).
    pub lead_headings: Vec<String>,
}

/// Parses one policy. `fallback_vendor` is used when the header does not name a domain
/// (usually the file name).
pub fn parse_policy(text: &str, fallback_vendor: &str, matcher: &EntityMatcher) -> Policy {
    let (header, rest) = split_header(text);
    let has_header = header.is_some();
    let header = header.unwrap_or_default();
    let mut warnings = Vec::new();
    if let Some(problem) = &header.problem {
        warnings.push(problem.clone());
    }

    let rest = tidy_bold_lines(rest);
    let mut builder = SectionBuilder::default();
    builder.run(&rest);
    let (title, raw) = builder.finish();

    let mut sections = Vec::new();
    let mut entities = Found::default();
    for raw in raw {
        let (heading, heading_path, level) = match raw.heading {
            Some(h) => (h, raw.path, raw.level),
            None => {
                let h = title.clone().unwrap_or_else(|| "Preamble".to_string());
                (h.clone(), vec![h], 0)
            }
        };
        // Entities are found in the whole section before it is split, so that a cut
        // never hides a name; a part's own processors are found in the part.
        let whole = {
            let mut texts: Vec<&str> = raw.leads.iter().map(String::as_str).collect();
            texts.push(&heading);
            texts.push(&raw.body);
            matcher.find_all(&texts)
        };
        entities.extend(&whole);
        let parts = split_body(raw.body);
        let split = parts.len() > 1;
        for (part, body) in parts.into_iter().enumerate() {
            // The lead headings belong to the first part only.
            let leads = if part == 0 {
                raw.leads.clone()
            } else {
                Vec::new()
            };
            let processors = if split {
                let mut texts: Vec<&str> = leads.iter().map(String::as_str).collect();
                texts.push(&heading);
                texts.push(&body);
                matcher.find_all(&texts).processor
            } else {
                whole.processor.clone()
            };
            sections.push(Section {
                heading: heading.clone(),
                heading_path: heading_path.clone(),
                level,
                ordinal: sections.len() as u32,
                part: part as u32,
                body,
                processors,
                lead_headings: leads,
            });
        }
    }
    if sections.is_empty() {
        // A policy with no text still gets one record, so it can be found, counted and
        // tracked for incremental indexing.
        let heading = title.clone().unwrap_or_else(|| "Preamble".to_string());
        sections.push(Section {
            heading: heading.clone(),
            heading_path: vec![heading.clone()],
            level: 0,
            ordinal: 0,
            part: 0,
            body: String::new(),
            processors: matcher.find(&heading),
            lead_headings: Vec::new(),
        });
    }
    if let Some(t) = &title {
        entities.extend(&matcher.find_all(&[t]));
    }
    let processors = entities.processor.clone();
    let readability = readability(sections.iter().map(|s| s.body.as_str()));

    Policy {
        vendor: header
            .vendor
            .unwrap_or_else(|| fallback_vendor.to_lowercase()),
        date: header.date,
        year: header.year,
        url: header.url,
        source_url: header.source_url,
        title,
        processors,
        entities,
        readability,
        fingerprints: fingerprints(&rest),
        sections,
        has_header,
        warnings,
    }
}

/// Separates the header line (the first non-blank line, if it is one) from the rest.
fn split_header(text: &str) -> (Option<super::header::Header>, &str) {
    let trimmed = text.trim_start_matches(['\n', '\r', ' ', '\t', '\u{feff}']);
    let line_end = trimmed.find('\n').unwrap_or(trimmed.len());
    let first = &trimmed[..line_end];
    if is_header_line(first) {
        (Some(parse_header(first)), &trimmed[line_end..])
    } else {
        (None, text)
    }
}

/// The dataset's converter often wrote bold heading lines with spaces inside the markers
/// (`**2\. About cookies  **`), which CommonMark does not read as bold. Such lines are
/// rewritten to proper bold before parsing.
fn tidy_bold_lines(text: &str) -> std::borrow::Cow<'_, str> {
    static LOOSE_BOLD: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?mR)^( {0,3})\*\*[ \t]*([^*\r\n]*?[^*\s])[ \t]*\*\*([ \t]*)$").unwrap()
    });
    if !text.contains("**") {
        return std::borrow::Cow::Borrowed(text);
    }
    LOOSE_BOLD.replace_all(text, "$1**$2**$3")
}

/// A section before splitting; `heading: None` is the text before the first heading.
struct RawSection {
    heading: Option<String>,
    path: Vec<String>,
    level: u32,
    body: String,
    /// Headings without text right before this one.
    leads: Vec<String>,
}

struct Head {
    level: u32,
    text: String,
    bold: bool,
}

/// State of the paragraph being read, to tell a bold-only paragraph (a heading) apart.
struct Para {
    body_start: usize,
    bold_only: bool,
    has_bold_text: bool,
}

#[derive(Default)]
struct SectionBuilder {
    stack: Vec<Head>,
    heading: Option<String>,
    level: u32,
    body: String,
    sections: Vec<RawSection>,
    title: Option<String>,
    in_heading: Option<(u32, String)>,
    para: Option<Para>,
    strong_depth: u32,
    /// Per open list: the next item number of an ordered list, `None` for bullets.
    lists: Vec<Option<u64>>,
    /// Headings met since the last record that had no text of their own.
    leads: Vec<String>,
}

impl SectionBuilder {
    fn run(&mut self, markdown: &str) {
        // No extensions: plain CommonMark is what the dataset's converter wrote.
        for (event, range) in Parser::new_ext(markdown, Options::empty()).into_offset_iter() {
            if let Event::Start(Tag::Item) = event {
                self.start_item(markdown.get(range).unwrap_or(""));
            } else {
                self.event(event);
            }
        }
    }

    fn push_text(&mut self, text: &str) {
        if let Some((_, buf)) = &mut self.in_heading {
            buf.push_str(text);
            return;
        }
        if let Some(para) = &mut self.para
            && !text.trim().is_empty()
        {
            if self.strong_depth == 0 {
                para.bold_only = false;
            } else {
                para.has_bold_text = true;
            }
        }
        self.body.push_str(text);
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                self.in_heading = Some((heading_level(level), String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text)) = self.in_heading.take() {
                    self.open_heading(level, clean_inline(&text), false);
                }
            }
            Event::Start(Tag::Paragraph) => {
                self.body.push_str(self.paragraph_break());
                self.para = Some(Para {
                    body_start: self.body.len(),
                    bold_only: true,
                    has_bold_text: false,
                });
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some(para) = self.para.take() {
                    if para.bold_only
                        && para.has_bold_text
                        && self.body[para.body_start..].trim().chars().count()
                            <= MAX_BOLD_HEADING_CHARS
                    {
                        let text = clean_inline(&self.body[para.body_start..]);
                        self.body.truncate(para.body_start);
                        self.open_bold_heading(text);
                    } else {
                        self.body.push_str(self.paragraph_break());
                    }
                }
            }
            Event::Start(Tag::Strong) => self.strong_depth += 1,
            Event::End(TagEnd::Strong) => self.strong_depth = self.strong_depth.saturating_sub(1),
            Event::Text(t) | Event::Code(t) => self.push_text(&t),
            Event::SoftBreak | Event::HardBreak if self.split_bold_first_line() => {}
            Event::SoftBreak => self.push_text(" "),
            Event::HardBreak => self.push_text("\n"),
            // An inline tag separates words but carries none.
            Event::InlineHtml(_) => self.push_text(" "),
            Event::Html(html) => {
                let text = strip_tags(&html);
                self.push_text(&text);
            }
            // A top-level list is a paragraph of its own; a nested one goes on its lines.
            Event::Start(Tag::List(start)) => {
                if self.lists.is_empty() {
                    self.body.push_str("\n\n");
                } else {
                    self.line_break();
                }
                self.lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                self.lists.pop();
                if self.lists.is_empty() {
                    self.body.push_str("\n\n");
                } else {
                    self.line_break();
                }
            }
            Event::Start(Tag::Item) => self.start_item(""),
            Event::End(TagEnd::Item) => self.line_break(),
            Event::Start(Tag::CodeBlock(_) | Tag::BlockQuote(_))
            | Event::End(TagEnd::CodeBlock | TagEnd::BlockQuote(_))
            | Event::Rule => self.body.push_str("\n\n"),
            _ => {}
        }
    }

    /// A list item starts a line. Ordered lists keep their numbers as written (text
    /// refers to "item 3"; CommonMark would renumber them).
    fn start_item(&mut self, source: &str) {
        self.line_break();
        if let Some(Some(n)) = self.lists.last_mut() {
            let digits: String = source
                .trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if digits.is_empty() {
                self.body.push_str(&format!("{n}. "));
            } else {
                self.body.push_str(&digits);
                self.body.push_str(". ");
            }
            *n += 1;
        }
    }

    /// Ends the current line, unless it is already ended.
    fn line_break(&mut self) {
        if !self.body.ends_with('\n') {
            self.body.push('\n');
        }
    }

    /// Paragraphs are separated by a blank line, but inside a list item by a line break,
    /// so list items stay one a line even in loose lists.
    fn paragraph_break(&self) -> &'static str {
        if self.lists.is_empty() { "\n\n" } else { "\n" }
    }

    /// At a line break inside a paragraph whose text so far is only bold: that line is a
    /// heading (`**What we collect**  ` followed by the section's text) and the rest of the
    /// paragraph its body. Returns whether it split.
    fn split_bold_first_line(&mut self) -> bool {
        let Some(para) = &self.para else {
            return false;
        };
        if self.in_heading.is_some()
            || self.strong_depth > 0
            || !para.bold_only
            || !para.has_bold_text
            || self.body[para.body_start..].trim().chars().count() > MAX_BOLD_HEADING_CHARS
        {
            return false;
        }
        let start = para.body_start;
        let text = clean_inline(&self.body[start..]);
        self.body.truncate(start);
        self.open_bold_heading(text);
        self.para = Some(Para {
            body_start: self.body.len(),
            bold_only: true,
            has_bold_text: false,
        });
        true
    }

    fn open_bold_heading(&mut self, text: String) {
        let base = self
            .stack
            .iter()
            .rev()
            .find(|h| !h.bold)
            .map_or(0, |h| h.level);
        self.open_heading(base + 1, text, true);
    }

    fn open_heading(&mut self, level: u32, text: String, bold: bool) {
        if text.is_empty() {
            // No text of its own to name a section by: the body goes on as before.
            return;
        }
        self.flush();
        if level == 1 && !bold && self.title.is_none() {
            self.title = Some(text.clone());
        }
        while self.stack.last().is_some_and(|h| h.level >= level) {
            self.stack.pop();
        }
        self.stack.push(Head {
            level,
            text: text.clone(),
            bold,
        });
        self.heading = Some(text);
        self.level = level;
    }

    /// Ends the current section. A heading with no text of its own makes no record of
    /// its own: it waits in `leads` and goes with the next record, searchable and shown
    /// with it (so a policy of many bare headings does not become many records).
    fn flush(&mut self) {
        let body = normalize_body(&self.body);
        self.body.clear();
        if body.is_empty() {
            if let Some(h) = &self.heading {
                self.leads.push(h.clone());
            }
            return;
        }
        self.sections.push(RawSection {
            heading: self.heading.clone(),
            path: self.stack.iter().map(|h| h.text.clone()).collect(),
            level: self.level,
            body,
            leads: std::mem::take(&mut self.leads),
        });
    }

    fn finish(mut self) -> (Option<String>, Vec<RawSection>) {
        if let Some((level, text)) = self.in_heading.take() {
            self.open_heading(level, clean_inline(&text), false);
        }
        self.flush();
        // Bare headings at the end: one record, headed by the last of them.
        if let Some(last) = self.leads.pop() {
            self.sections.push(RawSection {
                heading: Some(last),
                path: self.stack.iter().map(|h| h.text.clone()).collect(),
                level: self.level,
                body: String::new(),
                leads: std::mem::take(&mut self.leads),
            });
        }
        (self.title, self.sections)
    }
}

fn heading_level(level: HeadingLevel) -> u32 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Collapses all white space to single spaces.
fn clean_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Drops HTML tags and comments, keeping the text between them (tags become spaces).
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let after = &rest[lt..];
        let is_tag = after[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?');
        let end = if after.starts_with("<!--") {
            after.find("-->").map(|e| e + 3)
        } else if is_tag {
            after.find('>').map(|e| e + 1)
        } else {
            None
        };
        match end {
            Some(e) => {
                out.push(' ');
                rest = &after[e..];
            }
            None => {
                out.push('<');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Trims each line, folds runs of white space, and keeps at most one blank line between
/// paragraphs.
fn normalize_body(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut blank = false;
    for line in raw.split('\n') {
        let mut words = line.split_whitespace();
        let Some(first) = words.next() else {
            blank = !out.is_empty();
            continue;
        };
        if !out.is_empty() {
            out.push('\n');
            if blank {
                out.push('\n');
            }
        }
        blank = false;
        if is_tidy(line) {
            // Most lines: already single-spaced ASCII, copied whole.
            out.push_str(line);
            continue;
        }
        // Written in place: no string per line (this runs over every byte of the corpus).
        out.push_str(first);
        for word in words {
            out.push(' ');
            out.push_str(word);
        }
    }
    out
}

/// True when `line` is ASCII with words separated by single spaces and no white space at
/// either end: what `split_whitespace` joined by spaces gives back unchanged.
fn is_tidy(line: &str) -> bool {
    let b = line.as_bytes();
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return false;
    }
    let mut prev_space = false;
    for &c in b {
        if c >= 0x80 || (c.is_ascii_whitespace() && c != b' ') || c == 0x0b {
            return false;
        }
        let space = c == b' ';
        if space && prev_space {
            return false;
        }
        prev_space = space;
    }
    true
}

/// Splits a body into parts of at most [`MAX_BODY_BYTES`], at paragraph boundaries
/// where it can, else at white space, else (one giant word) at a character boundary.
fn split_body(body: String) -> Vec<String> {
    if body.len() <= MAX_BODY_BYTES {
        return vec![body];
    }
    let mut parts = Vec::new();
    let mut current = String::new();
    for para in body.split("\n\n") {
        let mut para = para;
        while para.len() > MAX_BODY_BYTES {
            if !current.is_empty() {
                parts.push(std::mem::take(&mut current));
            }
            let cut = cut_point(para, MAX_BODY_BYTES);
            parts.push(para[..cut].trim_end().to_string());
            para = para[cut..].trim_start();
        }
        if para.is_empty() {
            continue;
        }
        if !current.is_empty() && current.len() + 2 + para.len() > MAX_BODY_BYTES {
            parts.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push_str("\n\n");
        }
        current.push_str(para);
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// The last white space at or before `max`, else the last char boundary before it.
fn cut_point(text: &str, max: usize) -> usize {
    let mut limit = max;
    while !text.is_char_boundary(limit) {
        limit -= 1;
    }
    // After the last sentence end in the second half (a phrase or a name seldom spans
    // two sentences), else at the last white space.
    let sentence_end = [". ", "! ", "? ", ".\n", "; "]
        .iter()
        .filter_map(|end| text[..limit].rfind(end).map(|i| i + 1))
        .max();
    if let Some(i) = sentence_end
        && i > limit / 2
    {
        return i;
    }
    match text[..limit].rfind(char::is_whitespace) {
        Some(i) if i > 0 => i,
        _ => limit.max(text.chars().next().map_or(1, char::len_utf8)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Policy {
        parse_policy(text, "file.md", &EntityMatcher::builtin())
    }

    const HEADER: &str = "> *The following text is extracted and transformed from the Example.com privacy policy that was archived on 2016-03-04. Please check the [original snapshot on the Wayback Machine](https://web.archive.org/web/20160304000000id_/http%3A//example.com/privacy) for the most accurate reproduction.*\n\n";

    #[test]
    fn headings_bold_lines_and_paths() {
        let p = parse(&format!(
            "{HEADER}# Example Privacy\n\nIntro text.\n\n####  1\\. What *we* collect?\n\nNames and [emails](http://x.y).\n\n**Cookies**\n\nWe use cookies.\n\n**Payments**\n\nPaid via PayPal.\n\n## Contact\n\nWrite to us.\n"
        ));
        assert_eq!(p.vendor, "example.com");
        assert_eq!(p.year, Some(2016));
        assert_eq!(p.title.as_deref(), Some("Example Privacy"));
        let heads: Vec<_> = p.sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(
            heads,
            [
                "Example Privacy",
                "1. What we collect?",
                "Cookies",
                "Payments",
                "Contact"
            ]
        );
        assert_eq!(p.sections[1].body, "Names and emails.");
        assert_eq!(
            p.sections[2].heading_path,
            ["Example Privacy", "1. What we collect?", "Cookies"]
        );
        assert_eq!(p.sections[2].level, 5);
        assert_eq!(
            p.sections[3].heading_path,
            ["Example Privacy", "1. What we collect?", "Payments"]
        );
        assert_eq!(p.sections[4].heading_path, ["Example Privacy", "Contact"]);
        assert_eq!(p.sections[3].processors, ["PayPal"]);
        assert_eq!(p.processors, ["PayPal"]);
        let ordinals: Vec<u32> = p.sections.iter().map(|s| s.ordinal).collect();
        assert_eq!(ordinals, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn preamble_and_missing_header() {
        let p = parse("Some text first.\n\n# Title\n\nMore.\n");
        assert!(!p.has_header);
        assert_eq!(p.vendor, "file.md");
        assert_eq!(p.date, None);
        assert_eq!(p.sections[0].heading, "Title");
        assert_eq!(p.sections[0].level, 0);
        assert_eq!(p.sections[0].body, "Some text first.");
        let p = parse("Only text, no headings at all.\n");
        assert_eq!(p.sections[0].heading, "Preamble");
    }

    /// `normalize_body` as it was before its fast path for tidy lines.
    fn normalize_reference(raw: &str) -> String {
        let mut lines: Vec<String> = Vec::new();
        let mut blank = false;
        for line in raw.split('\n') {
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.is_empty() {
                blank = !lines.is_empty();
                continue;
            }
            if blank {
                lines.push(String::new());
            }
            blank = false;
            lines.push(words.join(" "));
        }
        lines.join("\n")
    }

    #[test]
    fn normalize_body_folds_every_kind_of_white_space() {
        for raw in [
            "a\u{0b}b",
            "a\tb",
            "a\rb",
            "a\u{0c}b",
            "a\u{a0}b",
            "a  b",
            " a b",
            "a b ",
            "a b\n\n\nc",
            "caf\u{e9} au\u{2003}lait",
        ] {
            assert_eq!(normalize_body(raw), normalize_reference(raw), "{raw:?}");
        }
        assert_eq!(normalize_body("a\u{0b}b \n\n\n  c  d"), "a b\n\nc d");
    }

    proptest::proptest! {
        #[test]
        fn normalize_body_fast_path_changes_nothing(
            raw in "([a-z ]{0,8}([\t\r\n\u{0b}\u{0c}\u{a0}\u{2003}é]|  )?){0,8}|(\\PC|[ \n]){0,40}"
        ) {
            proptest::prop_assert_eq!(normalize_body(&raw), normalize_reference(&raw));
        }
    }

    #[test]
    fn lists_html_and_setext() {
        let p = parse(
            "Title\n=====\n\n* one\n* two <b>bold</b>\n  * nested\n\n<div>block <i>text</i></div>\n\nSub\n---\n\ntail\n",
        );
        assert_eq!(p.title.as_deref(), Some("Title"));
        assert_eq!(p.sections[0].body, "one\ntwo bold\nnested\n\nblock text");
        assert_eq!(p.sections[1].heading_path, ["Title", "Sub"]);
    }

    #[test]
    fn headings_without_text_go_with_the_next_record_and_stay_in_path() {
        let p = parse("# Top\n\n## Middle\n\n### Leaf\n\nbody\n\n## Third parties\n\n## Contact\n");
        let heads: Vec<_> = p.sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(heads, ["Leaf", "Contact"]);
        assert_eq!(p.sections[0].lead_headings, ["Top", "Middle"]);
        assert_eq!(p.sections[0].heading_path, ["Top", "Middle", "Leaf"]);
        assert_eq!(p.sections[0].body, "body");
        // Bare headings at the end make one record of their own.
        assert_eq!(p.sections[1].lead_headings, ["Third parties"]);
        assert_eq!(p.sections[1].body, "");
        assert_eq!(p.sections[1].heading_path, ["Top", "Contact"]);
    }

    #[test]
    fn long_bodies_split_without_loss() {
        let para = "word ".repeat(300);
        let text = format!("# T\n\n{}", [para.trim(); 10].join("\n\n"));
        let p = parse(&text);
        assert!(p.sections.len() > 1);
        assert!(p.sections.iter().all(|s| s.body.len() <= MAX_BODY_BYTES));
        assert!(p.sections.iter().all(|s| s.heading == "T"));
        let parts: Vec<u32> = p.sections.iter().map(|s| s.part).collect();
        assert_eq!(parts, (0..p.sections.len() as u32).collect::<Vec<_>>());
        let words: usize = p
            .sections
            .iter()
            .map(|s| s.body.split_whitespace().count())
            .sum();
        assert_eq!(words, 3000);
        // One giant line with no paragraph breaks is split at spaces.
        let p = parse(&"abc ".repeat(100_000));
        let words: usize = p
            .sections
            .iter()
            .map(|s| s.body.split_whitespace().count())
            .sum();
        assert_eq!(words, 100_000);
    }

    #[test]
    fn empty_policy_gets_one_record() {
        let p = parse(HEADER);
        assert_eq!(p.sections.len(), 1);
        assert_eq!(p.sections[0].body, "");
        assert_eq!(p.date.as_deref(), Some("2016-03-04"));
    }

    #[test]
    fn strip_tags_keeps_text_and_lone_brackets() {
        assert_eq!(strip_tags("a <b>c</b> 1 < 2"), "a  c  1 < 2");
        assert_eq!(strip_tags("x<!-- hidden -->y"), "x y");
    }
}
