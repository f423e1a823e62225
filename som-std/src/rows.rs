//! Samples read a block at a time: data in memory, files larger than memory, and a process's
//! part of a text file read by byte range (an MPI rank's).

use crate::data::{Flat, Samples};
use crate::error::{Error, Result};
use crate::io::Mark;
use crate::io::{F32File, Span, TextFile};
use crate::som::shard_samples;
pub(crate) use crate::source::{Combine, agree_on};
use std::ops::Range;

/// A [`crate::Source`] chosen at run time: a flat slice in memory, a raw `.f32` file read a
/// block at a time (memory: the map and a few buffers, whatever the file's size), or this
/// process's part of a file.
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
}

#[cfg(test)]
mod tests;
