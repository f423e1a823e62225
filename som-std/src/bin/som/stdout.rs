//! What a command prints as its result goes through one writer, [`Stdout`], whose every write
//! and final flush is checked: a full disk is an error like any other (one line, exit 1), and
//! a reader that went away (`som map ... | head -1`) is a [broken pipe](is_broken_pipe), which
//! `main` ends quietly with the status a shell reports for SIGPIPE (`print!` panics on both).
//!
//! A standard output closed at the start (`>&-`) is not seen: Rust's runtime opens /dev/null
//! in its place before `main`, so it is `>/dev/null`, the output discarded.

use som_std::Error;
use std::fmt;
use std::io::{self, BufWriter, Write};

/// The name standard output has in error messages.
const NAME: &str = "standard output";

/// Standard output, buffered, every write checked.
pub struct Stdout {
    out: BufWriter<io::Stdout>,
}

impl Stdout {
    /// Standard output as this process got it.
    pub fn open() -> Stdout {
        Stdout {
            out: BufWriter::new(io::stdout()),
        }
    }

    /// Prints `text` (buffered: an error may show only at a later write or at [`finish`]).
    ///
    /// [`finish`]: Stdout::finish
    pub fn print(&mut self, text: impl fmt::Display) -> Result<(), Error> {
        write!(self.out, "{text}").map_err(error)
    }

    /// Prints `text` and a line end.
    pub fn line(&mut self, text: impl fmt::Display) -> Result<(), Error> {
        writeln!(self.out, "{text}").map_err(error)
    }

    /// Writes out what is buffered: the last chance for a write to fail.
    pub fn finish(mut self) -> Result<(), Error> {
        self.out.flush().map_err(error)
    }
}

/// Whether `e` is a write to standard output whose reader has gone (`| head -1`): not a
/// failure of this program, ended quietly.
pub fn is_broken_pipe(e: &Error) -> bool {
    matches!(e, Error::Io { file, source } if file == NAME && source.kind() == io::ErrorKind::BrokenPipe)
}

/// An error of writing standard output.
fn error(source: io::Error) -> Error {
    Error::Io {
        file: NAME.into(),
        source,
    }
}
