//! `policies serve` over HTTP: the real binary on an ephemeral port. The API must agree
//! with the command line's JSON for the same requests; bad input is 400 with a JSON
//! message, unknown ids 404; everything a policy holds is escaped; a new index commit is
//! picked up without a restart; SIGTERM stops it cleanly.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::TestEnv;
use serde_json::Value;

struct Server {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

impl Server {
    fn start(env: &TestEnv) -> Server {
        let mut child = env
            .command(&["serve", "--bind", "127.0.0.1:0", "--quiet"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("the server ended before saying where it listens")
                .unwrap();
            if let Some(at) = line.find("http://") {
                break line[at..]
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_string();
            }
        };
        // Keep reading stderr so the server never blocks on it.
        std::thread::spawn(move || for _ in lines {});
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Server { child, base, agent }
    }

    /// Status, headers we look at, and body.
    fn get(&self, path: &str) -> (u16, ureq::http::HeaderMap, String) {
        let mut r = self
            .agent
            .get(format!("{}{path}", self.base))
            .call()
            .unwrap();
        let body = r.body_mut().read_to_string().unwrap();
        (r.status().as_u16(), r.headers().clone(), body)
    }

    fn json(&self, path: &str) -> Value {
        let (status, headers, body) = self.get(path);
        assert_eq!(status, 200, "{path}: {body}");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{path}"
        );
        serde_json::from_str(&body).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn indexed() -> TestEnv {
    let env = TestEnv::with_seeds();
    env.write(
        "corpus/evil.md",
        "> *The following text is extracted and transformed from the evil.example privacy policy that was archived on 2016-01-01. Please check the [original snapshot on the Wayback Machine](https://web.archive.org/web/20160101000000id_/http%3A//evil.example/privacy) for the most accurate reproduction.*\n\n# Zqxjk <script>window.__pwned=1</script> policy\n\nZqxjk text [click](javascript:alert(1)) and \"><img src=x onerror=\"window.__pwned=2\"> here.\n\nAs code, kept as written: `<script>window.__pwned=3</script>` and `\"><img src=x onerror=\"window.__pwned=4\">`.\n",
    );
    env.ok(&["index", "--quiet"]);
    env
}

/// `key` of every hit.
fn hit_field(v: &Value, key: &str) -> Vec<Value> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[key].clone())
        .collect()
}

#[test]
fn api_agrees_with_the_command_line() {
    let env = indexed();
    let server = Server::start(&env);
    // Search: the same hits in the same order, the same total and facets.
    let api = server.json("/api/search?q=%22credit+card%22&limit=100&facet=year,vendor");
    let cli: Value = env.json(&[
        "query",
        "\"credit card\"",
        "--limit",
        "100",
        "--facet",
        "year,vendor",
        "--format",
        "json",
    ]);
    assert!(api["total_hits"].as_u64().unwrap() > 0);
    assert_eq!(api["total_hits"], cli["total_hits"]);
    assert_eq!(hit_field(&api, "id"), hit_field(&cli, "id"));
    assert_eq!(hit_field(&api, "snippet"), hit_field(&cli, "snippet"));
    assert_eq!(api["facets"], cli["facets"]);
    assert_eq!(api["index_complete"], true);
    // Filters and paging mean the same.
    let api = server.json("/api/search?q=information&since=2015&until=2016-06&limit=5&offset=2");
    let cli: Value = env.json(&[
        "query",
        "information",
        "--since",
        "2015",
        "--until",
        "2016-06",
        "--limit",
        "5",
        "--offset",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(api["total_hits"], cli["total_hits"]);
    assert_eq!(hit_field(&api, "id"), hit_field(&cli, "id"));
    // Trend, vendors, stats, a policy.
    let mut api = server.json("/api/trend?q=cookies&q=%22credit+card%22");
    let mut cli: Value = env.json(&["trend", "cookies", "\"credit card\"", "--format", "json"]);
    api["took_ms"] = Value::Null;
    cli["took_ms"] = Value::Null;
    assert_eq!(api, cli);
    let api = server.json("/api/vendors?q=cookies");
    let cli: Value = env.json(&["vendors", "cookies", "--format", "json"]);
    assert_eq!(api, cli);
    let api = server.json("/api/stats");
    let cli: Value = env.json(&["stats", "--format", "json"]);
    for key in ["policies", "sections", "vendors", "years", "processors"] {
        assert_eq!(api[key], cli[key], "{key}");
    }
    let id = hit_field(&server.json("/api/search?q=cookies"), "policy_id")[0]
        .as_str()
        .unwrap()
        .to_string();
    let api = server.json(&format!("/api/policy/{id}"));
    let cli: Value = env.json(&["show", &id, "--format", "json"]);
    assert_eq!(api, cli);
}

#[test]
fn bad_input_is_400_with_a_message_and_unknown_ids_404() {
    let env = indexed();
    let server = Server::start(&env);
    for (path, words) in [
        ("/api/search?q=year:abc", "not a year"),
        ("/api/search?q=cookies&limit=100000", "at most"),
        ("/api/search?q=cookies&since=2015-13", "not a date"),
        ("/api/search", "missing"),
        ("/api/search?q=cookies&facet=colour", "facets are"),
        (
            "/api/trend?q=cookies&by=decade",
            "year, half, quarter or month",
        ),
        ("/api/trend?q=cookies&unit=domains", "snapshots or sites"),
        ("/api/search?q=cookies&entity=statute:GDPR", "category"),
        ("/api/search?q=cookies&min_fk=x", "not a number"),
        ("/api/search?q=%22unbalanced", "syntax"),
    ] {
        let (status, headers, body) = server.get(path);
        assert_eq!(status, 400, "{path}: {body}");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"], "bad request", "{path}");
        assert!(v["detail"].as_str().unwrap().contains(words), "{path}: {v}");
    }
    let long = "a".repeat(5000);
    let (status, _, _) = server.get(&format!("/api/search?q={long}"));
    assert_eq!(status, 400);
    for path in [
        "/api/policy/0123456789ab",
        "/policy/0123456789ab",
        "/nowhere",
    ] {
        let (status, _, body) = server.get(path);
        assert_eq!(status, 404, "{path}: {body}");
    }
    let (status, _, body) = server.get("/?q=year:abc");
    assert_eq!(status, 400);
    assert!(body.contains("not a year"), "{body}");
}

#[test]
fn pages_escape_what_policies_hold_and_carry_strict_headers() {
    let env = indexed();
    let server = Server::start(&env);
    let (status, headers, search) = server.get("/?q=zqxjk");
    assert_eq!(status, 200);
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(search.contains("evil.example"), "{search}");
    let id = server.json("/api/search?q=zqxjk")["hits"][0]["policy_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _, policy) = server.get(&format!("/policy/{id}?q=zqxjk"));
    assert_eq!(status, 200);
    for page in [&search, &policy] {
        // The policy's markup is text: no script element, no handler, no javascript: link.
        assert_eq!(page.matches("<script").count(), 0, "{page}");
        assert!(!page.contains("onerror=\""), "{page}");
        assert!(
            !page.to_lowercase().contains("href=\"javascript:"),
            "{page}"
        );
    }
    // Markup the parser keeps as text (code spans) is shown as text (escaped by name or
    // by number).
    let text = policy.replace("&#60;", "&lt;").replace("&#62;", "&gt;");
    assert!(
        text.contains("&lt;script&gt;window.__pwned=3&lt;/script&gt;"),
        "{policy}"
    );
    assert!(text.contains("&lt;img src=x onerror="), "{policy}");
    assert!(policy.contains("<mark>Zqxjk</mark>"), "{policy}");
    // The stylesheet is served from the binary; no page names another host.
    let (status, headers, css) = server.get("/static/style.css");
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(css.contains("mark"));
    for page in [&search, &policy] {
        assert!(
            !page.contains("http://") || !page.contains("<link rel=\"stylesheet\" href=\"http")
        );
    }
}

#[test]
fn a_new_commit_is_served_without_a_restart() {
    let env = indexed();
    let server = Server::start(&env);
    let (_, headers, _) = server.get("/api/stats");
    let etag = headers["etag"].to_str().unwrap().to_string();
    let mut r = server
        .agent
        .get(format!("{}/api/stats", server.base))
        .header("If-None-Match", &etag)
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 304);
    let _ = r.body_mut().read_to_string();
    assert_eq!(server.json("/api/search?q=quokkaword")["total_hits"], 0);
    // Asked again, the answer is the one kept for this commit (the same but for the time).
    let first = server.get("/api/search?q=privacy&facet=year");
    let again = server.get("/api/search?q=privacy&facet=year");
    assert_eq!(first.1["x-policies-cache"], "miss");
    assert_eq!(again.1["x-policies-cache"], "hit");
    let without_time = |body: &str| {
        let mut v: Value = serde_json::from_str(body).unwrap();
        v.as_object_mut().unwrap().remove("took_ms");
        v
    };
    assert_eq!(without_time(&first.2), without_time(&again.2));
    assert!(
        server
            .get("/?q=quokkaword")
            .2
            .contains("0 matching sections")
    );
    env.write(
        "corpus/new.md",
        "> *The following text is extracted and transformed from the new.example privacy policy that was archived on 2019-01-01. Please check the [original snapshot on the Wayback Machine](https://web.archive.org/web/20190101000000id_/http%3A//new.example/privacy) for the most accurate reproduction.*\n\n# New\n\nA quokkaword appears.\n",
    );
    env.ok(&["index", "--quiet"]);
    let started = Instant::now();
    loop {
        if server.json("/api/search?q=quokkaword")["total_hits"] == 1 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the new commit was not picked up"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (_, headers, _) = server.get("/api/stats");
    assert_ne!(headers["etag"].to_str().unwrap(), etag);
    // Nothing kept from the earlier commit is served: the page (asked before) and a
    // repeated API search both show the new policy.
    assert!(
        server
            .get("/?q=quokkaword")
            .2
            .contains("1 matching section")
    );
    let (_, headers, _) = server.get("/api/search?q=privacy&facet=year");
    assert_eq!(headers["x-policies-cache"], "miss");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_cleanly() {
    let env = indexed();
    let mut server = Server::start(&env);
    assert_eq!(server.get("/").0, 200);
    let pid = server.child.id().to_string();
    let r = common::run_command(std::process::Command::new("kill").args(["-TERM", &pid]));
    assert_eq!(r.code, 0);
    let started = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "still running");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn changes_page_and_api_agree_with_policies_diff() {
    let env = TestEnv::new();
    let header = |date: &str| {
        format!(
            "> *The following text is extracted and transformed from the acme.com privacy policy that was archived on {date}. Please check the [original snapshot on the Wayback Machine](https://web.archive.org/web/20150101000000id_/http%3A//acme.com/privacy) for the most accurate reproduction.*\n\n"
        )
    };
    env.write(
        "corpus/a.md",
        header("2015-01-01") + "# P\n\n## Keep\n\nWe sell data.\n\n## Gone\n\nOld text.\n",
    );
    env.write(
        "corpus/b.md",
        header("2018-01-01") + "# P\n\n## Keep\n\nWe never sell data.\n\n## New\n\nNew text.\n",
    );
    env.ok(&["index", "--quiet"]);
    let server = Server::start(&env);
    let api = server.json("/api/diff?vendor=acme.com");
    let cli: Value = env.json(&["diff", "acme.com", "--format", "json"]);
    assert_eq!(api, cli);
    let (status, _, page) = server.get("/changes/acme.com");
    assert_eq!(status, 200);
    assert!(page.contains("<ins>never </ins>"), "{page}");
    assert!(page.contains("data-change=\"added\""), "{page}");
    assert!(page.contains("data-change=\"removed\""), "{page}");
    // Side by side: the old words in one column, the new in the other.
    let (status, _, page) = server.get("/changes/acme.com?layout=side");
    assert_eq!(status, 200);
    let old = page.split("<p class=\"old\"").nth(1).unwrap_or("");
    let old = &old[..old.find("</p>").unwrap_or(0)];
    let new = page.split("<p class=\"new\"").nth(1).unwrap_or("");
    let new = &new[..new.find("</p>").unwrap_or(0)];
    assert!(old.contains("We ") && !old.contains("<ins>"), "{old}");
    assert!(
        new.contains("<ins>never </ins>") && !new.contains("<del>"),
        "{new}"
    );
    assert!(page.contains(">New text.</ins>"), "{page}");
    let (status, _, _) = server.get("/changes/acme.com?layout=diagonal");
    assert_eq!(status, 400);
    let (status, _, _) = server.get("/api/diff?vendor=acme.com&from=2015-13-01");
    assert_eq!(status, 400);
    let (status, _, _) = server.get("/api/diff?vendor=nobody.example");
    assert_eq!(status, 404);
}

#[test]
fn trend_page_chart_and_csv() {
    let env = indexed();
    let server = Server::start(&env);
    let (status, _, page) = server.get("/trend?q=cookies&q=%22credit+card%22");
    assert_eq!(status, 200);
    assert!(page.contains("id=\"chart\""), "{page}");
    let (status, headers, svg) = server.get("/trend.svg?q=cookies&q=%22credit+card%22");
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/svg+xml");
    // One line per query: the legend names both.
    assert!(
        svg.contains("cookies") && svg.contains("credit card"),
        "{svg}"
    );
    let (status, _, csv) = server.get("/api/trend.csv?q=cookies&q=%22credit+card%22");
    assert_eq!(status, 200);
    let cli = env.ok(&["trend", "cookies", "\"credit card\"", "--format", "csv"]);
    assert_eq!(csv, cli.stdout);
}
