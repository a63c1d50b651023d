//! The names of the files in the tickets directory, cached beside the
//! index (`<index>.names`) for prefix lookups: listing a directory of
//! 100,000 names costs more than `show` may take. The cache is trusted
//! only while the directory's own stat (size, mtime, ctime, inode) is the
//! one recorded when its names were read, and not racy: creating,
//! deleting or renaming a file changes the directory's mtime, editing one
//! does not change a name. The header also holds the number of names and
//! a CRC-32 of them: a cut or altered cache is not read, and the next
//! lookup lists the directory and writes it again.

use std::fs;
use std::path::{Path, PathBuf};

use super::{RACY_S, Stat, now_s};

const MAGIC: &str = "ticket-names 2";

fn path(index: &Path) -> PathBuf {
    let mut name = index.file_name().unwrap_or_default().to_os_string();
    name.push(".names");
    index.with_file_name(name)
}

/// The directory's stat: taken before its names are read, compared
/// with the recorded one before the cache is trusted.
pub fn dir_stat(dir: &Path) -> Option<Stat> {
    fs::symlink_metadata(dir).ok().map(|m| Stat::of(&m))
}

fn header(stat: &Stat, racy: bool) -> String {
    format!(
        "{MAGIC} {} {} {} {} {} {} {}",
        stat.size,
        stat.mtime.0,
        stat.mtime.1,
        stat.ctime.0,
        stat.ctime.1,
        stat.ino,
        u8::from(racy)
    )
}

/// The cached names of a directory, sorted, one per line: held as the
/// file's text (a prefix lookup among 100,000 names makes no string of
/// each).
pub struct Names {
    text: String,
    /// Where the names start (after the header line).
    start: usize,
}

impl Names {
    /// The names starting with `prefix`, in order.
    pub fn starting_with<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> {
        self.text[self.start..]
            .lines()
            .skip_while(move |name| *name < prefix)
            .take_while(move |name| name.starts_with(prefix))
    }
}

/// The cached names (sorted) of `dir`, if the cache beside `index`
/// can be trusted now.
pub fn read(index: &Path, dir: &Path) -> Option<Names> {
    let stat = dir_stat(dir)?;
    let (file, _) = super::super::io::open_regular(&path(index), false).ok()?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut &file, &mut text).ok()?;
    let (first, rest) = text.split_once('\n')?;
    let seal = first.strip_prefix(&header(&stat, false))?;
    if seal != self::seal(rest) || !rest.lines().is_sorted() {
        return None;
    }
    let start = first.len() + 1;
    Some(Names { text, start })
}

/// What closes the header: the number of names in `body` (one a line) and
/// the CRC-32 of its bytes.
fn seal(body: &str) -> String {
    format!(
        " {} {:08x}",
        body.lines().count(),
        crc32fast::hash(body.as_bytes())
    )
}

/// Records `names` (every name in `dir`, read after `stat` was taken)
/// beside `index`; best effort.
pub fn write(index: &Path, stat: Option<Stat>, names: &mut [String]) {
    let Some(stat) = stat else { return };
    let racy = stat.mtime.0 > now_s() - RACY_S;
    names.sort_unstable();
    let mut body = String::new();
    for name in names.iter() {
        body.push_str(name);
        body.push('\n');
    }
    let text = format!("{}{}\n{body}", header(&stat, racy), seal(&body));
    let target = path(index);
    let Some(parent) = target.parent() else {
        return;
    };
    if fs::create_dir_all(parent).is_err() {
        return;
    }
    let tmp = parent.join(format!("names.{}.tmp", std::process::id()));
    if fs::write(&tmp, text).is_err() || fs::rename(&tmp, &target).is_err() {
        let _ = fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cache cut short, a name altered or a name added is not read.
    #[test]
    fn a_damaged_cache_is_not_read() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("tickets");
        fs::create_dir(&dir).unwrap();
        let index = root.path().join("index");
        // An hour old: not racy.
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        fs::File::open(&dir).unwrap().set_modified(old).unwrap();
        let mut names: Vec<String> = ["T-1.yaml", "T-2.yaml", "T-3.yaml"]
            .map(String::from)
            .to_vec();
        write(&index, dir_stat(&dir), &mut names);
        let listed = |names: &Names| names.starting_with("T-").collect::<Vec<_>>().join(",");
        let names = read(&index, &dir).expect("a whole cache is read");
        assert_eq!(listed(&names), "T-1.yaml,T-2.yaml,T-3.yaml");
        let whole = fs::read_to_string(path(&index)).unwrap();
        let header_end = whole.find('\n').unwrap() + 1;
        for damaged in [
            whole[..header_end].to_string(),
            whole[..whole.len() - 5].to_string(),
            whole.replace("T-2.yaml", "T-9.yaml"),
            whole.replace("T-2.yaml", "T-2.yaml\nT-25.yaml"),
        ] {
            fs::write(path(&index), &damaged).unwrap();
            assert!(read(&index, &dir).is_none(), "{damaged:?}");
        }
    }
}
