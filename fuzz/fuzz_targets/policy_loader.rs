//! `cargo +nightly fuzz run policy_loader`: the body is `tkt::fuzzing::policy_loader`, which
//! the stable run in tests/it/fuzz.rs calls too (docs/fuzzing.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tkt::fuzzing::policy_loader(data));
