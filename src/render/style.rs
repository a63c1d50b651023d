//! The styles every renderer shares. anstream strips them when colour is
//! off (`--color never`, `NO_COLOR`, not a terminal).

use anstyle::{AnsiColor, Style};

pub const ERROR: Style = AnsiColor::Red.on_default().bold();
pub const WARN: Style = AnsiColor::Yellow.on_default().bold();
pub const OK: Style = AnsiColor::Green.on_default();
pub const DIM: Style = Style::new().dimmed();
pub const BOLD: Style = Style::new().bold();
pub const HINT: Style = AnsiColor::Cyan.on_default();
/// An event a correction voided: still shown, struck out.
pub const VOIDED: Style = Style::new().strikethrough().dimmed();
