//! Request parameters: the query string read as a list of pairs (so `q` and `vendor`
//! may repeat), checked, and turned into the library's config structs — the same ones
//! the command line builds, with the same meaning.

use policies::corpus::Category;
use policies::search::rows::Metric;
use policies::search::trend::{Dedup, Period, TrendConfig, Unit};
use policies::search::{DatePeriod, Filters, GroupBy, QueryConfig};

use super::{MAX_PAGE, MAX_QUERY_BYTES, WebError};

/// The parameters of one request.
#[derive(Debug, Default, Clone)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

fn bad(message: impl Into<String>) -> WebError {
    WebError::BadRequest(message.into())
}

impl Params {
    pub(crate) fn parse(raw: Option<&str>) -> Result<Params, WebError> {
        let pairs: Vec<(String, String)> = match raw {
            None | Some("") => Vec::new(),
            Some(raw) => serde_urlencoded::from_str(raw)
                .map_err(|e| bad(format!("unreadable query string: {e}")))?,
        };
        for (key, value) in &pairs {
            if value.len() > MAX_QUERY_BYTES {
                return Err(bad(format!(
                    "parameter {key} is {} bytes long; the limit is {MAX_QUERY_BYTES}",
                    value.len()
                )));
            }
        }
        Ok(Params { pairs })
    }

    /// Every non-empty value of `key`.
    pub(crate) fn all(&self, key: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }

    /// The last non-empty value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<String> {
        self.all(key).pop()
    }

    /// A checkbox or boolean: present with `1`, `true`, `on` or `yes`.
    pub(crate) fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| matches!(v.as_str(), "1" | "true" | "on" | "yes"))
    }

    fn number(&self, key: &str, max: usize) -> Result<Option<usize>, WebError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n <= max => Ok(Some(n)),
                Ok(_) => Err(bad(format!("{key}={v}: at most {max}"))),
                Err(_) => Err(bad(format!("{key}={v}: not a whole number"))),
            },
        }
    }

    /// The filters, with the meaning of the command line's options.
    pub(crate) fn filters(&self) -> Result<Filters, WebError> {
        let period = |key: &str, end: bool| -> Result<Option<String>, WebError> {
            self.get(key)
                .map(|d| {
                    DatePeriod::parse(&d)
                        .map(|p| if end { p.last } else { p.first })
                        .map_err(|m| bad(format!("{key}: {m}")))
                })
                .transpose()
        };
        let since = period("since", false)?;
        let until = period("until", true)?;
        if let (Some(s), Some(u)) = (&since, &until)
            && s > u
        {
            return Err(bad(format!("since {s} is after until {u}")));
        }
        let year = match self.get("year") {
            None => None,
            Some(y) => Some(
                y.parse::<u64>()
                    .ok()
                    .filter(|y| (1..=9999).contains(y))
                    .ok_or_else(|| bad(format!("year={y}: a year is a number such as 2015")))?,
            ),
        };
        let float = |key: &str| -> Result<Option<f64>, WebError> {
            self.get(key)
                .map(|v| {
                    v.parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite())
                        .ok_or_else(|| bad(format!("{key}={v}: not a number")))
                })
                .transpose()
        };
        let whole = |key: &str| -> Result<Option<u64>, WebError> {
            self.get(key)
                .map(|v| {
                    v.parse::<u64>()
                        .map_err(|_| bad(format!("{key}={v}: not a whole number")))
                })
                .transpose()
        };
        let entities = self
            .all("entity")
            .iter()
            .map(|e| Category::parse_pair(e).map_err(|m| bad(format!("entity: {m}"))))
            .collect::<Result<_, _>>()?;
        Ok(Filters {
            vendors: self.all("vendor"),
            year,
            since,
            until,
            processors: self.all("processor"),
            entities,
            min_words: whole("min_words")?,
            max_words: whole("max_words")?,
            min_fk: float("min_fk")?,
            max_fk: float("max_fk")?,
            as_of: period("as_of", true)?,
        })
    }

    /// The search `q` (required) with paging, facets and options. `api`: paging by
    /// `limit`/`offset`; pages: by `page` (1-based) of `MAX_PAGE / 5` hits, and facets.
    pub(crate) fn query_config(&self, api: bool) -> Result<QueryConfig, WebError> {
        let q = self
            .get("q")
            .ok_or_else(|| bad("the query q is missing or empty; q=* matches everything"))?;
        let mut cfg = QueryConfig::new(&q, self.filters()?);
        cfg.exact = self.flag("exact");
        if self.flag("per_vendor") {
            cfg.per_vendor = Some(1);
        }
        if let Some(k) = self.number("per_vendor_k", 1000)? {
            cfg.per_vendor = Some(k.max(1));
        }
        if let Some(n) = self.number("snippet_chars", 2000)? {
            cfg.snippet_chars = n.max(20);
        }
        if api {
            cfg.limit = Some(self.number("limit", MAX_PAGE)?.unwrap_or(10));
            cfg.offset = self.number("offset", 1_000_000_000)?.unwrap_or(0);
            cfg.count_only = self.flag("count");
            for facet in self.all("facet") {
                for name in facet.split(',') {
                    cfg.facets.push(facet_of(name.trim())?);
                }
            }
            cfg.facets.dedup();
            if let Some(n) = self.number("facet_limit", 1000)? {
                cfg.facet_limit = n;
            }
        } else {
            let page = self.number("page", 100_000)?.unwrap_or(1).max(1);
            cfg.limit = Some(PAGE_SIZE);
            cfg.offset = (page - 1) * PAGE_SIZE;
            cfg.facets = vec![
                GroupBy::Year,
                GroupBy::Vendor,
                GroupBy::Processor,
                GroupBy::Tracker,
                GroupBy::Program,
                GroupBy::Law,
            ];
            cfg.facet_limit = 15;
        }
        Ok(cfg)
    }

    /// `q` when given (for `vendors`).
    pub(crate) fn optional_query(&self) -> Result<Option<QueryConfig>, WebError> {
        let filters = self.filters()?;
        Ok(match self.get("q") {
            Some(q) => Some(QueryConfig::new(&q, filters)),
            None if !filters.is_empty() => Some(QueryConfig::new("*", filters)),
            None => None,
        })
    }

    /// The trend of every `q`, by `by` (year or month).
    pub(crate) fn trend_config(&self) -> Result<TrendConfig, WebError> {
        let mut queries = self.all("q");
        for e in self.all("series_entity") {
            let (c, name) =
                Category::parse_pair(&e).map_err(|m| bad(format!("series_entity: {m}")))?;
            queries.push(policies::search::trend::entity_query(c, &name));
        }
        let metric = match self.get("metric").as_deref() {
            None => None,
            Some("words") => Some(Metric::Words),
            Some("sentences") => Some(Metric::Sentences),
            Some("sections") => Some(Metric::Sections),
            Some("flesch") => Some(Metric::Flesch),
            Some("fk_grade") => Some(Metric::FkGrade),
            Some("smog") => Some(Metric::Smog),
            Some(other) => {
                return Err(bad(format!(
                    "metric={other}: use words, sentences, sections, flesch, fk_grade or smog"
                )));
            }
        };
        if queries.is_empty() && metric.is_none() {
            return Err(bad("give one or more queries as q=…&q=…"));
        }
        if queries.len() > 10 {
            return Err(bad("at most 10 queries per trend"));
        }
        let by = match self.get("by").as_deref() {
            None | Some("year") => Period::Year,
            Some("half") => Period::Half,
            Some("quarter") => Period::Quarter,
            Some("month") => Period::Month,
            Some(other) => {
                return Err(bad(format!("by={other}: use year, half, quarter or month")));
            }
        };
        let unit = match self.get("unit").as_deref() {
            None | Some("snapshots") => Unit::Snapshots,
            Some("sites") => Unit::Sites,
            Some(other) => return Err(bad(format!("unit={other}: use snapshots or sites"))),
        };
        let dedup = match self.get("dedup").as_deref() {
            None | Some("none") => Dedup::None,
            Some("exact") => Dedup::Exact,
            Some("near") => Dedup::Near,
            Some(other) => return Err(bad(format!("dedup={other}: use none, exact or near"))),
        };
        let filters = self.filters()?;
        if filters.as_of.is_some() {
            return Err(bad(
                "as_of: a trend covers every date; as_of is for search and vendors",
            ));
        }
        Ok(TrendConfig {
            queries,
            by,
            unit,
            dedup,
            metric,
            filters: QueryConfig::new("*", filters),
        })
    }
}

/// Hits per page of the search page.
pub(crate) const PAGE_SIZE: usize = MAX_PAGE / 5;

fn facet_of(name: &str) -> Result<GroupBy, WebError> {
    match name {
        "year" => Ok(GroupBy::Year),
        "vendor" => Ok(GroupBy::Vendor),
        "processor" => Ok(GroupBy::Processor),
        "tracker" => Ok(GroupBy::Tracker),
        "program" => Ok(GroupBy::Program),
        "law" => Ok(GroupBy::Law),
        other => Err(bad(format!(
            "facet={other}: facets are year, vendor, processor, tracker, program, law"
        ))),
    }
}
