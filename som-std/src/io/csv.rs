//! Comma-separated numbers, one sample per line, with an optional header row.

use super::Dataset;
use super::text::{Lines, Number, check_table, io_error, number, parse_error, quote, write_number};
use crate::error::Result;
use std::io::{BufReader, BufWriter, Read, Write};

/// Reads comma-separated numbers: one sample per line, every line the same number of values.
///
/// Spaces and tabs around values are ignored, so are blank lines and lines starting with `#`.
/// A first line none of whose fields is a number is a header: its fields become
/// [`Dataset::columns`] (surrounding double quotes removed). A first line with some numbers is
/// data, so a bad value there is an error rather than a row silently lost as a header. `name` names the stream in errors.
///
/// # Errors
/// [`Error::Parse`](crate::Error::Parse) naming the line for a value that is not a number or
/// not finite (with its column), a row whose length differs from the first row's (both
/// lengths), a header whose length differs from the rows', or a file with no rows;
/// [`Error::Io`](crate::Error::Io) if reading fails.
///
/// # Example
/// ```
/// let ds = som_std::io::read_csv("r,g,b\n1,0,0\n0,0.5,1\n".as_bytes(), "colours.csv")?;
/// assert_eq!((ds.dim, ds.len()), (3, 2));
/// assert_eq!(ds.data, [1.0, 0.0, 0.0, 0.0, 0.5, 1.0]);
/// assert_eq!(ds.columns.unwrap(), ["r", "g", "b"]);
/// # Ok::<(), som_std::Error>(())
/// ```
pub fn read_csv<R: Read>(reader: R, name: &str) -> Result<Dataset> {
    let mut lines = Lines::new(BufReader::new(reader), name);
    let mut data = Vec::new();
    let mut columns = None;
    // Line and length of the first data row: every other row must match it.
    let mut first: Option<(usize, usize)> = None;
    let mut header_line = 0;
    while let Some((line, text)) = lines.next_content()? {
        if first.is_none() && columns.is_none() && no_numbers(text) {
            columns = Some(text.split(',').map(header_field).collect::<Vec<_>>());
            header_line = line;
            continue;
        }
        let before = data.len();
        for (c, field) in text.split(',').enumerate() {
            let field = field.trim();
            match number(field) {
                Number::Finite(v) => data.push(v),
                Number::NonFinite => {
                    return Err(parse_error(
                        name,
                        Some(line),
                        format!("a finite number in column {}", c + 1),
                        quote(field),
                    ));
                }
                Number::Text => {
                    return Err(parse_error(
                        name,
                        Some(line),
                        format!("a number in column {}", c + 1),
                        quote(field),
                    ));
                }
            }
        }
        let len = data.len() - before;
        match first {
            None => {
                if let Some(cols) = &columns
                    && cols.len() != len
                {
                    return Err(parse_error(
                        name,
                        Some(line),
                        format!(
                            "{} values (as many as the header on line {header_line} names)",
                            cols.len()
                        ),
                        format!("{len} values"),
                    ));
                }
                first = Some((line, len));
            }
            Some((first_line, dim)) if dim != len => {
                return Err(parse_error(
                    name,
                    Some(line),
                    format!("{dim} values (as on line {first_line})"),
                    format!("{len} values"),
                ));
            }
            Some(_) => {}
        }
    }
    let Some((_, dim)) = first else {
        return Err(parse_error(
            name,
            None,
            "at least one row of numbers",
            if columns.is_some() {
                "only a header"
            } else {
                "no rows"
            },
        ));
    };
    Ok(Dataset {
        data,
        dim,
        columns,
        labels: Vec::new(),
    })
}

/// Whether no comma-separated field of `text` is a number (finite or not): a header. A line
/// with some numbers is data, so a bad value in the first row is an error, never a row
/// silently taken for a header.
fn no_numbers(text: &str) -> bool {
    text.split(',')
        .all(|f| matches!(number(f.trim()), Number::Text))
}

/// A header field without surrounding spaces and double quotes.
fn header_field(field: &str) -> String {
    let f = field.trim();
    f.strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .unwrap_or(f)
        .to_string()
}

/// Writes `data` (samples of `dim` values, row after row) as comma-separated lines, after a
/// header line of `columns` if given. Numbers are written with the fewest digits that read
/// back as the same `f32`, so [`read_csv`] returns exactly `data`.
///
/// # Errors
/// [`Error::Invalid`](crate::Error::Invalid) if `dim` is 0, `data` is not a whole number of
/// samples, a value is not finite, or `columns` does not have `dim` names or a name holds a
/// comma, a line break or a double quote; [`Error::Io`](crate::Error::Io) if writing fails.
pub fn write_csv<W: Write>(
    writer: W,
    name: &str,
    data: &[f32],
    dim: usize,
    columns: Option<&[String]>,
) -> Result<()> {
    check_table(name, data, dim)?;
    if let Some(cols) = columns {
        if cols.len() != dim {
            return Err(crate::Error::Invalid(format!(
                "cannot write {name}: {} column names for samples of dim {dim}",
                cols.len()
            )));
        }
        if let Some(bad) = cols
            .iter()
            .find(|c| c.contains([',', '"', '\n', '\r']) || c.trim() != c.as_str())
        {
            return Err(crate::Error::Invalid(format!(
                "cannot write {name}: the column name {} has a comma, quote, line break or \
                 surrounding space",
                quote(bad)
            )));
        }
    }
    let mut writer = BufWriter::new(writer);
    let io = |e| io_error(name, e);
    if let Some(cols) = columns {
        writeln!(writer, "{}", cols.join(",")).map_err(io)?;
    }
    for sample in data.chunks_exact(dim) {
        for (c, &v) in sample.iter().enumerate() {
            if c > 0 {
                writer.write_all(b",").map_err(io)?;
            }
            write_number(&mut writer, v).map_err(io)?;
        }
        writer.write_all(b"\n").map_err(io)?;
    }
    writer.flush().map_err(io)
}
