#![no_main]
//! cargo-fuzz target `message`: see `exabgp_fuzz::message` for the input layout.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    exabgp_fuzz::message(data);
});
