//! Route grammar tests: qa byte-exactness, bad routes with positions,
//! and the million-route load.

use std::path::PathBuf;

use bytes::BytesMut;

use super::*;
use crate::bgp::message::update::Packer;
use crate::bgp::negotiated::Negotiated;
use crate::config::{load_str, LoadOptions};

fn options() -> LoadOptions {
    LoadOptions { check_programs: false, ..LoadOptions::default() }
}

fn qa_dir(sub: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("qa").join(sub);
    p.is_dir().then_some(p)
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len() / 2).filter_map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()).collect()
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02X}")).collect()
}

fn negotiated_for(n: &Neighbor) -> Negotiated {
    offline_negotiated(n)
}

/// Split a packed stream into messages.
fn messages(mut b: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while b.len() >= 19 {
        let len = usize::from(u16::from_be_bytes([b[16], b[17]]));
        if len < 19 || len > b.len() {
            break;
        }
        out.push(b[..len].to_vec());
        b = &b[len..];
    }
    out
}

/// The first bucket of a qa/encoding file: raw lines sharing the first
/// raw line's step prefix, `#` lines skipped.
fn first_bucket(path: &std::path::Path) -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut first: Option<String> = None;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.contains('#') {
            continue;
        }
        let Some((step, raw)) = line.split_once(":raw:") else { continue };
        match &first {
            None => first = Some(step.to_string()),
            Some(f) if f != step => continue,
            _ => {}
        }
        out.push(hex(raw));
    }
    out
}

/// Every UPDATE the configuration's routes pack to is in the first bucket
/// of the matching qa/encoding file.
#[test]
fn qa_configurations_pack_to_the_expected_bytes() {
    let (Some(etc), Some(enc)) = (qa_dir("etc"), qa_dir("encoding")) else {
        eprintln!("qa not found: skipped");
        return;
    };
    let mut names: Vec<String> = std::fs::read_dir(&etc)
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.ends_with(".conf"))
        .collect();
    names.sort();
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for name in &names {
        let stem = name.trim_end_matches(".conf");
        let msg = enc.join(format!("{stem}.msg"));
        if !msg.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(etc.join(name)).unwrap();
        let config = match load_str(name, &text, &options()) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let bucket = first_bucket(&msg);
        let mut packer = Packer::new();
        let (mut produced, mut matched, mut missing) = (0, 0, Vec::new());
        let mut got_all = Vec::new();
        for n in &config.neighbors {
            let neg = negotiated_for(n);
            let mut out = BytesMut::new();
            pack_initial(&n.routes, n.group_updates, &neg, &mut packer, &mut out);
            for m in messages(&out) {
                produced += 1;
                if bucket.contains(&m) {
                    matched += 1;
                } else {
                    missing.push(to_hex(&m));
                }
                got_all.push(m);
            }
        }
        let expected_updates = bucket.iter().filter(|b| b.len() > 23 && b.get(18) == Some(&2) && !is_eor(b)).count();
        let not_produced = bucket.iter().filter(|b| b.get(18) == Some(&2) && !is_eor(b) && !got_all.contains(b)).count();
        if stem.starts_with("conf-") && not_produced != 0 {
            failures.push(format!("{stem}: {not_produced} expected UPDATEs not produced"));
        }
        report.push(format!(
            "{stem}: {produced} produced, {matched} in first bucket, {} expected UPDATEs not produced (of {expected_updates})",
            not_produced
        ));
        if !missing.is_empty() {
            failures.push(format!("{stem}: not in the first bucket:\n    {}", missing.join("\n    ")));
        }
    }
    eprintln!("{}", report.join("\n"));
    eprintln!("FAILURES ({}):\n{}", failures.len(), failures.join("\n"));
    // Known differences are listed in the report; the test guards against regressions.
    assert!(failures.len() <= KNOWN_FAILURES, "{} failures:\n{}", failures.len(), failures.join("\n"));
}

const KNOWN_FAILURES: usize = 0;

fn is_eor(b: &[u8]) -> bool {
    b.len() == 23 || (b.len() == 30 && b.get(23..26) == Some(&[0x90, 0x0f, 0x00][..]))
}
