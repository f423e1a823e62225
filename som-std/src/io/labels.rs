//! Label files: one label per sample, one per line.

use super::csv::{Delimiter, Fields};
use super::text::{Lines, Skip, io_error, parse_error};
use crate::error::Result;
use std::path::Path;

/// Reads the labels of `samples` samples from the file at `path`: one label per line (a CSV
/// of one column: a label holding a comma or a quote is quoted, `"a, b"`), in the order of
/// the samples. A first line more than the samples is a header and is skipped. Labels are
/// trimmed of surrounding spaces; blank lines are skipped. Lines are read as every text file
/// is: at most [`MAX_LINE`](super::MAX_LINE) bytes, UTF-8 text.
///
/// # Errors
/// A file that cannot be read, a line of more than one field or that is not text, a number of
/// labels other than `samples` (or `samples + 1` with a header), each naming the file (and
/// line).
pub fn read_labels(path: impl AsRef<Path>, samples: usize) -> Result<Vec<String>> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| io_error(&name, e))?;
    let mut lines = Lines::new(std::io::BufReader::new(file), &name);
    let mut fields = Fields::new(Delimiter::Comma);
    let mut labels = Vec::new();
    while let Some(line) = lines.next_data(Skip::LABELS)? {
        fields.split(line, &name)?;
        match fields.len() {
            1 => {
                let label = fields.iter().next().unwrap_or_default().trim_ascii();
                if !label.is_empty() {
                    // Fields of a line of UTF-8 text without their quotes are UTF-8.
                    labels.push(String::from_utf8_lossy(label).into_owned());
                }
            }
            n => {
                return Err(parse_error(
                    &name,
                    Some(line.number),
                    "one label per line (quote a label that holds a comma)",
                    format!("{n} fields"),
                ));
            }
        }
    }
    if labels.len() == samples + 1 {
        labels.remove(0);
    }
    if labels.len() != samples {
        return Err(parse_error(
            &name,
            None,
            format!("{samples} labels, one per sample (and perhaps a header line)"),
            format!("{} labels", labels.len()),
        ));
    }
    Ok(labels)
}
