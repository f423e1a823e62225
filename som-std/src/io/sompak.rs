//! SOM_PAK 3.1's text formats: data files (`.dat`) and codebooks (`.cod`).
//!
//! Both start with a header line whose first token is the dimension, then hold one vector per
//! line: `dim` numbers separated by whitespace, optionally followed by a label. Lines starting
//! with `#` are comments. A codebook's header also names the lattice:
//! `dim topology xdim ydim neighbourhood`, e.g. `5 hexa 12 8 bubble`, and its `xdim * ydim`
//! unit lines are in the order `y * xdim + x`: `xdim` is the number of columns, `ydim` of rows.

use super::Dataset;
use super::text::{
    Line, Lines, Number, Skip, check_table, io_error, number, parse_error, quote, write_number,
};
use crate::error::{Error, Result};
use som_kernel::{Boundary, Grid, Shape, Topology};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};

/// The neighbourhoods SOM_PAK knows (it spells them as the library does).
const SHAPES: [Shape; 2] = [Shape::Bubble, Shape::Gaussian];

/// SOM_PAK's spelling of a lattice (its own: `hexa`, where the library says `hex`).
fn topology_name(topology: Topology) -> &'static str {
    match topology {
        Topology::Hexagonal => "hexa",
        Topology::Rectangular => "rect",
    }
}

/// The one of `values` that `name` spells `token`, if any: a header token read back by the
/// spelling the writer uses.
fn spelled<T: Copy>(
    values: impl IntoIterator<Item = T>,
    name: impl Fn(T) -> &'static str,
    token: &str,
) -> Option<T> {
    values.into_iter().find(|&v| name(v) == token)
}

/// A SOM_PAK codebook: the lattice and neighbourhood its header names, and the unit vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct SompakCodebook {
    /// Values per unit.
    pub dim: usize,
    /// `hexa` or `rect`.
    pub topology: Topology,
    /// Number of rows (SOM_PAK's `ydim`).
    pub rows: usize,
    /// Number of columns (SOM_PAK's `xdim`).
    pub cols: usize,
    /// `bubble` or `gaussian`: the only shapes SOM_PAK knows.
    pub neighbourhood: Shape,
    /// Row-major codebook: unit `row * cols + col` (SOM_PAK's `y * xdim + x`), `dim` values
    /// each.
    pub weights: Vec<f32>,
    /// One label per unit (`None` where a unit has none), or empty when no unit has one.
    pub labels: Vec<Option<String>>,
}

/// Reads a SOM_PAK data file: a header line whose first token is the dimension (other tokens
/// are ignored), then one sample per line, `dim` numbers optionally followed by a label
/// (the rest of the line, whitespace runs joined by one space). Blank lines and `#` comments
/// are skipped.
///
/// # Errors
/// [`Error::Parse`] naming the line for a bad header, a line with fewer than `dim` numbers, a
/// value that is not a finite number, a line that is not UTF-8 text or is longer than
/// [`MAX_LINE`](super::MAX_LINE), a byte order mark past the start of the file, or a file
/// without samples; [`Error::Io`] if reading fails.
///
/// # Example
/// ```
/// let ds = som_std::io::read_dat("2\n0.5 1 a\n# comment\n3 4\n".as_bytes(), "ex.dat")?;
/// assert_eq!((ds.dim, ds.data.as_slice()), (2, &[0.5, 1.0, 3.0, 4.0][..]));
/// assert_eq!(ds.labels, [Some("a".to_string()), None]);
/// # Ok::<(), som_std::Error>(())
/// ```
pub fn read_dat<R: Read>(reader: R, name: &str) -> Result<Dataset> {
    let mut lines = Lines::new(BufReader::new(reader), name);
    let dim = dat_header(&mut lines, name)?;
    let (data, labels) = vectors(&mut lines, name, dim, 0, usize::MAX)?;
    if data.is_empty() {
        return Err(parse_error(
            name,
            None,
            format!("at least one sample of {dim} values after the header"),
            "none",
        ));
    }
    Ok(Dataset {
        data,
        dim,
        columns: None,
        labels,
    })
}

/// Writes a SOM_PAK data file: the dimension, then one sample per line with its label, if any.
/// Numbers are written with the fewest digits that read back as the same `f32`.
///
/// # Errors
/// [`Error::Invalid`] if `dim` is 0, `data` is not a whole, positive number of samples, a value
/// is not finite, `labels` is neither empty nor one per sample, or a label holds a line break
/// or starts or ends with whitespace; [`Error::Io`] if writing fails.
pub fn write_dat<W: Write>(
    writer: W,
    name: &str,
    data: &[f32],
    dim: usize,
    labels: &[Option<String>],
) -> Result<()> {
    check_table(name, data, dim)?;
    check_labels(name, labels, data.len() / dim)?;
    let mut writer = BufWriter::new(writer);
    writeln!(writer, "{dim}").map_err(|e| io_error(name, e))?;
    write_vectors(&mut writer, name, data, dim, labels)
}

/// Reads a SOM_PAK codebook: the header `dim topology xdim ydim neighbourhood` (topology
/// `hexa` or `rect`, neighbourhood `bubble` or `gaussian`), then `xdim * ydim` unit lines of
/// `dim` numbers, each optionally followed by a label. Blank lines and `#` comments are
/// skipped.
///
/// # Errors
/// [`Error::Parse`] naming the line for a bad header, a bad unit line (as in [`read_dat`]), or
/// a number of unit lines other than `xdim * ydim`; [`Error::Io`] if reading fails.
pub fn read_cod<R: Read>(reader: R, name: &str) -> Result<SompakCodebook> {
    let mut lines = Lines::new(BufReader::new(reader), name);
    let (dim, topology, cols, rows, neighbourhood) = match lines.next_data(Skip::TEXT)? {
        Some(line) => cod_header(name, line)?,
        None => {
            return Err(parse_error(
                name,
                None,
                "a codebook header `dim topology xdim ydim neighbourhood`",
                "an empty file",
            ));
        }
    };
    let units = rows * cols; // checked by Grid::with in cod_header
    let mut weights = Vec::new();
    let mut labels = Vec::new();
    let mut labelled = false;
    while let Some(line) = lines.next_data(Skip::TEXT)? {
        if labels.len() == units {
            return Err(parse_error(
                name,
                Some(line.number),
                format!("the end of the file after {units} units ({cols} x {rows})"),
                "another line",
            ));
        }
        let label = vector(name, line, dim, &mut weights)?;
        let unit = weights
            .get(weights.len().saturating_sub(dim)..)
            .unwrap_or(&[]);
        if let Some(c) = unit.iter().position(|v| v.is_nan()) {
            return Err(parse_error(
                name,
                Some(line.number),
                format!(
                    "a number in column {} (a codebook has no missing values)",
                    c + 1
                ),
                "a missing value",
            ));
        }
        labelled |= label.is_some();
        labels.push(label);
    }
    if labels.len() < units {
        return Err(parse_error(
            name,
            Some(lines.number()),
            format!("{units} unit lines ({cols} x {rows}) after the header"),
            format!("{} unit lines and the end of the file", labels.len()),
        ));
    }
    if !labelled {
        labels = Vec::new();
    }
    Ok(SompakCodebook {
        dim,
        topology,
        rows,
        cols,
        neighbourhood,
        weights,
        labels,
    })
}

/// Whether a SOM_PAK codebook can hold a map of this neighbourhood and boundary: SOM_PAK
/// knows planar maps with a bubble or Gaussian neighbourhood. Cheap, so it can be asked
/// before training rather than after.
///
/// # Errors
/// [`Error::Invalid`] naming what the map has that SOM_PAK cannot hold.
pub fn sompak_can_hold(shape: Shape, boundary: Boundary) -> Result<()> {
    if SHAPES.contains(&shape) && boundary == Boundary::Planar {
        return Ok(());
    }
    Err(Error::Invalid(format!(
        "SOM_PAK codebooks (.cod) hold planar maps with a bubble or gaussian neighbourhood, \
         this map is {boundary} with a {shape} neighbourhood"
    )))
}

/// Writes a SOM_PAK codebook that [`read_cod`] (and SOM_PAK) reads back exactly.
///
/// # Errors
/// [`Error::Invalid`] for a neighbourhood other than bubble or Gaussian, a lattice with zero
/// rows or columns, weights that are not `rows * cols * dim` finite values, labels that are
/// neither empty nor one per unit, or a label with a line break or surrounding whitespace;
/// [`Error::Io`] if writing fails.
pub fn write_cod<W: Write>(writer: W, name: &str, codebook: &SompakCodebook) -> Result<()> {
    let c = codebook;
    if !SHAPES.contains(&c.neighbourhood) {
        return Err(Error::Invalid(format!(
            "cannot write {name}: SOM_PAK codebooks know only the bubble and gaussian \
             neighbourhoods, not {}",
            c.neighbourhood
        )));
    }
    Grid::with(c.rows, c.cols, c.topology, Boundary::Planar)
        .map_err(|e| Error::Invalid(format!("cannot write {name}: {e}")))?;
    check_table(name, &c.weights, c.dim)?;
    let units = c.weights.len() / c.dim;
    if units != c.rows * c.cols {
        return Err(Error::Invalid(format!(
            "cannot write {name}: {units} units of dim {} for a {} x {} map ({} units)",
            c.dim,
            c.cols,
            c.rows,
            c.rows * c.cols
        )));
    }
    check_labels(name, &c.labels, units)?;
    let mut writer = BufWriter::new(writer);
    let (topol, neigh) = (topology_name(c.topology), c.neighbourhood.name());
    writeln!(writer, "{} {topol} {} {} {neigh}", c.dim, c.cols, c.rows)
        .map_err(|e| io_error(name, e))?;
    write_vectors(&mut writer, name, &c.weights, c.dim, &c.labels)
}

/// The dimension a data file's header line gives.
pub(crate) fn dat_header<R: BufRead>(lines: &mut Lines<'_, R>, name: &str) -> Result<usize> {
    match lines.next_data(Skip::TEXT)? {
        Some(line) => header_dim(name, line),
        None => Err(parse_error(
            name,
            None,
            "a header line with the dimension",
            "an empty file",
        )),
    }
}

/// The dimension: the first token of a header line, a positive integer.
fn header_dim(name: &str, line: Line<'_>) -> Result<usize> {
    let token = line.text.split_whitespace().next().unwrap_or("");
    match token.parse::<usize>() {
        Ok(dim) if dim > 0 => Ok(dim),
        _ => Err(parse_error(
            name,
            Some(line.number),
            "a header line starting with the dimension (a positive integer)",
            quote(token),
        )),
    }
}

/// `dim topology xdim ydim neighbourhood` of a codebook header.
fn cod_header(name: &str, line: Line<'_>) -> Result<(usize, Topology, usize, usize, Shape)> {
    let dim = header_dim(name, line)?;
    let text = line.text;
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let bad = |expected: &str, got: String| parse_error(name, Some(line.number), expected, got);
    if tokens.len() < 5 {
        return Err(bad(
            "a codebook header `dim topology xdim ydim neighbourhood`, e.g. `5 hexa 12 8 bubble`",
            format!("{} tokens: {}", tokens.len(), quote(text.trim())),
        ));
    }
    let topology = spelled(Topology::ALL, topology_name, tokens[1]).ok_or_else(|| {
        bad(
            "the topology `hexa` or `rect` as the header's 2nd token",
            quote(tokens[1]),
        )
    })?;
    let size = |i: usize, what: &str| match tokens[i].parse::<usize>() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(bad(
            &format!(
                "{what} (a positive integer) as the header's token {}",
                i + 1
            ),
            quote(tokens[i]),
        )),
    };
    let cols = size(2, "xdim, the number of columns")?;
    let rows = size(3, "ydim, the number of rows")?;
    let neighbourhood = spelled(SHAPES, Shape::name, tokens[4]).ok_or_else(|| {
        bad(
            "the neighbourhood `bubble` or `gaussian` as the header's 5th token",
            quote(tokens[4]),
        )
    })?;
    if let Err(e) = Grid::with(rows, cols, topology, Boundary::Planar) {
        return Err(bad("a usable map size", format!("{cols} x {rows}: {e}")));
    }
    Ok((dim, topology, cols, rows, neighbourhood))
}

/// The vectors of the lines after a data file's header: `take` of them (or all) after passing
/// over `skip` (unparsed: another reader's), with their labels (none if no vector has one).
pub(crate) fn vectors<R: BufRead>(
    lines: &mut Lines<'_, R>,
    name: &str,
    dim: usize,
    mut skip: usize,
    take: usize,
) -> Result<(Vec<f32>, Vec<Option<String>>)> {
    let (mut data, mut labels) = (Vec::new(), Vec::new());
    while labels.len() < take
        && let Some(line) = lines.next_data(Skip::TEXT)?
    {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        labels.push(vector(name, line, dim, &mut data)?);
    }
    if labels.iter().all(Option::is_none) {
        labels = Vec::new();
    }
    Ok((data, labels))
}

/// Parses `dim` numbers of one vector line onto `out`; returns the label after them, if any.
fn vector(name: &str, line: Line<'_>, dim: usize, out: &mut Vec<f32>) -> Result<Option<String>> {
    let mut tokens = line.text.split_whitespace();
    let line = line.number;
    for c in 0..dim {
        let Some(token) = tokens.next() else {
            return Err(parse_error(
                name,
                Some(line),
                format!("{dim} numbers"),
                format!("{c} numbers"),
            ));
        };
        match number(token) {
            Number::Finite(v) => out.push(v),
            // SOM_PAK's missing value; whether it is an error is the map's choice.
            Number::Missing => out.push(f32::NAN),
            _ if token == "x" => out.push(f32::NAN),
            Number::NonFinite => {
                return Err(parse_error(
                    name,
                    Some(line),
                    format!("a finite number in column {}", c + 1),
                    quote(token),
                ));
            }
            Number::Text => {
                return Err(parse_error(
                    name,
                    Some(line),
                    format!("{dim} numbers, then an optional label"),
                    format!("{c} numbers, then {}", quote(token)),
                ));
            }
        }
    }
    let label: Vec<&str> = tokens.collect();
    Ok((!label.is_empty()).then(|| label.join(" ")))
}

/// Labels are optional; where given there is one per vector, each on one line.
fn check_labels(name: &str, labels: &[Option<String>], n: usize) -> Result<()> {
    if !labels.is_empty() && labels.len() != n {
        return Err(Error::Invalid(format!(
            "cannot write {name}: {} labels for {n} vectors",
            labels.len()
        )));
    }
    if let Some(bad) = labels
        .iter()
        .flatten()
        .find(|l| l.contains(['\n', '\r', '\0', '\u{feff}']) || l.trim() != l.as_str())
    {
        return Err(Error::Invalid(format!(
            "cannot write {name}: the label {} has a line break, a NUL, a byte order mark \
             (U+FEFF) or surrounding whitespace, which a line of a text file cannot hold",
            quote(bad)
        )));
    }
    Ok(())
}

/// One line per vector: its values separated by spaces, then its label if it has one.
fn write_vectors<W: Write>(
    writer: &mut BufWriter<W>,
    name: &str,
    data: &[f32],
    dim: usize,
    labels: &[Option<String>],
) -> Result<()> {
    let io = |e| io_error(name, e);
    for (i, v) in data.chunks_exact(dim).enumerate() {
        for (c, &x) in v.iter().enumerate() {
            if c > 0 {
                writer.write_all(b" ").map_err(io)?;
            }
            write_number(writer, x).map_err(io)?;
        }
        if let Some(Some(label)) = labels.get(i)
            && !label.is_empty()
        {
            write!(writer, " {label}").map_err(io)?;
        }
        writer.write_all(b"\n").map_err(io)?;
    }
    writer.flush().map_err(io)
}
