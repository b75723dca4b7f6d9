//! Property tests of the policy parser: arbitrary bytes never panic, and generated
//! Markdown of known structure loses no word and invents none.
//!
//! The suite runs a short pass; run longer with, e.g.
//! `PROPTEST_CASES=150000 cargo test --release --test integration fuzz_parser::`.

use std::collections::BTreeMap;

use policies::corpus::parse::MAX_BODY_BYTES;
use policies::corpus::{EntityMatcher, parse_policy};
use proptest::prelude::*;

fn words(text: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        *out.entry(w.to_lowercase()).or_insert(0) += 1;
    }
    out
}

fn check_invariants(text: &str) {
    let p = parse_policy(text, "fuzz", EntityMatcher::shared_builtin());
    assert!(!p.sections.is_empty());
    for (i, s) in p.sections.iter().enumerate() {
        assert_eq!(s.ordinal as usize, i);
        assert!(s.body.len() <= MAX_BODY_BYTES);
        assert_eq!(s.heading_path.last(), Some(&s.heading));
    }
}

/// One Markdown block and the body words it should contribute.
#[derive(Debug, Clone)]
enum Block {
    Heading(usize, Vec<String>),
    Bold(Vec<String>),
    Paragraph(Vec<Vec<String>>),
    Bullets(Vec<Vec<String>>),
    Numbered(Vec<Vec<String>>),
    Quote(Vec<String>),
    Code(Vec<String>),
    Link(String, String),
}

fn word() -> impl Strategy<Value = String> {
    "[a-z]{1,8}"
}

fn words_n(max: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(word(), 1..max)
}

fn block() -> impl Strategy<Value = Block> {
    prop_oneof![
        (1usize..=6, words_n(6)).prop_map(|(l, w)| Block::Heading(l, w)),
        words_n(5).prop_map(Block::Bold),
        prop::collection::vec(words_n(12), 1..4).prop_map(Block::Paragraph),
        prop::collection::vec(words_n(6), 1..5).prop_map(Block::Bullets),
        prop::collection::vec(words_n(6), 1..5).prop_map(Block::Numbered),
        words_n(10).prop_map(Block::Quote),
        words_n(6).prop_map(Block::Code),
        (word(), word()).prop_map(|(a, b)| Block::Link(a, b)),
    ]
}

/// Renders blocks to Markdown and returns it with the body words expected.
fn render(blocks: &[Block], emphasis: &[bool]) -> (String, String) {
    let mut md = String::new();
    let mut expected = String::new();
    for (i, b) in blocks.iter().enumerate() {
        let emph = emphasis.get(i).copied().unwrap_or(false);
        match b {
            Block::Heading(level, w) => {
                md.push_str(&format!("{} {}", "#".repeat(*level), w.join(" ")));
            }
            Block::Bold(w) => md.push_str(&format!("**{}**", w.join(" "))),
            Block::Paragraph(lines) => {
                for (k, line) in lines.iter().enumerate() {
                    let mut rendered: Vec<String> = line.clone();
                    // Emphasis inside a line, never on its first word (a line that is
                    // only bold would be a heading).
                    if emph && rendered.len() > 1 {
                        let last = rendered.len() - 1;
                        rendered[last] = format!("*{}*", rendered[last]);
                        if rendered.len() > 2 {
                            rendered[1] = format!("**{}**", rendered[1]);
                        }
                    }
                    if k > 0 {
                        md.push('\n');
                    }
                    md.push_str(&rendered.join(" "));
                    expected.push_str(&line.join(" "));
                    expected.push(' ');
                }
            }
            Block::Bullets(items) => {
                for item in items {
                    md.push_str(&format!("- {}\n", item.join(" ")));
                    expected.push_str(&item.join(" "));
                    expected.push(' ');
                }
            }
            Block::Numbered(items) => {
                for (k, item) in items.iter().enumerate() {
                    md.push_str(&format!("{}. {}\n", k + 1, item.join(" ")));
                    expected.push_str(&format!("{} {} ", k + 1, item.join(" ")));
                }
            }
            Block::Quote(w) => {
                md.push_str(&format!("> {}", w.join(" ")));
                expected.push_str(&w.join(" "));
                expected.push(' ');
            }
            Block::Code(w) => {
                md.push_str(&format!("    {}", w.join(" ")));
                expected.push_str(&w.join(" "));
                expected.push(' ');
            }
            Block::Link(text, target) => {
                md.push_str(&format!("see [{text}](https://example.com/{target}) now"));
                expected.push_str(&format!("see {text} now "));
            }
        }
        md.push_str("\n\n");
    }
    (md, expected)
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        check_invariants(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn markdownish_text_never_panics(
        text in "([#>*_\\-`\\[\\]()!|=\n \t0-9a-z.<>&;]|\\*\\*|\n\n|    ){0,400}"
    ) {
        check_invariants(&text);
    }

    #[test]
    fn no_text_lost_or_invented(
        blocks in prop::collection::vec(block(), 1..25),
        emphasis in prop::collection::vec(any::<bool>(), 25),
        with_header in any::<bool>(),
    ) {
        let (md, expected) = render(&blocks, &emphasis);
        let text = if with_header {
            format!("> *The following text is extracted and transformed from the fuzz.com privacy policy that was archived on 2015-06-07. Please check the [original snapshot on the Wayback Machine](https://web.archive.org/web/20150607000000id_/http%3A//fuzz.com/) for the most accurate reproduction.*\n\n{md}")
        } else {
            md
        };
        let p = parse_policy(&text, "fuzz", EntityMatcher::shared_builtin());
        let bodies: String = p.sections.iter().map(|s| format!("{}\n", s.body)).collect();
        prop_assert_eq!(words(&bodies), words(&expected), "markdown:\n{}", text);
        // No heading is invented: each is a generated heading, or "Preamble".
        let headings: Vec<String> = blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading(_, w) | Block::Bold(w) => Some(w.join(" ")),
                _ => None,
            })
            .collect();
        for s in &p.sections {
            prop_assert!(s.heading == "Preamble" || headings.contains(&s.heading), "{}", s.heading);
        }
    }
}
