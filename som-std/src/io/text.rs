//! Shared machinery of the text formats: numbered lines, number parsing and printing, errors.

use crate::error::{Error, Result};
use std::io::{BufRead, Read, Write};

/// Longest line the text readers take (bytes): far above any real row, so that a file without
/// line ends cannot take all the memory.
pub const MAX_LINE: usize = 64 << 20;

/// The lines of a text stream, numbered from 1, checked to be UTF-8, without their line end.
pub(crate) struct Lines<'a, R> {
    reader: R,
    name: &'a str,
    number: usize,
    /// Bytes read so far (line ends included).
    consumed: u64,
    bytes: Vec<u8>,
    /// The text of the current line inside `bytes` (line end and byte order mark removed).
    text: std::ops::Range<usize>,
}

impl<'a, R: BufRead> Lines<'a, R> {
    pub(crate) fn new(reader: R, name: &'a str) -> Self {
        Self::after(reader, name, 0)
    }

    /// The lines of a stream that starts at line `before + 1` of a file (a part of it).
    pub(crate) fn after(reader: R, name: &'a str, before: usize) -> Self {
        Self {
            reader,
            name,
            number: before,
            consumed: 0,
            bytes: Vec::new(),
            text: 0..0,
        }
    }

    /// Bytes read so far, line ends included: where the next line starts.
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Number of the line last read (0 before the first).
    pub(crate) fn number(&self) -> usize {
        self.number
    }

    /// Reads the next line; `false` at the end of the stream.
    fn advance(&mut self) -> Result<bool> {
        self.bytes.clear();
        let n = (&mut self.reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut self.bytes)
            .map_err(|source| io_error(self.name, source))?;
        if n == 0 {
            return Ok(false);
        }
        self.number += 1;
        self.consumed += n as u64;
        if n > MAX_LINE {
            return Err(parse_error(
                self.name,
                Some(self.number),
                format!("a line of at most {}", super::bytes(MAX_LINE as u64)),
                "a longer one (is this a text file with line ends?)",
            ));
        }
        let mut end = self.bytes.len();
        if self.bytes[..end].ends_with(b"\n") {
            end -= 1;
        }
        if self.bytes[..end].ends_with(b"\r") {
            end -= 1;
        }
        let mut start = 0;
        if self.number == 1 && self.bytes[..end].starts_with(b"\xEF\xBB\xBF") {
            start = 3; // a UTF-8 byte order mark
        }
        if let Err(e) = std::str::from_utf8(&self.bytes[start..end]) {
            let at = start + e.valid_up_to();
            return Err(parse_error(
                self.name,
                Some(self.number),
                "UTF-8 text",
                format!(
                    "the byte 0x{:02x} at byte {} of the line",
                    self.bytes[at],
                    at + 1
                ),
            ));
        }
        self.text = start..end;
        Ok(true)
    }

    /// The text of the line last read.
    fn text(&self) -> &str {
        // Checked to be UTF-8 in `advance`.
        std::str::from_utf8(&self.bytes[self.text.clone()]).unwrap_or_default()
    }

    /// The next line that is neither blank nor a `#` comment, or `None` at the end.
    pub(crate) fn next_content(&mut self) -> Result<Option<(usize, &str)>> {
        while self.advance()? {
            if !is_skippable(self.text()) {
                return Ok(Some((self.number, self.text())));
            }
        }
        Ok(None)
    }
}

/// Blank lines and `#` comments carry no data in any of the text formats.
pub(crate) fn is_skippable(text: &str) -> bool {
    let t = text.trim();
    t.is_empty() || t.starts_with('#')
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

/// A token quoted for an error message, shortened if long.
pub(crate) fn quote(token: &str) -> String {
    const MAX: usize = 40;
    match token.char_indices().nth(MAX) {
        Some((cut, _)) => format!("\"{}...\"", &token[..cut]),
        None => format!("\"{token}\""),
    }
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
