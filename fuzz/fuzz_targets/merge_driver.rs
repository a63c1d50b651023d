//! `cargo +nightly fuzz run merge_driver`: the body is `tkt::fuzzing::merge_driver`, which
//! the stable run in tests/it/fuzz.rs calls too (docs/fuzzing.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tkt::fuzzing::merge_driver(data));
