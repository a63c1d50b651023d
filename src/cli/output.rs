//! Terminal output: colour choice, styles, and error printing.

use std::io::Write;

use anstream::ColorChoice;

use super::{CliError, ColorWhen};

pub fn set_color(when: ColorWhen) {
    let choice = match when {
        // anstream's auto honours NO_COLOR, CLICOLOR_FORCE and the terminal.
        ColorWhen::Auto => ColorChoice::Auto,
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
    };
    choice.write_global();
}

pub mod style {
    use anstyle::{AnsiColor, Style};
    pub const ERROR: Style = AnsiColor::Red.on_default().bold();
    pub const WARN: Style = AnsiColor::Yellow.on_default().bold();
    pub const OK: Style = AnsiColor::Green.on_default();
    pub const DIM: Style = Style::new().dimmed();
    pub const BOLD: Style = Style::new().bold();
    pub const HINT: Style = AnsiColor::Cyan.on_default();
}

pub fn print_error(e: &CliError) {
    let mut err = anstream::stderr().lock();
    let (label, style) = match e.kind {
        super::Kind::Refused => ("refused", style::WARN),
        _ => ("error", style::ERROR),
    };
    let _ = writeln!(err, "{style}{label}{style:#}: {}", e.message);
    for detail in &e.details {
        let _ = writeln!(err, "  {detail}");
    }
    for hint in &e.hints {
        let _ = writeln!(err, "{}hint{:#}: {hint}", style::HINT, style::HINT);
    }
}
