//! Scratch files shared by the daemon test targets (main, session,
//! never_block): each target declares `mod common;`.
#![allow(dead_code)] // each target uses a part

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A scratch directory, removed when the test ends.
pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `$TMPDIR/exabgp-<target>-<pid>-<name>`, empty. World-writable: run as
/// root, the daemon drops to `nobody`, and its helpers write here.
pub fn scratch(target: &str, name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("exabgp-{target}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    Scratch(dir)
}

/// Writes `dir/name` with permission bits `mode`.
pub fn write_mode(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

/// Writes `dir/name`, readable and writable by the daemon's user.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    write_mode(dir, name, text, 0o666)
}
