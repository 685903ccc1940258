//! Configuration-loading benchmark (issue 5): time and peak memory to load a
//! configuration of N static routes and one of M neighbors. Reported, never
//! asserted: `cargo test` runs it at a small size only to prove it works.
//!
//!     EXABGP_BENCH_ROUTES=1000000 EXABGP_BENCH_NEIGHBORS=1000 \
//!         cargo test --release --test bench-config
//!
//! The files are written to a temporary directory and loaded with
//! `config::load_file`, as the daemon does. Peak memory is the process's
//! VmHWM, reset before each load through /proc/self/clear_refs, so the figure
//! is the resident set of the loaded configuration plus whatever the load
//! needed on the way (the generated text is streamed to disk, never held).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use exabgp::config::{load_file, LoadOptions};

/// `VmRSS` and `VmHWM` of this process, in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Start a new peak-RSS window (Linux ≥ 4.0: "5" resets VmHWM to VmRSS).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("exabgp-bench-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// One neighbor, `n` routes `route 10.a.b.c/32 next-hop 1.2.3.4 community [65000:1];`.
fn write_routes(path: &Path, n: u32) {
    let mut f = BufWriter::new(File::create(path).expect("create"));
    writeln!(f, "neighbor 127.0.0.1 {{\n  router-id 1.2.3.4;\n  local-address 127.0.0.1;\n  local-as 65000;\n  peer-as 65000;\n  static {{").unwrap();
    for i in 0..n {
        writeln!(f, "    route 10.{}.{}.{}/32 next-hop 1.2.3.4 community [65000:1];", (i >> 16) & 255, (i >> 8) & 255, i & 255).unwrap();
    }
    writeln!(f, "  }}\n}}").unwrap();
    f.flush().unwrap();
}

/// `n` neighbors sharing a template, each with its own options, families,
/// capabilities, an api block and two routes.
fn write_neighbors(path: &Path, n: u32) {
    let mut f = BufWriter::new(File::create(path).expect("create"));
    writeln!(f, "process monitor {{\n  run /bin/cat;\n  encoder json;\n}}\n").unwrap();
    writeln!(f, "template {{\n  neighbor common {{\n    local-as 65000;\n    hold-time 180;\n    capability {{ route-refresh; graceful-restart 120; }}\n  }}\n}}\n").unwrap();
    for i in 0..n {
        let (a, b) = ((i >> 8) & 255, i & 255);
        writeln!(
            f,
            "neighbor 10.{a}.{b}.1 {{\n  inherit common;\n  description \"peer {i}\";\n  router-id 10.255.{a}.{b};\n  local-address 10.{a}.{b}.2;\n  peer-as {};\n  family {{\n    ipv4 unicast;\n    ipv6 unicast;\n  }}\n  api {{\n    processes [ monitor ];\n    receive {{ parsed; update; }}\n  }}\n  static {{\n    route 192.168.{a}.0/24 next-hop 10.{a}.{b}.2 med {i} community [65000:{b}];\n    route 2001:db8:{i:x}::/48 next-hop 2001:db8::1 local-preference 200;\n  }}\n}}\n",
            65001 + i
        )
        .unwrap();
    }
    f.flush().unwrap();
}

fn measure(what: &str, path: &Path, expect_neighbors: usize, expect_routes: usize) {
    let options = LoadOptions { check_programs: false, ..LoadOptions::default() };
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    reset_peak();
    let (before, _) = memory_kib();
    let start = Instant::now();
    let config = load_file(path, &options).unwrap_or_else(|e| panic!("{what}: {e}"));
    let elapsed = start.elapsed();
    let (after, peak) = memory_kib();
    let routes: usize = config.neighbors.iter().map(|n| n.routes.len()).sum();
    assert_eq!(config.neighbors.len(), expect_neighbors, "{what}");
    assert_eq!(routes, expect_routes, "{what}");
    println!(
        "{what:<22} file {:>6.1} MiB  load {:>8.3} s  peak RSS +{:>6.1} MiB  kept +{:>6.1} MiB  ({} neighbors, {} routes)",
        bytes as f64 / 1048576.0,
        elapsed.as_secs_f64(),
        peak.saturating_sub(before) as f64 / 1024.0,
        after.saturating_sub(before) as f64 / 1024.0,
        config.neighbors.len(),
        routes
    );
    drop(config);
}

fn env_count(name: &str, default: u32) -> u32 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Each load runs in a child process of its own (this binary again, told
/// which file to load), so the peak of one is not hidden by memory the
/// allocator kept from another.
fn run_child(what: &str, path: &Path, neighbors: usize, routes: usize) {
    let exe = std::env::current_exe().expect("current exe");
    let status = std::process::Command::new(exe)
        .env("EXABGP_BENCH_CONFIG_CHILD", format!("{what}\t{}\t{neighbors}\t{routes}", path.display()))
        .status()
        .expect("spawn");
    assert!(status.success(), "{what}: child failed");
}

fn main() {
    if let Ok(job) = std::env::var("EXABGP_BENCH_CONFIG_CHILD") {
        let parts: Vec<&str> = job.split('\t').collect();
        if let [what, path, neighbors, routes] = parts.as_slice() {
            measure(what, Path::new(path), neighbors.parse().unwrap_or(0), routes.parse().unwrap_or(0));
        }
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let routes = env_count("EXABGP_BENCH_ROUTES", 10_000);
    let neighbors = env_count("EXABGP_BENCH_NEIGHBORS", 100);
    let dir = temp_dir();
    println!("bench-config: peak RSS is over the RSS just before load_file (each load in a fresh process)");

    let path = dir.join("routes.conf");
    write_routes(&path, routes);
    run_child(&format!("{routes} static routes"), &path, 1, routes as usize);
    let _ = std::fs::remove_file(&path);

    let path = dir.join("neighbors.conf");
    write_neighbors(&path, neighbors);
    run_child(&format!("{neighbors} neighbors"), &path, neighbors as usize, 2 * neighbors as usize);
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir(&dir);
}
