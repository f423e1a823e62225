//! Best-matching-unit search in the blocked layout.
//!
//! NaN policy: a distance that is NaN ranks as `+inf`; among equal distances the lowest unit
//! index wins. So the search always returns a unit: when no distance is finite (a sample with
//! NaN, or overflow) it returns unit 0 with distance `+inf`, exactly as the reference does.
//!
//! Each lane keeps its own running minimum and unit index (`simd_lt` + `select`); the eight
//! lanes are reduced once at the end. Unit indices are kept as `f32` (exact below
//! [`crate::MAX_UNITS`]) so one `select` serves distances and indices alike.
//!
//! Many samples at once go through the expanded form `|w|^2 - 2 x.w`, certified against its
//! rounding error so that the answer is still the exact search's (`Map::bmu_many`).

use crate::LANES;
use crate::grid::LANE_INDEX;
use crate::math::{f32x8, f32x16, sqrt64};

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

/// Best-matching units of many samples (`data.len() == out.len() * dim`): each the same
/// [`Bmu`] that [`bmu`] returns for that sample, bit for bit, found faster.
///
/// Samples go four at a time through the *expanded* form `|w|^2 - 2 x.w` (one FMA per
/// unit-dimension pair instead of a subtraction and an FMA, lanes across two blocks at once),
/// which ranks units like the distance up to a rounding error with a known bound. A sample's
/// winner is taken from it only when the runner-up is further away than twice that bound
/// (then the exact search would pick the same unit); its distance is then computed exactly as
/// [`bmu`] computes it. Near ties, non-finite values and small dimensions go through the exact
/// search (four samples by two blocks of register tiles).
pub(crate) fn bmu_many(weights: &[f32], units: usize, dim: usize, data: &[f32], out: &mut [Bmu]) {
    let largest = expanded_bound(weights, units, dim);
    bmu_many_with(weights, units, dim, data, out, largest);
}

/// What [`bmu_many_with`] needs to use the expanded form on this codebook: its largest
/// `|w|^2`, or `None` where the form does not pay or is not safe (non-finite weights).
pub(crate) fn expanded_bound(weights: &[f32], units: usize, dim: usize) -> Option<f32> {
    (dim >= EXPANDED_MIN_DIM)
        .then(|| largest_norm2(weights, units, dim))
        .flatten()
}

/// [`bmu_many`] with the codebook's [`expanded_bound`] computed once by the caller, for
/// callers that search in chunks.
pub(crate) fn bmu_many_with(
    weights: &[f32],
    units: usize,
    dim: usize,
    data: &[f32],
    out: &mut [Bmu],
    largest: Option<f32>,
) {
    if dim == 0 {
        return;
    }
    let mut tiles = data.chunks_exact(dim.saturating_mul(TILE));
    let mut outs = out.chunks_exact_mut(TILE);
    for (tile, o) in tiles.by_ref().zip(outs.by_ref()) {
        let mut rows = tile.chunks_exact(dim);
        let x: [&[f32]; TILE] = core::array::from_fn(|_| rows.next().unwrap_or_default());
        match largest {
            Some(w2) => expanded_tile(weights, units, dim, x, w2, o),
            None => exact_tile(weights, units, dim, x, o),
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

/// Samples per tile of the many-sample searches: eight where the CPU has 32 vector registers
/// (AVX-512), enough independent FMA chains to hide their latency; four elsewhere.
#[cfg(target_feature = "avx512f")]
const TILE: usize = 8;
/// Samples per tile of the many-sample searches (see above).
#[cfg(not(target_feature = "avx512f"))]
const TILE: usize = 4;

/// Below this dimension the expanded form saves less than its bookkeeping costs.
const EXPANDED_MIN_DIM: usize = 8;

/// The exact search for one tile of samples: four samples by two blocks.
fn exact_tile(weights: &[f32], units: usize, dim: usize, x: [&[f32]; TILE], out: &mut [Bmu]) {
    for (x, out) in x.chunks_exact(4).zip(out.chunks_mut(4)) {
        let x = [0, 1, 2, 3].map(|s| x.get(s).copied().unwrap_or_default());
        let mut best = [Best::new(); 4];
        for_block_groups(weights, dim, |[(i0, b0), (i1, b1)]| {
            let acc = dist4x2(b0, b1, x);
            for (t, [d0, d1]) in best.iter_mut().zip(acc) {
                t.offer_block(d0, i0, units);
                t.offer_block(d1, i1, units);
            }
        });
        for (slot, t) in out.iter_mut().zip(best) {
            *slot = t.reduce();
        }
    }
}

/// The largest `|w|^2` over the real units, or `None` if any is not finite (then only the
/// exact search is safe).
fn largest_norm2(weights: &[f32], units: usize, dim: usize) -> Option<f32> {
    let mut largest = f32x8::ZERO;
    let mut finite = true;
    // Four blocks at a time: four independent FMA chains.
    for_block_groups(weights, dim, |group: [(usize, &Block); 4]| {
        let mut norm2 = [f32x8::ZERO; 4];
        let rows = group[0]
            .1
            .iter()
            .zip(group[1].1)
            .zip(group[2].1)
            .zip(group[3].1);
        for (((w0, w1), w2), w3) in rows {
            for (n, w) in norm2.iter_mut().zip([w0, w1, w2, w3]) {
                let w = f32x8::new(*w);
                *n = w.mul_add(w, *n);
            }
        }
        for (n, (b, _)) in norm2.into_iter().zip(group) {
            let n = real_lanes(b, units).select(n, f32x8::ZERO);
            finite &= n.simd_lt(f32x8::splat(INF)).all();
            largest = largest.max(n);
        }
    });
    let largest = largest.to_array().into_iter().reduce(f32::max)?;
    finite.then_some(largest)
}

/// One row of two blocks side by side: lanes 0..8 from the first, 8..16 from the second.
#[inline(always)]
fn pair(w0: &[f32; LANES], w1: &[f32; LANES]) -> f32x16 {
    let mut lanes = [0.0; 2 * LANES];
    let (a, b) = lanes.split_at_mut(LANES);
    a.copy_from_slice(w0);
    b.copy_from_slice(w1);
    f32x16::new(lanes)
}

/// Unit indices `0..16`, the lanes of a pair of blocks.
const PAIR_INDEX: f32x16 = f32x16::new([
    0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0,
]);

/// Per lane, the smallest and second-smallest expanded distance seen, and the unit of the
/// smallest.
#[derive(Clone, Copy)]
struct Near {
    first: f32x16,
    second: f32x16,
    unit: f32x16,
}

impl Near {
    const fn new() -> Self {
        Self {
            first: f32x16::splat(INF),
            second: f32x16::splat(INF),
            unit: f32x16::splat(NONE),
        }
    }

    /// Takes `a` for the units `unit`. Plain `min`/`max` instructions: a NaN (from a NaN or
    /// infinite sample) may land anywhere, but such a sample is never resolved from them.
    #[inline(always)]
    fn offer(&mut self, a: f32x16, unit: f32x16) {
        self.unit = a.simd_lt(self.first).select(unit, self.unit);
        self.second = self.second.fast_min(a.fast_max(self.first));
        self.first = self.first.fast_min(a);
    }
}

/// Expanded distances `|w|^2 - 2 x.w` from the tile's samples to the units of two blocks (16
/// lanes): per row one load, one FMA for `|w|^2` and one per sample, as many independent FMA
/// chains as it takes to keep both FMA units busy.
#[inline(always)]
fn expanded(b0: &Block, b1: &Block, x: [&[f32]; TILE]) -> [f32x16; TILE] {
    let mut norm2 = f32x16::ZERO;
    let mut dot = [f32x16::ZERO; TILE];
    for ((w0, w1), xd) in b0.iter().zip(b1).zip(columns(x)) {
        let w = pair(w0, w1);
        norm2 = w.mul_add(w, norm2);
        for (a, xd) in dot.iter_mut().zip(xd) {
            *a = w.mul_add(f32x16::splat(xd), *a);
        }
    }
    dot.map(|d| d.mul_add(f32x16::splat(-2.0), norm2))
}

/// Four samples value by value: item `d` holds value `d` of each. Zipped slice iterators
/// compile to one counter and no bounds checks.
#[inline(always)]
fn columns4(x: [&[f32]; 4]) -> impl Iterator<Item = [f32; 4]> {
    let [a, b, c, d] = x;
    a.iter()
        .zip(b)
        .zip(c)
        .zip(d)
        .map(|(((&a, &b), &c), &d)| [a, b, c, d])
}

/// The tile's samples value by value (see [`columns4`]).
#[cfg(target_feature = "avx512f")]
#[inline(always)]
fn columns(x: [&[f32]; TILE]) -> impl Iterator<Item = [f32; TILE]> {
    let [a, b, c, d, e, f, g, h] = x;
    columns4([a, b, c, d])
        .zip(columns4([e, f, g, h]))
        .map(|([a, b, c, d], [e, f, g, h])| [a, b, c, d, e, f, g, h])
}

/// The tile's samples value by value (see [`columns4`]).
#[cfg(not(target_feature = "avx512f"))]
#[inline(always)]
fn columns(x: [&[f32]; TILE]) -> impl Iterator<Item = [f32; TILE]> {
    columns4(x)
}

/// A tile of samples through the expanded form, each certified or searched exactly.
fn expanded_tile(
    weights: &[f32],
    units: usize,
    dim: usize,
    x: [&[f32]; TILE],
    largest: f32,
    out: &mut [Bmu],
) {
    let mut near = [Near::new(); TILE];
    let mut base = 0.0;
    for_block_groups(weights, dim, |[(i0, b0), (i1, b1)]| {
        let unit = f32x16::splat(base) + PAIR_INDEX;
        // A short last group repeats its block: the repeat must not be a runner-up to itself.
        let end = if i1 == i0 { i0 * LANES + LANES } else { units };
        let a = expanded(b0, b1, x);
        if (i1 + 1) * LANES <= end {
            for (n, a) in near.iter_mut().zip(a) {
                n.offer(a, unit);
            }
        } else {
            let real = unit.simd_lt(f32x16::splat(end.min(units) as f32));
            for (n, a) in near.iter_mut().zip(a) {
                n.offer(real.select(a, f32x16::splat(INF)), unit);
            }
        }
        base += (2 * LANES) as f32;
    });
    for ((slot, n), x) in out.iter_mut().zip(near).zip(x) {
        *slot = resolve(weights, dim, x, n, largest).unwrap_or_else(|| bmu(weights, units, dim, x));
    }
}

/// The exact search's answer from the expanded search, when rounding leaves few enough
/// candidates; `None` otherwise (then the caller searches exactly).
///
/// Rounding, with `m = dim` and `g = (m + 2) 2^-23`: a dot product or norm summed by an FMA
/// chain is off by at most `gamma_m` times its sum of `|terms|`, and the final FMA adds one
/// rounding, so a unit's expanded value is within `err = g (|w|^2 + 2 |x| |w|)` of
/// `|w|^2 - 2 x.w`, which `|w|^2 <= largest` bounds for every unit (`g` is twice that
/// `gamma`, for targets whose `mul_add` rounds twice). The exact search's distances are
/// within `g d` of the true ones (sums of squares). So a unit whose expanded value exceeds
/// the smallest `v1` by more than `margin` (both errors, twice) is farther than the unit at
/// `v1` in the exact search too: only units within `v1 + margin` are candidates. Each lane
/// knows the unit of its smallest value only; if a lane's second-smallest is a candidate, the
/// candidates are not all known. Otherwise the known ones are measured exactly as [`bmu`]
/// measures them, and the nearest wins (ties to the lowest unit).
fn resolve(weights: &[f32], dim: usize, x: &[f32], near: Near, largest: f32) -> Option<Bmu> {
    let (first, second) = (near.first.to_array(), near.second.to_array());
    let v1 = first.iter().copied().fold(INF, f32::min);
    if !v1.is_finite() {
        return None;
    }
    let x2: f64 = x.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    let w2 = f64::from(largest);
    let g = (dim as f64 + 2.0) * f64::from(f32::EPSILON);
    let err = g * (w2 + 2.0 * sqrt64(x2 * w2));
    // The true squared distance of the unit at v1, bounded from above.
    let d1 = (f64::from(v1) + x2 + err).max(0.0);
    let limit = f64::from(v1) + 2.0 * err + 2.0 * g * d1;
    let candidate = |v: f32| f64::from(v) <= limit;
    if !limit.is_finite() || second.into_iter().any(candidate) {
        return None;
    }
    let blocks = weights.as_chunks::<LANES>().0;
    let mut best: Option<Bmu> = None;
    for (v, unit) in first.into_iter().zip(near.unit.to_array()) {
        if unit == NONE || !candidate(v) {
            continue;
        }
        let unit = unit as usize;
        let block = blocks.get(unit / LANES * dim..(unit / LANES + 1) * dim)?;
        let dist2 = *dist1(block, x).to_array().get(unit % LANES)?;
        let nearer = best.is_none_or(|b| (dist2, unit) < (b.dist2, b.unit));
        if nearer {
            best = Some(Bmu { unit, dist2 });
        }
    }
    // An overflowing distance would need the exact search's "no finite distance" rule.
    best.filter(|b| b.dist2.is_finite())
}

/// Squared distances from one sample to the units of one block, in the order [`bmu`] sums
/// them.
#[inline(always)]
fn dist1(block: &Block, x: &[f32]) -> f32x8 {
    let mut acc = f32x8::ZERO;
    for (w, &xd) in block.iter().zip(x) {
        let d = f32x8::splat(xd) - f32x8::new(*w);
        acc = d.mul_add(d, acc);
    }
    acc
}
