//! `som`: train Self-Organizing Maps, map data onto them, measure and draw them.
//!
//! Every failure exits non-zero with one line on stderr.

use clap::{Parser, Subcommand, ValueEnum};
use som_std::io::{Dataset, read_data};
use som_std::picture::{self, Palette, Style};
use som_std::{Boundary, Clock, Error, Init, Order, Schedule, Shape, Som, Topology};
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
    /// Print "row col" of each sample's best-matching unit.
    Map {
        #[command(flatten)]
        input: Input,
    },
    /// Print the quantization and topographic error.
    Quality {
        #[command(flatten)]
        input: Input,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Draw the U-matrix as a PNG.
    Umatrix {
        #[command(flatten)]
        codebook: CodebookArgs,
        /// The PNG to write.
        #[arg(long)]
        out: PathBuf,
    },
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
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Preset {
    /// The "Self-Organizing Maps with TensorFlow" example.
    Seed,
    /// MiniSom's defaults.
    Minisom,
    /// SOM_PAK 3.1's vsom.
    Sompak,
}

#[derive(Clone, Copy, ValueEnum)]
enum TopologyArg {
    Rect,
    Hex,
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

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Decay {
    Linear,
    Asymptotic,
    Inverse,
    Exponential,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum OrderArg {
    Sequential,
    Random,
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
    /// random, samples, pca, or a codebook file (.json, .cod, .csv row-major).
    #[arg(long)]
    init: Option<String>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, value_enum)]
    topology: Option<TopologyArg>,
    #[arg(long, value_enum)]
    boundary: Option<BoundaryArg>,
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
    decay: Option<Decay>,
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
}

fn main() -> ExitCode {
    // A bug must still end in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| eprintln!("som: internal error: {info}")));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            eprintln!(
                "som: {} (see som --help)",
                first.trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
    };
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("som: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Train(t) => train(*t),
        Command::Map { input } => {
            let (som, data) = load(&input)?;
            let mut out = String::new();
            for (r, c) in som.map(&data)? {
                out.push_str(&format!("{r} {c}\n"));
            }
            print!("{out}");
            Ok(())
        }
        Command::Quality { input, json } => {
            let (som, data) = load(&input)?;
            let (qe, te) = (
                som.quantization_error(&data)?,
                som.topographic_error(&data)?,
            );
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "quantization_error": qe, "topographic_error": te })
                );
            } else {
                println!("quantization error {qe}\ntopographic error  {te}");
            }
            Ok(())
        }
        Command::Umatrix { codebook, out } => {
            let som = codebook_of(&codebook, None)?;
            let g = som.grid();
            let style = Style {
                palette: Palette::Greys,
                title: Some("U-matrix".into()),
                ..Style::default()
            };
            picture::umatrix(g.rows(), g.cols(), g.topology(), &som.umatrix(), &style)?
                .save_png(&out)
        }
    }
}

fn codebook_of(args: &CodebookArgs, dim: Option<usize>) -> Result<Som, Error> {
    let shape = args.rows.zip(args.cols);
    Som::from_codebook_file(&args.codebook, shape, dim)
}

fn load(input: &Input) -> Result<(Som, Dataset), Error> {
    let som = codebook_of(&input.codebook, None)?;
    let data = read_data(&input.data, input.dim.or(Some(som.dim())))?;
    Ok((som, data))
}

/// A positive final value for decays that need one: a hundredth of the start.
fn final_value(start: f32, given: Option<f32>) -> f32 {
    given.unwrap_or(start / 100.0)
}

fn schedule(decay: Decay, start: f32, end: Option<f32>, linear_end: f32) -> Schedule {
    match decay {
        Decay::Linear => Schedule::Linear {
            start,
            end: end.unwrap_or(linear_end),
        },
        Decay::Asymptotic => Schedule::Asymptotic { start },
        Decay::Inverse => Schedule::Inverse {
            start,
            end: final_value(start, end),
        },
        Decay::Exponential => Schedule::Exponential {
            start,
            end: final_value(start, end),
        },
    }
}

fn train(t: Train) -> Result<(), Error> {
    let data = read_data(&t.data, t.dim)?;
    let (rows, cols) = (t.rows, t.cols);
    let side = rows.max(cols) as f32;
    // Each preset's defaults: (alpha, sigma, final sigma of a linear decay, decay, shape,
    // topology, clock, init, epochs).
    let (alpha, sigma, sigma_end, decay, shape, topology, clock, init, epochs) = match t.preset {
        Some(Preset::Seed) => (
            0.3,
            side / 2.0,
            0.0,
            Decay::Linear,
            ShapeArg::Gaussian,
            TopologyArg::Rect,
            Clock::Epoch,
            Init::Normal,
            400,
        ),
        Some(Preset::Minisom) => (
            0.5,
            1.0,
            0.0,
            Decay::Asymptotic,
            ShapeArg::Gaussian,
            TopologyArg::Rect,
            Clock::Sample,
            Init::UnitVectors,
            10,
        ),
        Some(Preset::Sompak) => (
            0.05,
            10.0,
            1.0,
            Decay::Linear,
            ShapeArg::Bubble,
            TopologyArg::Hex,
            Clock::Sample,
            Init::DataRange,
            10,
        ),
        None => (
            0.5,
            (side / 2.0).max(1.0),
            1.0,
            Decay::Linear,
            ShapeArg::Gaussian,
            TopologyArg::Rect,
            Clock::Sample,
            Init::DataRange,
            10,
        ),
    };
    let decay = t.decay.unwrap_or(decay);
    let mut sigma = t.sigma.unwrap_or(sigma);
    let mut sigma_final = t.sigma_final;
    if t.preset == Some(Preset::Seed) {
        // The example's neighbourhood is exp(-d^2 / sigma^2): a Gaussian of sigma / sqrt 2.
        sigma *= std::f32::consts::FRAC_1_SQRT_2;
        sigma_final = sigma_final.map(|s| s * std::f32::consts::FRAC_1_SQRT_2);
    }
    let init = match t.init.as_deref() {
        None => init,
        Some("random") => init,
        Some("samples") => Init::Samples,
        Some("pca") => Init::Linear,
        Some(file) => {
            let start = Som::from_codebook_file(file, Some((rows, cols)), Some(data.dim))?;
            if (start.grid().rows(), start.grid().cols(), start.dim()) != (rows, cols, data.dim) {
                return Err(Error::Invalid(format!(
                    "{file}: a {}x{} map of dim {}, expected {rows}x{cols} of dim {}",
                    start.grid().rows(),
                    start.grid().cols(),
                    start.dim(),
                    data.dim
                )));
            }
            Init::Codebook(start.codebook())
        }
    };
    let shape = match t.neighbourhood.unwrap_or(shape) {
        ShapeArg::Gaussian => Shape::Gaussian,
        ShapeArg::Bubble => Shape::Bubble,
        ShapeArg::Triangle => Shape::Triangle,
        ShapeArg::MexicanHat => Shape::MexicanHat,
    };
    let topology = match t.topology.unwrap_or(topology) {
        TopologyArg::Rect => Topology::Rectangular,
        TopologyArg::Hex => Topology::Hexagonal,
    };
    let boundary = match t.boundary {
        Some(BoundaryArg::Toroidal) => Boundary::Toroidal,
        _ => Boundary::Planar,
    };
    let alpha = t.alpha.unwrap_or(alpha);
    let mode = t.mode.unwrap_or(Mode::Online);
    let mut builder = Som::builder(rows, cols, data.dim)
        .topology(topology)
        .boundary(boundary)
        .neighbourhood(shape)
        .alpha(schedule(decay, alpha, t.alpha_final, 0.0))
        .sigma(schedule(decay, sigma, sigma_final, sigma_end))
        .clock(clock)
        .init(init)
        .seed(t.seed)
        .cutoff(t.cutoff.unwrap_or(0.0));
    if let Some(n) = t.threads {
        builder = builder.threads(n);
    }
    let mut som = builder.build()?;
    let n = data.len() as u64;
    let order = match t.order {
        Some(OrderArg::Random) => Order::Shuffled,
        _ => Order::Sequential,
    };
    let bar = progress_bar();
    let on_progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let start = Instant::now();
    let steps = match mode {
        Mode::Online => {
            let steps = t
                .steps
                .unwrap_or(t.epochs.unwrap_or(epochs).saturating_mul(n));
            som.train_online_with_progress(&data, steps, order, on_progress)?;
            steps
        }
        Mode::Batch => {
            if t.steps.is_some() {
                return Err(Error::Invalid(
                    "--steps counts single-sample updates: batch training takes --epochs".into(),
                ));
            }
            let e = t.epochs.unwrap_or(epochs);
            som.train_batch_with_progress(&data, e, on_progress)?;
            e * n
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    bar.finish_and_clear();
    som.write_codebook_file(&t.out)?;
    let (qe, te) = (
        som.quantization_error(&data)?,
        som.topographic_error(&data)?,
    );
    let simd = som_std::simd::level()?;
    if t.json {
        println!(
            "{}",
            serde_json::json!({ "seconds": seconds, "quantization_error": qe, "topographic_error": te, "steps": steps, "simd": simd.name() })
        );
    } else {
        println!("trained in {seconds:.3} s ({steps} sample presentations, SIMD {simd})");
        println!("quantization error {qe}\ntopographic error  {te}");
        println!("wrote {}", t.out.display());
    }
    Ok(())
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
