//! Best-matching-unit search in the blocked layout.
//!
//! NaN policy: a distance that is NaN ranks as `+inf`; among equal distances the lowest unit
//! index wins. So the search always returns a unit: when no distance is finite (a sample with
//! NaN, or overflow) it returns unit 0 with distance `+inf`, exactly as the reference does.
//!
//! Each lane keeps its own running minimum and unit index ([`track`]); the lanes are reduced
//! once at the end. Distances come from the kernel's one loop ([`crate::pairs`]), in the exact
//! form ([`exact`]) or, for many samples at once, in the expanded form `|w|^2 - 2 x.w`,
//! certified against its rounding error so that the answer is still the exact search's
//! ([`certified`]).
//!
//! The functions here pick the instruction set ([`crate::simd::Level`]) and run the generic
//! search compiled for it.

mod certified;
mod exact;
pub(crate) mod metric;
#[cfg(feature = "pruning")]
mod pruned;
pub(crate) mod track;
mod transposed;

pub use crate::distance::{Bmu, Distance};
#[cfg(feature = "pruning")]
pub use pruned::{AXES, MIN_DIM, MIN_UNITS, Projection, SEGMENT};
/// Without the feature `pruning`, no projection exists.
#[cfg(not(feature = "pruning"))]
#[derive(Debug)]
pub(crate) enum Projection<'p> {
    #[allow(dead_code)]
    Never(core::convert::Infallible, core::marker::PhantomData<&'p ()>),
}

#[cfg(not(feature = "pruning"))]
impl Projection<'_> {
    /// What a projection that cannot exist does.
    fn never(&self) -> ! {
        match self {
            Projection::Never(never, _) => match *never {},
        }
    }
}
use metric::by_metric;

use crate::missing::{Missing, Present};
use crate::simd::{Level, dispatch};

/// Whether a search of `x` is masked (`Some(true)`), plain, or has nothing to search.
#[inline]
fn masked(missing: Missing, x: &[f32]) -> Option<bool> {
    match Present::of(missing, x) {
        Present::All => Some(false),
        Present::Some => Some(true),
        Present::None => None,
    }
}

/// The best-matching unit of one sample by `distance`, its missing components left out where
/// `missing` says. `x.len() == dim`, `weights` blocked, `units >= 1`.
pub(crate) fn bmu(
    level: Level,
    (distance, missing): (Distance, Missing),
    weights: &[f32],
    units: usize,
    dim: usize,
    x: &[f32],
) -> Bmu {
    let Some(masked) = masked(missing, x) else {
        return Bmu::NONE;
    };
    by_metric!(distance, masked, M => dispatch!(level, isa => exact::one::<_, M>(isa, weights, units, dim, x)))
}

/// The best and second-best units of one sample (distinct units; with one unit the second is
/// reported as unit 1 at `+inf`, which no map has).
pub(crate) fn bmu2(
    level: Level,
    (distance, missing): (Distance, Missing),
    weights: &[f32],
    units: usize,
    dim: usize,
    x: &[f32],
) -> [Bmu; 2] {
    let Some(masked) = masked(missing, x) else {
        return [Bmu::NONE; 2];
    };
    by_metric!(distance, masked, M => dispatch!(level, isa => exact::two::<_, M>(isa, weights, units, dim, x)))
}

/// How a many-sample search goes over one codebook, worked out once per codebook.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Plan<'p> {
    /// Each sample by the exact search.
    Exact,
    /// The certified expanded form ([`certified`]), with the codebook's largest `|w|^2`.
    Expanded(f32),
    /// Through a projection's bounds ([`pruned`]).
    /// (Without the feature `pruning`, a variant no plan takes: no projection exists.)
    #[cfg_attr(not(feature = "pruning"), allow(dead_code))]
    Pruned(&'p Projection<'p>),
}

/// The plan of [`bmu_many_with`] on this codebook: through `projection` where it prunes (the
/// Euclidean distance), else the expanded form where it pays and is safe (finite weights, the
/// Euclidean distance), else the exact search.
pub(crate) fn plan<'p>(
    level: Level,
    distance: Distance,
    (weights, units, dim): (&[f32], usize, usize),
    projection: Option<&'p Projection<'p>>,
) -> Plan<'p> {
    if distance != Distance::Euclidean {
        return Plan::Exact;
    }
    #[cfg(feature = "pruning")]
    if let Some(p) = projection.filter(|p| p.prunes() && p.bounds(weights)) {
        return Plan::Pruned(p);
    }
    let _ = projection;
    if dim < certified::MIN_DIM {
        return Plan::Exact;
    }
    match dispatch!(level, isa => certified::largest_norm2(isa, weights, units, dim)) {
        Some(largest) => Plan::Expanded(largest),
        None => Plan::Exact,
    }
}

/// Best-matching units of many samples (`data.len() == out.len() * dim`): each the same
/// [`Bmu`] that [`bmu`] returns for that sample, bit for bit, found faster by the codebook's
/// [`plan`], computed once by the caller. With masking, runs of whole samples take the
/// many-sample search and each sample with missing components the masked one.
#[allow(clippy::too_many_arguments)]
pub(crate) fn bmu_many_with(
    level: Level,
    (distance, missing): (Distance, Missing),
    weights: &[f32],
    units: usize,
    dim: usize,
    data: &[f32],
    out: &mut [Bmu],
    plan: Plan<'_>,
) {
    let many = |data: &[f32], out: &mut [Bmu]| match plan {
        #[cfg(feature = "pruning")]
        Plan::Pruned(p) => dispatch!(level, isa => pruned::many(isa, p, data, out)),
        #[cfg(not(feature = "pruning"))]
        Plan::Pruned(p) => p.never(),
        Plan::Expanded(largest) => by_metric!(distance, false, M => dispatch!(level, isa => {
            certified::many::<_, M>(isa, weights, units, dim, data, out, Some(largest))
        })),
        Plan::Exact => by_metric!(distance, false, M => dispatch!(level, isa => {
            certified::many::<_, M>(isa, weights, units, dim, data, out, None)
        })),
    };
    if missing == Missing::Error {
        return many(data, out);
    }
    let dim = dim.max(1);
    let mut i = 0;
    for _ in 0..out.len() {
        let Some(rest) = data.get(i * dim..).filter(|r| !r.is_empty()) else {
            return;
        };
        let whole = rest
            .chunks_exact(dim)
            .take_while(|x| masked(missing, x) == Some(false))
            .count();
        let run = (
            data.get(i * dim..(i + whole) * dim),
            out.get_mut(i..i + whole),
        );
        match run {
            (Some(run), Some(slots)) if whole > 0 => many(run, slots),
            _ => {
                if let (Some(x), Some(slot)) = (rest.get(..dim), out.get_mut(i)) {
                    *slot = bmu(level, (distance, missing), weights, units, dim, x);
                }
            }
        }
        i += whole.max(1);
    }
}
