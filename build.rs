//! Stamps the build with the commit it comes from, for `tkt --version`:
//! a CI log then shows exactly which build judged the SLAs.

use std::path::PathBuf;

include!("build/vcs.rs");

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets it");
    let full = match commit(&dir) {
        Some(sha) => format!("{version} (commit {sha})"),
        None => version,
    };
    println!("cargo:rustc-env=TKT_VERSION={full}");
    println!("cargo:rerun-if-changed=build/vcs.rs");
    println!("cargo:rerun-if-changed=.cargo_vcs_info.json");
    // A new commit or checkout moves HEAD or the branch it names; a
    // worktree's `.git` is a file pointing at its git directory.
    let git = dir.join(".git");
    let git_dir = if git.is_file() {
        std::fs::read_to_string(&git)
            .ok()
            .and_then(|t| t.strip_prefix("gitdir:").map(|p| PathBuf::from(p.trim())))
            .map(|p| if p.is_absolute() { p } else { dir.join(p) })
    } else if git.is_dir() {
        Some(git)
    } else {
        None
    };
    if let Some(git_dir) = git_dir {
        let head = git_dir.join("HEAD");
        println!("cargo:rerun-if-changed={}", head.display());
        if let Some(reference) = std::fs::read_to_string(&head)
            .ok()
            .and_then(|h| h.strip_prefix("ref:").map(|r| r.trim().to_string()))
        {
            // Worktrees keep branch refs in the common directory.
            let common = std::fs::read_to_string(git_dir.join("commondir"))
                .ok()
                .map(|c| git_dir.join(c.trim()))
                .unwrap_or_else(|| git_dir.clone());
            println!(
                "cargo:rerun-if-changed={}",
                common.join(&reference).display()
            );
            println!(
                "cargo:rerun-if-changed={}",
                common.join("packed-refs").display()
            );
        }
    }
    // Edits make the checkout dirty (`-dirty`): look again when they do.
    println!("cargo:rerun-if-changed=src");
}
