//! JSON Schemas for editors: generated from tkt's types, committed under
//! docs/schema/, written into every new desk, and in agreement with what
//! tkt reads.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::TestRepo;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("docs/schema").join(name)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The problems `validator` finds in `instance`, one line each.
fn problems(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn toml_file(text: &str) -> Value {
    let value: toml::Value = toml::from_str(text).unwrap();
    serde_json::to_value(value).unwrap()
}

#[test]
fn the_committed_schemas_are_the_generated_ones_and_init_writes_them() {
    let repo = TestRepo::new();
    for (name, text) in tkt::schema::all() {
        let committed = std::fs::read_to_string(root().join("docs/schema").join(name))
            .unwrap_or_else(|_| panic!("docs/schema/{name} is missing"));
        assert_eq!(
            committed, text,
            "docs/schema/{name} drifted: copy .tkt/schema/{name} from a new desk"
        );
        assert_eq!(
            repo.read(&format!(".tkt/schema/{name}")),
            text,
            "{name} in a new desk"
        );
    }
}

#[test]
fn every_example_ticket_policy_and_people_file_validates() {
    let tickets = validator("ticket.schema.json");
    let desk = root().join("examples/support-desk");
    let mut checked = 0;
    for entry in std::fs::read_dir(desk.join("tickets")).unwrap() {
        let path = entry.unwrap().path();
        let found = problems(&tickets, &yaml(&path));
        assert!(found.is_empty(), "{}: {found:#?}", path.display());
        checked += 1;
    }
    assert!(checked >= 20);
    // A ticket `tkt open` writes, modeline and all.
    let repo = TestRepo::new();
    let id = repo.open(&["--title", "x", "--severity", "low", "--contact", "a@b.c"]);
    let path = repo.file(&repo.ticket_file(&id));
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("# yaml-language-server: $schema=../.tkt/schema/ticket.schema.json\n")
    );
    assert!(problems(&tickets, &yaml(&path)).is_empty());

    let policy = validator("policy.schema.json");
    for text in [
        tkt::policy::DEFAULT_POLICY.to_string(),
        std::fs::read_to_string(desk.join("policy.toml")).unwrap(),
    ] {
        let found = problems(&policy, &toml_file(&text));
        assert!(found.is_empty(), "{found:#?}");
    }
    let people = validator("people.schema.json");
    for text in [
        tkt::people::EXAMPLE.to_string(),
        std::fs::read_to_string(desk.join("people.toml")).unwrap(),
    ] {
        let found = problems(&people, &toml_file(&text));
        assert!(found.is_empty(), "{found:#?}");
    }
}

#[test]
fn a_bad_ticket_is_refused_by_the_schema_where_check_refuses_it() {
    let repo = TestRepo::new();
    let id = "T-AB00000001";
    let text = crate::support::ticket_text(
        id,
        "- type: resolved\n  at: 2026-11-20T10:00:00Z\n  by: ana\n  sumary: Certificate reissued\n",
    );
    repo.write(&repo.ticket_file(id), &text);
    let check = repo.tkt(&["check"]).code(1);
    assert!(check.stdout.contains("sumary"), "{}", check.stdout);
    let found = problems(
        &validator("ticket.schema.json"),
        &yaml(&repo.file(&repo.ticket_file(id))),
    );
    assert!(!found.is_empty(), "the schema took it");
    assert!(
        found.iter().any(|p| p.starts_with("/events/1")),
        "{found:#?}"
    );
    // And a policy key misspelled.
    let policy = tkt::policy::DEFAULT_POLICY.replacen("review = true", "reveiw = true", 1);
    let found = problems(&validator("policy.schema.json"), &toml_file(&policy));
    assert!(found.iter().any(|p| p.contains("reveiw")), "{found:#?}");
}

#[test]
fn init_schemas_refreshes_an_existing_desk() {
    let repo = TestRepo::new();
    std::fs::remove_dir_all(repo.file(".tkt")).unwrap();
    let run = repo.tkt(&["init", "--schemas"]).ok();
    assert!(
        run.stdout.contains("wrote the JSON Schemas"),
        "{}",
        run.stdout
    );
    for (name, text) in tkt::schema::all() {
        assert_eq!(repo.read(&format!(".tkt/schema/{name}")), text);
    }
    // Outside a desk it says so.
    let empty = TestRepo::empty();
    let run = empty.tkt(&["init", "--schemas"]).code(2);
    assert!(run.stderr.contains("is not a desk"), "{}", run.stderr);
}
