//! Best-matching-unit search in the blocked layout.
//!
//! NaN policy: a distance that is NaN ranks as `+inf`; among equal distances the lowest unit
//! index wins. So the search always returns a unit: when no distance is finite (a sample with
//! NaN, or overflow) it returns unit 0 with distance `+inf`, exactly as the reference does.
//!
//! Each lane keeps its own running minimum and unit index (`simd_lt` + `select`); the eight
//! lanes are reduced once at the end. Unit indices are kept as `f32` (exact below
//! [`crate::MAX_UNITS`]) so one `select` serves distances and indices alike.

use crate::LANES;
use crate::grid::LANE_INDEX;
use crate::math::f32x8;

/// A best-matching unit: its index and squared distance to the sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bmu {
    /// Unit index, `row * cols + col`.
    pub unit: usize,
    /// Squared Euclidean distance between sample and unit; `+inf` if none was finite.
    pub dist2: f32,
}

/// Marks a lane that has not seen a finite distance yet.
const NONE: f32 = -1.0;
const INF: f32 = f32::INFINITY;

/// A block: `dim` rows of eight lanes.
type Block = [[f32; LANES]];

/// Unit indices of block `b`.
#[inline(always)]
fn block_units(b: usize) -> f32x8 {
    f32x8::splat((b * LANES) as f32) + LANE_INDEX
}

/// Lanes of block `b` that hold real units.
#[inline(always)]
pub(crate) fn real_lanes(b: usize, units: usize) -> f32x8 {
    block_units(b).simd_lt(f32x8::splat(units as f32))
}

/// Squared distances from one sample to the units of two blocks: two independent FMA chains.
#[inline(always)]
fn dist2x2(b0: &Block, b1: &Block, x: &[f32]) -> (f32x8, f32x8) {
    let (mut a0, mut a1) = (f32x8::ZERO, f32x8::ZERO);
    for ((w0, w1), &xd) in b0.iter().zip(b1).zip(x) {
        let xv = f32x8::splat(xd);
        let d0 = xv - f32x8::new(*w0);
        let d1 = xv - f32x8::new(*w1);
        a0 = d0.mul_add(d0, a0);
        a1 = d1.mul_add(d1, a1);
    }
    (a0, a1)
}

/// Squared distances from one sample to the units of four blocks: four independent FMA chains,
/// enough to cover the FMA latency on current cores.
#[inline(always)]
fn dist1x4(b: [&Block; 4], x: &[f32]) -> [f32x8; 4] {
    let mut acc = [f32x8::ZERO; 4];
    for ((((w0, w1), w2), w3), &xd) in b[0].iter().zip(b[1]).zip(b[2]).zip(b[3]).zip(x) {
        let xv = f32x8::splat(xd);
        for (a, w) in acc.iter_mut().zip([w0, w1, w2, w3]) {
            let d = xv - f32x8::new(*w);
            *a = d.mul_add(d, *a);
        }
    }
    acc
}

/// Squared distances from four samples to the units of two blocks: each loaded weight vector
/// feeds four FMAs (register tiling), which lifts the search off the memory bound.
#[inline(always)]
fn dist4x2(b0: &Block, b1: &Block, x: [&[f32]; 4]) -> [[f32x8; 2]; 4] {
    let mut acc = [[f32x8::ZERO; 2]; 4];
    let rows = b0.iter().zip(b1).zip(x[0]).zip(x[1]).zip(x[2]).zip(x[3]);
    for (((((w0, w1), &x0), &x1), &x2), &x3) in rows {
        let (w0, w1) = (f32x8::new(*w0), f32x8::new(*w1));
        for (a, xd) in acc.iter_mut().zip([x0, x1, x2, x3]) {
            let xv = f32x8::splat(xd);
            let d0 = xv - w0;
            let d1 = xv - w1;
            a[0] = d0.mul_add(d0, a[0]);
            a[1] = d1.mul_add(d1, a[1]);
        }
    }
    acc
}

/// Walks the blocks of a codebook `G` at a time, handing each group with its block indices to
/// `visit`. A last, short group repeats its final block to fill `G` places (searches ignore
/// the repeat: a unit offered twice does not change a minimum).
#[inline(always)]
fn for_block_groups<'w, const G: usize>(
    weights: &'w [f32],
    dim: usize,
    mut visit: impl FnMut([(usize, &'w Block); G]),
) {
    if dim == 0 {
        return;
    }
    let blocks = weights.as_chunks::<LANES>().0;
    // Saturating: a wrapped `G * dim` of 0 would panic in `chunks_exact`.
    let mut groups = blocks.chunks_exact(dim.saturating_mul(G));
    let mut b = 0;
    for group in groups.by_ref() {
        let mut parts = group.chunks_exact(dim);
        visit(core::array::from_fn(|j| {
            (b + j, parts.next().unwrap_or(group))
        }));
        b += G;
    }
    let rest = groups.remainder();
    let count = rest.len() / dim;
    if count > 0 {
        visit(core::array::from_fn(|j| {
            let j = j.min(count - 1);
            (b + j, rest.get(j * dim..(j + 1) * dim).unwrap_or(rest))
        }));
    }
}

/// Per-lane best distance and unit.
#[derive(Clone, Copy)]
pub(crate) struct Best {
    dist: f32x8,
    unit: f32x8,
}

impl Best {
    pub(crate) const fn new() -> Self {
        Self {
            dist: f32x8::splat(INF),
            unit: f32x8::splat(NONE),
        }
    }

    /// Takes `d` where it is strictly smaller: earlier units win ties; NaN never wins.
    #[inline(always)]
    fn offer(&mut self, d: f32x8, unit: f32x8) {
        let m = d.simd_lt(self.dist);
        self.dist = m.select(d, self.dist);
        self.unit = m.select(unit, self.unit);
    }

    /// Offers the distances of block `b`, masking lanes past the last unit.
    #[inline(always)]
    pub(crate) fn offer_block(&mut self, d: f32x8, b: usize, units: usize) {
        let d = if (b + 1) * LANES > units {
            real_lanes(b, units).select(d, f32x8::splat(INF))
        } else {
            d
        };
        self.offer(d, block_units(b));
    }

    /// The winner among the lanes (ties to the lowest unit), or unit 0 at `+inf`.
    pub(crate) fn reduce(self) -> Bmu {
        let mut best = Candidates::<1>::new();
        best.offer_lanes(self.dist, self.unit);
        best.finish()[0]
    }
}

/// Per-lane best and second-best distance and unit.
#[derive(Clone, Copy)]
struct Best2 {
    first: Best,
    second: Best,
}

impl Best2 {
    const fn new() -> Self {
        Self {
            first: Best::new(),
            second: Best::new(),
        }
    }

    #[inline(always)]
    fn offer(&mut self, d: f32x8, unit: f32x8) {
        let (f, s) = (&mut self.first, &mut self.second);
        let beats_first = d.simd_lt(f.dist);
        let beats_second = d.simd_lt(s.dist);
        s.dist = beats_first.select(f.dist, beats_second.select(d, s.dist));
        s.unit = beats_first.select(f.unit, beats_second.select(unit, s.unit));
        f.dist = beats_first.select(d, f.dist);
        f.unit = beats_first.select(unit, f.unit);
    }

    #[inline(always)]
    fn offer_block(&mut self, d: f32x8, b: usize, units: usize) {
        let d = if (b + 1) * LANES > units {
            real_lanes(b, units).select(d, f32x8::splat(INF))
        } else {
            d
        };
        self.offer(d, block_units(b));
    }
}

/// The `N` smallest `(distance, unit)` pairs seen, in order, without allocation.
struct Candidates<const N: usize> {
    best: [Bmu; N],
    len: usize,
}

impl<const N: usize> Candidates<N> {
    fn new() -> Self {
        Self {
            best: [Bmu {
                unit: usize::MAX,
                dist2: INF,
            }; N],
            len: 0,
        }
    }

    /// Inserts `c` in order (distance, then unit), keeping the `N` first; repeats are ignored.
    fn offer(&mut self, c: Bmu) {
        let kept = self.best.get(..self.len).unwrap_or(&[]);
        if kept.iter().any(|b| b.unit == c.unit) {
            return;
        }
        let before =
            |a: &Bmu, b: &Bmu| a.dist2 < b.dist2 || (a.dist2 == b.dist2 && a.unit < b.unit);
        let at = kept.iter().position(|b| before(&c, b)).unwrap_or(self.len);
        let end = self.len.min(N - 1);
        if at > end {
            return;
        }
        if let Some(tail) = self.best.get_mut(at..=end) {
            // `tail` is never empty; `min` leaves no panicking branch for the empty case.
            tail.rotate_right(tail.len().min(1));
            if let Some(slot) = tail.first_mut() {
                *slot = c;
            }
            self.len = (self.len + 1).min(N);
        }
    }

    fn offer_lanes(&mut self, dist: f32x8, unit: f32x8) {
        for (d, u) in dist.to_array().into_iter().zip(unit.to_array()) {
            if u != NONE {
                self.offer(Bmu {
                    unit: u as usize,
                    dist2: d,
                });
            }
        }
    }

    /// The winners; places no finite distance filled go to the lowest unused units at `+inf`
    /// (what the reference's "NaN ranks as infinity, lowest index wins" gives).
    fn finish(mut self) -> [Bmu; N] {
        let mut next = 0;
        while self.len < N {
            while self.best[..self.len].iter().any(|b| b.unit == next) {
                next += 1;
            }
            self.best[self.len] = Bmu {
                unit: next,
                dist2: INF,
            };
            self.len += 1;
        }
        self.best
    }
}

/// The best-matching unit of one sample. `x.len() == dim`, `weights` blocked, `units >= 1`.
pub(crate) fn bmu(weights: &[f32], units: usize, dim: usize, x: &[f32]) -> Bmu {
    let trackers = match dim {
        1 => bmu_fixed::<1>(weights, units, x),
        2 => bmu_fixed::<2>(weights, units, x),
        3 => bmu_fixed::<3>(weights, units, x),
        4 => bmu_fixed::<4>(weights, units, x),
        _ => {
            let mut trackers = [Best::new(); 4];
            for_block_groups(weights, dim, |group: [(usize, &Block); 4]| {
                let d = dist1x4(group.map(|(_, b)| b), x);
                for ((t, d), (i, _)) in trackers.iter_mut().zip(d).zip(group) {
                    t.offer_block(d, i, units);
                }
            });
            trackers
        }
    };
    let mut best = Candidates::<1>::new();
    for t in trackers {
        best.offer_lanes(t.dist, t.unit);
    }
    best.finish()[0]
}

/// [`bmu`] for a small fixed dimension: blocks are arrays, the sample's broadcasts stay in
/// registers, and four trackers take turns so that no comparison waits on the last.
#[inline(always)]
fn bmu_fixed<const D: usize>(weights: &[f32], units: usize, x: &[f32]) -> [Best; 4] {
    let mut trackers = [Best::new(); 4];
    let Ok(x) = <&[f32; D]>::try_from(x) else {
        return trackers;
    };
    let xs = x.map(f32x8::splat);
    let blocks = weights.as_chunks::<LANES>().0.as_chunks::<D>().0;
    let mut groups = blocks.chunks_exact(4);
    let mut b = 0;
    for group in groups.by_ref() {
        for (t, block) in trackers.iter_mut().zip(group) {
            t.offer_block(dist_fixed(block, &xs), b, units);
            b += 1;
        }
    }
    for (t, block) in trackers.iter_mut().zip(groups.remainder()) {
        t.offer_block(dist_fixed(block, &xs), b, units);
        b += 1;
    }
    trackers
}

/// Squared distances from a broadcast sample to the eight units of a fixed-size block.
#[inline(always)]
fn dist_fixed<const D: usize>(block: &[[f32; LANES]; D], xs: &[f32x8; D]) -> f32x8 {
    let mut acc = f32x8::ZERO;
    for (w, xv) in block.iter().zip(xs) {
        let d = *xv - f32x8::new(*w);
        acc = d.mul_add(d, acc);
    }
    acc
}

/// The best and second-best units of one sample (distinct units; with one unit the second is
/// reported as unit 1 at `+inf`, which no map has).
pub(crate) fn bmu2(weights: &[f32], units: usize, dim: usize, x: &[f32]) -> [Bmu; 2] {
    let (mut a, mut b) = (Best2::new(), Best2::new());
    for_block_groups(weights, dim, |[(i0, b0), (i1, b1)]| {
        let (d0, d1) = dist2x2(b0, b1, x);
        a.offer_block(d0, i0, units);
        b.offer_block(d1, i1, units);
    });
    let mut best = Candidates::<2>::new();
    for t in [a, b] {
        best.offer_lanes(t.first.dist, t.first.unit);
        best.offer_lanes(t.second.dist, t.second.unit);
    }
    best.finish()
}

/// Best-matching units of many samples (`data.len() == out.len() * dim`), four at a time.
pub(crate) fn bmu_many(weights: &[f32], units: usize, dim: usize, data: &[f32], out: &mut [Bmu]) {
    if dim == 0 {
        return;
    }
    let mut tiles = data.chunks_exact(dim.saturating_mul(4));
    let mut outs = out.chunks_exact_mut(4);
    for (tile, o) in tiles.by_ref().zip(outs.by_ref()) {
        let mut rows = tile.chunks_exact(dim);
        let x: [&[f32]; 4] = core::array::from_fn(|_| rows.next().unwrap_or_default());
        let mut best = [Best::new(); 4];
        for_block_groups(weights, dim, |[(i0, b0), (i1, b1)]| {
            let acc = dist4x2(b0, b1, x);
            for (t, [d0, d1]) in best.iter_mut().zip(acc) {
                t.offer_block(d0, i0, units);
                t.offer_block(d1, i1, units);
            }
        });
        for (slot, t) in o.iter_mut().zip(best) {
            *slot = t.reduce();
        }
    }
    for (x, slot) in tiles
        .remainder()
        .chunks_exact(dim)
        .zip(outs.into_remainder())
    {
        *slot = bmu(weights, units, dim, x);
    }
}
