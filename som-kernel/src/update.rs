//! Weight updates, lanes across units: the online step and the batch apply.

use crate::LANES;
use crate::bmu::{Best, Bmu, real_lanes};
use crate::grid::{Boundary, Grid, LANE_INDEX, Lattice, Topology};
use crate::layout::blocked_len;
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

/// Floats of table storage for the largest map that uses the tables (see [`Separable::need`]).
const TABLE_MAX: usize = blocked_len(TABLE, 1) + 2 * (blocked_len(TABLE, 1) + LANES);

/// `2^-63`: the smallest separable factor kept (see [`Separable::new`]).
const FACTOR_MIN: f32 = 1.0 / 9_223_372_036_854_775_808.0;

/// One axis of the separable Gaussian: `exp(scale d^2)` for eight lattice coordinates at once,
/// `d` their distance to `c`, wrapping with `period` on a torus. A factor below `FACTOR_MIN` is
/// 0: every `h >= NEGLIGIBLE` has both factors above it, and any product of two factors above
/// it is a normal float, so no denormal ever appears. Shared by the online tables
/// ([`Separable`]) and the batch apply ([`batch_separable`]).
#[inline(always)]
fn separable_factor(torus: bool, coord: f32x8, c: f32, period: f32, scale: f32) -> f32x8 {
    let mut d = (coord - f32x8::splat(c)).abs();
    if torus {
        d = d.min(f32x8::splat(period) - d);
    }
    let g = exp8((d * d * f32x8::splat(scale)).max(f32x8::splat(MIN_EXPONENT)));
    g.simd_ge(f32x8::splat(FACTOR_MIN)).select(g, f32x8::ZERO)
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
struct Separable<'t> {
    cols: usize,
    /// Rows of odd parity have their own column table (hexagonal lattices).
    parity_mask: usize,
    /// The smallest `h` that counts, broadcast.
    threshold: f32x8,
    /// Row factors; zero past the last row, so padding lanes get `h = 0`.
    rows: &'t [f32],
    /// Column factors by row parity, with `LANES` slack: a row segment is read eight columns
    /// at a time. A rectangular lattice has only the first.
    by_parity: [&'t [f32]; 2],
}

impl<'t> Separable<'t> {
    /// Floats of storage the tables of `grid` take, or `None` when the tables do not apply
    /// (another shape, a side beyond [`TABLE`], fewer than [`LANES`] columns).
    fn need(grid: &Grid, nb: &Neighbourhood) -> Option<usize> {
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
    fn new(
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
        let factor = |coord: f32x8, c: f32, period: f32, scale: f32| {
            separable_factor(torus, coord, c, period, scale)
        };
        // Whole vectors are stored: the tables' lengths are rounded up.
        let (row_table, rest) = store.split_at_mut(blocked_len(rows, 1).min(store.len()));
        let row_scale = neg_inv_2s2 * grid.vertical();
        let last = f32x8::splat(rows as f32);
        for (i, chunk) in row_table.as_chunks_mut::<LANES>().0.iter_mut().enumerate() {
            let r = f32x8::splat((i * LANES) as f32) + LANE_INDEX;
            let g = factor(r, center.1, rows as f32, row_scale);
            // Rows past the last are 0 (and read as 0 past the table): padding lanes get h = 0.
            *chunk = r.simd_lt(last).select(g, f32x8::ZERO).to_array();
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
                let x = f32x8::splat((i * LANES) as f32 + shift) + LANE_INDEX;
                *chunk = factor(x, center.0, cols as f32, neg_inv_2s2).to_array();
            }
        }
        Some(Self {
            cols,
            parity_mask: usize::from(hex),
            threshold: f32x8::splat(nb.threshold()),
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
struct Strip<'s, 't> {
    table: &'s Separable<'t>,
    /// The first block of the strip held; `usize::MAX` before the first fill.
    first: usize,
    /// One chunk more than the strip: a segment's last store may run past the strip's end.
    h: [[f32; LANES]; STRIP_BLOCKS + 1],
}

impl<'s, 't> Strip<'s, 't> {
    fn new(table: &'s Separable<'t>) -> Self {
        Self {
            table,
            first: usize::MAX,
            h: [[0.0; LANES]; STRIP_BLOCKS + 1],
        }
    }

    /// `h` of block `b`, 0 below the threshold; `None` when every lane is 0.
    #[inline(always)]
    fn block(&mut self, b: usize) -> Option<f32x8> {
        let first = b - b % STRIP_BLOCKS;
        if first != self.first {
            self.fill(first);
        }
        let h = f32x8::new(*self.h.get(b - first)?);
        let h = h.simd_ge(self.table.threshold).select(h, f32x8::ZERO);
        any_nonzero(h).then_some(h)
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
            let g = f32x8::splat(t.rows.get(r).copied().unwrap_or(0.0));
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
                *t = (g * f32x8::new(*f)).to_array();
            }
            i += len;
            r += 1;
            c = 0;
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

/// What a sweep does with every block besides the update: nothing ([`Nothing`]), or measure
/// the next sample's distances to the fresh weights ([`Search`]).
trait Then {
    /// Whether blocks the update leaves alone are visited too.
    const EVERY_BLOCK: bool;

    /// The next sample (general dimension), or `x` when there is none: a slice, so that the
    /// loops zipping it with the blocks stay simple counted loops.
    fn rows<'a>(&'a self, x: &'a [f32]) -> &'a [f32];

    /// The next sample as `D` broadcasts (small fixed dimension).
    fn fixed<const D: usize>(&self) -> [f32x8; D];

    /// Folds row `w` (after its update) of a block, with its broadcast `next`, into `acc`.
    fn row(acc: f32x8, next: f32x8, w: f32x8) -> f32x8;

    /// Block `b` is done; `acc` holds every one of its rows.
    fn block(&mut self, b: usize, acc: f32x8);
}

/// A plain update.
struct Nothing;

impl Then for Nothing {
    const EVERY_BLOCK: bool = false;

    #[inline(always)]
    fn rows<'a>(&'a self, x: &'a [f32]) -> &'a [f32] {
        x
    }

    #[inline(always)]
    fn fixed<const D: usize>(&self) -> [f32x8; D] {
        [f32x8::ZERO; D]
    }

    #[inline(always)]
    fn row(acc: f32x8, _: f32x8, _: f32x8) -> f32x8 {
        acc
    }

    #[inline(always)]
    fn block(&mut self, _: usize, _: f32x8) {}
}

/// The next sample's best-matching unit, searched on the updated weights while they are still
/// in registers. Distances accumulate exactly as [`crate::bmu::bmu`] accumulates them (one
/// sequential FMA chain per block, from dimension 0) into the same kind of per-lane tracker,
/// reduced the same way: the result is bit-identical to an update followed by a search.
///
/// One tracker where the search has four: which tracker takes a block does not change the
/// result (each keeps per lane the smallest (distance, unit) it was offered, units in
/// increasing order, and the reduction takes the smallest of those), and here, with the update
/// in the same loop, the comparisons are not what a block waits on. Measured: one tracker in
/// registers beats four taken in turn (an array indexed by block, so in memory) or unrolled.
struct Search<'x> {
    next: &'x [f32],
    units: usize,
    best: Best,
}

impl<'x> Search<'x> {
    fn new(next: &'x [f32], units: usize) -> Self {
        Self {
            next,
            units,
            best: Best::new(),
        }
    }
}

impl Then for Search<'_> {
    const EVERY_BLOCK: bool = true;

    #[inline(always)]
    fn rows<'a>(&'a self, _: &'a [f32]) -> &'a [f32] {
        self.next
    }

    #[inline(always)]
    fn fixed<const D: usize>(&self) -> [f32x8; D] {
        <&[f32; D]>::try_from(self.next).map_or([f32x8::ZERO; D], |x| x.map(f32x8::splat))
    }

    #[inline(always)]
    fn row(acc: f32x8, next: f32x8, w: f32x8) -> f32x8 {
        let e = next - w;
        e.mul_add(e, acc)
    }

    #[inline(always)]
    fn block(&mut self, b: usize, acc: f32x8) {
        self.best.offer_block(acc, b, self.units);
    }
}

/// `w += rate (x - w)` for the rows of one block, if `rate` is given (`U`), then `then.row`
/// over the rows as they now are. Two blocks side by side: at a large `dim` one block's FMA
/// chain of distances would otherwise wait on itself.
#[inline(always)]
fn pull_pair<T: Then, const U0: bool, const U1: bool>(
    then: &T,
    (b0, b1): (&mut [[f32; LANES]], &mut [[f32; LANES]]),
    x: &[f32],
    (r0, r1): (f32x8, f32x8),
) -> (f32x8, f32x8) {
    let (mut a0, mut a1) = (f32x8::ZERO, f32x8::ZERO);
    let rows = b0.iter_mut().zip(b1.iter_mut()).zip(x).zip(then.rows(x));
    for (((w0, w1), &xd), &nd) in rows {
        let (xv, nv) = (f32x8::splat(xd), f32x8::splat(nd));
        let mut v0 = f32x8::new(*w0);
        if U0 {
            v0 = r0.mul_add(xv - v0, v0);
            *w0 = v0.to_array();
        }
        let mut v1 = f32x8::new(*w1);
        if U1 {
            v1 = r1.mul_add(xv - v1, v1);
            *w1 = v1.to_array();
        }
        a0 = T::row(a0, nv, v0);
        a1 = T::row(a1, nv, v1);
    }
    (a0, a1)
}

/// [`pull_pair`] for a last, single block.
#[inline(always)]
fn pull_one<T: Then, const U: bool>(
    then: &T,
    block: &mut [[f32; LANES]],
    x: &[f32],
    rate: f32x8,
) -> f32x8 {
    let mut acc = f32x8::ZERO;
    for ((w, &xd), &nd) in block.iter_mut().zip(x).zip(then.rows(x)) {
        let nv = f32x8::splat(nd);
        let mut v = f32x8::new(*w);
        if U {
            v = rate.mul_add(f32x8::splat(xd) - v, v);
            *w = v.to_array();
        }
        acc = T::row(acc, nv, v);
    }
    acc
}

/// `w += alpha h (x - w)` over every block whose `h_of(block index)` is `Some(h)`, visiting the
/// blocks in order, and `then` over the blocks (the updated ones, or all of them if it asks).
/// Small dimensions get a loop of their own: blocks are fixed-size arrays and the sample's
/// broadcasts stay in registers, which halves the work per block at `dim = 3`.
#[inline(always)]
fn pull_blocks<T: Then>(
    weights: &mut [f32],
    dim: usize,
    x: &[f32],
    alpha: f32x8,
    h_of: impl FnMut(usize) -> Option<f32x8>,
    then: &mut T,
) {
    match dim {
        1 => pull_fixed::<1, T>(weights, x, alpha, h_of, then),
        2 => pull_fixed::<2, T>(weights, x, alpha, h_of, then),
        3 => pull_fixed::<3, T>(weights, x, alpha, h_of, then),
        4 => pull_fixed::<4, T>(weights, x, alpha, h_of, then),
        _ if T::EVERY_BLOCK => pull_general(weights, dim, x, alpha, h_of, then),
        _ => {
            // A plain update has no chains to interleave: block by block is faster (measured).
            let mut h_of = h_of;
            let blocks = weights.as_chunks_mut::<LANES>().0;
            // `dim.max(1)` keeps `chunks_exact_mut` total; callers never pass 0.
            for (b, block) in blocks.chunks_exact_mut(dim.max(1)).enumerate() {
                if let Some(h) = h_of(b) {
                    let acc = pull_one::<T, true>(then, block, x, h * alpha);
                    then.block(b, acc);
                }
            }
        }
    }
}

/// [`pull_blocks`] for any dimension when every block is visited (a search in the same
/// sweep), four blocks at a time: four blocks none of which is updated are only measured,
/// with four independent FMA chains (as the search does); the others go by pairs
/// ([`pull_pair`]). Not inlined, as [`pull_fixed`].
#[inline(never)]
fn pull_general<T: Then>(
    weights: &mut [f32],
    dim: usize,
    x: &[f32],
    alpha: f32x8,
    mut h_of: impl FnMut(usize) -> Option<f32x8>,
    then: &mut T,
) {
    // `dim.max(1)` keeps `chunks_exact_mut` total; callers never pass 0.
    let dim = dim.max(1);
    let blocks = weights.as_chunks_mut::<LANES>().0;
    let mut quads = blocks.chunks_exact_mut(dim.saturating_mul(4));
    let mut b = 0;
    for quad in quads.by_ref() {
        let h = [h_of(b), h_of(b + 1), h_of(b + 2), h_of(b + 3)];
        if h.iter().all(Option::is_none) {
            if T::EVERY_BLOCK {
                for (j, acc) in measure4(then, quad, dim, x).into_iter().enumerate() {
                    then.block(b + j, acc);
                }
            }
        } else {
            let (p0, p1) = quad.split_at_mut((2 * dim).min(quad.len()));
            pull_two(then, p0, dim, x, alpha, (h[0], h[1]), b);
            pull_two(then, p1, dim, x, alpha, (h[2], h[3]), b + 2);
        }
        b += 4;
    }
    let rest = quads.into_remainder();
    let mut pairs = rest.chunks_exact_mut(dim.saturating_mul(2));
    for pair in pairs.by_ref() {
        let h = (h_of(b), h_of(b + 1));
        pull_two(then, pair, dim, x, alpha, h, b);
        b += 2;
    }
    let last = pairs.into_remainder();
    if last.len() >= dim {
        let h = h_of(b);
        let rate = h.unwrap_or_default() * alpha;
        if h.is_some() {
            let acc = pull_one::<T, true>(then, last, x, rate);
            then.block(b, acc);
        } else if T::EVERY_BLOCK {
            let acc = pull_one::<T, false>(then, last, x, rate);
            then.block(b, acc);
        }
    }
}

/// Blocks `b` and `b + 1` (`pair` holds both), with their `h`.
#[inline(always)]
fn pull_two<T: Then>(
    then: &mut T,
    pair: &mut [[f32; LANES]],
    dim: usize,
    x: &[f32],
    alpha: f32x8,
    (h0, h1): (Option<f32x8>, Option<f32x8>),
    b: usize,
) {
    if !T::EVERY_BLOCK && h0.is_none() && h1.is_none() {
        return;
    }
    let blocks = pair.split_at_mut(dim.min(pair.len()));
    let rates = (
        h0.unwrap_or_default() * alpha,
        h1.unwrap_or_default() * alpha,
    );
    let (a0, a1) = match (h0.is_some(), h1.is_some()) {
        (true, true) => pull_pair::<T, true, true>(then, blocks, x, rates),
        (true, false) => pull_pair::<T, true, false>(then, blocks, x, rates),
        (false, true) => pull_pair::<T, false, true>(then, blocks, x, rates),
        (false, false) => pull_pair::<T, false, false>(then, blocks, x, rates),
    };
    if T::EVERY_BLOCK || h0.is_some() {
        then.block(b, a0);
    }
    if T::EVERY_BLOCK || h1.is_some() {
        then.block(b + 1, a1);
    }
}

/// `then.row` over the rows of four blocks that are not updated, side by side.
#[inline(always)]
fn measure4<T: Then>(then: &T, quad: &[[f32; LANES]], dim: usize, x: &[f32]) -> [f32x8; 4] {
    let mut acc = [f32x8::ZERO; 4];
    let mut parts = quad.chunks_exact(dim);
    let b: [&[[f32; LANES]]; 4] = core::array::from_fn(|_| parts.next().unwrap_or_default());
    let rows = b[0].iter().zip(b[1]).zip(b[2]).zip(b[3]).zip(then.rows(x));
    for ((((w0, w1), w2), w3), &nd) in rows {
        let nv = f32x8::splat(nd);
        for (a, w) in acc.iter_mut().zip([w0, w1, w2, w3]) {
            *a = T::row(*a, nv, f32x8::new(*w));
        }
    }
    acc
}

// Not inlined: each dimension's loop has a frame of its own, and the stack of a step is
// that of the one it takes, not the sum (microcontrollers spill every f32x8).
#[inline(never)]
fn pull_fixed<const D: usize, T: Then>(
    weights: &mut [f32],
    x: &[f32],
    alpha: f32x8,
    mut h_of: impl FnMut(usize) -> Option<f32x8>,
    then: &mut T,
) {
    let Ok(x) = <&[f32; D]>::try_from(x) else {
        return;
    };
    let xs = x.map(f32x8::splat);
    let next = then.fixed::<D>();
    let blocks = weights.as_chunks_mut::<LANES>().0.as_chunks_mut::<D>().0;
    for (b, block) in blocks.iter_mut().enumerate() {
        let mut acc = f32x8::ZERO;
        if let Some(h) = h_of(b) {
            let rate = h * alpha;
            for ((w, xv), nv) in block.iter_mut().zip(xs).zip(next) {
                let wv = f32x8::new(*w);
                let wv = rate.mul_add(xv - wv, wv);
                *w = wv.to_array();
                acc = T::row(acc, nv, wv);
            }
        } else if T::EVERY_BLOCK {
            for (w, nv) in block.iter().zip(next) {
                acc = T::row(acc, nv, f32x8::new(*w));
            }
        } else {
            continue;
        }
        then.block(b, acc);
    }
}

/// `w += alpha h (x - w)` for every unit, `h` around `winner`, then `then` over the blocks.
/// Blocks whose units all have `h = 0` (outside the cut-off) are not updated.
#[inline(always)]
fn sweep<T: Then>(
    weights: &mut [f32],
    grid: &Grid,
    dim: usize,
    x: &[f32],
    (winner, nb, alpha): (usize, &Neighbourhood, f32),
    then: &mut T,
) {
    let center = grid.coords(winner);
    let step = (center, nb, f32x8::splat(alpha));
    // Table storage in three sizes, so that the stack follows the map's size: 256 bytes
    // for maps like 8 x 8 (hexagonal too) or 16 x 20, 640 bytes to 64 x 64 (42 x 42
    // hexagonal), 1600 bytes beyond.
    match Separable::need(grid, nb) {
        Some(need) if need <= 64 => with_tables::<64, T>(weights, grid, dim, x, step, then),
        Some(need) if need <= 160 => with_tables::<160, T>(weights, grid, dim, x, step, then),
        Some(_) => with_tables::<TABLE_MAX, T>(weights, grid, dim, x, step, then),
        None => {
            let field = Field::new(grid, nb);
            pull_blocks(weights, dim, x, step.2, |b| field.block(b, center), then);
        }
    }
}

/// [`sweep`] with separable tables in `N` floats of stack, this frame's alone: callers only
/// pay for the size they pick.
#[inline(never)]
fn with_tables<const N: usize, T: Then>(
    weights: &mut [f32],
    grid: &Grid,
    dim: usize,
    x: &[f32],
    (center, nb, alpha): ((f32, f32), &Neighbourhood, f32x8),
    then: &mut T,
) {
    let mut store = [0.0; N];
    if let Some(table) = Separable::new(grid, nb, center, &mut store) {
        with_table(weights, dim, x, alpha, &table, then);
    }
}

/// [`sweep`] over built tables: one copy of the loops whatever the storage size.
#[inline(never)]
fn with_table<T: Then>(
    weights: &mut [f32],
    dim: usize,
    x: &[f32],
    alpha: f32x8,
    table: &Separable<'_>,
    then: &mut T,
) {
    let mut strip = Strip::new(table);
    pull_blocks(weights, dim, x, alpha, |b| strip.block(b), then);
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
    sweep(weights, grid, dim, x, (winner, nb, alpha), &mut Nothing);
}

/// [`online`], then the best-matching unit of `next` in the updated map, in the same sweep:
/// bit-identical to [`online`] followed by [`crate::bmu::bmu`]. `next.len() == dim`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn online_then_bmu(
    weights: &mut [f32],
    grid: &Grid,
    dim: usize,
    x: &[f32],
    winner: usize,
    nb: &Neighbourhood,
    alpha: f32,
    next: &[f32],
) -> Bmu {
    let mut search = Search::new(next, grid.units());
    sweep(weights, grid, dim, x, (winner, nb, alpha), &mut search);
    search.best.reduce()
}

/// Batch apply: each unit becomes the `h`-weighted mean of the samples, from per-unit hit
/// counts and sums: `w_j = sum_i h(j,i) S_i / sum_i h(j,i) N_i`. Units whose neighbourhood
/// holds no sample keep their weights. `h` must be non-negative.
///
/// A Gaussian on a rectangular lattice takes the separable path ([`batch_separable`]),
/// `O(units (rows + cols) dim)`; everything else the general one, `O(units^2 dim)`.
pub(crate) fn batch(
    weights: &mut [f32],
    grid: &Grid,
    dim: usize,
    hits: &[u64],
    sums: &[f64],
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
        batch_general(weights, grid, dim, hits, sums, nb);
    }
}

/// The general batch apply: every block of eight units against every unit with hits, `h`
/// from the lattice distance. Any shape and lattice.
pub(crate) fn batch_general(
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
        let coord = f32x8::splat(first + (i * LANES) as f32) + LANE_INDEX;
        let g = separable_factor(torus, coord, 0.0, n as f32, scale).to_array();
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
            batch_general(&mut general, &grid, dim, &hits, &sums, &nb);
            let mut via = w.clone();
            batch(&mut via, &grid, dim, &hits, &sums, &nb);
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

#[cfg(test)]
mod timing {
    extern crate std;
    use super::*;
    use crate::layout::blocked_len;
    use std::vec;

    /// Not a test: times both paths (`cargo test --release -- --ignored --nocapture timing`).
    #[test]
    #[ignore]
    fn timing_separable_vs_general() {
        for (rows, cols, dim) in [(50usize, 50usize, 32usize), (40, 40, 64), (24, 25, 3)] {
            let units = rows * cols;
            let grid = Grid::new(rows, cols).unwrap();
            for every in [1usize, 20] {
                let hits: vec::Vec<u64> = (0..units)
                    .map(|k| if k % every == 0 { 40 } else { 0 })
                    .collect();
                let sums: vec::Vec<f64> = (0..units * dim).map(|i| (i % 7) as f64).collect();
                for sigma in [1.0f32, 2.0, 4.17, 5.0, 6.25, 12.5] {
                    let nb = Neighbourhood::new(Shape::Gaussian, sigma).unwrap();
                    let mut w = vec![0.0f32; blocked_len(units, dim)];
                    let t = std::time::Instant::now();
                    let reps = 3;
                    for _ in 0..reps {
                        batch_separable::<LARGE_SIDE, { 2 * LARGE_SIDE }, 8>(
                            &mut w, &grid, dim, &hits, &sums, &nb, false,
                        );
                    }
                    let sep = t.elapsed().as_secs_f64() / reps as f64;
                    let t = std::time::Instant::now();
                    for _ in 0..reps {
                        batch_general(&mut w, &grid, dim, &hits, &sums, &nb);
                    }
                    let general = t.elapsed().as_secs_f64() / reps as f64;
                    let chosen = batch_separable::<LARGE_SIDE, { 2 * LARGE_SIDE }, 8>(
                        &mut w, &grid, dim, &hits, &sums, &nb, true,
                    );
                    std::println!(
                        "{rows}x{cols}x{dim} 1/{every} hit sigma {sigma}: separable {:.2} ms, general {:.2} ms, chosen separable {chosen}",
                        sep * 1e3,
                        general * 1e3
                    );
                }
            }
        }
    }
}
