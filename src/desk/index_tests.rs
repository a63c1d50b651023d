//! The index is never the truth: after any sequence of edits, appends,
//! deletions, policy changes, clock moves and damage to the index itself,
//! every query answers with the index exactly as it does reading every
//! file.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use proptest::prelude::*;

use super::*;
use crate::due::Need;
use crate::store::index;
use crate::workflow::State;

/// The example desk's tickets, as (file name, text).
fn examples() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/support-desk/tickets");
    let mut out: Vec<(String, String)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&path).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// A version of `text`: `0` itself; `1` cut after its first half of events
/// (an earlier state of the same ticket); `2` its title changed by one
/// character (the same size: only the stat tells); `3` not a ticket.
fn variant(text: &str, which: u8) -> String {
    match which {
        0 => text.to_string(),
        1 => {
            let starts: Vec<usize> = text.match_indices("\n- type:").map(|(i, _)| i).collect();
            match starts.get(starts.len().div_ceil(2)) {
                Some(&cut) if starts.len() > 1 => format!("{}\n", &text[..cut]),
                _ => text.to_string(),
            }
        }
        2 => {
            // The title line's last character, swapped for another letter.
            let start = text.find("\ntitle: ").map_or(0, |i| i + 1);
            let end = start + text[start..].find('\n').unwrap_or(0);
            let last = text[..end].chars().last().unwrap_or(' ');
            if end > start && last.is_ascii_alphanumeric() {
                let swapped = if last == 'Z' { 'Y' } else { 'Z' };
                format!("{}{swapped}{}", &text[..end - 1], &text[end..])
            } else {
                text.to_string()
            }
        }
        _ => "title: [unclosed\n".to_string(),
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// Write ticket `n` as `variant`, in place; `old` gives it a
    /// modification time well in the past (a trusted record next time),
    /// else now (racy).
    Write {
        n: usize,
        variant: u8,
        old: bool,
    },
    Delete {
        n: usize,
    },
    /// Switch between the two policies.
    Policy {
        example: bool,
    },
    /// Damage the index: cut it at a fraction of its length, or flip a
    /// byte there.
    Damage {
        at: u8,
        flip: bool,
    },
    /// Ask every query at an instant: days after the desk's era, or hours
    /// before a ticket's last event.
    Ask {
        days: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..20, 0u8..4, any::<bool>()).prop_map(|(n, variant, old)| Op::Write { n, variant, old }),
        1 => (0usize..20).prop_map(|n| Op::Delete { n }),
        1 => any::<bool>().prop_map(|example| Op::Policy { example }),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(at, flip)| Op::Damage { at, flip }),
        3 => (-40i64..400).prop_map(|days| Op::Ask { days }),
    ]
}

fn queries() -> Vec<Query> {
    let mut all = Query {
        timers: Timers::Summary,
        actions: true,
        ..Query::default()
    };
    all.filter.all = true;
    let due = Query {
        timers: Timers::Summary,
        need: Some(Need::Escalation),
        sort: Sort::parse("due").unwrap(),
        ..Query::default()
    };
    let update = Query {
        need: Some(Need::Update),
        ..Query::default()
    };
    // Every filter a view reads, each with a value the example desk has.
    let mut by_fields = Query::default();
    by_fields.filter.severities = vec!["high".into(), "critical".into()];
    by_fields.filter.customers = vec!["a".into()];
    let mut by_people = Query::default();
    by_people.filter.assignees = vec!["bo".into()];
    by_people.filter.levels = vec!["L2".into()];
    by_people.filter.all = true;
    let mut by_state = Query::default();
    by_state.filter.states = vec![State::Closed, State::Waiting];
    by_state.filter.teams = vec!["platform".into()];
    by_state.filter.contacts = vec!["example".into()];
    let mut by_time = Query::default();
    by_time.filter.waiting_on_team = Some("any".into());
    by_time.filter.opened_since = Timestamp::parse("2026-11-10T00:00:00Z").ok();
    by_time.filter.updated_since = Timestamp::parse("2026-11-15T00:00:00Z").ok();
    by_time.filter.all = true;
    let mut text = Query::default();
    text.filter.text = Some(TextQuery::substring("database"));
    // Actions without timers (as `action list` asks, of open tickets).
    let actions = Query {
        actions: true,
        ..Query::default()
    };
    // What `sla --check` asks.
    let mut gate = Query {
        timers: Timers::Summary,
        skip_settled: true,
        ..Query::default()
    };
    gate.filter.all = true;
    vec![
        Query {
            sort: Sort::listing(),
            ..Query::default()
        },
        all,
        due,
        update,
        by_fields,
        by_people,
        by_state,
        by_time,
        text,
        gate,
        actions,
    ]
}

struct Desk {
    _dir: tempfile::TempDir,
    root: PathBuf,
    tickets: Vec<(String, String)>,
    /// The next "old" modification time handed out: each write gets its
    /// own, so that an edit always changes the stat.
    next_old: u64,
}

impl Desk {
    fn new() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        fs::create_dir(root.join(".git")).unwrap();
        fs::create_dir(root.join("tickets")).unwrap();
        fs::write(root.join("policy.toml"), crate::policy::DEFAULT_POLICY).unwrap();
        Desk {
            _dir: dir,
            root,
            tickets: examples(),
            next_old: 1_600_000_000,
        }
    }

    fn path(&self, n: usize) -> PathBuf {
        self.root.join("tickets").join(&self.tickets[n].0)
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Write { n, variant: v, old } => {
                let path = self.path(n);
                fs::write(&path, variant(&self.tickets[n].1, v)).unwrap();
                if old {
                    self.next_old += 1;
                    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(self.next_old);
                    let file = fs::File::options().write(true).open(&path).unwrap();
                    file.set_modified(at).unwrap();
                }
            }
            Op::Delete { n } => {
                let _ = fs::remove_file(self.path(n));
            }
            Op::Policy { example } => {
                let text = if example {
                    fs::read_to_string(
                        Path::new(env!("CARGO_MANIFEST_DIR"))
                            .join("examples/support-desk/policy.toml"),
                    )
                    .unwrap()
                } else {
                    crate::policy::DEFAULT_POLICY.to_string()
                };
                fs::write(self.root.join("policy.toml"), text).unwrap();
            }
            Op::Damage { at, flip } => {
                let path = index::location(&self.root);
                if let Ok(mut bytes) = fs::read(&path)
                    && !bytes.is_empty()
                {
                    let i = bytes.len() * at as usize / 256;
                    if flip {
                        bytes[i] ^= 0x5a;
                    } else {
                        bytes.truncate(i);
                    }
                    fs::write(&path, bytes).unwrap();
                }
            }
            Op::Ask { .. } => {}
        }
    }

    /// Every query at `now`, with the index and without it.
    fn ask(&self, days: i64) -> Result<(), TestCaseError> {
        let repo = Repo::at(&self.root);
        let policy = repo.load_policy().unwrap();
        let now = Timestamp::parse("2026-11-01T00:00:00Z")
            .unwrap()
            .plus(days * 86_400 + days * 3_917);
        // Which query comes first varies, so that each one meets records
        // another kind of query wrote (with or without timers).
        let mut queries = queries();
        let first = days.rem_euclid(queries.len() as i64) as usize;
        queries.rotate_left(first);
        for query in queries {
            let plain = query_with(
                &repo.clone().with_index(false),
                &policy,
                &query,
                now,
                |_| true,
            )
            .unwrap();
            let indexed = query_with(&repo, &policy, &query, now, |_| true).unwrap();
            prop_assert_eq!(format!("{plain:?}"), format!("{indexed:?}"), "{:?}", query);
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn every_query_answers_with_the_index_as_without_it(ops in proptest::collection::vec(op(), 1..16)) {
        let mut desk = Desk::new();
        for n in 0..desk.tickets.len() {
            desk.apply(&Op::Write { n, variant: 0, old: true });
        }
        desk.ask(0)?;
        for op in &ops {
            desk.apply(op);
            match op {
                Op::Ask { days } => desk.ask(*days)?,
                // Every change is asked about at once, too: the index is
                // written by the run that sees the change.
                _ => desk.ask(10)?,
            }
        }
    }
}

#[test]
fn an_index_is_written_in_the_git_directory_and_trusted_next_time() {
    let mut desk = Desk::new();
    for n in 0..desk.tickets.len() {
        desk.apply(&Op::Write {
            n,
            variant: 0,
            old: true,
        });
    }
    let path = index::location(&desk.root);
    assert_eq!(path, desk.root.join(".git/tkt/index"));
    desk.ask(3).unwrap();
    let written = fs::metadata(&path).unwrap();
    // Nothing changed: the next run reads the index and leaves it.
    desk.ask(5).unwrap();
    let again = fs::metadata(&path).unwrap();
    assert_eq!(written.modified().unwrap(), again.modified().unwrap());
    assert_eq!(index::Stat::of(&written).ino, index::Stat::of(&again).ino);
}

/// [`index::scan_into`], collecting what `f` returns.
fn scan<T: Send>(
    path: &Path,
    key: &[u8; 32],
    entries: &[crate::store::Entry],
    f: impl Fn(index::Lookup<'_>) -> (T, index::Keep) + Sync,
) -> Vec<T> {
    let mut out = Vec::new();
    index::scan_into(path, key, entries, f, |value| out.push(value));
    out
}

#[test]
fn a_file_modified_as_the_index_is_written_is_read_again_next_time() {
    let mut desk = Desk::new();
    // One file written just now (racy), one long ago.
    fs::write(desk.path(0), &desk.tickets[0].1).unwrap();
    desk.apply(&Op::Write {
        n: 1,
        variant: 0,
        old: true,
    });
    let repo = Repo::at(&desk.root);
    let entries = repo.entries().unwrap();
    let path = index::location(&desk.root);
    let key = [7u8; 32];
    let cached = |entries: &[crate::store::Entry]| {
        scan(&path, &key, entries, |lookup| {
            let payload = lookup.entry.name().as_bytes().to_vec();
            let seen = lookup.cached.map(<[u8]>::to_vec);
            let keep = if seen.is_some() {
                index::Keep::Same
            } else {
                let stat = index::Stat::of(&fs::symlink_metadata(lookup.entry.path()).unwrap());
                index::Keep::New(payload, stat)
            };
            ((lookup.entry.name().to_string(), seen), keep)
        })
    };
    assert!(cached(&entries).iter().all(|(_, seen)| seen.is_none()));
    let second = cached(&entries);
    // A change within the same timestamp tick as the read would leave the
    // stat as it was: the racy record is not trusted, the old one is.
    assert_eq!(second[0].1, None, "{second:?}");
    assert_eq!(second[1].1.as_deref(), Some(second[1].0.as_bytes()));
    // Under another key, nothing is trusted.
    let other = scan(&path, &[8u8; 32], &entries, |lookup| {
        (lookup.cached.is_some(), index::Keep::Nothing)
    });
    assert_eq!(other, vec![false, false]);
}

#[test]
fn a_read_only_index_directory_is_no_error() {
    let desk = Desk::new();
    fs::write(desk.path(0), &desk.tickets[0].1).unwrap();
    // Where the index would go is a file: it cannot be written.
    fs::write(desk.root.join(".git/tkt"), "not a directory").unwrap();
    desk.ask(1).unwrap();
    assert!(desk.root.join(".git/tkt").is_file());
}
