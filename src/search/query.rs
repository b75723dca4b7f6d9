//! The query language, in one place: the user's query string is parsed with tantivy's
//! grammar, its fields are checked and rewritten where ours mean more than tantivy's
//! (`date:` periods, `year:` numbers, `exact:` wording, processor aliases), and the
//! filters are added. Everything that turns text typed by a user into a tantivy query
//! lives here.

use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, Query, QueryParser,
    RangeQuery, TermQuery,
};
use tantivy::query_grammar::{UserInputAst, UserInputBound, UserInputLeaf, UserInputLiteral};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, Term};

use super::exact::ExactQuery;
use crate::corpus::{Category, EntityMatcher};
use crate::error::SearchError;
use crate::index::Fields;

/// Longest query accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;
/// Deepest parenthesis nesting accepted.
pub const MAX_QUERY_DEPTH: usize = 64;

/// How dates are written, wherever a user writes one (`date:`, `--since`, `--until`).
pub const DATE_FORMS: &str = "YYYY, YYYY-MM or YYYY-MM-DD (2015, 2015-06, 2015-06-30)";

/// How much more a word or phrase counts in a heading than in a body.
const HEADING_BOOST: f32 = 2.0;

/// The fields a query may name, for messages.
pub const QUERY_FIELDS: &str = "heading, body, title, exact, vendor, processor, tracker, program, \
     law, date, year, words, sentences, sections, flesch, fk_grade, smog";

/// The filters of a search, as plain data (built by the command layer or a server).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// Only these vendors (domains), any of them.
    pub vendors: Vec<String>,
    /// Only policies archived in this year.
    pub year: Option<u64>,
    /// Inclusive lower bound, `YYYY-MM-DD`.
    pub since: Option<String>,
    /// Inclusive upper bound, `YYYY-MM-DD`.
    pub until: Option<String>,
    /// Only policies naming one of these processors (names or aliases).
    pub processors: Vec<String>,
    /// Only policies naming these entities: one of the names given for each category
    /// given (`--entity tracker:Google --entity law:GDPR` needs both).
    pub entities: Vec<(Category, String)>,
    /// Bounds on the policy's words (inclusive).
    pub min_words: Option<u64>,
    pub max_words: Option<u64>,
    /// Bounds on the policy's Flesch-Kincaid grade (inclusive).
    pub min_fk: Option<f64>,
    pub max_fk: Option<f64>,
    /// Only the latest snapshot of each vendor archived on or before this day
    /// (`YYYY-MM-DD`), the other filters applying to those snapshots.
    pub as_of: Option<String>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }
}

/// A period of days written as `YYYY`, `YYYY-MM` or `YYYY-MM-DD`: its first and last
/// day, both inclusive, as `YYYY-MM-DD` (which compare as text in date order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatePeriod {
    pub first: String,
    pub last: String,
}

impl DatePeriod {
    /// Parses a period; the error says what was wrong with `input`, without naming
    /// where it came from (the caller adds that).
    pub fn parse(input: &str) -> Result<DatePeriod, String> {
        let bad = || format!("{input:?} is not a date; write {DATE_FORMS}");
        let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
        let parts: Vec<&str> = input.split('-').collect();
        match parts.as_slice() {
            [y] if digits(y, 4) => Ok(DatePeriod {
                first: format!("{y}-01-01"),
                last: format!("{y}-12-31"),
            }),
            [y, m] if digits(y, 4) && digits(m, 2) => {
                let month: u32 = m.parse().map_err(|_| bad())?;
                if !(1..=12).contains(&month) {
                    return Err(bad());
                }
                // The 31st of any month: dates compare as text, so it bounds every day of it.
                Ok(DatePeriod {
                    first: format!("{y}-{m}-01"),
                    last: format!("{y}-{m}-31"),
                })
            }
            [_, _, _] => {
                crate::corpus::header::parse_date(input).ok_or_else(bad)?;
                Ok(DatePeriod {
                    first: input.to_string(),
                    last: input.to_string(),
                })
            }
            _ => Err(bad()),
        }
    }
}

/// Parses the query, checks and rewrites its fields, and adds the filters. `exact`
/// searches unfielded words in the unstemmed copies of heading and body.
/// `as_of` holds the policy numbers `filters.as_of` selects (see
/// [`super::rows::as_of_policies`]).
pub fn build_query(
    index: &Index,
    fields: &Fields,
    query: &str,
    exact: bool,
    filters: &Filters,
    as_of: Option<&[u64]>,
) -> Result<Box<dyn Query>, SearchError> {
    let user = parse_user_query(index, fields, query, exact)?;
    let mut filters = filter_queries(fields, filters);
    if let Some(nums) = as_of {
        filters.push(Box::new(tantivy::query::TermSetQuery::new(
            nums.iter()
                .map(|n| Term::from_field_u64(fields.policy_num, *n)),
        )));
    }
    Ok(with_filters(user, filters))
}

/// The user's query alone, without filters.
fn parse_user_query(
    index: &Index,
    f: &Fields,
    query: &str,
    exact: bool,
) -> Result<Box<dyn Query>, SearchError> {
    let bad = |message: String| SearchError::BadQuery {
        query: shorten(query),
        message,
    };
    check_query_shape(query).map_err(bad)?;
    let trimmed = query.trim();
    if trimmed.is_empty() {
        return Err(bad(
            "the query is empty; to match every section, query '*'".to_string()
        ));
    }
    if trimmed == "*" {
        return Ok(Box::new(AllQuery));
    }
    let mut parser = QueryParser::for_index(index, vec![f.heading, f.body]);
    parser.set_field_boost(f.heading, HEADING_BOOST);
    parser.set_conjunction_by_default();
    let ast = tantivy::query_grammar::parse_query(query).map_err(|_| {
        bad(
            "syntax error; quote phrases (\"credit card\"), balance parentheses and \
             brackets, and write ranges as year:[2010 TO 2015]"
                .to_string(),
        )
    })?;
    let ast = rewrite(ast, &Rewriter::new()).map_err(bad)?;
    let tokenizer = |name: &str| {
        index
            .tokenizers()
            .get(name)
            .ok_or_else(|| bad(format!("the index has no tokenizer {name:?}")))
    };
    let stems = tokenizer(crate::index::schema::TEXT_TOKENIZER)?;
    if exact || has_exact_leaf(&ast) || has_pair_leaf(&ast, &mut stems.clone()) {
        let schema = index.schema();
        let builder = LeafBuilder {
            parser: &parser,
            exact_by_default: exact,
            analyzer: tokenizer(crate::index::schema::EXACT_TOKENIZER)?,
            stems,
            pairs: [f.heading_pairs, f.pairs],
            fields: [
                (f.heading, schema.get_field_name(f.heading).to_string()),
                (f.body, schema.get_field_name(f.body).to_string()),
            ],
        };
        Ok(simplify(builder.convert(ast).map_err(bad)?))
    } else {
        let built = parser
            .build_query_from_user_input_ast(ast)
            .map_err(|e| bad(describe_parse_error(&e)))?;
        Ok(simplify(built))
    }
}

/// The stems of `text` with their positions, as the query parser cuts a phrase.
fn stems_of(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let t = stream.token();
        out.push((t.position, t.text.clone()));
    }
    out
}

/// The stems of a leaf that is a phrase searched in heading and body (unfielded,
/// `heading:` or `body:`), without slop or prefix, that the pairs of words answer (see
/// [`super::pairs::answers`]); `None` for any other leaf.
fn pair_stems(leaf: &UserInputLeaf, stems: &mut TextAnalyzer) -> Option<Vec<(usize, String)>> {
    let UserInputLeaf::Literal(l) = leaf else {
        return None;
    };
    if !matches!(l.field_name.as_deref(), None | Some("heading" | "body"))
        || l.slop != 0
        || l.prefix
    {
        return None;
    }
    Some(stems_of(stems, &l.phrase)).filter(|s| super::pairs::answers(s))
}

/// Whether the tree holds a leaf with [`pair_stems`].
fn has_pair_leaf(ast: &UserInputAst, stems: &mut TextAnalyzer) -> bool {
    match ast {
        UserInputAst::Clause(clauses) => clauses.iter().any(|(_, sub)| has_pair_leaf(sub, stems)),
        UserInputAst::Boost(sub, _) => has_pair_leaf(sub, stems),
        UserInputAst::Leaf(leaf) => pair_stems(leaf, stems).is_some(),
    }
}

/// Whether the tree names the `exact:` field anywhere.
fn has_exact_leaf(ast: &UserInputAst) -> bool {
    match ast {
        UserInputAst::Clause(clauses) => clauses.iter().any(|(_, sub)| has_exact_leaf(sub)),
        UserInputAst::Boost(sub, _) => has_exact_leaf(sub),
        UserInputAst::Leaf(leaf) => leaf_field(leaf) == Some("exact"),
    }
}

/// Turns a query tree holding exact-wording leaves or body phrases into a query, leaf by
/// leaf: exact leaves become [`ExactQuery`]s (stemmed matches checked against the stored
/// words), body phrases are answered from the pairs of words (see [`super::pairs`]), every
/// other leaf is built by tantivy's parser, and clauses are combined as the parser
/// combines them (terms required by default; leaves with no words dropped; a clause of
/// exclusions alone excludes from everything).
struct LeafBuilder<'a> {
    parser: &'a QueryParser,
    /// `--exact`: unfielded leaves are exact too.
    exact_by_default: bool,
    analyzer: TextAnalyzer,
    /// The full-text tokenizer, for two-word phrases.
    stems: TextAnalyzer,
    /// The pairs fields of heading and body.
    pairs: [Field; 2],
    /// Heading and body: the fields an exact leaf searches, with their names.
    fields: [(Field, String); 2],
}

impl LeafBuilder<'_> {
    fn convert(&self, ast: UserInputAst) -> Result<Box<dyn Query>, String> {
        Ok(match ast {
            UserInputAst::Clause(clauses) => {
                if clauses.is_empty() {
                    return Ok(Box::new(EmptyQuery));
                }
                let mut subs: Vec<(Occur, Box<dyn Query>)> = clauses
                    .into_iter()
                    .map(|(occur, sub)| {
                        self.convert(sub).map(|q| (occur.unwrap_or(Occur::Must), q))
                    })
                    .collect::<Result<_, _>>()?;
                subs.retain(|(_, q)| q.downcast_ref::<EmptyQuery>().is_none());
                if subs.is_empty() {
                    return Ok(Box::new(EmptyQuery));
                }
                if subs.iter().all(|(o, _)| *o == Occur::MustNot) {
                    subs.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(subs))
            }
            UserInputAst::Boost(sub, boost) => Box::new(BoostQuery::new(
                self.convert(*sub)?,
                boost.into_inner() as f32,
            )),
            UserInputAst::Leaf(leaf) => {
                let field = leaf_field(&leaf);
                if field == Some("exact") || (field.is_none() && self.exact_by_default) {
                    self.exact_leaf(*leaf)?
                } else if let (Some(stems), UserInputLeaf::Literal(literal)) =
                    (pair_stems(&leaf, &mut self.stems.clone()), &*leaf)
                {
                    self.pair_leaf(literal, &stems)
                } else {
                    self.parser
                        .build_query_from_user_input_ast(UserInputAst::Leaf(leaf))
                        .map_err(|e| describe_parse_error(&e))?
                }
            }
        })
    }

    /// A two-word phrase searched in heading and body (unfielded) or in one of them,
    /// each from its pairs of words, scored as the parser's phrase query (the heading
    /// with the parser's boost).
    fn pair_leaf(&self, literal: &UserInputLiteral, stems: &[(usize, String)]) -> Box<dyn Query> {
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for ((field, name), pairs) in self.fields.iter().zip(self.pairs) {
            if literal.field_name.as_ref().is_some_and(|f| f != name) {
                continue;
            }
            let phrase = super::pairs::phrase(*field, pairs, stems);
            alternatives.push((
                Occur::Should,
                if *field == self.fields[0].0 {
                    Box::new(BoostQuery::new(phrase, HEADING_BOOST))
                } else {
                    phrase
                },
            ));
        }
        match alternatives.len() {
            1 => alternatives
                .pop()
                .map(|(_, q)| q)
                .unwrap_or_else(|| Box::new(EmptyQuery)),
            _ => Box::new(BooleanQuery::new(alternatives)),
        }
    }

    /// A word or phrase in heading or body, as written.
    fn exact_leaf(&self, leaf: UserInputLeaf) -> Result<Box<dyn Query>, String> {
        let UserInputLeaf::Literal(literal) = leaf else {
            return Err("exact: takes a word or a \"phrase\" (exact:\"third party\")".to_string());
        };
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, name) in &self.fields {
            let stemmed = self
                .parser
                .build_query_from_user_input_ast(
                    UserInputLeaf::Literal(UserInputLiteral {
                        field_name: Some(name.clone()),
                        ..literal.clone()
                    })
                    .into(),
                )
                .map_err(|e| describe_parse_error(&e))?;
            // A prefix (`priva*`) matches words as written already.
            let q: Box<dyn Query> = if literal.prefix {
                stemmed
            } else {
                Box::new(ExactQuery::new(
                    stemmed,
                    *field,
                    &literal.phrase,
                    self.analyzer.clone(),
                ))
            };
            alternatives.push((Occur::Should, q));
        }
        Ok(Box::new(BooleanQuery::new(alternatives)))
    }
}

/// A Boolean query of one required or optional clause is that clause (the parser keeps
/// such wrappers when it builds from a tree): unwrapping them lets filters reach the
/// alternatives underneath (see [`with_filters`]).
fn simplify(query: Box<dyn Query>) -> Box<dyn Query> {
    if let Some(b) = query.downcast_ref::<BooleanQuery>()
        && let [(occur, inner)] = b.clauses()
        && *occur != Occur::MustNot
    {
        return simplify(inner.box_clone());
    }
    query
}

/// What the rewrite needs: the entity names, to turn aliases into them (the matcher is
/// built on first use, so a query without entity fields never pays for its automaton).
struct Rewriter {
    entities: fn() -> &'static EntityMatcher,
}

impl Rewriter {
    fn new() -> Rewriter {
        Rewriter {
            entities: EntityMatcher::shared_builtin,
        }
    }
}

fn rewrite(ast: UserInputAst, rw: &Rewriter) -> Result<UserInputAst, String> {
    Ok(match ast {
        UserInputAst::Clause(clauses) => UserInputAst::Clause(
            clauses
                .into_iter()
                .map(|(occur, sub)| rewrite(sub, rw).map(|sub| (occur, sub)))
                .collect::<Result<_, _>>()?,
        ),
        UserInputAst::Boost(sub, boost) => UserInputAst::Boost(Box::new(rewrite(*sub, rw)?), boost),
        UserInputAst::Leaf(leaf) => rewrite_leaf(*leaf, rw)?,
    })
}

fn leaf_field(leaf: &UserInputLeaf) -> Option<&str> {
    match leaf {
        UserInputLeaf::Literal(l) => l.field_name.as_deref(),
        UserInputLeaf::Range { field, .. }
        | UserInputLeaf::Set { field, .. }
        | UserInputLeaf::Regex { field, .. } => field.as_deref(),
        UserInputLeaf::Exists { field } => Some(field),
        UserInputLeaf::All => None,
    }
}

fn rewrite_leaf(leaf: UserInputLeaf, rw: &Rewriter) -> Result<UserInputAst, String> {
    match leaf_field(&leaf) {
        Some("date") => date_leaf(leaf),
        Some("year") => year_leaf(leaf),
        Some(field) if let Some(category) = Category::from_name(field) => Ok(match leaf {
            UserInputLeaf::Literal(mut l) => {
                if let Some(name) = (rw.entities)().canonical_name(category, &l.phrase) {
                    l.phrase = name.to_string();
                }
                UserInputLeaf::Literal(l).into()
            }
            other => other.into(),
        }),
        _ => Ok(leaf.into()),
    }
}

fn date_error(written: &str) -> String {
    format!(
        "date:{written} is not a date; write {DATE_FORMS}, a range date:[2015 TO 2016-06] \
         ([ ] include the bounds, {{ }} exclude them, * leaves one open) or a comparison \
         date:>=2018-05-25"
    )
}

/// `date:P` is every day of the period P; range bounds are periods too: an inclusive
/// lower bound starts at the period's first day, an exclusive one after its last day; an
/// inclusive upper bound ends at its last day, an exclusive one before its first day.
/// So `date:[2015 TO 2016]` is 2015-01-01..=2016-12-31, the same as `--since 2015
/// --until 2016`.
fn date_leaf(leaf: UserInputLeaf) -> Result<UserInputAst, String> {
    let period = |s: &str| DatePeriod::parse(s).map_err(|_| date_error(s));
    let range = |p: &DatePeriod| UserInputLeaf::Range {
        field: Some("date".to_string()),
        lower: UserInputBound::Inclusive(p.first.clone()),
        upper: UserInputBound::Inclusive(p.last.clone()),
    };
    match leaf {
        UserInputLeaf::Literal(l) => Ok(range(&period(&l.phrase)?).into()),
        UserInputLeaf::Set { elements, .. } => Ok(UserInputAst::or(
            elements
                .iter()
                .map(|e| period(e).map(|p| range(&p).into()))
                .collect::<Result<_, _>>()?,
        )),
        UserInputLeaf::Range { lower, upper, .. } => {
            let lower = match lower {
                UserInputBound::Inclusive(s) if s == "*" => UserInputBound::Unbounded,
                UserInputBound::Exclusive(s) if s == "*" => UserInputBound::Unbounded,
                UserInputBound::Inclusive(s) => UserInputBound::Inclusive(period(&s)?.first),
                UserInputBound::Exclusive(s) => UserInputBound::Exclusive(period(&s)?.last),
                UserInputBound::Unbounded => UserInputBound::Unbounded,
            };
            let upper = match upper {
                UserInputBound::Inclusive(s) if s == "*" => UserInputBound::Unbounded,
                UserInputBound::Exclusive(s) if s == "*" => UserInputBound::Unbounded,
                UserInputBound::Inclusive(s) => UserInputBound::Inclusive(period(&s)?.last),
                UserInputBound::Exclusive(s) => UserInputBound::Exclusive(period(&s)?.first),
                UserInputBound::Unbounded => UserInputBound::Unbounded,
            };
            Ok(UserInputLeaf::Range {
                field: Some("date".to_string()),
                lower,
                upper,
            }
            .into())
        }
        UserInputLeaf::Regex { pattern, .. } => Err(date_error(&format!("/{pattern}/"))),
        other => Ok(other.into()),
    }
}

fn year_error(written: &str) -> String {
    format!(
        "year:{written} is not a year; a year is a number such as 2015 \
         (ranges: year:[2010 TO 2015], year:>=2018)"
    )
}

/// `year:` takes numbers (or `*` in a range); anything else is said in words rather
/// than as tantivy's integer parse error.
fn year_leaf(leaf: UserInputLeaf) -> Result<UserInputAst, String> {
    let number = |s: &str| {
        if !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(())
        } else {
            Err(year_error(s))
        }
    };
    match &leaf {
        UserInputLeaf::Literal(l) => number(&l.phrase)?,
        UserInputLeaf::Set { elements, .. } => {
            for e in elements {
                number(e)?;
            }
        }
        UserInputLeaf::Range { lower, upper, .. } => {
            for bound in [lower, upper] {
                match bound {
                    UserInputBound::Inclusive(s) | UserInputBound::Exclusive(s) if s != "*" => {
                        number(s)?
                    }
                    _ => {}
                }
            }
        }
        UserInputLeaf::Regex { pattern, .. } => return Err(year_error(&format!("/{pattern}/"))),
        _ => {}
    }
    Ok(leaf.into())
}

/// The filters as queries, each to be required of every hit.
fn filter_queries(f: &Fields, filters: &Filters) -> Vec<Box<dyn Query>> {
    let mut out: Vec<Box<dyn Query>> = Vec::new();
    let any_of = |field: Field, values: Vec<String>| -> Box<dyn Query> {
        Box::new(BooleanQuery::new_multiterms_query(
            values
                .iter()
                .map(|v| Term::from_field_text(field, &v.to_lowercase()))
                .collect(),
        ))
    };
    if !filters.vendors.is_empty() {
        out.push(any_of(f.vendor, filters.vendors.clone()));
    }
    // The matcher is built on first use (its automaton costs some milliseconds, a
    // noticeable share of a query's process): only for an entity filter.
    for category in Category::ALL {
        let wanted: Vec<&String> = filters
            .entities
            .iter()
            .filter(|(c, _)| *c == category)
            .map(|(_, n)| n)
            .chain(
                filters
                    .processors
                    .iter()
                    .filter(|_| category == Category::Processor),
            )
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let matcher = EntityMatcher::shared_builtin();
        let names = wanted
            .iter()
            .map(|p| matcher.canonical_name(category, p).unwrap_or(p).to_string())
            .collect();
        out.push(any_of(entity_field(f, category), names));
    }
    let range = |lo: Option<Term>, hi: Option<Term>| -> Box<dyn Query> {
        Box::new(RangeQuery::new(
            lo.map_or(Bound::Unbounded, Bound::Included),
            hi.map_or(Bound::Unbounded, Bound::Included),
        ))
    };
    if filters.min_words.is_some() || filters.max_words.is_some() {
        let t = |v: Option<u64>| v.map(|v| Term::from_field_u64(f.words, v));
        out.push(range(t(filters.min_words), t(filters.max_words)));
    }
    if filters.min_fk.is_some() || filters.max_fk.is_some() {
        let t = |v: Option<f64>| v.map(|v| Term::from_field_f64(f.fk_grade, v));
        out.push(range(t(filters.min_fk), t(filters.max_fk)));
    }
    if let Some(y) = filters.year {
        out.push(Box::new(TermQuery::new(
            Term::from_field_u64(f.year, y),
            IndexRecordOption::Basic,
        )));
    }
    if filters.since.is_some() || filters.until.is_some() {
        let bound = |d: &Option<String>| match d {
            Some(d) => Bound::Included(Term::from_field_text(f.date, d)),
            None => Bound::Unbounded,
        };
        out.push(Box::new(RangeQuery::new(
            bound(&filters.since),
            bound(&filters.until),
        )));
    }
    out
}

/// The index field of an entity category.
pub fn entity_field(f: &Fields, category: Category) -> Field {
    match category {
        Category::Processor => f.processor,
        Category::Tracker => f.tracker,
        Category::Program => f.program,
        Category::Law => f.law,
    }
}

/// The user's query restricted to documents matching every filter (vendor, processor,
/// year, dates). Filters score nothing, so ranking is the query's alone. When the query is
/// an alternative (`Should` clauses only, as a phrase or word searched in heading and body
/// is), each alternative is filtered on its own: tantivy then seeks each phrase to the
/// filtered documents only, instead of matching the phrase everywhere and intersecting
/// afterwards (a vendor's or a year's phrase search costs its share of the index, not the
/// whole index).
fn with_filters(user: Box<dyn Query>, filters: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if filters.is_empty() {
        return user;
    }
    let filter = |extra: Box<dyn Query>| -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, extra)];
        for f in &filters {
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(f.box_clone(), 0.0)),
            ));
        }
        Box::new(BooleanQuery::new(clauses))
    };
    if let Some(b) = user.downcast_ref::<BooleanQuery>() {
        let alternatives = b.clauses();
        if !alternatives.is_empty()
            && alternatives.iter().all(|(o, _)| *o == Occur::Should)
            && b.get_minimum_number_should_match() <= 1
        {
            return Box::new(BooleanQuery::new(
                alternatives
                    .iter()
                    .map(|(_, q)| (Occur::Should, filter(q.box_clone())))
                    .collect(),
            ));
        }
    }
    filter(user)
}

/// The query as shown in messages: at most 80 bytes.
fn shorten(query: &str) -> String {
    if query.len() > 80 {
        format!("{}…", &query[..query.floor_char_boundary(80)])
    } else {
        query.to_string()
    }
}

/// Refuses queries that are too long or too deeply nested for the parser's recursion.
fn check_query_shape(query: &str) -> Result<(), String> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(format!(
            "the query is {} bytes long; the limit is {MAX_QUERY_BYTES}",
            query.len()
        ));
    }
    let (mut depth, mut max) = (0usize, 0usize);
    for c in query.chars() {
        match c {
            '(' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if max > MAX_QUERY_DEPTH {
        return Err(format!(
            "parentheses nest {max} deep; the limit is {MAX_QUERY_DEPTH}"
        ));
    }
    Ok(())
}

fn describe_parse_error(e: &tantivy::query::QueryParserError) -> String {
    use tantivy::query::QueryParserError as E;
    match e {
        E::SyntaxError(s) => format!(
            "syntax error ({s}); quote phrases (\"credit card\"), balance parentheses and \
             brackets, and write ranges as year:[2010 TO 2015]"
        ),
        E::FieldDoesNotExist(name) => {
            format!("unknown field {name:?}; fields are {QUERY_FIELDS}")
        }
        E::FieldNotIndexed(name) => format!("field {name:?} cannot be searched"),
        E::ExpectedInt(_) => "a number was expected (year:2015)".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let p = |s: &str| DatePeriod::parse(s).map(|p| (p.first, p.last));
        assert_eq!(
            p("2015").unwrap(),
            ("2015-01-01".into(), "2015-12-31".into())
        );
        assert_eq!(
            p("2015-02").unwrap(),
            ("2015-02-01".into(), "2015-02-31".into())
        );
        assert_eq!(
            p("2016-02-29").unwrap(),
            ("2016-02-29".into(), "2016-02-29".into())
        );
        for bad in [
            "2015-13",
            "2015-02-30",
            "15",
            "yesterday",
            "2015-1-1",
            "",
            "2015-",
        ] {
            let err = DatePeriod::parse(bad).unwrap_err();
            assert!(err.contains("YYYY-MM-DD"), "{bad}: {err}");
        }
    }

    #[test]
    fn query_shape_limits() {
        assert!(check_query_shape(&"(".repeat(100)).is_err());
        assert!(check_query_shape(&"a ".repeat(40_000)).is_err());
        assert!(check_query_shape("(a OR (b AND c))").is_ok());
    }
}
