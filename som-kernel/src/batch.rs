//! Batch statistics: per-unit hit counts and sums of samples.
//!
//! They are plain arrays that add up: compute them on shards of the data (threads, machines),
//! merge, then apply once with [`crate::MapMut::apply_batch`]. Sums are `f64`, so millions of
//! samples do not drift.

use crate::error::{Error, Result, check_finite, check_len};
use crate::map::{Map, sample_count};

/// Hit counts (`units`) and sums of samples (`units * dim`, row-major), borrowed.
#[derive(Debug)]
pub struct BatchStats<'a> {
    hits: &'a mut [u64],
    sums: &'a mut [f64],
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
        Ok(Self { hits, sums, dim })
    }

    /// Sets every count and sum to 0.
    pub fn clear(&mut self) {
        self.hits.fill(0);
        self.sums.fill(0.0);
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
    /// range, [`Error::NonFinite`] for NaN or infinity in `x`.
    pub fn add(&mut self, unit: usize, x: &[f32]) -> Result<()> {
        check_len("sample", self.dim, x.len())?;
        check_finite(x, self.dim)?;
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

    fn add_unchecked(&mut self, unit: usize, x: &[f32]) {
        if let Some(n) = self.hits.get_mut(unit) {
            *n = n.saturating_add(1);
        }
        let start = unit * self.dim;
        if let Some(sum) = self.sums.get_mut(start..start + self.dim) {
            for (s, &v) in sum.iter_mut().zip(x) {
                *s += f64::from(v);
            }
        }
    }

    /// Finds the best-matching unit of every sample of `data` on `map` and counts it there.
    /// Returns the sum of the samples' quantization errors (distances to their units).
    ///
    /// # Errors
    /// [`Error::Length`] if `data` is not whole samples or the map does not fit these
    /// statistics; [`Error::NonFinite`] naming the first sample with NaN or infinity, before
    /// anything is counted.
    pub fn accumulate(&mut self, map: &Map<'_>, data: &[f32]) -> Result<f64> {
        check_len("map dim", self.dim, map.dim())?;
        check_len("map units", self.hits.len(), map.units())?;
        sample_count(data, self.dim)?;
        check_finite(data, self.dim)?;
        let mut qe = 0.0;
        map.for_each_bmu(data, |_, x, b| {
            self.add_unchecked(b.unit, x);
            qe += f64::from(crate::math::sqrt(b.dist2));
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
}
