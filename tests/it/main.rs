//! One integration-test binary: the real `tkt` against throwaway
//! repositories with real `git`.

mod support;

mod architecture;
mod arithmetic;
mod bad_input;
mod basics;
mod concurrency;
mod deliver;
mod docs;
mod export;
mod filters;
mod fuzz;
mod golden;
mod history;
mod hostile;
mod hostile_text;
mod index;
mod ingest;
mod merge;
mod people;
mod report;
mod schema;
mod shell;
mod sla;
mod terminal;
mod version;
mod workflow;

/// Every file under tests/it/ is a module of this binary: a test file that
/// is not wired in would never run.
#[test]
fn every_test_file_is_wired_in() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it");
    let main = std::fs::read_to_string(dir.join("main.rs")).expect("main.rs");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/it") {
        let path = entry.expect("entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "rs")
            && stem != "main"
            && !main.lines().any(|l| l.trim() == format!("mod {stem};"))
        {
            missing.push(stem.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "not wired into tests/it/main.rs: {missing:?}"
    );
}
