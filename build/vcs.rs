// Which commit a build of tkt comes from. Shared by build.rs and the tests
// (`include!`), so the rule is tested where it runs.

/// The commit `manifest_dir` was built from: its own git checkout's `HEAD`
/// when it has one (never an enclosing repository's: a crate unpacked
/// inside someone else's repository is not that repository's code), else
/// the `.cargo_vcs_info.json` cargo writes into a package. `-dirty` marks
/// uncommitted changes. `None` when neither says.
pub fn commit(manifest_dir: &std::path::Path) -> Option<String> {
    if manifest_dir.join(".git").exists() {
        let git = |args: &[&str]| {
            std::process::Command::new("git")
                .arg("-C")
                .arg(manifest_dir)
                .args(args)
                .env_remove("GIT_DIR")
                .env_remove("GIT_WORK_TREE")
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        };
        if let Some(sha) = git(&["rev-parse", "--short=12", "HEAD"]).filter(|s| !s.is_empty()) {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            return Some(if dirty { format!("{sha}-dirty") } else { sha });
        }
    }
    let info = std::fs::read_to_string(manifest_dir.join(".cargo_vcs_info.json")).ok()?;
    // {"git": {"sha1": "…", "dirty": true}, "path_in_vcs": ""}
    let after = &info[info.find("\"sha1\"")? + "\"sha1\"".len()..];
    let start = after.find('"')? + 1;
    let len = after[start..].find('"')?;
    let sha = &after[start..start + len];
    if sha.len() < 12 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let dirty = info.contains("\"dirty\": true") || info.contains("\"dirty\":true");
    Some(format!("{}{}", &sha[..12], if dirty { "-dirty" } else { "" }))
}
