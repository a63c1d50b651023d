//! `policy.toml` as written: the raw TOML shapes serde reads, and the
//! structural pass that reports every syntax error and unknown key at once.
//! Kept apart from validation, as cargo keeps its raw manifest types apart:
//! these types change when the file format does, validation when the rules do.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::{Doc, PolicyIssue, line_col};
use crate::ticket::ReviewPart;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPolicy {
    #[schemars(with = "u32")]
    pub(super) schema: Spanned<u32>,
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub(super) warning_fraction: Option<Spanned<f64>>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(super) late_tolerance: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) teams: Vec<String>,
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, RawCalendar>")]
    pub(super) calendars: BTreeMap<Spanned<String>, RawCalendar>,
    #[schemars(with = "Vec<RawLevel>")]
    pub(super) levels: Spanned<Vec<RawLevel>>,
    #[schemars(with = "Vec<RawSeverity>")]
    pub(super) severities: Spanned<Vec<RawSeverity>>,
    #[serde(default)]
    pub(super) criteria: RawCriteria,
    #[serde(default)]
    pub(super) pause: RawPause,
    #[serde(default)]
    pub(super) closure: RawClosure,
    #[serde(default)]
    pub(super) review: RawReview,
    #[serde(default)]
    pub(super) templates: RawTemplates,
    #[serde(default)]
    pub(super) mail: RawMail,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCalendar {
    #[schemars(with = "String")]
    pub(super) zone: Spanned<String>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) mon: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) tue: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) wed: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) thu: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) fri: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) sat: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) sun: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) holidays: Vec<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLevel {
    #[schemars(with = "String")]
    pub(super) id: Spanned<String>,
    pub(super) name: String,
    #[serde(default)]
    pub(super) requires: Vec<Doc>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEscalation {
    #[schemars(with = "String")]
    pub(super) level: Spanned<String>,
    #[schemars(with = "String")]
    pub(super) within: Spanned<String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSeverity {
    #[schemars(with = "String")]
    pub(super) id: Spanned<String>,
    #[serde(default)]
    pub(super) description: String,
    #[schemars(with = "String")]
    pub(super) calendar: Spanned<String>,
    #[schemars(with = "Option<String>")]
    pub(super) first_response: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub(super) update_every: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub(super) resolution: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) escalations: Vec<RawEscalation>,
    #[serde(default)]
    pub(super) review: bool,
    #[serde(default)]
    pub(super) approval: bool,
    #[schemars(with = "Option<String>")]
    pub(super) approval_role: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) resolution_notice: bool,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCriteria {
    #[schemars(with = "Option<String>")]
    pub(super) repeated_outage: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPause {
    #[serde(default)]
    pub(super) reasons: Vec<String>,
    /// The reasons a customer's reply ends; by default
    /// `waiting-on-customer` when that is a reason.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub(super) customer: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMail {
    /// The severity a ticket opened from mail gets.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(super) severity: Option<Spanned<String>>,
    /// Sender domains (`acme.example`) and the customer each belongs to.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub(super) customers: BTreeMap<Spanned<String>, String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawClosure {
    #[serde(default = "yes")]
    pub(super) confirmation: bool,
    #[serde(default = "yes")]
    pub(super) four_eyes: bool,
}

impl Default for RawClosure {
    fn default() -> Self {
        RawClosure {
            confirmation: true,
            four_eyes: true,
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReview {
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) levels: Vec<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub(super) calendar: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub(super) within: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) requires: Vec<ReviewPart>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTemplates {
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(super) acknowledgement: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(super) update: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(super) resolution: Option<Spanned<String>>,
}

// ---- Structure: syntax and keys ------------------------------------------

/// The keys each table may hold; `*` marks a table of named tables
/// (`[calendars.NAME]`), `[]` an array of tables.
fn known_keys(path: &str) -> Option<&'static [&'static str]> {
    Some(match path {
        "" => &[
            "schema",
            "warning_fraction",
            "late_tolerance",
            "teams",
            "calendars",
            "levels",
            "severities",
            "criteria",
            "pause",
            "closure",
            "review",
            "templates",
            "mail",
        ],
        "calendars.*" => &[
            "zone", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "holidays",
        ],
        "levels[]" => &["id", "name", "requires"],
        "severities[]" => &[
            "id",
            "description",
            "calendar",
            "first_response",
            "update_every",
            "resolution",
            "escalations",
            "review",
            "approval",
            "approval_role",
            "resolution_notice",
        ],
        "severities[].escalations[]" => &["level", "within"],
        "criteria" => &["repeated_outage"],
        "pause" => &["reasons", "customer"],
        "mail" => &["severity", "customers"],
        "closure" => &["confirmation", "four_eyes"],
        "review" => &["levels", "calendar", "within", "requires"],
        "templates" => &["acknowledgement", "update", "resolution"],
        _ => return None,
    })
}

pub(super) fn structure_issues(text: &str) -> Vec<PolicyIssue> {
    let (table, errors) = toml::de::DeTable::parse_recoverable(text);
    let mut issues: Vec<PolicyIssue> = errors
        .iter()
        .map(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            PolicyIssue {
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })
        .collect();
    walk_keys(text, "", table.get_ref(), &mut issues);
    issues.sort_by_key(|i| (i.line, i.column));
    issues
}

fn walk_keys(text: &str, path: &str, table: &toml::de::DeTable<'_>, issues: &mut Vec<PolicyIssue>) {
    let Some(known) = known_keys(path) else {
        return;
    };
    for (key, value) in table {
        let name: &str = key.get_ref();
        if !known.contains(&name) {
            let (line, column) = line_col(text, key.span().start);
            let place = if path.is_empty() {
                "the top level".to_string()
            } else {
                format!("`{path}`")
            };
            issues.push(PolicyIssue {
                line,
                column,
                message: format!(
                    "unknown key `{name}` in {place} (known: {})",
                    known.join(", ")
                ),
            });
            continue;
        }
        let child = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        match value.get_ref() {
            toml::de::DeValue::Table(t) if child == "calendars" => {
                for (_, cal) in t {
                    if let toml::de::DeValue::Table(c) = cal.get_ref() {
                        walk_keys(text, "calendars.*", c, issues);
                    }
                }
            }
            toml::de::DeValue::Table(t) => walk_keys(text, &child, t, issues),
            toml::de::DeValue::Array(items) => {
                for item in items {
                    if let toml::de::DeValue::Table(t) = item.get_ref() {
                        walk_keys(text, &format!("{child}[]"), t, issues);
                    }
                }
            }
            _ => {}
        }
    }
}
