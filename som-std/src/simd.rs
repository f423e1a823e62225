//! The SIMD level the kernel runs at, from the `SOM_SIMD` environment variable.
//!
//! The kernel picks the widest instruction set the CPU has, at run time
//! ([`som_kernel::simd`]). `SOM_SIMD=scalar|sse2|avx2|avx512|avx512-split` forces one, for
//! tests, comparisons and bug reports; it is read once, when the first map is built.

use std::sync::OnceLock;

pub use som_kernel::simd::Level;

use crate::{Error, Result};

/// The level maps run at: the one `SOM_SIMD` names, else the widest this CPU has.
///
/// # Errors
/// [`Error::Invalid`] when `SOM_SIMD` names no level, or one this CPU lacks.
///
/// # Example
/// ```
/// let level = som_std::simd::level()?;
/// println!("running at {level}");
/// # Ok::<(), som_std::Error>(())
/// ```
pub fn level() -> Result<Level> {
    static FROM_ENV: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    FROM_ENV
        .get_or_init(|| {
            let Ok(name) = std::env::var("SOM_SIMD") else {
                return Ok(());
            };
            let name = name.trim();
            if name.is_empty() {
                return Ok(());
            }
            let level = Level::from_name(name).ok_or_else(|| {
                let names = <Level as som_kernel::Named>::NAMES;
                format!("SOM_SIMD is {name:?}, expected one of {}", names.join(", "))
            })?;
            som_kernel::simd::force(level).map_err(|e| format!("SOM_SIMD={name}: {e}"))
        })
        .clone()
        .map_err(Error::Invalid)?;
    Ok(som_kernel::simd::level())
}
