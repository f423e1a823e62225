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
pub(crate) mod track;

pub use metric::Distance;
use metric::by_metric;

use crate::simd::{Level, dispatch};

/// A best-matching unit: its index and squared distance to the sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bmu {
    /// Unit index, `row * cols + col`.
    pub unit: usize,
    /// Distance between sample and unit in the search's [`Distance`]: the squared Euclidean
    /// distance by default. `+inf` if none was finite.
    pub dist2: f32,
}

/// The best-matching unit of one sample by `distance`. `x.len() == dim`, `weights` blocked,
/// `units >= 1`.
pub(crate) fn bmu(
    level: Level,
    distance: Distance,
    weights: &[f32],
    units: usize,
    dim: usize,
    x: &[f32],
) -> Bmu {
    by_metric!(distance, M => dispatch!(level, isa => exact::one::<_, M>(isa, weights, units, dim, x)))
}

/// The best and second-best units of one sample (distinct units; with one unit the second is
/// reported as unit 1 at `+inf`, which no map has).
pub(crate) fn bmu2(
    level: Level,
    distance: Distance,
    weights: &[f32],
    units: usize,
    dim: usize,
    x: &[f32],
) -> [Bmu; 2] {
    by_metric!(distance, M => dispatch!(level, isa => exact::two::<_, M>(isa, weights, units, dim, x)))
}

/// Best-matching units of many samples (`data.len() == out.len() * dim`): each the same
/// [`Bmu`] that [`bmu`] returns for that sample, bit for bit, found faster (see
/// [`certified`]).
pub(crate) fn bmu_many(
    level: Level,
    distance: Distance,
    weights: &[f32],
    units: usize,
    dim: usize,
    data: &[f32],
    out: &mut [Bmu],
) {
    let largest = expanded_bound(level, distance, weights, units, dim);
    bmu_many_with(level, distance, weights, units, dim, data, out, largest);
}

/// What [`bmu_many_with`] needs to use the expanded form on this codebook: its largest
/// `|w|^2`, or `None` where the form does not pay or is not safe (non-finite weights), or
/// the distance is not Euclidean.
pub(crate) fn expanded_bound(
    level: Level,
    distance: Distance,
    weights: &[f32],
    units: usize,
    dim: usize,
) -> Option<f32> {
    if dim < certified::MIN_DIM || distance != Distance::Euclidean {
        return None;
    }
    dispatch!(level, isa => certified::largest_norm2(isa, weights, units, dim))
}

/// [`bmu_many`] with the codebook's [`expanded_bound`] computed once by the caller, for
/// callers that search in chunks.
#[allow(clippy::too_many_arguments)]
pub(crate) fn bmu_many_with(
    level: Level,
    distance: Distance,
    weights: &[f32],
    units: usize,
    dim: usize,
    data: &[f32],
    out: &mut [Bmu],
    largest: Option<f32>,
) {
    by_metric!(distance, M => dispatch!(level, isa => {
        certified::many::<_, M>(isa, weights, units, dim, data, out, largest)
    }))
}
