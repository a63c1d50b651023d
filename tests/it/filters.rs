//! One filter, everywhere: the listings take the same filters, sort keys
//! and limit, checked on the example desk.

use std::path::PathBuf;

use crate::support::tkt_command;

const NOW: &str = "2026-11-20T15:00:00Z";

fn desk() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/support-desk")
}

/// `tkt ARGS --now NOW`, read-only on the example desk: (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = tkt_command(&desk())
        .args(args)
        .args(["--now", NOW])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The ticket IDs `list --format json ARGS` answers, in order.
fn ids(args: &[&str]) -> Vec<String> {
    let mut all = vec!["list", "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run(&all);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    doc["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn every_filter_selects_what_it_names_and_they_combine() {
    // Customer and contact: parts of them, without regard to case.
    assert_eq!(
        sorted(ids(&["--all", "--customer", "ACME"])),
        ["T-3HRFK3P387", "T-7PSQMRQQ0F"]
    );
    assert_eq!(ids(&["--all", "--contact", "noc@oscorp"]), ["T-7J6B1BHKZ8"]);
    // Text over title, description, impact and every event text.
    assert_eq!(
        sorted(ids(&["--all", "--text", "CERTIFICATE"])),
        ["T-7J6B1BHKZ8", "T-WRJD8T6V88"]
    );
    assert_eq!(
        ids(&["--all", "--text", r"IMP-4\d\d", "--regex"]),
        ["T-1ZBETS75MZ"]
    );
    assert!(
        ids(&["--all", "--text", r"IMP-4\d\d"]).is_empty(),
        "a plain --text is no regex"
    );
    // Vocabulary filters; a repeated one is OR, different ones AND.
    let critical = ids(&["--all", "--severity", "critical"]);
    assert_eq!(critical.len(), 4);
    let high_or_critical = ids(&["--all", "--severity", "critical,high"]);
    assert_eq!(high_or_critical.len(), 8);
    assert_eq!(
        ids(&["--all", "--severity", "critical", "--team", "payments"]),
        ["T-7PSQMRQQ0F"]
    );
    assert_eq!(
        ids(&["--all", "--level", "L3", "--state", "closed"]),
        ["T-7PSQMRQQ0F"]
    );
    // `open` is every state before closed: resolved ones too.
    let open = ids(&["--state", "open"]);
    assert!(
        open.contains(&"T-XYRHSQ0X2K".to_string()) && !open.contains(&"T-7PSQMRQQ0F".to_string())
    );
    assert_eq!(
        open.len(),
        ids(&[]).len() + 2,
        "plus the two resolved tickets"
    );
    // Time windows: opened, and last updated.
    let recent = ids(&["--opened-since", "6h"]);
    assert_eq!(
        sorted(recent),
        ["T-2Q0DA0YRKT", "T-3HRFK3P387", "T-PEVZ3TQ2MY"]
    );
    assert_eq!(
        ids(&[
            "--all",
            "--opened-until",
            "2026-11-16",
            "--opened-since",
            "2026-11-15T00:00:00Z"
        ])
        .len(),
        0
    );
    let updated = ids(&["--all", "--updated-since", "2026-11-20T14:00:00Z"]);
    assert!(updated.contains(&"T-PEVZ3TQ2MY".to_string()), "{updated:?}");
    // People through people.toml: a handle finds tickets that name the email.
    assert_eq!(
        ids(&["--assignee", "bo"]),
        ids(&["--assignee", "bo@example.com"])
    );
    assert!(!ids(&["--assignee", "bo"]).is_empty());
    let (_, mine, _) = run(&[
        "list",
        "--format",
        "json",
        "--assignee",
        "@me",
        "--by",
        "bo",
    ]);
    assert!(mine.contains("T-PA12VDFHBT"), "{mine}");
}

#[test]
fn sort_and_limit_order_and_cut_the_answer() {
    let newest = ids(&["--sort", "-opened", "--limit", "2"]);
    assert_eq!(newest, ["T-PEVZ3TQ2MY", "T-3HRFK3P387"]);
    let oldest = ids(&["--sort=opened", "--limit", "1"]);
    assert_eq!(oldest, ["T-D7Z5Y3AXNV"]);
    // Customer order, then ID.
    let by_customer = ids(&["--all", "--sort", "customer,id", "--limit", "2"]);
    assert_eq!(by_customer.len(), 2);
    // Due: the most urgent running deadline first; tickets without one last.
    let due = ids(&["--sort", "due"]);
    let (_, sla, _) = run(&["sla", "--format", "json", "--sort", "due", "--limit", "1"]);
    let doc: serde_json::Value = serde_json::from_str(&sla).unwrap();
    assert_eq!(doc["tickets"][0]["id"], due[0].as_str());
    // Unknown values are refused with the valid ones and a suggestion.
    let (code, _, stderr) = run(&["list", "--sort", "opend"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown sort key `opend`") && stderr.contains("did you mean `opened`?"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["list", "--severity", "critcal"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean `critical`?"), "{stderr}");
    let (code, _, stderr) = run(&["sla", "--team", "paymnts"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean `payments`?"), "{stderr}");
    let (code, _, stderr) = run(&["list", "--opened-since", "last tuesday"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--opened-since `last tuesday` is neither"),
        "{stderr}"
    );
}

#[test]
fn the_due_lists_and_handover_take_the_same_filters() {
    let (code, out, _) = run(&["escalate", "--due", "--team", "billing"]);
    assert_eq!(code, 0);
    assert!(out.contains("no escalation is due"), "{out}");
    let (_, out, _) = run(&[
        "escalate", "--due", "--team", "platform", "--format", "json",
    ]);
    assert!(out.contains("T-PA12VDFHBT"), "{out}");
    let (_, all, _) = run(&["notify", "--due", "--format", "json"]);
    let (_, one, _) = run(&["notify", "--due", "--format", "json", "--limit", "1"]);
    let count = |s: &str| {
        serde_json::from_str::<serde_json::Value>(s).unwrap()["tickets"]
            .as_array()
            .unwrap()
            .len()
    };
    assert!(count(&all) > 1 && count(&one) == 1, "{all}");
    let (_, out, _) = run(&[
        "review",
        "--due",
        "--format",
        "json",
        "--customer",
        "oscorp",
    ]);
    assert!(
        out.contains("T-7J6B1BHKZ8") && !out.contains("T-1ZBETS75MZ"),
        "{out}"
    );
    let (_, out, _) = run(&["handover", "--summary", "--severity", "critical"]);
    assert!(
        out.contains("T-WRJD8T6V88") && !out.contains("T-X3VVKTBFK2"),
        "{out}"
    );
    // Filters choose what a --due listing shows; without --due they mean nothing.
    let (code, _, stderr) = run(&["notify", "T-WRJD8T6V88", "-m", "x", "--team", "identity"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("go with --due"), "{stderr}");
}

/// docs/listing.md's example is what the example desk answers.
#[test]
fn the_listing_doc_example_is_real_output() {
    let doc = std::fs::read_to_string(desk().join("../../docs/listing.md")).unwrap();
    let start = doc
        .find("$ tkt list --all --customer acme\n")
        .expect("the example");
    let body = &doc[start..];
    let body = &body[body.find('\n').unwrap() + 1..body.find("```").unwrap()];
    let (code, stdout, _) = run(&["list", "--all", "--customer", "acme"]);
    assert_eq!(code, 0);
    assert_eq!(body, stdout);
}
