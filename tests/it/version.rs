//! `tkt --version` names the commit the build comes from: the checkout's
//! own git, or the package's `.cargo_vcs_info.json`, never an enclosing
//! repository.

use std::path::Path;

use crate::support::{TestRepo, git};

mod vcs {
    include!("../../build/vcs.rs");
}

#[test]
fn the_version_names_the_checkouts_commit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = TestRepo::empty().tkt(&["--version"]).ok();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        run.stdout.starts_with(&format!("tkt {version}")),
        "{}",
        run.stdout
    );
    if !root.join(".git").exists() {
        eprintln!("skipped: not built from a git checkout");
        return;
    }
    let head = git(root, &["rev-parse", "--short=12", "HEAD"]);
    assert!(
        run.stdout.contains(&format!("(commit {}", head.trim())),
        "{} vs HEAD {head}",
        run.stdout
    );
}

#[test]
fn a_package_names_its_own_commit_not_an_enclosing_repositorys() {
    // An unpacked package inside somebody else's repository.
    let outer = TestRepo::new();
    git(outer.path(), &["add", "-A"]);
    git(outer.path(), &["commit", "-qm", "outer"]);
    let package = outer.path().join("vendor/tkt-desk-0.1.0");
    std::fs::create_dir_all(&package).unwrap();
    assert_eq!(
        vcs::commit(&package),
        None,
        "no .git, no vcs info: no commit"
    );
    std::fs::write(
        package.join(".cargo_vcs_info.json"),
        "{\n  \"git\": {\n    \"sha1\": \"0123456789abcdef0123456789abcdef01234567\"\n  },\n  \"path_in_vcs\": \"\"\n}",
    )
    .unwrap();
    assert_eq!(vcs::commit(&package).as_deref(), Some("0123456789ab"));
    std::fs::write(
        package.join(".cargo_vcs_info.json"),
        "{\"git\":{\"sha1\":\"0123456789abcdef0123456789abcdef01234567\",\"dirty\":true}}",
    )
    .unwrap();
    assert_eq!(vcs::commit(&package).as_deref(), Some("0123456789ab-dirty"));
    // A checkout of its own wins.
    let head = git(outer.path(), &["rev-parse", "--short=12", "HEAD"]);
    assert_eq!(vcs::commit(outer.path()), Some(head.trim().to_string()));
}
