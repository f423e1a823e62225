//! What `som train` checks before it reads a file or allocates a map: nothing long may start
//! that these would stop at its end. Each error names the flag and its value.

use crate::flags::{Mode, Train};
use som_std::io::Format;
use som_std::{BatchConflict, Boundary, Decay, EarlyStop, Error, Named, PresetSettings, Shape};
use std::path::Path;

/// Checks of the flags alone.
pub fn flags(t: &Train, mode: Mode, decay: Decay) -> Result<(), Error> {
    let invalid = |s: String| Err(Error::Invalid(s));
    if t.epochs == Some(0) {
        return invalid(
            "--epochs 0: expected at least 1 (no pass would leave the map untrained)".into(),
        );
    }
    if t.steps == Some(0) {
        return invalid(
            "--steps 0: expected at least 1 (no step would leave the map untrained)".into(),
        );
    }
    if mode == Mode::Batch && t.steps.is_some() {
        return invalid(
            "--steps counts single-sample updates: batch training takes --epochs".into(),
        );
    }
    if mode == Mode::Batch && t.order.is_some() {
        return invalid("--order: batch training uses every sample in every epoch, the order has no effect; leave it out or use --mode online".into());
    }
    if t.eval_every == Some(0) {
        return invalid("--eval-every 0: expected at least 1".into());
    }
    if let Some(tol) = t.stop_tol {
        EarlyStop::new(tol, t.stop_patience).map_err(|e| {
            Error::Invalid(format!(
                "--stop-tol {tol} --stop-patience {}: {e}",
                t.stop_patience
            ))
        })?;
    }
    if let Some(n) = t.threads
        && !(1..=som_std::MAX_THREADS).contains(&n)
    {
        return invalid(format!(
            "--threads {n}: expected 1 to {} (default: all cores)",
            som_std::MAX_THREADS
        ));
    }
    if !decay.has_final() {
        for (flag, given) in [
            ("--alpha-final", t.alpha_final),
            ("--sigma-final", t.sigma_final),
        ] {
            if let Some(v) = given {
                return invalid(format!(
                    "{flag} {v}: the {decay} decay has no final value; give --decay linear, inverse or exponential, or leave {flag} out"
                ));
            }
        }
    }
    Ok(())
}

/// A decay must not rise: a final value above the initial one is an error naming both.
pub fn final_value(
    flag: &str,
    start_flag: &str,
    start: f32,
    given_start: bool,
    end: Option<f32>,
) -> Result<(), Error> {
    match end {
        Some(end) if end > start => Err(Error::Invalid(format!(
            "{flag} {end} is above the initial {start}{}: a decay cannot rise; expected at most {start}",
            if given_start {
                format!(" (given with {start_flag})")
            } else {
                format!(" (the default; {start_flag} sets it)")
            }
        ))),
        _ => Ok(()),
    }
}

/// The library's check of batch training's settings ([`PresetSettings::check_batch`]), its
/// finding said in flags.
pub fn batch(t: &Train, settings: &PresetSettings) -> Result<(), Error> {
    let Err(conflict) = settings.check_batch() else {
        return Ok(());
    };
    Err(Error::Invalid(match (conflict, t.sigma_final) {
        (BatchConflict::Neighbourhood(shape), _) => format!(
            "--neighbourhood {shape} with --mode batch: {conflict}; expected gaussian, bubble or triangle, or --mode online"
        ),
        (_, Some(v)) => format!("--sigma-final {v} with --mode batch: {conflict}"),
        (_, None) => format!(
            "--mode batch with this preset's default final width: {conflict}: give --sigma-final (e.g. 1)"
        ),
    }))
}

/// A flag that asks for another lattice (topology, boundary) than the `--init` file holds.
pub fn lattice<T: Named + PartialEq>(
    flag: &str,
    given: Option<T>,
    file: &str,
    has: T,
) -> Result<(), Error> {
    match given {
        Some(given) if given != has => Err(Error::Invalid(format!(
            "{flag} {given}, but --init {file} holds a {has} map; leave {flag} out to train on the file's lattice"
        ))),
        _ => Ok(()),
    }
}

/// Checks that `out` names a format that can hold this map, before training (whether it can
/// be written is checked with every output: `Files::check_outputs`).
pub fn output(out: &Path, shape: Shape, boundary: Boundary) -> Result<(), Error> {
    let name = out.display();
    let formats = "expected a file name ending in .json, .cod, .csv or .f32";
    match Format::from_path(out) {
        Err(_) => Err(Error::Invalid(format!("--out {name}: {formats}"))),
        Ok(Format::Dat) => Err(Error::Invalid(format!(
            "--out {name}: .dat holds data, not a map; {formats}"
        ))),
        Ok(Format::Cod) => som_std::io::sompak_can_hold(shape, boundary).map_err(|e| {
            Error::Invalid(format!(
                "--out {name}: {e}; write .json, .csv or .f32 instead"
            ))
        }),
        Ok(_) => Ok(()),
    }
}

/// Checks that training a `rows x cols` map of `dim` fits the memory this machine has free,
/// with a message that says how much it needs.
pub fn memory(rows: usize, cols: usize, dim: usize, mode: Mode) -> Result<(), Error> {
    let values = (rows as u128) * (cols as u128) * (dim as u128);
    // The blocked codebook, a row-major copy to write and one to query (f32); batch training
    // adds sums per unit and per shard (f64) and the exact sums (384 bits).
    let per_value: u128 = match mode {
        Mode::Online => 12,
        Mode::Batch => 12 + 16 + 48,
    };
    let needed = u64::try_from(values * per_value).unwrap_or(u64::MAX);
    let Some(free) = available_memory() else {
        return Ok(());
    };
    if needed > free {
        return Err(Error::Invalid(format!(
            "--rows {rows} --cols {cols} with data of dim {dim}: training needs about {} ({} units x {dim} values), more than the {} of memory available; expected a smaller map or fewer dimensions",
            som_std::io::bytes(needed),
            rows * cols,
            som_std::io::bytes(free)
        )));
    }
    Ok(())
}

/// Memory the system can give without swapping (Linux), if known.
fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.saturating_mul(1024))
}
