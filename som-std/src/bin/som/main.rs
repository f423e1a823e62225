//! `som`: train Self-Organizing Maps, map data onto them, measure and draw them.
//!
//! Every failure exits non-zero: a usage error (exit 2) with clap's message, which names the
//! argument and shows the usage; any other (exit 1) with one line on stderr. A reader of the
//! output that went away (`som map ... | head -1`) ends the run quietly with status 141, what
//! a shell reports for a program stopped by SIGPIPE (`seq`, `cat`), so pipelines behave as
//! with them.
//!
//! This file only wires: [`flags`] is what was typed, [`commands`] what each command does (one
//! file each), [`data`] what they read, [`files`] the check of what they write, [`world`] whether this process is alone or one rank of
//! an MPI job, [`stdout`] where results are printed, [`progress`] what stderr shows meanwhile.

// Results are printed through `stdout::Stdout`, whose writes are checked; `print!` panics
// on a full disk or a broken pipe.
#![deny(clippy::print_stdout)]

mod commands;
mod data;
mod files;
mod flags;
mod progress;
mod stdout;
mod world;

use clap::Parser;
use flags::{Cli, Command};
use som_std::Error;
use std::process::ExitCode;
use stdout::{Stdout, is_broken_pipe};
use world::World;

/// The exit status of a run whose output's reader went away: 128 + SIGPIPE, as a shell
/// reports a program that SIGPIPE stopped.
const BROKEN_PIPE: u8 = 141;

fn main() -> ExitCode {
    // A bug must still end in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| eprintln!("som: internal error: {info}")));
    let mut out = Stdout::open();
    // A usage error prints clap's whole message (which argument, what it expected, "did you
    // mean", the usage line) on stderr with exit 2; help and version are results, printed
    // through `out` with exit 0.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => e.exit(),
        Err(e) => return end("", out.print(help(&e)).and_then(|()| out.finish())),
    };
    let world = match World::new(cli.command.mpi()) {
        Ok(world) => world,
        Err(e) => return fail(&format!("som: {e}")),
    };
    let result = run(&world, cli.command, &mut out).and_then(|()| out.finish());
    end(&world.who(), result)
}

fn run(world: &World, command: Command, out: &mut Stdout) -> Result<(), Error> {
    // Every output is checked before any work, where it is written (rank 0).
    world.lead(|| command.files().check_outputs())?;
    match command {
        Command::Train(args) => commands::train::run(world, *args, out),
        Command::Map(args) => commands::map::run(world, args, out),
        Command::Quality(args) => commands::quality::run(world, args, out),
        Command::Hits(args) => commands::hits::run(world, args, out),
        Command::Impute(args) => commands::impute::run(args),
        Command::PlotHistory(args) => commands::plot_history::run(args),
        Command::Umatrix(args) => commands::umatrix::run(args),
        Command::Planes(args) => commands::planes::run(args, out),
        Command::Export(args) => commands::export::run(args),
    }
}

/// The exit status of a run, and its error on stderr (`who` in front: an MPI rank's name):
/// quietly [`BROKEN_PIPE`] when the output's reader went away.
fn end(who: &str, result: Result<(), Error>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::from(BROKEN_PIPE),
        Err(e) => fail(&format!("som: {who}{e}")),
    }
}

/// Help or version as clap words it, coloured as clap would: on a terminal unless `NO_COLOR`.
fn help(e: &clap::Error) -> String {
    use std::io::IsTerminal;
    let text = e.render();
    if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        text.ansi().to_string()
    } else {
        text.to_string()
    }
}

/// Prints one line on stderr in one write (so the lines of MPI ranks never interleave), and
/// exits 1.
fn fail(line: &str) -> ExitCode {
    use std::io::Write;
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
    ExitCode::FAILURE
}

/// An error of reading the file a flag names, with the flag in front when the message does
/// not already start with the file.
fn flag_error(flag: &str, e: Error) -> Error {
    match e {
        Error::Io { .. } | Error::Parse { .. } => e,
        e => Error::Invalid(format!("{flag}: {e}")),
    }
}
