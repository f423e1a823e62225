//! Many samples at once through the *expanded* form `|w|^2 - 2 x.w`, certified: the answer is
//! the exact search's, bit for bit.
//!
//! The expanded form costs one FMA per unit-dimension pair instead of a subtraction and an
//! FMA, and each loaded row of weights feeds a tile of samples. It ranks units like the
//! distance only up to a rounding error with a known bound ([`resolve`]): every unit further
//! than the bound from the best is ruled out, the units left (usually one) are measured the
//! exact way, and a sample whose candidates cannot all be named from the search's per-lane
//! state goes through the exact search. Small dimensions and non-finite codebooks go through
//! the exact search in tiles.

// Index loops over arrays of vectors, as in [`crate::pairs`].
#![allow(clippy::needless_range_loop)]

use super::Bmu;
use super::exact;
use super::metric::Metric;
use super::track::{INF, NONE, Near, mask_padding};
use super::transposed;
use crate::LANES;
use crate::math::sqrt64;
use crate::pairs::{
    Columns, Dist2, Dot, Loaded, WithNorms, by_dim, fold_rows, for_pairs, pair_units,
};
use crate::pairs::{Pair, Rows};
use crate::simd::{Isa, Lanes};

/// Below this dimension the expanded form saves less than its bookkeeping costs.
pub(crate) const MIN_DIM: usize = 8;

/// Best-matching units of the samples of `data` into `out`, in register tiles of
/// [`Isa::TILE`] samples (eight with AVX-512's 32 registers: enough independent chains to hide
/// the FMA latency). `largest` is the codebook's [`largest_norm2`] (`None`: exact search only;
/// only the Euclidean distance has the expanded form).
#[inline(always)]
pub(crate) fn many<I: Isa, M: Metric>(
    isa: I,
    weights: &[f32],
    units: usize,
    dim: usize,
    data: &[f32],
    out: &mut [Bmu],
    largest: Option<f32>,
) {
    match I::TILE {
        8 => many_with::<I, M, 8>(isa, weights, units, dim, data, out, largest),
        4 => many_with::<I, M, 4>(isa, weights, units, dim, data, out, largest),
        _ => many_with::<I, M, 2>(isa, weights, units, dim, data, out, largest),
    }
}

#[inline(always)]
fn many_with<I: Isa, M: Metric, const N: usize>(
    isa: I,
    weights: &[f32],
    units: usize,
    dim: usize,
    data: &[f32],
    out: &mut [Bmu],
    largest: Option<f32>,
) {
    if dim == 0 {
        return;
    }
    if let Some(w2) = largest
        && M::EXPANDED
        && transposed::fits::<I>(dim)
    {
        return transposed::many(isa, weights, units, dim, data, out, w2);
    }
    let mut tiles = data.chunks_exact(dim.saturating_mul(N).max(1));
    let mut outs = out.chunks_exact_mut(N);
    for (tile, o) in tiles.by_ref().zip(outs.by_ref()) {
        let mut samples = tile.chunks_exact(dim.max(1));
        let x: [&[f32]; N] = core::array::from_fn(|_| samples.next().unwrap_or_default());
        match largest {
            Some(w2) if M::EXPANDED => expanded_tile(isa, weights, units, dim, x, w2, o),
            _ => by_dim(
                dim,
                #[inline(always)]
                |dim| exact::tile::<I, M, N>(isa, weights, units, dim, x, o),
            ),
        }
    }
    for (x, slot) in tiles
        .remainder()
        .chunks_exact(dim.max(1))
        .zip(outs.into_remainder())
    {
        *slot = exact::one::<I, M>(isa, weights, units, dim, x);
    }
}

/// The largest `|w|^2` over the real units, or `None` if any is not finite (then only the
/// exact search is safe).
#[inline(always)]
pub(crate) fn largest_norm2<I: Isa>(
    isa: I,
    weights: &[f32],
    units: usize,
    dim: usize,
) -> Option<f32> {
    let mut largest = isa.zero();
    // `n - n` is 0 for a finite norm, NaN otherwise: one NaN lane marks the codebook.
    let mut poison = isa.zero();
    // Two pairs at a time: independent chains.
    for_pairs::<I, 2>(
        weights,
        dim,
        #[inline(always)]
        |b, pairs| {
            let mut rows = WithNorms {
                rows: Loaded::new(isa, pairs),
                norm: [isa.zero(); 2],
            };
            for d in 0..dim {
                rows.row(d);
            }
            for p in 0..2 {
                let real = pair_units(isa, b + I::BLOCKS * p).lt(isa.splat(units as f32));
                let n = I::V::select(real, rows.norm[p], isa.zero());
                largest = largest.max(n);
                #[allow(clippy::eq_op)] // Deliberate: 0 or NaN.
                let nan_unless_finite = n - n;
                poison = poison + nan_unless_finite;
            }
        },
    );
    let finite = poison.to_array().iter().all(|&p| p == 0.0);
    let largest = largest.to_array().into_iter().reduce(f32::max)?;
    finite.then_some(largest)
}

/// A tile of samples through the expanded form, each certified or searched exactly.
#[inline(always)]
fn expanded_tile<I: Isa, const N: usize>(
    isa: I,
    weights: &[f32],
    units: usize,
    dim: usize,
    x: [&[f32]; N],
    largest: f32,
    out: &mut [Bmu],
) {
    let mut near = [Near::new(isa); N];
    let xs = Columns::new(isa, x);
    for_pairs::<I, 1>(
        weights,
        dim,
        #[inline(always)]
        |b, pairs| {
            let expanded = expanded(isa, dim, pairs, &xs);
            let unit = pair_units(isa, b);
            for s in 0..N {
                let a = expanded[s];
                near[s].offer(mask_padding(isa, a, unit, b, units), unit);
            }
        },
    );
    for (s, slot) in out.iter_mut().enumerate().take(N) {
        *slot = match resolve(isa, weights, dim, x[s], near[s], largest) {
            Some(found) => found,
            None => exact::one::<I, Dist2>(isa, weights, units, dim, x[s]),
        };
    }
}

/// The expanded form `|w|^2 - 2 x.w` of the units of one pair for each of `N` samples: each
/// row loaded once, its square and its products with the samples summed from dimension 0.
#[inline(always)]
pub(super) fn expanded<I: Isa, const N: usize>(
    isa: I,
    dim: usize,
    pairs: [Pair<'_>; 1],
    xs: &Columns<'_, I, N>,
) -> [I::V; N] {
    let mut rows = WithNorms {
        rows: Loaded::new(isa, pairs),
        norm: [isa.zero()],
    };
    let mut dot = [[isa.zero()]; N];
    fold_rows::<I, Dot, 1, N>(dim, &mut rows, xs, &mut dot);
    dot.map(|d| d[0].mul_add(isa.splat(-2.0), rows.norm[0]))
}

/// The largest expanded value a unit can have and still be the nearest (see [`resolve`]),
/// given the smallest `v1` and the sample's `|x|^2` (`x2`, any summation order: `f64` makes
/// it exact to far below `f32`'s rounding), or `None` if either is not finite.
#[inline(always)]
pub(super) fn limit(dim: usize, v1: f32, x2: f64, largest: f32) -> Option<f64> {
    if !v1.is_finite() {
        return None;
    }
    let w2 = f64::from(largest);
    let g = (dim as f64 + 2.0) * f64::from(f32::EPSILON);
    let err = g * (w2 + 2.0 * sqrt64(x2 * w2));
    // The true squared distance of the unit at v1, bounded from above.
    let d1 = (f64::from(v1) + x2 + err).max(0.0);
    let limit = f64::from(v1) + 2.0 * err + 2.0 * g * d1;
    limit.is_finite().then_some(limit)
}

/// The exact search's answer from the expanded search, when rounding leaves few enough
/// candidates; `None` otherwise (then the caller searches exactly).
///
/// Rounding, with `m = dim` and `g = (m + 2) 2^-23`: a dot product or norm summed by an FMA
/// chain is off by at most `gamma_m` times its sum of `|terms|`, and the final FMA adds one
/// rounding, so a unit's expanded value is within `err = g (|w|^2 + 2 |x| |w|)` of
/// `|w|^2 - 2 x.w`, which `|w|^2 <= largest` bounds for every unit (`g` is twice that
/// `gamma`, for levels whose `mul_add` rounds twice). The exact search's distances are
/// within `g d` of the true ones (sums of squares). So a unit whose expanded value exceeds
/// the smallest `v1` by more than `margin` (both errors, twice) is farther than the unit at
/// `v1` in the exact search too: only units within `v1 + margin` are candidates. Each lane
/// knows the unit of its smallest value only; if a lane's second-smallest is a candidate, the
/// candidates are not all known. Otherwise the known ones are measured exactly as
/// [`exact::one`] measures them, and the nearest wins (ties to the lowest unit).
#[inline(always)]
fn resolve<I: Isa>(
    isa: I,
    weights: &[f32],
    dim: usize,
    x: &[f32],
    near: Near<I::V>,
    largest: f32,
) -> Option<Bmu> {
    let (first, second) = (near.first.to_array(), near.second.to_array());
    let v1 = first.iter().copied().fold(INF, f32::min);
    let x2: f64 = x.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    let limit = limit(dim, v1, x2, largest)?;
    let candidate = |v: f32| f64::from(v) <= limit;
    if second.into_iter().any(candidate) {
        return None;
    }
    let blocks = weights.as_chunks::<LANES>().0;
    let mut best: Option<Bmu> = None;
    for (v, unit) in first.into_iter().zip(near.unit.to_array()) {
        if unit == NONE || !candidate(v) {
            continue;
        }
        let unit = unit as usize;
        let block = blocks.get(unit / LANES * dim..(unit / LANES + 1) * dim)?;
        // The block paired with itself: lanes 0..8 summed exactly as the search sums them.
        let mut acc = [[isa.zero()]; 1];
        let mut rows = Loaded::new(isa, [(block, block)]);
        fold_rows::<I, Dist2, 1, 1>(dim, &mut rows, &Columns::new(isa, [x]), &mut acc);
        let dist2 = *acc[0][0].to_array().get(unit % LANES)?;
        let nearer = best.is_none_or(|b| (dist2, unit) < (b.dist2, b.unit));
        if nearer {
            best = Some(Bmu { unit, dist2 });
        }
    }
    // An overflowing distance would need the exact search's "no finite distance" rule.
    best.filter(|b| b.dist2.is_finite())
}
