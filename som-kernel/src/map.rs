//! Borrowed views of a map: a grid plus a blocked codebook, validated once when built so the
//! hot loops need no checks.

use crate::bmu::{Plan, Projection};
use crate::distance::{Bmu, Distance, check_missing, check_supported};
use crate::error::{Error, Result, check_len, check_positive};
use crate::grid::Grid;
use crate::layout::{Blocked, blocked_index, blocked_len};
use crate::loops::{Codebook, Loops, Step, Trained};
use crate::math::sqrt;
use crate::missing::{Missing, Present, check_data};
use crate::neighbourhood::Neighbourhood;
use crate::simd::{self, Level};

/// The loops of this build: the SIMD ones.
#[cfg(not(any(som_small, all(feature = "small", target_os = "none"))))]
type Active = Level;
/// The loops of this build: the size-first ones.
#[cfg(any(som_small, all(feature = "small", target_os = "none")))]
type Active = crate::size_first::SizeFirst;

/// A read-only map: grid, dimension and blocked codebook, the SIMD level its operations run at
/// ([`simd::level`] when the view is made) and the distance its searches rank units by
/// (Euclidean unless set).
#[derive(Debug, Clone, Copy)]
pub struct Map<'a> {
    grid: Grid,
    dim: usize,
    weights: &'a [f32],
    level: Level,
    distance: Distance,
    missing: Missing,
    /// Bounds that let many-sample searches skip units ([`Map::with_projection`]).
    projection: Option<&'a Projection<'a>>,
}

/// A map whose weights can be trained (and the SIMD level and distance, as [`Map`]).
#[derive(Debug)]
pub struct MapMut<'a> {
    grid: Grid,
    dim: usize,
    weights: &'a mut [f32],
    level: Level,
    distance: Distance,
    missing: Missing,
}

fn check_shape(grid: &Grid, dim: usize, len: usize) -> Result<()> {
    if dim == 0 {
        return Err(Error::Zero { what: "dim" });
    }
    check_len("blocked codebook", blocked_len(grid.units(), dim), len)
}

/// Number of samples in `data`, checking that it is whole rows of `dim`.
pub(crate) fn sample_count(data: &[f32], dim: usize) -> Result<usize> {
    let n = data.len() / dim.max(1);
    if n * dim != data.len() {
        return Err(Error::Length {
            what: "data (a whole number of samples of length dim)",
            expected: (n + 1) * dim,
            got: data.len(),
        });
    }
    Ok(n)
}

impl<'a> Map<'a> {
    /// A view of `weights` in the blocked layout ([`crate::layout`]).
    ///
    /// # Errors
    /// [`Error::Zero`] if `dim` is 0; [`Error::Length`] unless
    /// `weights.len() == blocked_len(grid.units(), dim)`.
    pub fn new(grid: Grid, dim: usize, weights: &'a [f32]) -> Result<Self> {
        check_shape(&grid, dim, weights.len())?;
        Ok(Self::from_parts(grid, dim, weights))
    }

    /// A view whose shape the caller has checked (an inconsistent one computes nothing).
    pub(crate) fn from_parts(grid: Grid, dim: usize, weights: &'a [f32]) -> Self {
        Self {
            grid,
            dim,
            weights,
            level: simd::level(),
            distance: Distance::Euclidean,
            missing: Missing::Error,
            projection: None,
        }
    }

    /// The same view, running at `level` (tests, benchmarks, comparisons between levels).
    ///
    /// # Errors
    /// [`Error::Unsupported`] when this CPU cannot run `level`.
    pub fn with_simd(self, level: Level) -> Result<Self> {
        Ok(Self {
            level: simd::force_check(level)?,
            ..self
        })
    }

    /// The SIMD level this view runs at.
    pub fn simd(&self) -> Level {
        self.level
    }

    /// The loops its operations run: this build's, at its level.
    #[inline(always)]
    fn loops(&self) -> Active {
        Active::from(self.level)
    }

    /// Its codebook, as the loops search it.
    fn codebook(&self) -> Codebook<'_> {
        Blocked {
            weights: self.weights,
            units: self.units(),
            dim: self.dim,
        }
    }

    /// The same view, its searches ranking units by `distance` (training's winners, BMUs,
    /// the topographic error). The quantization error stays the Euclidean distance to the
    /// unit found, as in MiniSom.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for a distance other than Euclidean in a build without the
    /// feature `distances`.
    pub fn with_distance(self, distance: Distance) -> Result<Self> {
        check_missing(distance, self.missing)?;
        Ok(Self {
            distance: check_supported(distance)?,
            ..self
        })
    }

    /// The distance this view's searches rank units by.
    pub fn distance(&self) -> Distance {
        self.distance
    }

    /// The same view, reading NaN in samples as `missing` says ([`crate::Missing`]): with
    /// [`Missing::Mask`], a missing component is left out of searches, updates and metrics,
    /// and a sample with nothing left has no best-matching unit ([`Bmu::NONE`]).
    ///
    /// # Errors
    /// [`Error::Unsupported`] for masking without the feature `missing`, or with the cosine
    /// distance.
    pub fn with_missing(self, missing: Missing) -> Result<Self> {
        check_missing(self.distance, missing)?;
        Ok(Self { missing, ..self })
    }

    /// What NaN in a sample means to this view.
    pub fn missing(&self) -> Missing {
        self.missing
    }

    /// The distance and missing-value policy, as the searches take them.
    fn how(&self) -> (Distance, Missing) {
        (self.distance, self.missing)
    }

    /// The same view, its many-sample searches ([`Map::bmu_many`], the metrics, batch
    /// statistics) skipping the units `projection` excludes: the same answers, bit for bit,
    /// with less work (the Euclidean distance; other distances search every unit).
    ///
    /// # Errors
    /// [`Error::Unsupported`] unless `projection` was made from this view's weights.
    #[cfg(feature = "pruning")]
    pub fn with_projection(self, projection: &'a Projection<'a>) -> Result<Self> {
        if !projection.bounds(self.weights) {
            return Err(Error::Unsupported {
                what: "a projection made from other weights than the map's",
            });
        }
        Ok(Self {
            projection: Some(projection),
            ..self
        })
    }

    /// The projection of this view's codebook ([`Projection`]), in `space`
    /// ([`Projection::space_len`] doubles) and `projected` ([`Projection::projected_len`]
    /// floats); give it to [`Map::with_projection`].
    ///
    /// # Errors
    /// [`Error::Length`] unless the buffers have those lengths.
    #[cfg(feature = "pruning")]
    pub fn projection<'p>(
        &self,
        space: &'p mut [f64],
        projected: &'p mut [f32],
    ) -> Result<Projection<'p>>
    where
        'a: 'p,
    {
        let codebook = (self.weights, self.units(), self.dim);
        Projection::new(codebook, self.level, space, projected)
    }

    /// How its many-sample searches go over its codebook.
    fn plan(&self) -> Plan<'a> {
        (self.loops()).plan(self.distance, self.codebook(), self.projection)
    }

    /// The grid.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// Values per unit and per sample.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of units.
    pub fn units(&self) -> usize {
        self.grid.units()
    }

    /// The blocked codebook.
    pub fn weights(&self) -> &'a [f32] {
        self.weights
    }

    /// Weight `d` of unit `k`, or `None` out of range.
    pub fn weight(&self, k: usize, d: usize) -> Option<f32> {
        if k >= self.units() || d >= self.dim {
            return None;
        }
        self.weights.get(blocked_index(k, d, self.dim)).copied()
    }

    /// Copies the weights of unit `k` into `out`.
    ///
    /// # Errors
    /// [`Error::Length`] unless `out.len() == dim`; [`Error::TooLarge`] if `k` is no unit.
    pub fn unit(&self, k: usize, out: &mut [f32]) -> Result<()> {
        check_len("unit buffer", self.dim, out.len())?;
        self.check_unit(k)?;
        for (d, v) in out.iter_mut().enumerate() {
            *v = self.weight(k, d).unwrap_or(f32::NAN);
        }
        Ok(())
    }

    fn check_unit(&self, k: usize) -> Result<()> {
        if k < self.units() {
            Ok(())
        } else {
            Err(Error::TooLarge {
                what: "unit index",
                max: self.units() - 1,
                got: k,
            })
        }
    }

    /// The best-matching unit of `x` (see [`crate::bmu`] for ties and NaN; [`Bmu::NONE`] for a
    /// sample with every component missing, where masking is on).
    ///
    /// # Errors
    /// [`Error::Length`] unless `x.len() == dim`.
    pub fn bmu(&self, x: &[f32]) -> Result<Bmu> {
        check_len("sample", self.dim, x.len())?;
        Ok(self.loops().bmu(self.how(), self.codebook(), x))
    }

    /// The best and second-best units of `x`, best first.
    ///
    /// # Errors
    /// [`Error::Length`] unless `x.len() == dim`.
    pub fn bmu2(&self, x: &[f32]) -> Result<[Bmu; 2]> {
        check_len("sample", self.dim, x.len())?;
        Ok(self.loops().bmu2(self.how(), self.codebook(), x))
    }

    /// Best-matching units of every sample of `data` (rows of `dim`) into `out`: for each
    /// sample exactly what [`Map::bmu`] returns, found several times faster (a certified
    /// expanded-form search, see the module `bmu`).
    ///
    /// # Errors
    /// [`Error::Length`] unless `data` is `out.len()` whole samples.
    pub fn bmu_many(&self, data: &[f32], out: &mut [Bmu]) -> Result<()> {
        let n = sample_count(data, self.dim)?;
        check_len("output (one per sample)", n, out.len())?;
        (self.loops()).bmu_many_with(self.how(), self.codebook(), (data, out), self.plan());
        Ok(())
    }

    /// Calls `f(sample index, sample, bmu)` for every sample, searching in tiles without
    /// allocation.
    pub(crate) fn for_each_bmu(
        &self,
        data: &[f32],
        mut f: impl FnMut(usize, &[f32], Bmu),
    ) -> Result<usize> {
        // The size-first build searches sample by sample: a large tile would only cost stack.
        const CHUNK: usize = if cfg!(any(som_small, all(feature = "small", target_os = "none"))) {
            4
        } else {
            64
        };
        let n = sample_count(data, self.dim)?;
        let mut out = [Bmu {
            unit: 0,
            dist2: 0.0,
        }; CHUNK];
        // `dim >= 1` for every map; `max(1)` shows it to the compiler (no panic branches).
        let dim = self.dim.max(1);
        let (loops, how, codebook, plan) = (self.loops(), self.how(), self.codebook(), self.plan());
        for (c, chunk) in data.chunks(CHUNK.saturating_mul(dim)).enumerate() {
            let m = chunk.len() / dim;
            let out = &mut out[..m.min(CHUNK)];
            loops.bmu_many_with(how, codebook, (chunk, &mut *out), plan);
            for (j, (x, b)) in chunk.chunks_exact(dim).zip(out.iter()).enumerate() {
                f(c * CHUNK + j, x, *b);
            }
        }
        Ok(n)
    }

    /// Mean Euclidean distance from each sample to its best-matching unit (0 for no data;
    /// with masking, over the components present and the samples that have a unit).
    ///
    /// # Errors
    /// [`Error::Length`] unless `data` is whole samples.
    pub fn quantization_error(&self, data: &[f32]) -> Result<f32> {
        let mut total = 0.0f64;
        let mut n = 0usize;
        self.for_each_bmu(data, |_, x, b| {
            if !b.is_none() {
                total += f64::from(sqrt(self.euclidean2(x, b)));
                n += 1;
            }
        })?;
        Ok(if n == 0 {
            0.0
        } else {
            (total / n as f64) as f32
        })
    }

    /// Distance of each sample to its best-matching unit (anomaly scores) into `out` (NaN for
    /// a sample without one).
    ///
    /// # Errors
    /// [`Error::Length`] unless `data` is `out.len()` whole samples.
    pub fn quantization_errors(&self, data: &[f32], out: &mut [f32]) -> Result<()> {
        let n = sample_count(data, self.dim)?;
        check_len("output (one per sample)", n, out.len())?;
        self.for_each_bmu(data, |i, x, b| {
            if let Some(o) = out.get_mut(i) {
                *o = sqrt(self.euclidean2(x, b));
            }
        })?;
        Ok(())
    }

    /// The squared Euclidean distance from `x` to its best-matching unit `b`, as the
    /// quantization error measures it: the search's own `b.dist2` for the Euclidean
    /// distance, else summed as the reference sums it (NaN for a unit that does not exist;
    /// with masking, over the components present).
    pub fn euclidean2(&self, x: &[f32], b: Bmu) -> f32 {
        if !cfg!(feature = "distances") || self.distance == Distance::Euclidean {
            return b.dist2;
        }
        let mask = self.missing == Missing::Mask;
        let mut acc = 0.0f32;
        for (d, &xd) in x.iter().enumerate() {
            if mask && xd.is_nan() {
                continue;
            }
            let diff = xd - self.weight(b.unit, d).unwrap_or(f32::NAN);
            acc += diff * diff;
        }
        acc
    }

    /// Fraction of samples whose best and second-best units are not lattice neighbours
    /// (0 for no data or a one-unit map; with masking, of the samples that have a unit).
    ///
    /// # Errors
    /// [`Error::Length`] unless `data` is whole samples.
    pub fn topographic_error(&self, data: &[f32]) -> Result<f32> {
        sample_count(data, self.dim)?;
        if self.units() < 2 {
            return Ok(0.0);
        }
        let (mut n, mut broken) = (0usize, 0usize);
        for x in data.chunks_exact(self.dim.max(1)) {
            let [a, b] = self.loops().bmu2(self.how(), self.codebook(), x);
            if !a.is_none() {
                n += 1;
                broken += usize::from(!self.grid.adjacent(a.unit, b.unit));
            }
        }
        Ok(if n == 0 {
            0.0
        } else {
            (broken as f64 / n as f64) as f32
        })
    }

    /// The U-matrix: for each unit, the mean weight-space distance to its lattice neighbours
    /// (0 for a unit without neighbours), row-major into `out`.
    ///
    /// # Errors
    /// [`Error::Length`] unless `out.len() == units`.
    pub fn umatrix(&self, out: &mut [f32]) -> Result<()> {
        check_len("U-matrix", self.units(), out.len())?;
        for (k, o) in out.iter_mut().enumerate() {
            let neighbours = self.grid.neighbours(k);
            let n = neighbours.as_slice();
            let total: f32 = n.iter().map(|&j| sqrt(self.unit_dist2(k, j))).sum();
            *o = if n.is_empty() {
                0.0
            } else {
                total / n.len() as f32
            };
        }
        Ok(())
    }

    /// Squared weight-space distance between units `a` and `b`.
    fn unit_dist2(&self, a: usize, b: usize) -> f32 {
        (0..self.dim)
            .map(|d| {
                let diff = self.weight(a, d).unwrap_or(0.0) - self.weight(b, d).unwrap_or(0.0);
                diff * diff
            })
            .sum()
    }
}

impl<'a> MapMut<'a> {
    /// A trainable view of `weights` in the blocked layout.
    ///
    /// # Errors
    /// As [`Map::new`].
    pub fn new(grid: Grid, dim: usize, weights: &'a mut [f32]) -> Result<Self> {
        check_shape(&grid, dim, weights.len())?;
        Ok(Self::from_parts(grid, dim, weights))
    }

    /// A view whose shape the caller has checked.
    pub(crate) fn from_parts(grid: Grid, dim: usize, weights: &'a mut [f32]) -> Self {
        Self {
            grid,
            dim,
            weights,
            level: simd::level(),
            distance: Distance::Euclidean,
            missing: Missing::Error,
        }
    }

    /// The same view, running at `level` (see [`Map::with_simd`]).
    ///
    /// # Errors
    /// [`Error::Unsupported`] when this CPU cannot run `level`.
    pub fn with_simd(self, level: Level) -> Result<Self> {
        Ok(Self {
            level: simd::force_check(level)?,
            ..self
        })
    }

    /// The SIMD level this view runs at.
    pub fn simd(&self) -> Level {
        self.level
    }

    /// The loops its operations run: this build's, at its level.
    #[inline(always)]
    fn loops(&self) -> Active {
        Active::from(self.level)
    }

    /// Its codebook and lattice, as the loops update them.
    fn trained(&mut self) -> Trained<'_, '_> {
        let units = self.grid.units();
        let codebook = Blocked {
            weights: &mut *self.weights,
            units,
            dim: self.dim,
        };
        (codebook, &self.grid)
    }

    /// The same view, its searches ranking units by `distance` (see [`Map::with_distance`]).
    ///
    /// # Errors
    /// As [`Map::with_distance`].
    pub fn with_distance(self, distance: Distance) -> Result<Self> {
        check_missing(distance, self.missing)?;
        Ok(Self {
            distance: check_supported(distance)?,
            ..self
        })
    }

    /// The distance this view's searches rank units by.
    pub fn distance(&self) -> Distance {
        self.distance
    }

    /// The same view, reading NaN in samples as `missing` says (see [`Map::with_missing`]):
    /// with [`Missing::Mask`], updates leave a sample's missing components alone.
    ///
    /// # Errors
    /// As [`Map::with_missing`].
    pub fn with_missing(self, missing: Missing) -> Result<Self> {
        check_missing(self.distance, missing)?;
        Ok(Self { missing, ..self })
    }

    /// What NaN in a sample means to this view.
    pub fn missing(&self) -> Missing {
        self.missing
    }

    /// A read-only view, for queries and metrics.
    pub fn as_map(&self) -> Map<'_> {
        Map {
            grid: self.grid,
            dim: self.dim,
            weights: self.weights,
            level: self.level,
            distance: self.distance,
            missing: self.missing,
            projection: None,
        }
    }

    /// The grid.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// Values per unit.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The blocked codebook, for writing.
    pub fn weights_mut(&mut self) -> &mut [f32] {
        self.weights
    }

    /// Sets the weights of unit `k`.
    ///
    /// # Errors
    /// [`Error::Length`] unless `w.len() == dim`; [`Error::TooLarge`] if `k` is no unit.
    pub fn set_unit(&mut self, k: usize, w: &[f32]) -> Result<()> {
        check_len("unit weights", self.dim, w.len())?;
        self.as_map().check_unit(k)?;
        for (d, &v) in w.iter().enumerate() {
            if let Some(slot) = self.weights.get_mut(blocked_index(k, d, self.dim)) {
                *slot = v;
            }
        }
        Ok(())
    }

    /// One online step towards `x`: `w += alpha h(winner, unit) (x - w)` for every unit
    /// (only those with `|h| >= cutoff`). With masking, components missing from `x` are left
    /// alone (a sample with none present changes nothing).
    ///
    /// # Errors
    /// [`Error::Length`] for a sample of the wrong length, [`Error::NonFinite`] for NaN or
    /// infinity in it (with masking: infinity), [`Error::TooLarge`] if `winner` is no unit,
    /// [`Error::Parameter`] unless `alpha` is finite and positive. Nothing is changed on error.
    pub fn update(
        &mut self,
        x: &[f32],
        winner: usize,
        nb: &Neighbourhood,
        alpha: f32,
    ) -> Result<()> {
        let present = self.check_step(x, winner, alpha)?;
        if present == Present::None {
            return Ok(());
        }
        let step = Step {
            x,
            winner,
            nb,
            alpha,
        };
        (self.loops()).online(self.trained(), step, present == Present::Some);
        Ok(())
    }

    /// Checks a step's sample, winner and rate; what of the sample is present.
    fn check_step(&self, x: &[f32], winner: usize, alpha: f32) -> Result<Present> {
        check_len("sample", self.dim, x.len())?;
        check_data(self.missing, x, self.dim)?;
        self.as_map().check_unit(winner)?;
        check_positive("alpha (learning rate)", alpha)?;
        Ok(Present::of(self.missing, x))
    }

    /// [`MapMut::update`] towards `x`, then the best-matching unit of `next` in the updated
    /// map: the same result, bit for bit, as `update` followed by [`Map::bmu`] on `next`.
    ///
    /// It exists for online training, where `next` is the sample presented after `x`: the
    /// update and the next search share one sweep over the codebook, each block's fresh
    /// weights measured against `next` while still in registers. That halves the memory
    /// traffic of a step and saves a loop. (Samples with missing components take the two
    /// sweeps.)
    ///
    /// # Errors
    /// As [`MapMut::update`], and [`Error::Length`] or [`Error::NonFinite`] for `next`. Nothing
    /// is changed on error.
    pub fn update_then_bmu(
        &mut self,
        x: &[f32],
        winner: usize,
        nb: &Neighbourhood,
        alpha: f32,
        next: &[f32],
    ) -> Result<Bmu> {
        let present = self.check_step(x, winner, alpha)?;
        check_len("next sample", self.dim, next.len())?;
        check_data(self.missing, next, self.dim)?;
        if present != Present::All || Present::of(self.missing, next) != Present::All {
            self.update(x, winner, nb, alpha)?;
            return self.as_map().bmu(next);
        }
        let (step, distance) = (
            Step {
                x,
                winner,
                nb,
                alpha,
            },
            self.distance,
        );
        Ok((self.loops()).online_then_bmu(self.trained(), step, next, distance))
    }

    /// Finds the best-matching unit of `x` and updates the map towards `x` around it
    /// ([`Bmu::NONE`] and no update for a sample with every component missing).
    ///
    /// # Errors
    /// As [`MapMut::update`].
    pub fn train_step(&mut self, x: &[f32], nb: &Neighbourhood, alpha: f32) -> Result<Bmu> {
        check_len("sample", self.dim, x.len())?;
        check_data(self.missing, x, self.dim)?;
        let b = self.as_map().bmu(x)?;
        if let Some(winner) = b.found() {
            self.update(x, winner, nb, alpha)?;
        }
        Ok(b)
    }

    /// Replaces every unit by the `h`-weighted mean of the samples around it, from batch
    /// statistics ([`crate::BatchStats`]). Units with no sample in their neighbourhood keep
    /// their weights.
    ///
    /// # Errors
    /// [`Error::Length`] if the statistics do not fit the map; [`Error::Unsupported`] for a
    /// neighbourhood that can be negative (a weighted mean needs `h >= 0`).
    pub fn apply_batch(&mut self, hits: &[u64], sums: &[f64], nb: &Neighbourhood) -> Result<()> {
        check_len("hit counts (one per unit)", self.grid.units(), hits.len())?;
        check_len(
            "sums (units * dim)",
            self.grid.units() * self.dim,
            sums.len(),
        )?;
        nb.shape().check_batch()?;
        (self.loops()).batch(self.trained(), (hits, sums), nb);
        Ok(())
    }

    /// [`MapMut::apply_batch`] for data with missing values: each component becomes the
    /// `h`-weighted mean of the samples that have it, from counts and sums per unit and
    /// component ([`crate::BatchStats::with_counts`]). A component with no sample in its
    /// unit's neighbourhood keeps its weight.
    ///
    /// # Errors
    /// [`Error::Length`] if the statistics do not fit the map; [`Error::Unsupported`] for a
    /// neighbourhood that can be negative, or a build without the feature `missing`.
    pub fn apply_batch_by_component(
        &mut self,
        counts: &[u64],
        sums: &[f64],
        nb: &Neighbourhood,
    ) -> Result<()> {
        let len = self.grid.units() * self.dim;
        check_len("counts (units * dim)", len, counts.len())?;
        check_len("sums (units * dim)", len, sums.len())?;
        nb.shape().check_batch()?;
        #[cfg(feature = "missing")]
        {
            (self.loops()).batch_by_component(self.trained(), (counts, sums), nb);
            Ok(())
        }
        #[cfg(not(feature = "missing"))]
        Err(Error::Unsupported {
            what: "batch training per component without som-kernel's feature `missing`",
        })
    }
}
