//! A trained map saved as JSON: version-tagged, validated on load.

use super::text::{MAX_JSON, encoding, io_error, parse_error, quote, read_whole};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use som_kernel::{Boundary, Clock, Distance, Grid, Missing, Schedule, Shape, Topology, Training};
use std::io::{BufWriter, Read, Write};

/// The `format` tag of a saved map.
pub const FORMAT_TAG: &str = "som";

/// The newest version of the saved-map format, which this build writes when a map needs it.
///
/// Version 1 has no unit labels; version 2 adds them. A map without labels is written as
/// version 1, so builds that read only version 1 still read it; this build reads both.
pub const FORMAT_VERSION: u32 = 2;

/// The oldest version of the saved-map format this build reads.
pub const FORMAT_VERSION_OLDEST: u32 = 1;

/// Everything needed to use and go on training a map: its lattice, its training settings and
/// its row-major codebook.
///
/// On disk it is one JSON object,
/// `{"format": "som", "version": 1, "map": {"rows": .., "cols": .., ...}}`, with settings
/// by their names ([`Named`](som_kernel::Named)), the topology in full: `"rectangular"` or
/// `"hexagonal"`, boundary `"planar"` or `"toroidal"`, shape
/// `"gaussian"`, `"bubble"`, `"triangle"` or `"mexican-hat"`, clock `"sample"` or `"epoch"`,
/// and schedules as `{"linear": {"start": 0.5, "end": 0}}`,
/// `{"asymptotic": {"start": 0.5}}`, `{"constant": 0.1}`, ...
/// Floats are written with the fewest digits that read back as the same `f32`: a load gives
/// back the saved map bit for bit.
///
/// # Example
/// ```
/// use som_std::io::SavedMap;
/// use som_std::{Clock, Schedule, Shape, Topology, Boundary, kernel::Training};
///
/// let map = SavedMap {
///     rows: 1,
///     cols: 2,
///     dim: 3,
///     topology: Topology::Hexagonal,
///     boundary: Boundary::Planar,
///     training: Training {
///         shape: Shape::Gaussian,
///         alpha: Schedule::Linear { start: 0.3, end: 0.0 },
///         sigma: Schedule::Asymptotic { start: 1.0 },
///         cutoff: 0.0,
///         clock: Clock::Epoch,
///     },
///     seed: 7,
///     epochs: 100,
///     steps: 0,
///     stream_steps: 0,
///     distance: som_std::Distance::Cosine,
///     missing: som_std::Missing::Error,
///     codebook: vec![0.1, 0.2, 0.3, 1.0, 2.0, 3.0],
///     labels: Some(vec!["setosa".into(), "virginica".into()]),
/// };
/// let mut file = Vec::new();
/// map.write(&mut file, "map.json")?;
/// assert_eq!(SavedMap::read(file.as_slice(), "map.json")?, map);
/// # Ok::<(), som_std::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedMap {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Values per unit.
    pub dim: usize,
    /// The lattice.
    #[serde(with = "topology_in_full")]
    pub topology: Topology,
    /// The boundary.
    #[serde(with = "by_name")]
    pub boundary: Boundary,
    /// Neighbourhood shape and cut-off, learning-rate and width schedules, and their clock.
    #[serde(with = "TrainingDef")]
    pub training: Training,
    /// Seed of the map's random choices (0 if it has none).
    #[serde(default)]
    pub seed: u64,
    /// Epochs a full training runs (0 if not set).
    #[serde(default)]
    pub epochs: u64,
    /// Schedule steps trained so far, so that streaming training can go on where it stopped
    /// (0 for a fresh map).
    #[serde(default)]
    pub steps: u64,
    /// Length of the streaming schedules (0 if not set).
    #[serde(default)]
    pub stream_steps: u64,
    /// The distance that ranks units (Euclidean in files that do not say; written only when
    /// it is another, so Euclidean maps save as before).
    #[serde(default, with = "by_name", skip_serializing_if = "is_euclidean")]
    pub distance: Distance,
    /// What NaN in data means (an error in files that do not say; written only for masking).
    #[serde(default, with = "by_name", skip_serializing_if = "is_error")]
    pub missing: Missing,
    /// Row-major codebook: unit `row * cols + col`, `dim` values each, `rows * cols * dim` in
    /// all.
    pub codebook: Vec<f32>,
    /// One label per unit ([`crate::Som::classify`]), or `None` (version 2; written only when
    /// present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
}

/// The file: a format tag and version around the map.
#[derive(Serialize)]
struct FileOut<'a> {
    format: &'a str,
    version: u32,
    map: &'a SavedMap,
}

/// The file as read, once its tag and version are known to be right.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn {
    #[allow(dead_code)]
    format: String,
    #[allow(dead_code)]
    version: u32,
    map: SavedMap,
}

/// Only the tag and version, read first so that a file of another kind or version gets an
/// error about that rather than about its fields.
#[derive(Deserialize)]
struct Tag {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

impl SavedMap {
    /// Checks that the map is usable: a valid lattice, `dim > 0`, valid training settings and
    /// a codebook of `rows * cols * dim` finite values.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the problem.
    pub fn validate(&self) -> Result<()> {
        self.problem().map_or(Ok(()), |p| Err(Error::Invalid(p)))
    }

    /// What is wrong with the map, if anything, as a noun phrase.
    fn problem(&self) -> Option<String> {
        if let Err(e) = Grid::with(self.rows, self.cols, self.topology, self.boundary) {
            return Some(format!(
                "a {} x {} {} {} lattice ({e})",
                self.rows, self.cols, self.topology, self.boundary
            ));
        }
        if self.dim == 0 {
            return Some("dim 0".into());
        }
        if let Err(e) = self.training.validate() {
            return Some(format!("training settings where {e}"));
        }
        let expected = (self.rows * self.cols).checked_mul(self.dim);
        if expected != Some(self.codebook.len()) {
            return Some(format!(
                "a codebook of {} values, where {} x {} units of dim {} need {}",
                self.codebook.len(),
                self.rows,
                self.cols,
                self.dim,
                expected.map_or("more than fit in memory".into(), |n| n.to_string())
            ));
        }
        if let Some(labels) = &self.labels
            && labels.len() != self.rows * self.cols
        {
            return Some(format!(
                "{} labels for {} x {} = {} units, expected one per unit",
                labels.len(),
                self.rows,
                self.cols,
                self.rows * self.cols
            ));
        }
        if let Some(i) = self.codebook.iter().position(|v| !v.is_finite()) {
            return Some(format!(
                "the non-finite value {} in the codebook (unit {}, component {})",
                self.codebook[i],
                i / self.dim,
                i % self.dim
            ));
        }
        None
    }

    /// The oldest format version that holds this map: 2 with labels, else 1.
    pub fn version(&self) -> u32 {
        if self.labels.is_some() { 2 } else { 1 }
    }

    /// Writes the map as one line of JSON. `name` names the stream in errors.
    ///
    /// # Errors
    /// [`Error::Invalid`] if the map does not [validate](Self::validate) or takes more than
    /// [`MAX_JSON`](super::MAX_JSON) bytes (a file that would not load is never written);
    /// [`Error::Io`] if writing fails.
    pub fn write<W: Write>(&self, writer: W, name: &str) -> Result<()> {
        if let Some(p) = self.problem() {
            return Err(Error::Invalid(format!("cannot save {name}: {p}")));
        }
        let mut writer = BufWriter::new(Capped {
            inner: writer,
            left: MAX_JSON,
        });
        let file = FileOut {
            format: FORMAT_TAG,
            version: self.version(),
            map: self,
        };
        let written = serde_json::to_writer(&mut writer, &file)
            .map_err(std::io::Error::from)
            .and_then(|()| writer.write_all(b"\n"))
            .and_then(|()| writer.flush());
        match written {
            Ok(()) => Ok(()),
            Err(_) if writer.get_ref().left == 0 => Err(Error::Invalid(format!(
                "cannot save {name}: the map takes more than {} of JSON, the most a saved map \
                 may take (a reader refuses more); save its codebook as .cod, .csv or .f32",
                super::bytes(MAX_JSON)
            ))),
            Err(e) => Err(io_error(name, e)),
        }
    }

    /// Reads a map written by [`SavedMap::write`] and [validates](Self::validate) it.
    ///
    /// # Errors
    /// [`Error::Parse`] for a file that is not JSON (refused at its first byte if it cannot be
    /// one) or is cut short (with the line), is longer than [`MAX_JSON`](super::MAX_JSON), is
    /// not a saved `som` map, has another version, lacks a field or has an unknown one, or holds a
    /// map that does not validate; [`Error::Io`] if reading fails.
    pub fn read<R: Read>(reader: R, name: &str) -> Result<Self> {
        let object = "a JSON object (a saved som map)";
        // Refused at its first byte, not at the cap, if it cannot be a map.
        let bytes = read_whole(reader, name, MAX_JSON, "a saved map", |bytes, at| {
            match (encoding(bytes), bytes[at]) {
                (Some(e), _) => Err(parse_error(name, None, object, e)),
                (None, b'{') => Ok(()),
                (None, b) => Err(parse_error(
                    name,
                    None,
                    object,
                    format!(
                        "a file starting with {}",
                        quote(&String::from_utf8_lossy(&[b]))
                    ),
                )),
            }
        })?;
        let json_error = |e: serde_json::Error, expected: &str| {
            let line = (e.line() > 0).then_some(e.line());
            let got = match e.classify() {
                serde_json::error::Category::Eof => {
                    "the end of the file (is it cut short?)".to_string()
                }
                _ => format!("{} (column {})", strip_position(&e.to_string()), e.column()),
            };
            parse_error(name, line, expected, got)
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(parse_error(name, None, object, "an empty file"));
        }
        let tag: Tag = serde_json::from_slice(&bytes)
            .map_err(|e| json_error(e, "a JSON object (a saved som map)"))?;
        match &tag.format {
            Some(serde_json::Value::String(s)) if s == FORMAT_TAG => {}
            other => {
                return Err(parse_error(
                    name,
                    None,
                    format!("\"format\": \"{FORMAT_TAG}\" (a saved som map)"),
                    other
                        .as_ref()
                        .map_or("no \"format\" field".to_string(), |v| {
                            format!("\"format\": {}", short_json(v))
                        }),
                ));
            }
        }
        let version = match &tag.version {
            Some(v)
                if v.as_u64().is_some_and(|v| {
                    (u64::from(FORMAT_VERSION_OLDEST)..=u64::from(FORMAT_VERSION)).contains(&v)
                }) =>
            {
                v.as_u64().unwrap_or_default()
            }
            other => {
                return Err(parse_error(
                    name,
                    None,
                    format!(
                        "\"version\": {FORMAT_VERSION_OLDEST} to {FORMAT_VERSION}, the versions this build reads"
                    ),
                    other
                        .as_ref()
                        .map_or("no \"version\" field".to_string(), |v| {
                            format!("\"version\": {}", short_json(v))
                        }),
                ));
            }
        };
        let file: FileIn = serde_json::from_slice(&bytes)
            .map_err(|e| json_error(e, &format!("a saved som map of version {version}")))?;
        if version < 2 && file.map.labels.is_some() {
            return Err(parse_error(
                name,
                None,
                "no \"labels\" in a map of version 1 (labels came with version 2)",
                "\"labels\"",
            ));
        }
        if let Some(p) = file.map.problem() {
            return Err(parse_error(name, None, "a consistent map", p));
        }
        Ok(file.map)
    }

    /// Writes the map to the file at `path` (see [`SavedMap::write`]), all or nothing
    /// ([`super::write_atomic`]).
    ///
    /// # Errors
    /// As [`SavedMap::write`], and [`Error::Io`] if the file cannot be created.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let path = path.as_ref();
        let name = path.display().to_string();
        if let Some(p) = self.problem() {
            return Err(Error::Invalid(format!("cannot save {name}: {p}")));
        }
        super::write_atomic(path, |file, name| self.write(file, name))
    }

    /// Reads the map in the file at `path` (see [`SavedMap::read`]).
    ///
    /// # Errors
    /// As [`SavedMap::read`], and [`Error::Io`] if the file cannot be opened.
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Self> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| io_error(&name, e))?;
        Self::read(file, &name)
    }
}

/// A writer that takes at most `left` bytes more: so that no map is saved that
/// [`SavedMap::read`] would refuse.
struct Capped<W> {
    inner: W,
    left: u64,
}

impl<W: Write> Write for Capped<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() as u64 > self.left {
            self.left = 0;
            return Err(std::io::Error::other("larger than a saved map may be"));
        }
        let n = self.inner.write(buf)?;
        self.left -= n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// serde_json's message without its " at line L column C" (the error names the line itself).
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// A JSON value for an error message, shortened if long.
fn short_json(v: &serde_json::Value) -> String {
    const MAX: usize = 40;
    let text = v.to_string();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

/// A setting by its name ([`Named`]): the spelling the command line takes and messages show.
mod by_name {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use som_kernel::Named;

    pub fn serialize<T: Named, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub fn deserialize<'de, T: Named, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        let name = String::deserialize(d)?;
        name.parse()
            .map_err(|_| D::Error::unknown_variant(&name, T::NAMES))
    }
}

/// The topology in full (`rectangular`, `hexagonal`), as saved maps have always written it;
/// read by any of its names.
mod topology_in_full {
    use serde::{Deserializer, Serializer};
    use som_kernel::Topology;

    pub fn serialize<S: Serializer>(t: &Topology, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(t.full_name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Topology, D::Error> {
        super::by_name::deserialize(d)
    }
}

fn is_euclidean(d: &Distance) -> bool {
    *d == Distance::Euclidean
}

fn is_error(m: &Missing) -> bool {
    *m == Missing::Error
}

// A serde mirror of the kernel's schedule (serde's "remote derive"): the compiler checks that
// it matches the kernel's definition, so a new variant there cannot be silently dropped here.
#[derive(Serialize, Deserialize)]
#[serde(remote = "Schedule", rename_all = "kebab-case", deny_unknown_fields)]
enum ScheduleDef {
    Constant(f32),
    Linear { start: f32, end: f32 },
    Asymptotic { start: f32 },
    Inverse { start: f32, end: f32 },
    Exponential { start: f32, end: f32 },
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Training", deny_unknown_fields)]
struct TrainingDef {
    #[serde(with = "by_name")]
    shape: Shape,
    #[serde(with = "ScheduleDef")]
    alpha: Schedule,
    #[serde(with = "ScheduleDef")]
    sigma: Schedule,
    cutoff: f32,
    #[serde(with = "by_name")]
    clock: Clock,
}
