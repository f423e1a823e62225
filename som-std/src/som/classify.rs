//! Labels and prediction: each unit takes the majority label of the samples it wins, and a
//! sample is predicted the label of its best-matching unit.

use super::query::unit_of;
use crate::data::Samples;
use crate::error::{Error, Result};
use crate::som::{Som, zeros};
use crate::source::{Source, agree_on};
use som_kernel::Grid;
use std::cmp::Ordering;
use std::collections::HashMap;

/// The order of labels for ties: numbers (labels that read as finite numbers, such as `2` or
/// `0.5`) by value and before any text, text by its characters. So `9` comes before `10`, as
/// MiniSom's integer classes do.
pub fn label_order(a: &str, b: &str) -> Ordering {
    let number = |s: &str| s.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| a.cmp(b)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// The distinct labels of `labels` in [`label_order`], and each sample's index among them.
fn distinct(labels: &[String]) -> (Vec<&str>, Vec<usize>) {
    let mut names: Vec<&str> = labels.iter().map(String::as_str).collect();
    names.sort_by(|a, b| label_order(a, b));
    names.dedup();
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, &n)| (n, i)).collect();
    let of = labels.iter().map(|l| index[l.as_str()]).collect();
    (names, of)
}

/// One label per unit from `counts` (`units x names.len()`, hits per unit and label): the
/// most frequent label of each unit that wins samples (ties to the lowest in [`label_order`]);
/// a unit that wins none takes the label of the nearest unit that does, by the grid's
/// distance (ties among equally near units to the lowest label).
fn unit_labels(grid: &Grid, counts: &[u64], names: &[&str]) -> Result<Vec<String>> {
    let (units, n) = (grid.units(), names.len().max(1));
    let own: Vec<Option<usize>> = counts
        .chunks_exact(n)
        .map(|c| {
            // The first maximum: the lowest label among the most frequent.
            let best = c
                .iter()
                .enumerate()
                .fold(None, |best: Option<(usize, u64)>, (i, &h)| match best {
                    Some((_, b)) if b >= h => best,
                    _ if h > 0 => Some((i, h)),
                    _ => best,
                });
            best.map(|(i, _)| i)
        })
        .collect();
    let labelled: Vec<(usize, usize)> = own
        .iter()
        .enumerate()
        .filter_map(|(k, l)| l.map(|l| (k, l)))
        .collect();
    if labelled.is_empty() {
        return Err(Error::Invalid(
            "no labelled samples: classifying a map needs at least one".into(),
        ));
    }
    let mut out = Vec::with_capacity(units);
    for (k, l) in own.iter().enumerate() {
        let label = match l {
            Some(l) => *l,
            None => {
                let d = |&(u, _): &(usize, usize)| grid.dist2(k, u);
                let nearest = labelled.iter().map(d).fold(f32::INFINITY, f32::min);
                // Lattice distances computed from positions: equal up to rounding.
                let tol = nearest * 1e-5 + 1e-6;
                labelled
                    .iter()
                    .filter(|c| d(c) <= nearest + tol)
                    .map(|&(_, l)| l)
                    .min()
                    .unwrap_or(0)
            }
        };
        out.push(names[label].to_string());
    }
    Ok(out)
}

impl Som {
    /// Labels every unit from labelled samples, keeps the labels in the map (they are saved
    /// with it) and returns them, unit `row * cols + col` after unit.
    ///
    /// The samples may be in memory, in a file read a block at a time, or shared among MPI
    /// ranks (`labels` holds every sample's label, on every rank; every rank gets the same
    /// unit labels).
    ///
    /// A unit takes the most frequent label among the samples it wins, ties going to the
    /// lowest label ([`label_order`]: numbers by value, then text); a unit that wins no sample
    /// takes the label of the nearest unit that does, on the grid (its distance, with the
    /// lattice and the boundary; ties again to the lowest label). MiniSom's `labels_map` plus
    /// its classification example's rule for empty units, without the empty units.
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN (named); a label count other than the sample
    /// count; no samples.
    ///
    /// # Example
    /// ```
    /// use som_std::{Init, Som};
    /// let data = [[0.0f32, 0.0], [0.1, 0.0], [1.0, 1.0], [0.9, 1.0]];
    /// let mut som = Som::builder(1, 2, 2)
    ///     .init(Init::Codebook(vec![0.0, 0.0, 1.0, 1.0]))
    ///     .build()?;
    /// som.classify(&data, &["low", "low", "high", "high"])?;
    /// assert_eq!(som.predict(&[[0.2f32, 0.1], [0.8, 0.7]])?, ["low", "high"]);
    /// # Ok::<(), som_std::Error>(())
    /// ```
    pub fn classify<D: Source + ?Sized, L: ToString>(
        &mut self,
        data: &D,
        labels: &[L],
    ) -> Result<&[String]> {
        let combine = data.combine();
        agree_on(combine, check_count(labels.len(), data.count()))?;
        let (rows, combine) = self.open_query(data)?;
        let labels: Vec<String> = labels.iter().map(ToString::to_string).collect();
        let (names, of) = distinct(&labels);
        let n = names.len().max(1);
        let mut counts: Vec<i64> = zeros(self.grid.units() * n, || "label counts".to_string())?;
        let local = self.block_bmus(&rows, rows.share(combine), &mut |first, out| {
            for (i, b) in out.iter().enumerate() {
                if let Some(k) = b.found() {
                    counts[k * n + of[first + i]] += 1;
                }
            }
            Ok(())
        });
        combine.agree(local)?;
        combine.sum(&mut counts)?;
        let counts: Vec<u64> = counts.into_iter().map(|c| c.max(0) as u64).collect();
        let units = unit_labels(&self.grid, &counts, &names)?;
        Ok(self.labels.insert(units))
    }

    /// The unit labels of [`Som::classify`] (or of the file the map was loaded from), if any.
    pub fn labels(&self) -> Option<&[String]> {
        self.labels.as_deref()
    }

    /// Sets the unit labels (one per unit, unit `row * cols + col` after unit), or removes
    /// them with `None`.
    ///
    /// # Errors
    /// A label count other than the unit count.
    pub fn set_labels(&mut self, labels: Option<Vec<String>>) -> Result<()> {
        if let Some(l) = &labels
            && l.len() != self.grid.units()
        {
            return Err(Error::Invalid(format!(
                "{} labels for a map of {} units, expected one per unit",
                l.len(),
                self.grid.units()
            )));
        }
        self.labels = labels;
        Ok(())
    }

    /// The label of each sample's best-matching unit: classification with a labelled map.
    ///
    /// # Errors
    /// A map without labels (see [`Som::classify`]); a sample of the wrong length or with NaN.
    pub fn predict<S: Samples + ?Sized>(&self, data: &S) -> Result<Vec<&str>> {
        let labels = self.labels.as_deref().ok_or_else(|| {
            Error::Invalid(
                "the map has no unit labels; expected a map labelled by classify (som train --labels)"
                    .into(),
            )
        })?;
        let bmus = self.bmus(data)?;
        let units = bmus.iter().enumerate().map(|(i, &b)| unit_of(i, b));
        units.map(|k| Ok(labels[k?].as_str())).collect()
    }
}

fn check_count(labels: usize, samples: usize) -> Result<()> {
    if labels != samples {
        return Err(Error::Invalid(format!(
            "{labels} labels for {samples} samples, expected one label per sample"
        )));
    }
    if samples == 0 {
        return Err(Error::Invalid(
            "no samples: classifying a map needs at least one labelled sample".into(),
        ));
    }
    Ok(())
}
