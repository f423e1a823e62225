//! What was typed: the commands and their flags. The library's settings are taken as they are,
//! by their names ([`Named`]), so the command line, saved maps and messages spell every value
//! the same way; what a flag means is the commands' business.

use crate::files::Files;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand, ValueEnum};
use som_std::io::Delimiter;
use som_std::io::export::Language;
use som_std::{Boundary, Decay, Distance, Missing, Named, Order, Preset, Shape, Topology};
use std::path::{Path, PathBuf};

/// A library setting as a flag's value, by its names: `--help` lists them, and any other
/// value is clap's usage error (exit 2), with "did you mean" when one is close.
fn named<T: Named + Send + Sync>() -> impl TypedValueParser<Value = T> {
    let values = T::NAMES.iter().map(|&name| {
        let aliases = T::ALIASES.iter().filter(|(_, of)| *of == name);
        PossibleValue::new(name).aliases(aliases.map(|&(alias, _)| alias))
    });
    PossibleValuesParser::new(values).try_map(|name| name.parse::<T>())
}

#[derive(Parser)]
#[command(
    name = "som",
    version,
    about = "Self-Organizing Maps: train, map, measure, draw"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Train a map and write its codebook (.json, .cod, .csv or .f32).
    Train(Box<Train>),
    /// Print "row col" of each sample's best-matching unit (or, with --predict, its label).
    Map(Map),
    /// Print the quantization and topographic error.
    Quality(Quality),
    /// Print "row col hits" of each unit: how many samples it wins (or draw them, --png).
    Hits(Hits),
    /// Write the data with each missing value (NaN, `x` in .dat, empty or NA in .csv)
    /// replaced by that component of the sample's best-matching unit, found over the
    /// components present.
    Impute(Impute),
    /// Draw a training history (som train --history) as a PNG: quantization and topographic
    /// error against the epoch.
    PlotHistory(PlotHistory),
    /// Draw the U-matrix as a PNG.
    Umatrix(Umatrix),
    /// Draw each component plane of a map as a PNG: every unit coloured by its weight of
    /// that component.
    Planes(Planes),
    /// Write a trained map as Rust or C source: the grid and the codebook as a static (f32 or
    /// i16 codes), and the BMU call, for firmware.
    Export(Export),
}

impl Command {
    /// Whether the command runs as one rank of an MPI job (--mpi).
    pub fn mpi(&self) -> bool {
        match self {
            Command::Train(t) => t.mpi,
            Command::Map(Map { input, .. })
            | Command::Hits(Hits { input, .. })
            | Command::Quality(Quality { input, .. })
            | Command::Impute(Impute { input, .. }) => input.mpi,
            Command::Umatrix(_)
            | Command::Planes(_)
            | Command::PlotHistory(_)
            | Command::Export(_) => false,
        }
    }

    /// The files the command names: what it reads and what it writes, each with its flag.
    /// (`planes` makes its outputs' names from the map's: it checks them itself.)
    pub fn files(&self) -> Files<'_> {
        let mut files = Files::default();
        match self {
            Command::Train(t) => {
                files.inputs.push(("--data", &t.samples.data));
                files
                    .inputs
                    .extend(t.init_file().map(|f| ("--init", Path::new(f))));
                files
                    .inputs
                    .extend(t.labels.as_deref().map(|f| ("--labels", f)));
                files.outputs.push(("--out", &t.out));
                files
                    .outputs
                    .extend(t.history.as_deref().map(|f| ("--history", f)));
            }
            Command::Map(Map { input, .. }) | Command::Quality(Quality { input, .. }) => {
                input.push_to(&mut files);
            }
            Command::Hits(h) => {
                h.input.push_to(&mut files);
                files.outputs.extend(h.png.as_deref().map(|f| ("--png", f)));
            }
            Command::Impute(i) => {
                i.input.push_to(&mut files);
                files.outputs.push(("--out", &i.out));
            }
            Command::PlotHistory(p) => {
                files.inputs.push(("history", &p.history));
                files.outputs.push(("--out", &p.out));
            }
            Command::Umatrix(Umatrix { codebook, out, .. })
            | Command::Export(Export { codebook, out, .. }) => {
                files.inputs.push(("--codebook", &codebook.codebook));
                files.outputs.push(("--out", out));
            }
            Command::Planes(p) => return p.inputs(),
        }
        files
    }
}

#[derive(clap::Args)]
pub struct CodebookArgs {
    /// A trained map: .json (saved map), .cod (SOM_PAK), or .csv/.f32 (one unit per row, with
    /// --rows and --cols).
    #[arg(long)]
    pub codebook: PathBuf,
    /// Rows of a .csv/.f32 codebook.
    #[arg(long)]
    pub rows: Option<usize>,
    /// Columns of a .csv/.f32 codebook.
    #[arg(long)]
    pub cols: Option<usize>,
}

/// The samples a command reads.
#[derive(clap::Args)]
pub struct DataArgs {
    /// Samples: .csv, .dat (SOM_PAK) or .f32 (raw little-endian, with --dim).
    #[arg(long)]
    pub data: PathBuf,
    /// Values per sample (needed for .f32).
    #[arg(long)]
    pub dim: Option<usize>,
    /// What separates the values of a .csv --data file: , ; or tab (default: detected).
    #[arg(long)]
    pub delimiter: Option<Delimiter>,
}

/// A query's map and samples.
#[derive(clap::Args)]
pub struct Input {
    #[command(flatten)]
    pub codebook: CodebookArgs,
    #[command(flatten)]
    pub samples: DataArgs,
    /// Share the work among the ranks of an MPI job (mpirun, srun): each reads only its share
    /// of the --data file (.f32 by offset, .csv and .dat by byte range); rank 0 prints.
    #[arg(long)]
    pub mpi: bool,
    /// What a missing value (NaN, `x` in .dat, empty or NA in .csv) means: an error naming
    /// the sample and column, or left out of distances as SOM_PAK does (default: the map's
    /// own, an error unless it was trained with --missing mask).
    #[arg(long, value_parser = named::<Missing>())]
    pub missing: Option<Missing>,
}

impl Input {
    /// Adds the query's inputs, its codebook and its data.
    fn push_to<'a>(&'a self, files: &mut Files<'a>) {
        files.inputs.push(("--codebook", &self.codebook.codebook));
        files.inputs.push(("--data", &self.samples.data));
    }
}

impl Planes {
    /// The files `planes` reads, its codebook and the data that names the components.
    pub fn inputs(&self) -> Files<'_> {
        let mut files = Files::default();
        files.inputs.push(("--codebook", &self.codebook.codebook));
        files
            .inputs
            .extend(self.data.as_deref().map(|f| ("--data", f)));
        files
    }
}

/// Pixels per unit of a map picture.
#[derive(clap::Args)]
pub struct Cell {
    /// Pixels per unit, 4 to 512 (default: 28, smaller for maps too large for that).
    #[arg(long)]
    pub cell: Option<u32>,
}

#[derive(clap::Args)]
pub struct Map {
    #[command(flatten)]
    pub input: Input,
    /// Print the label of each sample's best-matching unit instead (a map trained with
    /// --labels).
    #[arg(long)]
    pub predict: bool,
}

#[derive(clap::Args)]
pub struct Quality {
    #[command(flatten)]
    pub input: Input,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct Hits {
    #[command(flatten)]
    pub input: Input,
    /// Draw the hit map as a PNG instead: a disc per unit sized by its hits, and each unit's
    /// label on it when the map has labels (trained with --labels).
    #[arg(long)]
    pub png: Option<PathBuf>,
    #[command(flatten)]
    pub cell: Cell,
}

#[derive(clap::Args)]
pub struct Impute {
    #[command(flatten)]
    pub input: Input,
    /// The file to write: .csv, .dat or .f32 (header and labels kept).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(clap::Args)]
pub struct PlotHistory {
    /// The history CSV.
    pub history: PathBuf,
    /// The PNG to write.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(clap::Args)]
pub struct Umatrix {
    #[command(flatten)]
    pub codebook: CodebookArgs,
    /// The PNG to write.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub cell: Cell,
}

#[derive(clap::Args)]
pub struct Planes {
    #[command(flatten)]
    pub codebook: CodebookArgs,
    /// Where to write: a directory (DIR/NAME.png each) or a prefix (PREFIXNAME.png each);
    /// NAME is the component's column name from --data, else component-I.
    #[arg(long)]
    pub out: PathBuf,
    /// A .csv file with a header row that names the components (only its header is read).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// What separates the values of the --data file: , ; or tab (default: detected).
    #[arg(long)]
    pub delimiter: Option<Delimiter>,
    #[command(flatten)]
    pub cell: Cell,
}

#[derive(clap::Args)]
pub struct Export {
    #[command(flatten)]
    pub codebook: CodebookArgs,
    /// rust (for som-kernel) or c (self-contained).
    #[arg(long, value_parser = named::<Language>())]
    pub format: Language,
    /// f32 (the weights exactly) or i16 (codes of one step, for cores without an FPU).
    #[arg(long, value_enum, default_value = "f32")]
    pub codes: Codes,
    /// The i16 quantisation step (default: the smallest power of two that holds the
    /// largest weight).
    #[arg(long)]
    pub step: Option<f32>,
    /// The source file to write.
    #[arg(long)]
    pub out: PathBuf,
}

/// How `som export` stores the codebook (the library's `Codes`, whose i16 step is --step).
#[derive(Clone, Copy, ValueEnum)]
pub enum Codes {
    F32,
    I16,
}

/// How `som train` trains: the library's two drivers.
#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub enum Mode {
    /// One sample at a time (`Som::train_online`).
    Online,
    /// Every sample each epoch, a weighted mean (`Som::train_batch`).
    Batch,
}

#[derive(clap::Args)]
#[command(allow_negative_numbers = true)]
pub struct Train {
    #[command(flatten)]
    pub samples: DataArgs,
    /// Rows of the map.
    #[arg(long)]
    pub rows: usize,
    /// Columns of the map.
    #[arg(long)]
    pub cols: usize,
    /// Where to write the trained map: .json, .cod, .csv or .f32.
    #[arg(long)]
    pub out: PathBuf,
    /// Print one JSON object: seconds, quantization_error, topographic_error, steps.
    #[arg(long)]
    pub json: bool,
    /// Every default of a known system; other flags override single settings. seed: the
    /// "Self-Organizing Maps with TensorFlow" example (`--sigma` is its sigma of
    /// exp(-d^2 / sigma^2)). minisom: MiniSom's defaults; with --topology hex, MiniSom(x, y)'s
    /// hexagonal lattice is --rows y --cols x, its unit (i, j) at row y-1-j, column i.
    /// sompak: SOM_PAK 3.1's vsom (`--sigma` is its radius); from a .cod --init, with the
    /// file's lattice and neighbourhood.
    #[arg(long, value_parser = named::<Preset>())]
    pub preset: Option<Preset>,
    /// random, samples, linear (the plane of the data's two principal axes: `Init::Linear`,
    /// MiniSom's pca_weights_init; `pca` is accepted), or a codebook file (.json, .cod, .csv
    /// row-major).
    #[arg(long)]
    pub init: Option<String>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The lattice (`rectangular` and `hexagonal` are accepted).
    #[arg(long, value_parser = named::<Topology>())]
    pub topology: Option<Topology>,
    #[arg(long, value_parser = named::<Boundary>())]
    pub boundary: Option<Boundary>,
    /// What ranks units (training's winners and every later query; the quantization error
    /// stays Euclidean, as in MiniSom). Default euclidean.
    #[arg(long, value_parser = named::<Distance>())]
    pub distance: Option<Distance>,
    /// What a missing value (NaN, `x` in .dat, empty or NA in .csv) means: an error naming
    /// the sample and column (default), or masked out as SOM_PAK does (saved with the map).
    #[arg(long, value_parser = named::<Missing>())]
    pub missing: Option<Missing>,
    #[arg(long, value_parser = named::<Shape>())]
    pub neighbourhood: Option<Shape>,
    /// Skip units whose neighbourhood weight is below this.
    #[arg(long)]
    pub cutoff: Option<f32>,
    /// Initial learning rate.
    #[arg(long)]
    pub alpha: Option<f32>,
    /// Final learning rate (linear, inverse and exponential decay).
    #[arg(long)]
    pub alpha_final: Option<f32>,
    /// Initial neighbourhood width (SOM_PAK's -radius).
    #[arg(long)]
    pub sigma: Option<f32>,
    /// Final neighbourhood width (linear, inverse and exponential decay).
    #[arg(long)]
    pub sigma_final: Option<f32>,
    #[arg(long, value_parser = named::<Decay>())]
    pub decay: Option<Decay>,
    /// Passes over the data.
    #[arg(long, conflicts_with = "steps")]
    pub epochs: Option<u64>,
    /// Single-sample updates (online).
    #[arg(long)]
    pub steps: Option<u64>,
    /// The samples as given (sequential), or a fresh random permutation every pass
    /// (shuffled; `random` is accepted).
    #[arg(long, value_parser = named::<Order>())]
    pub order: Option<Order>,
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Threads for batch training and queries (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Search every unit for every sample (by default batch training and searches over many
    /// samples skip the units a projection of the codebook excludes: the same map, faster).
    #[arg(long)]
    pub exhaustive: bool,
    /// Batch training across the ranks of an MPI job (mpirun, srun): each reads only its
    /// share of the --data file (.f32 by offset, .csv and .dat by byte range), all combine
    /// their statistics, rank 0 writes --out and prints.
    #[arg(long)]
    pub mpi: bool,
    /// Read a .f32 --data file into memory for batch training (by default it is streamed in
    /// blocks, so files larger than memory train).
    #[arg(long)]
    pub in_memory: bool,
    /// Write the training history as CSV: epoch, steps, quantization and topographic error,
    /// alpha, sigma, at every evaluation (see --eval-every). Draw it with `som plot-history`.
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// Evaluate the errors every N steps (online; default one epoch) or epochs (batch;
    /// default 1), for --history and --stop-tol. Each evaluation is one search of all samples.
    #[arg(long)]
    pub eval_every: Option<u64>,
    /// Stop early when the quantization error improves by less than this fraction of its best
    /// over --stop-patience evaluations in a row (e.g. 0.001).
    #[arg(long)]
    pub stop_tol: Option<f32>,
    /// Evaluations without enough improvement before --stop-tol stops training.
    #[arg(long, default_value_t = 5, requires = "stop_tol")]
    pub stop_patience: u32,
    /// One label per sample, one per line (a header line is allowed): after training, each
    /// unit takes the majority label of the samples it wins (empty units the nearest labelled
    /// unit's), saved in the map for `som map --predict`. Needs a .json --out.
    #[arg(long)]
    pub labels: Option<PathBuf>,
}

impl Train {
    /// The codebook file `--init` names, when it names one rather than a way to start.
    pub fn init_file(&self) -> Option<&str> {
        match self.init.as_deref() {
            None | Some("random" | "samples" | "linear" | "pca") => None,
            Some(file) => Some(file),
        }
    }
}
