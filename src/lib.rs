//! tkt: technical-support escalation on tickets stored as YAML files in git.
//!
//! This crate is the pure core: the ticket format, the policy, business
//! calendars, SLA timers, workflow rules and the store. It never parses
//! command-line arguments or prints; the `tkt` binary does that.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod calendar;
pub mod changes;
pub mod check;
pub mod config;
pub mod delivery;
pub mod desk;
pub mod due;
pub mod duration;
#[doc(hidden)]
pub mod fuzzing;
pub mod git;
pub mod history;
pub mod id;
pub mod inbound;
pub mod inbox;
pub mod merge;
pub mod names;
pub mod oncall;
pub mod order;
pub mod people;
pub mod policy;
pub mod report;
pub mod sanitize;
pub mod schema;
pub mod sla;
pub mod store;
mod text;
pub mod ticket;
pub mod time;
pub mod workflow;
pub mod yaml;
