//! Exact sums of batch statistics, so that combining them does not depend on their order or
//! grouping: the same map from one process, any thread count or any number of MPI ranks.
//!
//! A shard's sums are `f64` sums of `f32` samples, hence whole multiples of `2^-149` (the
//! smallest `f32`) below `2^192` (`2^64` samples of at most `2^128`). [`Wide`] holds such a
//! value exactly as a 384-bit two's complement integer in units of `2^-149`; integers add
//! exactly in any order, and the total is rounded to `f64` once, to nearest.

/// 64-bit limbs of a [`Wide`]: 384 bits, `2^-149` to `2^234` with the sign.
const LIMBS: usize = 6;
/// The value of the lowest bit is `2^-LOW`.
const LOW: i32 = 149;
/// Bits per digit when a [`Wide`] travels as [`DIGITS`] signed `i64` digits, so that up to
/// `2^31` of them add in an `i64` without overflow (what an MPI sum of `i64` can do).
const DIGIT_BITS: u32 = 32;
/// `i64` digits per [`Wide`].
pub(crate) const DIGITS: usize = LIMBS * 64 / DIGIT_BITS as usize;

/// An exact sum of `f64` values that are multiples of `2^-149` (any sum of `f32` values):
/// order-independent. Bits of a value below `2^-149` are dropped (toward zero), which never
/// happens for sums of `f32`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Wide([u64; LIMBS]);

impl Wide {
    /// Adds `m * 2^shift` (negated when `negative`) to the integer, modulo `2^384`.
    fn add_shifted(&mut self, negative: bool, m: u64, shift: u32) {
        let (limb, offset) = ((shift / 64) as usize, shift % 64);
        if m == 0 || limb >= LIMBS {
            return;
        }
        let wide = u128::from(m) << offset;
        let parts = [wide as u64, (wide >> 64) as u64];
        let step = |a: u64, b: u64| {
            if negative {
                a.overflowing_sub(b)
            } else {
                a.overflowing_add(b)
            }
        };
        // The two parts, then the carry (or borrow) through the limbs above while there is one.
        let mut carry = false;
        for (i, l) in self.0.iter_mut().enumerate().skip(limb) {
            let (a, c1) = step(*l, parts.get(i - limb).copied().unwrap_or(0));
            let (a, c2) = step(a, u64::from(carry));
            *l = a;
            carry = c1 || c2;
            if !carry && i > limb {
                break;
            }
        }
    }

    /// Adds `v` exactly (see the type's note on bits below `2^-149`).
    pub(crate) fn add(&mut self, v: f64) {
        if v == 0.0 || !v.is_finite() {
            return;
        }
        let bits = v.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i32;
        let frac = bits & ((1 << 52) - 1);
        // v = m * 2^(e - 1075) with the implicit bit for normal numbers.
        let (m, e) = if exp == 0 {
            (frac, 1)
        } else {
            (frac | (1 << 52), exp)
        };
        let shift = e - 1075 + LOW;
        let negative = bits >> 63 == 1;
        if shift >= 0 {
            self.add_shifted(negative, m, shift as u32);
        } else if shift > -64 {
            self.add_shifted(negative, m >> -shift, 0);
        }
    }

    /// The sum rounded to the nearest `f64` (ties to even).
    pub(crate) fn to_f64(self) -> f64 {
        let negative = self.0[LIMBS - 1] >> 63 == 1;
        let mut mag = self.0;
        if negative {
            // Two's complement negation: invert and add one.
            let mut carry = true;
            for l in &mut mag {
                let (a, c) = (!*l).overflowing_add(u64::from(carry));
                *l = a;
                carry = c;
            }
        }
        let Some(top) = (0..LIMBS).rev().find(|&i| mag[i] != 0) else {
            return 0.0;
        };
        let high = top as u32 * 64 + 63 - mag[top].leading_zeros();
        // The 64 bits from `high` down, the lowest set when anything below is not zero (so
        // the one rounding of u64 -> f64 sees the rest), then scaled by a power of two.
        let low = high.saturating_sub(63);
        let mut m = bits_from(&mag, low);
        if (0..low).any(|b| mag[(b / 64) as usize] >> (b % 64) & 1 == 1) {
            m |= 1;
        }
        let v = m as f64 * pow2(low as i32 - LOW);
        if negative { -v } else { v }
    }

    /// The integer as [`DIGITS`] signed digits of 32 bits, lowest first (the top one carries
    /// the sign): digits of many values add up in `i64` without overflow.
    pub(crate) fn to_digits(self, out: &mut [i64]) {
        for (i, d) in out.iter_mut().enumerate().take(DIGITS) {
            let limb = self.0[i / 2];
            let half = (limb >> (32 * (i % 2) as u32)) as u32;
            *d = if i + 1 == DIGITS {
                i64::from(half as i32)
            } else {
                i64::from(half)
            };
        }
    }

    /// The integer whose [`Wide::to_digits`] digits, possibly summed over many values, are
    /// `digits`.
    pub(crate) fn from_digits(digits: &[i64]) -> Self {
        let mut w = Wide::default();
        for (i, &d) in digits.iter().enumerate().take(DIGITS) {
            w.add_shifted(d < 0, d.unsigned_abs(), i as u32 * DIGIT_BITS);
        }
        w
    }
}

impl std::ops::AddAssign for Wide {
    /// Adds another exact sum.
    fn add_assign(&mut self, other: Wide) {
        let mut carry = false;
        for (a, b) in self.0.iter_mut().zip(other.0) {
            let (s, c1) = a.overflowing_add(b);
            let (s, c2) = s.overflowing_add(u64::from(carry));
            *a = s;
            carry = c1 || c2;
        }
    }
}

/// The 64 bits of `mag` from bit `low` up.
fn bits_from(mag: &[u64; LIMBS], low: u32) -> u64 {
    let (limb, offset) = ((low / 64) as usize, low % 64);
    let lo = mag[limb] >> offset;
    let hi = match (offset, mag.get(limb + 1)) {
        (0, _) | (_, None) => 0,
        (_, Some(&next)) => next << (64 - offset),
    };
    lo | hi
}

/// `2^k` for `k` in the normal range of `f64` (all a [`Wide`] needs: -149 to 234).
fn pow2(k: i32) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sum(values: &[f64]) -> f64 {
        let mut w = Wide::default();
        values.iter().for_each(|&v| w.add(v));
        w.to_f64()
    }

    #[test]
    fn small_sums_are_exact_and_signed() {
        assert_eq!(sum(&[]), 0.0);
        assert_eq!(sum(&[1.5, -0.25, 3.0]), 4.25);
        assert_eq!(sum(&[-1.0, -2.0]), -3.0);
        assert_eq!(sum(&[f64::from(f32::MAX), 2.0, -f64::from(f32::MAX)]), 2.0);
        let tiny = f64::from(f32::from_bits(1));
        assert_eq!(sum(&[tiny, tiny, -tiny]), tiny);
    }

    #[test]
    fn rounds_once_to_nearest_even() {
        // 2^53 + 1 is a tie between 2^53 and 2^53 + 2: even wins; anything more goes up.
        let big = 2f64.powi(53);
        assert_eq!(sum(&[big, 1.0]), big);
        assert_eq!(sum(&[big, 1.0, 2f64.powi(-100)]), big + 2.0);
        assert_eq!(sum(&[big, 3.0]), big + 4.0);
        // A sequential f64 sum loses the small terms; the exact one keeps them.
        let values = [1.0, 2f64.powi(-60), 2f64.powi(-60), -1.0];
        assert_eq!(sum(&values), 2f64.powi(-59));
        assert_eq!(values.iter().sum::<f64>(), 0.0);
    }

    proptest! {
        /// Any order and any grouping give the same bits, and the digits round-trip.
        #[test]
        fn order_and_grouping_do_not_matter(
            values in prop::collection::vec(any::<f32>().prop_filter("finite", |v| v.is_finite()), 1..40),
            cut in 0usize..40,
        ) {
            let values: Vec<f64> = values.iter().map(|&v| f64::from(v) * 3.0).collect();
            let forward = sum(&values);
            let mut reversed = values.clone();
            reversed.reverse();
            prop_assert_eq!(forward.to_bits(), sum(&reversed).to_bits());
            let cut = cut.min(values.len());
            let (mut a, mut b) = (Wide::default(), Wide::default());
            values[..cut].iter().for_each(|&v| a.add(v));
            values[cut..].iter().for_each(|&v| b.add(v));
            let (mut da, mut db) = ([0i64; DIGITS], [0i64; DIGITS]);
            a.to_digits(&mut da);
            b.to_digits(&mut db);
            let summed: Vec<i64> = da.iter().zip(&db).map(|(x, y)| x + y).collect();
            prop_assert_eq!(Wide::from_digits(&summed).to_f64().to_bits(), forward.to_bits());
            a += b;
            prop_assert_eq!(a.to_f64().to_bits(), forward.to_bits());
        }

        /// Against an exact reference: integers times a power of two, summed in i128.
        #[test]
        fn matches_exact_integer_sums(
            ints in prop::collection::vec(-(1i64 << 40)..(1i64 << 40), 1..30),
            scale in -140i32..60,
        ) {
            let exact: i128 = ints.iter().map(|&i| i128::from(i)).sum();
            let values: Vec<f64> = ints.iter().map(|&i| i as f64 * 2f64.powi(scale)).collect();
            prop_assert_eq!(sum(&values), exact as f64 * 2f64.powi(scale));
        }
    }
}
