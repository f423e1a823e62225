//! Raw little-endian `f32` values, sample after sample, with no header.

use super::Dataset;
use super::text::{check_table, io_error, parse_error};
use crate::error::{Error, Result};
use std::io::{BufWriter, Read, Write};

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
pub fn read_f32<R: Read>(mut reader: R, name: &str, dim: usize) -> Result<Dataset> {
    if dim == 0 {
        return Err(Error::Invalid(format!(
            "cannot read {name}: the dim of raw f32 samples must be at least 1"
        )));
    }
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(name, e))?;
    let sample_bytes = dim.saturating_mul(4);
    if bytes.is_empty() || !bytes.len().is_multiple_of(sample_bytes) {
        return Err(parse_error(
            name,
            None,
            format!(
                "a positive multiple of 4 * dim = {sample_bytes} bytes (samples of {dim} f32 values)"
            ),
            format!("{} bytes", bytes.len()),
        ));
    }
    let data: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        return Err(parse_error(
            name,
            None,
            format!(
                "finite values (sample {}, column {}, at byte {})",
                i / dim,
                i % dim + 1,
                i * 4
            ),
            format!("{}", data[i]),
        ));
    }
    Ok(Dataset {
        data,
        dim,
        columns: None,
        labels: Vec::new(),
    })
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
