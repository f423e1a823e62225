//! `som`: train Self-Organizing Maps, map data onto them, measure and draw them.
//!
//! Every failure exits non-zero: a usage error (exit 2) with clap's message, which names the
//! argument and shows the usage; any other (exit 1) with one line on stderr.

use clap::{Parser, Subcommand, ValueEnum};
use som_std::io::{
    Dataset, Delimiter, F32File, Format, TextFile, check_writable, read_data_with, write_data,
};
use som_std::picture::{self, Palette, Style};
use som_std::{
    Boundary, Decay, Distance, EarlyStop, Epoch, Error, Flat, Init, Missing, Order, Part,
    PresetSettings, Rows, Shape, Som, Source, Topology, names,
};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "som",
    version,
    about = "Self-Organizing Maps: train, map, measure, draw"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a map and write its codebook (.json, .cod, .csv or .f32).
    Train(Box<Train>),
    /// Print "row col" of each sample's best-matching unit (or, with --predict, its label).
    Map {
        #[command(flatten)]
        input: Input,
        /// Print the label of each sample's best-matching unit instead (a map trained with
        /// --labels).
        #[arg(long)]
        predict: bool,
    },
    /// Print the quantization and topographic error.
    Quality {
        #[command(flatten)]
        input: Input,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Print "row col hits" of each unit: how many samples it wins.
    Hits {
        #[command(flatten)]
        input: Input,
    },
    /// Write the data with each missing value (NaN, `x` in .dat, empty or NA in .csv)
    /// replaced by that component of the sample's best-matching unit, found over the
    /// components present.
    Impute {
        #[command(flatten)]
        input: Input,
        /// The file to write: .csv, .dat or .f32 (header and labels kept).
        #[arg(long)]
        out: PathBuf,
    },
    /// Draw a training history (som train --history) as a PNG: quantization and topographic
    /// error against the epoch.
    PlotHistory {
        /// The history CSV.
        history: PathBuf,
        /// The PNG to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Draw the U-matrix as a PNG.
    Umatrix {
        #[command(flatten)]
        codebook: CodebookArgs,
        /// The PNG to write.
        #[arg(long)]
        out: PathBuf,
        /// Pixels per unit, 4 to 512 (default: 28, smaller for maps too large for that).
        #[arg(long)]
        cell: Option<u32>,
    },
    /// Write a trained map as Rust or C source: the grid and the codebook as a static (f32 or
    /// i16 codes), and the BMU call, for firmware.
    Export {
        #[command(flatten)]
        codebook: CodebookArgs,
        /// rust (for som-kernel) or c (self-contained).
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// f32 (the weights exactly) or i16 (codes of one step, for cores without an FPU).
        #[arg(long, value_enum, default_value = "f32")]
        codes: ExportCodes,
        /// The i16 quantisation step (default: the smallest power of two that holds the
        /// largest weight).
        #[arg(long)]
        step: Option<f32>,
        /// The source file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Rust,
    C,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportCodes {
    F32,
    I16,
}

#[derive(clap::Args)]
struct CodebookArgs {
    /// A trained map: .json (saved map), .cod (SOM_PAK), or .csv/.f32 (one unit per row, with
    /// --rows and --cols).
    #[arg(long)]
    codebook: PathBuf,
    /// Rows of a .csv/.f32 codebook.
    #[arg(long)]
    rows: Option<usize>,
    /// Columns of a .csv/.f32 codebook.
    #[arg(long)]
    cols: Option<usize>,
}

#[derive(clap::Args)]
struct Input {
    #[command(flatten)]
    codebook: CodebookArgs,
    /// Samples: .csv, .dat (SOM_PAK) or .f32 (raw little-endian, with --dim).
    #[arg(long)]
    data: PathBuf,
    /// Values per sample (needed for .f32).
    #[arg(long)]
    dim: Option<usize>,
    /// What separates the values of a .csv --data file: , ; or tab (default: detected).
    #[arg(long)]
    delimiter: Option<Delimiter>,
    /// Share the work among the ranks of an MPI job (mpirun, srun): each reads only its share
    /// of the --data file (.f32 by offset, .csv and .dat by byte range); rank 0 prints.
    #[arg(long)]
    mpi: bool,
    /// What a missing value (NaN, `x` in .dat, empty or NA in .csv) means (default: the
    /// map's own, an error unless it was trained with --missing mask).
    #[arg(long, value_enum)]
    missing: Option<MissingArg>,
}

/// What a missing value in the data means.
#[derive(Clone, Copy, ValueEnum)]
enum MissingArg {
    /// An error naming the sample and column.
    Error,
    /// Left out of distances, updates and batch sums, as SOM_PAK does; a sample with nothing
    /// present trains nothing and maps to `-`.
    Mask,
}

impl From<MissingArg> for Missing {
    fn from(m: MissingArg) -> Missing {
        match m {
            MissingArg::Error => Missing::Error,
            MissingArg::Mask => Missing::Mask,
        }
    }
}

/// The library's `som_std::Preset`s, which define every default.
#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Preset {
    /// The "Self-Organizing Maps with TensorFlow" example (`--sigma` is its sigma of
    /// exp(-d^2 / sigma^2)).
    Seed,
    /// MiniSom's defaults; with --topology hex, MiniSom(x, y)'s hexagonal lattice is --rows y
    /// --cols x, its unit (i, j) at row y-1-j, column i.
    Minisom,
    /// SOM_PAK 3.1's vsom (`--sigma` is its radius); from a .cod --init, with the file's
    /// lattice and neighbourhood.
    Sompak,
}

impl From<Preset> for som_std::Preset {
    fn from(p: Preset) -> som_std::Preset {
        match p {
            Preset::Seed => som_std::Preset::Seed,
            Preset::Minisom => som_std::Preset::MiniSom,
            Preset::Sompak => som_std::Preset::SomPak,
        }
    }
}

impl From<DecayArg> for Decay {
    fn from(d: DecayArg) -> Decay {
        match d {
            DecayArg::Linear => Decay::Linear,
            DecayArg::Asymptotic => Decay::Asymptotic,
            DecayArg::Inverse => Decay::Inverse,
            DecayArg::Exponential => Decay::Exponential,
        }
    }
}

/// `Topology`'s names, short (`rectangular` and `hexagonal` are accepted).
#[derive(Clone, Copy, ValueEnum)]
enum TopologyArg {
    #[value(alias = "rectangular")]
    Rect,
    #[value(alias = "hexagonal")]
    Hex,
}

/// MiniSom's `activation_distance` names.
#[derive(Clone, Copy, ValueEnum)]
enum DistanceArg {
    Euclidean,
    Cosine,
    Manhattan,
    Chebyshev,
}

#[derive(Clone, Copy, ValueEnum)]
enum BoundaryArg {
    Planar,
    Toroidal,
}

#[derive(Clone, Copy, ValueEnum)]
enum ShapeArg {
    Gaussian,
    Bubble,
    Triangle,
    MexicanHat,
}

/// `Decay`'s names.
#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum DecayArg {
    Linear,
    Asymptotic,
    Inverse,
    Exponential,
}

/// `Order`'s names; `random` is accepted for `shuffled`.
#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum OrderArg {
    /// The samples as given.
    Sequential,
    /// A fresh random permutation every pass (`Order::Shuffled`).
    #[value(alias = "random")]
    Shuffled,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Mode {
    Online,
    Batch,
}

#[derive(clap::Args)]
#[command(allow_negative_numbers = true)]
struct Train {
    /// Samples: .csv, .dat (SOM_PAK) or .f32 (raw little-endian, with --dim).
    #[arg(long)]
    data: PathBuf,
    /// Values per sample (needed for .f32).
    #[arg(long)]
    dim: Option<usize>,
    /// What separates the values of a .csv --data file: , ; or tab (default: detected).
    #[arg(long)]
    delimiter: Option<Delimiter>,
    /// Rows of the map.
    #[arg(long)]
    rows: usize,
    /// Columns of the map.
    #[arg(long)]
    cols: usize,
    /// Where to write the trained map: .json, .cod, .csv or .f32.
    #[arg(long)]
    out: PathBuf,
    /// Print one JSON object: seconds, quantization_error, topographic_error, steps.
    #[arg(long)]
    json: bool,
    /// Every default of a known system; other flags override single settings.
    #[arg(long, value_enum)]
    preset: Option<Preset>,
    /// random, samples, linear (the plane of the data's two principal axes: `Init::Linear`,
    /// MiniSom's pca_weights_init; `pca` is accepted), or a codebook file (.json, .cod, .csv
    /// row-major).
    #[arg(long)]
    init: Option<String>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, value_enum)]
    topology: Option<TopologyArg>,
    #[arg(long, value_enum)]
    boundary: Option<BoundaryArg>,
    /// What ranks units (training's winners and every later query; the quantization error
    /// stays Euclidean, as in MiniSom). Default euclidean.
    #[arg(long, value_enum)]
    distance: Option<DistanceArg>,
    /// What a missing value (NaN, `x` in .dat, empty or NA in .csv) means: an error naming
    /// the sample and column (default), or masked out as SOM_PAK does (saved with the map).
    #[arg(long, value_enum)]
    missing: Option<MissingArg>,
    #[arg(long, value_enum)]
    neighbourhood: Option<ShapeArg>,
    /// Skip units whose neighbourhood weight is below this.
    #[arg(long)]
    cutoff: Option<f32>,
    /// Initial learning rate.
    #[arg(long)]
    alpha: Option<f32>,
    /// Final learning rate (linear, inverse and exponential decay).
    #[arg(long)]
    alpha_final: Option<f32>,
    /// Initial neighbourhood width (SOM_PAK's -radius).
    #[arg(long)]
    sigma: Option<f32>,
    /// Final neighbourhood width (linear, inverse and exponential decay).
    #[arg(long)]
    sigma_final: Option<f32>,
    #[arg(long, value_enum)]
    decay: Option<DecayArg>,
    /// Passes over the data.
    #[arg(long, conflicts_with = "steps")]
    epochs: Option<u64>,
    /// Single-sample updates (online).
    #[arg(long)]
    steps: Option<u64>,
    #[arg(long, value_enum)]
    order: Option<OrderArg>,
    #[arg(long, value_enum)]
    mode: Option<Mode>,
    /// Threads for batch training and queries (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Batch training across the ranks of an MPI job (mpirun, srun): each reads only its
    /// share of the --data file (.f32 by offset, .csv and .dat by byte range), all combine
    /// their statistics, rank 0 writes --out and prints.
    #[arg(long)]
    mpi: bool,
    /// Read a .f32 --data file into memory for batch training (by default it is streamed in
    /// blocks, so files larger than memory train).
    #[arg(long)]
    in_memory: bool,
    /// Write the training history as CSV: epoch, steps, quantization and topographic error,
    /// alpha, sigma, at every evaluation (see --eval-every). Draw it with `som plot-history`.
    #[arg(long)]
    history: Option<PathBuf>,
    /// Evaluate the errors every N steps (online; default one epoch) or epochs (batch;
    /// default 1), for --history and --stop-tol. Each evaluation is one search of all samples.
    #[arg(long)]
    eval_every: Option<u64>,
    /// Stop early when the quantization error improves by less than this fraction of its best
    /// over --stop-patience evaluations in a row (e.g. 0.001).
    #[arg(long)]
    stop_tol: Option<f32>,
    /// Evaluations without enough improvement before --stop-tol stops training.
    #[arg(long, default_value_t = 5, requires = "stop_tol")]
    stop_patience: u32,
    /// One label per sample, one per line (a header line is allowed): after training, each
    /// unit takes the majority label of the samples it wins (empty units the nearest labelled
    /// unit's), saved in the map for `som map --predict`. Needs a .json --out.
    #[arg(long)]
    labels: Option<PathBuf>,
}

fn main() -> ExitCode {
    // A bug must still end in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| eprintln!("som: internal error: {info}")));
    // Help and version go to stdout with exit 0; a usage error prints clap's whole message
    // (which argument, what it expected, "did you mean", the usage line) with exit 2.
    let cli = Cli::try_parse().unwrap_or_else(|e| e.exit());
    let mpi = match &cli.command {
        Command::Train(t) => t.mpi,
        Command::Map { input, .. }
        | Command::Hits { input }
        | Command::Quality { input, .. }
        | Command::Impute { input, .. } => input.mpi,
        Command::Umatrix { .. } | Command::PlotHistory { .. } | Command::Export { .. } => false,
    };
    let ctx = match Ctx::new(mpi) {
        Ok(ctx) => ctx,
        Err(e) => return fail(&format!("som: {e}")),
    };
    match run(&ctx, cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("som: {}{e}", ctx.who())),
    }
}

/// Prints one line on stderr in one write (so the lines of MPI ranks never interleave), and
/// exits 1.
fn fail(line: &str) -> ExitCode {
    use std::io::Write;
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
    ExitCode::FAILURE
}

/// Where this process runs: alone, or as one rank of an MPI job (feature `mpi`).
struct Ctx {
    #[cfg(feature = "mpi")]
    world: Option<(
        mpi::environment::Universe,
        mpi::topology::SimpleCommunicator,
    )>,
}

impl Ctx {
    #[cfg(feature = "mpi")]
    fn new(mpi: bool) -> Result<Ctx, Error> {
        if !mpi {
            return Ok(Ctx { world: None });
        }
        let universe = mpi::initialize().ok_or_else(|| {
            Error::Invalid("--mpi: MPI could not be started (or was started twice)".into())
        })?;
        let world = universe.world();
        let ctx = Ctx {
            world: Some((universe, world)),
        };
        // Ranks given different options would train different maps: stop before anything.
        // The --data path may differ (node-local copies); the data's size is checked later.
        let mut args = Vec::new();
        let mut skip = false;
        for a in std::env::args().skip(1) {
            if std::mem::take(&mut skip) || a.starts_with("--data=") {
                continue;
            }
            skip = a == "--data";
            if !skip {
                args.push(a);
            }
        }
        let result = ctx.check_same("the options", &args.join(" "));
        result.map_err(|e| Error::Invalid(format!("{}{e}", ctx.who())))?;
        Ok(ctx)
    }

    #[cfg(not(feature = "mpi"))]
    fn new(mpi: bool) -> Result<Ctx, Error> {
        if mpi {
            return Err(Error::Invalid(
                "--mpi: this som was built without MPI; expected a build with --features cli,mpi"
                    .into(),
            ));
        }
        Ok(Ctx {})
    }

    #[cfg(feature = "mpi")]
    fn comm(&self) -> Option<&mpi::topology::SimpleCommunicator> {
        self.world.as_ref().map(|(_, w)| w)
    }

    /// `rank R of N: ` under MPI (so that logs say which rank said what), nothing alone.
    fn who(&self) -> String {
        match self.rank_size() {
            Some((r, n)) => format!("rank {r} of {n}: "),
            None => String::new(),
        }
    }

    fn rank_size(&self) -> Option<(usize, usize)> {
        #[cfg(feature = "mpi")]
        if let Some(w) = self.comm() {
            use mpi::traits::Communicator;
            return Some((w.rank() as usize, w.size() as usize));
        }
        None
    }

    fn is_mpi(&self) -> bool {
        self.rank_size().is_some()
    }

    /// Whether this process prints and writes: rank 0, or the only one.
    fn leads(&self) -> bool {
        self.rank_size().is_none_or(|(r, _)| r == 0)
    }

    /// Every rank learns whether all succeeded (nothing to learn alone).
    fn agree<T>(&self, local: Result<T, Error>) -> Result<T, Error> {
        #[cfg(feature = "mpi")]
        if let Some(w) = self.comm() {
            return match local {
                Ok(v) => som_std::mpi::agree(w, Ok(())).map(|()| v),
                Err(e) => {
                    let _ = som_std::mpi::agree(w, Err(Error::Invalid(e.to_string())));
                    Err(e)
                }
            };
        }
        local
    }

    #[cfg(feature = "mpi")]
    fn check_same(&self, what: &str, text: &str) -> Result<(), Error> {
        match self.comm() {
            Some(w) => som_std::mpi::check_same(w, what, text),
            None => Ok(()),
        }
    }

    /// `rows` as the map's batch training and queries read them: shared among the ranks under
    /// MPI (each works on its share, the results are combined), else as they are.
    fn source<'a>(&'a self, rows: &'a Rows<'a>) -> Box<dyn Source + 'a> {
        #[cfg(feature = "mpi")]
        if let Some(w) = self.comm() {
            return Box::new(som_std::mpi::Shared::new(w, rows));
        }
        Box::new(*rows)
    }

    /// A text file's part for this rank, read for `som` (collective); other data as it is.
    fn read_part(&self, data: Data, som: &Som) -> Result<Data, Error> {
        let Data::Text(file) = data else {
            return Ok(data);
        };
        #[cfg(feature = "mpi")]
        if let Some(w) = self.comm() {
            let read = stage(&format!("reading {}", file.name()), || {
                som_std::mpi::read_part(w, &file, som)
            });
            return read.map(Data::Part).map_err(|e| flag_error("--data", e));
        }
        let _ = som;
        Err(Error::Invalid(format!(
            "{}: a text file is read by parts only under --mpi",
            file.name()
        )))
    }
}

/// Samples a command reads: a raw .f32 file read in blocks, a file read into memory, or under
/// MPI a text file opened, then this rank's part of it.
enum Data {
    File(F32File),
    Memory(Dataset),
    Text(TextFile),
    Part(Part),
}

impl Data {
    fn rows(&self) -> Result<Rows<'_>, Error> {
        Ok(match self {
            Data::File(f) => Rows::File(f),
            Data::Memory(d) => Rows::Memory(Flat::new(&d.data, d.dim)?),
            Data::Part(p) => Rows::Part(p),
            Data::Text(f) => {
                return Err(Error::Invalid(format!(
                    "{}: its part is read once the map is known",
                    f.name()
                )));
            }
        })
    }

    fn dim(&self) -> usize {
        match self {
            Data::File(f) => f.dim(),
            Data::Memory(d) => d.dim,
            Data::Text(f) => f.dim(),
            Data::Part(p) => p.dim(),
        }
    }
}

fn run(ctx: &Ctx, command: Command) -> Result<(), Error> {
    match command {
        Command::Train(t) => train(ctx, *t),
        Command::Map { input, predict } if input.mpi || is_f32(&input.data) => {
            let (som, data) = ctx.agree(load_rows(ctx, &input))?;
            let data = ctx.read_part(data, &som)?;
            let labels = if predict {
                Some(labels_of(&som, &input)?)
            } else {
                None
            };
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let rows = data.rows()?;
            som.bmus_each(&*ctx.source(&rows), |_, bmus| {
                print_units(&mut out, &som, labels, bmus)
            })
        }
        Command::Hits { input } => {
            let (som, data) = ctx.agree(load_rows(ctx, &input))?;
            let data = ctx.read_part(data, &som)?;
            let hits = stage("counting hits", || som.hits(&*ctx.source(&data.rows()?)))?;
            if ctx.leads() {
                let mut out = String::new();
                for (k, h) in hits.iter().enumerate() {
                    let (r, c) = som.grid().row_col(k);
                    out.push_str(&format!("{r} {c} {h}\n"));
                }
                print!("{out}");
            }
            Ok(())
        }
        Command::Quality { input, json } if input.mpi || is_f32(&input.data) => {
            let (som, data) = ctx.agree(load_rows(ctx, &input))?;
            let data = ctx.read_part(data, &som)?;
            let (qe, te) = stage("measuring the errors", || {
                som.quality(&*ctx.source(&data.rows()?))
            })?;
            print_quality(ctx, qe, te, json)
        }
        Command::Map { input, predict } => {
            let (som, data) = load(&input)?;
            let labels = if predict {
                Some(labels_of(&som, &input)?)
            } else {
                None
            };
            let bmus = stage("mapping", || som.bmus(&data))?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            print_units(&mut out, &som, labels, &bmus)
        }
        Command::Quality { input, json } => {
            let (som, data) = load(&input)?;
            let (qe, te) = stage("measuring the errors", || quality(&som, &data))?;
            print_quality(ctx, qe, te, json)
        }
        Command::Impute { input, .. } if input.mpi => Err(Error::Invalid(
            "impute --mpi: impute writes one file from one process; expected it without --mpi"
                .into(),
        )),
        Command::Impute { input, out } => {
            check_writable(&out).map_err(|e| Error::Invalid(format!("--out: {e}")))?;
            let (som, data) = load(&input)?;
            let filled = stage("imputing", || som.impute(&data))?;
            stage(&format!("writing {}", out.display()), || {
                write_data(
                    &out,
                    &filled,
                    data.dim,
                    data.columns.as_deref(),
                    &data.labels,
                )
            })
        }
        Command::PlotHistory { history, out } => {
            check_picture(&out)?;
            let records = som_std::watch::read_history(&history)?;
            let picture = picture::history(&records, &Style::default())
                .map_err(|e| Error::Invalid(format!("{}: {e}", history.display())))?;
            picture.save_png(&out)
        }
        Command::Export {
            codebook,
            format,
            codes,
            step,
            out,
        } => {
            use som_std::io::export::{Codes, Language, export};
            let som = codebook_of(&codebook, None)?;
            let language = match format {
                ExportFormat::Rust => Language::Rust,
                ExportFormat::C => Language::C,
            };
            let codes = match codes {
                ExportCodes::F32 => Codes::F32,
                ExportCodes::I16 => Codes::I16(step),
            };
            let text = export(&som, language, codes)?;
            som_std::io::write_atomic(&out, |file, name| {
                use std::io::Write;
                file.write_all(text.as_bytes()).map_err(|source| Error::Io {
                    file: name.to_string(),
                    source,
                })
            })
        }
        Command::Umatrix {
            codebook,
            out,
            cell,
        } => {
            let som = codebook_of(&codebook, None)?;
            check_picture(&out)?;
            let g = som.grid();
            let umatrix = som.umatrix();
            let draw = |cell: u32| {
                let style = Style {
                    palette: Palette::Greys,
                    title: Some("U-matrix".into()),
                    cell,
                    ..Style::default()
                };
                picture::umatrix(g, &umatrix, &style)
            };
            // Without --cell, the largest of these cells that keeps the picture in bounds.
            let picture = stage("drawing", || match cell {
                Some(cell) => draw(cell).map_err(|e| Error::Invalid(format!("--cell {cell}: {e}"))),
                None => [28, 20, 14, 10, 7, 5, 4]
                    .into_iter()
                    .map(draw)
                    .find(|p| p.is_ok())
                    .unwrap_or_else(|| draw(4)),
            })?;
            stage(&format!("writing {}", out.display()), || {
                picture.save_png(&out)
            })
        }
    }
}

/// The unit labels of a map for `map --predict`, or an error naming the codebook.
fn labels_of<'s>(som: &'s Som, input: &Input) -> Result<&'s [String], Error> {
    som.labels().ok_or_else(|| {
        Error::Invalid(format!(
            "--predict: {} has no unit labels; expected a map trained with --labels (a .json map)",
            input.codebook.codebook.display()
        ))
    })
}

/// Prints each sample's unit as `row col`, or its label (`labels`); `-` for a sample with
/// every component missing, which has no unit.
fn print_units(
    out: &mut impl std::io::Write,
    som: &Som,
    labels: Option<&[String]>,
    bmus: &[som_std::kernel::Bmu],
) -> Result<(), Error> {
    for b in bmus {
        let line = match (labels, b.found()) {
            (_, None) => writeln!(out, "-"),
            (Some(l), Some(k)) => writeln!(out, "{}", l[k]),
            (None, Some(k)) => {
                let (r, c) = som.grid().row_col(k);
                writeln!(out, "{r} {c}")
            }
        };
        line.map_err(|e| Error::Io {
            file: "standard output".into(),
            source: e,
        })?;
    }
    Ok(())
}

/// Prints the errors (rank 0 alone under MPI).
fn print_quality(ctx: &Ctx, qe: f32, te: f32, json: bool) -> Result<(), Error> {
    let qe = metric("quantization error", qe)?;
    let te = metric("topographic error", te)?;
    if !ctx.leads() {
    } else if json {
        println!(
            "{}",
            serde_json::json!({ "quantization_error": qe, "topographic_error": te })
        );
    } else {
        println!("quantization error {qe}\ntopographic error  {te}");
    }
    Ok(())
}

/// Whether a path names a raw .f32 file.
fn is_f32(path: &std::path::Path) -> bool {
    matches!(Format::from_path(path), Ok(Format::F32))
}

/// The codebook and the samples of a query that reads its data a block at a time: a .f32
/// file stays on disk; other formats are read into memory.
fn load_rows(ctx: &Ctx, input: &Input) -> Result<(Som, Data), Error> {
    if !is_f32(&input.data) && ctx.is_mpi() {
        let som = query_map(input)?;
        let file = TextFile::open(&input.data, input.dim, input.delimiter)?;
        check_dims(&som, input, file.dim())?;
        return Ok((som, Data::Text(file)));
    }
    if !is_f32(&input.data) {
        let (som, data) = load(input)?;
        return Ok((som, Data::Memory(data)));
    }
    let som = query_map(input)?;
    let dim = input.dim.unwrap_or(som.dim());
    let file = F32File::open(&input.data, dim)?;
    check_dims(&som, input, dim)?;
    Ok((som, Data::File(file)))
}

/// Checks that the data of a query has the codebook's dim.
fn check_dims(som: &Som, input: &Input, dim: usize) -> Result<(), Error> {
    if dim != som.dim() {
        let given = if input.dim.is_some() { " (--dim)" } else { "" };
        return Err(Error::Invalid(format!(
            "the codebook {} has dim {}, the data {} dim {dim}{given}; expected the same",
            input.codebook.codebook.display(),
            som.dim(),
            input.data.display()
        )));
    }
    Ok(())
}

/// The quantization and topographic errors, as numbers.
fn quality(som: &Som, data: &Dataset) -> Result<(f32, f32), Error> {
    let qe = metric("quantization error", som.quantization_error(data)?)?;
    let te = metric("topographic error", som.topographic_error(data)?)?;
    Ok((qe, te))
}

/// A metric as a number, or an error saying why there is none: `null` is not a number.
fn metric(name: &str, v: f32) -> Result<f32, Error> {
    if v.is_finite() {
        return Ok(v);
    }
    Err(Error::Invalid(format!(
        "the {name} is {v}: the distances between the data and the codebook overflow f32; expected values whose squared differences stay below 3.4e38 (scale the data)"
    )))
}

/// Checks that the squared distances of this data stay finite in f32: past that, every unit
/// is as far as every other and training learns nothing (and the errors are infinite).
fn check_magnitude(path: &std::path::Path, data: &Dataset) -> Result<(), Error> {
    let largest = data.data.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let bound = (f64::from(f32::MAX) / data.dim as f64).sqrt() / 2.0;
    if f64::from(largest) > bound {
        return Err(Error::Invalid(format!(
            "--data {}: a value of magnitude {largest:e}; expected at most {bound:.3e} for dim {} (larger squared distances overflow f32): scale the data",
            path.display(),
            data.dim
        )));
    }
    Ok(())
}

/// Checks that a picture can be written at `out`, before drawing it.
fn check_picture(out: &std::path::Path) -> Result<(), Error> {
    let png = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if !png {
        return Err(Error::Invalid(format!(
            "--out {}: expected a file name ending in .png",
            out.display()
        )));
    }
    check_writable(out).map_err(|e| Error::Invalid(format!("--out: {e}")))
}

fn codebook_of(args: &CodebookArgs, dim: Option<usize>) -> Result<Som, Error> {
    let shape = args.rows.zip(args.cols);
    Som::from_codebook_file(&args.codebook, shape, dim)
}

/// The query's map: its codebook, reading missing values as `--missing` says if given.
fn query_map(input: &Input) -> Result<Som, Error> {
    let mut som = codebook_of(&input.codebook, None)?;
    if let Some(m) = input.missing {
        som.set_missing(m.into())?;
    }
    Ok(som)
}

fn load(input: &Input) -> Result<(Som, Dataset), Error> {
    let som = stage(
        &format!("reading {}", input.codebook.codebook.display()),
        || query_map(input),
    )?;
    let data_name = input.data.display();
    // Raw .f32 data does not say its dim: --dim, or else the codebook's.
    let raw = matches!(Format::from_path(&input.data), Ok(Format::F32));
    let data = stage(&format!("reading {data_name}"), || {
        read_data_with(
            &input.data,
            input.dim.or(raw.then(|| som.dim())),
            input.delimiter,
        )
    })?;
    check_dims(&som, input, data.dim)?;
    Ok((som, data))
}

/// The name a user types for a flag's value (`mexican-hat`, `toroidal`).
fn value<T: ValueEnum>(v: &T) -> String {
    v.to_possible_value()
        .map_or_else(String::new, |p| p.get_name().to_string())
}

/// Checks of the flags alone, before any file is read: nothing long may start that these
/// would stop at its end.
fn check_flags(t: &Train, mode: Mode, decay: Decay) -> Result<(), Error> {
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
    if let Some(path) = &t.history {
        check_writable(path).map_err(|e| Error::Invalid(format!("--history: {e}")))?;
    }
    if let Some(n) = t.threads
        && !(1..=som_std::MAX_THREADS).contains(&n)
    {
        return invalid(format!(
            "--threads {n}: expected 1 to {} (default: all cores)",
            som_std::MAX_THREADS
        ));
    }
    if decay == Decay::Asymptotic {
        for (flag, given) in [
            ("--alpha-final", t.alpha_final),
            ("--sigma-final", t.sigma_final),
        ] {
            if let Some(v) = given {
                return invalid(format!(
                    "{flag} {v}: the asymptotic decay has no final value; give --decay linear, inverse or exponential, or leave {flag} out"
                ));
            }
        }
    }
    Ok(())
}

/// A decay must not rise: a final value above the initial one is an error naming both.
fn check_final(
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

/// Checks that `out` can be written, in a format that can hold this map, before training.
fn check_output(out: &std::path::Path, shape: Shape, boundary: Boundary) -> Result<(), Error> {
    let name = out.display();
    let formats = "expected a file name ending in .json, .cod, .csv or .f32";
    if out.is_dir() {
        return Err(Error::Invalid(format!(
            "--out {name} is a directory; {formats}"
        )));
    }
    match Format::from_path(out) {
        Err(_) => return Err(Error::Invalid(format!("--out {name}: {formats}"))),
        Ok(Format::Dat) => {
            return Err(Error::Invalid(format!(
                "--out {name}: .dat holds data, not a map; {formats}"
            )));
        }
        Ok(Format::Cod) => som_std::io::sompak_can_hold(shape, boundary).map_err(|e| {
            Error::Invalid(format!(
                "--out {name}: {e}; write .json, .csv or .f32 instead"
            ))
        })?,
        Ok(_) => {}
    }
    check_writable(out).map_err(|e| Error::Invalid(format!("--out: {e}")))
}

/// Checks that training a `rows x cols` map of `dim` fits the memory this machine has free,
/// with a message that says how much it needs.
fn check_memory(rows: usize, cols: usize, dim: usize, mode: Mode) -> Result<(), Error> {
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

fn train(ctx: &Ctx, t: Train) -> Result<(), Error> {
    let (rows, cols) = (t.rows, t.cols);
    // The preset's settings, in its system's terms (the library's one definition); each flag
    // overrides one.
    let mut p = match t.preset {
        Some(preset) => som_std::Preset::from(preset).settings(rows, cols),
        None => PresetSettings::new(rows, cols),
    };
    if let Some(d) = t.decay {
        p.decay = d.into();
    }
    let decay = p.decay;
    let mode = t.mode.unwrap_or(Mode::Online);
    check_flags(&t, mode, decay)?;
    p.alpha = t.alpha.unwrap_or(p.alpha);
    p.sigma = t.sigma.unwrap_or(p.sigma);
    p.alpha_final = t.alpha_final.or(p.alpha_final);
    p.sigma_final = t.sigma_final.or(p.sigma_final);
    check_final(
        "--alpha-final",
        "--alpha",
        p.alpha,
        t.alpha.is_some(),
        t.alpha_final,
    )?;
    check_final(
        "--sigma-final",
        "--sigma",
        p.sigma,
        t.sigma.is_some(),
        t.sigma_final,
    )?;
    if mode == Mode::Batch && decay == Decay::Linear && p.sigma_end() <= 0.0 {
        return Err(Error::Invalid(match t.sigma_final {
            Some(v) => format!(
                "--sigma-final {v} with --mode batch: the last epoch uses the final width, expected > 0"
            ),
            None => "--mode batch: the last epoch uses the final width, 0 by default for this preset; expected > 0: give --sigma-final (e.g. 1)".into(),
        }));
    }
    if let Some(shape) = t.neighbourhood {
        p.neighbourhood = match shape {
            ShapeArg::Gaussian => Shape::Gaussian,
            ShapeArg::Bubble => Shape::Bubble,
            ShapeArg::Triangle => Shape::Triangle,
            ShapeArg::MexicanHat => Shape::MexicanHat,
        };
    }
    let shape = p.neighbourhood;
    if mode == Mode::Batch && shape.check_batch().is_err() {
        return Err(Error::Invalid(format!(
            "--neighbourhood {} with --mode batch: batch training takes a weighted mean, and its weights can be negative; expected gaussian, bubble or triangle, or --mode online",
            names::shape(shape)
        )));
    }
    let mut topology = match t.topology {
        Some(TopologyArg::Rect) => Topology::Rectangular,
        Some(TopologyArg::Hex) => Topology::Hexagonal,
        None => p.topology,
    };
    let mut boundary = match t.boundary {
        Some(BoundaryArg::Toroidal) => Boundary::Toroidal,
        _ => Boundary::Planar,
    };
    if ctx.is_mpi() && mode != Mode::Batch {
        return Err(Error::Invalid(
            "--mpi trains in batch mode (ranks add up statistics); expected --mode batch".into(),
        ));
    }
    if t.labels.is_some() && !matches!(Format::from_path(&t.out), Ok(Format::Json | Format::Cod)) {
        return Err(Error::Invalid(format!(
            "--labels with --out {}: a .csv or .f32 codebook cannot hold unit labels; expected a .json (or SOM_PAK .cod) --out",
            t.out.display()
        )));
    }
    // Before the data is read: the output, as far as the flags tell (rank 0 writes it).
    ctx.agree(if ctx.leads() {
        check_output(&t.out, shape, boundary)
    } else {
        Ok(())
    })?;
    // Batch training reads a .f32 file a block at a time (each rank its own share under
    // MPI), unless asked to load it or a PCA start needs it all; other formats are loaded.
    let pca = matches!(t.init.as_deref(), Some("linear" | "pca"));
    let stream = mode == Mode::Batch && is_f32(&t.data) && (ctx.is_mpi() || !(t.in_memory || pca));
    let data = ctx.agree(
        stage(&format!("reading {}", t.data.display()), || {
            if stream {
                let dim = t.dim.ok_or_else(|| {
                    Error::Invalid(format!(
                        "{}: raw .f32 data does not say its dimension: give it (--dim)",
                        t.data.display()
                    ))
                })?;
                F32File::open(&t.data, dim).map(Data::File)
            } else if ctx.is_mpi() {
                TextFile::open(&t.data, t.dim, t.delimiter).map(Data::Text)
            } else {
                read_data_with(&t.data, t.dim, t.delimiter).map(Data::Memory)
            }
        })
        .map_err(|e| flag_error("--data", e)),
    )?;
    let dim = data.dim();
    p.init = match t.init.as_deref() {
        None | Some("random") => p.init,
        Some("samples") => Init::Samples,
        Some("linear" | "pca") => Init::Linear,
        Some(file) => {
            let start = Som::from_codebook_file(file, Some((rows, cols)), Some(dim))
                .map_err(|e| flag_error("--init", e))?;
            let g = start.grid();
            if (g.rows(), g.cols(), start.dim()) != (rows, cols, dim) {
                return Err(Error::Invalid(format!(
                    "--init {file}: a {}x{} map of dim {}, expected {rows}x{cols} (--rows, --cols) of dim {} (the data's)",
                    g.rows(),
                    g.cols(),
                    start.dim(),
                    dim
                )));
            }
            // A file that knows its lattice trains on it; a flag that says otherwise is an error.
            if matches!(Format::from_path(file), Ok(Format::Json | Format::Cod)) {
                if let Some(flag) = t.topology.filter(|_| g.topology() != topology) {
                    return Err(lattice_conflict(
                        "--topology",
                        &value(&flag),
                        file,
                        names::topology(g.topology()),
                    ));
                }
                if let Some(flag) = t.boundary.filter(|_| g.boundary() != boundary) {
                    return Err(lattice_conflict(
                        "--boundary",
                        &value(&flag),
                        file,
                        names::boundary(g.boundary()),
                    ));
                }
                (topology, boundary) = (g.topology(), g.boundary());
                // SOM_PAK's vsom trains with the neighbourhood its codebook file names.
                if p.preset == Some(som_std::Preset::SomPak)
                    && t.neighbourhood.is_none()
                    && Format::from_path(file).is_ok_and(|f| f == Format::Cod)
                {
                    p.neighbourhood = start.training().shape;
                }
                if ctx.leads() {
                    check_output(&t.out, p.neighbourhood, boundary)?;
                }
            }
            Init::Codebook(start.codebook())
        }
    };
    check_memory(rows, cols, dim, mode)?;
    if let Data::Memory(d) = &data {
        check_magnitude(&t.data, d)?;
    }
    p.topology = topology;
    let mut builder = p
        .builder(dim)
        .boundary(boundary)
        .seed(t.seed)
        .distance(match t.distance {
            None | Some(DistanceArg::Euclidean) => Distance::Euclidean,
            Some(DistanceArg::Cosine) => Distance::Cosine,
            Some(DistanceArg::Manhattan) => Distance::Manhattan,
            Some(DistanceArg::Chebyshev) => Distance::Chebyshev,
        })
        .missing(t.missing.map_or(Missing::Error, Missing::from))
        .cutoff(t.cutoff.unwrap_or(0.0));
    if let Some(n) = t.threads {
        builder = builder.threads(n);
    }
    let mut som = builder.build()?;
    let data = ctx.read_part(data, &som)?;
    let labels = match &t.labels {
        Some(path) => Some(stage(&format!("reading {}", path.display()), || {
            som_std::io::read_labels(path, data.rows()?.count())
        })?),
        None => None,
    };
    let rows_of = data.rows()?;
    let n = rows_of.count() as u64;
    let order = match t.order {
        Some(OrderArg::Shuffled) => Order::Shuffled,
        _ => Order::Sequential,
    };
    let bar = progress_bar();
    // Watched training: the history's records and the stopping rule, at every evaluation
    // point (every --eval-every steps online, epochs in batch; one epoch by default).
    let watch = t.history.is_some() || t.stop_tol.is_some();
    let mut stop = match t.stop_tol {
        Some(tol) => Some(EarlyStop::new(tol, t.stop_patience)?),
        None => None,
    };
    let mut history = Vec::new();
    let online = mode == Mode::Online && matches!(data, Data::Memory(_));
    let eval_every = t.eval_every.unwrap_or(if online { n.max(1) } else { 1 });
    let mut stopped = false;
    let mut observe = |e: &Epoch<'_>| -> Result<bool, Error> {
        bar.set_length(e.total);
        let done = if online { e.steps } else { e.epoch as u64 };
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
    let start = Instant::now();
    let steps = match (mode, &data) {
        (Mode::Online, Data::Memory(d)) => {
            let steps = t
                .steps
                .unwrap_or(t.epochs.unwrap_or(p.epochs).saturating_mul(n));
            // The bar moves about a hundred times; evaluations fall on its ticks.
            let every = ticks(steps, watch.then_some(eval_every));
            som.train_online_with(d, steps, order, every, &mut observe)?
        }
        _ => {
            let e = t.epochs.unwrap_or(p.epochs);
            som.train_batch_with(&*ctx.source(&rows_of), e, &mut observe)?
                .saturating_mul(n)
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    bar.finish_and_clear();
    if let Some(labels) = &labels {
        stage("labelling the units", || {
            som.classify(&*ctx.source(&rows_of), labels).map(drop)
        })?;
    }
    if let Some(path) = &t.history {
        ctx.agree(if ctx.leads() {
            stage(&format!("writing {}", path.display()), || {
                som_std::watch::write_history(path, &history)
            })
        } else {
            Ok(())
        })?;
    }
    // Rank 0 writes; every rank learns whether it could.
    ctx.agree(if ctx.leads() {
        stage(&format!("writing {}", t.out.display()), || {
            som.write_codebook_file(&t.out)
        })
    } else {
        Ok(())
    })?;
    let (qe, te) = stage("measuring the errors", || match &data {
        Data::Memory(d) if !ctx.is_mpi() => quality(&som, d),
        _ => {
            let (qe, te) = som.quality(&*ctx.source(&rows_of))?;
            Ok((
                metric("quantization error", qe)?,
                metric("topographic error", te)?,
            ))
        }
    })?;
    let simd = som_std::simd::level()?;
    if !ctx.leads() {
        return Ok(());
    }
    if t.json {
        println!(
            "{}",
            serde_json::json!({ "seconds": seconds, "quantization_error": qe, "topographic_error": te, "steps": steps, "stopped_early": stopped, "simd": simd.name() })
        );
    } else {
        println!("trained in {seconds:.3} s ({steps} sample presentations, SIMD {simd})");
        if stopped {
            println!(
                "stopped early: the quantization error improved by less than {} (relative) over {} evaluations",
                t.stop_tol.unwrap_or(0.0),
                t.stop_patience
            );
        }
        println!("quantization error {qe}\ntopographic error  {te}");
        println!("wrote {}", t.out.display());
    }
    Ok(())
}

/// A flag that asks for another lattice than the `--init` file holds.
fn lattice_conflict(flag: &str, given: &str, file: &str, has: &str) -> Error {
    Error::Invalid(format!(
        "{flag} {given}, but --init {file} holds a {has} map; leave {flag} out to train on the file's lattice"
    ))
}

/// An error of reading the file a flag names, with the flag in front when the message does
/// not already start with the file.
fn flag_error(flag: &str, e: Error) -> Error {
    match e {
        Error::Io { .. } | Error::Parse { .. } => e,
        e => Error::Invalid(format!("{flag}: {e}")),
    }
}

/// Runs `work` under a spinner naming it, on stderr when it is a terminal (nothing otherwise,
/// so `--json` and redirected output stay machine-readable): long reads, queries and drawings
/// show that they are alive.
fn stage<T>(what: &str, work: impl FnOnce() -> T) -> T {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return work();
    }
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    spinner.set_message(what.to_string());
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let out = work();
    spinner.finish_and_clear();
    out
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

/// A progress bar on stderr when it is a terminal, invisible otherwise.
fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed_precise} eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}
