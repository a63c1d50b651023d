//! Stats taken ahead: while the tickets directory is listed (a million
//! names take half a second, on one core), the files the old index names
//! are stat'ed on the other cores, in the index's order, and the scan
//! uses those stats instead of taking its own. A stat taken ahead is as
//! good as one taken later: either is of the file at some instant during
//! the run, and a file whose stat matches its record is the file the
//! record was made from.

use std::fs::File;
use std::io::BufReader;

use rayon::prelude::*;

use super::{CHUNK, Dir, HEADER, ReadAt, Reader, Stat, read_head};

/// Files stat'ed ahead while the directory is listed, at most: what
/// their stats take stays a few tens of megabytes.
const AHEAD: usize = if cfg!(test) { 4 } else { 1 << 19 };

/// Stats of the files the old index names, taken while the directory is
/// listed, by their records' places in the index; a step of [`CHUNK`]
/// at a time, each dropped once the scan has passed it.
pub(super) struct Ahead {
    steps: Vec<Vec<Option<Stat>>>,
}

impl Ahead {
    pub(super) fn none() -> Ahead {
        Ahead { steps: Vec::new() }
    }

    /// Stats the files `old` names, in its order, a step at a time on
    /// every core, until `done` or [`AHEAD`] files.
    pub(super) fn take(old: &Reader, dir: &Dir, done: impl Fn() -> bool) -> Ahead {
        let mut ahead = Ahead::none();
        let Some(file) = old.file.as_ref().filter(|_| old.readable()) else {
            return ahead;
        };
        let mut names = Names::new(file, old.len);
        let mut step: Vec<String> = Vec::with_capacity(CHUNK);
        // Under test, every scan stats ahead as far as it may (a small
        // desk is listed before the first step), so that the property
        // tests meet stats taken ahead.
        while (cfg!(test) || !done()) && ahead.steps.len() * CHUNK < AHEAD {
            step.clear();
            step.extend(names.by_ref().take(CHUNK));
            let stats = step.par_iter().map(|name| dir.stat(name)).collect();
            ahead.steps.push(stats);
            if step.len() < CHUNK {
                break;
            }
        }
        ahead
    }

    /// The stat taken ahead of the file the record at `ordinal` names.
    pub(super) fn get(&self, ordinal: u64) -> Option<Stat> {
        let at = usize::try_from(ordinal).ok()?;
        self.steps
            .get(at / CHUNK)?
            .get(at % CHUNK)
            .copied()
            .flatten()
    }

    /// Lets go of the stats of the steps wholly before `ordinal`: the scan
    /// asks in order.
    pub(super) fn release_before(&mut self, ordinal: u64) {
        let step = usize::try_from(ordinal).map_or(self.steps.len(), |at| at / CHUNK);
        for passed in self.steps.iter_mut().take(step) {
            *passed = Vec::new();
        }
    }
}

/// The names of the old index's records, in order, read from the scan's
/// own open file (so the very index the scan reads, even if another run
/// renames a new one into place meanwhile) without moving its reader:
/// each record's head is read and the rest passed over unread. They stop
/// at the end mark or at anything that is not a record's head: the scan
/// checks every record it takes, and a name read here only says which
/// file to stat.
struct Names<'f> {
    input: BufReader<ReadAt<'f>>,
    head: Vec<u8>,
    /// What is left of the file from the next record on.
    left: u64,
}

impl<'f> Names<'f> {
    fn new(file: &'f File, len: u64) -> Names<'f> {
        let at = HEADER as u64;
        Names {
            input: BufReader::with_capacity(1 << 20, ReadAt { file, at }),
            head: Vec::new(),
            left: len.saturating_sub(at),
        }
    }
}

impl Iterator for Names<'_> {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let span = read_head(&mut self.input, &mut self.head, self.left).ok()??;
        let rest = span.payload.len() as u64 + 4;
        self.input.seek_relative(i64::try_from(rest).ok()?).ok()?;
        self.left = self.left.saturating_sub(self.head.len() as u64 + rest);
        // Checked as UTF-8 by `read_head`.
        Some(String::from_utf8_lossy(&self.head[span.name]).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Dir, HEADER, Keep, Lookup, Reader, Stat, scan_into, scan_listed};
    use super::*;
    use crate::store::{Entry, Repo};
    use std::fs;
    use std::path::PathBuf;
    use std::time::UNIX_EPOCH;

    /// A desk of eight ticket files and an index of them (each record's
    /// payload the file's name), written long enough after the files
    /// that no record is racy.
    fn desk() -> (tempfile::TempDir, PathBuf, Vec<Entry>) {
        let root = tempfile::tempdir().unwrap();
        let tickets = root.path().join("tickets");
        fs::create_dir(&tickets).unwrap();
        for n in 0..8 {
            let file = File::create(tickets.join(format!("T-{n}.yaml"))).unwrap();
            file.set_len(n).unwrap();
            file.set_modified(UNIX_EPOCH + std::time::Duration::from_secs(1_000_000))
                .unwrap();
        }
        let entries = Repo::at(root.path()).entries().unwrap();
        let path = root.path().join("index");
        scan_into(&path, &[1; 32], &entries, record_names, |_| ());
        (root, path, entries)
    }

    /// Trusts what the index holds; records a file's name otherwise.
    fn record_names(lookup: Lookup<'_>) -> (Option<Vec<u8>>, Keep) {
        match lookup.cached {
            Some(payload) => (Some(payload.to_vec()), Keep::Same),
            None => {
                let meta = fs::symlink_metadata(lookup.entry.path()).unwrap();
                let name = lookup.entry.name().as_bytes().to_vec();
                (None, Keep::New(name, Stat::of(&meta)))
            }
        }
    }

    #[test]
    fn stats_taken_ahead_are_the_files_the_records_name_in_order_and_dropped_once_passed() {
        let (_root, path, entries) = desk();
        let dir = Dir::open(entries.first().map(Entry::dir));
        let old = Reader::open(&path, &[1; 32]);
        let mut ahead = Ahead::take(&old, &dir, || true);
        // Under test, two steps of three files.
        assert_eq!(ahead.steps.len(), 2);
        for (n, entry) in entries.iter().enumerate().take(6) {
            assert_eq!(ahead.get(n as u64), dir.stat(entry.name()), "{n}");
            assert!(ahead.get(n as u64).is_some());
        }
        ahead.release_before(4);
        assert!(ahead.steps[0].is_empty(), "passed, let go");
        assert_eq!(ahead.get(2), None);
        assert!(ahead.get(3).is_some(), "not passed");
        assert_eq!(ahead.get(6), None);
        // Under another key, nothing is read of the index.
        let foreign = Reader::open(&path, &[2; 32]);
        assert!(Ahead::take(&foreign, &dir, || true).steps.is_empty());
    }

    #[test]
    fn a_cut_or_damaged_index_stats_no_further_than_its_records_go() {
        let (_root, path, entries) = desk();
        let dir = Dir::open(entries.first().map(Entry::dir));
        let whole = fs::read(&path).unwrap();
        for cut in [
            HEADER,
            HEADER + 1,
            HEADER + 30,
            whole.len() / 2,
            whole.len() - 9,
        ] {
            fs::write(&path, &whole[..cut]).unwrap();
            let old = Reader::open(&path, &[1; 32]);
            let ahead = Ahead::take(&old, &dir, || true);
            let taken: Vec<Option<Stat>> = ahead.steps.concat();
            for (n, stat) in taken.iter().enumerate() {
                assert!(
                    stat.is_none() || *stat == dir.stat(entries[n].name()),
                    "{cut} {n}"
                );
            }
        }
        // A name length past the end of the file.
        let mut damaged = whole.clone();
        damaged[HEADER..HEADER + 2].copy_from_slice(&u16::MAX.to_le_bytes());
        fs::write(&path, &damaged).unwrap();
        let old = Reader::open(&path, &[1; 32]);
        assert_eq!(Ahead::take(&old, &dir, || true).steps.concat(), Vec::new());
    }

    #[test]
    fn a_scan_of_a_listing_trusts_records_by_stats_taken_ahead_and_reads_changed_files() {
        let (root, path, _) = desk();
        let repo = Repo::at(root.path());
        // One file changed, one gone, one new since the index was written.
        fs::write(repo.tickets_dir().join("T-1.yaml"), "changed").unwrap();
        fs::remove_file(repo.tickets_dir().join("T-2.yaml")).unwrap();
        fs::write(repo.tickets_dir().join("T-8.yaml"), "new").unwrap();
        let mut seen = Vec::new();
        scan_listed(
            &path,
            &[1; 32],
            &repo.tickets_dir(),
            || repo.entries(),
            record_names,
            |cached| seen.push(cached),
        )
        .unwrap();
        let trusted: Vec<Option<&str>> = seen
            .iter()
            .map(|c| c.as_deref().map(|p| std::str::from_utf8(p).unwrap()))
            .collect();
        assert_eq!(
            trusted,
            [
                Some("T-0.yaml"),
                None,
                Some("T-3.yaml"),
                Some("T-4.yaml"),
                Some("T-5.yaml"),
                Some("T-6.yaml"),
                Some("T-7.yaml"),
                None
            ]
        );
    }
}
