//! Weight updates, lanes across units: the online step and the batch apply.

use crate::LANES;
use crate::bmu::real_lanes;
use crate::grid::{Boundary, Grid, LANE_INDEX, Lattice, Topology};
use crate::math::{exp8, f32x8};
use crate::neighbourhood::{MIN_EXPONENT, Neighbourhood, Prepared, Shape};

/// `h` for blocks of eight units around one lattice point, any shape: distances from the
/// positions, then the neighbourhood function. Blocks entirely beyond the support are reported
/// as `None` before any transcendental is evaluated.
struct Field<'g> {
    grid: &'g Grid,
    units: usize,
    lattice: Lattice,
    prepared: Prepared,
    support2: f32x8,
}

impl<'g> Field<'g> {
    fn new(grid: &'g Grid, nb: &Neighbourhood) -> Self {
        Self {
            grid,
            units: grid.units(),
            lattice: grid.lattice(),
            prepared: nb.prepare(),
            support2: f32x8::splat(nb.support2()),
        }
    }

    /// `h` of the units of block `b` around `center`, 0 in padding lanes; `None` when every
    /// lane is 0.
    #[inline(always)]
    fn block(&self, b: usize, center: (f32, f32)) -> Option<f32x8> {
        let coords = self.grid.block_coords(&self.lattice, b);
        let d2 = self.grid.dist2_block(&self.lattice, coords, center);
        if !d2.simd_le(self.support2).any() {
            return None;
        }
        let mut h = self.prepared.weight8(d2);
        if (b + 1) * LANES > self.units {
            h = real_lanes(b, self.units).select(h, f32x8::ZERO);
        }
        any_nonzero(h).then_some(h)
    }
}

/// Longest side (rows or columns) for which the separable tables are used.
const TABLE: usize = 128;

/// `2^-63`: the smallest separable factor kept (see [`Separable::new`]).
const FACTOR_MIN: f32 = 1.0 / 9_223_372_036_854_775_808.0;

/// The Gaussian is separable: `h = g(dx) g(dy)`. One exp per row and per column around the
/// winner replaces one per unit, which is most of an update's cost at small `dim`. Works for
/// both lattices and boundaries (hexagonal rows get their own column table per row parity);
/// needs `cols >= LANES` so that a block spans at most two rows.
struct Separable {
    cols: usize,
    /// Rows of odd parity have their own column table (hexagonal lattices).
    parity_mask: usize,
    /// The smallest `h` that counts, scalar and broadcast.
    min: f32,
    threshold: f32x8,
    /// Row factors; zero past the last row, so padding lanes get `h = 0`.
    rows: [f32; TABLE + 2],
    /// Column factors by row parity, at offset `LANES` with `LANES` slack on both sides, so
    /// that a block straddling two rows loads each part with one unaligned read.
    by_parity: [[f32; LANES + TABLE + LANES]; 2],
}

impl Separable {
    fn new(grid: &Grid, nb: &Neighbourhood, center: (f32, f32)) -> Option<Self> {
        let (rows, cols) = (grid.rows(), grid.cols());
        if nb.shape() != Shape::Gaussian || rows > TABLE || !(LANES..=TABLE).contains(&cols) {
            return None;
        }
        let neg_inv_2s2 = -1.0 / (2.0 * nb.sigma() * nb.sigma());
        let hex = grid.topology() == Topology::Hexagonal;
        let torus = grid.boundary() == Boundary::Toroidal;
        // exp(scale d^2) for eight lattice coordinates at once, wrapping on a torus. A factor
        // below FACTOR_MIN is 0: every h >= NEGLIGIBLE has both factors above it, and any
        // product of two factors above it is a normal float, so no denormal ever appears.
        let factor = |coord: f32x8, c: f32, period: f32, scale: f32| {
            let mut d = (coord - f32x8::splat(c)).abs();
            if torus {
                d = d.min(f32x8::splat(period) - d);
            }
            let g = exp8((d * d * f32x8::splat(scale)).max(f32x8::splat(MIN_EXPONENT)));
            g.simd_ge(f32x8::splat(FACTOR_MIN)).select(g, f32x8::ZERO)
        };
        let mut table = Self {
            cols,
            parity_mask: usize::from(hex),
            min: nb.threshold(),
            threshold: f32x8::splat(nb.threshold()),
            rows: [0.0; TABLE + 2],
            by_parity: [[0.0; LANES + TABLE + LANES]; 2],
        };
        let row_scale = neg_inv_2s2 * grid.vertical();
        for (i, chunk) in table
            .rows
            .chunks_mut(LANES)
            .enumerate()
            .take(rows.div_ceil(LANES))
        {
            let r = f32x8::splat((i * LANES) as f32) + LANE_INDEX;
            let g = factor(r, center.1, rows as f32, row_scale).to_array();
            // Rows past the last stay 0: padding lanes get h = 0.
            let real = rows.saturating_sub(i * LANES);
            chunk.iter_mut().zip(g).take(real).for_each(|(t, v)| *t = v);
        }
        // A rectangular lattice has one column table; a hexagonal one, one per row parity.
        let parities = if hex { 2 } else { 1 };
        for (parity, t) in table.by_parity.iter_mut().enumerate().take(parities) {
            let shift = if hex && parity == 1 { 0.5 } else { 0.0 };
            // Columns start at offset LANES; entries past the last column are never used.
            for (i, chunk) in t
                .chunks_mut(LANES)
                .skip(1)
                .enumerate()
                .take(cols.div_ceil(LANES))
            {
                let x = f32x8::splat((i * LANES) as f32 + shift) + LANE_INDEX;
                let g = factor(x, center.0, cols as f32, neg_inv_2s2).to_array();
                let real = cols.saturating_sub(i * LANES);
                chunk.iter_mut().zip(g).take(real).for_each(|(t, v)| *t = v);
            }
        }
        Some(table)
    }

    /// `h` of the block starting at row `r`, column `c`; `None` when every lane is 0.
    #[inline(always)]
    fn block(&self, r: usize, c: usize) -> Option<f32x8> {
        let row = |r: usize| self.rows.get(r).copied().unwrap_or(0.0);
        let (g0, g1) = (row(r), row(r + 1));
        if g0 < self.min && g1 < self.min {
            return None;
        }
        let load = |parity: usize, at: usize| {
            let lanes = self
                .by_parity
                .get(parity)
                .and_then(|t| t.get(at..at + LANES));
            f32x8::new(
                lanes
                    .and_then(|l| l.try_into().ok())
                    .unwrap_or([0.0; LANES]),
            )
        };
        let first = f32x8::splat(g0) * load(r & self.parity_mask, LANES + c);
        let h = if c + LANES > self.cols {
            // Lanes from `cols - c` on belong to the next row, starting at its column 0.
            let second = f32x8::splat(g1) * load((r + 1) & self.parity_mask, LANES + c - self.cols);
            LANE_INDEX
                .simd_lt(f32x8::splat((self.cols - c) as f32))
                .select(first, second)
        } else {
            first
        };
        let h = h.simd_ge(self.threshold).select(h, f32x8::ZERO);
        any_nonzero(h).then_some(h)
    }
}

/// Whether any lane is non-zero.
#[inline(always)]
fn any_nonzero(v: f32x8) -> bool {
    v.simd_ne(f32x8::ZERO).any()
}

/// The blocks of a blocked codebook, `dim` rows of eight lanes each.
#[inline(always)]
fn blocks_mut(weights: &mut [f32], dim: usize) -> impl Iterator<Item = &mut [[f32; LANES]]> {
    // `dim.max(1)` keeps `chunks_exact_mut` total; callers never pass 0.
    weights
        .as_chunks_mut::<LANES>()
        .0
        .chunks_exact_mut(dim.max(1))
}

/// `w += rate (x - w)` for the eight units of a block.
#[inline(always)]
fn pull(block: &mut [[f32; LANES]], x: &[f32], rate: f32x8) {
    for (w, &xd) in block.iter_mut().zip(x) {
        let wv = f32x8::new(*w);
        *w = rate.mul_add(f32x8::splat(xd) - wv, wv).to_array();
    }
}

/// `w += alpha h (x - w)` over every block whose `h_of(block index)` is `Some(h)`, visiting the
/// blocks in order. Small dimensions get a loop of their own: blocks are fixed-size arrays and
/// the sample's broadcasts stay in registers, which halves the work per block at `dim = 3`.
#[inline(always)]
fn pull_blocks(
    weights: &mut [f32],
    dim: usize,
    x: &[f32],
    alpha: f32x8,
    h_of: impl FnMut(usize) -> Option<f32x8>,
) {
    match dim {
        1 => pull_fixed::<1>(weights, x, alpha, h_of),
        2 => pull_fixed::<2>(weights, x, alpha, h_of),
        3 => pull_fixed::<3>(weights, x, alpha, h_of),
        4 => pull_fixed::<4>(weights, x, alpha, h_of),
        _ => {
            let mut h_of = h_of;
            for (b, block) in blocks_mut(weights, dim).enumerate() {
                if let Some(h) = h_of(b) {
                    pull(block, x, h * alpha);
                }
            }
        }
    }
}

#[inline(always)]
fn pull_fixed<const D: usize>(
    weights: &mut [f32],
    x: &[f32],
    alpha: f32x8,
    mut h_of: impl FnMut(usize) -> Option<f32x8>,
) {
    let Ok(x) = <&[f32; D]>::try_from(x) else {
        return;
    };
    let xs = x.map(f32x8::splat);
    let blocks = weights.as_chunks_mut::<LANES>().0.as_chunks_mut::<D>().0;
    for (b, block) in blocks.iter_mut().enumerate() {
        if let Some(h) = h_of(b) {
            let rate = h * alpha;
            for (w, xv) in block.iter_mut().zip(xs) {
                let wv = f32x8::new(*w);
                *w = rate.mul_add(xv - wv, wv).to_array();
            }
        }
    }
}

/// Online step: `w += alpha h (x - w)` for every unit, `h` around `winner`. Blocks whose
/// units all have `h = 0` (outside the cut-off) are not touched.
pub(crate) fn online(
    weights: &mut [f32],
    grid: &Grid,
    dim: usize,
    x: &[f32],
    winner: usize,
    nb: &Neighbourhood,
    alpha: f32,
) {
    let center = grid.coords(winner);
    let alpha = f32x8::splat(alpha);
    if let Some(table) = Separable::new(grid, nb, center) {
        // Blocks come in order: track the row and column where each starts.
        let (mut r, mut c) = (0, 0);
        pull_blocks(weights, dim, x, alpha, |_| {
            let h = table.block(r, c);
            c += LANES;
            if c >= table.cols {
                c -= table.cols;
                r += 1;
            }
            h
        });
    } else {
        let field = Field::new(grid, nb);
        pull_blocks(weights, dim, x, alpha, |b| field.block(b, center));
    }
}

/// Batch apply: each unit becomes the `h`-weighted mean of the samples, from per-unit hit
/// counts and sums: `w_j = sum_i h(j,i) S_i / sum_i h(j,i) N_i`. Units whose neighbourhood
/// holds no sample keep their weights. `h` must be non-negative.
pub(crate) fn batch(
    weights: &mut [f32],
    grid: &Grid,
    dim: usize,
    hits: &[u64],
    sums: &[f64],
    nb: &Neighbourhood,
) {
    let field = Field::new(grid, nb);
    let sources = || {
        hits.iter()
            .zip(sums.chunks_exact(dim.max(1)))
            .enumerate()
            .filter(|(_, (n, _))| **n > 0)
    };
    for (b, block) in blocks_mut(weights, dim).enumerate() {
        let mut den = f32x8::ZERO;
        for (i, (&n, _)) in sources() {
            if let Some(h) = field.block(b, grid.coords(i)) {
                den = h.mul_add(f32x8::splat(n as f32), den);
            }
        }
        let fed = den.simd_gt(f32x8::ZERO);
        if !fed.any() {
            continue;
        }
        // Lanes with samples accumulate from 0; the others keep their weights (their h is 0).
        for w in block.iter_mut() {
            *w = fed.select(f32x8::ZERO, f32x8::new(*w)).to_array();
        }
        for (i, (_, sum)) in sources() {
            let Some(h) = field.block(b, grid.coords(i)) else {
                continue;
            };
            for (w, &s) in block.iter_mut().zip(sum) {
                let (s, wv) = (s as f32, f32x8::new(*w));
                let acc = h.mul_add(f32x8::splat(s), wv);
                // A sum beyond f32 is infinite and 0 * inf is NaN: lanes with h = 0 (among
                // them units nothing feeds, which keep their weights) must not see it.
                *w = if s.is_finite() {
                    acc
                } else {
                    h.simd_gt(f32x8::ZERO).select(acc, wv)
                }
                .to_array();
            }
        }
        for w in block.iter_mut() {
            let wv = f32x8::new(*w);
            *w = fed.select(wv / den, wv).to_array();
        }
    }
}
