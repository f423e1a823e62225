//! Label files: one label per sample, one per line.

use super::text::{io_error, parse_error};
use crate::error::Result;
use std::path::Path;

/// Reads the labels of `samples` samples from the file at `path`: one label per line (a CSV
/// of one column: a label holding a comma or a quote is quoted, `"a, b"`), in the order of
/// the samples. A first line more than the samples is a header and is skipped. Labels are
/// trimmed of surrounding spaces; blank lines are skipped.
///
/// # Errors
/// A file that cannot be read, a line of more than one field, a number of labels other than
/// `samples` (or `samples + 1` with a header), each naming the file (and line).
pub fn read_labels(path: impl AsRef<Path>, samples: usize) -> Result<Vec<String>> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| io_error(&name, e))?;
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_reader(std::io::BufReader::new(file));
    let mut labels = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize);
            let text = e.to_string();
            match e.into_kind() {
                ::csv::ErrorKind::Io(source) => io_error(&name, source),
                _ => parse_error(&name, line, "one label per line", text),
            }
        })?;
        let line = record.position().map(|p| p.line() as usize);
        match record.len() {
            0 => continue,
            1 if record[0].is_empty() => continue,
            1 => labels.push(record[0].to_string()),
            n => {
                return Err(parse_error(
                    &name,
                    line,
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
