//! Comma-separated numbers, one sample per line, with an optional header row.

use super::Dataset;
use super::text::{Lines, Number, check_table, io_error, number, parse_error, quote, write_number};
use crate::error::Result;
use std::io::{BufReader, BufWriter, Read, Write};

/// The byte order mark: skipped at the very start of a file, an error anywhere else.
const BOM: char = '\u{feff}';

/// Reads comma-separated numbers: one sample per line, every line the same number of values.
///
/// Spaces and tabs around values are ignored, so are blank lines and lines starting with `#`.
/// A UTF-8 byte order mark at the very start of the file (as Excel writes) is skipped; one
/// anywhere else in a row or the header is an error (as from two files joined together).
///
/// A first line none of whose fields is a number is a header: its fields become
/// [`Dataset::columns`]. A header field may be quoted RFC 4180 style, `"..."` with a double
/// quote inside doubled (`""`); a quoted field is a name even if it looks like a number, and
/// keeps its commas and surrounding spaces. Spaces outside the quotes are ignored, and an
/// unquoted field is taken as it is, without its surrounding spaces. A first line with some
/// unquoted numbers is data, so a bad value there is an error rather than a row silently lost
/// as a header. `name` names the stream in errors.
///
/// # Errors
/// [`Error::Parse`](crate::Error::Parse) naming the line for a value that is not a number or
/// not finite (with its column), a row whose length differs from the first row's (both
/// lengths), a header whose length differs from the rows', a quoted header field without its
/// closing quote on the same line or followed by anything but a comma, a byte order mark
/// past the start of the file, or a file with no rows; [`Error::Io`](crate::Error::Io) if
/// reading fails.
///
/// # Example
/// ```
/// let ds = som_std::io::read_csv("r,g,b\n1,0,0\n0,0.5,1\n".as_bytes(), "colours.csv")?;
/// assert_eq!((ds.dim, ds.len()), (3, 2));
/// assert_eq!(ds.data, [1.0, 0.0, 0.0, 0.0, 0.5, 1.0]);
/// assert_eq!(ds.columns.unwrap(), ["r", "g", "b"]);
///
/// let ds = som_std::io::read_csv("\"2\",\"a, \"\"b\"\"\"\n1,2\n".as_bytes(), "q.csv")?;
/// assert_eq!(ds.columns.unwrap(), ["2", "a, \"b\""]);
/// # Ok::<(), som_std::Error>(())
/// ```
pub fn read_csv<R: Read>(reader: R, name: &str) -> Result<Dataset> {
    let mut lines = Lines::new(BufReader::new(reader), name);
    let mut data = Vec::new();
    let mut columns: Option<Vec<String>> = None;
    // Line and length of the first data row: every other row must match it.
    let mut first: Option<(usize, usize)> = None;
    let mut header_line = 0;
    while let Some((line, text)) = lines.next_content()? {
        // `Lines` has removed a byte order mark at the start of the file: any other is an error.
        if let Some(at) = text.find(BOM) {
            return Err(parse_error(
                name,
                Some(line),
                "a byte order mark (U+FEFF) only at the start of the file",
                format!(
                    "one at character {} of the line",
                    text[..at].chars().count() + 1
                ),
            ));
        }
        if first.is_none() && columns.is_none() {
            let fields = fields(text)
                .map_err(|(expected, got)| parse_error(name, Some(line), expected, got))?;
            if fields
                .iter()
                .all(|f| f.quoted || matches!(number(&f.text), Number::Text))
            {
                columns = Some(fields.into_iter().map(|f| f.text).collect());
                header_line = line;
                continue;
            }
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

/// A field of a line that may be a header: its text, and whether it was quoted.
struct Field {
    text: String,
    quoted: bool,
}

/// The comma-separated fields of `text`. A field whose first character (after spaces) is a
/// double quote runs to the next single double quote, with `""` standing for one; only spaces
/// may follow it before the comma or the end of the line. Any other field is the text up to
/// the next comma, without surrounding spaces. A line without double quotes splits at every
/// comma, as a data row does. Errors are what was expected and what came, for the caller to
/// place on its line.
fn fields(text: &str) -> std::result::Result<Vec<Field>, (String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let column = out.len() + 1;
        let Some(inner) = rest.trim_start().strip_prefix('"') else {
            let (field, next) = match rest.split_once(',') {
                Some((field, next)) => (field, Some(next)),
                None => (rest, None),
            };
            out.push(Field {
                text: field.trim().to_string(),
                quoted: false,
            });
            match next {
                Some(next) => rest = next,
                None => return Ok(out),
            }
            continue;
        };
        let mut name = String::new();
        let mut chars = inner.char_indices();
        let after = loop {
            match chars.next() {
                None => {
                    return Err((
                        format!("a closing double quote for the field in column {column}"),
                        "the end of the line".to_string(),
                    ));
                }
                Some((i, '"')) if inner[i + 1..].starts_with('"') => {
                    name.push('"');
                    chars.next();
                }
                Some((i, '"')) => break inner[i + 1..].trim_start(),
                Some((_, c)) => name.push(c),
            }
        };
        out.push(Field {
            text: name,
            quoted: true,
        });
        if after.is_empty() {
            return Ok(out);
        }
        match after.strip_prefix(',') {
            Some(next) => rest = next,
            None => {
                return Err((
                    format!(
                        "a comma or the end of the line after the closing double quote of \
                         column {column} (a double quote inside a quoted field is doubled)"
                    ),
                    quote(after),
                ));
            }
        }
    }
}

/// Whether a column name can be written as it is: it reads back the same unquoted, and as a
/// name (not a number, not a comment), in every program that reads CSV.
fn plain(column: &str) -> bool {
    !column.is_empty()
        && column.trim() == column
        && !column.starts_with('#')
        && !column.contains([',', '"', '\r'])
        && matches!(number(column), Number::Text)
}

/// Writes a column name, in double quotes (a double quote inside doubled) unless it is
/// [`plain`].
fn write_column<W: Write>(w: &mut W, column: &str) -> std::io::Result<()> {
    if plain(column) {
        w.write_all(column.as_bytes())
    } else {
        write!(w, "\"{}\"", column.replace('"', "\"\""))
    }
}

/// Writes `data` (samples of `dim` values, row after row) as comma-separated lines, after a
/// header line of `columns` if given. Numbers are written with the fewest digits that read
/// back as the same `f32`, and a column name in double quotes (a double quote inside doubled)
/// unless it could be read as a number, a comment or anything but itself (an empty name, one
/// with a comma, a double quote, a carriage return or surrounding spaces, or one starting
/// with `#`), so [`read_csv`] returns exactly `data` and `columns`.
///
/// # Errors
/// [`Error::Invalid`](crate::Error::Invalid) if `dim` is 0, `data` is not a whole number of
/// samples, a value is not finite, or `columns` does not have `dim` names or a name holds a
/// line feed or a byte order mark (U+FEFF), which [`read_csv`] does not read back;
/// [`Error::Io`](crate::Error::Io) if writing fails.
///
/// # Example
/// ```
/// let columns = ["2".to_string(), "#4".to_string(), "a, \"b\"".to_string(), "c".to_string()];
/// let mut out = Vec::new();
/// som_std::io::write_csv(&mut out, "q.csv", &[1.0, 2.0, 3.0, 4.0], 4, Some(&columns))?;
/// assert_eq!(out, b"\"2\",\"#4\",\"a, \"\"b\"\"\",c\n1,2,3,4\n");
/// let ds = som_std::io::read_csv(out.as_slice(), "q.csv")?;
/// assert_eq!(ds.columns.unwrap(), columns);
/// # Ok::<(), som_std::Error>(())
/// ```
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
        if let Some(bad) = cols.iter().find(|c| c.contains(['\n', BOM])) {
            return Err(crate::Error::Invalid(format!(
                "cannot write {name}: the column name {} has a line feed or a byte order mark \
                 (U+FEFF), which a CSV header line cannot hold",
                quote(bad)
            )));
        }
    }
    let mut writer = BufWriter::new(writer);
    let io = |e| io_error(name, e);
    if let Some(cols) = columns {
        for (c, column) in cols.iter().enumerate() {
            if c > 0 {
                writer.write_all(b",").map_err(io)?;
            }
            write_column(&mut writer, column).map_err(io)?;
        }
        writer.write_all(b"\n").map_err(io)?;
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
