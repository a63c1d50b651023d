//! Concurrent writers on one ticket: every append lands.

use std::process::Stdio;

use crate::support::TestRepo;

#[test]
fn eight_writers_fifty_notes_each_all_land() {
    let repo = TestRepo::new();
    let id = repo.open(&["--title", "busy ticket", "--severity", "high"]);
    let writers: Vec<_> = (0..8)
        .map(|w| {
            // Each writer is a shell loop of real `tkt note` processes.
            let script = format!("for i in $(seq 1 50); do \"$0\" note {id} -m \"writer {w} note $i\" || exit 1; done");
            let bin = assert_cmd::cargo::cargo_bin("tkt");
            std::process::Command::new("sh")
                .arg("-c")
                .arg(script)
                .arg(bin)
                .current_dir(repo.path())
                .env("TKT_USER", format!("writer{w}@example.com"))
                .env("NO_COLOR", "1")
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut writer in writers {
        assert!(writer.wait().unwrap().success());
    }
    let run = repo.tkt(&["show", &id, "--format", "json"]).ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let events = doc["events"].as_array().unwrap();
    assert_eq!(events.len(), 1 + 400);
    for w in 0..8 {
        let mine: Vec<&str> = events
            .iter()
            .filter(|e| e["by"] == format!("writer{w}@example.com"))
            .map(|e| e["text"].as_str().unwrap())
            .collect();
        let expected: Vec<String> = (1..=50).map(|i| format!("writer {w} note {i}")).collect();
        assert_eq!(
            mine, expected,
            "writer {w}'s notes are missing or out of order"
        );
    }
    repo.tkt(&["check"]).ok();
    // No temp files left behind: only the temp directory's own ignore rule.
    let leftovers: Vec<_> = std::fs::read_dir(repo.file("tickets/.tkt-tmp"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != ".gitignore")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let dotfiles: Vec<_> = std::fs::read_dir(repo.file("tickets"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.') && name != ".tkt-tmp")
        .collect();
    assert!(dotfiles.is_empty(), "{dotfiles:?}");
}
