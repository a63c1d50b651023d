//! JSON Schemas of the files people edit by hand, generated from the types
//! tkt reads them with (schemars), so that they cannot drift: ticket files,
//! `policy.toml` and `people.toml`. Editors use them to validate while
//! typing (docs/editors.md); initialising a desk writes them into it under
//! `.tkt/schema/` so that a desk does not depend on tkt's source tree, and
//! `docs/schema/` holds the same files.

/// Where a desk keeps its schemas, relative to the repository root.
pub const DIR: &str = ".tkt/schema";

/// The ticket schema's file name; a new ticket file points at it.
pub const TICKET: &str = "ticket.schema.json";

/// The modeline that makes the YAML language server validate a ticket
/// file (under `tickets/`) against the desk's schema.
pub const TICKET_MODELINE: &str =
    "# yaml-language-server: $schema=../.tkt/schema/ticket.schema.json\n";

/// Every schema: its file name and its text (pretty JSON, ending in a
/// newline).
pub fn all() -> Vec<(&'static str, String)> {
    [
        (TICKET, crate::ticket::schema()),
        ("policy.schema.json", crate::policy::schema()),
        ("people.schema.json", crate::people::schema()),
    ]
    .into_iter()
    .map(|(name, schema)| {
        let text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
        (name, text + "\n")
    })
    .collect()
}
