//! Codec benchmark (issue 4): decode and JSON-render realistic UPDATEs carrying
//! N IPv4 and N IPv6 prefixes; report prefixes per second and heap
//! allocations per prefix. Reported, never asserted: `cargo test` runs it at a
//! small N only to prove it still works.
//!
//!     EXABGP_BENCH_PREFIXES=1000000 cargo test --release --test bench-codec
//!
//! A counting global allocator (this test binary only) gives the allocation
//! figures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use exabgp::bgp::message::update::Update;
use exabgp::bgp::negotiated::Negotiated;
use exabgp::bgp::iana::Family;

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const MAX_BODY: usize = 4096 - 19;

/// ORIGIN igp, AS_PATH of three 4-byte ASNs, MED, LOCAL_PREF, two communities.
fn common_attributes(out: &mut Vec<u8>) {
    out.extend_from_slice(&[0x40, 1, 1, 0]);
    out.extend_from_slice(&[0x40, 2, 14, 2, 3, 0, 0, 0xFD, 0xE8, 0, 0, 0xFD, 0xE9, 0, 0, 0xFD, 0xEA]);
    out.extend_from_slice(&[0x80, 4, 4, 0, 0, 0, 100]);
    out.extend_from_slice(&[0x40, 5, 4, 0, 0, 0, 100]);
    out.extend_from_slice(&[0xC0, 8, 8, 0xFD, 0xE8, 0, 1, 0xFD, 0xE8, 0, 2]);
}

/// UPDATE bodies announcing `n` distinct IPv4 /24s in the classic NLRI field.
fn ipv4_updates(n: usize) -> Vec<Vec<u8>> {
    let mut attrs = Vec::new();
    common_attributes(&mut attrs);
    attrs.extend_from_slice(&[0x40, 3, 4, 10, 0, 0, 1]);
    let per = (MAX_BODY - 4 - attrs.len()) / 4;
    let mut bodies = Vec::new();
    let mut i = 0usize;
    while i < n {
        let count = per.min(n - i);
        let mut body = vec![0, 0];
        body.extend_from_slice(&(attrs.len() as u16).to_be_bytes());
        body.extend_from_slice(&attrs);
        for k in i..i + count {
            let v = (k as u32) << 8;
            body.extend_from_slice(&[24, (v >> 24) as u8 | 0x10, (v >> 16) as u8, (v >> 8) as u8]);
        }
        bodies.push(body);
        i += count;
    }
    bodies
}

/// UPDATE bodies announcing `n` distinct IPv6 /48s in MP_REACH_NLRI.
fn ipv6_updates(n: usize) -> Vec<Vec<u8>> {
    let mut attrs = Vec::new();
    common_attributes(&mut attrs);
    // MP_REACH header: AFI 2, SAFI 1, next-hop length 16, next-hop, reserved.
    let mp_header_len = 2 + 1 + 1 + 16 + 1;
    let per = (MAX_BODY - 4 - attrs.len() - 4 - mp_header_len) / 7;
    let mut bodies = Vec::new();
    let mut i = 0usize;
    while i < n {
        let count = per.min(n - i);
        let mut mp = vec![0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0];
        for k in i..i + count {
            let v = k as u32;
            mp.extend_from_slice(&[48, 0x20, 0x01, (v >> 24) as u8, (v >> 16) as u8, (v >> 8) as u8, v as u8]);
        }
        let mut all = attrs.clone();
        all.extend_from_slice(&[0x90, 14]);
        all.extend_from_slice(&(mp.len() as u16).to_be_bytes());
        all.extend_from_slice(&mp);
        let mut body = vec![0, 0];
        body.extend_from_slice(&(all.len() as u16).to_be_bytes());
        body.extend_from_slice(&all);
        bodies.push(body);
        i += count;
    }
    bodies
}

struct Figures {
    prefixes: usize,
    seconds: f64,
    allocations: u64,
    json_bytes: usize,
}

fn run(bodies: &[Vec<u8>], neg: &Negotiated) -> Figures {
    let mut json = String::with_capacity(64 * 1024);
    let (mut prefixes, mut json_bytes) = (0, 0);
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let start = Instant::now();
    for body in bodies {
        let update = match Update::unpack(body, neg) {
            Ok(u) => u,
            Err(e) => panic!("benchmark UPDATE does not decode: {e}"),
        };
        prefixes += update.announces().count();
        json.clear();
        update.json_with(false, &mut json);
        json_bytes += json.len();
    }
    let seconds = start.elapsed().as_secs_f64();
    Figures { prefixes, seconds, allocations: ALLOCATIONS.load(Ordering::Relaxed) - before, json_bytes }
}

fn main() {
    let n: usize = std::env::var("EXABGP_BENCH_PREFIXES").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let neg = Negotiated {
        local_as: 65000,
        peer_as: 65001,
        families: vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST],
        ..Negotiated::default()
    };
    println!("codec benchmark: decode + JSON of {n} prefixes per family ({} build)", if cfg!(debug_assertions) { "debug" } else { "release" });
    println!("{:<6} {:>9} {:>10} {:>10} {:>14} {:>12} {:>12}", "family", "updates", "prefixes", "seconds", "prefixes/s", "allocs/pfx", "JSON MiB");
    let mut ok = true;
    for (name, bodies) in [("ipv4", ipv4_updates(n)), ("ipv6", ipv6_updates(n))] {
        let f = run(&bodies, &neg);
        ok &= f.prefixes == n;
        println!(
            "{:<6} {:>9} {:>10} {:>10.3} {:>14.0} {:>12.2} {:>12.1}",
            name,
            bodies.len(),
            f.prefixes,
            f.seconds,
            f.prefixes as f64 / f.seconds.max(1e-9),
            f.allocations as f64 / f.prefixes.max(1) as f64,
            f.json_bytes as f64 / (1024.0 * 1024.0)
        );
    }
    // Correctness only: every prefix must come back out of the decoder.
    if ok {
        println!("1 passed, 0 failed");
    } else {
        println!("0 passed, 1 failed");
        std::process::exit(1);
    }
}
