//! The one place for transcendental math: scalar through `libm`, vectors through `wide`.
//!
//! The scalar functions are the reference; the vector ones differ from them by a few ULP.

pub(crate) use wide::{f32x8, i32x8};

/// `e^x`, scalar.
#[inline]
pub(crate) fn exp(x: f32) -> f32 {
    libm::expf(x)
}

/// `e^x` for eight lanes.
#[inline(always)]
pub(crate) fn exp8(x: f32x8) -> f32x8 {
    x.exp()
}

/// Square root, scalar.
#[inline]
pub(crate) fn sqrt(x: f32) -> f32 {
    libm::sqrtf(x)
}

/// Natural logarithm, scalar.
#[inline]
pub(crate) fn ln(x: f32) -> f32 {
    libm::logf(x)
}

/// `x^y`, scalar.
#[inline]
pub(crate) fn pow(x: f32, y: f32) -> f32 {
    libm::powf(x, y)
}

/// Square root in double precision (statistics and initialisation).
#[inline]
pub(crate) fn sqrt64(x: f64) -> f64 {
    libm::sqrt(x)
}
