//! Raw little-endian `f32` values, sample after sample, with no header.

use super::Dataset;
use super::text::{check_table, io_error, parse_error};
use crate::error::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

/// Reads raw little-endian `f32` values, `dim` per sample, sample after sample (the layout of
/// `numpy.ndarray.astype('<f4').tofile`).
///
/// # Errors
/// [`Error::Invalid`] if `dim` is 0; [`Error::Parse`] if the length is not a whole number of
/// samples (`4 * dim` bytes each) or is empty, or a value is not finite (naming the sample and
/// column); [`Error::Io`] if reading fails.
///
/// # Example
/// ```
/// let bytes: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0].iter().flat_map(|v| v.to_le_bytes()).collect();
/// let ds = som_std::io::read_f32(bytes.as_slice(), "data.f32", 2)?;
/// assert_eq!((ds.len(), ds.data[3]), (2, 4.0));
/// # Ok::<(), som_std::Error>(())
/// ```
pub fn read_f32<R: Read>(reader: R, name: &str, dim: usize) -> Result<Dataset> {
    read_f32_sized(reader, name, dim, None)
}

/// The dimension of the raw `.f32` data at `path`, which the file does not say: `dim`, given
/// apart.
///
/// # Errors
/// [`Error::Invalid`] without `dim`, asking for it.
///
/// # Example
/// ```
/// assert_eq!(som_std::io::f32_dim("data.f32", Some(3))?, 3);
/// assert!(som_std::io::f32_dim("data.f32", None).is_err());
/// # Ok::<(), som_std::Error>(())
/// ```
pub fn f32_dim(path: impl AsRef<Path>, dim: Option<usize>) -> Result<usize> {
    dim.ok_or_else(|| {
        Error::Invalid(format!(
            "{}: raw .f32 data does not say its dimension: give it (--dim)",
            path.as_ref().display()
        ))
    })
}

/// [`read_f32`] of a stream whose length is known (a file's): checked before anything is
/// read, and the values read straight into a vector of that size, so loading takes the
/// data's size in memory and a buffer.
pub(crate) fn read_f32_sized<R: Read>(
    mut reader: R,
    name: &str,
    dim: usize,
    len: Option<u64>,
) -> Result<Dataset> {
    check_dim(name, dim)?;
    if let Some(len) = len {
        samples_in(name, dim, len)?;
    }
    let mut data: Vec<f32> = Vec::new();
    if let Some(len) = len {
        let values = usize::try_from(len / 4).unwrap_or(usize::MAX);
        data.try_reserve_exact(values).map_err(|_| {
            Error::Invalid(format!(
                "{name}: {} of data, more memory than can be had",
                super::bytes(len)
            ))
        })?;
    }
    // Whole values from a fixed buffer; a value split across reads waits for the next one.
    let mut buf = vec![0u8; 1 << 16];
    let (mut filled, mut total) = (0usize, 0u64);
    loop {
        let n = match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_error(name, e)),
        };
        filled += n;
        total += n as u64;
        let whole = filled - filled % 4;
        data.extend(
            buf[..whole]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
        buf.copy_within(whole..filled, 0);
        filled -= whole;
    }
    samples_in(name, dim, total)?;
    check_values(name, &data, dim, 0)?;
    Ok(Dataset {
        data,
        dim,
        columns: None,
        labels: Vec::new(),
    })
}

/// Checks that raw samples of `dim` values can be read from `name`: at least one value each.
fn check_dim(name: &str, dim: usize) -> Result<()> {
    if dim == 0 {
        return Err(Error::Invalid(format!(
            "cannot read {name}: the dim of raw f32 samples must be at least 1"
        )));
    }
    Ok(())
}

/// The samples of `dim` values (`dim` at least 1) that `len` bytes of `name` hold: a positive
/// whole number, or an error.
fn samples_in(name: &str, dim: usize, len: u64) -> Result<u64> {
    let sample_bytes = (dim as u64).saturating_mul(4);
    if len == 0 || !len.is_multiple_of(sample_bytes) {
        return Err(parse_error(
            name,
            None,
            format!(
                "a positive multiple of 4 * dim = {sample_bytes} bytes (samples of {dim} f32 values)"
            ),
            format!("{len} bytes"),
        ));
    }
    Ok(len / sample_bytes)
}

/// Writes `data` as raw little-endian `f32` values. `dim` is only checked: the file does not
/// record it, so [`read_f32`] needs it again.
///
/// # Errors
/// [`Error::Invalid`] if `dim` is 0, `data` is not a whole number of samples or a value is not
/// finite; [`Error::Io`] if writing fails.
pub fn write_f32<W: Write>(writer: W, name: &str, data: &[f32], dim: usize) -> Result<()> {
    check_table(name, data, dim)?;
    let mut writer = BufWriter::new(writer);
    for v in data {
        writer
            .write_all(&v.to_le_bytes())
            .map_err(|e| io_error(name, e))?;
    }
    writer.flush().map_err(|e| io_error(name, e))
}

/// Checks that no value of `data` (samples of `dim`, the first being sample `first` of the
/// file) is infinite, naming the first that is. NaN is a missing value: whether that is an
/// error is the map's choice ([`crate::Missing`]). The common case is one pass without
/// branches per value (so it vectorises).
fn check_values(name: &str, data: &[f32], dim: usize, first: usize) -> Result<()> {
    let bounded = |c: &[f32]| c.iter().fold(true, |all, v| all & !v.is_infinite());
    if data.chunks(256).all(bounded) {
        return Ok(());
    }
    let i = data.iter().position(|v| v.is_infinite()).unwrap_or(0);
    let i_file = first as u64 * dim as u64 + i as u64;
    Err(parse_error(
        name,
        None,
        format!(
            "finite values or NaN for a missing one (sample {}, column {}, at byte {})",
            i_file / dim as u64,
            i_file % dim as u64 + 1,
            i_file * 4
        ),
        format!("{}", data[i]),
    ))
}

/// A raw `.f32` file read a block of samples at a time, never whole: batch training and
/// queries on data larger than memory, and MPI ranks that each read only their own rows.
#[derive(Debug)]
pub struct F32File {
    file: File,
    name: String,
    dim: usize,
    rows: usize,
}

impl F32File {
    /// Opens the file at `path` of samples of `dim` values, checking its length (values are
    /// checked as they are read).
    ///
    /// # Errors
    /// As [`read_f32`], for what can be told from the length; [`Error::Io`] if it cannot be
    /// opened.
    pub fn open(path: impl AsRef<Path>, dim: usize) -> Result<Self> {
        let name = path.as_ref().display().to_string();
        check_dim(&name, dim)?;
        let file = File::open(path.as_ref()).map_err(|e| io_error(&name, e))?;
        let len = file.metadata().map_err(|e| io_error(&name, e))?.len();
        let rows = usize::try_from(samples_in(&name, dim, len)?).map_err(|_| {
            Error::Invalid(format!(
                "{name}: {} is too large to address here",
                super::bytes(len)
            ))
        })?;
        Ok(Self {
            file,
            name,
            dim,
            rows,
        })
    }

    /// Samples in the file.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Values per sample.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The file's name, as errors say it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads samples `first..` into `out` (whole samples), straight into its bytes, and checks
    /// that they are finite.
    ///
    /// # Errors
    /// [`Error::Invalid`] for samples past the end or `out` not whole samples, [`Error::Io`]
    /// if reading fails, [`Error::Parse`] naming a value that is not finite.
    pub fn read_rows(&self, first: usize, out: &mut [f32]) -> Result<()> {
        let count = out.len() / self.dim;
        if !out.len().is_multiple_of(self.dim) || first.saturating_add(count) > self.rows {
            return Err(Error::Invalid(format!(
                "{}: samples {first}..{} of {} (of dim {}) asked for; expected whole samples within the file",
                self.name,
                first.saturating_add(count),
                self.rows,
                self.dim
            )));
        }
        let at = first as u64 * self.dim as u64 * 4;
        read_exact_at(&self.file, bytemuck::cast_slice_mut(out), at)
            .map_err(|e| io_error(&self.name, e))?;
        // The file is little-endian.
        if cfg!(target_endian = "big") {
            out.iter_mut()
                .for_each(|v| *v = f32::from_bits(u32::from_le(v.to_bits())));
        }
        check_values(&self.name, out, self.dim, first)
    }
}

/// Fills `buf` from byte `at` of `file`, without moving a shared cursor (threads read apart).
#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

/// Fills `buf` from byte `at` of `file`, without moving a shared cursor (threads read apart).
#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut at: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, at) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                at += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
