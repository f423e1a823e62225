//! `h`, the neighbourhood's value, for the units of a block around a lattice point: from the
//! unit positions ([`Field`], any shape), or from separable tables of the Gaussian ([`Strip`]
//! over [`Separable`]).
//!
//! Everything here computes lane by lane in plain arithmetic (IEEE operations only, no fused
//! multiply-add): the same bits at every level, and inlined into the loops that use it (each
//! compiled for a level by [`crate::simd::dispatch`]) it becomes that level's vectors.

use crate::LANES;
use crate::grid::{Boundary, Grid, Topology};
use crate::layout::blocked_len;
use crate::math::{Lanes8, any, each, exp_lane, lane_index, sqrt};
use crate::neighbourhood::{MIN_EXPONENT, Neighbourhood, Prepared, Shape};

/// `h` for blocks of eight units around one lattice point, any shape: distances from the
/// positions, then the neighbourhood function. Blocks entirely beyond the support are reported
/// as `None` before any transcendental is evaluated.
pub(crate) struct Field<'g> {
    grid: &'g Grid,
    units: usize,
    prepared: Prepared,
    support2: f32,
}

impl<'g> Field<'g> {
    pub(crate) fn new(grid: &'g Grid, nb: &Neighbourhood) -> Self {
        Self {
            grid,
            units: grid.units(),
            prepared: nb.prepare(),
            support2: nb.support2(),
        }
    }

    /// `h` of the units of block `b` around `center`, 0 in padding lanes; `None` when every
    /// lane is 0.
    #[inline(always)]
    pub(crate) fn block(&self, b: usize, center: (f32, f32)) -> Option<Lanes8> {
        let d2 = self.grid.dist2_block(self.grid.block_coords(b), center);
        if !any(each(|i| d2[i] <= self.support2)) {
            return None;
        }
        let mut h = self.prepared.weight8(d2);
        if (b + 1) * LANES > self.units {
            let real = real_lanes(b, self.units);
            h = each(|i| if real[i] { h[i] } else { 0.0 });
        }
        nonzero(h)
    }
}

/// Longest side (rows or columns) for which the separable tables are used.
const TABLE: usize = 128;

/// Floats of table storage for the largest map that uses the tables (see [`Separable::need`]).
pub(crate) const TABLE_MAX: usize = blocked_len(TABLE, 1) + 2 * (blocked_len(TABLE, 1) + LANES);

/// `2^-63`: the smallest separable factor kept (see [`Separable::new`]).
const FACTOR_MIN: f32 = 1.0 / 9_223_372_036_854_775_808.0;

/// One axis of the separable Gaussian: `exp(scale d^2)` for eight lattice coordinates at once,
/// `d` their distance to `c`, wrapping with `period` on a torus. A factor below `FACTOR_MIN` is
/// 0: every `h >= NEGLIGIBLE` has both factors above it, and any product of two factors above
/// it is a normal float, so no denormal ever appears. Shared by the online tables
/// ([`Separable`]) and the batch apply (`batch_separable`).
#[inline(always)]
pub(crate) fn separable_factor(
    torus: bool,
    coord: Lanes8,
    c: f32,
    period: f32,
    scale: f32,
) -> Lanes8 {
    each(|i| {
        let d = (coord[i] - c).abs();
        let d = if torus { d.min(period - d) } else { d };
        let g = exp_lane((d * d * scale).max(MIN_EXPONENT));
        if g >= FACTOR_MIN { g } else { 0.0 }
    })
}

/// The Gaussian is separable: `h = g(dx) g(dy)`. One exp per row and per column around the
/// winner replaces one per unit, which is most of an update's cost at small `dim`. Works for
/// both lattices and boundaries (hexagonal rows get their own column table per row parity).
/// Used for maps of at least [`LANES`] columns, where a row has at least one block's worth of
/// units; the factors become `h` by [`Strip`].
///
/// The tables live in storage the caller sizes to the map ([`Separable::need`] floats, in a
/// few steps up to [`TABLE_MAX`]): on a microcontroller a small map's step does not carry the
/// stack of a 128 x 128 one.
pub(crate) struct Separable<'t> {
    cols: usize,
    /// Rows of odd parity have their own column table (hexagonal lattices).
    parity_mask: usize,
    /// The smallest `h` that counts.
    threshold: f32,
    /// Row factors; zero past the last row, so padding lanes get `h = 0`.
    rows: &'t [f32],
    /// Column factors by row parity, with `LANES` slack: a row segment is read eight columns
    /// at a time. A rectangular lattice has only the first.
    by_parity: [&'t [f32]; 2],
}

impl<'t> Separable<'t> {
    /// Floats of storage the tables of `grid` take, or `None` when the tables do not apply
    /// (another shape, a side beyond [`TABLE`], fewer than [`LANES`] columns).
    pub(crate) fn need(grid: &Grid, nb: &Neighbourhood) -> Option<usize> {
        let (rows, cols) = (grid.rows(), grid.cols());
        if nb.shape() != Shape::Gaussian || rows > TABLE || !(LANES..=TABLE).contains(&cols) {
            return None;
        }
        let parities = if grid.topology() == Topology::Hexagonal {
            2
        } else {
            1
        };
        Some(blocked_len(rows, 1) + parities * (blocked_len(cols, 1) + LANES))
    }

    /// The tables around `center`, in `store` (zeroed, at least [`Separable::need`] floats).
    /// Inlined into the online step, which is compiled for the SIMD level in use: its
    /// exponentials become that level's vectors.
    #[inline(always)]
    pub(crate) fn new(
        grid: &Grid,
        nb: &Neighbourhood,
        center: (f32, f32),
        store: &'t mut [f32],
    ) -> Option<Self> {
        let (rows, cols) = (grid.rows(), grid.cols());
        if Self::need(grid, nb)? > store.len() {
            return None;
        }
        let neg_inv_2s2 = -1.0 / (2.0 * nb.sigma() * nb.sigma());
        let hex = grid.topology() == Topology::Hexagonal;
        let torus = grid.boundary() == Boundary::Toroidal;
        let factor = |coord: Lanes8, c: f32, period: f32, scale: f32| {
            separable_factor(torus, coord, c, period, scale)
        };
        // Whole vectors are stored: the tables' lengths are rounded up.
        let (row_table, rest) = store.split_at_mut(blocked_len(rows, 1).min(store.len()));
        let row_scale = neg_inv_2s2 * grid.vertical();
        let last = rows as f32;
        for (i, chunk) in row_table.as_chunks_mut::<LANES>().0.iter_mut().enumerate() {
            let r = lane_index((i * LANES) as f32);
            let g = factor(r, center.1, rows as f32, row_scale);
            // Rows past the last are 0 (and read as 0 past the table): padding lanes get h = 0.
            *chunk = each(|i| if r[i] < last { g[i] } else { 0.0 });
        }
        // A rectangular lattice has one column table; a hexagonal one, one per row parity.
        let len = (blocked_len(cols, 1) + LANES).min(rest.len());
        let (even, rest) = rest.split_at_mut(len);
        let odd = if hex {
            rest.get_mut(..len).unwrap_or_default()
        } else {
            &mut []
        };
        for (parity, t) in [&mut *even, &mut *odd].into_iter().enumerate() {
            let shift = if parity == 1 { 0.5 } else { 0.0 };
            // Entries past the last column are read (finite), but their products never kept.
            let chunks = t.as_chunks_mut::<LANES>().0.iter_mut();
            for (i, chunk) in chunks.enumerate().take(cols.div_ceil(LANES)) {
                let x = lane_index((i * LANES) as f32 + shift);
                *chunk = factor(x, center.0, cols as f32, neg_inv_2s2);
            }
        }
        Some(Self {
            cols,
            parity_mask: usize::from(hex),
            threshold: nb.threshold(),
            rows: row_table,
            by_parity: [even, odd],
        })
    }
}

/// Blocks whose `h` one fill of a [`Strip`] computes.
const STRIP_BLOCKS: usize = 8;

/// `h` of [`STRIP_BLOCKS`] consecutive blocks from the separable tables, filled one row
/// segment at a time (a broadcast row factor times eight column factors, stored), then read a
/// block at a time. Blocks that straddle rows need no work of their own: the next segment's
/// stores complete them.
pub(crate) struct Strip<'s, 't> {
    table: &'s Separable<'t>,
    /// The first block of the strip held; `usize::MAX` before the first fill.
    first: usize,
    /// One chunk more than the strip: a segment's last store may run past the strip's end.
    h: [[f32; LANES]; STRIP_BLOCKS + 1],
}

impl<'s, 't> Strip<'s, 't> {
    pub(crate) fn new(table: &'s Separable<'t>) -> Self {
        Self {
            table,
            first: usize::MAX,
            h: [[0.0; LANES]; STRIP_BLOCKS + 1],
        }
    }

    /// `h` of block `b`, 0 below the threshold; `None` when every lane is 0.
    #[inline(always)]
    pub(crate) fn block(&mut self, b: usize) -> Option<Lanes8> {
        let first = b - b % STRIP_BLOCKS;
        if first != self.first {
            self.fill(first);
        }
        let h = *self.h.get(b - first)?;
        let threshold = self.table.threshold;
        nonzero(each(|i| if h[i] >= threshold { h[i] } else { 0.0 }))
    }

    /// Computes the strip starting at block `first`. Units past the last row get the row
    /// factor 0, so padding lanes get `h = 0`.
    fn fill(&mut self, first: usize) {
        self.first = first;
        let t = self.table;
        let cols = t.cols.max(1);
        let start = first.saturating_mul(LANES);
        let (mut r, mut c) = (start / cols, start % cols);
        let out = self.h.as_flattened_mut();
        let mut i = 0;
        while i < STRIP_BLOCKS * LANES {
            let len = (cols - c).min(STRIP_BLOCKS * LANES - i);
            let g = t.rows.get(r).copied().unwrap_or(0.0);
            let columns = t
                .by_parity
                .get(r & t.parity_mask)
                .copied()
                .unwrap_or_default();
            // Whole vectors from column `c` and unit `i` on; the last may run past the segment,
            // into columns of the slack and units that the next segment overwrites.
            let (Some(from), Some(to)) = (columns.get(c..), out.get_mut(i..)) else {
                return;
            };
            let pairs = from
                .as_chunks::<LANES>()
                .0
                .iter()
                .zip(to.as_chunks_mut::<LANES>().0);
            for (f, t) in pairs.take(len.div_ceil(LANES)) {
                *t = each(|i| g * f[i]);
            }
            i += len;
            r += 1;
            c = 0;
        }
    }
}

/// `h`, or `None` when every lane is 0.
#[inline(always)]
fn nonzero(h: Lanes8) -> Option<Lanes8> {
    any(each(|i| h[i] != 0.0)).then_some(h)
}

/// Lanes of block `b` that hold real units.
#[inline(always)]
fn real_lanes(b: usize, units: usize) -> [bool; LANES] {
    let k = lane_index((b * LANES) as f32);
    each(|i| k[i] < units as f32)
}

/// `h` of the units of block `b`, as an online sweep asks for it (`None`: all 0). A trait
/// with `#[inline(always)]` methods rather than a closure, so that it is compiled into the
/// sweep's instruction set (see [`crate::pairs::Rows`]).
pub(crate) trait BlockH {
    /// `h` of block `b`'s eight units.
    fn h(&mut self, b: usize) -> Option<[f32; LANES]>;
}

impl BlockH for Strip<'_, '_> {
    #[inline(always)]
    fn h(&mut self, b: usize) -> Option<[f32; LANES]> {
        self.block(b)
    }
}

/// A [`Field`] around one lattice point.
pub(crate) struct Around<'f, 'g> {
    field: &'f Field<'g>,
    center: (f32, f32),
    /// The blocks that can hold a unit within the support: on a planar map, those of the
    /// rows it reaches; the others are `None` without a look at their units.
    blocks: core::ops::Range<usize>,
}

impl<'f, 'g> Around<'f, 'g> {
    /// `field` around the lattice point `center = (x, row)`.
    pub(crate) fn new(field: &'f Field<'g>, center: (f32, f32)) -> Self {
        let grid = field.grid;
        let every = 0..field.units.div_ceil(LANES);
        // A unit `dr` rows away is at least `dr^2 vertical` away: rows farther than `reach`
        // are beyond the support (one more row each side, for the roundings here).
        let reach = sqrt(field.support2 / grid.vertical());
        let blocks = if grid.boundary() == Boundary::Toroidal || !reach.is_finite() {
            every
        } else {
            let first = (center.1 - reach - 1.0).max(0.0) as usize;
            let last = ((center.1 + reach + 1.0).max(0.0) as usize).min(grid.rows() - 1);
            let units = first * grid.cols()..(last + 1) * grid.cols();
            units.start / LANES..units.end.div_ceil(LANES)
        };
        Self {
            field,
            center,
            blocks,
        }
    }
}

impl BlockH for Around<'_, '_> {
    #[inline(always)]
    fn h(&mut self, b: usize) -> Option<[f32; LANES]> {
        if !self.blocks.contains(&b) {
            return None;
        }
        self.field.block(b, self.center)
    }
}
