//! Weight updates, lanes across units: the online step and the batch apply.

use crate::LANES;
use crate::bmu::{Best, Bmu, real_lanes};
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

/// Floats of table storage for the largest map that uses the tables (see [`Separable::need`]).
const TABLE_MAX: usize = TABLE + 2 + 2 * (LANES + TABLE + LANES);

/// `2^-63`: the smallest separable factor kept (see [`Separable::new`]).
const FACTOR_MIN: f32 = 1.0 / 9_223_372_036_854_775_808.0;

/// The Gaussian is separable: `h = g(dx) g(dy)`. One exp per row and per column around the
/// winner replaces one per unit, which is most of an update's cost at small `dim`. Works for
/// both lattices and boundaries (hexagonal rows get their own column table per row parity);
/// needs `cols >= LANES` so that a block spans at most two rows.
///
/// The tables live in storage the caller sizes to the map ([`Separable::need`] floats, in a
/// few steps up to [`TABLE_MAX`]): on a microcontroller a small map's step does not carry the
/// stack of a 128 x 128 one.
struct Separable<'t> {
    cols: usize,
    /// Rows of odd parity have their own column table (hexagonal lattices).
    parity_mask: usize,
    /// The smallest `h` that counts, scalar and broadcast.
    min: f32,
    threshold: f32x8,
    /// Row factors, `rows + 2` of them; zero past the last row, so padding lanes get `h = 0`.
    rows: &'t [f32],
    /// Column factors by row parity, `LANES + cols + LANES` each, at offset `LANES` with
    /// `LANES` slack on both sides, so that a block straddling two rows loads each part with
    /// one unaligned read. A rectangular lattice has only the first.
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
        Some(rows + 2 + parities * (LANES + cols + LANES))
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
        let (row_table, rest) = store.split_at_mut((rows + 2).min(store.len()));
        let row_scale = neg_inv_2s2 * grid.vertical();
        for (i, chunk) in row_table
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
        let len = (LANES + cols + LANES).min(rest.len());
        let (even, rest) = rest.split_at_mut(len);
        let odd = if hex {
            rest.get_mut(..len).unwrap_or_default()
        } else {
            &mut []
        };
        for (parity, t) in [&mut *even, &mut *odd].into_iter().enumerate() {
            let shift = if parity == 1 { 0.5 } else { 0.0 };
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
        Some(Self {
            cols,
            parity_mask: usize::from(hex),
            min: nb.threshold(),
            threshold: f32x8::splat(nb.threshold()),
            rows: row_table,
            by_parity: [even, odd],
        })
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
    // hexagonal), 1672 bytes beyond.
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
    // Blocks come in order: track the row and column where each starts.
    let (mut r, mut c) = (0, 0);
    let h_of = move |_| {
        let h = table.block(r, c);
        c += LANES;
        if c >= table.cols {
            c -= table.cols;
            r += 1;
        }
        h
    };
    pull_blocks(weights, dim, x, alpha, h_of, then);
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
