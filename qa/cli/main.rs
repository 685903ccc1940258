//! Binary-level tests of the `exabgp` command line: exit codes, help,
//! `env` output, environment errors, logging silence.

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    // An empty ROOT so that no exabgp.env is read.
    let dir = std::env::temp_dir().join(format!("exabgp-qa-cli-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn exabgp(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_exabgp"));
    cmd.args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("exabgp") {
            cmd.env_remove(k);
        }
    }
    cmd.env("EXABGP_ROOT", root());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().expect("run exabgp")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_exits_zero() {
    let o = exabgp(&["--help"], &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).starts_with(
        "usage: exabgp [-h] {version,cli,healthcheck,env,decode,server,validate} ...\n"
    ));
    assert!(o.stderr.is_empty());
    let o = exabgp(&["server", "-h"], &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout)
        .contains("  -1, --once            only perform one attempt to connect to peers\n"));
}

#[test]
fn no_arguments_exits_one() {
    let o = exabgp(&[], &[]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    assert!(out.contains("\nEnvironment values are:\n    exabgp.api.ack"));
    assert!(!out.ends_with('\n'));
}

#[test]
fn version() {
    let o = exabgp(&["version"], &[("exabgp_version", "5.0.0-0+test")]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).starts_with("ExaBGP : 5.0.0-0+test\n"));
    let o = exabgp(&["version"], &[]);
    assert!(text(&o.stdout).starts_with("ExaBGP : 5.0.0\n"));
    // not an option at this version: `server --version`, no file
    let o = exabgp(&["--version"], &[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn env_forms() {
    let o = exabgp(&["env"], &[]);
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o.stdout);
    assert!(out.starts_with("\n[exabgp.api]\nack = true\nchunk = 1\n"));
    assert!(out.ends_with("\n[exabgp.tcp]\nacl = false\nattempts = 0\nbind = ''\ndelay = 0\nonce = false\nport = 179\n"));
    let o = exabgp(&["env", "-e"], &[]);
    let out = text(&o.stdout);
    assert!(out.starts_with("exabgp.profile.enable=false\nexabgp.profile.file=''\n"));
    assert!(out.ends_with("exabgp.reactor.speed=1.0\nexabgp.reactor.asyncio=false\n"));
    let o = exabgp(
        &["env", "-d", "-e"],
        &[("exabgp.tcp.port", "1790"), ("exabgp_tcp_port", "1")],
    );
    assert_eq!(text(&o.stdout), "exabgp.tcp.port=1790\n");
    let o = exabgp(&["env", "-d"], &[("exabgp_tcp_connections", "2")]);
    assert_eq!(text(&o.stdout), "\n[exabgp.tcp]\nattempts = 2\n");
}

#[test]
fn bad_environment_value() {
    let o = exabgp(&["env"], &[("exabgp_tcp_port", "abc")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert_eq!(
        text(&o.stderr),
        "exabgp: invalid value for tcp.port : abc (expected a port number (0-65535))\n"
    );
}

#[test]
fn unknown_flag() {
    let o = exabgp(&["--test", "x.conf"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        "usage: exabgp [-h] {version,cli,healthcheck,env,decode,server,validate} ...\n\
         exabgp: error: unrecognized arguments: --test\n"
    );
    let o = exabgp(&["env", "-x"], &[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn missing_configuration() {
    let o = exabgp(&["/nonexistent/exabgp.conf"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stderr),
        "configuration   /nonexistent/exabgp.conf is not an exabgp config file\n"
    );
    let o = exabgp(&["validate", "/nonexistent/exabgp.conf"], &[]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn disabled_logging_is_silent() {
    // the functional harness runs the daemon this way
    let o = exabgp(
        &["-d", "-p", "/nonexistent/exabgp.conf"],
        &[("exabgp_log_enable", "false")],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert!(o.stderr.is_empty());
}

#[test]
fn decode_refuses_non_hex() {
    let o = exabgp(&["decode", "zz"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stdout).starts_with("Environment values are:\n - exabgp.api.ack"));
    let o = exabgp(&["decode", "-f", "ipv4", "0000"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stdout), "families provided are invalid");
}
