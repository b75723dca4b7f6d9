//! The HTML pages: search, policy, index, errors. Templates are askama's (compiled in,
//! every value escaped); this module turns library results into what they show. Every
//! state is in the address, so a page can be bookmarked and cited.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use policies::search::browse::{self, PolicyView, ShowTarget, Shown};
use policies::search::snippet::{Analyzers, Patterns, match_ranges};
use policies::search::{self as core_search, FacetCount, Filters, Hit, QueryConfig};

use super::params::{PAGE_SIZE, Params};
use super::{App, WebError, html_response};

/// A piece of text, marked (a match) or not.
pub(crate) struct Part {
    pub(crate) text: String,
    pub(crate) marked: bool,
}

/// Cuts `text` at the `[start, end)` character ranges of `highlights`.
fn parts(text: &str, highlights: &[[usize; 2]]) -> Vec<Part> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut at = 0;
    for &[start, end] in highlights {
        let (start, end) = (start.min(chars.len()), end.min(chars.len()));
        if start < at {
            continue;
        }
        if start > at {
            out.push(Part {
                text: chars[at..start].iter().collect(),
                marked: false,
            });
        }
        out.push(Part {
            text: chars[start..end].iter().collect(),
            marked: true,
        });
        at = end;
    }
    if at < chars.len() {
        out.push(Part {
            text: chars[at..].iter().collect(),
            marked: false,
        });
    }
    out
}

/// A link to `path` with these parameters.
fn link(path: &str, pairs: &[(&str, String)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    match serde_urlencoded::to_string(&kept) {
        Ok(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.to_string(),
    }
}

pub(crate) struct Form {
    q: String,
    since: String,
    until: String,
    vendor: String,
    processor: String,
    /// `CATEGORY:NAME` filters, added by clicking a tracker, program or law.
    entities: Vec<String>,
    per_vendor: bool,
    exact: bool,
}

impl Form {
    fn of(p: &Params) -> Form {
        Form {
            q: p.get("q").unwrap_or_default(),
            since: p.get("since").unwrap_or_default(),
            until: p.get("until").unwrap_or_default(),
            vendor: p.get("vendor").unwrap_or_default(),
            processor: p.get("processor").unwrap_or_default(),
            entities: p.all("entity"),
            per_vendor: p.flag("per_vendor"),
            exact: p.flag("exact"),
        }
    }

    /// The form's state as link parameters, with `page`.
    fn pairs(&self, page: usize) -> Vec<(&'static str, String)> {
        let flag = |b: bool| if b { "1".to_string() } else { String::new() };
        let mut pairs = vec![
            ("q", self.q.clone()),
            ("since", self.since.clone()),
            ("until", self.until.clone()),
            ("vendor", self.vendor.clone()),
            ("processor", self.processor.clone()),
            ("per_vendor", flag(self.per_vendor)),
            ("exact", flag(self.exact)),
            (
                "page",
                if page > 1 {
                    page.to_string()
                } else {
                    String::new()
                },
            ),
        ];
        pairs.extend(self.entities.iter().map(|e| ("entity", e.clone())));
        pairs
    }

    /// The same search narrowed by one more filter.
    fn narrowed(&self, key: &'static str, value: &str) -> String {
        let mut pairs = self.pairs(1);
        for (k, v) in pairs.iter_mut() {
            if *k == key || (key == "year" && (*k == "since" || *k == "until")) {
                v.clear();
            }
        }
        if key == "year" {
            pairs.push(("since", value.to_string()));
            pairs.push(("until", value.to_string()));
        } else if matches!(key, "tracker" | "program" | "law") {
            let entity = format!("{key}:{value}");
            if !self.entities.contains(&entity) {
                pairs.push(("entity", entity));
            }
        } else {
            pairs.push((key, value.to_string()));
        }
        link("/", &pairs)
    }
}

pub(crate) struct HitView {
    vendor: String,
    date: String,
    year: String,
    path: String,
    link: String,
    snippet: Vec<Part>,
    score: String,
    processors: String,
}

pub(crate) struct FacetValueView {
    label: String,
    link: String,
    policies: u64,
}

pub(crate) struct FacetView {
    name: String,
    bars: bool,
    /// The largest count (the bars' scale).
    max: u64,
    values: Vec<FacetValueView>,
}

pub(crate) struct ResultView {
    total_label: String,
    shown: usize,
    first: usize,
    last: usize,
    took_ms: u64,
    index_complete: bool,
    hits: Vec<HitView>,
    prev: Option<String>,
    next: Option<String>,
    facets: Vec<FacetView>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchTemplate {
    form: Form,
    error: Option<String>,
    result: Option<ResultView>,
}

fn hit_view(hit: &Hit, q: &str) -> HitView {
    let snippet = if hit.snippet.text.is_empty() {
        vec![Part {
            text: "(a heading with no text of its own)".to_string(),
            marked: false,
        }]
    } else {
        parts(&hit.snippet.text, &hit.snippet.highlights)
    };
    HitView {
        vendor: hit.vendor.clone(),
        date: hit.date.clone().unwrap_or_else(|| "undated".to_string()),
        year: hit.year.map(|y| y.to_string()).unwrap_or_default(),
        path: hit.heading_path.join(" › "),
        link: format!(
            "{}#{}",
            link(
                &format!("/policy/{}", hit.policy_id),
                &[("section", hit.id.clone()), ("q", q.to_string())]
            ),
            hit.id
        ),
        snippet,
        score: format!("{:.2}", hit.score),
        processors: hit.processors.join(", "),
    }
}

fn facet_view(form: &Form, name: &str, counts: &[FacetCount]) -> FacetView {
    let key: &'static str = match name {
        "year" => "year",
        "vendor" => "vendor",
        "tracker" => "tracker",
        "program" => "program",
        "law" => "law",
        _ => "processor",
    };
    let max = counts.iter().map(|c| c.policies).max().unwrap_or(1).max(1);
    FacetView {
        name: name.to_string(),
        bars: name == "year",
        max,
        values: counts
            .iter()
            .map(|c| {
                let label = c.value.to_string();
                FacetValueView {
                    link: form.narrowed(key, &label),
                    policies: c.policies,
                    label,
                }
            })
            .collect(),
    }
}

pub(crate) async fn search_page(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    let params = match Params::parse(q.as_deref()) {
        Ok(p) => p,
        Err(e) => return e.html(),
    };
    let form = Form::of(&params);
    if form.q.is_empty() {
        return render(
            StatusCode::OK,
            &SearchTemplate {
                form,
                error: None,
                result: None,
            },
        );
    }
    let cfg = match params.query_config(false) {
        Ok(c) => c,
        Err(e) => return search_error(form, e),
    };
    let page = cfg.offset / PAGE_SIZE + 1;
    let key = format!("page?{}", q.as_deref().unwrap_or(""));
    let result = match app.search(key, cfg).await {
        Ok((r, _)) => r,
        Err(e) => return search_error(form, e),
    };
    let complete = result.index_complete;
    let shown = result.hits.len();
    let first = result.hits.first().map_or(0, |h| h.rank);
    let total = result.total_hits;
    let view = ResultView {
        total_label: format!(
            "{total} matching {}",
            if total == 1 { "section" } else { "sections" }
        ),
        shown,
        first,
        last: first + shown.saturating_sub(1),
        took_ms: result.took_ms,
        index_complete: complete,
        hits: result.hits.iter().map(|h| hit_view(h, &form.q)).collect(),
        prev: (page > 1).then(|| link("/", &form.pairs(page - 1))),
        next: ((page * PAGE_SIZE) < total as usize && shown == PAGE_SIZE)
            .then(|| link("/", &form.pairs(page + 1))),
        facets: ["year", "vendor", "processor", "tracker", "program", "law"]
            .iter()
            .filter_map(|name| {
                result
                    .facets
                    .as_ref()
                    .and_then(|f| f.get(*name))
                    .map(|counts| facet_view(&form, name, counts))
            })
            .collect(),
    };
    render(
        StatusCode::OK,
        &SearchTemplate {
            form,
            error: None,
            result: Some(view),
        },
    )
}

fn search_error(form: Form, e: WebError) -> Response {
    match e {
        WebError::BadRequest(message) => render(
            StatusCode::BAD_REQUEST,
            &SearchTemplate {
                form,
                error: Some(message),
                result: None,
            },
        ),
        other => other.html(),
    }
}

pub(crate) struct SnapshotLink {
    date: String,
    link: String,
    current: bool,
}

pub(crate) struct SectionPage {
    id: String,
    part: u64,
    heading: String,
    leads: Vec<String>,
    body: Vec<Part>,
    marked: bool,
}

pub(crate) struct PolicyPage {
    vendor: String,
    date: String,
    policy_id: String,
    wayback: Option<String>,
    source: String,
    processors: String,
    snapshots: Vec<SnapshotLink>,
    sections: Vec<SectionPage>,
}

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyTemplate {
    p: PolicyPage,
}

/// Marks the matches of `q` (if any) throughout a body: whole phrases only.
fn marked_body(patterns: Option<&mut (Patterns, Analyzers)>, body: &str) -> Vec<Part> {
    match patterns {
        Some((patterns, analyzers)) => parts(body, &match_ranges(body, patterns, analyzers)),
        None => parts(body, &[]),
    }
}

fn policy_page_of(app: &App, view: PolicyView, params: &Params) -> Result<PolicyPage, WebError> {
    let searcher = app.reader.searcher();
    let marked = params.get("section").or(view.marked.clone());
    let mut patterns = match params.get("q") {
        Some(q) => {
            let query = core_search::build_query(
                &app.idx,
                &searcher,
                &QueryConfig::new(&q, Filters::default()),
            )?;
            Analyzers::of(&app.idx.index)
                .map(|a| (Patterns::from_query(query.as_ref(), app.idx.fields.body), a))
        }
        None => None,
    };
    let snapshots = match browse::show(
        &app.idx,
        &searcher,
        &ShowTarget::Vendor {
            vendor: view.vendor.clone(),
            date: None,
            latest: false,
        },
    )? {
        Shown::Snapshots { snapshots, .. } => snapshots
            .into_iter()
            .map(|s| SnapshotLink {
                current: s.policy_id == view.policy_id,
                link: format!("/policy/{}", s.policy_id),
                date: s.date.unwrap_or_else(|| "undated".to_string()),
            })
            .collect(),
        Shown::Policy(_) => Vec::new(),
    };
    let source = match (&view.revision, &view.blob) {
        (Some(r), _) => format!("{} at commit {r}", view.path),
        _ => view.path.clone(),
    };
    Ok(PolicyPage {
        sections: view
            .sections
            .iter()
            .map(|s| SectionPage {
                marked: marked.as_deref() == Some(s.id.as_str()),
                id: s.id.clone(),
                part: s.part,
                heading: s.heading.clone(),
                leads: s.lead_headings.clone(),
                body: marked_body(patterns.as_mut(), &s.body),
            })
            .collect(),
        vendor: view.vendor,
        date: view.date.unwrap_or_else(|| "undated".to_string()),
        policy_id: view.policy_id,
        wayback: view
            .url
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        source,
        processors: view.processors.join(", "),
        snapshots,
    })
}

pub(crate) async fn policy_page(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let params = match Params::parse(q.as_deref()) {
        Ok(p) => p,
        Err(e) => return e.html(),
    };
    if id.len() > 300 {
        return WebError::BadRequest("the id is too long".to_string()).html();
    }
    let outcome = app
        .run(move |app| {
            let shown = browse::show(
                &app.idx,
                &app.reader.searcher(),
                &ShowTarget::parse(&id, None, true),
            )?;
            match shown {
                Shown::Policy(view) => policy_page_of(app, *view, &params),
                Shown::Snapshots { vendor, .. } => Err(WebError::NotFound(format!(
                    "{vendor} has several snapshots; pick one from the index page"
                ))),
            }
        })
        .await;
    match outcome {
        Ok(p) => render(StatusCode::OK, &PolicyTemplate { p }),
        Err(e) => e.html(),
    }
}

pub(crate) struct StatsView {
    policies: u64,
    sections: u64,
    vendors: u64,
    size: String,
    built_at: String,
    complete: bool,
}

pub(crate) struct VendorView {
    vendor: String,
    link: String,
    snapshots: u64,
    first: String,
    last: String,
    processors: String,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexTemplate {
    s: StatsView,
    filter: String,
    shown_label: String,
    vendors: Vec<VendorView>,
}

/// Most vendors listed on the index page (the filter narrows the rest).
const VENDORS_SHOWN: usize = 500;

pub(crate) async fn index_page(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    let params = match Params::parse(q.as_deref()) {
        Ok(p) => p,
        Err(e) => return e.html(),
    };
    let filter = params.get("vendor").unwrap_or_default().to_lowercase();
    let outcome = app
        .run(move |app| {
            let searcher = app.reader.searcher();
            let stats = app.stats()?;
            let rows = browse::vendors(&app.idx, &searcher, None)?;
            let complete = app.idx.current_info()?.0.incomplete.is_none();
            Ok((stats, rows, complete))
        })
        .await;
    let (stats, rows, complete) = match outcome {
        Ok(r) => r,
        Err(e) => return e.html(),
    };
    let matching: Vec<_> = rows
        .into_iter()
        .filter(|r| filter.is_empty() || r.vendor.contains(&filter))
        .collect();
    let shown_label = if matching.len() > VENDORS_SHOWN {
        format!(
            "{} vendors match; the first {VENDORS_SHOWN} are listed (filter to narrow)",
            matching.len()
        )
    } else {
        format!(
            "{} {}",
            matching.len(),
            if matching.len() == 1 {
                "vendor"
            } else {
                "vendors"
            }
        )
    };
    let vendors = matching
        .into_iter()
        .take(VENDORS_SHOWN)
        .map(|r| VendorView {
            link: link("/", &[("q", "*".to_string()), ("vendor", r.vendor.clone())]),
            vendor: r.vendor,
            snapshots: r.snapshots,
            first: r.first_date.unwrap_or_default(),
            last: r.last_date.unwrap_or_default(),
            processors: r.processors.join(", "),
        })
        .collect();
    render(
        StatusCode::OK,
        &IndexTemplate {
            s: StatsView {
                policies: stats.policies,
                sections: stats.sections,
                vendors: stats.vendors,
                size: format!("{:.1} MB", stats.index_bytes as f64 / 1e6),
                built_at: stats.built_at,
                complete,
            },
            filter,
            shown_label,
            vendors,
        },
    )
}

pub(crate) struct ChangeView {
    kind: &'static str,
    sign: &'static str,
    path: String,
    words: Vec<policies::search::diff::WordRun>,
}

#[derive(Template)]
#[template(path = "changes.html")]
struct ChangesTemplate {
    d: policies::search::diff::PolicyDiff,
    from: String,
    to: String,
    snapshots: Vec<SnapshotLink>,
    sections: Vec<ChangeView>,
    /// Old and new text in two columns instead of one marked-up text.
    side: bool,
}

/// The request of `/changes/VENDOR` and `/api/diff`.
pub(crate) fn diff_request(
    vendor: String,
    params: &Params,
) -> Result<policies::search::diff::DiffRequest, WebError> {
    let date = |key: &str| -> Result<Option<String>, WebError> {
        params
            .get(key)
            .map(|d| {
                policies::corpus::header::parse_date(&d)
                    .map(|_| d.clone())
                    .ok_or_else(|| WebError::BadRequest(format!("{key}={d}: write YYYY-MM-DD")))
            })
            .transpose()
    };
    Ok(policies::search::diff::DiffRequest {
        vendor,
        from: date("from")?,
        to: date("to")?,
    })
}

pub(crate) async fn changes_page(
    State(app): State<Arc<App>>,
    Path(vendor): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    use policies::search::diff::{Change, diff};
    let params = match Params::parse(q.as_deref()) {
        Ok(p) => p,
        Err(e) => return e.html(),
    };
    let side = match params.get("layout").as_deref() {
        None | Some("inline") => false,
        Some("side") => true,
        Some(other) => {
            return WebError::BadRequest(format!("layout={other}: use inline or side")).html();
        }
    };
    let req = match diff_request(vendor, &params) {
        Ok(r) => r,
        Err(e) => return e.html(),
    };
    let outcome = app
        .run(move |app| Ok(diff(&app.idx, &app.reader.searcher(), &req)?))
        .await;
    let d = match outcome {
        Ok(d) => d,
        Err(e) => return e.html(),
    };
    let date = |s: &policies::search::diff::SnapshotRef| {
        s.date.clone().unwrap_or_else(|| "undated".to_string())
    };
    let sections = d
        .sections
        .iter()
        .filter(|s| s.change != Change::Unchanged)
        .map(|s| {
            let (kind, sign) = match s.change {
                Change::Added => ("added", "+"),
                Change::Removed => ("removed", "−"),
                _ => ("changed", "~"),
            };
            ChangeView {
                kind,
                sign,
                path: s.heading_path.join(" › "),
                words: s.words.clone(),
            }
        })
        .collect();
    let snapshots = d
        .snapshots
        .iter()
        .map(|s| SnapshotLink {
            date: date(s),
            link: format!("/policy/{}", s.policy_id),
            current: false,
        })
        .collect();
    render(
        StatusCode::OK,
        &ChangesTemplate {
            from: date(&d.from),
            to: date(&d.to),
            snapshots,
            sections,
            side,
            d,
        },
    )
}

pub(crate) struct TrendCellView {
    matching: u64,
    share: String,
}

pub(crate) struct TrendRowView {
    period: String,
    total: u64,
    cells: Vec<TrendCellView>,
}

pub(crate) struct TrendTable {
    chart: String,
    csv: String,
    json: String,
    queries: Vec<String>,
    rows: Vec<TrendRowView>,
}

#[derive(Template)]
#[template(path = "trend.html")]
struct TrendTemplate {
    by: String,
    unit: String,
    dedup: String,
    queries_form: Vec<String>,
    since: String,
    until: String,
    vendor: String,
    error: Option<String>,
    table: Option<TrendTable>,
}

/// Query inputs on the trend page.
const TREND_INPUTS: usize = 5;

pub(crate) async fn trend_page(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    let params = match Params::parse(q.as_deref()) {
        Ok(p) => p,
        Err(e) => return e.html(),
    };
    let mut queries_form = params.all("q");
    let by = params.get("by").unwrap_or_else(|| "year".to_string());
    let mut page = TrendTemplate {
        by: by.clone(),
        unit: params
            .get("unit")
            .unwrap_or_else(|| "snapshots".to_string()),
        dedup: params.get("dedup").unwrap_or_else(|| "none".to_string()),
        queries_form: Vec::new(),
        since: params.get("since").unwrap_or_default(),
        until: params.get("until").unwrap_or_default(),
        vendor: params.get("vendor").unwrap_or_default(),
        error: None,
        table: None,
    };
    let asked = !queries_form.is_empty();
    while queries_form.len() < TREND_INPUTS {
        queries_form.push(String::new());
    }
    page.queries_form = queries_form;
    if !asked {
        return render(StatusCode::OK, &page);
    }
    let cfg = match params.trend_config() {
        Ok(c) => c,
        Err(WebError::BadRequest(m)) => {
            page.error = Some(m);
            return render(StatusCode::BAD_REQUEST, &page);
        }
        Err(e) => return e.html(),
    };
    let outcome = app
        .run(move |app| {
            Ok(policies::search::trend::trend(
                &app.idx,
                &app.reader.searcher(),
                &cfg,
            )?)
        })
        .await;
    let t = match outcome {
        Ok(t) => t,
        Err(WebError::BadRequest(m)) => {
            page.error = Some(m);
            return render(StatusCode::BAD_REQUEST, &page);
        }
        Err(e) => return e.html(),
    };
    let same = q.unwrap_or_default();
    page.table = Some(TrendTable {
        chart: format!("/trend.svg?{same}"),
        csv: format!("/api/trend.csv?{same}"),
        json: format!("/api/trend?{same}"),
        queries: t.queries.clone(),
        rows: t
            .rows
            .iter()
            .map(|r| TrendRowView {
                period: r.period.clone(),
                total: r.total,
                cells: r
                    .matches
                    .iter()
                    .map(|c| TrendCellView {
                        matching: c.matching,
                        share: format!("{:.1}%", c.share * 100.0),
                    })
                    .collect(),
            })
            .collect(),
    });
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    title: &'a str,
    detail: &'a str,
}

pub(crate) fn error_page(status: StatusCode, title: &str, detail: &str) -> Response {
    render(status, &ErrorTemplate { title, detail })
}

fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => html_response(status, body),
        Err(e) => {
            eprintln!("policies: template error: {e}");
            html_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "<!doctype html><title>error</title><p>The page could not be drawn.</p>"
                    .to_string(),
            )
        }
    }
}
