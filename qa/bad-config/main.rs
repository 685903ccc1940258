//! Bad configurations (issue 5): every `NAME.conf` here must make
//! `exabgp validate -nrv` exit 1 and print `PATH:LINE:COLUMN:` for the
//! position listed in `expected.txt`. `huge-line.conf` is generated here so
//! that the repository does not carry a 1 MB file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn expectations(dir: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir.join("expected.txt")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once(' ').map(|(n, p)| (n.to_string(), p.trim().to_string())))
        .collect()
}

fn huge_line(dir: &Path) -> PathBuf {
    let path = dir.join("huge-line.conf");
    let text = format!(
        "neighbor 127.0.0.1 {{\n\trouter-id 1.2.3.4;\n\tlocal-address 127.0.0.1;\n\tlocal-as 65000;\n\tpeer-as 65000;\n\t{} 1;\n}}\n",
        "x".repeat(1_000_000)
    );
    std::fs::write(&path, text).expect("temporary file");
    path
}

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("qa/bad-config");
    let exabgp = env!("CARGO_BIN_EXE_exabgp");
    let expected = expectations(&dir);
    let tmp = std::env::temp_dir().join(format!("exabgp-bad-config-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temporary directory");

    let mut files: BTreeMap<String, PathBuf> = std::fs::read_dir(&dir)
        .expect("qa/bad-config")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .filter_map(|p| Some((p.file_stem()?.to_string_lossy().into_owned(), p)))
        .collect();
    files.insert("huge-line".into(), huge_line(&tmp));

    let (mut passed, mut failed) = (0, 0);
    for (name, path) in &files {
        let verdict = match expected.get(name) {
            None => Err("no expectation in expected.txt".to_string()),
            Some(position) => {
                let output = Command::new(exabgp)
                    .args(["validate", "-nrv"])
                    .arg(path)
                    .env("exabgp_log_enable", "false")
                    .output()
                    .expect("run exabgp");
                let all = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
                let wanted = format!("{}:{}:", path.display(), position);
                if output.status.code() != Some(1) {
                    Err(format!("exit status {:?}, expected 1", output.status.code()))
                } else if !all.contains(&wanted) {
                    Err(format!("expected `{wanted}` in the output, got: {}", all.chars().take(300).collect::<String>()))
                } else if all.len() > 10_000 {
                    Err(format!("{} bytes of output: the error should not echo the whole input", all.len()))
                } else {
                    Ok(())
                }
            }
        };
        match verdict {
            Ok(()) => {
                passed += 1;
                println!("pass     bad-config/{name}");
            }
            Err(why) => {
                failed += 1;
                println!("FAIL     bad-config/{name}: {why}");
            }
        }
    }
    for name in expected.keys().filter(|n| !files.contains_key(*n)) {
        failed += 1;
        println!("FAIL     bad-config/{name}: listed in expected.txt but missing");
    }
    let _ = std::fs::remove_dir_all(&tmp);
    println!("{passed} passed, {failed} failed");
    if failed > 0 || passed < 40 {
        std::process::exit(1);
    }
}
