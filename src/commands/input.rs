//! Long text from a flag, a file, or `$EDITOR` when interactive.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cli::{CliError, Ctx};

/// Text files passed with `--*-file` are capped: a ticket is a few KB.
const MAX_TEXT_BYTES: u64 = 64 * 1024;

/// The text of `flag` or `file` (`-` is stdin). Both given is a usage error.
pub fn from_flag_or_file(
    flag: Option<String>,
    file: Option<&Path>,
    name: &str,
) -> Result<Option<String>, CliError> {
    match (flag, file) {
        (Some(_), Some(_)) => Err(CliError::usage(format!(
            "give --{name} or --{name}-file, not both"
        ))),
        (Some(text), None) => Ok(Some(text)),
        (None, Some(path)) => read_text_file(path).map(Some),
        (None, None) => Ok(None),
    }
}

fn read_text_file(path: &Path) -> Result<String, CliError> {
    let mut bytes = Vec::new();
    let result = if path == Path::new("-") {
        std::io::stdin()
            .take(MAX_TEXT_BYTES + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_TEXT_BYTES + 1).read_to_end(&mut bytes))
    };
    result.map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    if bytes.len() as u64 > MAX_TEXT_BYTES {
        return Err(CliError::usage(format!(
            "{}: over {} KiB; put long material in a log excerpt or link to it",
            path.display(),
            MAX_TEXT_BYTES / 1024
        )));
    }
    String::from_utf8(bytes)
        .map_err(|_| CliError::usage(format!("{}: not UTF-8 text", path.display())))
}

/// Asks for text in `$VISUAL`/`$EDITOR` when the session is interactive.
/// Lines starting with `#` are instructions and are dropped.
pub fn from_editor(ctx: &Ctx, what: &str) -> Result<Option<String>, CliError> {
    let editor = std::env::var("VISUAL")
        .ok()
        .or_else(|| std::env::var("EDITOR").ok())
        .filter(|e| !e.trim().is_empty());
    let Some(editor) = editor.filter(|_| ctx.interactive) else {
        return Ok(None);
    };
    let path: PathBuf = std::env::temp_dir().join(format!(
        "tkt-{}-{}.txt",
        std::process::id(),
        what.replace(' ', "-")
    ));
    std::fs::write(
        &path,
        format!("\n# Write the {what} above. Lines starting with # are ignored.\n"),
    )?;
    // The editor command may carry arguments (`code --wait`), so let the
    // shell split it; the file name is passed as a positional argument.
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("tkt-editor")
        .arg(&path)
        .status();
    let text = std::fs::read_to_string(&path);
    let _ = std::fs::remove_file(&path);
    match status {
        Ok(s) if s.success() => {}
        _ => {
            return Err(CliError::usage(format!(
                "the editor `{editor}` did not finish successfully"
            )));
        }
    }
    let text: String = text?
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let text = text.trim().to_string();
    Ok((!text.is_empty()).then_some(text))
}

/// `-F FILE`: a verb's main text from a file (`-` for stdin), for text too
/// long for the command line.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TextFile {
    /// Read the text (-m) from FILE, `-` for stdin
    #[arg(
        short = 'F',
        long = "file",
        visible_alias = "message-file",
        value_name = "FILE"
    )]
    pub file: Option<PathBuf>,
}

/// Text a verb cannot do without: the flag, else the `-F` file, else
/// `$EDITOR` when interactive, else a usage error naming the flag.
pub fn required(
    ctx: &Ctx,
    flag: Option<String>,
    file: &TextFile,
    what: &str,
    how: &str,
) -> Result<String, CliError> {
    let text = match (flag, &file.file) {
        (Some(_), Some(_)) => {
            return Err(CliError::usage(format!(
                "give the {what} on the command line or with -F, not both"
            )));
        }
        (Some(text), None) => Some(text),
        (None, Some(path)) => Some(read_text_file(path)?),
        (None, None) => from_editor(ctx, what)?,
    };
    text.map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            CliError::usage(format!(
                "the {what} is empty: give {how} (or use $EDITOR in a terminal)"
            ))
        })
}

/// Optional text from `-m` or `-F` (not both): trimmed, `None` when blank.
pub fn optional_text(flag: Option<String>, file: &TextFile) -> Result<Option<String>, CliError> {
    let text = match (flag, &file.file) {
        (Some(_), Some(_)) => {
            return Err(CliError::usage(
                "give the text with -m or with -F, not both",
            ));
        }
        (Some(text), None) => Some(text),
        (None, Some(path)) => Some(read_text_file(path)?),
        (None, None) => None,
    };
    Ok(optional(text))
}

/// Optional text from a flag: trimmed, and `None` when blank.
pub fn optional(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}
