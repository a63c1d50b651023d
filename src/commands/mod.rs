//! One module per command: convert arguments, call the core, hand the result
//! to a renderer. Domain rules live in the library.

pub mod check;
pub mod completions;
pub mod explain;
pub mod init;
pub mod list;
pub mod note;
pub mod open;
pub mod show;
pub mod sla;
pub mod text;
