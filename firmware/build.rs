//! Puts `memory.x` where `cortex-m-rt`'s `link.x` looks for it, and sets `cfg(has_cycle_counter)`
//! on cores with a DWT cycle counter (ARMv7-M and up; the Cortex-M0 has none).

use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy("memory.x", out.join("memory.x")).expect("memory.x is readable");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(has_cycle_counter)");
    let target = env::var("TARGET").unwrap_or_default();
    if target.starts_with("thumbv7m") || target.starts_with("thumbv7em") {
        println!("cargo::rustc-cfg=has_cycle_counter");
    }
}
