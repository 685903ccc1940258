#![no_main]
//! cargo-fuzz target `open`: see `exabgp_fuzz::open` for the input layout.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    exabgp_fuzz::open(data);
});
