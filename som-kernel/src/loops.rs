//! The loops a map's operations run, chosen once for the build (in `map.rs`): the SIMD loops
//! at the map's level ([`Level`], the default), or the scalar reference over the blocked
//! codebook ([`crate::size_first`], where flash counts more than speed). [`crate::Map`] and
//! [`crate::MapMut`] check their input, then call these: the loops themselves take valid
//! input (`x.len() == dim`, a blocked codebook of `units >= 1` units of `dim >= 1` values)
//! and never fail.

use crate::bmu::{Plan, Projection};
use crate::distance::{Bmu, Distance};
use crate::grid::Grid;
use crate::layout::Blocked;
use crate::missing::Missing;
use crate::neighbourhood::Neighbourhood;
use crate::simd::Level;
use crate::{bmu, update};

/// A search's distance and the handling of the sample's missing components.
pub(crate) type How = (Distance, Missing);

/// A codebook to search.
pub(crate) type Codebook<'w> = Blocked<&'w [f32]>;

/// A codebook to update, and its lattice.
pub(crate) type Trained<'w, 'g> = (Blocked<&'w mut [f32]>, &'g Grid);

/// An online step: towards `x`, around `winner`, `h` from `nb`, at rate `alpha`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step<'a> {
    /// The sample.
    pub x: &'a [f32],
    /// Its best-matching unit.
    pub winner: usize,
    /// The neighbourhood around it.
    pub nb: &'a Neighbourhood,
    /// The learning rate.
    pub alpha: f32,
}

/// Batch statistics: per unit the samples (or per component, the values) counted, and their
/// sums, `units * dim` in `f64`.
pub(crate) type Stats<'a> = (&'a [u64], &'a [f64]);

/// Searches and updates over a blocked codebook. Every implementation gives the same answers:
/// bit for bit where the reference says so, up to a fused multiply-add's rounding elsewhere
/// (see [`crate::simd`]).
pub(crate) trait Loops: Copy + From<Level> {
    /// The best-matching unit of `x` (see [`crate::bmu`] for ties and NaN; [`Bmu::NONE`] for
    /// a sample with nothing present).
    fn bmu(self, how: How, codebook: Codebook<'_>, x: &[f32]) -> Bmu;

    /// The best and second-best units of `x` (distinct units; with one unit the second is
    /// unit 1 at `+inf`, which no map has).
    fn bmu2(self, how: How, codebook: Codebook<'_>, x: &[f32]) -> [Bmu; 2];

    /// How [`Loops::bmu_many_with`] searches many samples at once on this codebook (through
    /// `projection` where it can), worked out once per codebook.
    fn plan<'p>(
        self,
        _: Distance,
        _: Codebook<'_>,
        _projection: Option<&'p Projection<'p>>,
    ) -> Plan<'p> {
        Plan::Exact
    }

    /// The best-matching unit of every sample of `data` into `out`, each exactly as
    /// [`Loops::bmu`] finds it, by the `plan` from [`Loops::plan`] (unused here).
    fn bmu_many_with(
        self,
        how: How,
        codebook: Codebook<'_>,
        (data, out): (&[f32], &mut [Bmu]),
        _plan: Plan<'_>,
    ) {
        for (x, o) in data.chunks_exact(codebook.dim.max(1)).zip(out) {
            *o = self.bmu(how, codebook, x);
        }
    }

    /// Online step: `w += (alpha h) (x - w)` for every unit with `h != 0`; where `masked`,
    /// components missing from `x` (NaN) are left alone.
    fn online(self, map: Trained<'_, '_>, step: Step<'_>, masked: bool);

    /// [`Loops::online`] (nothing masked), then the best-matching unit of `next` by
    /// `distance` in the updated map.
    fn online_then_bmu(
        self,
        (mut codebook, grid): Trained<'_, '_>,
        step: Step<'_>,
        next: &[f32],
        distance: Distance,
    ) -> Bmu {
        self.online((codebook.by_mut(), grid), step, false);
        self.bmu((distance, Missing::Error), codebook.by_ref(), next)
    }

    /// Batch apply: `w_j = sum_i h(j,i) S_i / sum_i h(j,i) N_i`; units with nothing in their
    /// neighbourhood keep their weights.
    fn batch(self, map: Trained<'_, '_>, stats: Stats<'_>, nb: &Neighbourhood);

    /// Batch apply per component: `w_jd = sum_i h(j,i) S_id / sum_i h(j,i) C_id`; a component
    /// with nothing in its unit's neighbourhood keeps its weight.
    #[cfg(feature = "missing")]
    fn batch_by_component(self, map: Trained<'_, '_>, stats: Stats<'_>, nb: &Neighbourhood);
}

/// The SIMD loops, compiled for every level and run at this one.
impl Loops for Level {
    fn bmu(self, how: How, c: Codebook<'_>, x: &[f32]) -> Bmu {
        bmu::bmu(self, how, c.weights, c.units, c.dim, x)
    }

    fn bmu2(self, how: How, c: Codebook<'_>, x: &[f32]) -> [Bmu; 2] {
        bmu::bmu2(self, how, c.weights, c.units, c.dim, x)
    }

    fn plan<'p>(
        self,
        distance: Distance,
        c: Codebook<'_>,
        projection: Option<&'p Projection<'p>>,
    ) -> Plan<'p> {
        bmu::plan(self, distance, (c.weights, c.units, c.dim), projection)
    }

    fn bmu_many_with(
        self,
        how: How,
        c: Codebook<'_>,
        (data, out): (&[f32], &mut [Bmu]),
        plan: Plan<'_>,
    ) {
        bmu::bmu_many_with(self, how, c.weights, c.units, c.dim, data, out, plan);
    }

    fn online(self, (c, grid): Trained<'_, '_>, s: Step<'_>, masked: bool) {
        let around = (s.winner, s.nb, s.alpha);
        update::online(self, c.weights, grid, c.dim, s.x, around, masked);
    }

    fn online_then_bmu(
        self,
        (c, grid): Trained<'_, '_>,
        s: Step<'_>,
        next: &[f32],
        distance: Distance,
    ) -> Bmu {
        let around = (s.winner, s.nb, s.alpha);
        update::online_then_bmu(self, c.weights, grid, c.dim, s.x, around, next, distance)
    }

    fn batch(self, (c, grid): Trained<'_, '_>, stats: Stats<'_>, nb: &Neighbourhood) {
        update::batch(self, c.weights, grid, c.dim, stats, nb);
    }

    #[cfg(feature = "missing")]
    fn batch_by_component(self, (c, grid): Trained<'_, '_>, stats: Stats<'_>, nb: &Neighbourhood) {
        update::batch_by_component(self, c.weights, grid, c.dim, stats, nb);
    }
}
