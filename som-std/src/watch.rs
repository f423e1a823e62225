//! Watching training: what an observer sees every so often ([`Epoch`]), a stopping rule
//! ([`EarlyStop`]) and the history as a CSV file ([`Record`]).

use crate::error::{Error, Result};
use crate::som::Som;
use crate::source::{Blocks, Combine};
use std::cell::OnceCell;
use std::io::Write;
use std::path::Path;

/// Where training stands when an observer is called (after an epoch of batch training, or
/// after every `every` steps of online training): the schedules' values, and on request the
/// errors on the training data.
pub struct Epoch<'a> {
    /// Epochs done: whole in batch training; samples presented over the sample count online
    /// (a fraction when `every` is not a whole epoch).
    pub epoch: f64,
    /// Samples presented so far (online: steps; batch: epochs times samples).
    pub steps: u64,
    /// Steps (online) or epochs (batch) the training runs, if not stopped.
    pub total: u64,
    /// The learning rate at the last step; `None` in batch training, which has none.
    pub alpha: Option<f32>,
    /// The neighbourhood width at the last step or epoch.
    pub sigma: f32,
    pub(crate) som: &'a Som,
    pub(crate) rows: &'a Blocks<'a>,
    pub(crate) combine: &'a dyn Combine,
    pub(crate) errors: OnceCell<(f32, f32)>,
}

impl std::fmt::Debug for Epoch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Epoch")
            .field("epoch", &self.epoch)
            .field("steps", &self.steps)
            .field("total", &self.total)
            .field("alpha", &self.alpha)
            .field("sigma", &self.sigma)
            .field("errors", &self.errors.get())
            .finish_non_exhaustive()
    }
}

impl Epoch<'_> {
    /// The map as it is now.
    pub fn som(&self) -> &Som {
        self.som
    }

    /// The quantization and topographic errors on the training data, as
    /// [`Som::quality`] gives them: one many-sample search (best and second best), made
    /// on the first call only. Nothing is computed for an observer that does not ask.
    /// Under MPI every rank must ask (it is collective).
    ///
    /// # Errors
    /// As [`Som::quality`] (a file that cannot be read).
    pub fn errors(&self) -> Result<(f32, f32)> {
        if let Some(&e) = self.errors.get() {
            return Ok(e);
        }
        let e = self.som.quality_on(self.rows, self.combine)?;
        Ok(*self.errors.get_or_init(|| e))
    }

    /// The history's record of this point (computes the errors).
    ///
    /// # Errors
    /// As [`Epoch::errors`].
    pub fn record(&self) -> Result<Record> {
        let (quantization_error, topographic_error) = self.errors()?;
        Ok(Record {
            epoch: self.epoch,
            steps: self.steps,
            quantization_error,
            topographic_error,
            alpha: self.alpha,
            sigma: self.sigma,
        })
    }
}

/// Stop training when the quantization error has not improved by more than a relative
/// tolerance over `patience` evaluations in a row (Keras' `EarlyStopping` on the
/// quantization error, with `min_delta` relative).
///
/// # Example
/// ```
/// let mut stop = som_std::EarlyStop::new(0.01, 2)?;
/// assert!(stop.keep_going(1.0));
/// assert!(stop.keep_going(0.9));    // 10% better
/// assert!(stop.keep_going(0.895));  // 0.6% better than 0.9: one evaluation without progress
/// assert!(!stop.keep_going(0.894)); // two in a row: stop
/// # Ok::<(), som_std::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EarlyStop {
    tol: f32,
    patience: u32,
    best: f32,
    since: u32,
}

impl EarlyStop {
    /// Stops after `patience` evaluations in a row whose quantization error is not below the
    /// best so far by more than `tol` times it.
    ///
    /// # Errors
    /// `tol` not finite or negative, `patience` 0.
    pub fn new(tol: f32, patience: u32) -> Result<Self> {
        if !(tol.is_finite() && tol >= 0.0) {
            return Err(Error::Invalid(format!(
                "a stopping tolerance of {tol}: expected a finite relative improvement >= 0 (e.g. 0.001)"
            )));
        }
        if patience == 0 {
            return Err(Error::Invalid(
                "a patience of 0 evaluations: expected at least 1".into(),
            ));
        }
        Ok(Self {
            tol,
            patience,
            best: f32::INFINITY,
            since: 0,
        })
    }

    /// Whether to go on after an evaluation that measured `quantization_error`.
    pub fn keep_going(&mut self, quantization_error: f32) -> bool {
        if self.best.is_infinite() || quantization_error < self.best * (1.0 - self.tol) {
            self.best = quantization_error;
            self.since = 0;
        } else {
            self.since += 1;
        }
        self.since < self.patience
    }
}

/// One line of a training history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Record {
    /// Epochs done (see [`Epoch::epoch`]).
    pub epoch: f64,
    /// Samples presented so far.
    pub steps: u64,
    /// Mean distance of a sample to its best-matching unit.
    pub quantization_error: f32,
    /// Fraction of samples whose two best units are not neighbours.
    pub topographic_error: f32,
    /// Learning rate (none in batch training).
    pub alpha: Option<f32>,
    /// Neighbourhood width.
    pub sigma: f32,
}

/// The header of a history file.
pub const HISTORY_HEADER: &str = "epoch,steps,quantization_error,topographic_error,alpha,sigma";

/// Writes a history as CSV: [`HISTORY_HEADER`], then one line per record (an empty `alpha`
/// in batch training). All or nothing ([`crate::io::write_atomic`]).
///
/// # Errors
/// The file cannot be written.
pub fn write_history(path: impl AsRef<Path>, records: &[Record]) -> Result<()> {
    crate::io::write_atomic(path, |file, name| {
        let mut w = std::io::BufWriter::new(file);
        let io = |e| Error::Io {
            file: name.to_string(),
            source: e,
        };
        writeln!(w, "{HISTORY_HEADER}").map_err(io)?;
        for r in records {
            let alpha = r.alpha.map_or(String::new(), |a| a.to_string());
            writeln!(
                w,
                "{},{},{},{},{alpha},{}",
                r.epoch, r.steps, r.quantization_error, r.topographic_error, r.sigma
            )
            .map_err(io)?;
        }
        w.flush().map_err(io)
    })
}

/// Reads a history written by [`write_history`].
///
/// # Errors
/// A file that cannot be read, another header, a line of other fields or a value that is
/// not a number (named with its line).
pub fn read_history(path: impl AsRef<Path>) -> Result<Vec<Record>> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let text = crate::io::read_text_file(path, crate::io::MAX_LINE as u64, "a history")?;
    let parse = |line: usize, expected: &str, got: &str| Error::Parse {
        file: name.clone(),
        line: Some(line),
        expected: expected.to_string(),
        got: got.to_string(),
    };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    match lines.next() {
        Some((_, h)) if h.trim() == HISTORY_HEADER => {}
        Some((i, h)) => return Err(parse(i + 1, HISTORY_HEADER, h)),
        None => return Err(parse(1, HISTORY_HEADER, "an empty file")),
    }
    let mut records = Vec::new();
    for (i, line) in lines {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != 6 {
            return Err(parse(
                i + 1,
                "6 fields (epoch,steps,quantization_error,topographic_error,alpha,sigma)",
                &format!("{} fields", f.len()),
            ));
        }
        let num = |k: usize, what: &str| -> Result<f64> {
            f[k].parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| parse(i + 1, &format!("a number for {what}"), f[k]))
        };
        records.push(Record {
            epoch: num(0, "epoch")?,
            steps: f[1]
                .parse()
                .map_err(|_| parse(i + 1, "a whole number for steps", f[1]))?,
            quantization_error: num(2, "quantization_error")? as f32,
            topographic_error: num(3, "topographic_error")? as f32,
            alpha: if f[4].is_empty() {
                None
            } else {
                Some(num(4, "alpha")? as f32)
            },
            sigma: num(5, "sigma")? as f32,
        });
    }
    Ok(records)
}
