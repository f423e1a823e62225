//! The certified many-sample search with the samples across the lanes: a matrix product's
//! micro-kernel.
//!
//! [`super::certified`]'s register tiles put sixteen units in a vector and broadcast each
//! sample's values: every row of units is assembled from two blocks (an insert, which on
//! Intel cores competes with the FMAs for a port), and every tile recomputes the units'
//! norms. Here a tile's samples are copied once into rows of sixteen (one vector a row), and
//! each unit's value is broadcast from its block as stored: per dimension, `R` vector loads
//! and eight broadcasts feed `8 R` FMAs, and a lane sees every unit of its sample, so it keeps
//! its sample's smallest and second-smallest expanded value and the unit of the smallest.
//! The smallest is certified with the same bound ([`super::certified::limit`]) and measured
//! exactly, all lanes at once; a sample whose second-smallest is within the bound (a near tie)
//! or whose values are not finite goes through the exact search, so the answers are still the
//! exact search's, bit for bit.
//!
//! For instruction sets with 32 registers (the `8 R` accumulators, `R` rows and the tracking
//! state stay in registers) and dimensions up to [`MAX_DIM`] (the copied tile lives on the
//! stack): see [`fits`].

// Index loops over arrays of vectors, as in [`crate::pairs`].
#![allow(clippy::needless_range_loop)]

use super::Bmu;
use super::certified::limit;
use super::exact;
use super::track::{NONE, Near};
use crate::LANES;
use crate::pairs::{Dist2, Term};
use crate::simd::{Isa, Lanes};

/// The largest dimension whose tile is copied to the stack (`R * 16 * 4` bytes a dimension).
const MAX_DIM: usize = 256;

/// Vectors of samples a tile: `8 R` accumulators beside `R` rows and `3 R` tracking vectors.
const R: usize = 2;

/// Samples a vector holds.
const WIDTH: usize = 2 * LANES;

/// A tile's samples, dimension-major: `rows[d][r][l]` is dimension `d` of sample `16 r + l`.
type Tile = [[[f32; WIDTH]; R]; MAX_DIM];

/// Whether [`many`] serves instruction set `I` at dimension `dim`.
#[inline(always)]
pub(crate) fn fits<I: Isa>(dim: usize) -> bool {
    I::MANY_REGISTERS
        && I::V::WIDTH == WIDTH
        && (1..=MAX_DIM).contains(&dim)
        && cfg!(target_pointer_width = "64")
}

/// Best-matching units of the samples of `data` into `out`, where [`fits`] (elsewhere it
/// does nothing); `largest` is the codebook's largest `|w|^2`, finite.
#[inline(always)]
pub(crate) fn many<I: Isa>(
    isa: I,
    weights: &[f32],
    units: usize,
    dim: usize,
    data: &[f32],
    out: &mut [Bmu],
    largest: f32,
) {
    if !fits::<I>(dim) {
        return;
    }
    let mut rows: Tile = [[[0.0; WIDTH]; R]; MAX_DIM];
    let mut nearest: Tile = [[[0.0; WIDTH]; R]; MAX_DIM];
    let blocks = weights.as_chunks::<LANES>().0;
    // `max(1)` and `get`: the optimiser does not carry the checks above into the loops, and
    // a chunk size of 0 or an index out of range would be panic branches.
    let dim = dim.max(1);
    for (tile, o) in data.chunks(dim * WIDTH * R).zip(out.chunks_mut(WIDTH * R)) {
        // Samples past the data's end stay as the previous tile left them: their answers are
        // not stored.
        for (s, x) in tile.chunks_exact(dim).enumerate().take(WIDTH * R) {
            for (row, &v) in rows.iter_mut().zip(x) {
                if let Some(lane) = row.get_mut(s / WIDTH).and_then(|r| r.get_mut(s % WIDTH)) {
                    *lane = v;
                }
            }
        }
        let rows = rows.get(..dim).unwrap_or(&[]);
        let mut near = [Near::new(isa); R];
        for (b, block) in blocks.chunks_exact(dim).enumerate() {
            let real = units.saturating_sub(b * LANES).min(LANES);
            block_into(isa, block, rows, b * LANES, real, &mut near);
        }
        let (first, second, unit) = (
            near.map(|n| n.first.to_array()),
            near.map(|n| n.second.to_array()),
            near.map(|n| n.unit.to_array()),
        );
        let exact = exact_lanes(isa, blocks, dim, rows, &unit, &mut nearest);
        let x2 = norms64(rows);
        for s in 0..WIDTH * R {
            let (r, l) = (s / WIDTH, s % WIDTH);
            let (Some(x), Some(slot)) = (tile.get(s * dim..(s + 1) * dim), o.get_mut(s)) else {
                continue;
            };
            // The one known candidate, if rounding leaves no other.
            let certified = limit(dim, first[r][l], x2[r][l], largest)
                .filter(|&limit| f64::from(second[r][l]) > limit && unit[r][l] != NONE)
                .map(|_| Bmu {
                    unit: unit[r][l] as usize,
                    dist2: exact[r][l],
                })
                .filter(|b| b.dist2.is_finite());
            *slot = match certified {
                Some(found) => found,
                None => exact::one::<I, Dist2>(isa, weights, units, dim, x),
            };
        }
    }
}

/// Each lane's exact squared distance to its unit (`units`, as `f32`; [`NONE`] measures unit
/// 0), summed as the exact search sums it: per lane, `fma(x - w, x - w, acc)` from dimension
/// 0. The units' values are gathered into `nearest` first, a row a dimension.
#[inline(always)]
fn exact_lanes<I: Isa>(
    isa: I,
    blocks: &[[f32; LANES]],
    dim: usize,
    rows: &[[[f32; WIDTH]; R]],
    units: &[[f32; WIDTH]; R],
    nearest: &mut Tile,
) -> [[f32; WIDTH]; R] {
    // Dimension by dimension, each lane's value looked up: copying a unit's column down its
    // block instead let the compiler read its rows 512 bytes at a time, past the block's end
    // where the column is not the first (found by the `batch` fuzz target under ASan).
    let mut at = [[(0usize, 0usize); WIDTH]; R];
    for r in 0..R {
        for l in 0..WIDTH {
            let u = units[r][l].max(0.0) as usize;
            at[r][l] = (u / LANES * dim, u % LANES);
        }
    }
    for (d, row) in nearest.iter_mut().enumerate().take(dim) {
        for r in 0..R {
            for l in 0..WIDTH {
                let (start, k) = at[r][l];
                row[r][l] = blocks
                    .get(start + d)
                    .and_then(|w| w.get(k))
                    .copied()
                    .unwrap_or(0.0);
            }
        }
    }
    let mut acc = [isa.zero(); R];
    for (x, w) in rows.iter().zip(nearest.iter()) {
        for r in 0..R {
            acc[r] = Dist2::fold(acc[r], isa.array(&x[r]), isa.array(&w[r]));
        }
    }
    acc.map(|a| a.to_array())
}

/// Each lane's `|x|^2` in `f64` (independent lanes: the compiler vectorises across them).
#[inline(always)]
fn norms64(rows: &[[[f32; WIDTH]; R]]) -> [[f64; WIDTH]; R] {
    let mut x2 = [[0.0f64; WIDTH]; R];
    for x in rows {
        for r in 0..R {
            for l in 0..WIDTH {
                let v = f64::from(x[r][l]);
                x2[r][l] += v * v;
            }
        }
    }
    x2
}

/// One block of eight units (`first` the first's index, `real` of them in the map) against a
/// tile's samples: the dot products in `8 R` chains, then each unit's expanded value
/// `|w|^2 - 2 x.w` offered to every lane's tracker.
#[inline(always)]
fn block_into<I: Isa>(
    isa: I,
    block: &[[f32; LANES]],
    rows: &[[[f32; WIDTH]; R]],
    first: usize,
    real: usize,
    near: &mut [Near<I::V>; R],
) {
    // The norms in a loop of their own: with the row loaded as a vector in the loop below,
    // the compiler derives the eight broadcasts from it by shuffles, which compete with the
    // FMAs for a port on Intel cores, instead of loading each straight from memory.
    let mut norm = isa.zero();
    for w in block {
        let w = isa.load(w, w);
        norm = w.mul_add(w, norm);
    }
    let mut dot = [[isa.zero(); R]; LANES];
    for (w, x) in block.iter().zip(rows) {
        let mut xs = [isa.zero(); R];
        for r in 0..R {
            xs[r] = isa.array(&x[r]);
        }
        for u in 0..LANES {
            let wu = isa.splat(w[u]);
            for r in 0..R {
                dot[u][r] = wu.mul_add(xs[r], dot[u][r]);
            }
        }
    }
    let norm = norm.to_array();
    // Constant indices (a unit past the map's end is skipped, not cut off by the loop's
    // bound): an array of vectors indexed at run time would live in memory, not registers.
    for u in 0..LANES {
        if u >= real {
            continue;
        }
        let (n, unit) = (isa.splat(norm[u]), isa.splat((first + u) as f32));
        for r in 0..R {
            near[r].offer(dot[u][r].mul_add(isa.splat(-2.0), n), unit);
        }
    }
}
