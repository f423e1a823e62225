//! One trait over every data source that queries and batch training read: samples in memory,
//! a raw `.f32` file streamed a block at a time, this process's part of a file, and any of
//! them shared among MPI ranks.

use crate::data::{Samples, flatten, validate};
use crate::error::{Error, Result};
use crate::io::F32File;
use crate::rows::{Part, Rows};
use crate::som::Som;
use som_kernel::{Bmu, Missing};
use std::borrow::Cow;
use std::ops::Range;

/// Samples that [`Som::bmus`], [`Som::hits`], [`Som::quality`], [`Som::classify`] and
/// [`Som::train_batch`] read, wherever they are:
///
/// - in memory, as users hold them (any [`Samples`]): `Vec<[f32; D]>`, `&[[f32; D]]`,
///   `Vec<Vec<f32>>`, a flat slice with its dim ([`crate::Flat`]), and with the feature
///   `ndarray` a 2-D array or view in standard layout; flat data is read where it is, without
///   copying;
/// - a raw `.f32` file ([`F32File`]), read a block at a time: memory is the map and a few
///   buffers, whatever the file's size;
/// - this process's part of a file ([`Part`]);
/// - one of these chosen at run time ([`Rows`]);
/// - with the feature `mpi`, any of them shared among the ranks of a communicator
///   (`som_std::mpi::Shared`): each rank works on its share and the results are combined
///   across ranks, bit for bit those of one process.
///
/// The trait is sealed: other data reaches the map as one of these (most simply a [`Flat`]
/// view of its values).
///
/// [`Flat`]: crate::Flat
pub trait Source: Sealed {}

impl<T: Sealed + ?Sized> Source for T {}

/// What a [`Source`] gives the map (not nameable outside the crate, so [`Source`] is sealed).
pub trait Sealed {
    /// Number of samples (over every process).
    fn count(&self) -> usize;
    /// The samples, checked for a map of `dim` (each sample's length; in memory, every value:
    /// NaN only where `missing` masks it, never infinity).
    fn blocks(&self, dim: usize, missing: Missing) -> Result<Blocks<'_>>;
    /// How the processes that share the samples combine their results.
    fn combine(&self) -> &dyn Combine {
        &Alone
    }
}

impl<S: Samples + ?Sized> Sealed for S {
    fn count(&self) -> usize {
        Samples::count(self)
    }
    fn blocks(&self, dim: usize, missing: Missing) -> Result<Blocks<'_>> {
        validate(self, dim, missing)?;
        Ok(Blocks::Memory {
            data: flatten(self),
            dim,
        })
    }
}

impl Sealed for Rows<'_> {
    fn count(&self) -> usize {
        Rows::count(self)
    }
    fn blocks(&self, dim: usize, missing: Missing) -> Result<Blocks<'_>> {
        from_rows(*self, dim, missing)
    }
}

impl Sealed for F32File {
    fn count(&self) -> usize {
        self.rows()
    }
    fn blocks(&self, dim: usize, missing: Missing) -> Result<Blocks<'_>> {
        from_rows(Rows::File(self), dim, missing)
    }
}

impl Sealed for Part {
    fn count(&self) -> usize {
        self.total()
    }
    fn blocks(&self, dim: usize, missing: Missing) -> Result<Blocks<'_>> {
        from_rows(Rows::Part(self), dim, missing)
    }
}

/// The blocks of `rows` for a map of `dim` (samples in memory validated).
fn from_rows(rows: Rows<'_>, dim: usize, missing: Missing) -> Result<Blocks<'_>> {
    if rows.dim() != dim {
        return Err(Error::Invalid(format!(
            "samples of dim {} for a map of dim {dim}; expected the same",
            rows.dim(),
        )));
    }
    Ok(match rows {
        Rows::Memory(flat) => {
            validate(&flat, dim, missing)?;
            Blocks::Memory {
                data: Cow::Borrowed(flat.data()),
                dim,
            }
        }
        Rows::File(file) => Blocks::File(file),
        Rows::Part(part) => Blocks::Part(part),
    })
}

/// A 2-D array or view in standard layout (row-major, contiguous): a row a sample, read where
/// it is (feature `ndarray`). Another layout is refused; `array.as_standard_layout()` copies
/// it once into one.
#[cfg(feature = "ndarray")]
impl<S: ndarray::Data<Elem = f32>> Sealed for ndarray::ArrayBase<S, ndarray::Ix2> {
    fn count(&self) -> usize {
        self.nrows()
    }
    fn blocks(&self, dim: usize, missing: Missing) -> Result<Blocks<'_>> {
        from_rows(Rows::Memory(crate::Flat::try_from(self)?), dim, missing)
    }
}

/// Samples as the map reads them: one flat block in memory (validated), or blocks read from a
/// file or a part (checked as they are read).
#[derive(Debug)]
pub enum Blocks<'a> {
    /// Validated samples in memory, flat (borrowed where they are held flat).
    Memory {
        /// The values, sample after sample.
        data: Cow<'a, [f32]>,
        /// Values per sample.
        dim: usize,
    },
    /// A raw `.f32` file.
    File(&'a F32File),
    /// This process's part of the samples.
    Part(&'a Part),
}

/// Bytes of samples a file is read in at a time (per thread).
const BLOCK_BYTES: usize = 1 << 20;

impl Blocks<'_> {
    /// Number of samples (over every process).
    pub(crate) fn count(&self) -> usize {
        match self {
            Blocks::Memory { data, dim } => data.len() / (*dim).max(1),
            Blocks::File(f) => f.rows(),
            Blocks::Part(p) => p.total(),
        }
    }

    /// Values per sample.
    pub(crate) fn dim(&self) -> usize {
        match self {
            Blocks::Memory { dim, .. } => *dim,
            Blocks::File(f) => f.dim(),
            Blocks::Part(p) => p.dim(),
        }
    }

    /// What the samples are, for messages: the file's name, or "the data".
    pub(crate) fn name(&self) -> &str {
        match self {
            Blocks::Memory { .. } => "the data",
            Blocks::File(f) => f.name(),
            Blocks::Part(p) => p.name(),
        }
    }

    /// The samples in memory, if they are.
    pub(crate) fn memory(&self) -> Option<&[f32]> {
        match self {
            Blocks::Memory { data, .. } => Some(data),
            _ => None,
        }
    }

    /// The samples of `range`, in order, as consecutive flat blocks (one for data in memory),
    /// each given to `f` with the index of its first sample. A file's values are checked as
    /// they are read: NaN is a missing value, an error unless `missing` masks it (data in
    /// memory was validated whole, before).
    pub(crate) fn each_block(
        &self,
        range: Range<usize>,
        missing: Missing,
        mut f: impl FnMut(usize, &[f32]) -> Result<()>,
    ) -> Result<()> {
        let dim = self.dim();
        match self {
            Blocks::Memory { data, .. } => match data.get(range.start * dim..range.end * dim) {
                Some(block) if !range.is_empty() => f(range.start, block),
                Some(_) => Ok(()),
                None => Err(Error::Invalid(format!(
                    "samples {range:?} asked for, of {}",
                    self.count()
                ))),
            },
            Blocks::File(file) => {
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
            Blocks::Part(part) => {
                let held = part.range();
                if range.start < held.start || range.end > held.end {
                    return Err(Error::Invalid(format!(
                        "samples {range:?} asked for; this process holds {held:?} of {}",
                        part.total()
                    )));
                }
                let at = |i: usize| (i - held.start) * dim;
                let block = part
                    .data()
                    .get(at(range.start)..at(range.end))
                    .unwrap_or_default();
                check(part.name(), range.start, block, dim, missing)?;
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
            Blocks::Part(part) => part.range(),
            _ => {
                let (n, r, size) = (self.count(), combine.rank(), combine.size());
                let at = |r: usize| (n as u128 * r as u128 / size.max(1) as u128) as usize;
                at(r)..at(r + 1)
            }
        }
    }

    /// What must be alike about the data on every process.
    pub(crate) fn describe(&self) -> String {
        format!("{} samples of dim {}", self.count(), self.dim())
    }
}

/// Checks the values of samples read from a file, `first` the index of the first: NaN is a
/// missing value, an error unless `missing` masks it.
fn check(name: &str, first: usize, block: &[f32], dim: usize, missing: Missing) -> Result<()> {
    match block.iter().position(|v| v.is_nan()) {
        Some(i) if missing == Missing::Error => Err(crate::data::missing_value(
            &format!("{name}: "),
            first + i / dim,
            i % dim,
        )),
        _ => Ok(()),
    }
}

/// A block of best-matching units: its first sample's index, and the units.
pub type BmuBlock<'f> = dyn FnMut(usize, &[Bmu]) -> Result<()> + 'f;

/// How the processes working on one data set combine what each computed on its share:
/// nothing to do in one process ([`Alone`]); collectives over MPI ranks.
pub trait Combine {
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
    /// Checks that every process has the same `text()` as the first (`what` names it), so
    /// that processes given different data or maps stop at once.
    fn check_same(&self, _what: &str, _text: &dyn Fn() -> String) -> Result<()> {
        Ok(())
    }
    /// Runs `search` (this process's blocks of best-matching units, in order) and gives every
    /// process's blocks, in sample order, to `f` on the first process.
    fn gather(
        &self,
        search: &mut dyn FnMut(&mut BmuBlock<'_>) -> Result<()>,
        f: &mut BmuBlock<'_>,
    ) -> Result<()> {
        search(f)
    }
}

/// One process: nothing to combine.
#[derive(Debug)]
pub struct Alone;

impl Combine for Alone {}

/// [`Combine::agree`] on a result with a value: the value where every process succeeded.
pub(crate) fn agree_on<T>(combine: &dyn Combine, local: Result<T>) -> Result<T> {
    match local {
        Ok(v) => combine.agree(Ok(())).map(|()| v),
        Err(e) => Err(combine.agree(Err(e)).err().unwrap_or_else(|| {
            Error::Invalid("a process failed, then every process agreed".into())
        })),
    }
}

/// The samples of `data` for `som`, checked on every process, and how the processes combine.
pub(crate) fn open<'d, D: Source + ?Sized>(
    som: &Som,
    data: &'d D,
) -> Result<(Blocks<'d>, &'d dyn Combine)> {
    let combine = data.combine();
    let blocks = agree_on(combine, data.blocks(som.dim(), som.missing()))?;
    Ok((blocks, combine))
}

impl Som {
    /// A fingerprint of the map's codebook (FNV-1a of its bits), to check that processes hold
    /// the same.
    pub(crate) fn fingerprint(&self) -> String {
        let hash = self
            .codebook()
            .iter()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, w| {
                (h ^ u64::from(w.to_bits())).wrapping_mul(0x0100_0000_01b3)
            });
        let g = self.grid();
        format!(
            "a {}x{} map of dim {}, fingerprint {hash:016x}",
            g.rows(),
            g.cols(),
            self.dim()
        )
    }
}

#[cfg(all(test, feature = "ndarray"))]
mod tests {
    use crate::{Flat, Init, Som};
    use ndarray::{Array2, ShapeBuilder};

    /// A 2-D array in standard layout is its flat values, read where they are: the same
    /// units, hits, errors and trained codebook, bit for bit; another layout is refused, and
    /// `as_standard_layout` gives the same samples.
    #[test]
    fn ndarray_arrays_are_their_flat_values() {
        let (n, dim) = (300, 3);
        let values: Vec<f32> = (0..n * dim)
            .map(|i| ((i * 37) % 101) as f32 / 50.0 - 1.0)
            .collect();
        let array = Array2::from_shape_vec((n, dim), values.clone()).expect("shape");
        let flat = Flat::new(&values, dim).expect("flat");
        assert_eq!(
            Flat::try_from(&array).expect("standard").data(),
            &values[..]
        );
        let build = || {
            Som::builder(4, 5, dim)
                .init(Init::DataRange)
                .seed(3)
                .build()
                .expect("som")
        };
        let (mut a, mut b) = (build(), build());
        a.train_batch(&array, 3).expect("array");
        b.train_batch(&flat, 3).expect("flat");
        let bits = |s: &Som| s.codebook().iter().map(|w| w.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b));
        let view = array.view();
        assert_eq!(a.bmus(&view).expect("view"), a.bmus(&flat).expect("flat"));
        assert_eq!(a.hits(&array).expect("hits"), a.hits(&flat).expect("hits"));
        let (qa, ta) = a.quality(&view).expect("quality");
        let (qf, tf) = a.quality(&flat).expect("quality");
        assert_eq!((qa.to_bits(), ta.to_bits()), (qf.to_bits(), tf.to_bits()));
        // Column-major: not standard layout.
        let fortran = Array2::from_shape_vec((n, dim).f(), values.clone()).expect("shape");
        let e = a.bmus(&fortran).expect_err("layout").to_string();
        assert!(e.contains("standard layout") && e.contains("300x3"), "{e}");
        let e = a.hits(&array.t()).expect_err("layout").to_string();
        assert!(e.contains("3x300"), "{e}");
        let standard = fortran.as_standard_layout();
        let rows: Vec<f32> = (0..n)
            .flat_map(|i| (0..dim).map(move |j| i + j * n))
            .map(|k| values[k])
            .collect();
        let rows = Flat::new(&rows, dim).expect("flat");
        assert_eq!(
            a.bmus(&standard).expect("copied"),
            a.bmus(&rows).expect("rows")
        );
        // Another dim than the map's is named.
        let wide = Array2::<f32>::zeros((2, 4));
        let e = a.bmus(&wide).expect_err("dim").to_string();
        assert!(e.contains("dim 4 for a map of dim 3"), "{e}");
    }
}
