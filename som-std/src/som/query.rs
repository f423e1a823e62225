//! Queries of a map: best-matching units, metrics, U-matrix, hits, win and label maps.

use crate::data::{Samples, flatten, validate};
use crate::error::{Error, Result};
use crate::exact::{DIGITS, Wide};
use crate::som::Som;
use crate::som::zeros;
use crate::source::{Blocks, BmuBlock, Combine, Source, open};
use rayon::prelude::*;
use som_kernel::{Bmu, Missing};
use std::collections::BTreeMap;

/// Samples per parallel task in the quality of a [`Source`].
const TASK: usize = 512;

impl Som {
    /// Best-matching units of every sample (validated), in parallel, in sample order. Shared
    /// among MPI ranks, the first rank gets every sample's unit and the others none (see
    /// [`Som::bmus_each`] for data whose units do not fit in memory).
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN (unless masked) or infinity, named; a file
    /// that cannot be read.
    ///
    /// # Example
    /// ```
    /// use som_std::{Flat, Init, Som};
    /// let som = Som::builder(1, 2, 2)
    ///     .init(Init::Codebook(vec![0.0, 0.0, 1.0, 1.0]))
    ///     .build()?;
    /// let arrays = vec![[0.1f32, 0.0], [0.9, 1.0]];
    /// let flat = [0.1f32, 0.0, 0.9, 1.0];
    /// let units = |b: Vec<som_std::kernel::Bmu>| b.iter().map(|b| b.unit).collect::<Vec<_>>();
    /// assert_eq!(units(som.bmus(&arrays)?), [0, 1]);
    /// assert_eq!(units(som.bmus(&Flat::new(&flat, 2)?)?), [0, 1]);
    /// # Ok::<(), som_std::Error>(())
    /// ```
    pub fn bmus<D: Source + ?Sized>(&self, data: &D) -> Result<Vec<Bmu>> {
        let mut all = Vec::new();
        self.bmus_each(data, |_, bmus| {
            all.extend_from_slice(bmus);
            Ok(())
        })?;
        Ok(all)
    }

    /// Calls `f` with each block of samples' best-matching units, from the block's first
    /// sample's index, in sample order: [`Som::bmus`] for a file larger than memory. Shared
    /// among MPI ranks, every rank searches its share and `f` runs on the first rank only,
    /// with every rank's blocks (the others send theirs to it, a block at a time).
    ///
    /// # Errors
    /// As [`Som::bmus`], and `f`'s own.
    pub fn bmus_each<D: Source + ?Sized>(
        &self,
        data: &D,
        mut f: impl FnMut(usize, &[Bmu]) -> Result<()>,
    ) -> Result<()> {
        let (blocks, combine) = self.open_query(data)?;
        let mine = blocks.share(combine);
        let mut search = |g: &mut BmuBlock<'_>| self.block_bmus(&blocks, mine.clone(), g);
        combine.gather(&mut search, &mut f)
    }

    /// The samples of `data`, checked, and that every process has the same data and map.
    pub(crate) fn open_query<'d, D: Source + ?Sized>(
        &self,
        data: &'d D,
    ) -> Result<(Blocks<'d>, &'d dyn Combine)> {
        let (blocks, combine) = open(self, data)?;
        let text = || blocks.describe() + ", " + &self.fingerprint();
        combine.check_same("the data and codebook", &text)?;
        Ok((blocks, combine))
    }

    /// The samples (validated) as one flat slice, and their best-matching units.
    fn flat_bmus<'d, S: Samples + ?Sized>(
        &self,
        data: &'d S,
    ) -> Result<(std::borrow::Cow<'d, [f32]>, Vec<Bmu>)> {
        validate(data, self.dim, self.missing)?;
        let flat = flatten(data);
        let mut out = vec![
            Bmu {
                unit: 0,
                dist2: 0.0
            };
            data.count()
        ];
        self.bmus_into(&flat, &mut out)?;
        Ok((flat, out))
    }

    /// The samples with each missing value (NaN) replaced by that component of the sample's
    /// best-matching unit, found over the components present (SOM_PAK's masking, whatever
    /// the map's own [`crate::Missing`] setting): flat, sample after sample.
    ///
    /// # Errors
    /// A sample of the wrong length or with an infinite value; a sample with every component
    /// missing (nothing to find its unit by), named; a map searching by the cosine distance
    /// (it has no masked form).
    pub fn impute<S: Samples + ?Sized>(&self, data: &S) -> Result<Vec<f32>> {
        validate(data, self.dim, Missing::Mask)?;
        let map = self.view().with_missing(Missing::Mask)?;
        let mut flat = flatten(data).into_owned();
        let mut bmus = vec![Bmu::NONE; data.count()];
        map.bmu_many(&flat, &mut bmus)?;
        for (i, (x, &b)) in flat.chunks_exact_mut(self.dim).zip(&bmus).enumerate() {
            let k = unit_of(i, b)?;
            for (d, v) in x.iter_mut().enumerate() {
                if v.is_nan() {
                    *v = map.weight(k, d).unwrap_or(f32::NAN);
                }
            }
        }
        Ok(flat)
    }

    /// The best-matching unit of `x` (its index and squared distance), as [`Som::bmus`] gives
    /// it for one sample, with the same checks (with masking, `Bmu::NONE` for a sample with
    /// every component missing).
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN (unless masked) or infinity.
    pub fn bmu(&self, x: &[f32]) -> Result<Bmu> {
        if x.len() != self.dim {
            return Err(Error::SampleLength {
                index: 0,
                expected: self.dim,
                got: x.len(),
            });
        }
        let mut out = self.bmus(&crate::Flat::new(x, self.dim)?)?;
        Ok(out.remove(0))
    }

    /// `(row, col)` of each sample's best-matching unit (the example's `map_vects`).
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN (unless masked), named; with masking, a
    /// sample with every component missing (it has no unit: [`Som::bmus`] reports it as
    /// `Bmu::NONE`).
    pub fn map<S: Samples + ?Sized>(&self, data: &S) -> Result<Vec<(usize, usize)>> {
        let bmus = self.bmus(data)?;
        let units = bmus.iter().enumerate().map(|(i, &b)| unit_of(i, b));
        units.map(|k| Ok(self.grid.row_col(k?))).collect()
    }

    /// Mean distance from each sample to its best-matching unit.
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN, named; no sample to measure (no samples, or
    /// with masking none with a component present), as MiniSom raises.
    pub fn quantization_error<S: Samples + ?Sized>(&self, data: &S) -> Result<f32> {
        // With masking, samples without a unit (NaN here) are left out.
        let q = self.quantization_errors(data)?;
        let (n, total) = q
            .iter()
            .filter(|v| !v.is_nan())
            .fold((0usize, 0.0f64), |(n, t), &v| (n + 1, t + f64::from(v)));
        if n == 0 {
            return Err(nothing_to_measure("quantization error", q.len()));
        }
        Ok((total / n as f64) as f32)
    }

    /// Each sample's distance to its best-matching unit: anomaly scores (with masking, over
    /// the components present, and NaN for a sample without a unit).
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN, named.
    pub fn quantization_errors<S: Samples + ?Sized>(&self, data: &S) -> Result<Vec<f32>> {
        let (flat, bmus) = self.flat_bmus(data)?;
        let map = self.view();
        let samples = flat.chunks_exact(self.dim.max(1));
        Ok(samples
            .zip(&bmus)
            .map(|(x, &b)| map.euclidean2(x, b).sqrt())
            .collect())
    }

    /// Fraction of samples whose best and second-best units are not lattice neighbours.
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN, named; no sample to measure, as
    /// [`Som::quantization_error`].
    pub fn topographic_error<S: Samples + ?Sized>(&self, data: &S) -> Result<f32> {
        validate(data, self.dim, self.missing)?;
        let flat = flatten(data);
        // A sample has a unit unless every component is missing (masked; else refused above).
        let mut samples = flat.chunks_exact(self.dim.max(1));
        if !samples.any(|x| x.iter().any(|v| !v.is_nan())) {
            return Err(nothing_to_measure("topographic error", data.count()));
        }
        Ok(self.view().topographic_error(&flat)?)
    }

    /// The U-matrix: each unit's mean weight-space distance to its lattice neighbours,
    /// row-major.
    pub fn umatrix(&self) -> Vec<f32> {
        let mut u = vec![0.0; self.grid.units()];
        self.view().umatrix(&mut u).expect("one value per unit");
        u
    }

    /// For each unit, the indices of the samples it wins.
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN, named.
    pub fn win_map<S: Samples + ?Sized>(&self, data: &S) -> Result<Vec<Vec<usize>>> {
        let mut wins = vec![Vec::new(); self.grid.units()];
        for (i, b) in self.bmus(data)?.iter().enumerate() {
            if let Some(k) = b.found() {
                wins[k].push(i);
            }
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
            if let Some(k) = b.found() {
                *counts[k].entry(label).or_default() += 1;
            }
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

    /// The quantization error (mean distance of a sample to its best-matching unit) and the
    /// topographic error, of samples in memory, in a file read a block at a time, or shared
    /// among MPI ranks. The distances are summed exactly (the same result however the samples
    /// are split). Samples without a unit (every component missing, masked) are left out.
    ///
    /// # Errors
    /// As [`Som::bmus`]; no sample to measure, as [`Som::quantization_error`].
    pub fn quality<D: Source + ?Sized>(&self, data: &D) -> Result<(f32, f32)> {
        let (blocks, combine) = self.open_query(data)?;
        self.quality_on(&blocks, combine)
    }

    /// `f(first sample, best-matching units)` for each block of the samples `range` of `rows`.
    pub(crate) fn block_bmus(
        &self,
        rows: &Blocks<'_>,
        range: std::ops::Range<usize>,
        f: &mut BmuBlock<'_>,
    ) -> Result<()> {
        let mut out = Vec::new();
        rows.each_block(range, self.missing, |first, block| {
            out.resize(
                block.len() / self.dim,
                Bmu {
                    unit: 0,
                    dist2: 0.0,
                },
            );
            self.bmus_into(block, &mut out)?;
            f(first, &out)
        })
    }

    /// [`Som::quality`] of this process's share of checked `rows`, combined with the others'.
    pub(crate) fn quality_on(
        &self,
        rows: &Blocks<'_>,
        combine: &dyn Combine,
    ) -> Result<(f32, f32)> {
        let (map, grid, dim) = (self.view(), self.grid, self.dim);
        let (mut qe, mut broken, mut found) = (Wide::default(), 0u64, 0u64);
        let mut seen = 0u64;
        // Samples without a unit (every component missing, with masking) are left out.
        let one = |chunk: &[f32]| -> Result<(Wide, u64, u64)> {
            let (mut qe, mut broken, mut found) = (Wide::default(), 0u64, 0u64);
            for x in chunk.chunks_exact(dim) {
                let [a, b] = map.bmu2(x)?;
                if a.is_none() {
                    continue;
                }
                found += 1;
                qe.add(f64::from(map.euclidean2(x, a).sqrt()));
                if grid.units() > 1 && !grid.adjacent(a.unit, b.unit) {
                    broken += 1;
                }
            }
            Ok((qe, broken, found))
        };
        let local = rows.each_block(rows.share(combine), self.missing, |_, block| {
            let parts: Vec<(Wide, u64, u64)> = if self.threads == 1 {
                vec![one(block)?]
            } else {
                self.in_pool(|| block.par_chunks(TASK * dim).map(one).collect::<Result<_>>())?
            };
            for (q, b, f) in parts {
                qe += q;
                broken += b;
                found += f;
            }
            seen += (block.len() / dim.max(1)) as u64;
            Ok(())
        });
        combine.agree(local)?;
        let mut values = vec![0i64; 3 + DIGITS];
        values[0] = broken as i64;
        values[1] = found as i64;
        values[2] = seen as i64;
        qe.to_digits(&mut values[3..]);
        combine.sum(&mut values)?;
        if values[1] == 0 {
            let seen = usize::try_from(values[2]).unwrap_or(usize::MAX);
            return Err(nothing_to_measure(
                "quantization and topographic errors",
                seen,
            ));
        }
        let n = values[1] as f64;
        let qe = Wide::from_digits(&values[3..]).to_f64() / n;
        Ok((qe as f32, (values[0] as f64 / n) as f32))
    }

    /// How many samples each unit wins (of samples in memory, in a file or shared among MPI
    /// ranks: every rank gets the counts of all).
    ///
    /// # Errors
    /// As [`Som::bmus`].
    pub fn hits<D: Source + ?Sized>(&self, data: &D) -> Result<Vec<u64>> {
        let (rows, combine) = self.open_query(data)?;
        let units = self.grid.units();
        let mut hits: Vec<i64> = zeros(units, || "hit counts".to_string())?;
        let local = self.block_bmus(&rows, rows.share(combine), &mut |_, out| {
            out.iter().filter_map(Bmu::found).for_each(|k| hits[k] += 1);
            Ok(())
        });
        combine.agree(local)?;
        combine.sum(&mut hits)?;
        Ok(hits.into_iter().map(|h| h.max(0) as u64).collect())
    }
}

/// The unit of sample `i`'s best-matching unit `b`, or the error for a sample without one.
pub(crate) fn unit_of(i: usize, b: Bmu) -> Result<usize> {
    b.found().ok_or_else(|| {
        Error::Invalid(format!(
            "sample {i} has every component missing, so it has no best-matching unit; expected at least one value (bmus reports such samples as Bmu::NONE)"
        ))
    })
}

/// The error of a measure (`what`) over no sample, of `samples` read: a mean of nothing is
/// no number, and 0 would read as a perfect map (MiniSom raises too).
fn nothing_to_measure(what: &str, samples: usize) -> Error {
    Error::Invalid(if samples == 0 {
        format!("the {what} of no samples: the data is empty; expected at least one sample")
    } else {
        format!(
            "the {what} of {samples} samples with every component missing: none has a unit; expected at least one sample with a value"
        )
    })
}
