//! Weight updates, lanes across units: the online step and the batch apply.

use crate::LANES;
use crate::bmu::real_lanes;
use crate::grid::{Grid, Lattice};
use crate::math::f32x8;
use crate::neighbourhood::{Neighbourhood, Prepared};

/// What the update loops need to compute `h` for a block of eight units.
struct Field<'g> {
    grid: &'g Grid,
    units: usize,
    lattice: Lattice,
    prepared: Prepared,
}

impl<'g> Field<'g> {
    fn new(grid: &'g Grid, nb: &Neighbourhood) -> Self {
        Self {
            grid,
            units: grid.units(),
            lattice: grid.lattice(),
            prepared: nb.prepare(),
        }
    }

    /// `h` of the eight units of block `b` around the lattice point `center`; 0 in padding
    /// lanes.
    #[inline(always)]
    fn block_weights(&self, b: usize, center: (f32, f32)) -> f32x8 {
        let positions = self.grid.block_positions(&self.lattice, b);
        let d2 = self.grid.dist2_block(&self.lattice, positions, center);
        let h = self.prepared.weight8(d2);
        if (b + 1) * LANES > self.units {
            real_lanes(b, self.units).select(h, f32x8::ZERO)
        } else {
            h
        }
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
    let field = Field::new(grid, nb);
    let center = grid.position(winner);
    let alpha = f32x8::splat(alpha);
    for (b, block) in blocks_mut(weights, dim).enumerate() {
        let h = field.block_weights(b, center);
        if !any_nonzero(h) {
            continue;
        }
        let rate = h * alpha;
        for (w, &xd) in block.iter_mut().zip(x) {
            let wv = f32x8::new(*w);
            *w = rate.mul_add(f32x8::splat(xd) - wv, wv).to_array();
        }
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
            let h = field.block_weights(b, grid.position(i));
            den = h.mul_add(f32x8::splat(n as f32), den);
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
            let h = field.block_weights(b, grid.position(i));
            if !any_nonzero(h) {
                continue;
            }
            for (w, &s) in block.iter_mut().zip(sum) {
                *w = h.mul_add(f32x8::splat(s as f32), f32x8::new(*w)).to_array();
            }
        }
        for w in block.iter_mut() {
            let wv = f32x8::new(*w);
            *w = fed.select(wv / den, wv).to_array();
        }
    }
}
