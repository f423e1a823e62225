//! The many-sample search that skips most units, exactly (feature `pruning`).
//!
//! Batch SOM's winner step is k-means' assignment step with one centre per unit; bounds carried
//! across epochs skip little there (a third to two thirds of the samples change winner every
//! epoch, and units move farther than a sample's margin). What bounds well in every epoch is a
//! projection of the codebook on its principal directions. With `c` the codebook's mean, `P`
//! the orthogonal projection on its top [`AXES`] directions and `r(v) = |(I - P)(v - c)|`,
//!
//! `|x - w|^2 >= |P(x - w)|^2 + (r(x) - r(w))^2`
//!
//! (the reverse triangle inequality on the part outside the axes). The right-hand side is a
//! squared Euclidean distance in `AXES + 1` dimensions between the *projected* sample and
//! unit, so the kernel's own loop computes it for every unit at a fraction of the cost of the
//! distances themselves: in the expanded form `|a(x)|^2 - 2 a(x).a(w) + |a(w)|^2`, for a tile
//! of samples at once (each loaded row of the projected codebook feeds every sample). A
//! sample's search then takes, segment by segment of the codebook:
//!
//! 1. the bounds of every unit, and the unit with the smallest bound as first candidate: its
//!    block's exact distances give an upper bound `U` on the winner's distance;
//! 2. the exact distances of every block with a unit whose bound is at most `U` plus the
//!    rounding margin below, measured as the exhaustive search measures them (the same
//!    [`fold_rows`] chain, so the same bits) and ranked by the same rule (ties to the lowest
//!    unit).
//!
//! A unit it skips is farther than the winner in the exhaustive search too, so the answer is
//! that search's, bit for bit.
//!
//! # The margin
//!
//! With `u = 2^-24`, `n = dim`, `k = AXES`, `y = x - c`, `v = w - c`, `R >= max |v|` and
//! `S = (|y| + R)^2 >= (|y| + |v|)^2 >= |x - w|^2`:
//!
//! - the projections are computed in `f64` from twice-orthogonalised axes; their error and
//!   that of `r = sqrt(|y|^2 - |Py|^2)` (cancellation) is at most `eta |y|` with
//!   `eta = 2 sqrt((n + k) 2^-53)`, then each value is rounded to `f32` (`u` relative);
//! - the bound's terms from those values are within `3 (u + eta) S` of the true bound's;
//!   summed in `f32` in the expanded form (`k + 1` products and the norms), the bound is within
//!   `2 gamma_{k+4} S` of their sum;
//! - the exhaustive search's distance is within `gamma_{n+3} S` of `|x - w|^2`.
//!
//! So a unit's computed bound exceeds its computed distance by at most
//! `(gamma_{n+3} + 2 gamma_{k+4} + 4 (u + eta)) S`; the margin is twice that, plus
//! `(n + k + 8) 2^-126` for products that fall below the normal range. A unit is skipped only
//! when its bound exceeds `U` plus the margin, so its exact distance exceeds `U`. A sample or
//! codebook where any of this is not finite takes the exhaustive search.
//!
//! Memory: the projected codebook (`AXES + 1` floats a unit) and `dim (2 AXES + 1)` doubles,
//! made once per codebook ([`Projection`], [`crate::Map::projection`]); a search keeps the
//! bounds of one segment of [`SEGMENT`] units for each sample of a tile, on the stack.
//! Nothing grows with the samples.

// Index loops over arrays of vectors, as in [`crate::pairs`].
#![allow(clippy::needless_range_loop)]

use super::Bmu;
use super::track::{Best, INF, Tracker};
use super::{certified, exact};
use crate::LANES;
use crate::error::{Result, check_len};
use crate::layout::blocked_len;
use crate::math::{lane_index, sqrt64};
use crate::pairs::{Block, Columns, Dist2, Loaded, fold_diagonal, for_pairs};
use crate::simd::{Isa, Lanes, Level, dispatch};

/// Principal directions a [`Projection`] keeps.
pub const AXES: usize = 8;

/// Values per unit of the projected codebook: the coordinates on the axes, then the norm of
/// the rest.
const PROJECTED: usize = AXES + 1;

/// Units whose bounds a search keeps at once, for each sample of a tile (on the stack: 16 KiB
/// a sample, 128 KiB for AVX-512's tile of eight). A map with more units is searched a
/// segment at a time, each segment's threshold from its own first candidate and the nearest
/// unit of the segments before: a looser threshold than one map-wide candidate, so the
/// segment is large.
pub const SEGMENT: usize = 4096;
const SEGMENT_BLOCKS: usize = SEGMENT / LANES;

/// The smallest dimension a projection prunes at: below it, the bounds and the distances
/// they leave cost about as much as all the distances (measured in `docs/performance.md`,
/// "Pruned batch search": 1.7x faster at dim 64, 1.1x slower at dim 32).
pub const MIN_DIM: usize = 48;

/// The fewest units a projection prunes: below, a sample's search is too short to skip much.
pub const MIN_UNITS: usize = 64;

/// Rounds of subspace iteration that find the axes (from the codebook's own units: the
/// bounds are exact whatever the axes, only their tightness depends on them).
const ROUNDS: usize = 2;

/// Lower bounds on the distances from any sample to the units of one codebook, which let
/// [`Map::bmu_many`] (and every metric and batch statistic over many samples) skip most units
/// and still return the exhaustive search's answer, bit for bit (see the module).
///
/// Made by [`Map::projection`] in two caller-owned buffers ([`Projection::space_len`]
/// doubles and [`Projection::projected_len`] floats), once per codebook: it borrows the map's
/// weights, so they cannot change while it lives, and [`Map::with_projection`] accepts it only
/// for the weights it was made from. A codebook it cannot bound (fewer than [`MIN_DIM`] dimensions or
/// [`MIN_UNITS`] units, or a weight that is not finite) gives a projection that prunes nothing
/// ([`Projection::prunes`]): searches through it are the exhaustive ones.
///
/// # Example
/// ```
/// use som_kernel::{blocked_len, bmu::Projection, Bmu, Grid, Map};
/// let (units, dim) = (100, 64);
/// let weights: Vec<f32> = (0..blocked_len(units, dim)).map(|i| (i % 97) as f32).collect();
/// let map = Map::new(Grid::new(10, 10)?, dim, &weights)?;
/// let mut space = vec![0.0; Projection::space_len(dim)];
/// let mut projected = vec![0.0; Projection::projected_len(units)];
/// let projection = map.projection(&mut space, &mut projected)?;
/// assert!(projection.prunes());
///
/// let data: Vec<f32> = (0..50 * dim).map(|i| (i % 89) as f32).collect();
/// let (mut pruned, mut exhaustive) = (vec![Bmu::NONE; 50], vec![Bmu::NONE; 50]);
/// map.with_projection(&projection)?.bmu_many(&data, &mut pruned)?;
/// map.bmu_many(&data, &mut exhaustive)?;
/// assert_eq!(pruned, exhaustive);
/// # Ok::<(), som_kernel::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Projection<'a> {
    /// The codebook bounded (blocked).
    weights: &'a [f32],
    units: usize,
    dim: usize,
    /// Its mean, `dim` values.
    center: &'a [f64],
    /// The axes, dimension-major: `axes[d][j]` is component `d` of axis `j`.
    axes: &'a [[f64; AXES]],
    /// The projected codebook, blocked with `PROJECTED` values a unit; padding units far away.
    projected: &'a [f32],
    /// The largest `|w - c|` over the units.
    radius: f64,
    /// The margin's factor of `S` (see the module).
    relative: f64,
    /// Whether searches through it prune.
    prunes: bool,
}

impl<'a> Projection<'a> {
    /// Doubles [`Projection::new`] needs for a map of `dim` values a unit: its mean, its axes
    /// and their work space.
    pub const fn space_len(dim: usize) -> usize {
        dim.saturating_mul(2 * AXES + 1)
    }

    /// Floats [`Projection::new`] needs for the projected codebook of `units` units.
    pub const fn projected_len(units: usize) -> usize {
        blocked_len(units, PROJECTED)
    }

    /// The projection of the blocked codebook `weights` (`units` of `dim`: a map's, which
    /// checked them), in `space` and `projected`, fitted at `level`.
    pub(crate) fn new(
        (weights, units, dim): (&'a [f32], usize, usize),
        level: Level,
        space: &'a mut [f64],
        projected: &'a mut [f32],
    ) -> Result<Self> {
        check_len(
            "projection space (Projection::space_len)",
            Self::space_len(dim),
            space.len(),
        )?;
        check_len(
            "projected codebook (Projection::projected_len)",
            Self::projected_len(units),
            projected.len(),
        )?;
        let (center, rest) = space.split_at_mut(dim.min(space.len()));
        let rows = rest.as_chunks_mut::<AXES>().0;
        let (axes, work) = rows.split_at_mut(dim.min(rows.len()));
        let n = dim as f64;
        let eta = 2.0 * sqrt64((n + AXES as f64) * f64::EPSILON / 2.0);
        let u = f64::from(f32::EPSILON) / 2.0;
        let gamma = |m: f64| 1.01 * m * u;
        let relative = 2.0 * (gamma(n + 3.0) + 2.0 * gamma(AXES as f64 + 4.0) + 4.0 * (u + eta));
        let (c, a, p) = (&mut *center, &mut *axes, &mut *projected);
        let fitted = dispatch!(level, _isa => fit(weights, units, dim, c, a, work, p));
        let radius = fitted.unwrap_or(f64::NAN);
        Ok(Self {
            weights,
            units,
            dim,
            center,
            axes,
            projected,
            radius,
            relative,
            prunes: radius.is_finite() && dim >= MIN_DIM && units >= MIN_UNITS,
        })
    }

    /// Whether searches through this projection skip units (see [`Projection`]).
    pub fn prunes(&self) -> bool {
        self.prunes
    }

    /// Whether it was made from these weights.
    pub(crate) fn bounds(&self, weights: &[f32]) -> bool {
        core::ptr::eq(self.weights, weights)
    }
}

/// Fits the axes to the codebook and projects it; returns the radius, or `None` for a
/// codebook that is not finite (or too small to have axes). A block's units at a time, its
/// lanes side by side (the loops over a block's lanes vectorise).
#[inline(always)]
fn fit(
    weights: &[f32],
    units: usize,
    dim: usize,
    center: &mut [f64],
    axes: &mut [[f64; AXES]],
    work: &mut [[f64; AXES]],
    projected: &mut [f32],
) -> Option<f64> {
    let all = weights.as_chunks::<LANES>().0;
    if dim <= AXES || units == 0 || all.iter().flatten().any(|w| !w.is_finite()) {
        return None;
    }
    // Each block with the number of its lanes that are units (`max(1)`: the optimiser does
    // not carry the check above into `chunks_exact`).
    let blocks = || {
        all.chunks_exact(dim.max(1))
            .enumerate()
            .map(|(b, block)| (block, units.saturating_sub(b * LANES).min(LANES)))
    };
    center.fill(0.0);
    for (block, n) in blocks() {
        for (c, row) in center.iter_mut().zip(block) {
            *c += row.iter().take(n).map(|&w| f64::from(w)).sum::<f64>();
        }
    }
    center.iter_mut().for_each(|c| *c /= units as f64);
    let center = &*center;
    // Start from units spread over the codebook, centred.
    for j in 0..AXES {
        let k = j * units / AXES;
        let block = all.get(k / LANES * dim..).unwrap_or_default();
        for ((a, row), c) in axes.iter_mut().zip(block).zip(center) {
            a[j] = row.get(k % LANES).map_or(0.0, |&w| f64::from(w) - c);
        }
    }
    if !orthonormalise(axes) {
        return None;
    }
    for _ in 0..ROUNDS {
        // `work = C^T C axes` for the centred codebook `C`: a block's coordinates, then their
        // products with its rows.
        work.iter_mut().for_each(|w| *w = [0.0; AXES]);
        for (block, n) in blocks() {
            let (s, _, _) = project_block(axes, (block, n), center);
            for ((w, row), &c) in work.iter_mut().zip(block).zip(center) {
                let v = centred(row, c, n);
                for j in 0..AXES {
                    w[j] += (0..LANES).map(|l| s[j][l] * v[l]).sum::<f64>();
                }
            }
        }
        axes.iter_mut().zip(work.iter()).for_each(|(a, w)| *a = *w);
        if !orthonormalise(axes) {
            return None;
        }
    }
    let mut radius: f64 = 0.0;
    let slots = projected.as_chunks_mut::<LANES>().0;
    // Not `zip`: its length would divide by the chunk size, a panic branch to the optimiser.
    let mut outs = slots.chunks_exact_mut(PROJECTED);
    for (block, n) in blocks() {
        let Some(out) = outs.next() else {
            break;
        };
        let (s, rest, norm2) = project_block(axes, (block, n), center);
        for &norm2 in norm2.iter().take(n) {
            radius = radius.max(sqrt64(norm2));
        }
        for (j, (row, value)) in out.iter_mut().zip(s.iter().chain([&rest])).enumerate() {
            for l in 0..LANES {
                // Padding lanes far from every sample: no bound to them is finite.
                let far = if j < AXES { 0.0 } else { f32::MAX };
                row[l] = if l < n { value[l] as f32 } else { far };
            }
        }
    }
    let finite = projected.iter().all(|p| p.is_finite());
    (finite && radius.is_finite()).then_some(radius)
}

/// A row of a block centred: component `d` of its units minus the mean `c`, its first `n`
/// lanes (the units; the rest 0).
#[inline(always)]
fn centred(row: &[f32; LANES], c: f64, n: usize) -> [f64; LANES] {
    core::array::from_fn(|l| if l < n { f64::from(row[l]) - c } else { 0.0 })
}

/// [`project`] for the first `n` units of a block at once (the rest 0): their coordinates on
/// the axes (`[axis][lane]`), the norms of their parts outside them, and `|v|^2`.
#[inline(always)]
fn project_block(
    axes: &[[f64; AXES]],
    (block, n): (&[[f32; LANES]], usize),
    center: &[f64],
) -> ([[f64; LANES]; AXES], [f64; LANES], [f64; LANES]) {
    let (mut s, mut norm2) = ([[0.0; LANES]; AXES], [0.0; LANES]);
    for ((a, row), &c) in axes.iter().zip(block).zip(center) {
        let v = centred(row, c, n);
        for l in 0..LANES {
            norm2[l] += v[l] * v[l];
        }
        for j in 0..AXES {
            for l in 0..LANES {
                s[j][l] += a[j] * v[l];
            }
        }
    }
    let rest = core::array::from_fn(|l| {
        let inside: f64 = (0..AXES).map(|j| s[j][l] * s[j][l]).sum();
        sqrt64((norm2[l] - inside).max(0.0))
    });
    (s, rest, norm2)
}

/// The coordinates on the axes of `v` (component `d` given by `v(d)`), the norm of its part
/// outside them, and `|v|^2`.
#[inline(always)]
fn project(axes: &[[f64; AXES]], v: impl Fn(usize) -> f64) -> ([f64; AXES], f64, f64) {
    let (mut p, mut norm2) = ([0.0; AXES], 0.0);
    for (d, a) in axes.iter().enumerate() {
        let vd = v(d);
        norm2 += vd * vd;
        for j in 0..AXES {
            p[j] += a[j] * vd;
        }
    }
    let inside: f64 = p.iter().map(|s| s * s).sum();
    (p, sqrt64((norm2 - inside).max(0.0)), norm2)
}

/// Makes the columns of `m` (dimension-major) orthonormal, by Gram-Schmidt run twice (once
/// leaves rounding errors of the order of the columns' condition number); a column that is
/// (nearly) a combination of those before it is replaced by a coordinate vector.
/// Returns whether it could (a codebook of fewer dimensions than axes cannot).
fn orthonormalise(m: &mut [[f64; AXES]]) -> bool {
    // Columns by `get`: their indices come from loops the optimiser does not always bound.
    let dot = |m: &[[f64; AXES]], i: usize, j: usize| -> f64 {
        m.iter().map(|r| at(r, i) * at(r, j)).sum()
    };
    let set = |m: &mut [[f64; AXES]], j: usize, f: &dyn Fn(usize, &[f64; AXES]) -> f64| {
        for (d, row) in m.iter_mut().enumerate() {
            let v = f(d, row);
            if let Some(slot) = row.get_mut(j) {
                *slot = v;
            }
        }
    };
    let against_earlier = |m: &mut [[f64; AXES]], j: usize| {
        for _ in 0..2 {
            for i in 0..j {
                let r = dot(m, i, j);
                set(m, j, &|_, row| at(row, j) - r * at(row, i));
            }
        }
        sqrt64(dot(m, j, j))
    };
    for j in 0..AXES {
        // A column is kept when a fair part of it is new: of its own norm, and once it is a
        // coordinate vector, of 1 (not of the column it replaced, whose norm can be anything).
        let mut before = sqrt64(dot(m, j, j));
        let mut norm = against_earlier(m, j);
        let mut e = 0;
        while !(norm > 1e-6 * before && norm > 0.0) {
            if e == m.len() {
                return false;
            }
            set(m, j, &|d, _| if d == e { 1.0 } else { 0.0 });
            before = 1.0;
            norm = against_earlier(m, j);
            e += 1;
        }
        set(m, j, &|_, row| at(row, j) / norm);
    }
    true
}

/// Component `k` of a row of axes (0 past its end).
#[inline(always)]
fn at(row: &[f64; AXES], k: usize) -> f64 {
    row.get(k).copied().unwrap_or(0.0)
}

/// The best-matching units of the samples of `data` into `out` through the projection, the
/// exhaustive search's answers bit for bit: in tiles of [`Isa::TILE`] samples, whose bounds
/// take one pass over the projected codebook (each loaded row feeds every sample of the tile)
/// and whose exact distances are measured `K` pairs of blocks at a time, whichever samples
/// they serve; samples it cannot bound take [`exact::one`].
#[inline(always)]
pub(crate) fn many<I: Isa>(isa: I, p: &Projection<'_>, data: &[f32], out: &mut [Bmu]) {
    match I::TILE {
        8 => many_with::<I, 8, 8>(isa, p, data, out),
        4 => many_with::<I, 4, 4>(isa, p, data, out),
        _ => many_with::<I, 4, 2>(isa, p, data, out),
    }
}

#[inline(always)]
fn many_with<I: Isa, const K: usize, const N: usize>(
    isa: I,
    p: &Projection<'_>,
    data: &[f32],
    out: &mut [Bmu],
) {
    let dim = p.dim.max(1);
    // The bounds of a tile's samples, filled anew for each tile (made once: its size is what
    // an initialisation would cost).
    let mut scratch = Scratch::<N>::new();
    let mut single = Scratch::<1>::new();
    let mut tiles = data.chunks_exact(dim.saturating_mul(N).max(1));
    let mut outs = out.chunks_exact_mut(N);
    for (tile, o) in tiles.by_ref().zip(outs.by_ref()) {
        let mut samples = tile.chunks_exact(dim);
        let x: [&[f32]; N] = core::array::from_fn(|_| samples.next().unwrap_or_default());
        let prepared = x.map(|x| sample(p, x));
        if prepared.iter().all(Option::is_some) {
            let prepared = prepared.map(Option::unwrap_or_default);
            search::<I, K, N>(isa, p, (x, prepared), &mut scratch, o);
            continue;
        }
        for (x, slot) in x.into_iter().zip(o) {
            *slot = alone::<I, K>(isa, p, x, &mut single);
        }
    }
    for (x, slot) in tiles
        .remainder()
        .chunks_exact(dim)
        .zip(outs.into_remainder())
    {
        *slot = alone::<I, K>(isa, p, x, &mut single);
    }
}

/// What a tile's search keeps: per sample the bounds of a segment's units, and the blocks one
/// sample's search measures.
struct Scratch<const N: usize> {
    bounds: [[[f32; LANES]; SEGMENT_BLOCKS]; N],
    kept: [usize; SEGMENT_BLOCKS],
}

impl<const N: usize> Scratch<N> {
    #[inline(always)]
    fn new() -> Self {
        Self {
            bounds: [[[INF; LANES]; SEGMENT_BLOCKS]; N],
            kept: [0; SEGMENT_BLOCKS],
        }
    }
}

/// One sample's search: through the bounds where it has them, else exhaustive.
#[inline(always)]
fn alone<I: Isa, const K: usize>(
    isa: I,
    p: &Projection<'_>,
    x: &[f32],
    scratch: &mut Scratch<1>,
) -> Bmu {
    let mut found = [Bmu::NONE];
    match sample(p, x) {
        Some(s) => search::<I, K, 1>(isa, p, ([x], [s]), scratch, &mut found),
        None => found[0] = exact::one::<I, Dist2>(isa, p.weights, p.units, p.dim, x),
    }
    found[0]
}

/// A sample as the bounds see it: projected, with its squared norm there and the margin of
/// its bounds (see the module).
#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    projected: [f32; PROJECTED],
    norm2: f32,
    margin: f64,
}

/// The sample `x` as the bounds see it, or `None` where its bounds would not be finite.
#[inline(always)]
fn sample(p: &Projection<'_>, x: &[f32]) -> Option<Sample> {
    let centred = |d: usize| match (x.get(d), p.center.get(d)) {
        (Some(&v), Some(c)) => f64::from(v) - c,
        _ => f64::NAN,
    };
    let (coordinates, rest, norm2) = project(p.axes, centred);
    let reach = sqrt64(norm2) + p.radius;
    let scale = reach * reach;
    // Distances up to `scale` stay finite in f32.
    if scale.is_nan() || scale >= f64::from(f32::MAX) / 4.0 {
        return None;
    }
    let tiny = (p.dim + AXES + 8) as f64 * f64::from(f32::MIN_POSITIVE);
    let mut projected = [0.0; PROJECTED];
    for (to, from) in projected.iter_mut().zip(coordinates.iter().chain([&rest])) {
        *to = *from as f32;
    }
    // Its squared norm as the bounds' expanded form needs it: of the rounded coordinates.
    let norm2: f64 = projected.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    Some(Sample {
        projected,
        norm2: norm2 as f32,
        margin: p.relative * scale + tiny,
    })
}

/// The nearer of two answers (ties to the lower unit); an answer that is not finite is none.
#[inline(always)]
fn nearer(best: Option<Bmu>, other: Bmu) -> Option<Bmu> {
    if !other.dist2.is_finite() {
        return best;
    }
    match best {
        Some(b) if (b.dist2, b.unit) <= (other.dist2, other.unit) => Some(b),
        _ => Some(other),
    }
}

/// The bound above which a unit cannot beat `best`: its distance plus `margin`, rounded up
/// to `f32`; `None` where that is not finite.
#[inline(always)]
fn threshold(best: Bmu, margin: f64) -> Option<f32> {
    let limit = f64::from(best.dist2) + margin;
    let mut threshold = limit as f32;
    if f64::from(threshold) < limit {
        threshold = threshold.next_up();
    }
    threshold.is_finite().then_some(threshold)
}

/// A pair of blocks one sample measures: the sample (in its tile) and the pair's first and
/// second block (the same block where a vector holds one).
type Chain = (usize, usize, usize);

/// The codebook a tile's search measures exactly: its blocks, the tile's samples, and the
/// map's size.
struct Exact<'s, 'w, const N: usize> {
    blocks: &'w [[f32; LANES]],
    x: [&'s [f32]; N],
    dim: usize,
    units: usize,
}

impl<'w, const N: usize> Exact<'_, 'w, N> {
    /// Block `b` (empty past the end).
    #[inline(always)]
    fn block(&self, b: usize) -> &'w Block {
        self.blocks
            .get(b * self.dim..(b + 1) * self.dim)
            .unwrap_or(&[])
    }

    /// The exact distances of the first `len` of `K` chains, offered each to its sample's
    /// tracker in `found`: summed as the exhaustive search sums them (one chain a pair, from
    /// dimension 0), padding excluded. The chains are independent, so the core overlaps
    /// them whichever samples they serve.
    #[inline(always)]
    fn measure<I: Isa, const K: usize>(
        &self,
        isa: I,
        (chains, len): (&[Chain; K], usize),
        found: &mut [Best<I::V>; N],
    ) {
        let pairs = chains.map(|(_, lo, hi)| (self.block(lo), self.block(hi)));
        let x = chains.map(|(s, _, _)| self.x.get(s).copied().unwrap_or_default());
        let mut acc = [isa.zero(); K];
        let (mut rows, xs) = (Loaded::new(isa, pairs), Columns::new(isa, x));
        fold_diagonal::<I, Dist2, K>(self.dim, &mut rows, &xs, &mut acc);
        let units = isa.splat(self.units as f32);
        for (q, &(s, lo, hi)) in chains.iter().enumerate().take(len) {
            let first = |b: usize| lane_index((b * LANES) as f32);
            let unit = isa.load(&first(lo), &first(hi));
            let d = I::V::select(unit.lt(units), acc[q], isa.splat(INF));
            if let Some(found) = found.get_mut(s) {
                found.offer(d, unit);
            }
        }
    }
}

/// Chains waiting to be measured `K` at a time.
struct Queue<const K: usize> {
    chains: [Chain; K],
    len: usize,
}

impl<const K: usize> Queue<K> {
    #[inline(always)]
    fn new() -> Self {
        Self {
            chains: [(0, 0, 0); K],
            len: 0,
        }
    }

    /// Adds a chain, measuring the queue when it is full.
    #[inline(always)]
    fn push<I: Isa, const N: usize>(
        &mut self,
        (isa, exact): (I, &Exact<'_, '_, N>),
        chain: Chain,
        found: &mut [Best<I::V>; N],
    ) {
        if let Some(slot) = self.chains.get_mut(self.len) {
            *slot = chain;
            self.len += 1;
        }
        if self.len == K {
            self.flush((isa, exact), found);
        }
    }

    /// Measures what is queued (the empty places repeat the first chain, not offered).
    #[inline(always)]
    fn flush<I: Isa, const N: usize>(
        &mut self,
        (isa, exact): (I, &Exact<'_, '_, N>),
        found: &mut [Best<I::V>; N],
    ) {
        if self.len == 0 {
            return;
        }
        let first = self.chains[0];
        for slot in self.chains.iter_mut().skip(self.len) {
            *slot = first;
        }
        exact.measure(isa, (&self.chains, self.len), found);
        self.len = 0;
    }
}

/// The searches of a tile of `N` samples (see the module), their exact distances measured
/// `K` chains at a time, into `out`: each sample's answer, or where its bounds fail (a
/// distance that is not finite), the exhaustive search's.
#[inline(always)]
fn search<I: Isa, const K: usize, const N: usize>(
    isa: I,
    p: &Projection<'_>,
    (x, samples): ([&[f32]; N], [Sample; N]),
    scratch: &mut Scratch<N>,
    out: &mut [Bmu],
) {
    let Scratch { bounds, kept } = scratch;
    let exact = Exact {
        blocks: p.weights.as_chunks::<LANES>().0,
        x,
        dim: p.dim,
        units: p.units,
    };
    let projected = samples.map(|s| s.projected);
    let ps = Columns::new(isa, projected.each_ref().map(|p| &p[..]));
    let mut best: [Option<Bmu>; N] = [None; N];
    let mut failed = [false; N];
    let mut queue = Queue::<K>::new();
    let all = p.units.div_ceil(LANES);
    for first in (0..all).step_by(SEGMENT_BLOCKS) {
        let count = (all - first).min(SEGMENT_BLOCKS);
        let units = (p.units - first * LANES).min(SEGMENT);
        let span = first * LANES * PROJECTED..(first + count) * LANES * PROJECTED;
        // 1. The bounds of the segment's units, in the expanded form
        // `|a(x)|^2 - 2 a(x).a(w) + |a(w)|^2` (each row loaded once for the tile), and the
        // unit of each sample's smallest.
        let mut nearest = [Best::new(isa); N];
        for_pairs::<I, 1>(
            p.projected.get(span).unwrap_or_default(),
            PROJECTED,
            #[inline(always)]
            |b, pairs| {
                let expanded = certified::expanded(isa, PROJECTED, pairs, &ps);
                for s in 0..N {
                    let bound = expanded[s] + isa.splat(samples[s].norm2);
                    nearest[s].offer_pair(isa, bound, b, units);
                    match bounds[s].get_mut(b..) {
                        Some([lo, hi, ..]) => bound.store(lo, hi),
                        Some([lo]) => bound.store_lo(lo),
                        _ => {}
                    }
                }
            },
        );
        // 2. Each sample's first candidate, the unit of its smallest bound: the exact
        // distances of its block bound the winner's from above.
        let mut home = [0; N];
        let mut found = [Best::new(isa); N];
        for s in 0..N {
            let candidate = Best::reduce(&[nearest[s]]);
            failed[s] |= !candidate.dist2.is_finite();
            if !failed[s] {
                home[s] = candidate.unit / LANES;
                let b = first + home[s];
                queue.push((isa, &exact), (s, b, b), &mut found);
            }
        }
        queue.flush((isa, &exact), &mut found);
        // 3. For each sample, the blocks with a unit the bounds cannot exclude, in order (so
        // each lane sees its units in order, and keeps the lowest on a tie).
        let mut others = [Best::new(isa); N];
        for s in 0..N {
            if failed[s] {
                continue;
            }
            best[s] = nearer(best[s], Best::reduce(&[found[s]]));
            let Some(threshold) = best[s].and_then(|b| threshold(b, samples[s].margin)) else {
                failed[s] = true;
                continue;
            };
            let n = survivors(isa, (&bounds[s], count), (threshold, home[s]), kept);
            for pair in kept.get(..n).unwrap_or_default().chunks(I::BLOCKS) {
                let lo = first + pair.first().copied().unwrap_or(0);
                let hi = first + pair.last().copied().unwrap_or(0);
                queue.push((isa, &exact), (s, lo, hi), &mut others);
            }
        }
        queue.flush((isa, &exact), &mut others);
        for s in 0..N {
            if !failed[s] {
                best[s] = nearer(best[s], Best::reduce(&[others[s]]));
            }
        }
    }
    for (s, slot) in out.iter_mut().enumerate().take(N) {
        *slot = match best[s] {
            Some(found) if !failed[s] => found,
            _ => exact::one::<I, Dist2>(isa, p.weights, p.units, p.dim, x[s]),
        };
    }
}

/// Into `kept`, the blocks among a segment's `count` (their `bounds`) with a unit whose
/// bound is at most `threshold`, in order, `home` left out (it is measured); returns how
/// many.
#[inline(always)]
fn survivors<I: Isa>(
    isa: I,
    (bounds, count): (&[[f32; LANES]; SEGMENT_BLOCKS], usize),
    (threshold, home): (f32, usize),
    kept: &mut [usize; SEGMENT_BLOCKS],
) -> usize {
    let mut n = 0;
    let over = isa.splat(threshold);
    for b in (0..count).step_by(I::BLOCKS) {
        let (Some(lo), hi) = (bounds.get(b), bounds.get(b + 1)) else {
            break;
        };
        // Per lane, whether its bound exceeds the threshold: a block all of whose lanes do
        // is skipped.
        let far = I::V::bits(over.lt(isa.load(lo, hi.unwrap_or(lo))));
        for (i, far) in [far & 0xff, far >> 8]
            .into_iter()
            .enumerate()
            .take(I::BLOCKS)
        {
            let at = b + i;
            if far != 0xff
                && at != home
                && at < count
                && let Some(slot) = kept.get_mut(n)
            {
                *slot = at;
                n += 1;
            }
        }
    }
    n
}
