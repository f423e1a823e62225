//! The one text reader: every text input (CSV, SOM_PAK `.dat` and `.cod`, label files, parts of
//! data files read by byte range) comes through [`Lines`], which numbers its lines, caps their
//! length at [`MAX_LINE`], checks that they are UTF-8 text, and knows which carry no data
//! ([`Skip`]: blank lines and `#` comments) and where a byte order mark may be (only at the start
//! of the file). Whole-file texts (saved maps, histories) are read by [`read_whole`], capped too.
//! Also the formats' shared numbers and errors.

use crate::error::{Error, Result};
use std::io::{BufRead, Read, Write};

/// Longest line the text readers take (bytes): far above any real row, so that a file without
/// line ends cannot take all the memory.
pub const MAX_LINE: usize = 64 << 20;

/// Largest saved map (JSON) read or written (bytes): about 300 million values, far above any
/// map trained here, so that an endless stream cannot take all the memory.
pub const MAX_JSON: u64 = 4 << 30;

/// The byte order mark in UTF-8.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Which lines carry no data: blank lines (ASCII whitespace only, except a delimiter that is
/// whitespace: a line of tabs is a row of a tab-separated file) and, in the data formats, lines
/// whose first byte past the whitespace is `#`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Skip {
    delimiter: Option<u8>,
    comments: bool,
}

impl Skip {
    /// SOM_PAK files, and CSV files while their delimiter is not known.
    pub(crate) const TEXT: Skip = Skip {
        delimiter: None,
        comments: true,
    };

    /// Label files: one label per line, which may start with `#`.
    pub(crate) const LABELS: Skip = Skip {
        delimiter: Some(b','),
        comments: false,
    };

    /// A CSV file with this delimiter.
    pub(crate) fn csv(delimiter: u8) -> Skip {
        Skip {
            delimiter: Some(delimiter),
            comments: true,
        }
    }

    /// Whether a line (without its line end) holds data.
    pub(crate) fn holds_data(self, line: &[u8]) -> bool {
        let first = line
            .iter()
            .find(|&&b| !b.is_ascii_whitespace() || Some(b) == self.delimiter);
        first.is_some_and(|&b| !(self.comments && b == b'#'))
    }
}

/// A line read by [`Lines::next_line`]: its number and its text, without its line end (nor the
/// file's byte order mark).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<'t> {
    pub(crate) number: usize,
    pub(crate) text: &'t str,
}

/// The lines of a text stream (a file, or a part of one from a line start), numbered, capped at
/// [`MAX_LINE`] bytes, checked to be UTF-8 text without NUL bytes; the file's first line is
/// checked for the encodings and line ends that are not UTF-8 text with `\n` or `\r\n` ends
/// (UTF-16, carriage returns alone), and loses its byte order mark.
pub(crate) struct Lines<'a, R> {
    reader: R,
    name: &'a str,
    /// Number of the line last read (0 before the first).
    number: usize,
    /// Where the next line starts in the file.
    next: u64,
    bytes: Vec<u8>,
    /// The text of the current line inside `bytes`.
    text: std::ops::Range<usize>,
}

impl<'a, R: BufRead> Lines<'a, R> {
    /// The lines of a whole file.
    pub(crate) fn new(reader: R, name: &'a str) -> Self {
        Self::at(reader, name, 0, 0)
    }

    /// The lines of a stream that starts at byte `start` of a file, a line start, the start of
    /// line `before + 1`.
    pub(crate) fn at(reader: R, name: &'a str, start: u64, before: usize) -> Self {
        Self {
            reader,
            name,
            number: before,
            next: start,
            bytes: Vec::new(),
            text: 0..0,
        }
    }

    /// Where the next line starts in the file.
    pub(crate) fn position(&self) -> u64 {
        self.next
    }

    /// Number of the line last read (0 before the first).
    pub(crate) fn number(&self) -> usize {
        self.number
    }

    /// The next line, or `None` at the end of the stream.
    ///
    /// # Errors
    /// [`Error::Parse`] naming the line for one longer than [`MAX_LINE`], one that is not UTF-8
    /// text or holds a NUL byte, and a first line in UTF-16 or ended by carriage returns alone;
    /// [`Error::Io`] if reading fails.
    pub(crate) fn next_line(&mut self) -> Result<Option<Line<'_>>> {
        let start = self.next;
        let (n, nul) = self.read_line()?;
        if n == 0 {
            return Ok(None);
        }
        self.number += 1;
        self.next += n as u64;
        let first = start == 0;
        let err =
            |expected: &str, got: String| parse_error(self.name, Some(self.number), expected, got);
        let bytes = &self.bytes[..];
        if let Some(what) = first.then(|| encoding(bytes)).flatten() {
            return Err(err("UTF-8 text", format!("{what}: save it as UTF-8")));
        }
        if let Some(at) = nul {
            return Err(err(
                "text",
                format!(
                    "the byte 0x00 (NUL) at byte {} of the line (is this a binary file?)",
                    at + 1
                ),
            ));
        }
        let ended = bytes.ends_with(b"\n");
        let mut end = bytes.len() - usize::from(ended);
        end -= usize::from(bytes[..end].ends_with(b"\r"));
        if first && !ended && bytes[..end].contains(&b'\r') {
            return Err(err(
                "lines ended by a line feed (\\n or \\r\\n)",
                "carriage returns alone (\\r) ending them, as old Mac files do: convert the \
                 line ends"
                    .into(),
            ));
        }
        if n > MAX_LINE {
            return Err(err(
                &format!("a line of at most {}", super::bytes(MAX_LINE as u64)),
                "a longer one (is this a text file with line ends?)".into(),
            ));
        }
        let begin = if first && bytes.starts_with(BOM) {
            3
        } else {
            0
        };
        if let Err(e) = std::str::from_utf8(&bytes[begin..end]) {
            let at = begin + e.valid_up_to();
            return Err(err(
                "UTF-8 text",
                format!(
                    "the byte 0x{:02x} at byte {} of the line",
                    bytes[at],
                    at + 1
                ),
            ));
        }
        self.text = begin..end;
        Ok(Some(Line {
            number: self.number,
            // Checked to be UTF-8 above.
            text: std::str::from_utf8(&self.bytes[self.text.clone()]).unwrap_or_default(),
        }))
    }

    /// Reads the next line onto `bytes`: up to its line feed, [`MAX_LINE`] + 1 bytes or a NUL
    /// byte, whichever comes first (so that a binary file is refused at once). Returns its
    /// length so far and where the NUL is.
    fn read_line(&mut self) -> Result<(usize, Option<usize>)> {
        self.bytes.clear();
        loop {
            let block = match self.reader.fill_buf() {
                Ok(block) => block,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_error(self.name, e)),
            };
            let room = block.len().min(MAX_LINE + 1 - self.bytes.len());
            let (take, ended) = match block[..room].iter().position(|&b| b == b'\n') {
                Some(at) => (at + 1, true),
                None => (room, false),
            };
            let nul = block[..take].iter().position(|&b| b == 0);
            self.bytes.extend_from_slice(&block[..take]);
            self.reader.consume(take);
            let len = self.bytes.len();
            if let Some(at) = nul {
                return Ok((len, Some(len - take + at)));
            }
            if ended || take == 0 || len > MAX_LINE {
                return Ok((len, None));
            }
        }
    }

    /// The next line that holds data by `skip`, or `None` at the end.
    ///
    /// # Errors
    /// As [`Lines::next_line`]; a byte order mark in it ([`check_bom`]).
    pub(crate) fn next_data(&mut self, skip: Skip) -> Result<Option<Line<'_>>> {
        let name = self.name;
        loop {
            // Re-borrowed per line: the borrow checker cannot see that a skipped line is done.
            let Some(line) = self.next_line()? else {
                return Ok(None);
            };
            if skip.holds_data(line.text.as_bytes()) {
                check_bom(name, line)?;
                break;
            }
        }
        let text = std::str::from_utf8(&self.bytes[self.text.clone()]).unwrap_or_default();
        Ok(Some(Line {
            number: self.number,
            text,
        }))
    }
}

/// A byte order mark (U+FEFF) is taken only at the very start of a file, as editors write it:
/// anywhere else in a line that holds data it is an error naming the line (as from two files
/// joined together), never part of a value or a name. Comments hold what they like.
pub(crate) fn check_bom(name: &str, line: Line<'_>) -> Result<()> {
    match line.text.find('\u{feff}') {
        Some(at) => Err(parse_error(
            name,
            Some(line.number),
            "a byte order mark (U+FEFF) only at the start of the file",
            format!(
                "one at character {} of the line",
                line.text[..at].chars().count() + 1
            ),
        )),
        None => Ok(()),
    }
}

/// What a file starting with `bytes` is, when it is not UTF-8 text: UTF-16 (with a byte order
/// mark, or ASCII text with every other byte 0).
pub(crate) fn encoding(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, ..] => {
            Some("UTF-16 little-endian text (the file starts with the bytes ff fe)")
        }
        [0xFE, 0xFF, ..] => Some("UTF-16 big-endian text (the file starts with the bytes fe ff)"),
        [a, 0, ..] if a.is_ascii() && *a != 0 => {
            Some("UTF-16 little-endian text (every other byte is 0)")
        }
        [0, b, ..] if b.is_ascii() && *b != 0 => {
            Some("UTF-16 big-endian text (every other byte is 0)")
        }
        _ => None,
    }
}

/// Reads a whole stream of at most `cap` bytes, `what` it should hold, in blocks; `first` sees
/// the first byte that is not ASCII whitespace as soon as it comes and may refuse the stream
/// (so that a device of zeros is refused at once, not at the cap).
///
/// # Errors
/// [`Error::Parse`] naming the cap for a longer stream; `first`'s; [`Error::Io`] if reading
/// fails.
pub(crate) fn read_whole<R: Read>(
    reader: R,
    name: &str,
    cap: u64,
    what: &str,
    mut first: impl FnMut(&[u8], usize) -> Result<()>,
) -> Result<Vec<u8>> {
    let mut reader = reader.take(cap + 1);
    let mut bytes = Vec::new();
    let mut seen = false;
    let mut block = vec![0u8; 1 << 16];
    loop {
        let n = match reader.read(&mut block) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_error(name, e)),
        };
        if !seen && let Some(at) = block[..n].iter().position(|b| !b.is_ascii_whitespace()) {
            seen = true;
            bytes.extend_from_slice(&block[..n]);
            first(&bytes, bytes.len() - n + at)?;
            continue;
        }
        bytes.extend_from_slice(&block[..n]);
    }
    if bytes.len() as u64 > cap {
        return Err(parse_error(
            name,
            None,
            format!("{what} of at most {}", super::bytes(cap)),
            "more (is it a device or a stream without end?)",
        ));
    }
    Ok(bytes)
}

/// Reads the UTF-8 text of the file at `path`, of at most `cap` bytes (a history).
///
/// # Errors
/// As [`read_whole`]; [`Error::Parse`] for text that is not UTF-8 or holds a NUL byte;
/// [`Error::Io`] if the file cannot be opened.
pub(crate) fn read_text_file(path: &std::path::Path, cap: u64, what: &str) -> Result<String> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| io_error(&name, e))?;
    let nul = |bytes: &[u8]| {
        let at = bytes.iter().position(|&b| b == 0)?;
        Some(parse_error(
            &name,
            None,
            "text",
            format!(
                "the byte 0x00 (NUL) at byte {} (is this a binary file?)",
                at + 1
            ),
        ))
    };
    let bytes = read_whole(file, &name, cap, what, |bytes, _| {
        match (encoding(bytes), nul(bytes)) {
            (Some(e), _) => Err(parse_error(&name, None, "UTF-8 text", e)),
            (None, Some(e)) => Err(e),
            (None, None) => Ok(()),
        }
    })?;
    if let Some(e) = nul(&bytes) {
        return Err(e);
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let byte = e.as_bytes()[at];
        parse_error(
            &name,
            None,
            "UTF-8 text",
            format!("the byte 0x{byte:02x} at byte {}", at + 1),
        )
    })
}

/// `e` with its line number moved on by `by`: errors of a part of a file read before the number
/// of its first line was known.
pub(crate) fn renumber(e: Error, by: usize) -> Error {
    match e {
        Error::Parse {
            file,
            line,
            expected,
            got,
        } => Error::Parse {
            file,
            line: line.map(|l| l + by),
            expected,
            got,
        },
        other => other,
    }
}

/// An [`Error::Parse`].
pub(crate) fn parse_error(
    file: &str,
    line: Option<usize>,
    expected: impl Into<String>,
    got: impl Into<String>,
) -> Error {
    Error::Parse {
        file: file.to_string(),
        line,
        expected: expected.into(),
        got: got.into(),
    }
}

/// An [`Error::Io`] from a failed write or open.
pub(crate) fn io_error(file: &str, source: std::io::Error) -> Error {
    Error::Io {
        file: file.to_string(),
        source,
    }
}

/// A token quoted for an error message, shortened if long, control characters (a NUL, a
/// carriage return) escaped so that messages never print them raw.
pub(crate) fn quote(token: &str) -> String {
    const MAX: usize = 40;
    let (shown, cut) = match token.char_indices().nth(MAX) {
        Some((cut, _)) => (&token[..cut], "..."),
        None => (token, ""),
    };
    let mut out = String::with_capacity(shown.len() + 5);
    out.push('"');
    for c in shown.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out.push_str(cut);
    out.push('"');
    out
}

/// What a token is as a number: finite, missing, infinite, or not a number at all.
pub(crate) enum Number {
    Finite(f32),
    /// A missing value: `NaN` (any case), `NA` or nothing. Read as NaN; whether that is an
    /// error is the map's choice ([`crate::Missing`]).
    Missing,
    NonFinite,
    Text,
}

/// Parses a decimal number the way Rust does (`1`, `-2.5`, `1e-3`, `.5`). `NaN`, `NA` and an
/// empty token are [`Number::Missing`]; values too large for `f32` and `inf` are
/// [`Number::NonFinite`].
pub(crate) fn number(token: &str) -> Number {
    match token.parse::<f32>() {
        Ok(v) if v.is_finite() => Number::Finite(v),
        Ok(v) if v.is_nan() => Number::Missing,
        Ok(_) => Number::NonFinite,
        Err(_) if token.is_empty() || token == "NA" => Number::Missing,
        Err(_) => Number::Text,
    }
}

/// Writes `v` with the fewest digits that read back as the same `f32`: plain notation for
/// ordinary magnitudes, exponent notation for very small or very large ones.
pub(crate) fn write_number<W: Write>(w: &mut W, v: f32) -> std::io::Result<()> {
    let a = v.abs();
    if a == 0.0 || (1e-5..1e16).contains(&a) {
        write!(w, "{v}")
    } else {
        write!(w, "{v:e}")
    }
}

/// Checks that `data` is a whole, positive number of samples of `dim` finite values.
pub(crate) fn check_table(file: &str, data: &[f32], dim: usize) -> Result<()> {
    if dim == 0 || data.is_empty() || !data.len().is_multiple_of(dim) {
        return Err(Error::Invalid(format!(
            "cannot write {file}: {} values are not a whole, positive number of samples of dim {dim}",
            data.len()
        )));
    }
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        return Err(Error::Invalid(format!(
            "cannot write {file}: sample {} has the non-finite value {} in column {}",
            i / dim,
            data[i],
            i % dim + 1
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One rule for every format: blank lines (the delimiter excepted) and `#` comments.
    #[test]
    fn which_lines_hold_data() {
        for (line, text, tabs, labels) in [
            ("", false, false, false),
            (" \t\r", false, true, false),
            ("# note", false, false, true),
            ("  # note", false, false, true),
            ("\t#", false, true, true),
            ("1", true, true, true),
            (",", true, true, true),
        ] {
            let line = line.as_bytes();
            assert_eq!(Skip::TEXT.holds_data(line), text, "{line:?}");
            assert_eq!(Skip::csv(b'\t').holds_data(line), tabs, "{line:?}");
            assert_eq!(Skip::LABELS.holds_data(line), labels, "{line:?}");
        }
    }

    /// A whole-file read stops at its cap, naming it, and `first` refuses a stream at its
    /// first byte that is not whitespace, however long it is.
    #[test]
    fn whole_reads_are_capped() {
        let name = "t.json";
        let ok = |_: &[u8], _: usize| Ok(());
        assert_eq!(read_whole(&b"{}"[..], name, 2, "a map", ok).unwrap(), b"{}");
        let spaces = b"{".chain(std::io::repeat(b' '));
        let e = read_whole(spaces, name, 1 << 20, "a map", ok)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.json: expected a map of at most 1.0 MB"),
            "{e}"
        );
        let zeros = std::io::repeat(0);
        let refuse = |b: &[u8], at: usize| {
            Err(parse_error(
                name,
                None,
                "{",
                quote(&(b[at] as char).to_string()),
            ))
        };
        let e = read_whole(zeros, name, u64::MAX - 1, "a map", refuse).unwrap_err();
        assert!(e.to_string().ends_with("got \"\\0\""), "{e}");
    }

    /// Lines past the first never lose a byte order mark; errors of parts are renumbered.
    #[test]
    fn lines_and_their_numbers() {
        let text = b"\xEF\xBB\xBFa\r\n\n# c\n\xEF\xBB\xBFb\nc";
        let mut lines = Lines::new(&text[..], "t");
        assert_eq!(lines.next_data(Skip::TEXT).unwrap().unwrap().text, "a");
        let e = lines.next_data(Skip::TEXT).unwrap_err();
        assert!(
            e.to_string().starts_with("t:4: expected a byte order mark"),
            "{e}"
        );
        let mut lines = Lines::at(&text[6..], "t", 6, 0);
        assert_eq!(lines.next_line().unwrap().unwrap().number, 1);
        let e = renumber(lines.next_data(Skip::TEXT).unwrap_err(), 1);
        assert!(e.to_string().starts_with("t:4:"), "{e}");
        assert_eq!(lines.next_line().unwrap().unwrap().text, "c");
        assert!(lines.next_line().unwrap().is_none());
    }
}
