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
    /// What the system this library reproduces does but this library does not (MiniSom's
    /// negative learning rates), with the reason.
    Unsupported(String),
    /// A file could not be opened, read or written.
    Io {
        /// The file (its path, or the name the caller gave the stream).
        file: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The contents of a file are not what its format allows.
    Parse {
        /// The file (its path, or the name the caller gave the stream).
        file: String,
        /// The line (from 1) in a text file; `None` for binary files and whole-file problems.
        line: Option<usize>,
        /// What the format wants there.
        expected: String,
        /// What the file has there.
        got: String,
    },
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
            Error::Invalid(why) | Error::Unsupported(why) => f.write_str(why),
            Error::Io { file, source } => write!(f, "{file}: {source}"),
            Error::Parse {
                file,
                line,
                expected,
                got,
            } => {
                match line {
                    Some(line) => write!(f, "{file}:{line}: ")?,
                    None => write!(f, "{file}: ")?,
                }
                write!(f, "expected {expected}, got {got}")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Kernel(e) => Some(e),
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<som_kernel::Error> for Error {
    fn from(e: som_kernel::Error) -> Self {
        Error::Kernel(e)
    }
}
