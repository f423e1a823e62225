//! The exact search: `sum_d (x_d - w_d)^2` summed from dimension 0 in one chain per lane, the
//! order every other path reproduces.

// Index loops over arrays of vectors, as in [`crate::pairs`].
#![allow(clippy::needless_range_loop)]

use super::Bmu;
use super::metric::Metric;
use super::track::{Best, Best2, Tracker};
use crate::pairs::{Columns, Loaded, by_dim, for_pairs};
use crate::simd::Isa;

/// The best-matching unit of one sample: four pairs at a time with 32 registers, two
/// elsewhere (independent chains).
#[inline(always)]
pub(crate) fn one<I: Isa, M: Metric>(
    isa: I,
    weights: &[f32],
    units: usize,
    dim: usize,
    x: &[f32],
) -> Bmu {
    if I::MANY_REGISTERS {
        by_dim(
            dim,
            #[inline(always)]
            |dim| search::<I, M, Best<I::V>, 4>(isa, weights, units, dim, x),
        )
    } else {
        by_dim(
            dim,
            #[inline(always)]
            |dim| search::<I, M, Best<I::V>, 2>(isa, weights, units, dim, x),
        )
    }
}

/// The best and second-best units of one sample.
#[inline(always)]
pub(crate) fn two<I: Isa, M: Metric>(
    isa: I,
    weights: &[f32],
    units: usize,
    dim: usize,
    x: &[f32],
) -> [Bmu; 2] {
    // One pair at a time: the end's reduction of four trackers' lanes into two candidates
    // costs more than the chains save (measured: 600x3 at 2.5 instead of 6.3 G pairs/s), and
    // the out-of-order core overlaps successive pairs' chains anyway.
    search::<I, M, Best2<I::V>, 1>(isa, weights, units, dim, x)
}

/// One sample's search, `P` pairs at a time, a tracker `T` per pair.
#[inline(always)]
fn search<I: Isa, M: Metric, T: Tracker<I::V>, const P: usize>(
    isa: I,
    weights: &[f32],
    units: usize,
    dim: usize,
    x: &[f32],
) -> T::Found {
    let mut best = [T::new(isa); P];
    let xs = Columns::new(isa, [x]);
    let of = [M::of_sample(x)];
    for_pairs::<I, P>(
        weights,
        dim,
        #[inline(always)]
        |b, pairs| {
            let acc = M::measure(isa, dim, &mut Loaded::new(isa, pairs), &xs, of);
            for p in 0..P {
                best[p].offer_pair(isa, acc[0][p], b + I::BLOCKS * p, units);
            }
        },
    );
    T::reduce(&best)
}

/// The exact search for a tile of `N` samples, one pair at a time: each loaded row feeds `N`
/// chains.
#[inline(always)]
pub(crate) fn tile<I: Isa, M: Metric, const N: usize>(
    isa: I,
    weights: &[f32],
    units: usize,
    dim: usize,
    x: [&[f32]; N],
    out: &mut [Bmu],
) {
    let mut best = [Best::new(isa); N];
    let xs = Columns::new(isa, x);
    let of = x.map(M::of_sample);
    for_pairs::<I, 1>(
        weights,
        dim,
        #[inline(always)]
        |b, pairs| {
            let acc = M::measure(isa, dim, &mut Loaded::new(isa, pairs), &xs, of);
            for s in 0..N {
                best[s].offer_pair(isa, acc[s][0], b, units);
            }
        },
    );
    for (slot, t) in out.iter_mut().zip(best) {
        *slot = Best::reduce(&[t]);
    }
}
