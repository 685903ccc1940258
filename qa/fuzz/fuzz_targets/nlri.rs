#![no_main]
//! cargo-fuzz target `nlri`: see `exabgp_fuzz::nlri` for the input layout.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    exabgp_fuzz::nlri(data);
});
