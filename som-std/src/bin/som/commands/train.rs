//! `som train`: a map trained on data and written to a file, in named steps: what the flags
//! ask for ([`plan`], checked before any file is read), the data ([`read`]), the map
//! ([`build`]), training ([`train`]), labelling, the files ([`write`]) and the report
//! ([`report`]).

mod checks;

use super::quality;
use crate::data::{self, Data, is_f32};
use crate::flag_error;
use crate::flags::{Mode, Train};
use crate::progress::{progress_bar, stage};
use crate::stdout::Stdout;
use crate::world::World;
use som_std::io::Format;
use som_std::watch::Record;
use som_std::{
    Boundary, Distance, EarlyStop, Epoch, Error, Init, Missing, Order, PresetSettings, Rows, Som,
};
use std::time::Instant;

pub fn run(world: &World, t: Train, out: &mut Stdout) -> Result<(), Error> {
    let mut plan = plan(world, &t)?;
    let data = read(world, &t, &plan)?;
    let mut som = build(world, &t, &mut plan, &data)?;
    let data = world.read_part(data, &som)?;
    let rows = data.rows()?;
    let labels = match &t.labels {
        Some(path) => Some(stage(&format!("reading {}", path.display()), || {
            som_std::io::read_labels(path, rows.count())
        })?),
        None => None,
    };
    let trained = train(world, &t, &plan, &mut som, &data, &rows)?;
    if let Some(labels) = &labels {
        stage("labelling the units", || {
            som.classify(&*world.source(&rows), labels).map(drop)
        })?;
    }
    write(world, &t, &som, &trained.history)?;
    report(world, &t, &som, &data, &rows, &trained, out)
}

/// What the flags ask for: the settings, in the preset's terms, and how to train.
struct Plan {
    settings: PresetSettings,
    mode: Mode,
    boundary: Boundary,
    /// Whether batch training reads a .f32 file a block at a time.
    stream: bool,
}

/// The flags' meaning, every check of them, and of the output as far as they tell, before
/// any file is read.
fn plan(world: &World, t: &Train) -> Result<Plan, Error> {
    // The preset's settings, in its system's terms (the library's one definition); each flag
    // overrides one.
    let mut p = match t.preset {
        Some(preset) => preset.settings(t.rows, t.cols),
        None => PresetSettings::new(t.rows, t.cols),
    };
    p.decay = t.decay.unwrap_or(p.decay);
    let mode = t.mode.unwrap_or(Mode::Online);
    checks::flags(t, mode, p.decay)?;
    p.alpha = t.alpha.unwrap_or(p.alpha);
    p.sigma = t.sigma.unwrap_or(p.sigma);
    p.alpha_final = t.alpha_final.or(p.alpha_final);
    p.sigma_final = t.sigma_final.or(p.sigma_final);
    let (alpha_given, sigma_given) = (t.alpha.is_some(), t.sigma.is_some());
    checks::final_value(
        "--alpha-final",
        "--alpha",
        p.alpha,
        alpha_given,
        t.alpha_final,
    )?;
    checks::final_value(
        "--sigma-final",
        "--sigma",
        p.sigma,
        sigma_given,
        t.sigma_final,
    )?;
    p.neighbourhood = t.neighbourhood.unwrap_or(p.neighbourhood);
    p.topology = t.topology.unwrap_or(p.topology);
    if mode == Mode::Batch {
        checks::batch(t, &p)?;
    }
    let boundary = t.boundary.unwrap_or(Boundary::Planar);
    if world.is_mpi() && mode != Mode::Batch {
        return Err(Error::Invalid(
            "--mpi trains in batch mode (ranks add up statistics); expected --mode batch".into(),
        ));
    }
    if t.labels.is_some() && !Format::from_path(&t.out).is_ok_and(Format::holds_map) {
        return Err(Error::Invalid(format!(
            "--labels with --out {}: a .csv or .f32 codebook cannot hold unit labels; expected a .json (or SOM_PAK .cod) --out",
            t.out.display()
        )));
    }
    // Rank 0 writes the output.
    world.lead(|| checks::output(&t.out, p.neighbourhood, boundary))?;
    // Batch training reads a .f32 file a block at a time (each rank its own share under
    // MPI), unless asked to load it or a PCA start needs it all; other formats are loaded.
    let pca = matches!(t.init.as_deref(), Some("linear" | "pca"));
    let stream =
        mode == Mode::Batch && is_f32(&t.samples.data) && (world.is_mpi() || !(t.in_memory || pca));
    Ok(Plan {
        settings: p,
        mode,
        boundary,
        stream,
    })
}

/// The data, where the plan reads it ([`data::open`]: a .f32 file opened to be streamed,
/// under MPI a text file opened, else the file read into memory), every rank agreeing that
/// it could.
fn read(world: &World, t: &Train, plan: &Plan) -> Result<Data, Error> {
    let read = data::open(world, &t.samples, plan.stream, None);
    world.agree(read.map_err(|e| flag_error("--data", e)))
}

/// The map, untrained: its start (`--init`, which may hold a lattice of its own), checked
/// against the memory free and the data's magnitude.
fn build(world: &World, t: &Train, plan: &mut Plan, data: &Data) -> Result<Som, Error> {
    let dim = data.dim();
    let p = &mut plan.settings;
    match (t.init_file(), t.init.as_deref()) {
        (Some(file), _) => p.init = start_from(world, t, p, &mut plan.boundary, file, dim)?,
        (None, Some("samples")) => p.init = Init::Samples,
        (None, Some("linear" | "pca")) => p.init = Init::Linear,
        (None, _) => {}
    }
    checks::memory(t.rows, t.cols, dim, plan.mode)?;
    if let Data::Memory(d) = data {
        d.check_magnitude()
            .map_err(|e| Error::Invalid(format!("--data {}: {e}", t.samples.data.display())))?;
    }
    let mut builder = p
        .builder(dim)
        .boundary(plan.boundary)
        .seed(t.seed)
        .distance(t.distance.unwrap_or(Distance::Euclidean))
        .missing(t.missing.unwrap_or(Missing::Error))
        .cutoff(t.cutoff.unwrap_or(0.0))
        .exhaustive(t.exhaustive);
    if let Some(n) = t.threads {
        builder = builder.threads(n);
    }
    builder.build()
}

/// The start an `--init` codebook file gives. A file that knows its lattice (.json, .cod)
/// trains on it, and a flag that says otherwise is an error; SOM_PAK's vsom trains with the
/// neighbourhood its .cod names.
fn start_from(
    world: &World,
    t: &Train,
    p: &mut PresetSettings,
    boundary: &mut Boundary,
    file: &str,
    dim: usize,
) -> Result<Init, Error> {
    let (rows, cols) = (t.rows, t.cols);
    let start = Som::from_codebook_file(file, Some((rows, cols)), Some(dim))
        .map_err(|e| flag_error("--init", e))?;
    let g = start.grid();
    if (g.rows(), g.cols(), start.dim()) != (rows, cols, dim) {
        return Err(Error::Invalid(format!(
            "--init {file}: a {}x{} map of dim {}, expected {rows}x{cols} (--rows, --cols) of dim {dim} (the data's)",
            g.rows(),
            g.cols(),
            start.dim(),
        )));
    }
    let format = Format::from_path(file).ok();
    if format.is_some_and(Format::holds_map) {
        checks::lattice("--topology", t.topology, file, g.topology())?;
        checks::lattice("--boundary", t.boundary, file, g.boundary())?;
        (p.topology, *boundary) = (g.topology(), g.boundary());
        if p.preset == Some(som_std::Preset::SomPak)
            && t.neighbourhood.is_none()
            && format == Some(Format::Cod)
        {
            p.neighbourhood = start.training().shape;
        }
        world.lead(|| checks::output(&t.out, p.neighbourhood, *boundary))?;
    }
    Ok(Init::Codebook(start.codebook()))
}

/// What training did: how long it took, its sample presentations, whether it stopped early,
/// and its history.
struct Trained {
    seconds: f64,
    steps: u64,
    stopped: bool,
    history: Vec<Record>,
}

/// Trains the map online (samples in memory) or in batch, watched: the progress bar, and at
/// every evaluation point (every --eval-every steps online, epochs in batch; one epoch by
/// default) the history's records and the stopping rule.
fn train(
    world: &World,
    t: &Train,
    plan: &Plan,
    som: &mut Som,
    data: &Data,
    rows: &Rows<'_>,
) -> Result<Trained, Error> {
    let n = rows.count() as u64;
    let bar = progress_bar();
    let watch = t.history.is_some() || t.stop_tol.is_some();
    let mut stop = match t.stop_tol {
        Some(tol) => Some(EarlyStop::new(tol, t.stop_patience)?),
        None => None,
    };
    let mut history = Vec::new();
    let online = match data {
        Data::Memory(d) if plan.mode == Mode::Online => Some(d),
        _ => None,
    };
    let eval_every = t
        .eval_every
        .unwrap_or(if online.is_some() { n.max(1) } else { 1 });
    let mut stopped = false;
    let mut observe = |e: &Epoch<'_>| -> Result<bool, Error> {
        bar.set_length(e.total);
        let done = if online.is_some() {
            e.steps
        } else {
            e.epoch as u64
        };
        bar.set_position(done);
        if !watch || !(done.is_multiple_of(eval_every) || done == e.total) {
            return Ok(true);
        }
        let record = e.record()?;
        history.push(record);
        let go_on = stop
            .as_mut()
            .is_none_or(|s| s.keep_going(record.quantization_error));
        stopped |= !go_on && done < e.total;
        Ok(go_on)
    };
    let epochs = t.epochs.unwrap_or(plan.settings.epochs);
    let start = Instant::now();
    let steps = match online {
        Some(d) => {
            let steps = t.steps.unwrap_or(epochs.saturating_mul(n));
            // The bar moves about a hundred times; evaluations fall on its ticks.
            let every = ticks(steps, watch.then_some(eval_every));
            let order = t.order.unwrap_or(Order::Sequential);
            som.train_online_with(d, steps, order, every, &mut observe)?
        }
        None => som
            .train_batch_with(&*world.source(rows), epochs, &mut observe)?
            .saturating_mul(n),
    };
    let seconds = start.elapsed().as_secs_f64();
    bar.finish_and_clear();
    Ok(Trained {
        seconds,
        steps,
        stopped,
        history,
    })
}

/// Writes the history (--history) and the map (--out): rank 0 writes, every rank learns
/// whether it could.
fn write(world: &World, t: &Train, som: &Som, history: &[Record]) -> Result<(), Error> {
    if let Some(path) = &t.history {
        world.lead(|| {
            stage(&format!("writing {}", path.display()), || {
                som_std::watch::write_history(path, history)
            })
        })?;
    }
    world.lead(|| {
        stage(&format!("writing {}", t.out.display()), || {
            som.write_codebook_file(&t.out)
        })
    })
}

/// Measures the trained map's errors and prints what training did (rank 0).
fn report(
    world: &World,
    t: &Train,
    som: &Som,
    data: &Data,
    rows: &Rows<'_>,
    trained: &Trained,
    out: &mut Stdout,
) -> Result<(), Error> {
    let (qe, te) = stage("measuring the errors", || match data {
        Data::Memory(d) if !world.is_mpi() => quality::measure(som, d),
        _ => {
            let (qe, te) = som.quality(&*world.source(rows))?;
            Ok((
                quality::metric("quantization error", qe)?,
                quality::metric("topographic error", te)?,
            ))
        }
    })?;
    let simd = som_std::simd::level()?;
    if !world.leads() {
        return Ok(());
    }
    let Trained {
        seconds,
        steps,
        stopped,
        ..
    } = *trained;
    if t.json {
        return out.line(
            serde_json::json!({ "seconds": seconds, "quantization_error": qe, "topographic_error": te, "steps": steps, "stopped_early": stopped, "simd": simd.name() }),
        );
    }
    out.line(format_args!(
        "trained in {seconds:.3} s ({steps} sample presentations, SIMD {simd})"
    ))?;
    if stopped {
        out.line(format_args!(
            "stopped early: the quantization error improved by less than {} (relative) over {} evaluations",
            t.stop_tol.unwrap_or(0.0),
            t.stop_patience
        ))?;
    }
    out.line(format_args!(
        "quantization error {qe}\ntopographic error  {te}"
    ))?;
    out.line(format_args!("wrote {}", t.out.display()))
}

/// Steps between calls of the online observer: about a hundredth of `steps` for the progress
/// bar, and a divisor of the evaluation period `eval` when there is one, so that every
/// evaluation falls on a call.
fn ticks(steps: u64, eval: Option<u64>) -> u64 {
    let tick = (steps / 100).max(1);
    match eval {
        None => tick,
        Some(e) if e <= tick => e,
        Some(e) => (1..=tick).rev().find(|d| e.is_multiple_of(*d)).unwrap_or(1),
    }
}
