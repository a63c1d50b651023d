//! Keeps docs/architecture.md true: the modules of `src/` import each
//! other only downwards, the pure core touches no clock, file, process or
//! terminal, the renderers never reach back into the command line, and no
//! string in the library spells a tkt command line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/` with its text, keyed by its path relative
/// to `src/` with `/` separators.
fn sources() -> BTreeMap<String, String> {
    walkdir::WalkDir::new(src())
        .into_iter()
        .map(|e| e.expect("walk src"))
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| {
            let rel = e.path().strip_prefix(src()).expect("under src");
            let key = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            (key, std::fs::read_to_string(e.path()).expect("read"))
        })
        .collect()
}

/// The top-level module a file belongs to: `sla/replay.rs` → `sla`.
fn top(file: &str) -> String {
    let first = file.split('/').next().expect("a component");
    first.strip_suffix(".rs").unwrap_or(first).to_string()
}

/// Code without comments, tests or string contents is overkill here: the
/// lines that are not comments, up to the first `#[cfg(test)]`.
fn code(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .take_while(|l| l.trim() != "#[cfg(test)]")
        .filter(|l| !l.trim_start().starts_with("//"))
}

/// `crate::NAME` references in a file's code, as top-level module names.
fn crate_refs(text: &str) -> BTreeSet<String> {
    let mut refs = BTreeSet::new();
    for line in code(text) {
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                refs.insert(name);
            }
            rest = after;
        }
        // `use crate::{a, b::c}`
        if let Some(i) = line.find("crate::{") {
            let inner = &line[i + "crate::{".len()..];
            for part in inner.split([',', '}']) {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    refs.insert(name);
                }
            }
        }
    }
    refs
}

const BINARY: [&str; 4] = ["main", "cli", "commands", "render"];

/// Module → modules it imports, among the files of one crate.
fn graph(files: &BTreeMap<String, String>, binary: bool) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, text) in files {
        let from = top(file);
        if from == "lib" || BINARY.contains(&from.as_str()) != binary {
            continue;
        }
        let edges = graph.entry(from.clone()).or_default();
        for to in crate_refs(text) {
            if to != from {
                edges.insert(to);
            }
        }
    }
    graph
}

/// Every cycle's members, found by depth-first search.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<BTreeSet<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        found: &mut BTreeSet<BTreeSet<String>>,
    ) {
        if let Some(at) = path.iter().position(|p| p == node) {
            found.insert(path[at..].iter().cloned().collect());
            return;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, found);
        }
        path.pop();
    }
    let mut found = BTreeSet::new();
    for node in graph.keys() {
        visit(node, graph, &mut Vec::new(), &mut found);
    }
    found
}

#[test]
fn the_library_has_no_import_cycle() {
    let graph = graph(&sources(), false);
    assert!(
        graph.contains_key("sla") && graph.contains_key("desk"),
        "{graph:?}"
    );
    let found = cycles(&graph);
    assert!(found.is_empty(), "import cycles in the library: {found:?}");
}

#[test]
fn the_binary_has_no_import_cycle_but_the_dispatch() {
    let graph = graph(&sources(), true);
    let dispatch: BTreeSet<String> = ["cli", "commands"].map(String::from).into();
    let all = cycles(&graph);
    // The detector sees the one cycle that is there by design.
    assert!(all.contains(&dispatch), "{all:?}");
    let found: Vec<_> = all.into_iter().filter(|c| c != &dispatch).collect();
    assert!(found.is_empty(), "import cycles in the binary: {found:?}");
    assert!(
        !graph["render"].contains("cli"),
        "render/ must not use crate::cli: {:?}",
        graph["render"]
    );
}

#[test]
fn the_layers_only_import_downwards() {
    let graph = graph(&sources(), false);
    // Each module with the modules above it, which it must not import.
    let above: [(&str, &[&str]); 7] = [
        (
            "ticket",
            &["workflow", "sla", "due", "desk", "store", "check"],
        ),
        (
            "policy",
            &["workflow", "sla", "due", "desk", "store", "check"],
        ),
        (
            "people",
            &[
                "policy", "ticket", "workflow", "sla", "due", "desk", "store",
            ],
        ),
        ("workflow", &["sla", "due", "desk", "store", "check"]),
        ("sla", &["due", "desk", "store", "check"]),
        ("due", &["desk", "store", "check"]),
        ("desk", &["check", "changes"]),
    ];
    for (module, forbidden) in above {
        let imports = &graph[module];
        let wrong: Vec<&&str> = forbidden.iter().filter(|f| imports.contains(**f)).collect();
        assert!(
            wrong.is_empty(),
            "{module} imports {wrong:?}, which sit above it"
        );
    }
}

#[test]
fn the_pure_core_touches_no_clock_file_process_or_terminal() {
    // `id` is left out on purpose: a new ID draws on the clock and the
    // process for entropy.
    let core = [
        "calendar", "duration", "time", "names", "sanitize", "config", "oncall", "people",
        "policy", "ticket", "workflow", "sla", "due", "delivery",
    ];
    let banned = [
        "Utc::now",
        "SystemTime",
        "std::fs",
        "std::process",
        "std::env",
        "println!",
        "eprintln!",
        "stdout",
        "stderr",
        "clap",
    ];
    for (file, text) in sources() {
        if !core.contains(&top(&file).as_str()) {
            continue;
        }
        for line in code(&text) {
            for word in banned {
                assert!(
                    !line.contains(word),
                    "src/{file}: the pure core must not use `{word}`: {line}"
                );
            }
        }
    }
}

#[test]
fn no_string_in_the_library_spells_a_tkt_command() {
    for (file, text) in sources() {
        if top(&file) == "main" || BINARY.contains(&top(&file).as_str()) {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            assert!(
                !line.contains("`tkt ") && !line.contains("\"tkt "),
                "src/{file}:{}: the library names what to do; the binary spells commands: {line}",
                n + 1
            );
        }
    }
}

#[test]
fn source_files_stay_readable() {
    // Lines of code before the tests; a longer file says why in its
    // module comment (a line starting `//! Size:`).
    for (file, text) in sources() {
        let lines = code(&text).filter(|l| !l.trim().is_empty()).count();
        assert!(
            lines <= 700 || text.contains("//! Size:"),
            "src/{file} has {lines} lines of code; split it by reason to change, or say why not"
        );
    }
}
