//! The fuzz checks on stable, without libFuzzer: every qa/ message, and every
//! file under corpus/<target>/ and regressions/<target>/, goes through its
//! target's checks. `EXABGP_QA` names another qa directory.

use std::path::PathBuf;

fn here() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn qa_messages_pass_every_check() {
    let qa = std::env::var_os("EXABGP_QA").map(PathBuf::from).unwrap_or_else(|| here().join(".."));
    let files = exabgp_fuzz::qa_files(&qa);
    if files.is_empty() {
        eprintln!("no qa messages under {}: nothing replayed", qa.display());
        return;
    }
    let mut count = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (target, input) in exabgp_fuzz::seeds_from_text(&text) {
            exabgp_fuzz::run(target, &input);
            count += 1;
        }
    }
    assert!(count > 0);
}

#[test]
fn corpus_and_regressions_pass_every_check() {
    for dir in ["corpus", "regressions"] {
        for target in exabgp_fuzz::TARGETS {
            let Ok(entries) = std::fs::read_dir(here().join(dir).join(target)) else { continue };
            for e in entries.flatten() {
                if let Ok(data) = std::fs::read(e.path()) {
                    exabgp_fuzz::run(target, &data);
                }
            }
        }
    }
}
