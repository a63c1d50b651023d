//! `cargo +nightly fuzz run fix_conflicts`: the body is `tkt::fuzzing::fix_conflicts`, which
//! the stable run in tests/it/fuzz.rs calls too (docs/fuzzing.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tkt::fuzzing::fix_conflicts(data));
