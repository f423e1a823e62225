//! `SOM_KERNEL_SMALL=1` turns the size-first loops on for any target (`cfg(som_small)`: see
//! `src/size_first.rs`), so that the tests run them on a PC. An environment variable rather
//! than `RUSTFLAGS="--cfg som_small"` (which still works): flags rebuild every dependency,
//! this rebuilds the kernel alone.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(som_small)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=SOM_KERNEL_SMALL");
    if std::env::var("SOM_KERNEL_SMALL").is_ok_and(|v| !v.is_empty() && v != "0") {
        println!("cargo::rustc-cfg=som_small");
    }
}
