//! Batch statistics: per-unit hit counts and sums of samples.
//!
//! They are plain arrays that add up: compute them on shards of the data (threads, machines),
//! merge, then apply once with [`crate::MapMut::apply_batch`]. Sums are `f64`, so millions of
//! samples do not drift. Data with missing values ([`crate::Missing::Mask`]) also counts each
//! component apart ([`BatchStats::with_counts`], applied with
//! [`crate::MapMut::apply_batch_by_component`]).

use crate::error::{Error, Result, check_finite, check_len};
use crate::map::{Map, sample_count};
use crate::missing::{Missing, check_no_infinity};

/// Hit counts (`units`), sums of samples (`units * dim`, row-major) and, for data with
/// missing values, counts per component (`units * dim`), borrowed.
#[derive(Debug)]
pub struct BatchStats<'a> {
    hits: &'a mut [u64],
    sums: &'a mut [f64],
    counts: Option<&'a mut [u64]>,
    dim: usize,
}

impl<'a> BatchStats<'a> {
    /// Statistics for `units` units of `dim` values, in the given buffers (not cleared).
    ///
    /// # Errors
    /// [`Error::Zero`] for zero sizes, [`Error::Length`] for buffers of the wrong length.
    pub fn new(hits: &'a mut [u64], sums: &'a mut [f64], units: usize, dim: usize) -> Result<Self> {
        if units == 0 {
            return Err(Error::Zero { what: "units" });
        }
        if dim == 0 {
            return Err(Error::Zero { what: "dim" });
        }
        check_len("hit counts (one per unit)", units, hits.len())?;
        check_len("sums (units * dim)", units.saturating_mul(dim), sums.len())?;
        Ok(Self {
            hits,
            sums,
            counts: None,
            dim,
        })
    }

    /// The same statistics, also counting each component present in `counts` (`units *
    /// dim`, not cleared): what data with missing values needs. NaN components are then
    /// missing (left out of counts and sums) instead of an error.
    ///
    /// # Errors
    /// [`Error::Length`] unless `counts` has one count per unit and component.
    pub fn with_counts(self, counts: &'a mut [u64]) -> Result<Self> {
        check_len("counts (units * dim)", self.sums.len(), counts.len())?;
        Ok(Self {
            counts: Some(counts),
            ..self
        })
    }

    /// Sets every count and sum to 0.
    pub fn clear(&mut self) {
        self.hits.fill(0);
        self.sums.fill(0.0);
        if let Some(c) = self.counts.as_deref_mut() {
            c.fill(0);
        }
    }

    /// Counts per unit and component, if kept ([`BatchStats::with_counts`]).
    pub fn counts(&self) -> Option<&[u64]> {
        self.counts.as_deref()
    }

    /// Hit counts, one per unit.
    pub fn hits(&self) -> &[u64] {
        self.hits
    }

    /// Sums of the samples won by each unit, row-major.
    pub fn sums(&self) -> &[f64] {
        self.sums
    }

    /// Counts sample `x` for `unit`.
    ///
    /// # Errors
    /// [`Error::Length`] for a sample of the wrong length, [`Error::TooLarge`] for a unit out of
    /// range, [`Error::NonFinite`] for NaN (unless counted per component) or infinity in `x`.
    pub fn add(&mut self, unit: usize, x: &[f32]) -> Result<()> {
        check_len("sample", self.dim, x.len())?;
        self.check_data(x)?;
        if unit >= self.hits.len() {
            return Err(Error::TooLarge {
                what: "unit index",
                max: self.hits.len() - 1,
                got: unit,
            });
        }
        self.add_unchecked(unit, x);
        Ok(())
    }

    /// NaN is allowed where components are counted (missing), infinity never.
    fn check_data(&self, data: &[f32]) -> Result<()> {
        match self.counts {
            None => check_finite(data, self.dim),
            Some(_) => check_no_infinity(data, self.dim),
        }
    }

    fn add_unchecked(&mut self, unit: usize, x: &[f32]) {
        if let Some(n) = self.hits.get_mut(unit) {
            *n = n.saturating_add(1);
        }
        let range = unit * self.dim..(unit + 1) * self.dim;
        let Some(sum) = self.sums.get_mut(range.clone()) else {
            return;
        };
        match self.counts.as_deref_mut().and_then(|c| c.get_mut(range)) {
            None => {
                for (s, &v) in sum.iter_mut().zip(x) {
                    *s += f64::from(v);
                }
            }
            Some(count) => {
                for ((s, c), &v) in sum.iter_mut().zip(count).zip(x) {
                    if !v.is_nan() {
                        *s += f64::from(v);
                        *c = c.saturating_add(1);
                    }
                }
            }
        }
    }

    /// Finds the best-matching unit of every sample of `data` on `map` and counts it there.
    /// Returns the sum of the samples' quantization errors (distances to their units). With
    /// the map's masking on, samples without a unit are left out.
    ///
    /// # Errors
    /// [`Error::Length`] if `data` is not whole samples or the map does not fit these
    /// statistics; [`Error::NonFinite`] naming the first sample with NaN (unless masked) or
    /// infinity, before anything is counted; [`Error::Unsupported`] for a masking map and
    /// statistics without counts per component.
    pub fn accumulate(&mut self, map: &Map<'_>, data: &[f32]) -> Result<f64> {
        check_len("map dim", self.dim, map.dim())?;
        check_len("map units", self.hits.len(), map.units())?;
        sample_count(data, self.dim)?;
        if map.missing() == Missing::Mask && self.counts.is_none() {
            return Err(Error::Unsupported {
                what: "masked batch statistics without counts per component (BatchStats::with_counts)",
            });
        }
        crate::missing::check_data(map.missing(), data, self.dim)?;
        let mut qe = 0.0;
        map.for_each_bmu(data, |_, x, b| {
            if !b.is_none() {
                self.add_unchecked(b.unit, x);
                qe += f64::from(crate::math::sqrt(map.euclidean2(x, b)));
            }
        })?;
        Ok(qe)
    }

    /// Adds statistics computed elsewhere (another shard) to these.
    ///
    /// # Errors
    /// [`Error::Length`] if the shapes differ.
    pub fn merge(&mut self, hits: &[u64], sums: &[f64]) -> Result<()> {
        check_len("hit counts to merge", self.hits.len(), hits.len())?;
        check_len("sums to merge", self.sums.len(), sums.len())?;
        for (a, b) in self.hits.iter_mut().zip(hits) {
            // Counts saturate rather than wrap (or panic in debug builds) on absurd input.
            *a = a.saturating_add(*b);
        }
        for (a, b) in self.sums.iter_mut().zip(sums) {
            *a += b;
        }
        Ok(())
    }

    /// Adds counts per component computed elsewhere (another shard) to these.
    ///
    /// # Errors
    /// [`Error::Length`] if the shapes differ; [`Error::Unsupported`] if these statistics
    /// keep no counts per component.
    pub fn merge_counts(&mut self, counts: &[u64]) -> Result<()> {
        let Some(mine) = self.counts.as_deref_mut() else {
            return Err(Error::Unsupported {
                what: "merging counts per component into statistics without them",
            });
        };
        check_len("counts to merge", mine.len(), counts.len())?;
        for (a, b) in mine.iter_mut().zip(counts) {
            *a = a.saturating_add(*b);
        }
        Ok(())
    }
}
