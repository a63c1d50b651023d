//! `cargo +nightly fuzz run ticket_reader`: the body is `tkt::fuzzing::ticket_reader`, which
//! the stable run in tests/it/fuzz.rs calls too (docs/fuzzing.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tkt::fuzzing::ticket_reader(data));
