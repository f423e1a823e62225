//! Samples read a block at a time, and how processes combine what each computed on its share:
//! one batch-training and query code for data in memory, files larger than memory and MPI
//! ranks.

use crate::data::missing_value;
use crate::data::{Flat, Samples};
use crate::error::{Error, Result};
use crate::io::F32File;
use som_kernel::Missing;
use std::ops::Range;

/// Samples that batch training and queries read in blocks: a flat slice in memory, or a raw
/// `.f32` file read a block at a time (memory: the map and a few buffers, whatever the file's
/// size).
#[derive(Debug, Clone, Copy)]
pub enum Rows<'a> {
    /// Samples in memory.
    Memory(Flat<'a>),
    /// Samples in a raw `.f32` file.
    File(&'a F32File),
}

/// Bytes of samples a file is read in at a time (per thread).
const BLOCK_BYTES: usize = 1 << 20;

impl Rows<'_> {
    /// Number of samples.
    pub fn count(&self) -> usize {
        match self {
            Rows::Memory(flat) => flat.count(),
            Rows::File(f) => f.rows(),
        }
    }

    /// Values per sample.
    pub fn dim(&self) -> usize {
        match self {
            Rows::Memory(flat) => flat.dim(),
            Rows::File(f) => f.dim(),
        }
    }

    /// The samples of `range`, in order, as consecutive flat blocks (one for data in memory),
    /// each given to `f` with the index of its first sample. A file's values are checked as
    /// they are read: NaN is a missing value, an error unless `missing` masks it (data in
    /// memory is validated whole, before).
    pub(crate) fn each_block(
        &self,
        range: Range<usize>,
        missing: Missing,
        mut f: impl FnMut(usize, &[f32]) -> Result<()>,
    ) -> Result<()> {
        let dim = self.dim();
        match self {
            Rows::Memory(flat) => {
                let data = flat.data();
                match data.get(range.start * dim..range.end * dim) {
                    Some(block) if !range.is_empty() => f(range.start, block),
                    Some(_) => Ok(()),
                    None => Err(Error::Invalid(format!(
                        "samples {range:?} asked for, of {}",
                        self.count()
                    ))),
                }
            }
            Rows::File(file) => {
                let per = (BLOCK_BYTES / (4 * dim)).max(1);
                let mut buf = vec![0.0f32; per.min(range.len()) * dim];
                let mut first = range.start;
                while first < range.end {
                    let n = per.min(range.end - first);
                    let block = &mut buf[..n * dim];
                    file.read_rows(first, block)?;
                    if missing == Missing::Error
                        && let Some(i) = block.iter().position(|v| v.is_nan())
                    {
                        let place = format!("{}: ", file.name());
                        return Err(missing_value(&place, first + i / dim, i % dim));
                    }
                    f(first, block)?;
                    first += n;
                }
                Ok(())
            }
        }
    }
}

/// How the processes working on one data set combine what each computed on its share:
/// nothing to do in one process ([`Alone`]); collectives over MPI ranks.
pub(crate) trait Combine {
    /// This process's index, from 0.
    fn rank(&self) -> usize {
        0
    }
    /// Number of processes.
    fn size(&self) -> usize {
        1
    }
    /// Every process learns whether every other succeeded: `Ok` only if all did. A process
    /// that failed gets its own error, the others one naming the first that failed.
    fn agree(&self, local: Result<()>) -> Result<()> {
        local
    }
    /// Sums `values` over the processes, in place (exact: integers).
    fn sum(&self, _values: &mut [i64]) -> Result<()> {
        Ok(())
    }
    /// The smallest of `low` and the largest of `high` over the processes, in place.
    fn min_max(&self, _low: &mut [f32], _high: &mut [f32]) -> Result<()> {
        Ok(())
    }
}

/// One process: nothing to combine.
#[derive(Debug)]
pub(crate) struct Alone;

impl Combine for Alone {}

/// This process's even share of `n` samples (queries: every sample counts alike).
pub(crate) fn share(n: usize, combine: &dyn Combine) -> Range<usize> {
    let (r, size) = (combine.rank() as u128, combine.size() as u128);
    let at = |r: u128| (n as u128 * r / size) as usize;
    at(r)..at(r + 1)
}
