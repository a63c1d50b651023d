//! `tkt init`: what was created.

use std::io::{self, Write};
use std::path::Path;

use tkt::people::PEOPLE_FILE;
use tkt::store::{POLICY_FILE, TICKETS_DIR};

/// `tkt init --schemas`: where the schemas went.
pub fn schemas_written(out: &mut impl Write, dir: &Path) -> io::Result<()> {
    writeln!(
        out,
        "wrote the JSON Schemas (ticket, policy, people) to {}",
        tkt::sanitize::line(&dir.display().to_string())
    )
}

/// `initialised DIR: policy.toml (…), tickets/`, naming `.gitattributes`
/// when it was added.
pub fn initialised(out: &mut impl Write, root: &Path, gitattributes: bool) -> io::Result<()> {
    let attributes = if gitattributes {
        ", .gitattributes (run `tkt setup-git` in each clone to merge tickets with tkt)"
    } else {
        ""
    };
    writeln!(
        out,
        "initialised {}: {POLICY_FILE} (edit it to match your SOP), {PEOPLE_FILE} (list who works the desk), {TICKETS_DIR}/, {}/ (JSON Schemas for editors){attributes}",
        tkt::sanitize::line(&root.display().to_string()),
        tkt::schema::DIR
    )
}
