//! Numbers separated by commas, semicolons or tabs, as spreadsheets write them: one sample per
//! line, with an optional header row. Read through the `csv` crate.

use super::Dataset;
use super::text::{
    MAX_LINE, Number, check_table, io_error, number, parse_error, quote, write_number,
};
use crate::error::{Error, Result};
use csv::ByteRecord;
use std::collections::VecDeque;
use std::io::{BufRead, BufWriter, Cursor, Read, Write};

/// The byte order mark: skipped at the very start of a file, an error anywhere else.
const BOM: char = '\u{feff}';

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
/// quoted header field followed by anything but the delimiter, text that is not UTF-8, a byte
/// order mark past the start of the file, a line longer than [`MAX_LINE`](super::MAX_LINE),
/// or a file with no rows; [`Error::Io`](crate::Error::Io) if reading fails.
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
    let (mut reading, layout) = begin(Whole(reader), name, delimiter)?;
    reading.rest(usize::MAX)?;
    let Some((_, dim)) = reading.table.first else {
        return Err(parse_error(
            name,
            None,
            "at least one row of numbers",
            "only a header",
        ));
    };
    Ok(Dataset {
        data: reading.table.data,
        dim,
        columns: layout.columns,
        labels: Vec::new(),
    })
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
}

impl CsvLayout {
    /// Values per row.
    pub(crate) fn dim(&self) -> Option<usize> {
        self.first.map(|(_, dim)| dim)
    }

    /// The header's line, if there is one.
    pub(crate) fn header_line(&self) -> Option<usize> {
        self.header.map(|(line, _)| line)
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
    begin(Whole(reader), name, delimiter).map(|(_, layout)| layout)
}

/// A decimal mark a file uses, and where it was first seen (line, column).
pub(crate) type Mark = Option<(u8, usize, usize)>;

/// Reads the start of a CSV file: its delimiter (given, or detected), its header, if any, and
/// its first row (the second too, which the header rule looks at).
fn begin<'a, R: Numbered>(
    reader: R,
    name: &'a str,
    delimiter: Option<Delimiter>,
) -> Result<(Reading<'a, R>, CsvLayout)> {
    let mut guard = Guard::new(reader);
    let prefix = read_prefix(&mut guard, name)?;
    let delimiter = delimiter.unwrap_or_else(|| detect(&prefix));
    let mut reading = Reading::new(guard, prefix, name, delimiter);
    let mut record = ByteRecord::new();
    let Some(row) = reading.records.next(&mut record)? else {
        return Err(parse_error(
            name,
            None,
            "at least one row of numbers",
            "no rows",
        ));
    };
    let quoted1 = reading.records.raw(&row).contains(&b'"');
    let mut second = ByteRecord::new();
    let row2 = reading.records.next(&mut second)?;
    let quoted2 = row2
        .as_ref()
        .is_some_and(|r| reading.records.raw(r).contains(&b'"'));
    // A first line of numbers (some may be missing, not all) is data; anything else a header.
    let kinds: Vec<Number> = record.iter().map(|f| reading.numbers.parse(f).0).collect();
    let numeric = kinds.iter().all(|k| !matches!(k, Number::Text))
        && kinds.iter().any(|k| !matches!(k, Number::Missing));
    let mut columns = None;
    if !numeric || (quoted1 && row2.is_some() && !quoted2) {
        let names = header(
            &record,
            reading.records.raw(&row),
            delimiter,
            name,
            row.line,
        )?;
        reading.table.header = Some((row.line, names.len()));
        columns = Some(names);
    } else {
        reading.push(&record, row.line)?;
    }
    match row2 {
        Some(row2) => reading.push(&second, row2.line)?,
        None => reading.ended = true,
    }
    let layout = CsvLayout {
        delimiter,
        columns,
        header: reading.table.header,
        first: reading.table.first,
    };
    Ok((reading, layout))
}

/// Reads `take` rows of a CSV file laid out as `layout` (all that are left, if fewer), after
/// passing over `skip` (unparsed: another reader's), from `reader` at the start of line `line`,
/// a line after the header. Returns the values and the decimal mark they use.
///
/// # Errors
/// As [`read_csv_with`], naming the file's lines.
pub(crate) fn read_csv_part<R: BufRead>(
    reader: R,
    name: &str,
    layout: &CsvLayout,
    line: usize,
    skip: usize,
    take: usize,
) -> Result<(Vec<f32>, Mark)> {
    let lines = RowLines::new(reader, name, layout.delimiter, line, skip);
    let mut reading = Reading::new(Guard::new(lines), Vec::new(), name, layout.delimiter);
    reading.table.header = layout.header;
    reading.table.first = layout.first;
    reading.rest(take)?;
    Ok((reading.table.data, reading.numbers.mark))
}

/// A CSV file being read: its records, numbers and the table of rows so far.
struct Reading<'a, R> {
    records: Records<'a, R>,
    numbers: Numbers,
    table: Table<'a>,
    /// Whether the records have ended.
    ended: bool,
}

impl<'a, R: Numbered> Reading<'a, R> {
    /// A reading of the stream under `guard`, whose first bytes, `prefix`, were read already.
    fn new(guard: Guard<R>, prefix: Vec<u8>, name: &'a str, delimiter: Delimiter) -> Self {
        let mut guard = guard;
        guard.end = MAX_LINE as u64;
        Self {
            records: Records {
                reader: csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .comment(Some(b'#'))
                    .delimiter(delimiter.byte())
                    // Only a line feed ends a record (the guard adds one at the end), so that
                    // lines can be counted from the reader's position; a `\r` before it is
                    // trimmed.
                    .terminator(csv::Terminator::Any(b'\n'))
                    .buffer_capacity(1 << 16)
                    .from_reader(Cursor::new(prefix).chain(guard)),
                name,
            },
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
            ended: false,
        }
    }

    /// Adds the row of `record`, on `line`.
    fn push(&mut self, record: &ByteRecord, line: usize) -> Result<()> {
        self.table.push(record, line, &mut self.numbers)
    }

    /// Reads up to `take` more rows.
    fn rest(&mut self, take: usize) -> Result<()> {
        let mut record = ByteRecord::new();
        let mut taken = 0;
        while taken < take && !self.ended {
            match self.records.next(&mut record)? {
                Some(row) => self.push(&record, row.line)?,
                None => self.ended = true,
            }
            taken += 1;
        }
        Ok(())
    }
}

/// The stream under the `csv` reader: counts lines, and hands out at most [`MAX_LINE`] bytes
/// past `end` (set after each record) so that a file without line ends, or with a double quote
/// left open, cannot take all the memory.
struct Guard<R> {
    inner: R,
    /// Bytes handed out so far.
    handed: u64,
    /// No byte past this one is handed out.
    end: u64,
    /// The line of the next byte.
    line: usize,
    /// Whether the stream has ended (and the guard has handed out its line feed).
    ended: bool,
    /// Whether reading stopped at `end`.
    over: bool,
}

impl<R> Guard<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            handed: 0,
            end: u64::MAX,
            line: 1,
            ended: false,
            over: false,
        }
    }
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let room = self.end.saturating_sub(self.handed);
        if room == 0 && !buf.is_empty() {
            self.over = true;
            return Err(std::io::Error::other("line too long"));
        }
        let len = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let mut n = self.inner.read(&mut buf[..len])?;
        if n == 0 && !self.ended && !buf.is_empty() {
            // A line feed after the last line, whether it has one or not: every record ends
            // with one, except one that a double quote left open runs to the end.
            self.ended = true;
            buf[0] = b'\n';
            n = 1;
        }
        self.line += buf[..n].iter().filter(|&&b| b == b'\n').count();
        self.handed += n as u64;
        Ok(n)
    }
}

/// Reads the start of the stream, enough for the first lines that hold data (two for the
/// header rule, up to five or 64 KiB for the delimiter).
fn read_prefix<R: Read>(guard: &mut Guard<R>, name: &str) -> Result<Vec<u8>> {
    let mut prefix = Vec::new();
    let mut chunk = vec![0; 1 << 16];
    // Start of the line not yet complete, and complete lines that hold data.
    let (mut start, mut lines) = (0, 0);
    loop {
        let n = match guard.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_error(name, e)),
        };
        prefix.extend_from_slice(&chunk[..n]);
        while let Some(at) = prefix[start..].iter().position(|&b| b == b'\n') {
            lines += usize::from(holds_data(&prefix[start..start + at], None));
            start += at + 1;
        }
        if prefix.len() - start > MAX_LINE {
            let line = prefix[..start].iter().filter(|&&b| b == b'\n').count() + 1;
            return Err(long_line(name, line));
        }
        let enough = lines >= 5 || (lines >= 2 && prefix.len() >= 1 << 16);
        if n == 0 || enough || prefix.len() > MAX_LINE {
            break;
        }
    }
    Ok(prefix)
}

/// Whether a line (without its line end; the file's first line without a byte order mark)
/// holds a record: not a `#` comment, not blank (spaces, tabs, a `\r`, and no `delimiter`,
/// which makes a record of empty fields; any delimiter while it is not known).
pub(crate) fn holds_data(line: &[u8], delimiter: Option<Delimiter>) -> bool {
    let blank = line
        .iter()
        .all(|&b| matches!(b, b' ' | b'\t' | b'\r') && delimiter.is_none_or(|d| b != d.byte()));
    !blank && !line.starts_with(b"#")
}

/// The byte order mark in UTF-8.
pub(crate) const BOM_BYTES: &[u8] = b"\xEF\xBB\xBF";

/// A stream under the csv reader that knows which line of the file each of its lines is.
trait Numbered: Read {
    /// The file's number of the stream's line `line` (both from 1).
    fn line(&self, line: usize) -> usize;
    /// The stream's lines before `line` are done with.
    fn done(&mut self, _line: usize) {}
    /// Why reading the stream failed, if it said.
    fn failed(&mut self) -> Option<Error> {
        None
    }
}

/// A whole file: its lines are the stream's.
struct Whole<R>(R);

impl<R: Read> Read for Whole<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> Numbered for Whole<R> {
    fn line(&self, line: usize) -> usize {
        line
    }
}

/// The rows of a part of a CSV file as a stream for the csv reader: the lines that hold one
/// (blank lines and comments left out), past the first `skip` of them, each numbered as in
/// the file.
struct RowLines<'a, R> {
    reader: R,
    name: &'a str,
    delimiter: Delimiter,
    /// The file's number of the next line to read.
    next: usize,
    skip: usize,
    /// The line being handed out, and how much of it was.
    line: Vec<u8>,
    at: usize,
    /// The file's numbers of the stream's lines from `first` on.
    numbers: VecDeque<usize>,
    first: usize,
    failed: Option<Error>,
}

impl<'a, R: BufRead> RowLines<'a, R> {
    fn new(reader: R, name: &'a str, delimiter: Delimiter, line: usize, skip: usize) -> Self {
        Self {
            reader,
            name,
            delimiter,
            next: line,
            skip,
            line: Vec::new(),
            at: 0,
            numbers: VecDeque::new(),
            first: 1,
            failed: None,
        }
    }

    /// Fails the stream with `e` (the csv reader's error carries an I/O error only).
    fn fail(&mut self, e: Error) -> std::io::Result<bool> {
        self.failed = Some(e);
        Err(std::io::Error::other("a bad line"))
    }

    /// Reads the next line that holds a row and is not skipped; `false` at the end.
    fn advance(&mut self) -> std::io::Result<bool> {
        loop {
            self.line.clear();
            self.at = 0;
            let n = (&mut self.reader)
                .take(MAX_LINE as u64 + 1)
                .read_until(b'\n', &mut self.line)?;
            if n == 0 {
                return Ok(false);
            }
            let number = self.next;
            self.next += 1;
            if n > MAX_LINE {
                return self.fail(long_line(self.name, number));
            }
            let text = self.line.strip_suffix(b"\n").unwrap_or(&self.line);
            let text = match text.strip_prefix(BOM_BYTES) {
                Some(rest) if number == 1 => rest,
                // The csv reader would drop it at the start of its stream: say it is misplaced.
                Some(_) => {
                    return self.fail(parse_error(
                        self.name,
                        Some(number),
                        "a byte order mark (U+FEFF) only at the start of the file",
                        "one at the start of the line",
                    ));
                }
                None => text,
            };
            if !holds_data(text, Some(self.delimiter)) {
                continue;
            }
            if self.skip > 0 {
                self.skip -= 1;
                continue;
            }
            self.numbers.push_back(number);
            return Ok(true);
        }
    }
}

impl<R: BufRead> Read for RowLines<'_, R> {
    /// As many lines as `buf` holds (a line a read would cost the csv reader a refill each).
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.failed.is_some() {
            return Err(std::io::Error::other("a bad line"));
        }
        let mut n = 0;
        while n < buf.len() {
            if self.at == self.line.len() {
                match self.advance() {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) if n == 0 => return Err(e),
                    // The lines before it first; the next read fails.
                    Err(_) => break,
                }
            }
            let m = (buf.len() - n).min(self.line.len() - self.at);
            buf[n..n + m].copy_from_slice(&self.line[self.at..self.at + m]);
            self.at += m;
            n += m;
        }
        Ok(n)
    }
}

impl<R: BufRead> Numbered for RowLines<'_, R> {
    fn line(&self, line: usize) -> usize {
        let known = line
            .checked_sub(self.first)
            .and_then(|i| self.numbers.get(i));
        // Past the lines read (the end of the stream): the line after the last.
        known.copied().unwrap_or(self.next)
    }

    fn failed(&mut self) -> Option<Error> {
        self.failed.take()
    }

    fn done(&mut self, line: usize) {
        while self.first < line && self.numbers.pop_front().is_some() {
            self.first += 1;
        }
    }
}

/// The delimiter of the first lines that hold data: the first of tab, `;` and `,` found
/// outside double quotes on each of them, else `,`.
fn detect(prefix: &[u8]) -> Delimiter {
    let lines: Vec<&[u8]> = prefix
        .split(|&b| b == b'\n')
        .filter(|l| holds_data(l, None))
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

/// The records of the file, through the `csv` crate.
struct Records<'a, R> {
    reader: csv::Reader<std::io::Chain<Cursor<Vec<u8>>, Guard<R>>>,
    name: &'a str,
}

/// Where a record is: its line, and the bytes from the end of the record before it (blank
/// lines and comments between included) to its line end.
struct Row {
    line: usize,
    bytes: std::ops::Range<u64>,
}

impl<R: Numbered> Records<'_, R> {
    /// Reads the next record that is not a blank line into `record`, or returns `None` at the
    /// end.
    fn next(&mut self, record: &mut ByteRecord) -> Result<Option<Row>> {
        loop {
            let more = match self.reader.read_byte_record(record) {
                Ok(more) => more,
                Err(e) => return Err(self.error(e)),
            };
            let end = self.reader.position().clone();
            self.reader.get_mut().get_mut().1.end = end.byte() + MAX_LINE as u64;
            if !more {
                return Ok(None);
            }
            // A record ends with a line feed, which the position counts, unless it ran to the
            // end of the stream.
            let guard = &self.reader.get_ref().get_ref().1;
            let ran_out = guard.ended && end.byte() == guard.handed;
            let line = (end.line() as usize).saturating_sub(usize::from(!ran_out));
            let row = Row {
                line: self.line(line),
                bytes: record.position().map_or(end.byte(), csv::Position::byte)..end.byte(),
            };
            let blank = record.len() == 1
                && !record[0].is_empty()
                && record[0].iter().all(|&b| matches!(b, b' ' | b'\t' | b'\r'))
                && !self.raw(&row).contains(&b'"');
            if blank {
                continue;
            }
            // Only a quoted field holds a line end: its closing double quote is missing.
            if let Some(c) = record
                .as_slice()
                .contains(&b'\n')
                .then(|| record.iter().position(|f| f.contains(&b'\n')))
                .flatten()
            {
                // The line where the field opened: before the line feeds the record holds.
                let feeds = record.iter().flatten().filter(|&&b| b == b'\n').count();
                let line = self.line(line.saturating_sub(feeds));
                return Err(parse_error(
                    self.name,
                    Some(line),
                    format!("a closing double quote for the field in column {}", c + 1),
                    "the end of the line",
                ));
            }
            self.reader.get_mut().get_mut().1.inner.done(line);
            return Ok(Some(row));
        }
    }

    /// The file's number of the stream's line `line`.
    fn line(&self, line: usize) -> usize {
        self.reader.get_ref().get_ref().1.inner.line(line)
    }

    /// The line of a record near the start of the file, as written, without its line end
    /// (empty if it lies past the bytes read first).
    fn raw(&self, row: &Row) -> &[u8] {
        let prefix = self.reader.get_ref().get_ref().0.get_ref();
        let range = usize::try_from(row.bytes.start).unwrap_or(usize::MAX)
            ..usize::try_from(row.bytes.end).unwrap_or(usize::MAX);
        let bytes = prefix.get(range).unwrap_or_default();
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let line = bytes.rsplit(|&b| b == b'\n').next().unwrap_or_default();
        // The `csv` reader skips a byte order mark at the start of the file.
        match line.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) if row.bytes.start == 0 && line.len() == bytes.len() => rest,
            _ => line,
        }
    }

    fn error(&mut self, e: csv::Error) -> Error {
        let line = e.position().map(|p| self.line(p.line() as usize));
        match e.into_kind() {
            csv::ErrorKind::Io(e) => {
                let guard = &mut self.reader.get_mut().get_mut().1;
                if let Some(failed) = guard.inner.failed() {
                    failed
                } else if guard.over {
                    let line = guard.line;
                    long_line(self.name, self.line(line))
                } else {
                    io_error(self.name, e)
                }
            }
            other => parse_error(self.name, line, "CSV", format!("{other:?}")),
        }
    }
}

fn long_line(name: &str, line: usize) -> Error {
    parse_error(
        name,
        Some(line),
        format!("a line of at most {}", super::bytes(MAX_LINE as u64)),
        "a longer one (is this a text file with line ends, its double quotes closed?)",
    )
}

/// The names of a header `record`, `raw` its bytes: quoted ones as they are, others without
/// surrounding spaces. The `csv` crate does not say which fields were quoted, nor refuse text
/// after a closing double quote (it joins it to the field): both are read from `raw`.
fn header(
    record: &ByteRecord,
    raw: &[u8],
    delimiter: Delimiter,
    name: &str,
    line: usize,
) -> Result<Vec<String>> {
    let cr = raw.ends_with(b"\r");
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let err = |expected: String, got: String| parse_error(name, Some(line), expected, got);
    let mut at = 0;
    let mut names = Vec::with_capacity(record.len());
    for (c, field) in record.iter().enumerate() {
        let quoted = raw.get(at) == Some(&b'"');
        // The reader leaves a `\r` before the line feed in the last field.
        let field = match field.strip_suffix(b"\r") {
            Some(f) if cr && quoted && c + 1 == record.len() => f,
            _ => field,
        };
        let text = utf8(field)
            .map_err(|got| err("UTF-8 text".into(), format!("{got} in column {}", c + 1)))?;
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
        if let Some(i) = text.find(BOM) {
            let text = String::from_utf8_lossy(raw);
            let char = text.find(BOM).map_or(i, |b| text[..b].chars().count());
            return Err(err(
                "a byte order mark (U+FEFF) only at the start of the file".into(),
                format!("one at character {} of the line", char + 1),
            ));
        }
        names.push(if quoted { text } else { text.trim() }.to_string());
    }
    Ok(names)
}

/// A field's text, or what came instead of UTF-8.
fn utf8(field: &[u8]) -> std::result::Result<&str, String> {
    std::str::from_utf8(field).map_err(|e| {
        let at = e.valid_up_to();
        format!("the byte 0x{:02x}", field[at])
    })
}

/// Numbers as the file writes them: a decimal point, or with `;` or tab a decimal comma, one
/// of the two in a whole file.
struct Numbers {
    /// Whether a decimal comma may be.
    comma: bool,
    /// The file's decimal mark and where it was first seen (line, column).
    mark: Option<(u8, usize, usize)>,
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
            Number::Text => {
                let text = utf8(field)
                    .map_err(|got| err("UTF-8 text".into(), format!("{got} in column {column}")))?;
                if text.contains(BOM) {
                    return Err(err(
                        "a byte order mark (U+FEFF) only at the start of the file".into(),
                        format!("one in column {column}"),
                    ));
                }
                Err(err(
                    format!("a number in column {column}"),
                    quote(text.trim_ascii()),
                ))
            }
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
    fn push(&mut self, record: &ByteRecord, line: usize, numbers: &mut Numbers) -> Result<()> {
        for (c, field) in record.iter().enumerate() {
            let v = numbers.value(field, self.name, line, c + 1)?;
            self.data.push(v);
        }
        let len = record.len();
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
