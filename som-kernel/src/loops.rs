//! The loops a map's operations run, chosen once for the build (in `map.rs`): the SIMD loops
//! at the map's level ([`Level`], the default), or the scalar reference over the blocked
//! codebook ([`crate::size_first`], where flash counts more than speed). [`crate::Map`] and
//! [`crate::MapMut`] check their input, then call these: the loops themselves take valid
//! input (`x.len() == dim`, `weights` blocked for `units >= 1` units of `dim >= 1`) and
//! never fail.

use crate::distance::{Bmu, Distance};
use crate::grid::Grid;
use crate::missing::Missing;
use crate::neighbourhood::Neighbourhood;
use crate::simd::Level;
use crate::{bmu, update};

/// A search's distance and the handling of the sample's missing components.
pub(crate) type How = (Distance, Missing);

/// Searches and updates over a blocked codebook. Every implementation gives the same answers:
/// bit for bit where the reference says so, up to a fused multiply-add's rounding elsewhere
/// (see [`crate::simd`]).
#[allow(clippy::too_many_arguments)]
pub(crate) trait Loops: Copy + From<Level> {
    /// The best-matching unit of `x` (see [`crate::bmu`] for ties and NaN; [`Bmu::NONE`] for
    /// a sample with nothing present).
    fn bmu(self, how: How, weights: &[f32], units: usize, dim: usize, x: &[f32]) -> Bmu;

    /// The best and second-best units of `x` (distinct units; with one unit the second is
    /// unit 1 at `+inf`, which no map has).
    fn bmu2(self, how: How, weights: &[f32], units: usize, dim: usize, x: &[f32]) -> [Bmu; 2];

    /// What [`Loops::bmu_many_with`] can use to search many samples at once on this
    /// codebook, computed once per codebook: `None` where it has no use for one.
    fn expanded_bound(self, _: Distance, _: &[f32], _: usize, _: usize) -> Option<f32> {
        None
    }

    /// The best-matching unit of every sample of `data` into `out`, each exactly as
    /// [`Loops::bmu`] finds it; `largest` from [`Loops::expanded_bound`].
    fn bmu_many_with(
        self,
        how: How,
        weights: &[f32],
        units: usize,
        dim: usize,
        data: &[f32],
        out: &mut [Bmu],
        largest: Option<f32>,
    ) {
        let _ = largest;
        for (x, o) in data.chunks_exact(dim.max(1)).zip(out) {
            *o = self.bmu(how, weights, units, dim, x);
        }
    }

    /// [`Loops::bmu_many_with`], the bound computed here.
    fn bmu_many(
        self,
        how: How,
        weights: &[f32],
        units: usize,
        dim: usize,
        data: &[f32],
        out: &mut [Bmu],
    ) {
        let largest = self.expanded_bound(how.0, weights, units, dim);
        self.bmu_many_with(how, weights, units, dim, data, out, largest);
    }

    /// Online step: `w += (alpha h) (x - w)` for every unit with `h != 0`, `h` around
    /// `winner`; where `masked`, components missing from `x` (NaN) are left alone.
    fn online(
        self,
        weights: &mut [f32],
        grid: &Grid,
        dim: usize,
        x: &[f32],
        winner: usize,
        nb: &Neighbourhood,
        alpha: f32,
        masked: bool,
    );

    /// [`Loops::online`] (nothing masked), then the best-matching unit of `next` by
    /// `distance` in the updated map.
    fn online_then_bmu(
        self,
        weights: &mut [f32],
        grid: &Grid,
        dim: usize,
        (x, winner, nb, alpha): (&[f32], usize, &Neighbourhood, f32),
        next: &[f32],
        distance: Distance,
    ) -> Bmu {
        self.online(weights, grid, dim, x, winner, nb, alpha, false);
        let how = (distance, Missing::Error);
        self.bmu(how, weights, grid.units(), dim, next)
    }

    /// Batch apply: `w_j = sum_i h(j,i) S_i / sum_i h(j,i) N_i`; units with nothing in their
    /// neighbourhood keep their weights.
    fn batch(
        self,
        weights: &mut [f32],
        grid: &Grid,
        dim: usize,
        hits: &[u64],
        sums: &[f64],
        nb: &Neighbourhood,
    );

    /// Batch apply per component: `w_jd = sum_i h(j,i) S_id / sum_i h(j,i) C_id`; a component
    /// with nothing in its unit's neighbourhood keeps its weight.
    #[cfg(feature = "missing")]
    fn batch_by_component(
        self,
        weights: &mut [f32],
        grid: &Grid,
        dim: usize,
        counts: &[u64],
        sums: &[f64],
        nb: &Neighbourhood,
    );
}

/// The SIMD loops, compiled for every level and run at this one.
impl Loops for Level {
    fn bmu(self, how: How, weights: &[f32], units: usize, dim: usize, x: &[f32]) -> Bmu {
        bmu::bmu(self, how, weights, units, dim, x)
    }

    fn bmu2(self, how: How, weights: &[f32], units: usize, dim: usize, x: &[f32]) -> [Bmu; 2] {
        bmu::bmu2(self, how, weights, units, dim, x)
    }

    fn expanded_bound(
        self,
        distance: Distance,
        w: &[f32],
        units: usize,
        dim: usize,
    ) -> Option<f32> {
        bmu::expanded_bound(self, distance, w, units, dim)
    }

    fn bmu_many_with(
        self,
        how: How,
        weights: &[f32],
        units: usize,
        dim: usize,
        data: &[f32],
        out: &mut [Bmu],
        largest: Option<f32>,
    ) {
        bmu::bmu_many_with(self, how, weights, units, dim, data, out, largest);
    }

    fn online(
        self,
        weights: &mut [f32],
        grid: &Grid,
        dim: usize,
        x: &[f32],
        winner: usize,
        nb: &Neighbourhood,
        alpha: f32,
        masked: bool,
    ) {
        update::online(self, weights, grid, dim, x, winner, nb, alpha, masked);
    }

    fn online_then_bmu(
        self,
        weights: &mut [f32],
        grid: &Grid,
        dim: usize,
        (x, winner, nb, alpha): (&[f32], usize, &Neighbourhood, f32),
        next: &[f32],
        distance: Distance,
    ) -> Bmu {
        update::online_then_bmu(
            self, weights, grid, dim, x, winner, nb, alpha, next, distance,
        )
    }

    fn batch(
        self,
        weights: &mut [f32],
        grid: &Grid,
        dim: usize,
        hits: &[u64],
        sums: &[f64],
        nb: &Neighbourhood,
    ) {
        update::batch(self, weights, grid, dim, hits, sums, nb);
    }

    #[cfg(feature = "missing")]
    fn batch_by_component(
        self,
        weights: &mut [f32],
        grid: &Grid,
        dim: usize,
        counts: &[u64],
        sums: &[f64],
        nb: &Neighbourhood,
    ) {
        update::batch_by_component(self, weights, grid, dim, counts, sums, nb);
    }
}
