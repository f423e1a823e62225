//! The size-first build: BMU search, online step and batch apply as plain per-unit loops over
//! the blocked codebook, in the reference's order of operations.
//!
//! On with the feature `small` on a bare-metal target (`target_os = "none"`), or anywhere with
//! `RUSTFLAGS="--cfg som_small"` (how the tests, Miri and the fuzzers run it on a PC). The
//! feature alone does nothing on a PC, so that `--all-features` builds keep the SIMD paths.
//!
//! The default build's loops are generic over the instruction set and unrolled by dimension
//! (fast, but 17-22 KiB of flash on a Cortex-M); these are a few hundred bytes each, with
//! at most a few dozen bytes of stack, for microcontrollers where flash and RAM count more
//! than speed. The functions have the names and arguments of the default ones (`map.rs`
//! imports this module in their place), so the public API and every test are the same. They
//! give the reference's ([`crate::reference`]) results bit for bit: the same sums in the same
//! order, `h` from [`Neighbourhood::weight`] itself.
//!
//! The SIMD level a view carries is ignored here: there is one loop.

use crate::LANES;
pub(crate) use crate::bmu::metric;
use crate::bmu::{Bmu, Distance};
use crate::grid::Grid;
use crate::layout::blocked_index;
use crate::missing::{Missing, Present};
use crate::neighbourhood::Neighbourhood;
use crate::simd::Level;

/// The `dim` rows of eight lanes holding unit `k` (in lane `k % LANES`): its block.
#[inline]
fn block(weights: &[f32], k: usize, dim: usize) -> &[[f32; LANES]] {
    let first = (k / LANES).saturating_mul(dim);
    let rows = weights.as_chunks::<LANES>().0;
    rows.get(first..first.saturating_add(dim)).unwrap_or(&[])
}

/// [`block`], for writing.
#[inline]
fn block_mut(weights: &mut [f32], k: usize, dim: usize) -> &mut [[f32; LANES]] {
    let first = (k / LANES).saturating_mul(dim);
    let rows = weights.as_chunks_mut::<LANES>().0;
    rows.get_mut(first..first.saturating_add(dim))
        .unwrap_or(&mut [])
}

/// The `dim` weights of unit `k` in a blocked codebook.
#[inline]
fn unit(weights: &[f32], k: usize, dim: usize) -> impl Iterator<Item = f32> + Clone + '_ {
    let lane = k % LANES;
    block(weights, k, dim)
        .iter()
        .map(move |row| row[lane % LANES])
}

/// The weights of unit `k`, for writing.
#[inline]
fn unit_mut(weights: &mut [f32], k: usize, dim: usize) -> impl Iterator<Item = &mut f32> {
    let lane = k % LANES;
    block_mut(weights, k, dim)
        .iter_mut()
        .map(move |row| &mut row[lane % LANES])
}

/// The distance of `x` to `w` by `kind`, the reference's own formulas
/// ([`crate::reference::distance`]), over the components present in `x` where `masked`
/// ([`crate::reference::masked::distance`]). Without the feature `distances` every map
/// searches by the Euclidean distance, and only that is compiled.
fn distance(kind: Distance, masked: bool, x: &[f32], w: impl Iterator<Item = f32> + Clone) -> f32 {
    let masked = cfg!(feature = "missing") && masked;
    let pairs = x
        .iter()
        .copied()
        .zip(w)
        .filter(move |(a, _)| !(masked && a.is_nan()));
    let kind = if cfg!(feature = "distances") {
        kind
    } else {
        Distance::Euclidean
    };
    crate::reference::of_pairs(kind, pairs)
}

/// The `N` nearest units of `x`, by distance then index, NaN as `+inf`: the reference's
/// `nearest`, over the blocked codebook ([`Bmu::NONE`] for a sample with nothing present).
fn nearest<const N: usize>(
    (distance_kind, missing): (Distance, Missing),
    weights: &[f32],
    units: usize,
    dim: usize,
    x: &[f32],
) -> [Bmu; N] {
    let masked = match Present::of(missing, x) {
        Present::All => false,
        Present::Some => true,
        Present::None => return [Bmu::NONE; N],
    };
    let mut best = [Bmu {
        unit: usize::MAX,
        dist2: f32::INFINITY,
    }; N];
    for k in 0..units {
        let d = distance(distance_kind, masked, x, unit(weights, k, dim));
        let c = Bmu {
            unit: k,
            dist2: if d.is_nan() { f32::INFINITY } else { d },
        };
        // Units come in increasing order, so only a strictly smaller distance (or a place not
        // yet taken, at +inf) moves a candidate in.
        let mut c = c;
        for b in best.iter_mut() {
            if c.dist2 < b.dist2 || (c.dist2 == b.dist2 && c.unit < b.unit) {
                core::mem::swap(b, &mut c);
            }
        }
    }
    for (i, b) in best.iter_mut().enumerate() {
        if b.unit == usize::MAX {
            b.unit = i;
        }
    }
    best
}

/// The best-matching unit of one sample (see [`crate::bmu`] for ties and NaN).
pub(crate) fn bmu(
    _: Level,
    how: (Distance, Missing),
    weights: &[f32],
    units: usize,
    dim: usize,
    x: &[f32],
) -> Bmu {
    let [b] = nearest::<1>(how, weights, units, dim, x);
    b
}

/// The best and second-best units of one sample.
pub(crate) fn bmu2(
    _: Level,
    how: (Distance, Missing),
    weights: &[f32],
    units: usize,
    dim: usize,
    x: &[f32],
) -> [Bmu; 2] {
    nearest::<2>(how, weights, units, dim, x)
}

/// Best-matching units of many samples, one search each.
pub(crate) fn bmu_many(
    level: Level,
    how: (Distance, Missing),
    weights: &[f32],
    units: usize,
    dim: usize,
    data: &[f32],
    out: &mut [Bmu],
) {
    bmu_many_with(level, how, weights, units, dim, data, out, None);
}

/// No expanded form here: nothing to bound.
pub(crate) fn expanded_bound(_: Level, _: Distance, _: &[f32], _: usize, _: usize) -> Option<f32> {
    None
}

/// [`bmu_many`] (the bound is not used).
#[allow(clippy::too_many_arguments)]
pub(crate) fn bmu_many_with(
    level: Level,
    how: (Distance, Missing),
    weights: &[f32],
    units: usize,
    dim: usize,
    data: &[f32],
    out: &mut [Bmu],
    _: Option<f32>,
) {
    for (x, o) in data.chunks_exact(dim.max(1)).zip(out) {
        *o = bmu(level, how, weights, units, dim, x);
    }
}

/// Online step: `w += (alpha h) (x - w)` for every unit with `h != 0`, `h` around `winner`;
/// where `masked`, components missing from `x` (NaN) are left alone.
#[allow(clippy::too_many_arguments)]
pub(crate) fn online(
    _: Level,
    weights: &mut [f32],
    grid: &Grid,
    dim: usize,
    x: &[f32],
    winner: usize,
    nb: &Neighbourhood,
    alpha: f32,
    masked: bool,
) {
    let masked = cfg!(feature = "missing") && masked;
    for k in 0..grid.units() {
        let h = nb.weight(grid.dist2(k, winner));
        if h == 0.0 {
            continue;
        }
        let rate = h * alpha;
        for (w, &xd) in unit_mut(weights, k, dim).zip(x) {
            if !(masked && xd.is_nan()) {
                *w += rate * (xd - *w);
            }
        }
    }
}

/// [`online`], then the best-matching unit of `next` in the updated map.
#[allow(clippy::too_many_arguments)]
pub(crate) fn online_then_bmu(
    level: Level,
    weights: &mut [f32],
    grid: &Grid,
    dim: usize,
    x: &[f32],
    winner: usize,
    nb: &Neighbourhood,
    alpha: f32,
    next: &[f32],
    distance: Distance,
) -> Bmu {
    online(level, weights, grid, dim, x, winner, nb, alpha, false);
    bmu(
        level,
        (distance, Missing::Error),
        weights,
        grid.units(),
        dim,
        next,
    )
}

/// Components of the sums gathered per pass of [`batch`]: `h` is evaluated once per pass and
/// pair of units, and the accumulators take `8 * CHUNK` bytes of stack.
const CHUNK: usize = 4;

/// Batch apply in `f64`, as [`crate::reference::apply_batch`]: `w_j = sum_i h(j,i) S_i /
/// sum_i h(j,i) N_i`; units with nothing in their neighbourhood keep their weights.
pub(crate) fn batch(
    _: Level,
    weights: &mut [f32],
    grid: &Grid,
    dim: usize,
    hits: &[u64],
    sums: &[f64],
    nb: &Neighbourhood,
) {
    let dim = dim.max(1);
    let h = |j: usize, i: usize| f64::from(nb.weight(grid.dist2(j, i)));
    let sources = || {
        hits.iter()
            .zip(sums.chunks_exact(dim))
            .enumerate()
            .filter(|(_, (n, _))| **n > 0)
    };
    for j in 0..grid.units() {
        let mut den = 0.0f64;
        for (i, (&n, _)) in sources() {
            den += h(j, i) * n as f64;
        }
        if den <= 0.0 {
            continue;
        }
        let mut d0 = 0;
        while d0 < dim {
            let mut num = [0.0f64; CHUNK];
            for (i, (_, s)) in sources() {
                let hji = h(j, i);
                for (acc, &v) in num.iter_mut().zip(s.get(d0..).unwrap_or(&[])) {
                    *acc += hji * v;
                }
            }
            let lane = j % LANES;
            let rows = block_mut(weights, j, dim).get_mut(d0..).unwrap_or(&mut []);
            for (row, acc) in rows.iter_mut().zip(num) {
                row[lane % LANES] = (acc / den) as f32;
            }
            d0 += CHUNK;
        }
    }
}

/// Batch apply per component, in `f64`, as [`crate::reference::masked::apply_batch`]:
/// `w_jd = sum_i h(j,i) S_id / sum_i h(j,i) C_id`; a component with nothing in its unit's
/// neighbourhood keeps its weight.
#[cfg(feature = "missing")]
pub(crate) fn batch_by_component(
    _: Level,
    weights: &mut [f32],
    grid: &Grid,
    dim: usize,
    counts: &[u64],
    sums: &[f64],
    nb: &Neighbourhood,
) {
    let dim = dim.max(1);
    for j in 0..grid.units() {
        for (d, w) in unit_mut(weights, j, dim).enumerate() {
            let (mut num, mut den) = (0.0f64, 0.0f64);
            for i in 0..grid.units() {
                let c = counts.get(i * dim + d).copied().unwrap_or(0);
                if c > 0 {
                    let h = f64::from(nb.weight(grid.dist2(j, i)));
                    den += h * c as f64;
                    num += h * sums.get(i * dim + d).copied().unwrap_or(0.0);
                }
            }
            if den > 0.0 {
                *w = (num / den) as f32;
            }
        }
    }
}
