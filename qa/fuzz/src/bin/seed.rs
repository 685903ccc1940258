//! Write the seed corpora from the qa/ messages.
//!
//! `cargo run --manifest-path qa/fuzz/Cargo.toml --bin seed -- [QA_DIR] [CORPUS_DIR]`
//! QA_DIR defaults to the repository's qa/ (the fuzz crate's parent), CORPUS_DIR
//! to qa/fuzz/corpus. One file per distinct input, named by a hash of its
//! content, under CORPUS_DIR/<target>/; existing files are left alone.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut args = std::env::args_os().skip(1);
    let qa = args.next().map(PathBuf::from).unwrap_or_else(|| here.join(".."));
    let corpus = args.next().map(PathBuf::from).unwrap_or_else(|| here.join("corpus"));

    let files = exabgp_fuzz::qa_files(&qa);
    if files.is_empty() {
        eprintln!("no qa/encoding/*.msg or qa/decoding/* under {}", qa.display());
        return ExitCode::FAILURE;
    }
    let mut written = [0usize; 3];
    for file in &files {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                continue;
            }
        };
        for (target, input) in exabgp_fuzz::seeds_from_text(&text) {
            let dir = corpus.join(target);
            if let Err(e) = std::fs::create_dir_all(&dir) {
                eprintln!("{}: {e}", dir.display());
                return ExitCode::FAILURE;
            }
            // SipHash with fixed keys: the same input always gets the same name.
            let mut h = DefaultHasher::new();
            input.hash(&mut h);
            let path = dir.join(format!("seed-{:016x}", h.finish()));
            if path.exists() {
                continue;
            }
            if let Err(e) = std::fs::write(&path, &input) {
                eprintln!("{}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            if let Some(i) = exabgp_fuzz::TARGETS.iter().position(|t| *t == target) {
                written[i] += 1;
            }
        }
    }
    println!("{} qa files read from {}", files.len(), qa.display());
    for (t, n) in exabgp_fuzz::TARGETS.iter().zip(written) {
        println!("{t}: {n} new seeds in {}", corpus.join(t).display());
    }
    ExitCode::SUCCESS
}
