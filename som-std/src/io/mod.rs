//! File formats: CSV, raw `f32`, SOM_PAK's data and codebook files, and saved maps (JSON).
//!
//! Every reader is total: any bytes give either the data or an [`Error`] naming the file, the
//! line where there is one, what the format wants there and what came. Every writer writes
//! what its reader reads back exactly (floats with the fewest digits that round-trip).
//!
//! Every text input goes through one reader: lines of at most [`MAX_LINE`] bytes, UTF-8 text
//! (a file in UTF-16, with NUL bytes or with carriage returns alone for line ends is named as
//! such), a byte order mark only at the very start, blank lines and `#` comments skipped by one
//! rule in CSV, SOM_PAK and the parts of files that MPI ranks read; whole-file texts (saved
//! maps, histories) are capped ([`MAX_JSON`]).
//!
//! | extension | format | reader | writer |
//! | --- | --- | --- | --- |
//! | `.csv` | numbers separated by `,` `;` or tab, optional header | [`read_csv`] | [`write_csv`] |
//! | `.f32` | raw little-endian `f32`, given `dim` | [`read_f32`] | [`write_f32`] |
//! | `.dat` | SOM_PAK data file | [`read_dat`] | [`write_dat`] |
//! | `.cod` | SOM_PAK codebook | [`read_cod`] | [`write_cod`] |
//! | `.json` | saved map | [`SavedMap::read`] | [`SavedMap::write`] |
//!
//! [`Format::from_path`] picks the format by extension; [`read_data`] and [`write_data`] read
//! and write samples in whichever of the first four formats a path names.

mod atomic;
mod csv;
mod labels;
mod raw;
mod saved;
mod sompak;
mod text;
mod text_file;

pub mod export;

pub use atomic::{MAX_NAME, check_writable, write_atomic};
pub(crate) use csv::Mark;
pub use csv::{Delimiter, read_csv, read_csv_with, write_csv};
pub use labels::read_labels;
pub use raw::{F32File, f32_dim, read_f32, write_f32};
pub use saved::{FORMAT_TAG, FORMAT_VERSION, FORMAT_VERSION_OLDEST, SavedMap};
pub use sompak::{SompakCodebook, read_cod, read_dat, sompak_can_hold, write_cod, write_dat};
pub(crate) use text::read_text_file;
pub use text::{MAX_JSON, MAX_LINE};
pub(crate) use text_file::Span;
pub use text_file::TextFile;

use crate::data::Samples;
use crate::error::{Error, Result};
use std::fs::File;
use std::path::Path;
use text::io_error;

/// A byte count for people: `512 bytes`, `1.5 KB`, `400.0 GB` (powers of 1000).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["KB", "MB", "GB", "TB", "PB", "EB"];
    if n < 1000 {
        return format!("{n} bytes");
    }
    let mut v = n as f64 / 1000.0;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// Samples read from a file: a flat row-major table with optional column names and labels.
///
/// It is a [`Samples`] source, so it trains and queries a map directly.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// The values, sample after sample, `dim` each.
    pub data: Vec<f32>,
    /// Values per sample (at least 1).
    pub dim: usize,
    /// Column names from a CSV header row.
    pub columns: Option<Vec<String>>,
    /// One label per sample (`None` where a sample has none), or empty when no sample has one
    /// (SOM_PAK files carry labels).
    pub labels: Vec<Option<String>>,
}

impl Dataset {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.data.len() / self.dim.max(1)
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Checks that the squared distances of these samples stay finite in `f32` (what training
    /// checks before it starts), so that a caller can refuse the data before building a map.
    ///
    /// # Errors
    /// [`Error::Invalid`](crate::Error::Invalid) naming the largest value and the bound.
    pub fn check_magnitude(&self) -> crate::Result<()> {
        let mut range = vec![(f32::INFINITY, f32::NEG_INFINITY); self.dim];
        crate::som::widen(&mut range, &self.data);
        crate::som::check_magnitude(&range)
    }
}

impl Samples for Dataset {
    fn count(&self) -> usize {
        self.len()
    }
    fn sample(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }
    fn flat(&self) -> Option<&[f32]> {
        Some(&self.data)
    }
}

/// A file format, known by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.csv`: numbers separated by `,` `;` or tab, one sample (or unit) per line, optional
    /// header.
    Csv,
    /// `.dat`: a SOM_PAK data file.
    Dat,
    /// `.cod`: a SOM_PAK codebook.
    Cod,
    /// `.f32`: raw little-endian `f32`, sample after sample; the dimension is given apart.
    F32,
    /// `.json`: a saved map ([`SavedMap`]).
    Json,
}

impl Format {
    /// Every format, in the order error messages list them.
    pub const ALL: [Format; 5] = [
        Format::Csv,
        Format::Dat,
        Format::Cod,
        Format::F32,
        Format::Json,
    ];

    /// The format's extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Dat => "dat",
            Format::Cod => "cod",
            Format::F32 => "f32",
            Format::Json => "json",
        }
    }

    /// Whether a file of this format holds a whole map, its lattice and its units' labels
    /// (`.json`, `.cod`), not only a table of values.
    ///
    /// # Example
    /// ```
    /// use som_std::io::Format;
    /// assert!(Format::Cod.holds_map() && !Format::Csv.holds_map());
    /// ```
    pub fn holds_map(self) -> bool {
        matches!(self, Format::Json | Format::Cod)
    }

    /// The format a path's extension names (case-insensitive).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a missing or unknown extension, listing the supported ones.
    ///
    /// # Example
    /// ```
    /// use som_std::io::Format;
    /// assert_eq!(Format::from_path("runs/map.JSON")?, Format::Json);
    /// assert!(Format::from_path("data.txt").unwrap_err().to_string().contains(".csv"));
    /// # Ok::<(), som_std::Error>(())
    /// ```
    pub fn from_path(path: impl AsRef<Path>) -> Result<Format> {
        let path = path.as_ref();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if let Some(f) = Format::ALL
            .into_iter()
            .find(|f| Some(f.extension()) == ext.as_deref())
        {
            return Ok(f);
        }
        let known: Vec<String> = Format::ALL
            .iter()
            .map(|f| format!(".{}", f.extension()))
            .collect();
        Err(Error::Invalid(format!(
            "{}: {}; expected one of {}",
            path.display(),
            match ext {
                Some(e) => format!("unknown extension .{e}"),
                None => "no extension".to_string(),
            },
            known.join(", ")
        )))
    }
}

/// Reads samples from the file at `path` in the format its extension names: `.csv`, `.dat`,
/// `.f32` (which needs `dim`), or `.cod` (the units of a SOM_PAK codebook as samples, with
/// their labels). Where the file itself says its dimension, a given `dim` must match it.
///
/// # Errors
/// [`Error::Invalid`] for an unknown extension, a `.json` file (a saved map is not data), an
/// `.f32` file without `dim`, or a dimension other than `dim`; the reader's errors otherwise.
pub fn read_data(path: impl AsRef<Path>, dim: Option<usize>) -> Result<Dataset> {
    read_data_with(path, dim, None)
}

/// [`read_data`], with the delimiter of a `.csv` file given instead of detected
/// ([`read_csv_with`]); other formats ignore it.
///
/// # Errors
/// As [`read_data`].
pub fn read_data_with(
    path: impl AsRef<Path>,
    dim: Option<usize>,
    delimiter: Option<Delimiter>,
) -> Result<Dataset> {
    let path = path.as_ref();
    let format = Format::from_path(path)?;
    let name = path.display().to_string();
    if format == Format::Json {
        return Err(Error::Invalid(format!(
            "{name}: a .json file is a saved map, not data; expected .csv, .dat, .cod or .f32"
        )));
    }
    if format == Format::F32 {
        f32_dim(path, dim)?;
    }
    let file = File::open(path).map_err(|e| io_error(&name, e))?;
    let ds = match format {
        Format::Csv => read_csv_with(file, &name, delimiter)?,
        Format::Dat => read_dat(file, &name)?,
        Format::F32 => {
            let len = file
                .metadata()
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len());
            raw::read_f32_sized(file, &name, dim.unwrap_or(1), len)?
        }
        Format::Cod | Format::Json => {
            let c = read_cod(file, &name)?;
            Dataset {
                data: c.weights,
                dim: c.dim,
                columns: None,
                labels: c.labels,
            }
        }
    };
    check_given_dim(&name, ds.dim, dim)?;
    Ok(ds)
}

/// Checks that the file `name`, of samples of `found` values, has the dimension `given`, if
/// one was.
fn check_given_dim(name: &str, found: usize, given: Option<usize>) -> Result<()> {
    match given {
        Some(d) if d != found => Err(Error::Invalid(format!(
            "{name}: samples of dim {found} but dim {d} was given"
        ))),
        _ => Ok(()),
    }
}

/// Writes samples (or a row-major codebook, one unit per line) to the file at `path` in the
/// format its extension names: `.csv` (with `columns` as header, if given), `.dat` (with
/// `labels`, if any) or `.f32`. Column names and labels a format cannot hold are left out.
///
/// # Errors
/// [`Error::Invalid`] for an unknown extension or `.cod`/`.json` (use [`write_cod`] and
/// [`SavedMap::save`], which need the map's lattice); the writer's errors otherwise, and
/// [`Error::Io`] if the file cannot be created. The file is written all or nothing
/// ([`write_atomic`]).
pub fn write_data(
    path: impl AsRef<Path>,
    data: &[f32],
    dim: usize,
    columns: Option<&[String]>,
    labels: &[Option<String>],
) -> Result<()> {
    let path = path.as_ref();
    let format = Format::from_path(path)?;
    let name = path.display().to_string();
    if format.holds_map() {
        return Err(Error::Invalid(format!(
            "{name}: .{} holds a whole map; expected .csv, .dat or .f32 for plain samples",
            format.extension()
        )));
    }
    text::check_table(&name, data, dim)?;
    write_atomic(path, |file, name| match format {
        Format::Csv => write_csv(file, name, data, dim, columns),
        Format::Dat => write_dat(file, name, data, dim, labels),
        _ => write_f32(file, name, data, dim),
    })
}
