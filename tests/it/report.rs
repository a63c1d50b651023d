//! `tkt report`: attainment over a period, checked number by number on a
//! crafted desk, golden on the example desk, and grouping that never
//! changes the totals.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::support::{TestRepo, tkt_command};

fn desk() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/support-desk")
}

fn run_in(dir: &std::path::Path, args: &[&str]) -> String {
    let out = tkt_command(dir).args(args).output().unwrap();
    crate::support::assert_ok(&out, &format!("{args:?}"));
    String::from_utf8(out.stdout).unwrap()
}

fn json(dir: &std::path::Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&run_in(dir, &all)).unwrap()
}

/// metric → (measured, met, breached)
fn attainment(measures: &Value) -> BTreeMap<String, (u64, u64, u64)> {
    measures["attainment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["metric"].as_str().unwrap().to_string(),
                (
                    a["measured"].as_u64().unwrap(),
                    a["met"].as_u64().unwrap(),
                    a["breached"].as_u64().unwrap(),
                ),
            )
        })
        .collect()
}

#[test]
fn a_crafted_desk_gives_the_hand_computed_numbers() {
    let repo = TestRepo::new();
    let ticket = |id: &str, severity: &str, events: &str| {
        format!(
            "schema: 1\nid: {id}\ntitle: Ticket {id}\ncustomer:\n  name: Acme GmbH\n  contact: ops@acme.example\nteam: payments\n\
events:\n- type: opened\n  at: 2026-11-10T09:00:00Z\n  by: ana\n  severity: {severity}\n  level: L1\n{events}"
        )
    };
    // Critical: first response after 20 minutes (target 30m: met); no
    // update since (1h cadence: breached at 10:20), no escalation (L2
    // within 2h: breached at 11:00).
    repo.write(
        "tickets/T-AB00000001.yaml",
        &ticket("T-AB00000001", "critical", "- type: notified\n  at: 2026-11-10T09:20:00Z\n  by: ana\n  channel: email\n  kind: acknowledgement\n  message: On it\n"),
    );
    // High: first response after 90 minutes (target 1h: breached by 30m);
    // its 4h cadence and 4h escalation are not due by noon.
    repo.write(
        "tickets/T-AB00000002.yaml",
        &ticket("T-AB00000002", "high", "- type: notified\n  at: 2026-11-10T10:30:00Z\n  by: ana\n  channel: email\n  kind: acknowledgement\n  message: On it\n"),
    );
    let args = [
        "report",
        "--since",
        "2026-11-10",
        "--until",
        "2026-11-10",
        "--now",
        "2026-11-10T12:00:00Z",
    ];
    let doc = json(repo.path(), &args);
    let overall = &doc["overall"];
    let expected: BTreeMap<String, (u64, u64, u64)> = [
        ("first_response", (2, 1, 1)),
        ("update_cadence", (1, 0, 1)),
        ("escalation:L2", (1, 0, 1)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(attainment(overall), expected);
    assert_eq!(overall["attainment"][0]["attainment"], 50.0);
    assert_eq!(overall["tickets"], 2);
    assert_eq!(overall["opened"], 2);
    // 20m and 90m: nearest-rank median 20m, p90 and max 90m.
    assert_eq!(overall["first_response_wall"]["median_s"], 1200);
    assert_eq!(overall["first_response_wall"]["p90_s"], 5400);
    assert_eq!(overall["first_response_wall"]["max_s"], 5400);
    assert_eq!(doc["period"]["from"], "2026-11-10T00:00:00Z");
    assert_eq!(doc["period"]["until"], "2026-11-11T00:00:00Z");
    // Breaches, worst first: the update running 1h40m late at noon, the
    // escalation 1h, the first response 30m.
    let breaches: Vec<(String, String, i64)> = doc["breaches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["ticket"].as_str().unwrap().to_string(),
                b["metric"].as_str().unwrap().to_string(),
                b["over_s"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        breaches,
        [
            (
                "T-AB00000001".to_string(),
                "update_cadence".to_string(),
                6000
            ),
            (
                "T-AB00000001".to_string(),
                "escalation:L2".to_string(),
                3600
            ),
            (
                "T-AB00000002".to_string(),
                "first_response".to_string(),
                1800
            ),
        ]
    );
    // The same numbers in CSV, one row per metric.
    let csv = run_in(repo.path(), &[&args[..], &["--format", "csv"]].concat());
    assert!(
        csv.starts_with("group,metric,measured,met,breached,attainment_pct\n"),
        "{csv}"
    );
    assert!(csv.contains("(all),first_response,2,1,1,50.00\n"), "{csv}");
}

#[test]
fn grouping_never_changes_the_totals() {
    for period in [["--month", "2026-11"], ["--since", "2026-11-17"]] {
        let base = [
            "report",
            period[0],
            period[1],
            "--now",
            "2026-11-20T15:00:00Z",
        ];
        let overall = attainment(&json(&desk(), &base)["overall"]);
        assert!(!overall.is_empty());
        for keys in [
            "severity",
            "team",
            "customer",
            "assignee",
            "level",
            "severity,team",
            "team,assignee",
        ] {
            let doc = json(&desk(), &[&base[..], &["--group-by", keys]].concat());
            let mut summed: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
            for g in doc["groups"].as_array().unwrap() {
                for (metric, (a, b, c)) in attainment(&g["measures"]) {
                    let e = summed.entry(metric).or_default();
                    *e = (e.0 + a, e.1 + b, e.2 + c);
                }
            }
            assert_eq!(summed, overall, "--group-by {keys} over {period:?}");
        }
    }
}

#[test]
fn golden_reports_on_the_example_desk() {
    let base = [
        "report",
        "--month",
        "2026-11",
        "--now",
        "2026-11-20T15:00:00Z",
        "--group-by",
        "severity",
    ];
    for format in ["text", "markdown", "json", "csv"] {
        let out = run_in(&desk(), &[&base[..], &["--format", format]].concat());
        insta::assert_snapshot!(format!("report_{format}"), out);
    }
    // A bad key is refused with the valid ones.
    let out = tkt_command(&desk())
        .args(["report", "--group-by", "sevrity"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `severity`?"));
}

/// A headless Chromium (Debian's `chromium`), if installed.
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

#[test]
fn the_html_dashboard_renders_in_a_real_browser() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    run_in(
        &desk(),
        &[
            "report",
            "--month",
            "2026-11",
            "--now",
            "2026-11-20T15:00:00Z",
            "--format",
            "html",
            "-o",
            page.to_str().unwrap(),
            "--link-base",
            "https://git.example/desk/blob/main",
        ],
    );
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: no script, nothing fetched.
    assert!(
        !html.contains("<script") && !html.contains("src=\"http") && !html.contains("<link"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"https://git.example/desk/blob/main/tickets/T-KDXQNAK5K3.yaml\">")
    );
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "chromium is missing under CI=true"
        );
        eprintln!("SKIPPED rendering the HTML dashboard: chromium is not installed");
        return;
    };
    let url = format!("file://{}", page.display());
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
    ];
    let dom = std::process::Command::new(browser)
        .args(flags)
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    crate::support::assert_ok(&dom, "");
    let dom = String::from_utf8(dom.stdout).unwrap();
    // Six charts, each with a title for screen readers, each followed by a
    // table with its numbers.
    assert_eq!(dom.matches("<svg").count(), 6, "{dom}");
    assert_eq!(dom.matches("<title id=").count(), 6);
    for text in [
        "94.4%",
        "update_cadence",
        "Breaches by team",
        "Open tickets by age",
        "target 95%",
        "4 breached cycles",
    ] {
        assert!(dom.contains(text), "the rendered page lacks {text:?}");
    }
    // A screenshot that is not blank: a white page compresses to almost
    // nothing; charts and tables do not.
    let shot = dir.path().join("report.png");
    let out = std::process::Command::new(browser)
        .args(flags)
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile2").display()
        ))
        .arg(format!("--screenshot={}", shot.display()))
        .args(["--window-size=1000,2000", &url])
        .output()
        .unwrap();
    crate::support::assert_ok(&out, "");
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
}

#[test]
fn time_paused_counts_every_wait_within_the_period() {
    let repo = TestRepo::new();
    let events = "- type: notified\n  at: 2026-11-20T09:10:00Z\n  by: ana\n  channel: email\n  kind: acknowledgement\n  message: On it\n\
- type: paused\n  at: 2026-11-20T10:00:00Z\n  by: ana\n  reason: waiting-on-customer\n\
- type: resumed\n  at: 2026-11-20T11:30:00Z\n  by: ana\n\
- type: paused\n  at: 2026-11-20T11:45:00Z\n  by: ana\n  reason: waiting-on-customer\n";
    repo.write(
        "tickets/T-AB00000001.yaml",
        &crate::support::ticket_text("T-AB00000001", events),
    );
    // 1h30 done, and 15 minutes of the wait still going at noon.
    let doc = json(
        repo.path(),
        &[
            "report",
            "--since",
            "2026-11-20",
            "--until",
            "2026-11-20",
            "--now",
            "2026-11-20T12:00:00Z",
        ],
    );
    assert_eq!(doc["overall"]["paused_s"], 6300);
    // A period that starts inside the first wait counts only its part.
    let doc = json(
        repo.path(),
        &[
            "report",
            "--since",
            "2026-11-20T11:00:00Z",
            "--until",
            "2026-11-20T11:50:00Z",
            "--now",
            "2026-11-20T12:00:00Z",
        ],
    );
    assert_eq!(doc["overall"]["paused_s"], 1800 + 300);
}
