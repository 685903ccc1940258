#![no_main]
//! cargo-fuzz target `config`: the input is a configuration file.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    exabgp_fuzz::config(data);
});
