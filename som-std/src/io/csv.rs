//! Numbers separated by commas, semicolons or tabs, as spreadsheets write them: one sample per
//! line, with an optional header row. Lines come from the one text reader ([`Lines`]), fields
//! are split by the `csv` crate's parser, rows written by its writer.

use super::Dataset;
use super::text::{
    Line, Lines, MAX_LINE, Number, Skip, check_table, io_error, number, parse_error, quote,
    write_number,
};
use crate::error::{Error, Result};
use std::io::{BufRead, BufReader, Cursor, Read, Write};

/// What separates the values of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    /// `,`
    Comma,
    /// `;`, as spreadsheets write CSV where the decimal mark is a comma.
    Semicolon,
    /// A tab, as spreadsheets write "text (tab-delimited)".
    Tab,
}

impl Delimiter {
    /// Detection's order: a semicolon or tab file often holds decimal commas as well, a comma
    /// file seldom holds semicolons or tabs.
    const DETECTED: [Delimiter; 3] = [Delimiter::Tab, Delimiter::Semicolon, Delimiter::Comma];

    /// The delimiter's byte.
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
        }
    }

    /// The delimiter in words, for messages.
    fn words(self) -> &'static str {
        match self {
            Delimiter::Comma => "a comma",
            Delimiter::Semicolon => "a semicolon",
            Delimiter::Tab => "a tab",
        }
    }
}

impl std::str::FromStr for Delimiter {
    type Err = Error;

    /// `,` or `comma`, `;` or `semicolon`, `tab` or a tab character.
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "," | "comma" => Ok(Delimiter::Comma),
            ";" | "semicolon" => Ok(Delimiter::Semicolon),
            "\t" | "tab" | "\\t" => Ok(Delimiter::Tab),
            _ => Err(Error::Invalid(format!(
                "delimiter {}: expected , ; or tab",
                quote(s)
            ))),
        }
    }
}

/// Reads delimited numbers, detecting the delimiter: [`read_csv_with`] without one given.
///
/// # Errors
/// As [`read_csv_with`].
///
/// # Example
/// ```
/// let ds = som_std::io::read_csv("r,g,b\n1,0,0\n0,0.5,1\n".as_bytes(), "colours.csv")?;
/// assert_eq!((ds.dim, ds.len()), (3, 2));
/// assert_eq!(ds.data, [1.0, 0.0, 0.0, 0.0, 0.5, 1.0]);
/// assert_eq!(ds.columns.unwrap(), ["r", "g", "b"]);
///
/// // A European spreadsheet: semicolons, decimal commas, quoted numbers.
/// let ds = som_std::io::read_csv("x;y\n\"1,5\";2\n".as_bytes(), "eu.csv")?;
/// assert_eq!(ds.data, [1.5, 2.0]);
/// # Ok::<(), som_std::Error>(())
/// ```
pub fn read_csv<R: Read>(reader: R, name: &str) -> Result<Dataset> {
    read_csv_with(reader, name, None)
}

/// Reads numbers separated by `delimiter`, or by the one the first lines show (the first of
/// tab, `;` and `,` found outside double quotes on each of them; `,` if none is): one sample
/// per line, every line the same number of values. `name` names the stream in errors.
///
/// Fields may be quoted RFC 4180 style (`"1.5"`, a double quote inside doubled); spaces and
/// tabs around a number are ignored. With `;` or tab as the delimiter a number may have a
/// decimal comma (`1,5`), as long as the file does not mix decimal commas and points. Blank
/// lines and lines starting with `#` are skipped. A UTF-8 byte order mark at the very start of
/// the file (as Excel writes) is skipped; one anywhere else is an error (as from two files
/// joined together).
///
/// The first line is a header, its fields [`Dataset::columns`], when one of its fields is not
/// a number, or when it has quoted fields and the second line has none (so [`write_csv`]'s
/// names that look like numbers read back as names). An unquoted name is taken without its
/// surrounding spaces, a quoted one as it is.
///
/// # Errors
/// [`Error::Parse`](crate::Error::Parse) naming the line (and the column where there is one)
/// for a value that is not a number or not finite, a decimal mark other than the file's first,
/// a row whose length differs from the first row's (both lengths), a header whose length
/// differs from the rows', a quoted field without its closing double quote on its line, a
/// quoted header field followed by anything but the delimiter, text that is not UTF-8 (UTF-16
/// and a NUL byte named as such) or ends its lines with carriage returns alone, a byte order
/// mark past the start of the file, a line longer than [`MAX_LINE`](super::MAX_LINE), or a
/// file with no rows; [`Error::Io`](crate::Error::Io) if reading fails.
///
/// # Example
/// ```
/// use som_std::io::{Delimiter, read_csv_with};
/// let ds = read_csv_with("1\t2\n3\t4\n".as_bytes(), "t.tsv", Some(Delimiter::Tab))?;
/// assert_eq!((ds.dim, ds.data), (2, vec![1.0, 2.0, 3.0, 4.0]));
/// # Ok::<(), som_std::Error>(())
/// ```
pub fn read_csv_with<R: Read>(
    reader: R,
    name: &str,
    delimiter: Option<Delimiter>,
) -> Result<Dataset> {
    let (mut lines, layout, mut reading) = start(reader, name, delimiter)?;
    reading.rows(&mut lines, 0, usize::MAX)?;
    if layout.first.is_none() {
        return Err(only_a_header(name));
    }
    Ok(Dataset {
        data: reading.table.data,
        dim: layout.dim().unwrap_or_default(),
        columns: layout.columns,
        labels: Vec::new(),
    })
}

pub(crate) fn only_a_header(name: &str) -> Error {
    parse_error(name, None, "at least one row of numbers", "only a header")
}

/// What the start of a CSV file says about the rest of it, for reading it by parts
/// ([`read_csv_part`]).
#[derive(Debug, Clone)]
pub(crate) struct CsvLayout {
    pub(crate) delimiter: Delimiter,
    /// The header's names, if there is a header.
    pub(crate) columns: Option<Vec<String>>,
    /// Line and length of the header, if there is one.
    header: Option<(usize, usize)>,
    /// Line and length of the first row (none: only a header).
    first: Option<(usize, usize)>,
    /// Where the lines that may hold rows start: the byte and the line past the header.
    pub(crate) body: (u64, usize),
}

impl CsvLayout {
    /// Values per row.
    pub(crate) fn dim(&self) -> Option<usize> {
        self.first.map(|(_, dim)| dim)
    }
}

/// The layout of a CSV file, from its start (`delimiter`, or the one detected).
///
/// # Errors
/// As [`read_csv_with`], for the first rows.
pub(crate) fn csv_layout<R: Read>(
    reader: R,
    name: &str,
    delimiter: Option<Delimiter>,
) -> Result<CsvLayout> {
    start(reader, name, delimiter).map(|(_, layout, _)| layout)
}

/// A decimal mark a file uses, and where it was first seen (line, column).
pub(crate) type Mark = Option<(u8, usize, usize)>;

/// The lines of a CSV file: the bytes read to detect the delimiter, then the rest.
type CsvLines<'a, R> = Lines<'a, std::io::Chain<Cursor<Vec<u8>>, BufReader<R>>>;

/// Reads the start of a CSV file: its delimiter (given, or detected), its header, if any, and
/// its first row (the second too, which the header rule looks at). Returns the lines after
/// them and the reading so far.
fn start<R: Read>(
    reader: R,
    name: &str,
    delimiter: Option<Delimiter>,
) -> Result<(CsvLines<'_, R>, CsvLayout, Reading<'_>)> {
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let prefix = read_prefix(&mut reader, name)?;
    let delimiter = delimiter.unwrap_or_else(|| detect(&prefix));
    let mut lines = Lines::new(Cursor::new(prefix).chain(reader), name);
    let mut reading = Reading::new(name, delimiter);
    let Some(line) = lines.next_data(reading.skip)? else {
        return Err(parse_error(
            name,
            None,
            "at least one row of numbers",
            "no rows",
        ));
    };
    let (at, raw) = (line.number, line.text.to_string());
    reading.fields.split(line, name)?;
    let body = (lines.position(), at + 1);
    let mut second = Fields::new(delimiter);
    let next = match lines.next_data(reading.skip)? {
        Some(line) => {
            second.split(line, name)?;
            Some((line.number, line.text.contains('"')))
        }
        None => None,
    };
    // A first line of numbers (some may be missing, not all) is data; anything else a header,
    // as is a first line with quotes before one without (as `write_csv` writes names that
    // look like numbers).
    let kinds: Vec<Number> = reading
        .fields
        .iter()
        .map(|f| reading.numbers.parse(f).0)
        .collect();
    let numeric = kinds.iter().all(|k| !matches!(k, Number::Text))
        && kinds.iter().any(|k| !matches!(k, Number::Missing));
    let quoted = raw.contains('"') && next.is_some_and(|(_, quoted)| !quoted);
    let mut columns = None;
    let body = if !numeric || quoted {
        let names = header(&reading.fields, raw.as_bytes(), delimiter, name, at)?;
        reading.table.header = Some((at, names.len()));
        columns = Some(names);
        body
    } else {
        reading.push(at)?;
        (0, 1)
    };
    if let Some((at, _)) = next {
        std::mem::swap(&mut reading.fields, &mut second);
        reading.push(at)?;
    }
    let layout = CsvLayout {
        delimiter,
        columns,
        header: reading.table.header,
        first: reading.table.first,
        body,
    };
    Ok((lines, layout, reading))
}

/// Reads `take` rows of a CSV file laid out as `layout` (all that are left, if fewer) from
/// `lines`, which start past the header, after passing over `skip` (unparsed: another
/// reader's). Returns the values and the decimal mark they use.
///
/// # Errors
/// As [`read_csv_with`], naming the file's lines.
pub(crate) fn read_csv_part<R: BufRead>(
    lines: &mut Lines<'_, R>,
    name: &str,
    layout: &CsvLayout,
    skip: usize,
    take: usize,
) -> Result<(Vec<f32>, Mark)> {
    let mut reading = Reading::new(name, layout.delimiter);
    reading.table.header = layout.header;
    reading.table.first = layout.first;
    reading.rows(lines, skip, take)?;
    Ok((reading.table.data, reading.numbers.mark))
}

/// A CSV file being read: its line rule, the fields of the line last split, its numbers and
/// the table of rows so far.
struct Reading<'a> {
    name: &'a str,
    skip: Skip,
    fields: Fields,
    numbers: Numbers,
    table: Table<'a>,
}

impl<'a> Reading<'a> {
    fn new(name: &'a str, delimiter: Delimiter) -> Self {
        Self {
            name,
            skip: Skip::csv(delimiter.byte()),
            fields: Fields::new(delimiter),
            numbers: Numbers {
                comma: delimiter != Delimiter::Comma,
                mark: None,
                scratch: String::new(),
            },
            table: Table {
                name,
                data: Vec::new(),
                first: None,
                header: None,
            },
        }
    }

    /// Adds the row of the fields last split, from `line`.
    fn push(&mut self, line: usize) -> Result<()> {
        self.table.push(&self.fields, line, &mut self.numbers)
    }

    /// Reads up to `take` rows from `lines`, after passing over `skip`.
    fn rows<R: BufRead>(
        &mut self,
        lines: &mut Lines<'_, R>,
        mut skip: usize,
        take: usize,
    ) -> Result<()> {
        let mut taken = 0;
        while taken < take
            && let Some(line) = lines.next_data(self.skip)?
        {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            self.fields.split(line, self.name)?;
            self.push(line.number)?;
            taken += 1;
        }
        Ok(())
    }
}

/// Reads the start of the stream, enough for the first lines that hold data (two for the
/// header rule, up to five or 64 KiB for the delimiter), or up to a line longer than
/// [`MAX_LINE`] (which the lines then refuse).
fn read_prefix<R: BufRead>(reader: &mut R, name: &str) -> Result<Vec<u8>> {
    let mut prefix = Vec::new();
    // Start of the line not yet complete, and complete lines that hold data.
    let (mut start, mut lines) = (0, 0);
    loop {
        let block = match reader.fill_buf() {
            Ok(block) => block,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_error(name, e)),
        };
        let n = block.len();
        let scanned = prefix.len();
        prefix.extend_from_slice(block);
        reader.consume(n);
        let mut from = scanned;
        while let Some(at) = prefix[from..].iter().position(|&b| b == b'\n') {
            lines += usize::from(Skip::TEXT.holds_data(&prefix[start..from + at]));
            start = from + at + 1;
            from = start;
        }
        let enough = lines >= 5 || (lines >= 2 && prefix.len() >= 1 << 16);
        // A NUL: not text, which the lines say at once.
        let binary = prefix[scanned..].contains(&0);
        if n == 0 || enough || binary || prefix.len() - start > MAX_LINE {
            return Ok(prefix);
        }
    }
}

/// The delimiter of the first lines that hold data: the first of tab, `;` and `,` found
/// outside double quotes on each of them, else `,`.
fn detect(prefix: &[u8]) -> Delimiter {
    let lines: Vec<&[u8]> = prefix
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(prefix)
        .split(|&b| b == b'\n')
        .filter(|l| Skip::TEXT.holds_data(l))
        .take(5)
        .collect();
    let on_every_line = |d: Delimiter| {
        !lines.is_empty()
            && lines.iter().all(|line| {
                let mut quoted = false;
                line.iter().any(|&b| {
                    quoted ^= b == b'"';
                    b == d.byte() && !quoted
                })
            })
    };
    Delimiter::DETECTED
        .into_iter()
        .find(|&d| on_every_line(d))
        .unwrap_or(Delimiter::Comma)
}

/// The fields of one line, split by the `csv` crate's parser: quoted fields RFC 4180 style,
/// each line one record (a quoted field does not hold a line end).
pub(crate) struct Fields {
    parser: csv_core::Reader,
    bytes: Vec<u8>,
    ends: Vec<usize>,
    len: usize,
}

impl Fields {
    pub(crate) fn new(delimiter: Delimiter) -> Self {
        Self {
            parser: csv_core::ReaderBuilder::new()
                .delimiter(delimiter.byte())
                .terminator(csv_core::Terminator::Any(b'\n'))
                .build(),
            bytes: vec![0; 1 << 10],
            ends: vec![0; 64],
            len: 0,
        }
    }

    /// Splits `line` into its fields (in time linear in its length, however many).
    ///
    /// # Errors
    /// [`Error::Parse`] naming the line and the column for a quoted field left open.
    pub(crate) fn split(&mut self, line: Line<'_>, name: &str) -> Result<()> {
        use csv_core::ReadRecordResult as Read;
        self.parser.reset();
        let (mut input, mut ended) = (line.text.as_bytes(), false);
        let (mut len, mut count) = (0, 0);
        loop {
            let (result, read, wrote, fields) =
                self.parser
                    .read_record(input, &mut self.bytes[len..], &mut self.ends[count..]);
            input = &input[read..];
            len += wrote;
            count += fields;
            match result {
                Read::Record | Read::End => break,
                Read::OutputFull => self.bytes.resize(2 * self.bytes.len(), 0),
                Read::OutputEndsFull => self.ends.resize(2 * self.ends.len(), 0),
                // The line end, which ends the record unless a quoted field is open.
                Read::InputEmpty if !ended => (input, ended) = (b"\n", true),
                Read::InputEmpty => {
                    return Err(parse_error(
                        name,
                        Some(line.number),
                        format!(
                            "a closing double quote for the field in column {}",
                            count + 1
                        ),
                        "the end of the line",
                    ));
                }
            }
        }
        self.len = count;
        Ok(())
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let ends = &self.ends[..self.len];
        ends.iter().enumerate().map(move |(i, &end)| {
            let start = if i == 0 { 0 } else { ends[i - 1] };
            &self.bytes[start..end]
        })
    }
}

/// The names of a header of `fields`, `raw` its line: quoted ones as they are, others without
/// surrounding spaces. The parser does not say which fields were quoted, nor refuse text after
/// a closing double quote (it joins it to the field): both are read from `raw`.
fn header(
    fields: &Fields,
    raw: &[u8],
    delimiter: Delimiter,
    name: &str,
    line: usize,
) -> Result<Vec<String>> {
    let err = |expected: String, got: String| parse_error(name, Some(line), expected, got);
    let mut at = 0;
    let mut names = Vec::with_capacity(fields.len());
    for (c, field) in fields.iter().enumerate() {
        // A field of UTF-8 text without its quotes.
        let text = String::from_utf8_lossy(field);
        let quoted = raw.get(at) == Some(&b'"');
        if quoted {
            // Past the closing quote: an escaped quote is two, so skip pairs.
            let mut i = at + 1;
            while i < raw.len() {
                match (raw[i], raw.get(i + 1)) {
                    (b'"', Some(b'"')) => i += 2,
                    (b'"', _) => break,
                    _ => i += 1,
                }
            }
            at = i + 1;
            if let Some(rest) = raw
                .get(at..)
                .filter(|r| !r.is_empty() && r[0] != delimiter.byte())
            {
                return Err(err(
                    format!(
                        "{} or the end of the line after the closing double quote of column {} \
                         (a double quote inside a quoted field is doubled)",
                        delimiter.words(),
                        c + 1
                    ),
                    quote(String::from_utf8_lossy(rest).trim_start()),
                ));
            }
        } else {
            at += field.len();
        }
        at += 1;
        names.push(if quoted { &text } else { text.trim() }.to_string());
    }
    Ok(names)
}

/// Numbers as the file writes them: a decimal point, or with `;` or tab a decimal comma, one
/// of the two in a whole file.
struct Numbers {
    /// Whether a decimal comma may be.
    comma: bool,
    /// The file's decimal mark and where it was first seen (line, column).
    mark: Mark,
    scratch: String,
}

impl Numbers {
    /// What `field` is as a number, without its surrounding spaces; its decimal mark, if any.
    fn parse(&mut self, field: &[u8]) -> (Number, Option<u8>) {
        let Ok(text) = std::str::from_utf8(field.trim_ascii()) else {
            return (Number::Text, None);
        };
        if !self.comma || !text.contains(',') {
            let mark = self.comma && text.contains('.');
            return (number(text), mark.then_some(b'.'));
        }
        if text.contains('.') || text.matches(',').count() > 1 {
            return (Number::Text, None);
        }
        self.scratch.clear();
        self.scratch
            .extend(text.chars().map(|c| if c == ',' { '.' } else { c }));
        (number(&self.scratch), Some(b','))
    }

    /// The value of the field in `column` (from 1) of `line`, or the error naming both.
    fn value(&mut self, field: &[u8], name: &str, line: usize, column: usize) -> Result<f32> {
        let err = |expected: String, got: String| parse_error(name, Some(line), expected, got);
        let (v, mark) = self.parse(field);
        match v {
            Number::Finite(v) => {
                if let Some(mark) = mark {
                    match self.mark {
                        None => self.mark = Some((mark, line, column)),
                        Some((m, l, c)) if m != mark => {
                            let words = |m| if m == b',' { "comma" } else { "point" };
                            return Err(err(
                                format!(
                                    "a number with a decimal {} in column {column}, as on line {l} \
                                     column {c} (one decimal mark in a file)",
                                    words(m)
                                ),
                                quote(&String::from_utf8_lossy(field)),
                            ));
                        }
                        Some(_) => {}
                    }
                }
                Ok(v)
            }
            Number::Missing => Ok(f32::NAN),
            Number::NonFinite => Err(err(
                format!("a finite number in column {column}"),
                quote(&String::from_utf8_lossy(field)),
            )),
            Number::Text => Err(err(
                format!("a number in column {column}"),
                quote(String::from_utf8_lossy(field).trim_ascii()),
            )),
        }
    }
}

/// The rows read so far.
struct Table<'a> {
    name: &'a str,
    data: Vec<f32>,
    /// Line and length of the first row: every other row must match it.
    first: Option<(usize, usize)>,
    /// Line and length of the header, if there is one.
    header: Option<(usize, usize)>,
}

impl Table<'_> {
    fn push(&mut self, fields: &Fields, line: usize, numbers: &mut Numbers) -> Result<()> {
        for (c, field) in fields.iter().enumerate() {
            let v = numbers.value(field, self.name, line, c + 1)?;
            self.data.push(v);
        }
        let len = fields.len();
        let err = |expected: String| {
            parse_error(self.name, Some(line), expected, format!("{len} values"))
        };
        match (self.first, self.header) {
            (None, Some((at, names))) if names != len => Err(err(format!(
                "{names} values (as many as the header on line {at} names)"
            ))),
            (None, _) => {
                self.first = Some((line, len));
                Ok(())
            }
            (Some((at, dim)), _) if dim != len => {
                Err(err(format!("{dim} values (as on line {at})")))
            }
            _ => Ok(()),
        }
    }
}

/// Whether a column name can be written as it is: it reads back the same unquoted, and as a
/// name (not a number, not a comment), in every program that reads CSV; a semicolon or tab
/// is quoted so that it cannot be taken for the delimiter.
fn plain(column: &str) -> bool {
    !column.is_empty()
        && column.trim() == column
        && !column.starts_with('#')
        && !column.contains([',', ';', '\t', '"', '\r'])
        && matches!(number(column), Number::Text)
}

/// Writes a column name, in double quotes (a double quote inside doubled) unless it is
/// [`plain`]: stricter than the `csv` crate's rule, which would not quote a name that reads
/// back as a number or a comment.
fn write_column(line: &mut Vec<u8>, column: &str) {
    if plain(column) {
        line.extend_from_slice(column.as_bytes());
    } else {
        line.push(b'"');
        line.extend_from_slice(column.replace('"', "\"\"").as_bytes());
        line.push(b'"');
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
        if let Some(bad) = cols.iter().find(|c| c.contains(['\n', '\u{feff}', '\0'])) {
            return Err(crate::Error::Invalid(format!(
                "cannot write {name}: the column name {} has a line feed or a byte order mark \
                 (U+FEFF) or a NUL, which a CSV header line cannot hold",
                quote(bad)
            )));
        }
    }
    let io = |e| io_error(name, e);
    let mut writer = writer;
    if let Some(cols) = columns {
        let mut line = Vec::new();
        for (c, column) in cols.iter().enumerate() {
            if c > 0 {
                line.push(b',');
            }
            write_column(&mut line, column);
        }
        line.push(b'\n');
        writer.write_all(&line).map_err(io)?;
    }
    let mut rows = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(writer);
    let mut field = Vec::new();
    for sample in data.chunks_exact(dim) {
        for &v in sample {
            field.clear();
            write_number(&mut field, v).map_err(io)?;
            rows.write_field(&field).map_err(|e| io(e.into()))?;
        }
        rows.write_record(None::<&[u8]>).map_err(|e| io(e.into()))?;
    }
    rows.flush().map_err(io)
}
