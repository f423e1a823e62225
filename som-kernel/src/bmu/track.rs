//! What a search keeps while it walks the codebook: per lane, the best distance (and unit) seen
//! so far; reduced once at the end.
//!
//! Unit indices are kept as `f32` (exact below [`crate::MAX_UNITS`]) so one `select` serves
//! distances and indices alike. `NONE` marks a lane that has not seen a finite distance.

use super::Bmu;
use crate::LANES;
use crate::pairs::pair_units;
use crate::simd::{Isa, Lanes};

/// Marks a lane that has not seen a finite distance yet.
pub(crate) const NONE: f32 = -1.0;
pub(crate) const INF: f32 = f32::INFINITY;

/// `d`, with the lanes of units past `units` set to `+inf` (padding never wins). `unit` holds
/// the lanes' unit indices; only a pair at the end of the map pays for the mask.
#[inline(always)]
pub(crate) fn mask_padding<I: Isa>(isa: I, d: I::V, unit: I::V, b: usize, units: usize) -> I::V {
    if (b + I::BLOCKS) * LANES > units {
        I::V::select(unit.lt(isa.splat(units as f32)), d, isa.splat(INF))
    } else {
        d
    }
}

/// Per-lane best distance and unit.
#[derive(Clone, Copy)]
pub(crate) struct Best<V> {
    dist: V,
    unit: V,
}

impl<V: Lanes> Best<V> {
    #[inline(always)]
    pub(crate) fn new<I: Isa<V = V>>(isa: I) -> Self {
        Self {
            dist: isa.splat(INF),
            unit: isa.splat(NONE),
        }
    }

    /// Per lane, the nearer of two (ties to the lower unit; a lane that saw nothing has
    /// distance `+inf` and loses to any unit).
    #[inline(always)]
    fn merge(self, other: &Self) -> Self {
        let (nearer, farther) = (other.dist.lt(self.dist), self.dist.lt(other.dist));
        let lower = other.unit.lt(self.unit);
        let tie_unit = V::select(lower, other.unit, self.unit);
        Self {
            // Equal distances on a tie: either is the distance.
            dist: self.dist.min(other.dist),
            unit: V::select(nearer, other.unit, V::select(farther, self.unit, tie_unit)),
        }
    }

    /// Takes `d` where it is strictly smaller: earlier units win ties; NaN never wins.
    #[inline(always)]
    pub(crate) fn offer(&mut self, d: V, unit: V) {
        let m = d.lt(self.dist);
        self.dist = V::select(m, d, self.dist);
        self.unit = V::select(m, unit, self.unit);
    }
}

/// What a one-sample search keeps per lane, and how it names its answer.
pub(crate) trait Tracker<V: Lanes>: Copy {
    /// The answer.
    type Found;
    /// Nothing seen.
    fn new<I: Isa<V = V>>(isa: I) -> Self;
    /// Offers the distances of the pair whose first block is `b`, padding masked.
    fn offer_pair<I: Isa<V = V>>(&mut self, isa: I, d: V, b: usize, units: usize);
    /// The answer over the lanes of all trackers (ties to the lowest unit).
    fn reduce(trackers: &[Self]) -> Self::Found;
}

impl<V: Lanes> Tracker<V> for Best<V> {
    type Found = Bmu;

    #[inline(always)]
    fn new<I: Isa<V = V>>(isa: I) -> Self {
        Best::new(isa)
    }

    #[inline(always)]
    fn offer_pair<I: Isa<V = V>>(&mut self, isa: I, d: V, b: usize, units: usize) {
        let unit = pair_units(isa, b);
        self.offer(mask_padding(isa, d, unit, b, units), unit);
    }

    /// The winner, or unit 0 at `+inf`. Where code size is no concern (64-bit targets), the
    /// trackers are merged lane by lane first, so only one tracker's lanes go through the
    /// scalar ranking (inlined: the vector operations must be compiled for the caller's
    /// instruction set); a microcontroller ranks every lane and keeps one copy of the code.
    #[inline(always)]
    fn reduce(trackers: &[Self]) -> Bmu {
        match trackers.split_first() {
            Some((first, rest)) if cfg!(target_pointer_width = "64") => {
                // A plain loop, no closures: see `crate::pairs::Rows`.
                let mut merged = *first;
                for t in rest {
                    merged = merged.merge(t);
                }
                Self::winner(&[merged])
            }
            _ => Self::winner(trackers),
        }
    }
}

impl<V: Lanes> Best<V> {
    /// The winner among the lanes of all trackers (ties to the lowest unit), or unit 0 at
    /// `+inf`. Out of line: one copy of the scalar ranking, whichever search calls it.
    #[inline(never)]
    fn winner(trackers: &[Self]) -> Bmu {
        let mut best = Candidates::<1>::new();
        for t in trackers {
            best.offer_lanes(t.dist, t.unit);
        }
        best.finish()[0]
    }
}

/// Per-lane best and second-best distance and unit.
#[derive(Clone, Copy)]
pub(crate) struct Best2<V> {
    first: Best<V>,
    second: Best<V>,
}

impl<V: Lanes> Tracker<V> for Best2<V> {
    /// The two best distinct units (with one unit the second is unit 1 at `+inf`): the
    /// global two are among the lanes' two.
    type Found = [Bmu; 2];

    #[inline(always)]
    fn new<I: Isa<V = V>>(isa: I) -> Self {
        Self {
            first: Best::new(isa),
            second: Best::new(isa),
        }
    }

    #[inline(always)]
    fn offer_pair<I: Isa<V = V>>(&mut self, isa: I, d: V, b: usize, units: usize) {
        let unit = pair_units(isa, b);
        let d = mask_padding(isa, d, unit, b, units);
        let (f, s) = (&mut self.first, &mut self.second);
        let beats_first = d.lt(f.dist);
        let beats_second = d.lt(s.dist);
        s.dist = V::select(beats_first, f.dist, V::select(beats_second, d, s.dist));
        s.unit = V::select(beats_first, f.unit, V::select(beats_second, unit, s.unit));
        f.dist = V::select(beats_first, d, f.dist);
        f.unit = V::select(beats_first, unit, f.unit);
    }

    fn reduce(trackers: &[Self]) -> [Bmu; 2] {
        let mut best = Candidates::<2>::new();
        for t in trackers {
            for lanes in [t.first, t.second] {
                best.offer_lanes(lanes.dist, lanes.unit);
            }
        }
        best.finish()
    }
}

/// Per lane, the smallest and second-smallest expanded distance seen, and the unit of the
/// smallest (the certified search).
#[derive(Clone, Copy)]
pub(crate) struct Near<V> {
    pub(crate) first: V,
    pub(crate) second: V,
    pub(crate) unit: V,
}

impl<V: Lanes> Near<V> {
    #[inline(always)]
    pub(crate) fn new<I: Isa<V = V>>(isa: I) -> Self {
        Self {
            first: isa.splat(INF),
            second: isa.splat(INF),
            unit: isa.splat(NONE),
        }
    }

    /// Takes `a` for the units `unit`. Plain `min`/`max` instructions: a NaN (from a NaN or
    /// infinite sample) may land anywhere, but such a sample is never resolved from them.
    #[inline(always)]
    pub(crate) fn offer(&mut self, a: V, unit: V) {
        self.unit = V::select(a.lt(self.first), unit, self.unit);
        self.second = self.second.min(a.max(self.first));
        self.first = self.first.min(a);
    }
}

/// The `N` smallest `(distance, unit)` pairs seen, in order, without allocation.
pub(crate) struct Candidates<const N: usize> {
    best: [Bmu; N],
    len: usize,
}

impl<const N: usize> Candidates<N> {
    pub(crate) fn new() -> Self {
        Self {
            best: [Bmu {
                unit: usize::MAX,
                dist2: INF,
            }; N],
            len: 0,
        }
    }

    /// Inserts `c` in order (distance, then unit), keeping the `N` first; repeats are ignored.
    pub(crate) fn offer(&mut self, c: Bmu) {
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

    /// Offers the lanes of a tracker's distances and units.
    fn offer_lanes<V: Lanes>(&mut self, dist: V, unit: V) {
        let (dist, unit) = (dist.to_array(), unit.to_array());
        for (d, u) in dist.into_iter().zip(unit).take(V::WIDTH) {
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
    pub(crate) fn finish(mut self) -> [Bmu; N] {
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
