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

/// Whether standard output shows colour (once per run; until set, it
/// does). Where it does not, renderers that write many styled lines (the
/// tables) leave the escapes out rather than have them stripped again
/// byte by byte.
static STDOUT_COLOUR: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

pub fn set_stdout_colour(on: bool) {
    let _ = STDOUT_COLOUR.set(on);
}

/// `style` where standard output shows colour, else no style at all.
pub fn on_stdout(style: Style) -> Style {
    if STDOUT_COLOUR.get().copied().unwrap_or(true) {
        style
    } else {
        Style::new()
    }
}
