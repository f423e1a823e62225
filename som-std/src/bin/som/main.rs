//! `som`: train Self-Organizing Maps, map data onto them, measure and draw them.
//!
//! Every failure exits non-zero: a usage error (exit 2) with clap's message, which names the
//! argument and shows the usage; any other (exit 1) with one line on stderr.
//!
//! This file only wires: [`flags`] is what was typed, [`commands`] what each command does (one
//! file each), [`data`] what they read, [`world`] whether this process is alone or one rank of
//! an MPI job, [`progress`] what stderr shows meanwhile.

mod commands;
mod data;
mod flags;
mod progress;
mod world;

use clap::Parser;
use flags::{Cli, Command};
use som_std::Error;
use std::process::ExitCode;
use world::World;

fn main() -> ExitCode {
    // A bug must still end in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| eprintln!("som: internal error: {info}")));
    // Help and version go to stdout with exit 0; a usage error prints clap's whole message
    // (which argument, what it expected, "did you mean", the usage line) with exit 2.
    let cli = Cli::try_parse().unwrap_or_else(|e| e.exit());
    let world = match World::new(cli.command.mpi()) {
        Ok(world) => world,
        Err(e) => return fail(&format!("som: {e}")),
    };
    match run(&world, cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("som: {}{e}", world.who())),
    }
}

fn run(world: &World, command: Command) -> Result<(), Error> {
    match command {
        Command::Train(args) => commands::train::run(world, *args),
        Command::Map(args) => commands::map::run(world, args),
        Command::Quality(args) => commands::quality::run(world, args),
        Command::Hits(args) => commands::hits::run(world, args),
        Command::Impute(args) => commands::impute::run(args),
        Command::PlotHistory(args) => commands::plot_history::run(args),
        Command::Umatrix(args) => commands::umatrix::run(args),
        Command::Planes(args) => commands::planes::run(args),
        Command::Export(args) => commands::export::run(args),
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
