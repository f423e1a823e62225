//! Text data files (CSV and SOM_PAK `.dat`) read by parts: each process of a job scans only
//! its own byte range, cut at line starts, then reads the samples it is given, numbered and
//! checked as the whole-file readers do.

use super::Format;
use super::csv::{BOM_BYTES, CsvLayout, Delimiter, Mark, csv_layout, holds_data, read_csv_part};
use super::sompak::{dat_header, vectors};
use super::text::{Lines, MAX_LINE, io_error, is_skippable, parse_error};
use crate::error::{Error, Result};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;

/// A CSV or SOM_PAK `.dat` data file, to be read by parts: what its start says (delimiter,
/// header, dimension) is read on opening, the samples later, a part at a time.
#[derive(Debug)]
pub struct TextFile {
    file: File,
    name: String,
    kind: Kind,
    body: Body,
    dim: usize,
    /// The file's length in bytes.
    len: u64,
}

#[derive(Debug)]
enum Kind {
    Csv(CsvLayout),
    Dat,
}

/// Where the lines that may hold samples start: past a CSV file's header, a `.dat` file's
/// dimension line.
#[derive(Debug, Clone, Copy)]
struct Body {
    byte: u64,
    line: usize,
}

/// The lines that start in a byte range of a [`TextFile`] (a line belongs to the range that
/// holds its first byte), and the samples among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Span {
    /// The first line's first byte (the range's end if no line starts in it).
    pub(crate) start: u64,
    pub(crate) lines: usize,
    pub(crate) samples: usize,
}

/// Bytes read from the file at a time.
const BUFFER: usize = 1 << 16;

impl TextFile {
    /// Opens the `.csv` or `.dat` file at `path` and reads its start: a CSV file's delimiter
    /// (`delimiter`, or detected as [`super::read_csv`] does), header and first row, a `.dat`
    /// file's header. Where `dim` is given, the file's must match it.
    ///
    /// # Errors
    /// [`Error::Invalid`] for another extension or another dimension; the readers' errors on
    /// the file's start; [`Error::Io`] if it cannot be read.
    pub fn open(
        path: impl AsRef<Path>,
        dim: Option<usize>,
        delimiter: Option<Delimiter>,
    ) -> Result<Self> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let format = Format::from_path(path)?;
        let file = File::open(path).map_err(|e| io_error(&name, e))?;
        let len = file.metadata().map_err(|e| io_error(&name, e))?.len();
        let reader = BufReader::with_capacity(BUFFER, &file);
        let (kind, found, body) = match format {
            Format::Csv => {
                let layout = csv_layout(reader, &name, delimiter)?;
                let dim = layout.dim().ok_or_else(|| {
                    parse_error(&name, None, "at least one row of numbers", "only a header")
                })?;
                let body = match layout.header_line() {
                    Some(header) => line_start(&file, &name, header + 1)?,
                    None => Body { byte: 0, line: 1 },
                };
                (Kind::Csv(layout), dim, body)
            }
            Format::Dat => {
                let mut lines = Lines::new(reader, &name);
                let dim = dat_header(&mut lines, &name)?;
                let body = Body {
                    byte: lines.consumed(),
                    line: lines.number() + 1,
                };
                (Kind::Dat, dim, body)
            }
            other => {
                return Err(Error::Invalid(format!(
                    "{name}: .{} is not a text data file read by parts; expected .csv or .dat",
                    other.extension()
                )));
            }
        };
        if let Some(d) = dim
            && d != found
        {
            return Err(Error::Invalid(format!(
                "{name}: samples of dim {found} but dim {d} was given"
            )));
        }
        Ok(Self {
            file,
            name,
            kind,
            body,
            dim: found,
            len,
        })
    }

    /// Values per sample.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The file's name, as errors say it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file's length in bytes.
    pub fn bytes(&self) -> u64 {
        self.len
    }

    /// A CSV file's column names, from its header.
    pub fn columns(&self) -> Option<&[String]> {
        match &self.kind {
            Kind::Csv(layout) => layout.columns.as_deref(),
            Kind::Dat => None,
        }
    }

    /// Whether `line` (with its line end), starting at byte `at`, holds a sample: the rule of
    /// the whole-file reader (a CSV line that is not UTF-8 counts; reading it says what is
    /// wrong).
    fn holds_sample(&self, line: &[u8], at: u64) -> bool {
        if at < self.body.byte {
            return false;
        }
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = match line.strip_prefix(BOM_BYTES) {
            Some(rest) if at == 0 => rest,
            _ => line,
        };
        match &self.kind {
            Kind::Csv(layout) => holds_data(line, Some(layout.delimiter)),
            Kind::Dat => std::str::from_utf8(line).is_ok_and(|t| !is_skippable(t)),
        }
    }

    /// A reader of the file from byte `at`.
    fn reader_at(&self, at: u64) -> Result<BufReader<&File>> {
        let mut reader = BufReader::with_capacity(BUFFER, &self.file);
        reader
            .seek(SeekFrom::Start(at))
            .map_err(|e| io_error(&self.name, e))?;
        Ok(reader)
    }

    /// Reads a line onto `line` (cleared first); its length in bytes, 0 at the end.
    fn next_line(&self, reader: &mut impl BufRead, line: &mut Vec<u8>, at: u64) -> Result<usize> {
        line.clear();
        let n = reader
            .by_ref()
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', line)
            .map_err(|e| io_error(&self.name, e))?;
        if n > MAX_LINE {
            return Err(parse_error(
                &self.name,
                None,
                format!("lines of at most {}", super::bytes(MAX_LINE as u64)),
                format!("a longer one at byte {at}"),
            ));
        }
        Ok(n)
    }

    /// The lines that start in `bytes`, and the samples among them.
    ///
    /// # Errors
    /// [`Error::Io`] if reading fails; [`Error::Parse`] for a line longer than
    /// [`MAX_LINE`].
    pub(crate) fn span(&self, bytes: Range<u64>) -> Result<Span> {
        let end = bytes.end.min(self.len);
        let mut at = bytes.start.min(end);
        let mut reader = self.reader_at(at.saturating_sub(1))?;
        let mut line = Vec::new();
        if at > 0 {
            // The rest of the line that holds the byte before: its owner's.
            at += self.next_line(&mut reader, &mut line, at)? as u64 - 1;
        }
        let mut span = Span {
            start: at.min(end),
            ..Span::default()
        };
        while at < end {
            let n = self.next_line(&mut reader, &mut line, at)?;
            if n == 0 {
                break;
            }
            // Every line of a .dat file is text, comments too (as its whole-file reader says).
            if let (Kind::Dat, Err(e)) = (&self.kind, std::str::from_utf8(&line)) {
                let bad = at + e.valid_up_to() as u64;
                return Err(parse_error(
                    &self.name,
                    None,
                    "UTF-8 text",
                    format!("the byte 0x{:02x} at byte {bad}", line[e.valid_up_to()]),
                ));
            }
            span.lines += 1;
            span.samples += usize::from(self.holds_sample(&line, at));
            at += n as u64;
        }
        Ok(span)
    }

    /// Reads `take` samples after passing over `skip` (another reader's), from byte `start`,
    /// the start of line `line`: the values, and the decimal mark they use (CSV).
    ///
    /// # Errors
    /// As the whole-file readers, naming the file's lines; [`Error::Invalid`] if fewer than
    /// `take` samples follow (the file changed since it was counted).
    pub(crate) fn read(
        &self,
        start: u64,
        line: usize,
        skip: usize,
        take: usize,
    ) -> Result<(Vec<f32>, Mark)> {
        // Past the header, whose lines hold no sample (the first part starts before it).
        let (start, line) = if start < self.body.byte {
            (self.body.byte, self.body.line)
        } else {
            (start, line)
        };
        let reader = self.reader_at(start)?;
        let (data, mark) = match &self.kind {
            Kind::Csv(layout) => read_csv_part(reader, &self.name, layout, line, skip, take)?,
            Kind::Dat => {
                let mut lines = Lines::after(reader, &self.name, line.saturating_sub(1));
                (
                    vectors(&mut lines, &self.name, self.dim, skip, take)?.0,
                    None,
                )
            }
        };
        let got = data.len() / self.dim;
        if got != take {
            return Err(Error::Invalid(format!(
                "{}: {take} samples from line {line} on (after {skip} others) expected, as counted before; {got} read (did the file change?)",
                self.name
            )));
        }
        Ok((data, mark))
    }
}

/// Where line `line` of a file starts.
fn line_start(file: &File, name: &str, line: usize) -> Result<Body> {
    let mut reader = BufReader::with_capacity(BUFFER, file);
    reader
        .seek(SeekFrom::Start(0))
        .map_err(|e| io_error(name, e))?;
    let mut byte = 0;
    let mut skipped = Vec::new();
    for _ in 1..line {
        skipped.clear();
        byte += reader
            .read_until(b'\n', &mut skipped)
            .map_err(|e| io_error(name, e))? as u64;
    }
    Ok(Body { byte, line })
}
