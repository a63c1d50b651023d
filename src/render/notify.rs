//! `tkt notify`: the notice text as recorded, and the empty `--due` list.

use std::io::{self, Write};

/// The notice as sent, indented under the confirmation; controls in it
/// (the policy's template, the message) shown escaped.
pub fn notice(out: &mut impl Write, message: &str) -> io::Result<()> {
    writeln!(out)?;
    for line in tkt::sanitize::block(message).lines() {
        writeln!(out, "    {line}")?;
    }
    Ok(())
}

/// `notify --due` when no customer is owed word.
pub fn nothing_due(out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "no customer is owed an update")
}
