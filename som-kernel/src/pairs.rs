//! The one loop: every unit-dimension pair the kernel touches goes through [`fold_rows`].
//!
//! A codebook is walked two blocks at a time (a *pair*: sixteen units, one row of both in one
//! [`Lanes`] value), or one at a time where a vector holds one block ([`Isa::BLOCKS`]). [`fold_rows`] takes the rows of `P` pairs, as a producer yields them
//! (loaded, or updated first), and the broadcast values of `N` samples, and folds each row into
//! each sample's accumulator with one [`Term`]: the exact search's squared difference or the
//! expanded form's product. Searches of one sample, register tiles of many samples, the
//! certified expanded form and the fused online step are all instances of it, so they sum in
//! the same order and agree bit for bit.

// Index loops over the small fixed arrays of vectors: iterator adapters with closures may be
// left out of line, outside the instruction set the loop is compiled for (see [`Rows`]).
#![allow(clippy::needless_range_loop)]

use crate::LANES;
use crate::simd::{Isa, Lanes};

/// A block: `dim` rows of eight lanes (eight units, dimension-major).
pub(crate) type Block = [[f32; LANES]];

/// A pair of blocks: the first unit's block and the next.
pub(crate) type Pair<'w> = (&'w Block, &'w Block);

/// How one row enters a sample's accumulator.
pub(crate) trait Term {
    /// Whether the certified expanded form can stand in for it (the squared distance).
    const EXPANDED: bool = false;

    /// The new accumulator from the old, the sample's value `x` and the row `w`.
    fn fold<V: Lanes>(acc: V, x: V, w: V) -> V;
}

/// The exact squared distance: `acc + (x - w)^2`, one chain from dimension 0.
pub(crate) struct Dist2;

impl Term for Dist2 {
    const EXPANDED: bool = true;

    #[inline(always)]
    fn fold<V: Lanes>(acc: V, x: V, w: V) -> V {
        let d = x - w;
        d.mul_add(d, acc)
    }
}

/// The expanded form's dot product: `acc + w x`.
pub(crate) struct Dot;

impl Term for Dot {
    #[inline(always)]
    fn fold<V: Lanes>(acc: V, x: V, w: V) -> V {
        w.mul_add(x, acc)
    }
}

/// Rows of `P` pairs, made on demand: loaded ([`Loaded`]), or updated first (the online step).
///
/// The hot loops run inside a function compiled for one instruction set, and only code
/// inlined into it gets that instruction set: so rows come from `#[inline(always)]` methods
/// and index loops, never from closures handed to iterator adapters (which the compiler may
/// leave out of line).
pub(crate) trait Rows<V, const P: usize> {
    /// Row `d < self.len()`.
    fn row(&mut self, d: usize) -> [V; P];

    /// Rows `8 c .. 8 c + 8` (`8 c + 8 <= self.len()`), each handed to `f` with its place
    /// `k` in the chunk: what the eight-at-a-time loop asks for. Producers look up their
    /// blocks' chunk once and index it by the constant `k` of the unrolled loop: the
    /// optimiser cannot prove `8 c + k < len` from `c < len / 8`, and a bounds check per row
    /// and block (with its branches) was most of a row's instructions in the online step.
    #[inline(always)]
    fn eight(&mut self, c: usize, mut f: impl FnMut(usize, [V; P])) {
        for k in 0..LANES {
            f(k, self.row(c * LANES + k));
        }
    }

    /// The number of rows every block holds (the shortest): loops that stop there let the
    /// optimiser drop the bounds checks of [`Rows::row`].
    fn len(&self) -> usize;
}

/// The loop: for each dimension `d`, the row of `P` pairs from `rows` and the values of `N`
/// samples from `xs`: `acc[s][p] = T::fold(acc[s][p], x[s], w[p])`. Independent chains:
/// `N * P`.
#[inline(always)]
pub(crate) fn fold_rows<I: Isa, T: Term, const P: usize, const N: usize>(
    dim: usize,
    rows: &mut impl Rows<I::V, P>,
    xs: &Columns<'_, I, N>,
    acc: &mut [[I::V; P]; N],
) {
    let len = dim.min(rows.len()).min(xs.len());
    let mut d = 0;
    // Eight dimensions at a time where code size is no concern: the samples' values come as
    // arrays, bounds-checked once per eight instead of once per value and sample.
    if cfg!(target_pointer_width = "64") {
        for c in 0..len / LANES {
            let x8 = xs.eight(c);
            rows.eight(
                c,
                #[inline(always)]
                |k, w| {
                    for s in 0..N {
                        let x = xs.isa.splat(x8[s][k]);
                        for p in 0..P {
                            acc[s][p] = T::fold(acc[s][p], x, w[p]);
                        }
                    }
                },
            );
        }
        d = len / LANES * LANES;
    }
    while d < len {
        let w = rows.row(d);
        let x = xs.at(d);
        for s in 0..N {
            for p in 0..P {
                acc[s][p] = T::fold(acc[s][p], x[s], w[p]);
            }
        }
        d += 1;
    }
}

/// [`fold_rows`]' diagonal: chain `c` folds sample `c` of `xs` with pair `c` of `rows`,
/// `acc[c] = T::fold(acc[c], x[c], w[c])`, in the same order: for searches in which each
/// sample measures its own units (`K` independent chains, whatever sample each serves).
#[cfg(feature = "pruning")]
#[inline(always)]
pub(crate) fn fold_diagonal<I: Isa, T: Term, const K: usize>(
    dim: usize,
    rows: &mut impl Rows<I::V, K>,
    xs: &Columns<'_, I, K>,
    acc: &mut [I::V; K],
) {
    let len = dim.min(rows.len()).min(xs.len());
    for c in 0..len / LANES {
        let x8 = xs.eight(c);
        rows.eight(
            c,
            #[inline(always)]
            |k, w| {
                for q in 0..K {
                    acc[q] = T::fold(acc[q], xs.isa.splat(x8[q][k]), w[q]);
                }
            },
        );
    }
    for d in len / LANES * LANES..len {
        let (w, x) = (rows.row(d), xs.at(d));
        for q in 0..K {
            acc[q] = T::fold(acc[q], x[q], w[q]);
        }
    }
}

impl<V, R: Rows<V, P>, const P: usize> Rows<V, P> for &mut R {
    #[inline(always)]
    fn row(&mut self, d: usize) -> [V; P] {
        (**self).row(d)
    }

    #[inline(always)]
    fn eight(&mut self, c: usize, f: impl FnMut(usize, [V; P])) {
        (**self).eight(c, f)
    }

    #[inline(always)]
    fn len(&self) -> usize {
        (**self).len()
    }
}

/// The rows of `P` pairs, loaded.
pub(crate) struct Loaded<'w, I, const P: usize> {
    isa: I,
    pairs: [Pair<'w>; P],
}

impl<'w, I: Isa, const P: usize> Loaded<'w, I, P> {
    #[inline(always)]
    pub(crate) fn new(isa: I, pairs: [Pair<'w>; P]) -> Self {
        Self { isa, pairs }
    }
}

impl<I: Isa, const P: usize> Rows<I::V, P> for Loaded<'_, I, P> {
    #[inline(always)]
    fn row(&mut self, d: usize) -> [I::V; P] {
        let mut w = [self.isa.zero(); P];
        for p in 0..P {
            let (lo, hi) = self.pairs[p];
            w[p] = self.isa.load(row(lo, d), row(hi, d));
        }
        w
    }

    #[inline(always)]
    fn eight(&mut self, c: usize, mut f: impl FnMut(usize, [I::V; P])) {
        let zeros = [[0.0; LANES]; LANES];
        let mut chunks = [(&zeros, &zeros); P];
        for p in 0..P {
            let (lo, hi) = self.pairs[p];
            chunks[p] = (chunk(lo, c), chunk(hi, c));
        }
        for k in 0..LANES {
            let mut w = [self.isa.zero(); P];
            for p in 0..P {
                let (lo, hi) = chunks[p];
                w[p] = self.isa.load(&lo[k], &hi[k]);
            }
            f(k, w);
        }
    }

    #[inline(always)]
    fn len(&self) -> usize {
        let mut len = usize::MAX;
        for p in 0..P {
            len = len.min(self.pairs[p].0.len()).min(self.pairs[p].1.len());
        }
        len
    }
}

/// Rows passed through unchanged, their squares added into `norm` (`|w|^2`, one chain a
/// pair): the expanded form's norms.
pub(crate) struct WithNorms<R, V, const P: usize> {
    pub(crate) rows: R,
    pub(crate) norm: [V; P],
}

impl<V: Lanes, R: Rows<V, P>, const P: usize> Rows<V, P> for WithNorms<R, V, P> {
    #[inline(always)]
    fn row(&mut self, d: usize) -> [V; P] {
        let w = self.rows.row(d);
        for p in 0..P {
            self.norm[p] = w[p].mul_add(w[p], self.norm[p]);
        }
        w
    }

    #[inline(always)]
    fn eight(&mut self, c: usize, mut f: impl FnMut(usize, [V; P])) {
        let norm = &mut self.norm;
        self.rows.eight(
            c,
            #[inline(always)]
            |k, w| {
                for p in 0..P {
                    norm[p] = w[p].mul_add(w[p], norm[p]);
                }
                f(k, w)
            },
        );
    }

    #[inline(always)]
    fn len(&self) -> usize {
        self.rows.len()
    }
}

/// Row `d` of a block (zeros past its end: callers pass `d < dim`).
#[inline(always)]
pub(crate) fn row(block: &Block, d: usize) -> &[f32; LANES] {
    block.get(d).unwrap_or(&[0.0; LANES])
}

/// Rows `8 c .. 8 c + 8` of a block (zeros past its end: callers pass `8 c + 8 <= dim`).
#[inline(always)]
pub(crate) fn chunk(block: &Block, c: usize) -> &[[f32; LANES]; LANES] {
    block
        .as_chunks::<LANES>()
        .0
        .get(c)
        .unwrap_or(&[[0.0; LANES]; LANES])
}

/// The values of `N` samples at a dimension, broadcast (0 past a sample's end: callers pass
/// samples of `dim` values).
pub(crate) struct Columns<'x, I, const N: usize> {
    isa: I,
    x: [&'x [f32]; N],
}

impl<'x, I: Isa, const N: usize> Columns<'x, I, N> {
    #[inline(always)]
    pub(crate) fn new(isa: I, x: [&'x [f32]; N]) -> Self {
        Self { isa, x }
    }

    /// The length of the shortest sample.
    #[inline(always)]
    fn len(&self) -> usize {
        let mut len = usize::MAX;
        for s in 0..N {
            len = len.min(self.x[s].len());
        }
        len
    }

    /// Dimensions `8 c .. 8 c + 8` of each sample, in place (zeros past a sample's end):
    /// references, so each value is broadcast straight from the sample's memory (a copy of
    /// the values went through the stack, two moves per value and pair).
    #[inline(always)]
    fn eight(&self, c: usize) -> [&'x [f32; LANES]; N] {
        let mut v = [&[0.0; LANES]; N];
        for s in 0..N {
            if let Some(x) = self.x[s].as_chunks::<LANES>().0.get(c) {
                v[s] = x;
            }
        }
        v
    }

    #[inline(always)]
    fn at(&self, d: usize) -> [I::V; N] {
        let mut v = [self.isa.zero(); N];
        for s in 0..N {
            v[s] = self.isa.splat(self.x[s].get(d).copied().unwrap_or(0.0));
        }
        v
    }
}

/// Walks a blocked codebook `P` pairs at a time ([`Isa::BLOCKS`] blocks a pair), handing
/// `visit` the index of the group's first block and its pairs. A one-block pair is that block
/// twice. In a short last group, a pair past the end repeats the last block and a lone last
/// block is paired with itself; their units are numbered past the end of the map (first block
/// `b + BLOCKS p`), so searches mask them as padding.
#[inline(always)]
pub(crate) fn for_pairs<'w, I: Isa, const P: usize>(
    weights: &'w [f32],
    dim: usize,
    mut visit: impl FnMut(usize, [Pair<'w>; P]),
) {
    if dim == 0 {
        return;
    }
    let per_pair = I::BLOCKS;
    // `max(1)` at each use below: the optimiser does not always carry the check above into
    // the loops, and `chunks_exact(0)` or `/ 0` would be panic branches.
    let blocks = weights.as_chunks::<LANES>().0;
    // Saturating: a wrapped `BLOCKS P dim` of 0 would panic in `chunks_exact`.
    let mut groups = blocks.chunks_exact(dim.saturating_mul(per_pair * P).max(1));
    let mut b = 0;
    for group in groups.by_ref() {
        let mut parts = group.chunks_exact(dim.max(1));
        visit(
            b,
            core::array::from_fn(|_| {
                let lo = parts.next().unwrap_or(group);
                let hi = if per_pair == 2 { parts.next() } else { None };
                (lo, hi.unwrap_or(lo))
            }),
        );
        b += per_pair * P;
    }
    let rest = groups.remainder();
    let count = rest.len() / dim.max(1);
    if count > 0 {
        let block = |j: usize| {
            let j = j.min(count - 1);
            rest.get(j * dim..(j + 1) * dim).unwrap_or(rest)
        };
        visit(
            b,
            core::array::from_fn(|p| (block(per_pair * p), block(per_pair * p + per_pair - 1))),
        );
    }
}

/// Walks a blocked codebook for writing, a pair at a time ([`Isa::BLOCKS`] blocks a pair),
/// handing `visit` the index of the pair's first block, that block, and the second (`None`
/// where a vector holds one block, and for a lone last block).
#[inline(always)]
pub(crate) fn for_pairs_mut<I: Isa>(
    weights: &mut [f32],
    dim: usize,
    mut visit: impl FnMut(usize, &mut Block, Option<&mut Block>),
) {
    if dim == 0 {
        return;
    }
    let blocks = weights.as_chunks_mut::<LANES>().0;
    // `max(1)`: the optimiser does not always carry the check above into the loop, and
    // `chunks_exact_mut(0)` would be a panic branch.
    let mut pairs = blocks.chunks_exact_mut(dim.saturating_mul(I::BLOCKS).max(1));
    let mut b = 0;
    for pair in pairs.by_ref() {
        let (lo, hi) = pair.split_at_mut(dim.min(pair.len()));
        visit(b, lo, (I::BLOCKS == 2).then_some(hi));
        b += I::BLOCKS;
    }
    let lone = pairs.into_remainder();
    if lone.len() >= dim {
        visit(b, lone, None);
    }
}

/// Unit indices `0..16`, the lanes of a pair.
pub(crate) const PAIR_INDEX: [f32; 2 * LANES] = [
    0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0,
];

/// Unit indices of the pair whose first block is `b` (lanes 0..8 alone in a one-block vector), as floats (exact below
/// [`crate::MAX_UNITS`]).
#[inline(always)]
pub(crate) fn pair_units<I: Isa>(isa: I, b: usize) -> I::V {
    isa.splat((b * LANES) as f32) + isa.array(&PAIR_INDEX)
}

/// `f(dim)`, with the small dimensions as constants: their loops unroll and the sample's
/// broadcasts stay in registers. Only where the code size is no concern (64-bit targets):
/// a microcontroller keeps one copy of each loop.
#[inline(always)]
pub(crate) fn by_dim<R>(dim: usize, f: impl FnOnce(usize) -> R) -> R {
    if cfg!(target_pointer_width = "64") {
        match dim {
            1 => f(1),
            2 => f(2),
            3 => f(3),
            4 => f(4),
            _ => f(dim),
        }
    } else {
        f(dim)
    }
}
