//! `policies serve`: a local, read-only web application over one index — a search page
//! for people who do not script, and a JSON API (the same structs as the command line's
//! JSON) for those who do. axum on tokio; pages are askama templates (escaped by
//! default); every asset is compiled in, so it works offline.
//!
//! Bounded: queries of at most [`MAX_QUERY_BYTES`], pages of at most [`MAX_PAGE`] hits,
//! at most [`MAX_SEARCHES`] searches at once (others wait up to [`QUEUE_WAIT`], then get
//! 503 with `Retry-After`), and a [`BUDGET`] per request. Searches run on tokio's
//! blocking pool; connections are async tasks, so a slow client holds no worker.

mod cache;
mod pages;
mod params;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use tantivy::IndexReader;
use tokio::sync::Semaphore;

use policies::error::SearchError;
use policies::index::PolicyIndex;
use policies::search::browse::{self, ShowTarget};
use policies::search::{self as core_search, QueryConfig, SearchResult, trend};

use params::Params;

/// Longest query accepted, in bytes (the command line takes 64 KiB; a web form less).
pub const MAX_QUERY_BYTES: usize = 4096;
/// Most hits per page.
pub const MAX_PAGE: usize = 100;
/// Searches run at once; more wait.
pub const MAX_SEARCHES: usize = 4;
/// How long a request waits for a search slot before 503.
pub const QUEUE_WAIT: Duration = Duration::from_secs(2);
/// Time budget of one request's work.
pub const BUDGET: Duration = Duration::from_secs(20);
/// How long in-flight requests may finish after Ctrl-C or SIGTERM.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// `policies serve`, resolved.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub index: PathBuf,
    pub bind: SocketAddr,
    pub open: bool,
    pub quiet: bool,
    /// Bytes of search answers kept for the current commit (0: none).
    pub cache_bytes: usize,
}

/// What every request shares.
pub(crate) struct App {
    pub(crate) idx: PolicyIndex,
    pub(crate) reader: IndexReader,
    searches: Semaphore,
    quiet: bool,
    /// `stats` of the last commit seen (counting every document costs about half a
    /// second on the L benchmark corpus; it changes only with a commit).
    stats: std::sync::Mutex<Option<(u64, browse::Stats)>>,
    /// Search answers of the current commit.
    results: cache::ResultCache,
}

impl App {
    /// The stats of the current commit if they are computed already.
    fn kept_stats(&self) -> Option<browse::Stats> {
        let (_, opstamp) = self.idx.current_info().ok()?;
        let cached = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        stats_of(&cached, opstamp)
    }

    /// The index's stats, computed once per commit.
    pub(crate) fn stats(&self) -> Result<browse::Stats, WebError> {
        let (info, opstamp) = self.idx.current_info()?;
        let mut cached = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(stats) = stats_of(&cached, opstamp) {
            return Ok(stats);
        }
        let mut stats = browse::stats(&self.idx, &self.reader.searcher())?;
        stats.index_complete = info.incomplete.is_none();
        stats.incomplete = info.incomplete;
        *cached = Some((opstamp, stats.clone()));
        Ok(stats)
    }
}

/// The stats kept, if they are those of the commit `opstamp`.
fn stats_of(kept: &Option<(u64, browse::Stats)>, opstamp: u64) -> Option<browse::Stats> {
    kept.as_ref()
        .filter(|(stamp, _)| *stamp == opstamp)
        .map(|(_, stats)| stats.clone())
}

/// An error as the API and the pages show it.
#[derive(Debug)]
pub(crate) enum WebError {
    BadRequest(String),
    NotFound(String),
    Busy,
    Internal(String),
}

#[derive(Serialize)]
struct ErrorBody {
    error: &'static str,
    detail: String,
}

impl WebError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            WebError::BadRequest(d) => (StatusCode::BAD_REQUEST, "bad request", d.clone()),
            WebError::NotFound(d) => (StatusCode::NOT_FOUND, "not found", d.clone()),
            WebError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "too many searches at once; retry in a moment".to_string(),
            ),
            WebError::Internal(d) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
                d.clone(),
            ),
        }
    }

    /// As JSON `{error, detail}`.
    fn json(self) -> Response {
        let (status, error, detail) = self.parts();
        let mut r = (status, axum::Json(ErrorBody { error, detail })).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        r
    }

    /// As an HTML page.
    fn html(self) -> Response {
        let (status, error, detail) = self.parts();
        let mut r = pages::error_page(status, error, &detail);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        r
    }
}

impl From<SearchError> for WebError {
    fn from(e: SearchError) -> WebError {
        match e {
            SearchError::BadQuery { .. } => WebError::BadRequest(e.to_string()),
            SearchError::BadArgument {
                argument: "show",
                message,
            } => WebError::NotFound(message),
            SearchError::BadArgument { .. } => WebError::BadRequest(e.to_string()),
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<policies::error::IndexError> for WebError {
    fn from(e: policies::error::IndexError) -> WebError {
        WebError::Internal(e.to_string())
    }
}

impl App {
    /// Runs `work` on the blocking pool with a search slot and the time budget.
    pub(crate) async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&App) -> Result<T, WebError> + Send + 'static,
    ) -> Result<T, WebError> {
        let _slot = tokio::time::timeout(QUEUE_WAIT, self.searches.acquire())
            .await
            .map_err(|_| WebError::Busy)?
            .map_err(|_| WebError::Busy)?;
        let app = Arc::clone(self);
        let task = tokio::task::spawn_blocking(move || work(&app));
        match tokio::time::timeout(BUDGET, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => Err(WebError::Internal(format!("the search failed: {e}"))),
            Err(_) => Err(WebError::Busy),
        }
    }

    /// A search, answered from the answers kept for this commit when `key` (the route
    /// and its parameters) was asked before; the flag says so. A kept answer takes no
    /// search slot.
    pub(crate) async fn search(
        self: &Arc<Self>,
        key: String,
        cfg: QueryConfig,
    ) -> Result<(SearchResult, bool), WebError> {
        let started = Instant::now();
        let searcher = self.reader.searcher();
        let generation = searcher.generation().generation_id();
        if let Some(kept) = self.results.get(generation, &key) {
            let mut result = SearchResult::clone(&kept);
            result.took_ms = started.elapsed().as_millis() as u64;
            return Ok((result, true));
        }
        let (result, settled) = self
            .run(move |app| {
                let (info, before) = app.idx.current_info()?;
                let mut result = core_search::search(&app.idx, &searcher, &cfg)?;
                result.index_complete = info.incomplete.is_none();
                // A commit during the search (the reader may not have moved to it yet):
                // the answer is given, not kept, as its completeness may be the new one's.
                let settled = app.idx.current_info()?.1 == before;
                Ok((result, settled))
            })
            .await?;
        if settled {
            self.results.put(generation, key, Arc::new(result.clone()));
        }
        Ok((result, false))
    }
}

/// Starts the server and serves until Ctrl-C or SIGTERM.
pub fn serve(cfg: ServeConfig) -> anyhow::Result<()> {
    let idx = PolicyIndex::open(&cfg.index)?;
    let reader = idx.reloading_reader()?;
    let app = Arc::new(App {
        idx,
        reader,
        searches: Semaphore::new(MAX_SEARCHES),
        quiet: cfg.quiet,
        stats: std::sync::Mutex::new(None),
        results: cache::ResultCache::new(cfg.cache_bytes),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let served = Arc::clone(&app);
    let quiet = cfg.quiet;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(cfg.bind)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", cfg.bind))?;
        let addr = listener.local_addr()?;
        if !addr.ip().is_loopback() {
            eprintln!(
                "policies: WARNING: serving on {addr}, reachable from other machines; \
                 the default --bind 127.0.0.1:7070 is this machine only"
            );
        }
        let url = format!("http://{addr}/");
        eprintln!(
            "policies: serving {} at {url} (Ctrl-C stops)",
            cfg.index.display()
        );
        if cfg.open {
            open_browser(&url);
        }
        axum::serve(listener, router(app))
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        Ok::<(), anyhow::Error>(())
    })?;
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    if !quiet {
        let counts = served.results.counts();
        let (kept, bytes) = served.results.size();
        eprintln!(
            "policies: stopped; of {} searches, {} were answered from the answers kept \
             ({kept} at the end, {:.1} MB)",
            counts.hits + counts.misses,
            counts.hits,
            bytes as f64 / 1e6
        );
    }
    Ok(())
}

/// Every route.
pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(pages::search_page))
        .route("/policy/{id}", get(pages::policy_page))
        .route("/index", get(pages::index_page))
        .route("/changes/{vendor}", get(pages::changes_page))
        .route("/trend", get(pages::trend_page))
        .route("/trend.svg", get(trend_chart))
        .route("/api/trend.csv", get(trend_csv))
        .route("/static/style.css", get(stylesheet))
        .route("/api/search", get(api_search))
        .route("/api/stats", get(api_stats))
        .route("/api/vendors", get(api_vendors))
        .route("/api/trend", get(api_trend))
        .route("/api/policy/{id}", get(api_policy))
        .route("/api/diff", get(api_diff))
        .fallback(|| async { WebError::NotFound("no such page".to_string()).html() })
        .layer(middleware::from_fn_with_state(
            Arc::clone(&app),
            headers_and_log,
        ))
        .with_state(app)
}

/// Waits for Ctrl-C or SIGTERM; then in-flight requests finish (bounded by the runtime's
/// shutdown timeout).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    eprintln!("policies: stopping; finishing requests in flight");
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(opener).arg(url).spawn().is_err() {
        eprintln!("policies: could not start a browser; open {url}");
    }
}

/// The policy every response carries: nothing from elsewhere, no inline script or style.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Security headers, the ETag of the index's commit, and the access log (common log
/// format, on stderr).
async fn headers_and_log(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let uri = req.uri().clone();
    let version = req.version();
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let etag = app
        .idx
        .current_info()
        .ok()
        .map(|(_, opstamp)| format!("\"{opstamp:x}-{}\"", env!("CARGO_PKG_VERSION")));
    let mut response = if uri.to_string().len() > 2 * MAX_QUERY_BYTES {
        WebError::BadRequest(format!(
            "the address is longer than {} bytes",
            2 * MAX_QUERY_BYTES
        ))
        .json()
    } else if let (Some(tag), Some(seen)) = (&etag, &if_none_match)
        && seen.as_bytes() == tag.as_bytes()
        && !uri.path().starts_with("/static")
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        next.run(req).await
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    if let Some(tag) = etag
        && response.status().is_success()
        && let Ok(v) = HeaderValue::from_str(&tag)
    {
        response.headers_mut().insert(header::ETAG, v);
    }
    if !app.quiet {
        let bytes = response
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-")
            .to_string();
        eprintln!(
            "127.0.0.1 - - [{}] \"{method} {uri} {version:?}\" {} {bytes} {} ms",
            policies::index::now_rfc3339(),
            response.status().as_u16(),
            started.elapsed().as_millis()
        );
    }
    response
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/web/style.css"),
    )
        .into_response()
}

fn json<T: Serialize>(value: &T) -> Response {
    axum::Json(value).into_response()
}

async fn api_search(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    let params = match Params::parse(q.as_deref()) {
        Ok(p) => p,
        Err(e) => return e.json(),
    };
    let cfg = match params.query_config(true) {
        Ok(c) => c,
        Err(e) => return e.json(),
    };
    let key = format!("api?{}", q.as_deref().unwrap_or(""));
    match app.search(key, cfg).await {
        Ok((result, kept)) => {
            let mut r = json(&result);
            r.headers_mut().insert(
                "x-policies-cache",
                HeaderValue::from_static(if kept { "hit" } else { "miss" }),
            );
            r
        }
        Err(e) => e.json(),
    }
}

async fn api_stats(State(app): State<Arc<App>>) -> Response {
    // Computed once per commit: only that takes a search slot.
    if let Some(stats) = app.kept_stats() {
        return json(&stats);
    }
    match app.run(|app| app.stats()).await {
        Ok(s) => json(&s),
        Err(e) => e.json(),
    }
}

async fn api_vendors(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    let params = match Params::parse(q.as_deref()) {
        Ok(p) => p,
        Err(e) => return e.json(),
    };
    let query = match params.optional_query() {
        Ok(q) => q,
        Err(e) => return e.json(),
    };
    match app
        .run(move |app| {
            Ok(browse::vendors(
                &app.idx,
                &app.reader.searcher(),
                query.as_ref(),
            )?)
        })
        .await
    {
        Ok(rows) => json(&rows),
        Err(e) => e.json(),
    }
}

async fn api_trend(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    let params = match Params::parse(q.as_deref()) {
        Ok(p) => p,
        Err(e) => return e.json(),
    };
    let cfg = match params.trend_config() {
        Ok(c) => c,
        Err(e) => return e.json(),
    };
    match app
        .run(move |app| {
            let mut t = trend::trend(&app.idx, &app.reader.searcher(), &cfg)?;
            t.index_complete = app.idx.current_info()?.0.incomplete.is_none();
            Ok(t)
        })
        .await
    {
        Ok(t) => json(&t),
        Err(e) => e.json(),
    }
}

async fn api_diff(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    let req = match Params::parse(q.as_deref()).and_then(|p| {
        let vendor = p
            .get("vendor")
            .ok_or_else(|| WebError::BadRequest("vendor is missing".to_string()))?;
        pages::diff_request(vendor, &p)
    }) {
        Ok(r) => r,
        Err(e) => return e.json(),
    };
    match app
        .run(move |app| {
            Ok(policies::search::diff::diff(
                &app.idx,
                &app.reader.searcher(),
                &req,
            )?)
        })
        .await
    {
        Ok(d) => json(&d),
        Err(e) => e.json(),
    }
}

/// The trend of the request, computed on the blocking pool.
async fn trend_of(app: &Arc<App>, raw: Option<String>) -> Result<trend::Trend, WebError> {
    let cfg = Params::parse(raw.as_deref())?.trend_config()?;
    app.run(move |app| Ok(trend::trend(&app.idx, &app.reader.searcher(), &cfg)?))
        .await
}

/// The trend's chart: an SVG image (served as an image, so nothing in it can run).
async fn trend_chart(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    match trend_of(&app, q).await {
        Ok(t) => match policies::output::plot::trend_svg(&t) {
            Ok(svg) => ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response(),
            Err(e) => WebError::BadRequest(e.to_string()).json(),
        },
        Err(e) => e.json(),
    }
}

/// The trend's table as CSV (the command's `--format csv`).
async fn trend_csv(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    match trend_of(&app, q).await {
        Ok(t) => {
            let mut out = Vec::new();
            match policies::output::reports::print_trend(
                &mut out,
                &t,
                policies::output::OutputFormat::Csv,
            ) {
                Ok(()) => (
                    [
                        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                        (
                            header::CONTENT_DISPOSITION,
                            "attachment; filename=\"trend.csv\"",
                        ),
                    ],
                    out,
                )
                    .into_response(),
                Err(e) => WebError::Internal(e.to_string()).json(),
            }
        }
        Err(e) => e.json(),
    }
}

async fn api_policy(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    if id.len() > 300 {
        return WebError::BadRequest("the id is too long".to_string()).json();
    }
    match app
        .run(move |app| {
            let target = ShowTarget::parse(&id, None, true);
            Ok(browse::show(&app.idx, &app.reader.searcher(), &target)?)
        })
        .await
    {
        Ok(shown) => json(&shown),
        Err(e) => e.json(),
    }
}

/// The headers a test or a client may want to see on a page.
pub(crate) fn html_response(status: StatusCode, body: String) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    (status, headers, body).into_response()
}
