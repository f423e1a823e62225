//! The online step, `w += alpha h (x - w)` for every unit, pair by pair through the kernel's
//! one loop; with the next sample's search in the same sweep, the fused step.

use core::marker::PhantomData;

use super::field::{Around, BlockH, Field, Separable, Strip, TABLE_MAX};
use crate::LANES;
use crate::bmu::metric::{Metric, by_metric};
use crate::bmu::track::{Best, Tracker};
use crate::distance::{Bmu, Distance};
use crate::grid::Grid;
use crate::neighbourhood::Neighbourhood;
use crate::pairs::{Block, Columns, Loaded, Rows, by_dim, for_pairs_mut};
use crate::simd::{Isa, Lanes, Level, dispatch};

/// Online step: `w += alpha h (x - w)` for every unit, `h` around `winner`. Pairs of blocks
/// whose units all have `h = 0` (outside the cut-off) are not touched. Where `masked`, the
/// components missing from `x` (NaN) are left alone in every unit.
pub(crate) fn online(
    level: Level,
    weights: &mut [f32],
    grid: &Grid,
    dim: usize,
    x: &[f32],
    around: (usize, &Neighbourhood, f32),
    masked: bool,
) {
    #[cfg(feature = "missing")]
    if masked {
        return dispatch!(level, isa => step::<_, _, true>(isa.sweep(), weights, grid, dim, x, around, &mut Nothing));
    }
    let _ = masked;
    dispatch!(level, isa => step::<_, _, false>(isa.sweep(), weights, grid, dim, x, around, &mut Nothing));
}

/// [`online`], then the best-matching unit of `next` by `distance` in the updated map, in the
/// same sweep: bit-identical to [`online`] followed by [`crate::bmu::bmu`].
/// `next.len() == dim`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn online_then_bmu(
    level: Level,
    weights: &mut [f32],
    grid: &Grid,
    dim: usize,
    x: &[f32],
    around: (usize, &Neighbourhood, f32),
    next: &[f32],
    distance: Distance,
) -> Bmu {
    by_metric!(distance, false, M => dispatch!(level, isa => {
        // The sweep's instruction set throughout: the search is done on its vectors.
        let isa = isa.sweep();
        let mut search = Search::<'_, _, M> {
            next,
            of: M::of_sample(next),
            units: grid.units(),
            best: Best::new(isa),
            metric: PhantomData,
        };
        step::<_, _, false>(isa, weights, grid, dim, x, around, &mut search);
        Best::reduce(&[search.best])
    }))
}

/// What a sweep does with the rows of each pair once updated: nothing ([`Nothing`]), or
/// measure the next sample's distances to them ([`Search`]).
trait Then<I: Isa>: Copy {
    /// Whether pairs the update leaves alone are visited too.
    const EVERY_PAIR: bool;

    /// Takes the `dim` rows of the `P` pairs whose first block is `b`, as they now are (each
    /// row must be asked for: an update stores a row when it is made).
    fn take(&mut self, isa: I, b: usize, dim: usize, rows: &mut impl Rows<I::V, 1>);
}

/// A plain update.
#[derive(Clone, Copy)]
struct Nothing;

impl<I: Isa> Then<I> for Nothing {
    const EVERY_PAIR: bool = false;

    #[inline(always)]
    fn take(&mut self, _: I, _: usize, dim: usize, rows: &mut impl Rows<I::V, 1>) {
        let len = dim.min(rows.len());
        // By chunks of eight rows where code size is no concern, as `fold_rows` does.
        let mut d = 0;
        if cfg!(target_pointer_width = "64") {
            for c in 0..len / LANES {
                rows.eight(c, |_, _| ());
            }
            d = len / LANES * LANES;
        }
        while d < len {
            rows.row(d);
            d += 1;
        }
    }
}

/// The next sample's best-matching unit, searched on the updated weights while they are still
/// in registers: the same loop and tracker as [`crate::bmu::bmu`], so the result is
/// bit-identical to an update followed by a search. (Which tracker takes a pair does not
/// change the result: each keeps per lane the smallest (distance, unit) it was offered, and
/// the reduction takes the smallest of those.)
struct Search<'x, V, M> {
    next: &'x [f32],
    /// [`Metric::of_sample`] of `next`.
    of: f32,
    units: usize,
    best: Best<V>,
    metric: PhantomData<M>,
}

// By hand: a derive would ask `M: Copy` of the marker.
impl<V: Copy, M> Clone for Search<'_, V, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V: Copy, M> Copy for Search<'_, V, M> {}

impl<I: Isa, M: Metric> Then<I> for Search<'_, I::V, M> {
    const EVERY_PAIR: bool = true;

    #[inline(always)]
    fn take(&mut self, isa: I, b: usize, dim: usize, rows: &mut impl Rows<I::V, 1>) {
        let xs = Columns::new(isa, [self.next]);
        let acc = M::measure(isa, dim, rows, &xs, [self.of]);
        self.best.offer_pair(isa, acc[0][0], b, self.units);
    }
}

/// `w += alpha h (x - w)` for every unit, `h` around `winner`, then `then` over the pairs;
/// where `MASK`, the components missing from `x` are left alone.
#[inline(always)]
fn step<I: Isa, T: Then<I>, const MASK: bool>(
    isa: I,
    weights: &mut [f32],
    grid: &Grid,
    dim: usize,
    x: &[f32],
    (winner, nb, alpha): (usize, &Neighbourhood, f32),
    then: &mut T,
) {
    let center = grid.coords(winner);
    let step = (center, nb, alpha);
    // Table storage in three sizes, so that the stack follows the map's size: 256 bytes
    // for maps like 8 x 8 (hexagonal too) or 16 x 20, 640 bytes to 64 x 64 (42 x 42
    // hexagonal), 1600 bytes beyond.
    match Separable::need(grid, nb) {
        Some(need) if need <= 64 => {
            with_tables::<64, I, T, MASK>(isa, weights, grid, dim, x, step, then)
        }
        Some(need) if need <= 160 => {
            with_tables::<160, I, T, MASK>(isa, weights, grid, dim, x, step, then)
        }
        Some(_) => with_tables::<TABLE_MAX, I, T, MASK>(isa, weights, grid, dim, x, step, then),
        None => {
            let field = Field::new(grid, nb);
            let mut h = Around::new(&field, center);
            by_dim(
                dim,
                #[inline(always)]
                |dim| sweep::<I, T, MASK>(isa, weights, dim, x, alpha, &mut h, then),
            );
        }
    }
}

/// [`step`] with separable tables in `N` floats of stack, this frame's alone: callers only
/// pay for the size they pick. (Not inlined: it enters the instruction set again.)
#[inline(never)]
fn with_tables<const N: usize, I: Isa, T: Then<I>, const MASK: bool>(
    isa: I,
    weights: &mut [f32],
    grid: &Grid,
    dim: usize,
    x: &[f32],
    (center, nb, alpha): ((f32, f32), &Neighbourhood, f32),
    then: &mut T,
) {
    isa.run(
        #[inline(always)]
        move || {
            let mut store = [0.0; N];
            if let Some(table) = Separable::new(grid, nb, center, &mut store) {
                with_table::<I, T, MASK>(isa, weights, dim, x, alpha, &table, then);
            }
        },
    );
}

/// [`step`] over built tables: one copy of the loops whatever the storage size.
#[inline(never)]
fn with_table<I: Isa, T: Then<I>, const MASK: bool>(
    isa: I,
    weights: &mut [f32],
    dim: usize,
    x: &[f32],
    alpha: f32,
    table: &Separable<'_>,
    then: &mut T,
) {
    isa.run(
        #[inline(always)]
        move || {
            let mut strip = Strip::new(table);
            by_dim(
                dim,
                #[inline(always)]
                |dim| sweep::<I, T, MASK>(isa, weights, dim, x, alpha, &mut strip, then),
            );
        },
    );
}

/// `w += alpha h (x - w)` over the pairs of blocks in order, `h` of block `b` from `h_of.h(b)`
/// (`None`: all 0, the block is left alone), handing `then` the rows of each pair updated (or
/// of every pair, if it asks).
#[inline(always)]
fn sweep<I: Isa, T: Then<I>, const MASK: bool>(
    isa: I,
    weights: &mut [f32],
    dim: usize,
    x: &[f32],
    alpha: f32,
    h_of: &mut impl BlockH,
    then_at: &mut T,
) {
    let Some(x) = x.get(..dim).filter(|_| dim > 0) else {
        return;
    };
    // A local copy, written back at the end: kept in registers. (Behind the reference, a
    // tracker's select became a masked store to memory, microcoded on AMD.)
    let mut then = *then_at;
    let alpha = isa.splat(alpha);
    for_pairs_mut::<I>(
        weights,
        dim,
        #[inline(always)]
        |b, lo, hi| pull::<I, T, MASK>(isa, b, lo, hi, x, alpha, h_of, &mut then),
    );
    *then_at = then;
}

/// One pair of [`sweep`] (`hi`: `None` for a block alone, as a one-block vector or the last
/// block of an odd count): updated and handed to `then`, or only handed on where `h` is all 0.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn pull<I: Isa, T: Then<I>, const MASK: bool>(
    isa: I,
    b: usize,
    lo: &mut Block,
    hi: Option<&mut Block>,
    x: &[f32],
    alpha: I::V,
    h_of: &mut impl BlockH,
    then: &mut T,
) {
    let dim = x.len();
    let h0 = h_of.h(b);
    let h1 = if hi.is_some() { h_of.h(b + 1) } else { h0 };
    if h0.is_none() && h1.is_none() {
        if T::EVERY_PAIR {
            let hi = hi.as_deref().unwrap_or(lo);
            then.take(isa, b, dim, &mut Loaded::new(isa, [(&*lo, hi)]));
        }
        return;
    }
    let rate = isa.load(&h0.unwrap_or_default(), &h1.unwrap_or_default()) * alpha;
    // A half left alone keeps its weights, in memory and in the rows passed on.
    let partial = h0.is_none() || h1.is_none();
    let mark = |h: &Option<_>| [if h.is_some() { 0.0 } else { 1.0 }; LANES];
    let keep = isa.load(&mark(&h0), &mark(&h1)).lt(isa.splat(0.5));
    // Each case its own copy of the row loop, where code size is no concern: a pair with both
    // halves updated (nearly all of them) selects nothing, and a pair of two blocks stores
    // both halves without asking per row whether there is a second. (One copy on a
    // microcontroller, which asks per row whether to select.)
    let wide = cfg!(target_pointer_width = "64");
    match hi {
        Some(hi) if I::BLOCKS == 2 => {
            if partial || !wide {
                let mut rows =
                    Pulled::<I, MASK, true, true>::new(isa, lo, hi, x, rate, keep, partial);
                then.take(isa, b, dim, &mut rows);
            } else {
                let mut rows =
                    Pulled::<I, MASK, false, true>::new(isa, lo, hi, x, rate, keep, partial);
                then.take(isa, b, dim, &mut rows);
            }
        }
        _ => {
            if partial || !wide {
                let mut rows =
                    Pulled::<I, MASK, true, false>::new(isa, lo, &mut [], x, rate, keep, partial);
                then.take(isa, b, dim, &mut rows);
            } else {
                let mut rows =
                    Pulled::<I, MASK, false, false>::new(isa, lo, &mut [], x, rate, keep, partial);
                then.take(isa, b, dim, &mut rows);
            }
        }
    }
}

/// The rows of a pair (`HI`: two blocks; else a lone block, paired with itself) after
/// `w += rate (x - w)`, stored as they are made (see [`Rate`]).
struct Pulled<'a, I: Isa, const MASK: bool, const KEEP: bool, const HI: bool> {
    lo: &'a mut Block,
    /// Empty unless `HI`.
    hi: &'a mut Block,
    x: &'a [f32],
    rate: Rate<I, MASK, KEEP, HI>,
}

impl<'a, I: Isa, const MASK: bool, const KEEP: bool, const HI: bool> Pulled<'a, I, MASK, KEEP, HI> {
    #[inline(always)]
    fn new(
        isa: I,
        lo: &'a mut Block,
        hi: &'a mut Block,
        x: &'a [f32],
        rate: I::V,
        keep: <I::V as Lanes>::Mask,
        partial: bool,
    ) -> Self {
        Self {
            lo,
            hi,
            x,
            rate: Rate {
                isa,
                rate,
                keep,
                partial,
            },
        }
    }
}

/// The update of a row, `w += rate (x - w)`: where `KEEP` and `partial`, only the lanes of
/// `keep` take it (the others keep their weights bit for bit), and where `MASK`, a row whose
/// sample value is missing (NaN) keeps its weights. `HI`: the row spans two blocks.
#[derive(Clone, Copy)]
struct Rate<I: Isa, const MASK: bool, const KEEP: bool, const HI: bool> {
    isa: I,
    rate: I::V,
    keep: <I::V as Lanes>::Mask,
    partial: bool,
}

impl<I: Isa, const MASK: bool, const KEEP: bool, const HI: bool> Rate<I, MASK, KEEP, HI> {
    /// Updates one row, `lo` and `hi` (`None`: not `HI`, or past the end), and returns it.
    #[inline(always)]
    fn pull(self, lo: &mut [f32; LANES], hi: Option<&mut [f32; LANES]>, x: f32) -> I::V {
        let isa = self.isa;
        let xd = isa.splat(x);
        let w = match (HI, &hi) {
            (true, Some(hi)) => isa.load(lo, hi),
            _ => isa.load(lo, lo),
        };
        let mut v = self.rate.mul_add(xd - w, w);
        if KEEP && self.partial {
            v = <I::V as Lanes>::select(self.keep, v, w);
        }
        if MASK {
            v = <I::V as Lanes>::select(xd.is_number(), v, w);
        }
        match (HI, hi) {
            (true, Some(hi)) => v.store(lo, hi),
            _ => v.store_lo(lo),
        }
        v
    }
}

impl<I: Isa, const MASK: bool, const KEEP: bool, const HI: bool> Rows<I::V, 1>
    for Pulled<'_, I, MASK, KEEP, HI>
{
    #[inline(always)]
    fn len(&self) -> usize {
        let hi = if HI { self.hi.len() } else { usize::MAX };
        self.lo.len().min(hi).min(self.x.len())
    }

    #[inline(always)]
    fn row(&mut self, d: usize) -> [I::V; 1] {
        let x = self.x.get(d).copied().unwrap_or(0.0);
        let Some(lo) = self.lo.get_mut(d) else {
            return [self.rate.isa.zero()];
        };
        [self.rate.pull(lo, self.hi.get_mut(d), x)]
    }

    #[inline(always)]
    fn eight(&mut self, c: usize, mut f: impl FnMut(usize, [I::V; 1])) {
        let rate = self.rate;
        let x = self.x.as_chunks::<LANES>().0.get(c);
        let lo = self.lo.as_chunks_mut::<LANES>().0.get_mut(c);
        let hi = self.hi.as_chunks_mut::<LANES>().0.get_mut(c);
        match (x, lo, hi) {
            (Some(x), Some(lo), Some(hi)) if HI => {
                for k in 0..LANES {
                    f(k, [rate.pull(&mut lo[k], Some(&mut hi[k]), x[k])]);
                }
            }
            (Some(x), Some(lo), _) if !HI => {
                for k in 0..LANES {
                    f(k, [rate.pull(&mut lo[k], None, x[k])]);
                }
            }
            // Not reached: callers ask for whole chunks within `len`.
            _ => {
                for k in 0..LANES {
                    f(k, self.row(c * LANES + k));
                }
            }
        }
    }
}
