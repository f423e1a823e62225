//! The one error type of the kernel: every fallible operation returns it, nothing panics.

use core::fmt;

/// What went wrong, with what was expected and what came.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Error {
    /// A slice had the wrong length.
    Length {
        /// Which slice, e.g. `"sample"` or `"codebook"`.
        what: &'static str,
        /// The length that was required.
        expected: usize,
        /// The length that was given.
        got: usize,
    },
    /// A size that must be positive was zero (`rows`, `cols`, `dim`).
    Zero {
        /// Which size.
        what: &'static str,
    },
    /// A size is larger than the kernel supports.
    TooLarge {
        /// Which size.
        what: &'static str,
        /// The largest supported value.
        max: usize,
        /// The value given.
        got: usize,
    },
    /// A parameter is NaN, infinite or out of its range.
    Parameter {
        /// Which parameter, e.g. `"sigma"`.
        what: &'static str,
        /// The range it must be in, e.g. `"finite and > 0"`.
        expected: &'static str,
        /// The value given.
        got: f32,
    },
    /// A sample holds NaN or an infinity where only finite values make sense.
    NonFinite {
        /// Index of the sample within the data given (0 for a single sample).
        sample: usize,
        /// Index of the offending component within the sample.
        component: usize,
    },
    /// A fixed-capacity buffer is too small for the map asked for.
    Capacity {
        /// Floats the map needs.
        needed: usize,
        /// Floats the buffer holds.
        capacity: usize,
    },
    /// A combination of settings that has no meaning, e.g. a toroidal hexagonal map with an
    /// odd number of rows (its rows cannot tile the torus).
    Unsupported {
        /// What was asked for, and why it cannot be done.
        what: &'static str,
    },
    /// A name that is none of a setting's ([`crate::Named`]).
    Name {
        /// The setting, e.g. `"topology"`.
        what: &'static str,
        /// Its names.
        expected: &'static [&'static str],
    },
}

/// Shorthand for results of the kernel.
pub type Result<T> = core::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Length {
                what,
                expected,
                got,
            } => write!(f, "{what} has length {got}, expected {expected}"),
            Error::Zero { what } => write!(f, "{what} is 0, expected at least 1"),
            Error::TooLarge { what, max, got } => {
                write!(f, "{what} is {got}, expected at most {max}")
            }
            Error::Parameter {
                what,
                expected,
                got,
            } => {
                write!(f, "{what} is {got}, expected {expected}")
            }
            Error::NonFinite { sample, component } => write!(
                f,
                "sample {sample} has a non-finite value at component {component}, expected finite numbers"
            ),
            Error::Capacity { needed, capacity } => write!(
                f,
                "the map needs {needed} floats of storage, the fixed capacity is {capacity}"
            ),
            Error::Unsupported { what } => write!(f, "unsupported: {what}"),
            Error::Name { what, expected } => {
                write!(f, "not a {what} name, expected one of ")?;
                for (i, name) in expected.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(name)?;
                }
                Ok(())
            }
        }
    }
}

impl core::error::Error for Error {}

/// Checks a slice length, naming the slice in the error.
pub(crate) fn check_len(what: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(Error::Length {
            what,
            expected,
            got,
        })
    }
}

/// Checks that every value of `data` (rows of `dim` values) is finite.
pub(crate) fn check_finite(data: &[f32], dim: usize) -> Result<()> {
    match data.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(Error::NonFinite {
            sample: i / dim.max(1),
            component: i % dim.max(1),
        }),
    }
}

/// Checks a parameter that must be finite and strictly positive.
pub(crate) fn check_positive(what: &'static str, value: f32) -> Result<f32> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Error::Parameter {
            what,
            expected: "finite and > 0",
            got: value,
        })
    }
}
