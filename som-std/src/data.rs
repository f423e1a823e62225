//! Training and query data in the shapes users have, seen as samples without copying.

use crate::error::{Error, Result};
use som_kernel::Missing;

/// Samples of equal length: a flat slice with its `dim`, `&[Vec<f32>]` or `&[[f32; D]]` (or
/// their `Vec`s).
pub trait Samples {
    /// Number of samples.
    fn count(&self) -> usize;
    /// Sample `i` (`i < count()`).
    fn sample(&self, i: usize) -> &[f32];
    /// The samples as one flat row-major slice, when they are stored that way.
    fn flat(&self) -> Option<&[f32]> {
        None
    }
}

/// A flat row-major slice of `data.len() / dim` samples.
#[derive(Debug, Clone, Copy)]
pub struct Flat<'a> {
    data: &'a [f32],
    dim: usize,
}

impl<'a> Flat<'a> {
    /// Views `data` as samples of `dim` values.
    ///
    /// # Errors
    /// [`Error::Invalid`] if `dim` is 0 or `data.len()` is not a multiple of `dim`.
    pub fn new(data: &'a [f32], dim: usize) -> Result<Self> {
        if dim == 0 || !data.len().is_multiple_of(dim) {
            return Err(Error::Invalid(format!(
                "flat data of {} values is not a whole number of samples of dim {dim}",
                data.len()
            )));
        }
        Ok(Self { data, dim })
    }

    /// Values per sample.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The values, sample after sample.
    pub fn data(&self) -> &'a [f32] {
        self.data
    }
}

/// A 2-D array or view of `f32` in standard layout (row-major, contiguous), a row a sample,
/// viewed without copying (feature `ndarray`).
///
/// # Errors
/// [`Error::Invalid`] for another layout (a transposed view, a column slice): expected
/// standard layout, which `array.as_standard_layout()` makes (copying once); an array of no
/// columns.
#[cfg(feature = "ndarray")]
impl<'a, S: ndarray::Data<Elem = f32>> TryFrom<&'a ndarray::ArrayBase<S, ndarray::Ix2>>
    for Flat<'a>
{
    type Error = Error;

    fn try_from(array: &'a ndarray::ArrayBase<S, ndarray::Ix2>) -> Result<Self> {
        let (rows, cols) = array.dim();
        let data = array.as_slice().ok_or_else(|| {
            Error::Invalid(format!(
                "a {rows}x{cols} array not in standard layout (row-major, contiguous); expected \
                 standard layout: `array.as_standard_layout()` makes it (copying once)"
            ))
        })?;
        Flat::new(data, cols)
    }
}

impl Samples for Flat<'_> {
    fn count(&self) -> usize {
        self.data.len() / self.dim
    }
    fn sample(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }
    fn flat(&self) -> Option<&[f32]> {
        Some(self.data)
    }
}

impl Samples for [Vec<f32>] {
    fn count(&self) -> usize {
        self.len()
    }
    fn sample(&self, i: usize) -> &[f32] {
        &self[i]
    }
}

/// A `Vec` of samples is its slice: `&Vec<[f32; D]>` and `&Vec<Vec<f32>>` are taken as they
/// are held (`som.train_batch(&data, 10)`), without `&data[..]`.
impl<T> Samples for Vec<T>
where
    [T]: Samples,
{
    fn count(&self) -> usize {
        self.as_slice().count()
    }
    fn sample(&self, i: usize) -> &[f32] {
        self.as_slice().sample(i)
    }
    fn flat(&self) -> Option<&[f32]> {
        self.as_slice().flat()
    }
}

impl<const D: usize> Samples for [[f32; D]] {
    fn count(&self) -> usize {
        self.len()
    }
    fn sample(&self, i: usize) -> &[f32] {
        &self[i]
    }
    fn flat(&self) -> Option<&[f32]> {
        Some(self.as_flattened())
    }
}

impl<const D: usize, const N: usize> Samples for [[f32; D]; N] {
    fn count(&self) -> usize {
        N
    }
    fn sample(&self, i: usize) -> &[f32] {
        &self[i]
    }
    fn flat(&self) -> Option<&[f32]> {
        Some(self.as_flattened())
    }
}

/// Checks every sample: length `dim`, finite values (NaN allowed where `missing` masks it).
/// Names the first bad sample and its component.
pub(crate) fn validate<S: Samples + ?Sized>(data: &S, dim: usize, missing: Missing) -> Result<()> {
    for i in 0..data.count() {
        let x = data.sample(i);
        if x.len() != dim {
            return Err(Error::SampleLength {
                index: i,
                expected: dim,
                got: x.len(),
            });
        }
        if let Some(c) = x.iter().position(|v| v.is_infinite()) {
            return Err(Error::Kernel(som_kernel::Error::NonFinite {
                sample: i,
                component: c,
            }));
        }
        if missing == Missing::Error
            && let Some(c) = x.iter().position(|v| v.is_nan())
        {
            return Err(missing_value("", i, c));
        }
    }
    Ok(())
}

/// The error for a missing value (NaN) at `component` of `sample` (of the file `place`, if
/// given, as `"name: "`) where the map does not mask them.
pub(crate) fn missing_value(place: &str, sample: usize, component: usize) -> Error {
    Error::Invalid(format!(
        "{place}sample {sample} has a missing value (NaN) at component {component}; expected \
         numbers, or masking of missing values (`.missing(Missing::Mask)`, CLI `--missing mask`)"
    ))
}

/// The samples as one flat slice, borrowed when they already are.
pub(crate) fn flatten<S: Samples + ?Sized>(data: &S) -> std::borrow::Cow<'_, [f32]> {
    match data.flat() {
        Some(f) => std::borrow::Cow::Borrowed(f),
        None => std::borrow::Cow::Owned(
            (0..data.count())
                .flat_map(|i| data.sample(i).iter().copied())
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::Samples;

    /// Samples as `Vec<T>` and as `[T]` are the same samples (the flat view included).
    fn same_as_slice<T>(data: &Vec<T>)
    where
        [T]: Samples,
    {
        let slice = data.as_slice();
        assert_eq!(data.count(), slice.count());
        for i in 0..data.count() {
            assert_eq!(data.sample(i), slice.sample(i));
        }
        assert_eq!(data.flat(), slice.flat());
    }

    #[test]
    fn vecs_are_their_slices() {
        let arrays: Vec<[f32; 3]> = vec![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
        same_as_slice(&arrays);
        assert_eq!(arrays.flat(), Some(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0][..]));
        let vecs: Vec<Vec<f32>> = vec![vec![1.0, 2.0], vec![3.0, 4.0]];
        same_as_slice(&vecs);
        assert_eq!(vecs.flat(), None);
        assert_eq!(vecs.sample(1), &[3.0, 4.0]);
    }
}
