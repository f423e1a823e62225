//! [`Level::Scalar`](super::Level::Scalar): sixteen lanes as a plain array, every operation a
//! loop over them. Every target has it; the compiler may vectorize the loops for the target's
//! baseline, with the same results (products and sums rounded separately).

use core::ops::{Add, Mul, Sub};

use super::{Isa, Lanes};
use crate::LANES;

/// The plain-array instruction set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scalar;

/// Sixteen lanes in an array.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Array([f32; 2 * LANES]);

impl Array {
    #[inline(always)]
    fn zip(self, b: Self, f: impl Fn(f32, f32) -> f32) -> Self {
        let mut out = self.0;
        for (o, b) in out.iter_mut().zip(b.0) {
            *o = f(*o, b);
        }
        Array(out)
    }

    #[inline(always)]
    fn test(self, b: Self, f: impl Fn(f32, f32) -> bool) -> [bool; 2 * LANES] {
        let mut out = [false; 2 * LANES];
        for ((o, a), b) in out.iter_mut().zip(self.0).zip(b.0) {
            *o = f(a, b);
        }
        out
    }
}

impl Add for Array {
    type Output = Self;
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        self.zip(b, |a, b| a + b)
    }
}

impl Sub for Array {
    type Output = Self;
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        self.zip(b, |a, b| a - b)
    }
}

impl Mul for Array {
    type Output = Self;
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        self.zip(b, |a, b| a * b)
    }
}

impl Lanes for Array {
    type Mask = [bool; 2 * LANES];

    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        self * a + b
    }

    #[inline(always)]
    fn lt(self, b: Self) -> Self::Mask {
        self.test(b, |a, b| a < b)
    }

    #[inline(always)]
    fn select(m: Self::Mask, t: Self, f: Self) -> Self {
        let mut out = f.0;
        for ((o, m), t) in out.iter_mut().zip(m).zip(t.0) {
            if m {
                *o = t;
            }
        }
        Array(out)
    }

    #[inline(always)]
    fn min(self, b: Self) -> Self {
        self.zip(b, |a, b| if a < b { a } else { b })
    }

    #[inline(always)]
    fn max(self, b: Self) -> Self {
        self.zip(b, |a, b| if a > b { a } else { b })
    }

    #[inline(always)]
    fn to_array(self) -> [f32; 2 * LANES] {
        self.0
    }

    #[inline(always)]
    fn store(self, lo: &mut [f32; LANES], hi: &mut [f32; LANES]) {
        let (a, b) = self.0.split_at(LANES);
        lo.copy_from_slice(a);
        hi.copy_from_slice(b);
    }

    #[inline(always)]
    fn store_lo(self, lo: &mut [f32; LANES]) {
        lo.copy_from_slice(&self.0[..LANES]);
    }
}

impl Isa for Scalar {
    type V = Array;
    const MANY_REGISTERS: bool = false;
    const TILE: usize = 2;

    #[inline(always)]
    fn splat(self, x: f32) -> Array {
        Array([x; 2 * LANES])
    }

    #[inline(always)]
    fn load(self, lo: &[f32; LANES], hi: &[f32; LANES]) -> Array {
        let mut out = [0.0; 2 * LANES];
        let (a, b) = out.split_at_mut(LANES);
        a.copy_from_slice(lo);
        b.copy_from_slice(hi);
        Array(out)
    }

    #[inline(always)]
    fn run<R>(self, f: impl FnOnce() -> R) -> R {
        f()
    }
}
