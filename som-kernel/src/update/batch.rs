//! The batch apply: each unit becomes the `h`-weighted mean of the samples, from per-unit hit
//! counts and sums ([`crate::BatchStats`]).

use super::field::{Field, separable_factor};
use crate::LANES;
use crate::grid::{Boundary, Grid, Topology};
use crate::math::lane_index;
use crate::neighbourhood::{Neighbourhood, Shape};
use crate::pairs::{Block, for_pairs_mut};
use crate::simd::{Isa, Lanes, Level, dispatch};

/// Batch apply: each unit becomes the `h`-weighted mean of the samples, from per-unit hit
/// counts and sums: `w_j = sum_i h(j,i) S_i / sum_i h(j,i) N_i`. Units whose neighbourhood
/// holds no sample keep their weights. `h` must be non-negative.
///
/// A Gaussian on a rectangular lattice takes the separable path ([`batch_separable`]),
/// `O(units (rows + cols) dim)`, in `f64` (the same bits at every level); everything else the
/// general one, `O(units^2 dim)`, at `level`.
pub(crate) fn batch(
    level: Level,
    weights: &mut [f32],
    grid: &Grid,
    dim: usize,
    (hits, sums): (&[u64], &[f64]),
    nb: &Neighbourhood,
) {
    let (rows, cols) = (grid.rows(), grid.cols());
    let done = if rows.max(cols) <= SMALL_SIDE {
        batch_separable::<SMALL_SIDE, { 2 * SMALL_SIDE }, 4>(
            weights, grid, dim, hits, sums, nb, true,
        )
    } else {
        batch_separable::<LARGE_SIDE, { 2 * LARGE_SIDE }, 8>(
            weights, grid, dim, hits, sums, nb, true,
        )
    };
    if !done {
        dispatch!(level, isa => batch_general(isa, (weights, grid, dim), (hits, sums), nb));
    }
}

/// The general batch apply: every pair of blocks against every unit with hits, `h` from the
/// lattice distance. Any shape and lattice.
#[inline(always)]
fn batch_general<I: Isa>(
    isa: I,
    (weights, grid, dim): (&mut [f32], &Grid, usize),
    (hits, sums): (&[u64], &[f64]),
    nb: &Neighbourhood,
) {
    let field = Field::new(grid, nb);
    let sources = || {
        hits.iter()
            .zip(sums.chunks_exact(dim.max(1)))
            .enumerate()
            .filter(|(_, (n, _))| **n > 0)
    };
    let zero = isa.zero();
    for_pairs_mut::<I>(
        weights,
        dim,
        #[inline(always)]
        |b, lo, mut hi| {
            let two = hi.is_some();
            let mut den = zero;
            for (i, (&n, _)) in sources() {
                if let Some(h) = pair_h(isa, &field, b, two, grid.coords(i)) {
                    den = h.mul_add(isa.splat(n as f32), den);
                }
            }
            let fed = zero.lt(den);
            if !den.to_array().iter().any(|&d| d > 0.0) {
                return;
            }
            // Lanes with samples accumulate from 0; the others keep their weights (their h is 0).
            each_row(isa, lo, hi.as_deref_mut(), |_, w| {
                <I::V as Lanes>::select(fed, zero, w)
            });
            for (i, (_, sum)) in sources() {
                let Some(h) = pair_h(isa, &field, b, two, grid.coords(i)) else {
                    continue;
                };
                let live = zero.lt(h);
                each_row(isa, lo, hi.as_deref_mut(), |d, w| {
                    let s = sum.get(d).copied().unwrap_or(0.0) as f32;
                    let acc = h.mul_add(isa.splat(s), w);
                    // A sum beyond f32 is infinite and 0 * inf is NaN: lanes with h = 0 (among
                    // them units nothing feeds, which keep their weights) must not see it.
                    if s.is_finite() {
                        acc
                    } else {
                        <I::V as Lanes>::select(live, acc, w)
                    }
                });
            }
            each_row(isa, lo, hi, |_, w| {
                <I::V as Lanes>::select(fed, w.div(den), w)
            });
        },
    );
}

/// `h` of the units of the pair whose first block is `b` (`two`: it has a second block)
/// around `center`, as one vector; `None` where every lane is 0.
#[inline(always)]
fn pair_h<I: Isa>(
    isa: I,
    field: &Field<'_>,
    b: usize,
    two: bool,
    center: (f32, f32),
) -> Option<I::V> {
    let h0 = field.block(b, center);
    let h1 = if two { field.block(b + 1, center) } else { h0 };
    if h0.is_none() && h1.is_none() {
        return None;
    }
    Some(isa.load(&h0.unwrap_or_default(), &h1.unwrap_or_default()))
}

/// Each row `d` of a pair (`hi`: its second block, if any) replaced by `f(d, row)`.
#[inline(always)]
fn each_row<I: Isa>(
    isa: I,
    lo: &mut Block,
    hi: Option<&mut Block>,
    mut f: impl FnMut(usize, I::V) -> I::V,
) {
    match hi {
        Some(hi) => {
            for (d, (l, h)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                f(d, isa.load(l, h)).store(l, h);
            }
        }
        None => {
            for (d, l) in lo.iter_mut().enumerate() {
                f(d, isa.load(l, l)).store_lo(l);
            }
        }
    }
}

/// Batch apply with a count per component (missing values, [`crate::Missing::Mask`]):
/// `w_jd = sum_i h(j,i) S_id / sum_i h(j,i) C_id`; a component with no count in its unit's
/// neighbourhood keeps its weight. Every pair of blocks against every unit with counts,
/// [`BY_COMPONENT`] dimensions at a time (the general path's cost, `h` made once per group),
/// at `level`.
#[cfg(feature = "missing")]
pub(crate) fn batch_by_component(
    level: Level,
    weights: &mut [f32],
    grid: &Grid,
    dim: usize,
    (counts, sums): (&[u64], &[f64]),
    nb: &Neighbourhood,
) {
    dispatch!(level, isa => by_component(isa, (weights, grid, dim), (counts, sums), nb));
}

/// [`batch_by_component`] at one instruction set.
#[cfg(feature = "missing")]
#[inline(always)]
fn by_component<I: Isa>(
    isa: I,
    (weights, grid, dim): (&mut [f32], &Grid, usize),
    (counts, sums): (&[u64], &[f64]),
    nb: &Neighbourhood,
) {
    let field = Field::new(grid, nb);
    let dim = dim.max(1);
    let zero = isa.zero();
    for_pairs_mut::<I>(
        weights,
        dim,
        #[inline(always)]
        |b, lo, mut hi| {
            let two = hi.is_some();
            for d0 in (0..dim).step_by(BY_COMPONENT) {
                let width = (dim - d0).min(BY_COMPONENT);
                let mut num = [zero; BY_COMPONENT];
                let mut den = [zero; BY_COMPONENT];
                let units = counts.chunks_exact(dim).zip(sums.chunks_exact(dim));
                for (i, (c, s)) in units.enumerate() {
                    let (Some(c), Some(s)) = (c.get(d0..d0 + width), s.get(d0..d0 + width)) else {
                        continue;
                    };
                    if c.iter().all(|&c| c == 0) {
                        continue;
                    }
                    let Some(h) = pair_h(isa, &field, b, two, grid.coords(i)) else {
                        continue;
                    };
                    let live = zero.lt(h);
                    let lanes = num.iter_mut().zip(den.iter_mut()).zip(c.iter().zip(s));
                    for ((num, den), (&c, &s)) in lanes {
                        if c == 0 {
                            continue;
                        }
                        *den = h.mul_add(isa.splat(c as f32), *den);
                        let acc = h.mul_add(isa.splat(s as f32), *num);
                        // As in the general path: 0 * inf must not reach lanes with h = 0.
                        *num = if (s as f32).is_finite() {
                            acc
                        } else {
                            <I::V as Lanes>::select(live, acc, *num)
                        };
                    }
                }
                let group = d0..d0 + width;
                let (Some(lo), hi) = (
                    lo.get_mut(group.clone()),
                    hi.as_deref_mut().and_then(|h| h.get_mut(group)),
                ) else {
                    continue;
                };
                each_row(isa, lo, hi, |k, w| {
                    let (num, den) = (num[k % BY_COMPONENT], den[k % BY_COMPONENT]);
                    <I::V as Lanes>::select(zero.lt(den), num.div(den), w)
                });
            }
        },
    );
}

/// Dimensions a block of [`batch_by_component`] works on at once.
#[cfg(feature = "missing")]
const BY_COMPONENT: usize = 8;

/// Longest side (rows or columns) of a map whose separable batch apply uses the small stack
/// frame (32 sides x 4 dimensions per pass: about 4 KiB of buffers), and of any map that uses
/// the separable batch apply at all (128 x 8: about 25 KiB). Maps with a longer side take the
/// general path. The frame is that of the instance called, so small (embedded) maps never
/// pay for the large one (the 8x8 firmware's peak stack on a Cortex-M0 is unchanged).
const SMALL_SIDE: usize = 32;
/// See [`SMALL_SIDE`].
const LARGE_SIDE: usize = 128;

/// Factors `g(delta)` of one axis of length `n <= SIDE`, for `delta = -(n-1) ..= n-1` at index
/// `delta + n - 1`; 0 below `min` (such a factor cannot make `h = g_r g_c >= min`).
fn batch_factors<const TWICE: usize>(n: usize, torus: bool, scale: f32, min: f32) -> [f32; TWICE] {
    let mut table = [0.0f32; TWICE];
    let len = (2 * n).saturating_sub(1).min(TWICE);
    let first = -((n as f32) - 1.0);
    for (i, chunk) in table.chunks_mut(LANES).enumerate() {
        let coord = lane_index(first + (i * LANES) as f32);
        let g = separable_factor(torus, coord, 0.0, n as f32, scale);
        let real = len.saturating_sub(i * LANES);
        for (t, v) in chunk.iter_mut().zip(g).take(real) {
            *t = if v >= min { v } else { 0.0 };
        }
    }
    table
}

/// The column offsets of an input row (row factor `a`) whose pairs the convolutions count (the
/// column factor is non-zero too) but the threshold drops (`h = a g_c < min`), with their `h`,
/// into `out`; returns how many. Offsets as in the factor tables (`delta + cols - 1`).
#[inline(always)]
fn dropped_offsets<const TWICE: usize>(
    col_g: &[f32],
    cols: usize,
    a: f32,
    min: f32,
    out: &mut [(usize, f64); TWICE],
) -> usize {
    let mut len = 0;
    for (delta, &b) in col_g.iter().enumerate().take((2 * cols).saturating_sub(1)) {
        if b != 0.0
            && a * b < min
            && let Some(slot) = out.get_mut(len)
        {
            *slot = (delta, f64::from(a) * f64::from(b));
            len += 1;
        }
    }
    len
}

/// Whether the separable apply beats the general one, from a cost model over the pair counts
/// of the factor tables (`near`: pairs counted, `far`: counted by the convolutions and
/// subtracted again) and the fraction of units with hits. Separable: the two passes,
/// `units (rows + cols) dim`, plus one visit per subtracted pair and pass of `dims`. General:
/// every block of eight against every unit with hits, dearer (an exp and `dim / 8` FMAs) inside
/// the support. Nanoseconds measured on x86_64 (AVX2) at 30x30x64, 40x40x64, 50x50x32, 24x25x3;
/// the separable path must win by 30% to be taken. The choice moves time, not results (beyond
/// rounding).
fn separable_pays(
    row_g: &[f32],
    col_g: &[f32],
    (rows, cols, dim, dims): (usize, usize, usize, usize),
    min: f32,
    hits: &[u64],
) -> bool {
    fn axis(t: &[f32], n: usize) -> impl Iterator<Item = (f32, f64)> + '_ {
        t.iter()
            .take((2 * n).saturating_sub(1))
            .enumerate()
            // Offset delta = i - (n - 1) occurs n - |delta| times along the axis.
            .map(move |(i, &g)| (g, n.saturating_sub(i.abs_diff(n - 1)) as f64))
            .filter(|(g, _)| *g != 0.0)
    }
    let (mut near, mut far) = (0.0f64, 0.0f64);
    for (a, mr) in axis(row_g, rows) {
        for (b, mc) in axis(col_g, cols) {
            if a * b >= min {
                near += mr * mc;
            } else {
                far += mr * mc;
            }
        }
    }
    let units = (rows * cols) as f64;
    let fed = hits.iter().filter(|&&n| n > 0).count() as f64 / units.max(1.0);
    let d = dim as f64;
    let separable = 1.1 * units * (rows + cols) as f64 * d
        + 20.0 * far * fed * dim.div_ceil(dims.max(1)) as f64;
    let general = near * fed / 8.0 * (60.0 + 4.0 * d) + units * units / 8.0 * fed * 30.0;
    separable < 0.7 * general
}

/// The window of a factor table for output position `p` of an axis of length `n`: entry `q`
/// is `g(q - p)`, for every input position `q` of the axis.
#[inline(always)]
fn window(table: &[f32], n: usize, p: usize) -> &[f32] {
    let start = n.saturating_sub(1).saturating_sub(p);
    table.get(start..start + n).unwrap_or(&[])
}

/// Separable batch apply for the Gaussian on a rectangular lattice (planar or toroidal), with
/// `h(j,i) = g(row_j - row_i) g(col_j - col_i)`: numerator and denominator are 2-D
/// convolutions. Per output row, a pass over the rows folds the sums of every column into a
/// `SIDE x BATCH_DIMS` stack buffer, then a pass over the columns gives the output row, for
/// `BATCH_DIMS` dimensions at a time; `O(units (rows + cols) dim)` instead of
/// `O(units^2 dim)`. Sums in `f64`.
///
/// Same semantics as [`batch_general`]: a pair counts when both factors are non-zero and
/// `h = g_r g_c >= threshold` (the online tables' rule). The convolutions take every pair
/// with both factors non-zero; the pairs among them with `h` below the threshold (only when
/// the cut-off, or the 2^-60 flush, is inside the map) are subtracted again, one by one.
/// Units with no counted pair keep their weights; that test counts pairs exactly, in integers.
///
/// Returns `false` (and changes nothing) when it does not apply: another shape, a hexagonal
/// lattice, a side longer than `SIDE`, or a non-finite sum (left to the general path, which
/// defines what they do).
#[inline(never)]
fn batch_separable<const SIDE: usize, const TWICE: usize, const DIMS: usize>(
    weights: &mut [f32],
    grid: &Grid,
    dim: usize,
    hits: &[u64],
    sums: &[f64],
    nb: &Neighbourhood,
    choose: bool,
) -> bool {
    let (rows, cols) = (grid.rows(), grid.cols());
    if nb.shape() != Shape::Gaussian
        || grid.topology() != Topology::Rectangular
        || rows.max(cols) > SIDE
        || 2 * SIDE > TWICE
        || dim == 0
        || hits.len() != rows * cols
        || sums.len() != rows * cols * dim
        || weights.len() < (rows * cols).div_ceil(LANES) * LANES * dim
        || sums.iter().any(|s| !s.is_finite())
    {
        return false;
    }
    let min = nb.threshold();
    let torus = grid.boundary() == Boundary::Toroidal;
    let scale = -1.0 / (2.0 * nb.sigma() * nb.sigma());
    let row_g: [f32; TWICE] = batch_factors(rows, torus, scale, min);
    let col_g: [f32; TWICE] = batch_factors(cols, torus, scale, min);
    // Whether some pair has both factors non-zero and h below the threshold: then those pairs
    // are subtracted. Not when the neighbourhood covers the whole map (large sigma).
    let smallest = |t: &[f32]| {
        t.iter()
            .filter(|g| **g != 0.0)
            .fold(1.0f32, |a, &g| a.min(g))
    };
    let any_far = smallest(&row_g) * smallest(&col_g) < min;
    if choose && !separable_pays(&row_g, &col_g, (rows, cols, dim, DIMS), min, hits) {
        return false;
    }
    let hits_of_row = |r: usize| hits.get(r * cols..(r + 1) * cols).unwrap_or(&[]);

    for d0 in (0..dim).step_by(DIMS) {
        let dims = (dim - d0).min(DIMS);
        // The chunk of the sums of unit `k`, zero-padded to `DIMS`.
        let chunk = |k: usize| {
            let at = k * dim + d0;
            let mut v = [0.0f64; DIMS];
            if let Some(s) = sums.get(at..at + dims) {
                v.iter_mut().zip(s).for_each(|(v, &s)| *v = s);
            }
            v
        };
        for r in 0..rows {
            let row_factors = window(&row_g, rows, r);
            // Rows folded: fold[c] = sum over input rows of g_r (S(row, c), N(row, c)), and
            // the number of units with hits whose row factor is non-zero.
            let mut fold = [[0.0f64; DIMS]; SIDE];
            let mut fold_n = [0.0f64; SIDE];
            let mut fold_h = [0u32; SIDE];
            for (ri, &a) in row_factors.iter().enumerate() {
                if a == 0.0 {
                    continue;
                }
                let a = f64::from(a);
                let cells = fold
                    .iter_mut()
                    .zip(fold_n.iter_mut())
                    .zip(fold_h.iter_mut());
                for (c, (((u, un), uh), &n)) in cells.zip(hits_of_row(ri)).enumerate() {
                    if n > 0 {
                        *un += a * n as f64;
                        *uh += 1;
                        let s = chunk(ri * cols + c);
                        for (u, s) in u.iter_mut().zip(s) {
                            *u += a * s;
                        }
                    }
                }
            }
            // Columns: num[cj] = sum over input columns of g_c fold[c], and so on.
            let mut num = [[0.0f64; DIMS]; SIDE];
            let mut den = [0.0f64; SIDE];
            let mut count = [0u32; SIDE];
            let outputs = num.iter_mut().zip(den.iter_mut()).zip(count.iter_mut());
            for (cj, ((out, d), k)) in outputs.enumerate().take(cols) {
                // Accumulated in registers, stored once.
                let (mut acc, mut dn, mut kn) = ([0.0f64; DIMS], 0.0f64, 0u32);
                let inputs = fold.iter().zip(&fold_n).zip(&fold_h);
                for (&b, ((u, &un), &uh)) in window(&col_g, cols, cj).iter().zip(inputs) {
                    if b != 0.0 {
                        let b = f64::from(b);
                        dn += b * un;
                        kn += uh;
                        for (acc, &u) in acc.iter_mut().zip(u) {
                            *acc += b * u;
                        }
                    }
                }
                (*out, *d, *k) = (acc, dn, kn);
            }
            if any_far {
                let mut dropped = [(0usize, 0.0f64); TWICE];
                for (ri, &a) in row_factors.iter().enumerate() {
                    let row_hits = hits_of_row(ri);
                    if a == 0.0 || row_hits.iter().all(|&n| n == 0) {
                        continue;
                    }
                    let len = dropped_offsets(&col_g, cols, a, min, &mut dropped);
                    for &(delta, h) in dropped.iter().take(len) {
                        // Input column = output column + delta - (cols - 1).
                        let lo = (cols - 1).saturating_sub(delta);
                        let hi = (2 * cols - 1).saturating_sub(delta).min(cols);
                        let outputs = num.iter_mut().zip(den.iter_mut()).zip(count.iter_mut());
                        for (cj, ((acc, d), k)) in outputs.enumerate().take(hi).skip(lo) {
                            let ci = cj + delta + 1 - cols;
                            let n = row_hits.get(ci).copied().unwrap_or(0);
                            if n > 0 {
                                *d -= h * n as f64;
                                *k = k.saturating_sub(1);
                                for (acc, s) in acc.iter_mut().zip(chunk(ri * cols + ci)) {
                                    *acc -= h * s;
                                }
                            }
                        }
                    }
                }
            }
            for (cj, ((acc, &d), &c)) in num.iter().zip(&den).zip(&count).enumerate().take(cols) {
                if c == 0 || d <= 0.0 {
                    continue;
                }
                let k = r * cols + cj;
                let base = (k / LANES) * LANES * dim + k % LANES;
                for (dd, &v) in acc.iter().enumerate().take(dims) {
                    if let Some(w) = weights.get_mut(base + (d0 + dd) * LANES) {
                        *w = (v / d) as f32;
                    }
                }
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::layout::blocked_len;
    use proptest::prelude::*;
    use std::vec;
    use std::vec::Vec;

    /// Rectangular grids, planar or toroidal, up to 40 on a side (both stack frames), and
    /// statistics with many units left without hits.
    fn case() -> impl Strategy<Value = (Grid, usize, Vec<f32>, Vec<u64>, Vec<f64>)> {
        let (side, max_dim) = if cfg!(miri) { (5, 3) } else { (40, 9) };
        (
            1usize..=side,
            1usize..=side,
            any::<bool>(),
            1usize..=max_dim,
        )
            .prop_flat_map(|(rows, cols, torus, dim)| {
                let boundary = if torus {
                    Boundary::Toroidal
                } else {
                    Boundary::Planar
                };
                let grid = Grid::with(rows, cols, Topology::Rectangular, boundary).unwrap();
                let units = grid.units();
                (
                    Just(grid),
                    Just(dim),
                    prop::collection::vec(-10.0f32..10.0, blocked_len(units, dim)),
                    prop::collection::vec(prop_oneof![3 => Just(0u64), 1 => 1u64..50], units),
                    prop::collection::vec(-500.0f64..500.0, units * dim),
                )
            })
    }

    fn gaussian() -> impl Strategy<Value = Neighbourhood> {
        let sigma = prop_oneof![0.01f32..0.3, 0.3f32..30.0, 30.0f32..1e4];
        let cutoff = prop_oneof![Just(0.0f32), 1e-6f32..0.5];
        (sigma, cutoff).prop_map(|(s, c)| {
            Neighbourhood::new(Shape::Gaussian, s)
                .unwrap()
                .with_cutoff(c)
                .unwrap()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: if cfg!(miri) { 4 } else { 256 },
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// The separable path (taken by `batch` for these grids) equals the general path: the
        /// same units fed, the same means to f32 rounding of sums over up to 1600 units.
        #[test]
        fn separable_batch_equals_general((grid, dim, w, hits, sums) in case(), nb in gaussian()) {
            let mut sep = w.clone();
            let mut general = w.clone();
            let taken = batch_separable::<LARGE_SIDE, { 2 * LARGE_SIDE }, 8>(
                &mut sep, &grid, dim, &hits, &sums, &nb, false
            );
            prop_assert!(taken);
            let level = crate::simd::level();
            let (out, h, s, g, n) = (&mut general, &hits, &sums, &grid, &nb);
            dispatch!(level, isa => batch_general(isa, (out, g, dim), (h, s), n));
            let mut via = w.clone();
            batch(level, &mut via, &grid, dim, (&hits, &sums), &nb);
            prop_assert!(via == sep || via == general, "dispatch takes one of the two paths");
            for (k, (a, b)) in sep.iter().zip(&general).enumerate() {
                // Means of sums of at most 500 (times 50 hits) per unit: a few f32 ULP of 500
                // from the general path's f32 accumulation, and h near the cut-off.
                let tol = 2e-3 + nb.cutoff() * 1e3;
                prop_assert!((a - b).abs() <= tol, "index {}: {} vs {}", k, a, b);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: if cfg!(miri) { 4 } else { 256 },
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// The separable path, forced (whatever the cost estimate would choose), against the
        /// f64 reference: every boundary, cut-offs, units without hits, tiny and huge sigma,
        /// unit counts not multiples of 8.
        #[test]
        fn separable_batch_matches_reference((grid, dim, w, hits, sums) in case(), nb in gaussian()) {
            let units = grid.units();
            let mut sep = w.clone();
            let taken = batch_separable::<SMALL_SIDE, { 2 * SMALL_SIDE }, 4>(
                &mut sep, &grid, dim, &hits, &sums, &nb, false
            ) || batch_separable::<LARGE_SIDE, { 2 * LARGE_SIDE }, 8>(
                &mut sep, &grid, dim, &hits, &sums, &nb, false
            );
            prop_assert!(taken);
            let mut want = vec![0.0f32; units * dim];
            crate::layout::to_row_major(&w, units, dim, &mut want).unwrap();
            crate::reference::apply_batch(&mut want, &grid, dim, &hits, &sums, &nb);
            let mut got = vec![0.0f32; units * dim];
            crate::layout::to_row_major(&sep, units, dim, &mut got).unwrap();
            for (k, (a, b)) in got.iter().zip(&want).enumerate() {
                // Both in f64; h from vector exp (products of factors) against libm exp.
                let tol = 1e-4 * b.abs().max(1.0) + nb.cutoff() * 1e3;
                prop_assert!((a - b).abs() <= tol, "index {}: {} vs {}", k, a, b);
            }
        }
    }

    /// The general apply runs at the level it is given: lane by lane it is the scalar model
    /// below, whose multiply-adds are fused exactly where the level's are ([`Level::fused`]).
    /// So `force`/`SOM_SIMD` govern it, and a default build writes what a build for the CPU
    /// writes at the same level.
    #[test]
    fn general_batch_follows_the_level() {
        let cases = [
            (
                Grid::with(5, 7, Topology::Hexagonal, Boundary::Planar),
                Shape::Gaussian,
                3,
            ),
            (
                Grid::with(6, 6, Topology::Rectangular, Boundary::Toroidal),
                Shape::Bubble,
                9,
            ),
            (
                Grid::with(4, 9, Topology::Hexagonal, Boundary::Toroidal),
                Shape::Triangle,
                17,
            ),
        ];
        let mut fused_seen = [false; 2];
        // Under Miri, the first case (each level's apply is slow to interpret).
        for (grid, shape, dim) in cases.into_iter().take(if cfg!(miri) { 1 } else { 3 }) {
            let grid = grid.unwrap();
            let units = grid.units();
            let nb = Neighbourhood::new(shape, 2.3).unwrap();
            // Values with long mantissas, so that fusing changes the last bits.
            let value = |k: usize| ((k * 7919) % 1013) as f64 / 97.0 - 5.1;
            let hits: Vec<u64> = (0..units).map(|k| (k % 4) as u64 * 3).collect();
            let sums: Vec<f64> = (0..units * dim).map(value).collect();
            let w: Vec<f32> = (0..blocked_len(units, dim))
                .map(|k| value(k + 5) as f32)
                .collect();
            // h[j * units + i]: the field's weight of unit j around unit i, computed once
            // (each block evaluates a lane's worth of exponentials: slow under Miri).
            let field = Field::new(&grid, &nb);
            let mut table = Vec::with_capacity(units * units);
            for j in 0..units {
                for i in 0..units {
                    let block = field.block(j / LANES, grid.coords(i));
                    table.push(block.map_or(0.0, |h| h[j % LANES]));
                }
            }
            let h = |j: usize, i: usize| table[j * units + i];
            for level in crate::simd::available() {
                let fused = level.fused();
                fused_seen[usize::from(fused)] = true;
                let mac = |a: f32, b: f32, c: f32| if fused { a.mul_add(b, c) } else { a * b + c };
                let mut want = w.clone();
                for j in 0..units {
                    let at = |d: usize| (j / LANES) * LANES * dim + d * LANES + j % LANES;
                    let mut den = 0.0f32;
                    for (i, &n) in hits.iter().enumerate() {
                        if n > 0 {
                            den = mac(h(j, i), n as f32, den);
                        }
                    }
                    if den > 0.0 {
                        for d in 0..dim {
                            let mut acc = 0.0f32;
                            for (i, &n) in hits.iter().enumerate() {
                                if n > 0 {
                                    acc = mac(h(j, i), sums[i * dim + d] as f32, acc);
                                }
                            }
                            want[at(d)] = acc / den;
                        }
                    }
                }
                let mut got = w.clone();
                batch(level, &mut got, &grid, dim, (&hits, &sums), &nb);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "{level} {shape:?} dim {dim}");
            }
        }
        // Every machine runs the scalar level; an x86_64 one with FMA runs fused ones too.
        assert!(fused_seen[0]);
    }

    /// Units beyond the cut-off of every hit keep their weights, also when the convolutions
    /// reach them with factors that are each above the threshold.
    #[test]
    fn separable_batch_keeps_units_outside_the_cutoff() {
        let grid = Grid::new(9, 9).unwrap();
        let nb = Neighbourhood::new(Shape::Gaussian, 1.0)
            .unwrap()
            .with_cutoff(0.05)
            .unwrap();
        let mut hits = vec![0u64; 81];
        let mut sums = vec![0.0f64; 81];
        hits[0] = 2;
        sums[0] = 6.0;
        let mut w = vec![-1.0f32; blocked_len(81, 1)];
        let taken = batch_separable::<SMALL_SIDE, { 2 * SMALL_SIDE }, 4>(
            &mut w, &grid, 1, &hits, &sums, &nb, false,
        );
        assert!(taken);
        for (k, &got) in w.iter().enumerate().take(81) {
            let (r, c) = grid.row_col(k);
            let d2 = (r * r + c * c) as f32;
            let want = if nb.weight(d2) > 0.0 { 3.0 } else { -1.0 };
            assert_eq!(got, want, "unit {k} at ({r}, {c})");
        }
        // (2, 2) has both factors exp(-2) = 0.135 > 0.05, but h = exp(-4) = 0.018 < 0.05.
        assert_eq!(w[2 * 9 + 2], -1.0);
    }
}
