//! Saving and loading a map, and SOM_PAK codebooks, through the formats of [`crate::io`].

use crate::error::{Error, Result};
use crate::io::{SavedMap, SompakCodebook};
use crate::som::{Init, Som};
use std::path::Path;

impl Som {
    /// The map as a [`SavedMap`]: shape, settings, codebook.
    pub fn to_saved(&self) -> SavedMap {
        SavedMap {
            rows: self.grid.rows(),
            cols: self.grid.cols(),
            dim: self.dim,
            topology: self.grid.topology(),
            boundary: self.grid.boundary(),
            training: self.training,
            seed: self.seed,
            epochs: self.epochs,
            steps: self.streamed,
            stream_steps: self.stream_steps,
            distance: self.distance,
            missing: self.missing,
            codebook: self.codebook(),
            labels: self.labels.clone(),
        }
    }

    /// A map from a [`SavedMap`], ready to query or to train on.
    ///
    /// # Errors
    /// An inconsistent saved map (shape, codebook length, settings).
    pub fn from_saved(saved: &SavedMap) -> Result<Som> {
        saved.validate()?;
        let mut som = Som::builder(saved.rows, saved.cols, saved.dim)
            .topology(saved.topology)
            .boundary(saved.boundary)
            .neighbourhood(saved.training.shape)
            .alpha(saved.training.alpha)
            .sigma(saved.training.sigma)
            .cutoff(saved.training.cutoff)
            .clock(saved.training.clock)
            .seed(saved.seed)
            .epochs(saved.epochs)
            .stream_steps(if saved.stream_steps == 0 {
                10_000
            } else {
                saved.stream_steps
            })
            .distance(saved.distance)
            .missing(saved.missing)
            .init(Init::Codebook(saved.codebook.clone()))
            .build()?;
        som.streamed = saved.steps;
        som.labels = saved.labels.clone();
        Ok(som)
    }

    /// Saves the map as version-tagged JSON.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        self.to_saved().save(path)
    }

    /// Loads a map saved by [`Som::save`].
    ///
    /// # Errors
    /// The file cannot be read, or is not a saved map of a supported version, or is corrupt.
    pub fn load(path: impl AsRef<Path>) -> Result<Som> {
        Som::from_saved(&SavedMap::load(path)?)
    }

    /// The map as a SOM_PAK codebook (SOM_PAK knows only bubble and Gaussian neighbourhoods
    /// and planar maps).
    ///
    /// # Errors
    /// A neighbourhood or boundary SOM_PAK cannot express.
    pub fn to_sompak(&self) -> Result<SompakCodebook> {
        crate::io::sompak_can_hold(self.training.shape, self.grid.boundary())?;
        Ok(SompakCodebook {
            dim: self.dim,
            topology: self.grid.topology(),
            rows: self.grid.rows(),
            cols: self.grid.cols(),
            neighbourhood: self.training.shape,
            weights: self.codebook(),
            labels: self
                .labels
                .as_ref()
                .map(|l| l.iter().cloned().map(Some).collect())
                .unwrap_or_default(),
        })
    }
}

impl Som {
    /// A map from a codebook file of any supported format: a saved map (`.json`), a SOM_PAK
    /// codebook (`.cod`), or a row-major table (`.csv`, `.f32`: one unit per row, unit
    /// `row * cols + col`), which does not know its shape: give `shape = Some((rows, cols))`.
    /// A `.f32` table's `dim`, when not given, is its length over the units' (as
    /// [`Som::write_codebook_file`] writes it).
    ///
    /// # Errors
    /// An unreadable or corrupt file; a table without `shape` or of the wrong size (a `.f32`
    /// file whose length is not a whole number of values per unit).
    pub fn from_codebook_file(
        path: impl AsRef<Path>,
        shape: Option<(usize, usize)>,
        dim: Option<usize>,
    ) -> Result<Som> {
        use crate::io::{Format, read_cod, read_data};
        let path = path.as_ref();
        let name = path.display().to_string();
        match Format::from_path(path)? {
            Format::Json => Som::load(path),
            Format::Cod => {
                let file = std::fs::File::open(path).map_err(|e| Error::Io {
                    file: name.clone(),
                    source: e,
                })?;
                Som::from_sompak(&read_cod(file, &name)?)
            }
            format => {
                let Some((rows, cols)) = shape else {
                    return Err(Error::Invalid(format!(
                        "{name}: a table of units does not say the map's shape: give its rows and cols"
                    )));
                };
                let dim = match (format, dim) {
                    (Format::F32, None) => Some(f32_unit_dim(path, &name, rows, cols)?),
                    _ => dim,
                };
                let table = read_data(path, dim)?;
                if table.len() != rows * cols {
                    return Err(Error::Invalid(format!(
                        "{name}: {} units, expected rows x cols = {rows} x {cols} = {}",
                        table.len(),
                        rows * cols
                    )));
                }
                Som::builder(rows, cols, table.dim)
                    .init(Init::Codebook(table.data))
                    .build()
            }
        }
    }

    /// A map holding a SOM_PAK codebook, with SOM_PAK's lattice and neighbourhood.
    ///
    /// # Errors
    /// An inconsistent codebook.
    pub fn from_sompak(codebook: &SompakCodebook) -> Result<Som> {
        let mut som = Som::builder(codebook.rows, codebook.cols, codebook.dim)
            .topology(codebook.topology)
            .neighbourhood(codebook.neighbourhood)
            .init(Init::Codebook(codebook.weights.clone()))
            .build()?;
        // SOM_PAK's `vcal` labels units; a codebook whose every unit has one keeps them.
        if codebook.labels.len() == codebook.rows * codebook.cols
            && codebook.labels.iter().all(Option::is_some)
        {
            som.labels = Some(codebook.labels.iter().flatten().cloned().collect());
        }
        Ok(som)
    }

    /// Writes the codebook by extension: `.json` (the whole map), `.cod` (SOM_PAK), `.csv`
    /// or `.f32` (row-major, one unit per row). All or nothing ([`crate::io::write_atomic`]):
    /// on any error the file at `path` is as it was.
    ///
    /// # Errors
    /// The file cannot be written, or the format cannot hold this map.
    pub fn write_codebook_file(&self, path: impl AsRef<Path>) -> Result<()> {
        use crate::io::{Format, write_cod, write_data};
        let path = path.as_ref();
        let name = path.display().to_string();
        match Format::from_path(path)? {
            Format::Json => self.save(path),
            Format::Cod => {
                let codebook = self.to_sompak()?;
                crate::io::write_atomic(path, |file, name| write_cod(file, name, &codebook))
            }
            Format::Dat => Err(Error::Invalid(format!(
                "{name}: .dat holds data; write a codebook as .json, .cod, .csv or .f32"
            ))),
            _ => write_data(path, &self.codebook(), self.dim, None, &[]),
        }
    }
}

/// The dim of the raw `.f32` codebook at `path` (called `name`) of `rows x cols` units: raw
/// values do not say it, the file's length over the units' does.
fn f32_unit_dim(path: &Path, name: &str, rows: usize, cols: usize) -> Result<usize> {
    let len = std::fs::metadata(path)
        .map_err(|source| Error::Io {
            file: name.to_string(),
            source,
        })?
        .len();
    let units = (rows as u64).saturating_mul(cols as u64);
    if units == 0 {
        return Err(Error::Invalid(format!(
            "{name}: a map of {rows} x {cols} units; expected at least one unit"
        )));
    }
    let unit_bytes = units.saturating_mul(4);
    if len == 0 || len % unit_bytes != 0 {
        return Err(Error::Invalid(format!(
            "{name}: {} is not {rows} x {cols} = {units} units of 4-byte values; expected a multiple of {unit_bytes} bytes (or the map's rows and cols)",
            crate::io::bytes(len)
        )));
    }
    usize::try_from(len / unit_bytes).map_err(|_| {
        Error::Invalid(format!(
            "{name}: {} per unit, more than can be had",
            crate::io::bytes(len / units)
        ))
    })
}
