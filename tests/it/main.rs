//! One integration-test binary: the real `tkt` against throwaway
//! repositories with real `git`.

mod support;

mod bad_input;
mod basics;
mod concurrency;
mod docs;
mod history;
mod merge;
mod sla;
mod workflow;
