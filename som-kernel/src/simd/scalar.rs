//! [`Level::Scalar`](super::Level::Scalar): one block, eight lanes, as a plain array, every
//! operation a loop over them. Every target has it; the compiler may vectorize the loops for
//! the target's baseline, with the same results (products and sums rounded separately). One
//! block rather than two: on a microcontroller, whose registers hold about one block, sixteen
//! lanes spill to the stack and their unrolled code takes half again the flash.

use core::ops::{Add, Mul, Sub};

use super::{Isa, Lanes};
use crate::LANES;
use crate::math::{each, sqrt};

/// The plain-array instruction set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scalar;

/// Eight lanes in an array.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Array([f32; LANES]);

impl Array {
    #[inline(always)]
    fn zip(self, b: Self, f: impl Fn(f32, f32) -> f32) -> Self {
        Array(each(|i| f(self.0[i], b.0[i])))
    }

    #[inline(always)]
    fn test(self, b: Self, f: impl Fn(f32, f32) -> bool) -> [bool; LANES] {
        each(|i| f(self.0[i], b.0[i]))
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
    type Mask = [bool; LANES];
    const WIDTH: usize = LANES;

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
        Array(each(|i| if m[i] { t.0[i] } else { f.0[i] }))
    }

    #[inline(always)]
    fn bits(m: Self::Mask) -> u32 {
        m.iter()
            .rev()
            .fold(0, |bits, &set| bits << 1 | u32::from(set))
    }

    #[inline(always)]
    fn is_number(self) -> Self::Mask {
        self.test(self, |a, _| !a.is_nan())
    }

    #[inline(always)]
    fn keep(self, m: Self::Mask) -> Self {
        Array(each(|i| if m[i] { self.0[i] } else { 0.0 }))
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
    fn div(self, b: Self) -> Self {
        self.zip(b, |a, b| a / b)
    }

    #[inline(always)]
    fn sqrt(self) -> Self {
        Array(each(|i| sqrt(self.0[i])))
    }

    #[inline(always)]
    fn to_array(self) -> [f32; 2 * LANES] {
        let a = self.0;
        [
            a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[0], a[1], a[2], a[3], a[4], a[5],
            a[6], a[7],
        ]
    }

    #[inline(always)]
    fn store(self, lo: &mut [f32; LANES], _: &mut [f32; LANES]) {
        *lo = self.0;
    }

    #[inline(always)]
    fn store_lo(self, lo: &mut [f32; LANES]) {
        *lo = self.0;
    }
}

impl Isa for Scalar {
    type V = Array;
    type Sweep = Self;
    const BLOCKS: usize = 1;
    const MANY_REGISTERS: bool = false;
    const TILE: usize = 2;

    #[inline(always)]
    fn splat(self, x: f32) -> Array {
        Array([x; LANES])
    }

    #[inline(always)]
    fn load(self, lo: &[f32; LANES], _: &[f32; LANES]) -> Array {
        Array(*lo)
    }

    #[inline(always)]
    fn run<R>(self, f: impl FnOnce() -> R) -> R {
        f()
    }

    #[inline(always)]
    fn sweep(self) -> Self {
        self
    }
}
