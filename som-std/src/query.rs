//! Queries of a map: best-matching units, metrics, U-matrix, hits, win and label maps.

use crate::data::{Samples, flatten, validate};
use crate::error::{Error, Result};
use crate::som::Som;
use som_kernel::Bmu;
use std::collections::BTreeMap;

impl Som {
    /// Best-matching units of every sample (validated), in parallel.
    pub fn bmus<S: Samples + ?Sized>(&self, data: &S) -> Result<Vec<Bmu>> {
        validate(data, self.dim)?;
        let flat = flatten(data);
        let mut out = vec![
            Bmu {
                unit: 0,
                dist2: 0.0
            };
            data.count()
        ];
        self.bmus_into(&flat, &mut out)?;
        Ok(out)
    }

    /// Index of the best-matching unit of `x`.
    ///
    /// # Errors
    /// A sample of the wrong length.
    pub fn bmu(&self, x: &[f32]) -> Result<usize> {
        if x.len() != self.dim {
            return Err(Error::SampleLength {
                index: 0,
                expected: self.dim,
                got: x.len(),
            });
        }
        Ok(self.view().bmu(x)?.unit)
    }

    /// `(row, col)` of each sample's best-matching unit (the example's `map_vects`).
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN, named.
    pub fn map<S: Samples + ?Sized>(&self, data: &S) -> Result<Vec<(usize, usize)>> {
        Ok(self
            .bmus(data)?
            .iter()
            .map(|b| self.grid.row_col(b.unit))
            .collect())
    }

    /// Mean distance from each sample to its best-matching unit (0 for no samples).
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN, named.
    pub fn quantization_error<S: Samples + ?Sized>(&self, data: &S) -> Result<f32> {
        let q = self.quantization_errors(data)?;
        Ok(if q.is_empty() {
            0.0
        } else {
            (q.iter().map(|&v| f64::from(v)).sum::<f64>() / q.len() as f64) as f32
        })
    }

    /// Each sample's distance to its best-matching unit: anomaly scores.
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN, named.
    pub fn quantization_errors<S: Samples + ?Sized>(&self, data: &S) -> Result<Vec<f32>> {
        Ok(self.bmus(data)?.iter().map(|b| b.dist2.sqrt()).collect())
    }

    /// Fraction of samples whose best and second-best units are not lattice neighbours.
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN, named.
    pub fn topographic_error<S: Samples + ?Sized>(&self, data: &S) -> Result<f32> {
        validate(data, self.dim)?;
        Ok(self.view().topographic_error(&flatten(data))?)
    }

    /// The U-matrix: each unit's mean weight-space distance to its lattice neighbours,
    /// row-major.
    pub fn umatrix(&self) -> Vec<f32> {
        let mut u = vec![0.0; self.grid.units()];
        self.view().umatrix(&mut u).expect("one value per unit");
        u
    }

    /// How many samples each unit wins.
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN, named.
    pub fn hits<S: Samples + ?Sized>(&self, data: &S) -> Result<Vec<u64>> {
        let mut hits = vec![0u64; self.grid.units()];
        for b in self.bmus(data)? {
            hits[b.unit] += 1;
        }
        Ok(hits)
    }

    /// For each unit, the indices of the samples it wins.
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN, named.
    pub fn win_map<S: Samples + ?Sized>(&self, data: &S) -> Result<Vec<Vec<usize>>> {
        let mut wins = vec![Vec::new(); self.grid.units()];
        for (i, b) in self.bmus(data)?.iter().enumerate() {
            wins[b.unit].push(i);
        }
        Ok(wins)
    }

    /// For each unit, the most frequent label among the samples it wins (ties to the smallest
    /// label), or `None` for a unit that wins nothing.
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN, or a label count that differs from the
    /// sample count.
    pub fn labels_map<S: Samples + ?Sized, L: Ord + Clone>(
        &self,
        data: &S,
        labels: &[L],
    ) -> Result<Vec<Option<L>>> {
        if labels.len() != data.count() {
            return Err(Error::Invalid(format!(
                "{} labels for {} samples, expected one label per sample",
                labels.len(),
                data.count()
            )));
        }
        let mut counts: Vec<BTreeMap<&L, usize>> = vec![BTreeMap::new(); self.grid.units()];
        for (b, label) in self.bmus(data)?.iter().zip(labels) {
            *counts[b.unit].entry(label).or_default() += 1;
        }
        Ok(counts
            .into_iter()
            .map(|c| {
                // max_by_key keeps the last maximum; iterate in reverse so the smallest wins.
                c.into_iter()
                    .rev()
                    .max_by_key(|&(_, n)| n)
                    .map(|(l, _)| l.clone())
            })
            .collect())
    }
}
