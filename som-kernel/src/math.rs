//! The one place for transcendental math: scalar through `libm`, eight lanes at once through
//! [`exp8`]; and [`each`], the lane-by-lane form of the code that computes a block's
//! neighbourhood values.
//!
//! The scalar functions are the reference; the vector ones differ from them by a few ULP.

use crate::LANES;

/// One value per lane of a block.
pub(crate) type Lanes8 = [f32; LANES];

/// `e^x`, scalar.
#[inline]
pub(crate) fn exp(x: f32) -> f32 {
    libm::expf(x)
}

/// `e^x` for eight lanes, within 2 ULP of `libm::expf` on `[-86.6, 88.7]`; 0 below, `+inf`
/// above, NaN for NaN.
///
/// Written lane by lane in plain arithmetic (Cephes' `expf`): inside a function compiled for
/// a SIMD level (the online step's tables are built there) the compiler turns it into that
/// level's vectors, where `wide`'s `exp` would stay at the build's baseline (SSE2, with a
/// software rounding); no fused multiply-add is formed, so every level gets the same bits; on
/// a microcontroller it is a fraction of `wide`'s code.
#[inline(always)]
pub(crate) fn exp8(x: Lanes8) -> Lanes8 {
    each(|i| exp_lane(x[i]))
}

/// One lane of [`exp8`]: `e^x = 2^n e^r`, `n = round(x / ln 2)`, `|r| <= ln 2 / 2`, `e^r` by
/// Cephes' polynomial. `2^n` is built as `2^(n-1) * 2` so that `n = 128` (`x` up to 88.7)
/// needs no special case.
#[inline(always)]
pub(crate) fn exp_lane(x: f32) -> f32 {
    const LO: f32 = -86.6; // n >= -125: 2^(n-1) is a normal float
    const HI: f32 = 88.7; // n <= 128
    const MAGIC: f32 = 12_582_912.0; // 1.5 * 2^23: adding it rounds to an integer
    // Selects, not branches (the compiler vectorizes the lanes only without branches): the
    // clamped `c` is computed through, then the out-of-range lanes are replaced.
    let c = x.clamp(LO, HI); // NaN stays NaN
    let t = c * core::f32::consts::LOG2_E + MAGIC;
    let n = t - MAGIC;
    let r = c - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 0.5; // Cephes: 5.0000001201e-1, which rounds to 0.5 in f32
    let y = p * (r * r) + r + 1.0;
    // `t`'s bits are MAGIC's plus n (two's complement in the low bits).
    let n_bits = t.to_bits().wrapping_sub(MAGIC.to_bits());
    let half_scale = f32::from_bits(n_bits.wrapping_add(126) << 23);
    let e = y * 2.0 * half_scale;
    let e = if x < LO { 0.0 } else { e };
    if x > HI { f32::INFINITY } else { e }
}

/// `[f(0), ..., f(7)]`, written out: no loop, so that even a size-optimised build keeps the
/// lanes in registers (a loop over an array leaves it in memory, copied at every operation),
/// and the compiler sees eight like lanes to turn into vectors.
#[inline(always)]
pub(crate) fn each<T>(f: impl Fn(usize) -> T) -> [T; 8] {
    [f(0), f(1), f(2), f(3), f(4), f(5), f(6), f(7)]
}

/// Whether any of eight lanes is set (written out, as [`each`]: no early exit, so the
/// compiler sees one vector comparison).
#[inline(always)]
pub(crate) fn any(m: [bool; LANES]) -> bool {
    m[0] | m[1] | m[2] | m[3] | m[4] | m[5] | m[6] | m[7]
}

/// `first + i` in lane `i` (one rounding, as a broadcast plus the lane indices).
#[inline(always)]
pub(crate) fn lane_index(first: f32) -> Lanes8 {
    each(|i| first + i as f32)
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

/// `x^y` in double precision (schedules).
#[inline]
pub(crate) fn pow64(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// Square root in double precision (statistics and initialisation).
#[inline]
pub(crate) fn sqrt64(x: f64) -> f64 {
    libm::sqrt(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ULPs between two finite floats of one sign.
    fn ulps(a: f32, b: f32) -> u32 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn exp8_is_within_two_ulp_of_libm_over_its_range() {
        let step = if cfg!(miri) { 0.37 } else { 0.001 };
        let mut worst = 0;
        let mut x = -86.6f32;
        while x <= 88.7 {
            let lanes: [f32; 8] = core::array::from_fn(|i| x + i as f32 * step / 8.0);
            let got = exp8(lanes);
            for (g, l) in got.into_iter().zip(lanes) {
                if l <= 88.7 {
                    worst = worst.max(ulps(g, libm::expf(l)));
                }
            }
            x += step;
        }
        assert!(worst <= 2, "worst error {worst} ulp");
    }

    #[test]
    fn exp8_edges() {
        let x = [
            f32::NEG_INFINITY,
            -1e30,
            -86.7,
            0.0,
            -0.0,
            88.8,
            f32::INFINITY,
            f32::NAN,
        ];
        let e = exp8(x);
        assert_eq!(
            &e[..7],
            &[0.0, 0.0, 0.0, 1.0, 1.0, f32::INFINITY, f32::INFINITY]
        );
        assert!(e[7].is_nan());
        assert_eq!(exp8([-60.0; 8])[0], libm::expf(-60.0));
    }
}
