//! Errors of the std layer: the kernel's, plus input and I/O problems, each naming what was
//! expected and what came.

use std::fmt;

/// What went wrong.
#[non_exhaustive]
#[derive(Debug)]
pub enum Error {
    /// An error of the kernel (lengths, parameters, sizes).
    Kernel(som_kernel::Error),
    /// Sample `index` has `got` values, the map expects `expected`.
    SampleLength {
        /// Index of the sample.
        index: usize,
        /// Values per sample the map expects.
        expected: usize,
        /// Values the sample has.
        got: usize,
    },
    /// A setting or input that cannot be used, with the reason.
    Invalid(String),
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Kernel(e) => e.fmt(f),
            Error::SampleLength {
                index,
                expected,
                got,
            } => {
                write!(
                    f,
                    "sample {index} has {got} values, expected {expected} (the map's dim)"
                )
            }
            Error::Invalid(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Kernel(e) => Some(e),
            _ => None,
        }
    }
}

impl From<som_kernel::Error> for Error {
    fn from(e: som_kernel::Error) -> Self {
        Error::Kernel(e)
    }
}
