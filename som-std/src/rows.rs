//! Samples read a block at a time, and how processes combine what each computed on its share:
//! one batch-training and query code for data in memory, files larger than memory and MPI
//! ranks.

use crate::data::missing_value;
use crate::data::{Flat, Samples};
use crate::error::{Error, Result};
use crate::io::Mark;
use crate::io::{F32File, Span, TextFile};
use crate::som::shard_samples;
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
    /// This process's part of samples that several hold between them (an MPI rank's part of
    /// a text file).
    Part(&'a Part),
}

/// This process's part of a data set that several processes hold between them: samples
/// `first..first + len` of `total`, in memory. An MPI rank's whole shards of batch training
/// in a text file, read by byte range ([`crate::mpi::read_part`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    name: String,
    data: Vec<f32>,
    dim: usize,
    first: usize,
    total: usize,
}

impl Part {
    /// The samples this process holds, of all the processes': `first..first + len`.
    pub fn range(&self) -> Range<usize> {
        self.first..self.first + self.data.len() / self.dim
    }

    /// The name of the file the part was read from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Samples over every process.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Values per sample.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// This process's samples, one after another.
    pub fn data(&self) -> &[f32] {
        &self.data
    }

    /// Collective: this process's part of a text file, read by byte range. Each process
    /// counts the lines and samples that start in its even share of the bytes; the counts
    /// number every sample and line of the file; each then reads the whole shards of batch
    /// training (for a map of `units`) that start among its own samples, reading on into
    /// the next process's bytes to finish its last one. Shards are those of one process
    /// reading the whole file, so training gives its bits.
    #[cfg_attr(not(feature = "mpi"), allow(dead_code))]
    pub(crate) fn read(file: &TextFile, units: usize, combine: &dyn Combine) -> Result<Part> {
        let (rank, size) = (combine.rank(), combine.size());
        let mut span = agree_on(combine, file.span(byte_share(file, rank, size)))?;
        let mut counts = vec![0i64; 2 * size];
        if let Some(c) = counts.get_mut(2 * rank..2 * rank + 2) {
            c.copy_from_slice(&[span.lines as i64, span.samples as i64]);
        }
        combine.sum(&mut counts)?;
        let counts: Vec<(usize, usize)> = counts
            .chunks_exact(2)
            .map(|c| (c[0].max(0) as usize, c[1].max(0) as usize))
            .collect();
        let total = counts.iter().map(|c| c.1).sum();
        let plan = Plan::new(&counts, rank, shard_samples(total, units, file.dim()));
        let (data, mark) = agree_on(combine, plan.read(file, &mut span))?;
        let mut marks = vec![0i64; 3 * size];
        if let (Some((m, line, column)), Some(slot)) = (mark, marks.get_mut(3 * rank..3 * rank + 3))
        {
            slot.copy_from_slice(&[i64::from(m), line as i64, column as i64]);
        }
        combine.sum(&mut marks)?;
        let marks = marks
            .chunks_exact(3)
            .map(|c| (c[0] > 0).then(|| (c[0] as u8, c[1].max(0) as usize, c[2].max(0) as usize)));
        one_mark(file.name(), marks)?;
        Ok(plan.part(file, data))
    }

    /// The parts `ranks` processes read of `file` in shards of `shard` samples
    /// ([`Part::read`]'s steps, in one process): for tests and fuzzing.
    ///
    /// # Errors
    /// As [`crate::mpi::read_part`]: the first error of any part.
    #[doc(hidden)]
    pub fn read_as_ranks(file: &TextFile, ranks: usize, shard: usize) -> Result<Vec<Part>> {
        let spans = (0..ranks.max(1))
            .map(|r| file.span(byte_share(file, r, ranks.max(1))))
            .collect::<Result<Vec<_>>>()?;
        let counts: Vec<(usize, usize)> = spans.iter().map(|s| (s.lines, s.samples)).collect();
        let mut parts = Vec::with_capacity(counts.len());
        let mut marks = Vec::with_capacity(counts.len());
        for (rank, mut span) in spans.into_iter().enumerate() {
            let plan = Plan::new(&counts, rank, shard.max(1));
            let (data, mark) = plan.read(file, &mut span)?;
            marks.push(mark);
            parts.push(plan.part(file, data));
        }
        one_mark(file.name(), marks.into_iter())?;
        Ok(parts)
    }
}

/// The bytes of process `rank` of `size`: an even share of the file.
fn byte_share(file: &TextFile, rank: usize, size: usize) -> Range<u64> {
    let at = |r: usize| (u128::from(file.bytes()) * r as u128 / size.max(1) as u128) as u64;
    at(rank)..at(rank + 1)
}

/// What one process reads of a text file, from the lines and samples that start in every
/// process's bytes: the whole shards of batch training that start among its own samples.
struct Plan {
    /// The number of its first line.
    line: usize,
    /// Samples to pass over before its first shard (the process before reads them).
    skip: usize,
    /// Its samples, whole shards, of `total`.
    samples: Range<usize>,
    total: usize,
}

impl Plan {
    /// The plan of process `rank`, `counts` the lines and samples of every process's bytes,
    /// in shards of `shard` samples.
    fn new(counts: &[(usize, usize)], rank: usize, shard: usize) -> Plan {
        let before = counts.get(..rank).unwrap_or_default();
        let line = 1 + before.iter().map(|c| c.0).sum::<usize>();
        let mine = before.iter().map(|c| c.1).sum::<usize>();
        let total = counts.iter().map(|c| c.1).sum::<usize>();
        let first = mine.div_ceil(shard).saturating_mul(shard).min(total);
        let last = mine + counts.get(rank).map_or(0, |c| c.1);
        let end = if first < last {
            last.div_ceil(shard).saturating_mul(shard).min(total)
        } else {
            first
        };
        Plan {
            line,
            skip: first - mine,
            samples: first..end,
            total,
        }
    }

    /// Reads the plan's samples from the process's `span`: values and decimal mark. What is
    /// wrong with the span's lines is told first, numbered as the file's.
    fn read(&self, file: &TextFile, span: &mut Span) -> Result<(Vec<f32>, Mark)> {
        span.fault(self.line)?;
        if self.samples.is_empty() {
            return Ok((Vec::new(), None));
        }
        file.read(span.start, self.line, self.skip, self.samples.len())
    }

    fn part(&self, file: &TextFile, data: Vec<f32>) -> Part {
        Part {
            name: file.name().to_string(),
            data,
            dim: file.dim(),
            first: self.samples.start,
            total: self.total,
        }
    }
}

/// Checks that the processes' parts of a file use one decimal mark (`marks`: each part's,
/// and where first seen), as a file read whole must.
fn one_mark(name: &str, marks: impl Iterator<Item = Mark>) -> Result<()> {
    let (mut point, mut comma) = (None, None);
    for (m, line, column) in marks.flatten() {
        let seen = if m == b',' { &mut comma } else { &mut point };
        seen.get_or_insert((line, column));
    }
    if let (Some(p), Some(c)) = (point, comma) {
        return Err(Error::Invalid(format!(
            "{name}: a decimal point on line {} column {} and a decimal comma on line {} column {}; expected one decimal mark in a file",
            p.0, p.1, c.0, c.1
        )));
    }
    Ok(())
}

/// [`Combine::agree`] on a result with a value: the value where every process succeeded.
pub(crate) fn agree_on<T>(combine: &dyn Combine, local: Result<T>) -> Result<T> {
    match local {
        Ok(v) => combine.agree(Ok(())).map(|()| v),
        Err(e) => Err(combine.agree(Err(e)).err().unwrap_or_else(|| {
            Error::Invalid("a process failed, then every process agreed".into())
        })),
    }
}

/// Bytes of samples a file is read in at a time (per thread).
const BLOCK_BYTES: usize = 1 << 20;

impl Rows<'_> {
    /// Number of samples.
    pub fn count(&self) -> usize {
        match self {
            Rows::Memory(flat) => flat.count(),
            Rows::File(f) => f.rows(),
            Rows::Part(p) => p.total,
        }
    }

    /// Values per sample.
    pub fn dim(&self) -> usize {
        match self {
            Rows::Memory(flat) => flat.dim(),
            Rows::File(f) => f.dim(),
            Rows::Part(p) => p.dim,
        }
    }

    /// What the samples are, for messages: the file's name, or "the data".
    pub(crate) fn name(&self) -> &str {
        match self {
            Rows::Memory(_) => "the data",
            Rows::File(f) => f.name(),
            Rows::Part(p) => p.name(),
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
                    check(file.name(), first, block, dim, missing)?;
                    f(first, block)?;
                    first += n;
                }
                Ok(())
            }
            Rows::Part(part) => {
                let held = part.range();
                if range.start < held.start || range.end > held.end {
                    return Err(Error::Invalid(format!(
                        "samples {range:?} asked for; this process holds {held:?} of {}",
                        part.total
                    )));
                }
                let at = |i: usize| (i - held.start) * dim;
                let block = part
                    .data
                    .get(at(range.start)..at(range.end))
                    .unwrap_or_default();
                check(&part.name, range.start, block, dim, missing)?;
                if block.is_empty() {
                    return Ok(());
                }
                f(range.start, block)
            }
        }
    }

    /// This process's share of the samples, for work where every sample counts alike
    /// (queries): its part, or an even share.
    pub(crate) fn share(&self, combine: &dyn Combine) -> Range<usize> {
        match self {
            Rows::Part(part) => part.range(),
            _ => share(self.count(), combine),
        }
    }
}

/// Checks the values of samples read from a file, `first` the index of the first: NaN is a
/// missing value, an error unless `missing` masks it.
fn check(name: &str, first: usize, block: &[f32], dim: usize, missing: Missing) -> Result<()> {
    match block.iter().position(|v| v.is_nan()) {
        Some(i) if missing == Missing::Error => Err(missing_value(
            &format!("{name}: "),
            first + i / dim,
            i % dim,
        )),
        _ => Ok(()),
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

/// This process's even share of `n` samples.
fn share(n: usize, combine: &dyn Combine) -> Range<usize> {
    let (r, size) = (combine.rank() as u128, combine.size() as u128);
    let at = |r: u128| (n as u128 * r / size) as usize;
    at(r)..at(r + 1)
}

#[cfg(test)]
mod tests;
