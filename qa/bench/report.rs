//! The results as a text table and as JSON, with ours/reference ratios.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use exabgp::json::string;

use crate::daemon::DaemonSpec;
use crate::scenario::{Failure, Measure, Params, Scenario};

/// One scenario at one size against one daemon.
#[derive(Debug, Clone)]
pub struct Row {
    pub scenario: Scenario,
    pub size: u64,
    pub daemon: DaemonSpec,
    pub result: Result<Measure, Failure>,
}

fn size_text(scenario: Scenario, size: u64) -> String {
    if scenario.by_peers() {
        format!("k={size}")
    } else {
        format!("n={size}")
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0 && a.is_finite()).then(|| a / b)
}

/// ours/reference for each figure, where both ran.
pub struct Ratio {
    pub scenario: Scenario,
    pub size: u64,
    pub wall: Option<f64>,
    pub routes_per_s: Option<f64>,
    pub peak_rss: Option<f64>,
    pub cpu: Option<f64>,
}

pub fn ratios(rows: &[Row]) -> Vec<Ratio> {
    let mut out = Vec::new();
    for ours in rows.iter().filter(|r| r.daemon.label == "ours") {
        let Some(theirs) = rows.iter().find(|r| r.daemon.label == "exabgp" && r.scenario == ours.scenario && r.size == ours.size) else {
            continue;
        };
        let (Ok(a), Ok(b)) = (&ours.result, &theirs.result) else { continue };
        out.push(Ratio {
            scenario: ours.scenario,
            size: ours.size,
            wall: ratio(a.wall_s, b.wall_s),
            routes_per_s: match (a.routes_per_s, b.routes_per_s) {
                (Some(x), Some(y)) => ratio(x, y),
                _ => None,
            },
            peak_rss: ratio(a.usage.peak_rss_kib as f64, b.usage.peak_rss_kib as f64),
            cpu: ratio(a.usage.cpu_s, b.usage.cpu_s),
        });
    }
    out
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(v) => format!("{v:.decimals$}"),
        None => "-".into(),
    }
}

pub fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<17} {:>10} {:<7} {:>9} {:>10} {:>8} {:>8}  notes",
        "scenario", "size", "daemon", "wall_s", "routes/s", "rss_MiB", "cpu_s"
    );
    for r in rows {
        let size = size_text(r.scenario, r.size);
        match &r.result {
            Ok(m) => {
                let notes: Vec<String> = m.extra.iter().map(|(k, v)| format!("{k}={v:.3}")).collect();
                let _ = writeln!(
                    out,
                    "{:<17} {:>10} {:<7} {:>9.3} {:>10} {:>8.1} {:>8.2}  {}",
                    r.scenario.name(),
                    size,
                    r.daemon.label,
                    m.wall_s,
                    opt(m.routes_per_s, 0),
                    mib(m.usage.peak_rss_kib),
                    m.usage.cpu_s,
                    notes.join(" ")
                );
            }
            Err(f) => {
                let _ = writeln!(out, "{:<17} {:>10} {:<7} FAILED: {f}", r.scenario.name(), size, r.daemon.label);
            }
        }
    }
    let ratios = ratios(rows);
    if !ratios.is_empty() {
        let _ = writeln!(out, "\nours/exabgp ratios (wall and cpu: lower is better for ours; routes/s: higher)");
        let _ = writeln!(out, "{:<17} {:>10} {:>8} {:>10} {:>8} {:>8}", "scenario", "size", "wall", "routes/s", "rss", "cpu");
        for r in ratios {
            let _ = writeln!(
                out,
                "{:<17} {:>10} {:>8} {:>10} {:>8} {:>8}",
                r.scenario.name(),
                size_text(r.scenario, r.size),
                significant(r.wall),
                significant(r.routes_per_s),
                significant(r.peak_rss),
                significant(r.cpu)
            );
        }
    }
    out
}

/// A ratio with three significant digits: ours is often hundreds of times
/// faster, and `0.00` would hide by how much.
fn significant(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() && v > 0.0 => {
            let decimals = (2 - v.log10().floor() as i32).clamp(0, 6) as usize;
            format!("{v:.decimals$}")
        }
        Some(v) if v.is_finite() => format!("{v}"),
        _ => "-".to_string(),
    }
}

fn number(out: &mut String, v: Option<f64>) {
    match v {
        Some(v) if v.is_finite() => {
            let _ = write!(out, "{}", (v * 1e6).round() / 1e6);
        }
        _ => out.push_str("null"),
    }
}

/// ISO 8601 UTC for a unix time (civil-from-days, proleptic Gregorian).
pub fn iso_utc(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, rem) = ((secs / 86400) as i64, secs % 86400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

pub fn json(rows: &[Row], p: &Params) -> String {
    let mut out = String::from("{\"bench\": \"exabgp-bench\", \"date\": ");
    string(&mut out, &iso_utc(SystemTime::now()));
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let _ = write!(
        out,
        ", \"cores\": {cores}, \"params\": {{\"sets\": {}, \"per_update\": {}, \"table\": {}, \"window_s\": {}, \"timeout_s\": {}}}, \"results\": [",
        p.sets,
        p.per_update,
        p.table,
        p.window.as_secs(),
        p.timeout.as_secs()
    );
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str("{\"scenario\": ");
        string(&mut out, r.scenario.name());
        let _ = write!(out, ", \"size\": {}, \"size_of\": \"{}\", \"daemon\": ", r.size, if r.scenario.by_peers() { "peers" } else { "routes" });
        string(&mut out, &r.daemon.label);
        out.push_str(", \"path\": ");
        string(&mut out, &r.daemon.path.display().to_string());
        match &r.result {
            Ok(m) => {
                let _ = write!(out, ", \"ok\": true, \"routes\": {}, \"wall_s\": ", m.routes);
                number(&mut out, Some(m.wall_s));
                out.push_str(", \"routes_per_s\": ");
                number(&mut out, m.routes_per_s);
                let _ = write!(out, ", \"peak_rss_kib\": {}, \"cpu_s\": ", m.usage.peak_rss_kib);
                number(&mut out, Some(m.usage.cpu_s));
                out.push_str(", \"extra\": {");
                for (j, (k, v)) in m.extra.iter().enumerate() {
                    if j > 0 {
                        out.push_str(", ");
                    }
                    string(&mut out, k);
                    out.push_str(": ");
                    number(&mut out, Some(*v));
                }
                out.push('}');
            }
            Err(f) => {
                let (kind, text) = match f {
                    Failure::Daemon(t) => ("daemon", t),
                    Failure::Bench(t) => ("bench", t),
                };
                let _ = write!(out, ", \"ok\": false, \"failure\": \"{kind}\", \"error\": ");
                string(&mut out, text);
            }
        }
        out.push('}');
    }
    out.push_str("], \"ratios\": [");
    for (i, r) in ratios(rows).iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str("{\"scenario\": ");
        string(&mut out, r.scenario.name());
        let _ = write!(out, ", \"size\": {}, \"wall\": ", r.size);
        number(&mut out, r.wall);
        out.push_str(", \"routes_per_s\": ");
        number(&mut out, r.routes_per_s);
        out.push_str(", \"peak_rss\": ");
        number(&mut out, r.peak_rss);
        out.push_str(", \"cpu\": ");
        number(&mut out, r.cpu);
        out.push('}');
    }
    out.push_str("]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::Usage;
    use std::path::PathBuf;
    use std::time::Duration;

    fn row(label: &str, result: Result<Measure, Failure>) -> Row {
        Row { scenario: Scenario::ConfigOriginate, size: 10, daemon: DaemonSpec { label: label.into(), path: PathBuf::from("/x") }, result }
    }

    fn measure(wall: f64, rss: u64) -> Measure {
        Measure { wall_s: wall, routes: 10, routes_per_s: Some(10.0 / wall), usage: Usage { peak_rss_kib: rss, cpu_s: wall }, extra: vec![("established_s", 0.5)] }
    }

    #[test]
    fn ratios_keep_three_significant_digits() {
        assert_eq!(significant(Some(0.005012)), "0.00501");
        assert_eq!(significant(Some(23.77)), "23.8");
        assert_eq!(significant(Some(732.79)), "733");
        assert_eq!(significant(None), "-");
    }

    #[test]
    fn ratios_need_both() {
        let rows = vec![row("ours", Ok(measure(1.0, 1000))), row("exabgp", Ok(measure(4.0, 4000)))];
        let r = ratios(&rows);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].wall, Some(0.25));
        assert_eq!(r[0].routes_per_s, Some(4.0));
        assert_eq!(r[0].peak_rss, Some(0.25));
        let rows = vec![row("ours", Err(Failure::Daemon("no".into()))), row("exabgp", Ok(measure(4.0, 4000)))];
        assert!(ratios(&rows).is_empty());
        let t = table(&rows);
        assert!(t.contains("FAILED: daemon failed: no"), "{t}");
    }

    #[test]
    fn json_shape() {
        let p = Params { sets: 1, per_update: 1, table: 1, window: Duration::from_secs(1), timeout: Duration::from_secs(1), python: PathBuf::from("p") };
        let rows = vec![row("ours", Ok(measure(1.0, 1000))), row("exabgp", Err(Failure::Daemon("say \"no\"".into())))];
        let j = json(&rows, &p);
        assert!(j.contains("\"wall_s\": 1, \"routes_per_s\": 10, \"peak_rss_kib\": 1000"), "{j}");
        assert!(j.contains("\"extra\": {\"established_s\": 0.5}"), "{j}");
        assert!(j.contains("\"error\": \"say \\\"no\\\"\""), "{j}");
        assert!(j.ends_with("\"ratios\": []}"));
    }

    #[test]
    fn dates() {
        assert_eq!(iso_utc(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(UNIX_EPOCH + Duration::from_secs(1_795_568_400)), "2026-11-25T01:00:00Z");
        assert_eq!(iso_utc(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00Z");
    }
}
