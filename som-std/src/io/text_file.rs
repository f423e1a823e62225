//! Text data files (CSV and SOM_PAK `.dat`) read by parts: each process of a job scans only
//! its own byte range, cut at line starts, then reads the samples it is given, numbered and
//! checked as the whole-file readers do (through the same [`Lines`]).

use super::Format;
use super::csv::{CsvLayout, Delimiter, Mark, csv_layout, read_csv_part};
use super::sompak::{dat_header, vectors};
use super::text::{Lines, MAX_LINE, Skip, io_error, renumber};
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
    /// Where the lines that may hold samples start (byte, line): past a CSV file's header, a
    /// `.dat` file's dimension line.
    body: (u64, usize),
    dim: usize,
    /// The file's length in bytes.
    len: u64,
}

#[derive(Debug)]
enum Kind {
    Csv(CsvLayout),
    Dat,
}

/// The lines that start in a byte range of a [`TextFile`] (a line belongs to the range that
/// holds its first byte), and the samples among them.
#[derive(Debug, Default)]
pub(crate) struct Span {
    /// The first line's first byte (the range's end if no line starts in it).
    pub(crate) start: u64,
    pub(crate) lines: usize,
    pub(crate) samples: usize,
    /// What is wrong with the range's lines (long, not text, a misplaced byte order mark),
    /// numbered from its first line, 1: known only once the lines before are counted.
    fault: Option<Error>,
}

impl Span {
    /// The fault, numbered as the file's lines, the span's first being `line`.
    pub(crate) fn fault(&mut self, line: usize) -> Result<()> {
        match self.fault.take() {
            Some(e) => Err(renumber(e, line.saturating_sub(1))),
            None => Ok(()),
        }
    }
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
        let (kind, found, body) = match format {
            Format::Csv => {
                let layout = csv_layout(&file, &name, delimiter)?;
                let dim = layout
                    .dim()
                    .ok_or_else(|| super::csv::only_a_header(&name))?;
                let body = layout.body;
                (Kind::Csv(layout), dim, body)
            }
            Format::Dat => {
                let mut lines = Lines::new(BufReader::with_capacity(BUFFER, &file), &name);
                let dim = dat_header(&mut lines, &name)?;
                (Kind::Dat, dim, (lines.position(), lines.number() + 1))
            }
            other => {
                return Err(Error::Invalid(format!(
                    "{name}: .{} is not a text data file read by parts; expected .csv or .dat",
                    other.extension()
                )));
            }
        };
        super::check_given_dim(&name, found, dim)?;
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

    /// Which lines hold no sample: the whole-file reader's rule.
    fn skip(&self) -> Skip {
        match &self.kind {
            Kind::Csv(layout) => Skip::csv(layout.delimiter.byte()),
            Kind::Dat => Skip::TEXT,
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

    /// The lines that start in `bytes`, and the samples among them; what is wrong with them
    /// is told once their numbers are known ([`Span::fault`]).
    ///
    /// # Errors
    /// [`Error::Io`] if reading fails.
    pub(crate) fn span(&self, bytes: Range<u64>) -> Result<Span> {
        let end = bytes.end.min(self.len);
        let mut at = bytes.start.min(end);
        let mut reader = self.reader_at(at.saturating_sub(1))?;
        if at > 0 {
            // The rest of the line that holds the byte before: its owner's (which says if it
            // is too long).
            let mut rest = Vec::new();
            let n = (&mut reader)
                .take(MAX_LINE as u64 + 1)
                .read_until(b'\n', &mut rest)
                .map_err(|e| io_error(&self.name, e))?;
            at = if rest.ends_with(b"\n") {
                at + n as u64 - 1
            } else {
                end.max(at)
            };
        }
        let mut span = Span {
            start: at.min(end),
            ..Span::default()
        };
        let mut lines = Lines::at(reader, &self.name, at, 0);
        let skip = self.skip();
        while lines.position() < end {
            let body = lines.position() >= self.body.0;
            match lines.next_line() {
                Ok(None) => break,
                Ok(Some(line)) => {
                    span.lines += 1;
                    if skip.holds_data(line.text.as_bytes()) {
                        if let Err(e) = super::text::check_bom(&self.name, line) {
                            span.fault = Some(e);
                            break;
                        }
                        span.samples += usize::from(body);
                    }
                }
                Err(e @ Error::Parse { .. }) => {
                    span.fault = Some(e);
                    break;
                }
                Err(e) => return Err(e),
            }
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
        let (start, line) = if start < self.body.0 {
            self.body
        } else {
            (start, line)
        };
        let mut lines = Lines::at(self.reader_at(start)?, &self.name, start, line - 1);
        let (data, mark) = match &self.kind {
            Kind::Csv(layout) => read_csv_part(&mut lines, &self.name, layout, skip, take)?,
            Kind::Dat => (
                vectors(&mut lines, &self.name, self.dim, skip, take)?.0,
                None,
            ),
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
