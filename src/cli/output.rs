//! Terminal output: colour choice, styles, and error printing.

use std::io::Write;

use anstream::ColorChoice;
use tkt::sanitize;

use super::{CliError, ColorWhen};
use crate::render::style;

pub fn set_color(when: ColorWhen) {
    let choice = match when {
        // anstream's auto honours NO_COLOR, CLICOLOR_FORCE and the terminal.
        ColorWhen::Auto => ColorChoice::Auto,
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
    };
    choice.write_global();
}

/// Standard output for a view: buffered, so that a listing of 100,000
/// lines is a few large writes rather than a write per line (Rust's
/// stdout flushes at every line break), with colour as anstream decides
/// for stdout. The caller flushes at the end, so that a write error (a
/// full disk, a closed pipe) is reported, not lost in a drop.
pub fn stdout() -> std::io::BufWriter<Stdout> {
    let choice = anstream::AutoStream::choice(&std::io::stdout());
    let colour = choice != ColorChoice::Never;
    crate::render::style::set_stdout_colour(colour);
    let out = if colour {
        // On Windows, anstream's own stdout: it turns on the console's
        // escape codes (or speaks to an old console) where a plain writer
        // cannot.
        #[cfg(unix)]
        let styled: Box<dyn Write + Send> =
            Box::new(anstream::AutoStream::new(raw_stdout(), choice));
        #[cfg(not(unix))]
        let styled: Box<dyn Write + Send> = Box::new(anstream::stdout());
        Stdout::Styled(styled)
    } else {
        Stdout::Plain {
            raw: raw_stdout(),
            strip: anstream::adapter::StripBytes::new(),
        }
    };
    std::io::BufWriter::with_capacity(64 * 1024, out)
}

/// What [`stdout`] writes to: anstream's stream where colour shows; where
/// it does not, escapes are stripped as anstream strips them, except that
/// a run of plain text (no control byte, whole characters) while no escape
/// is open goes straight through: stripping looks at every byte, and a
/// table of 100,000 rows holds no escape at all.
pub enum Stdout {
    Styled(Box<dyn Write + Send>),
    Plain {
        raw: Box<dyn Write + Send>,
        strip: anstream::adapter::StripBytes,
    },
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Stdout::Styled(out) => out.write_all(buf),
            Stdout::Plain { raw, strip } => {
                if *strip == anstream::adapter::StripBytes::new() && is_plain(buf) {
                    return raw.write_all(buf);
                }
                for printable in strip.strip_next(buf) {
                    raw.write_all(printable)?;
                }
                Ok(())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stdout::Styled(out) => out.flush(),
            Stdout::Plain { raw, .. } => raw.flush(),
        }
    }
}

/// Whether stripping escapes would leave `buf` as it is: no control byte
/// but tab and line breaks, and no character cut at its end (the next
/// write might be stripped, which would see a cut one's rest alone).
fn is_plain(buf: &[u8]) -> bool {
    // Folded a block at a time without stopping early, which the compiler
    // turns into comparisons of many bytes at once.
    let control = |b: u8| (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r') | (b == 0x7f);
    !buf.chunks(256)
        .any(|block| block.iter().fold(false, |seen, &b| seen | control(b)))
        && ends_whole(buf)
}

/// Whether `buf` ends at the end of a UTF-8 character.
fn ends_whole(buf: &[u8]) -> bool {
    // The last byte that begins a character, and how long that one is.
    let Some(start) = buf.iter().rposition(|b| b & 0xC0 != 0x80) else {
        return buf.is_empty();
    };
    let lead = buf[start];
    let len = match lead {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    };
    buf.len() - start == len
}

/// A writer on the standard output's descriptor (a duplicate of it, so
/// that dropping it leaves the standard output open), buffered: what
/// anstream passes on a piece at a time is written in large blocks. Rust's
/// `Stdout` where there is no such thing.
fn raw_stdout() -> Box<dyn Write + Send> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() {
            return Box::new(std::io::BufWriter::with_capacity(
                64 * 1024,
                std::fs::File::from(fd),
            ));
        }
    }
    Box::new(std::io::stdout())
}

/// The error, its details and hints, one line each: they quote names
/// typed, file names and file contents, so each is shown escaped
/// (`tkt::sanitize::line`; a line break in one shows as `\n`).
pub fn print_error(e: &CliError) {
    let mut err = anstream::stderr().lock();
    let (label, style) = match e.kind {
        super::Kind::Refused => ("refused", style::WARN),
        _ => ("error", style::ERROR),
    };
    let _ = writeln!(
        err,
        "{style}{label}{style:#}: {}",
        sanitize::line(&e.message)
    );
    for detail in &e.details {
        let _ = writeln!(err, "  {}", sanitize::line(detail));
    }
    for hint in &e.hints {
        let _ = writeln!(
            err,
            "{}hint{:#}: {}",
            style::HINT,
            style::HINT,
            sanitize::line(hint)
        );
    }
}

/// A writer has been waiting for a ticket's lock: say which, and who holds it.
pub fn lock_wait(root: &std::path::Path, wait: &tkt::store::LockWait) {
    let path = wait.path.strip_prefix(root).unwrap_or(&wait.path);
    let holder = wait
        .holder
        .map(|pid| format!(" held by process {pid}"))
        .unwrap_or_default();
    let _ = writeln!(
        anstream::stderr(),
        "{}waiting{:#} for the lock on {}{holder} (TKT_LOCK_TIMEOUT sets how long)",
        style::WARN,
        style::WARN,
        sanitize::line(&path.display().to_string())
    );
}

/// A command-line parsing error (clap's text), with what was typed shown
/// escaped.
pub fn usage_error(text: &str) {
    let _ = write!(anstream::stderr(), "{}", tkt::sanitize::block(text));
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::{Stdout, ends_whole, is_plain};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// `pieces` through a plain standard output, one write each.
    fn plain(pieces: &[&[u8]]) -> Vec<u8> {
        let shared = Shared::default();
        let mut out = Stdout::Plain {
            raw: Box::new(shared.clone()),
            strip: anstream::adapter::StripBytes::new(),
        };
        for piece in pieces {
            out.write_all(piece).unwrap();
        }
        out.flush().unwrap();
        shared.0.lock().unwrap().clone()
    }

    #[test]
    fn without_colour_escapes_are_stripped_wherever_the_writes_cut_them() {
        let styled = "\u{1b}[1;31mbreached\u{1b}[0m café ✓\n plain row\n".as_bytes();
        let expected = anstream::adapter::strip_bytes(styled).into_vec();
        assert_eq!(expected, "breached café ✓\n plain row\n".as_bytes());
        // Whole, and cut at every byte (inside escapes and characters).
        assert_eq!(plain(&[styled]), expected);
        for cut in 0..styled.len() {
            let (a, b) = styled.split_at(cut);
            assert_eq!(plain(&[a, b]), expected, "cut at {cut}");
            let (b, c) = b.split_at(b.len() / 2);
            assert_eq!(plain(&[a, b, c]), expected, "cut at {cut} and after");
        }
    }

    #[test]
    fn plain_text_is_only_text_and_whole_characters() {
        assert!(is_plain(b"T-1  high\tL2\r\n"));
        assert!(is_plain("café ✓ 𝄞".as_bytes()));
        assert!(!is_plain(b"\x1b[1m"));
        assert!(!is_plain(b"bell\x07"));
        assert!(!is_plain(b"del\x7f"));
        assert!(ends_whole(b""));
        assert!(!ends_whole(&"é".as_bytes()[..1]));
        assert!(!ends_whole(&"✓".as_bytes()[..2]));
        assert!(!ends_whole(&"𝄞".as_bytes()[..3]));
        assert!(ends_whole("a𝄞".as_bytes()));
    }
}
