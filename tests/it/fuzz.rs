//! The fuzz targets of `tkt::fuzzing` (run for hours by cargo-fuzz from
//! fuzz/) as a short stable run: every seed, then a few hundred random
//! mutations of them (byte flips, duplicated and deleted lines, splices of
//! two seeds, YAML-significant insertions). See docs/fuzzing.md.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use tkt::fuzzing;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Every file of a directory, in name order.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("entry").path();
            let name = path.file_name().expect("a name").to_string_lossy().into();
            (name, std::fs::read(&path).expect("read"))
        })
        .collect();
    found.sort();
    found
}

fn example_tickets() -> Vec<String> {
    files(&root().join("examples/support-desk/tickets"))
        .into_iter()
        .map(|(_, bytes)| String::from_utf8(bytes).expect("UTF-8"))
        .collect()
}

#[derive(Clone, Copy, Debug)]
enum Target {
    TicketReader,
    PolicyLoader,
    MergeDriver,
    FixConflicts,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::TicketReader => "ticket_reader",
            Target::PolicyLoader => "policy_loader",
            Target::MergeDriver => "merge_driver",
            Target::FixConflicts => "fix_conflicts",
        }
    }

    fn run(self, data: &[u8]) {
        match self {
            Target::TicketReader => fuzzing::ticket_reader(data),
            Target::PolicyLoader => fuzzing::policy_loader(data),
            Target::MergeDriver => fuzzing::merge_driver(data),
            Target::FixConflicts => fuzzing::fix_conflicts(data),
        }
    }

    /// The seeds: the committed files of fuzz/seeds/TARGET (hand-made
    /// inputs, inputs built from two example tickets, minimised findings),
    /// plus those built from the example desk as it is now (for the merge
    /// targets, from its first few tickets: merging is slow in debug).
    fn seeds(self) -> Vec<Vec<u8>> {
        let dir = root().join("fuzz/seeds").join(self.name());
        // fuzz/ is its own package, left out of this one's `.crate`.
        let committed = if root().join("fuzz/Cargo.toml").exists() {
            files(&dir)
        } else {
            Vec::new()
        };
        let mut seeds: Vec<Vec<u8>> = committed.into_iter().map(|(_, b)| b).collect();
        let all = example_tickets();
        let tickets: Vec<&str> = all.iter().map(String::as_str).collect();
        let few = &tickets[..FEW];
        match self {
            Target::TicketReader => seeds.extend(tickets.iter().map(|t| t.as_bytes().to_vec())),
            Target::PolicyLoader => {
                for policy in ["policy.toml", "examples/support-desk/policy.toml"] {
                    seeds.push(std::fs::read(root().join(policy)).expect("policy"));
                }
            }
            Target::MergeDriver => {
                seeds.extend(fuzzing::merge_seeds(few).into_iter().map(|(_, b)| b));
            }
            Target::FixConflicts => {
                seeds.extend(
                    fuzzing::fix_conflicts_seeds(few)
                        .into_iter()
                        .map(|(_, b)| b),
                );
            }
        }
        seeds
    }
}

/// How many example tickets the merge seeds are built from at run time.
const FEW: usize = 4;

const TARGETS: [Target; 4] = [
    Target::TicketReader,
    Target::PolicyLoader,
    Target::MergeDriver,
    Target::FixConflicts,
];

#[test]
fn every_target_holds_on_its_seeds() {
    for target in TARGETS {
        let seeds = target.seeds();
        assert!(seeds.len() >= 2, "{}: too few seeds", target.name());
        for seed in &seeds {
            target.run(seed);
        }
    }
}

/// The merge seeds built from the example desk merge or conflict as their
/// names say, so the fuzzer starts from both outcomes.
#[test]
fn merge_seeds_cover_clean_merges_and_conflicts() {
    let tickets = example_tickets();
    let tickets: Vec<&str> = tickets.iter().map(String::as_str).collect();
    let seeds = fuzzing::merge_seeds(&tickets[..FEW]);
    assert!(seeds.len() >= 12, "{}", seeds.len());
    for (name, bytes) in &seeds {
        let parts: Vec<&[u8]> = bytes.split(|b| *b == fuzzing::SEPARATOR).collect();
        let base = (!parts[0].is_empty()).then_some(parts[0]);
        let result = tkt::merge::merge(base, parts[1], parts[2]);
        let conflict = name.ends_with("-header-conflict") || name.ends_with("-rewritten");
        assert_eq!(result.is_err(), conflict, "{name}: {result:?}");
    }
    let fixes = fuzzing::fix_conflicts_seeds(&tickets[..FEW]);
    let repaired = fixes
        .iter()
        .filter(|(_, b)| tkt::merge::repair(std::str::from_utf8(b).unwrap()).is_ok())
        .count();
    assert!(
        repaired > 0 && repaired < fixes.len(),
        "{repaired}/{}",
        fixes.len()
    );
}

/// Regenerates fuzz/seeds/{merge_driver,fix_conflicts} from two example
/// tickets: `cargo test --test it write_seed_files -- --ignored`.
#[test]
#[ignore = "writes fuzz/seeds; run by hand"]
fn write_seed_files() {
    let picked = ["T-ZMM1TWWGD9.yaml", "T-2KAHC8J8A2.yaml"];
    let tickets: Vec<String> = picked
        .iter()
        .map(|name| {
            std::fs::read_to_string(root().join("examples/support-desk/tickets").join(name))
                .expect("example ticket")
        })
        .collect();
    let tickets: Vec<&str> = tickets.iter().map(String::as_str).collect();
    for (target, seeds) in [
        ("merge_driver", fuzzing::merge_seeds(&tickets)),
        ("fix_conflicts", fuzzing::fix_conflicts_seeds(&tickets)),
    ] {
        let dir = root().join("fuzz/seeds").join(target);
        std::fs::create_dir_all(&dir).expect("mkdir");
        for (name, bytes) in seeds {
            std::fs::write(dir.join(name), bytes).expect("write");
        }
    }
}

/// One edit of an input. Positions are taken modulo the input's length, so
/// every value applies to every input and shrinks towards the start.
#[derive(Clone, Debug)]
enum Mutation {
    Flip {
        at: usize,
        bit: u8,
    },
    Insert {
        at: usize,
        piece: &'static str,
    },
    DuplicateLine {
        line: usize,
    },
    DeleteLine {
        line: usize,
    },
    /// Our bytes up to `at`, then the other seed's from `from`.
    Splice {
        other: usize,
        at: usize,
        from: usize,
    },
}

const PIECES: [&str; 24] = [
    " ",
    "\n",
    ":",
    "- ",
    "'",
    "\"",
    "#",
    "|",
    ">",
    "~",
    "\t",
    "\r",
    "&a",
    "*a",
    "!x",
    "[",
    "{",
    "0x1",
    "\u{0}",
    "\u{feff}",
    "<<<<<<< HEAD\n",
    "=======\n",
    ">>>>>>> b\n",
    "ü",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0..8u8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        (any::<usize>(), proptest::sample::select(&PIECES[..]))
            .prop_map(|(at, piece)| Mutation::Insert { at, piece }),
        any::<usize>().prop_map(|line| Mutation::DuplicateLine { line }),
        any::<usize>().prop_map(|line| Mutation::DeleteLine { line }),
        (any::<usize>(), any::<usize>(), any::<usize>())
            .prop_map(|(other, at, from)| Mutation::Splice { other, at, from }),
    ]
}

fn apply(seeds: &[Vec<u8>], mut data: Vec<u8>, mutation: &Mutation) -> Vec<u8> {
    let line_span = |data: &[u8], line: usize| {
        let starts: Vec<usize> = std::iter::once(0)
            .chain(
                data.iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .filter(|i| *i < data.len())
            .collect();
        let start = *starts.get(line % starts.len().max(1)).unwrap_or(&0);
        let end = data[start..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(data.len(), |i| start + i + 1);
        start..end
    };
    match *mutation {
        Mutation::Flip { at, bit } if !data.is_empty() => {
            let at = at % data.len();
            data[at] ^= 1 << bit;
        }
        Mutation::Flip { .. } => {}
        Mutation::Insert { at, piece } => {
            let at = at % (data.len() + 1);
            data.splice(at..at, piece.bytes());
        }
        Mutation::DuplicateLine { line } => {
            let span = line_span(&data, line);
            let copy = data[span.clone()].to_vec();
            data.splice(span.start..span.start, copy);
        }
        Mutation::DeleteLine { line } => {
            let span = line_span(&data, line);
            data.drain(span);
        }
        Mutation::Splice { other, at, from } => {
            let other = &seeds[other % seeds.len()];
            data.truncate(at % (data.len() + 1));
            data.extend_from_slice(&other[from % (other.len() + 1)..]);
        }
    }
    data
}

fn mutated(target: Target) -> impl Strategy<Value = (Target, Vec<u8>)> {
    let seeds = target.seeds();
    (0..seeds.len(), proptest::collection::vec(mutation(), 1..4)).prop_map(
        move |(pick, mutations)| {
            let data = mutations
                .iter()
                .fold(seeds[pick].clone(), |data, m| apply(&seeds, data, m));
            (target, data)
        },
    )
}

// Cases per target: a few hundred, the whole file in a few seconds in
// debug (merging is the slow one).
proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_ticket_reader_holds_on_mutated_tickets((target, data) in mutated(Target::TicketReader)) {
        target.run(&data);
    }

    #[test]
    fn the_policy_loader_holds_on_mutated_policies((target, data) in mutated(Target::PolicyLoader)) {
        target.run(&data);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_merge_driver_holds_on_mutated_triples((target, data) in mutated(Target::MergeDriver)) {
        target.run(&data);
    }

    #[test]
    fn fix_conflicts_holds_on_mutated_conflict_files((target, data) in mutated(Target::FixConflicts)) {
        target.run(&data);
    }
}

/// Structured inputs (`tkt::fuzzing::STRUCTURED` and a recipe): three
/// versions that all parse, so the cases exercise the merge itself.
fn structured() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..48).prop_map(|recipe| {
        let mut data = vec![fuzzing::STRUCTURED];
        data.extend(recipe);
        data
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_merge_driver_holds_on_built_versions(data in structured()) {
        fuzzing::merge_driver(&data);
    }

    #[test]
    fn fix_conflicts_holds_on_built_versions(data in structured()) {
        fuzzing::fix_conflicts(&data);
    }
}
