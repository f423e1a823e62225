//! The owning map, [`Som`]: its fields and builder here, and what a user does with it in the
//! submodules (the fields are private to this module and its children): [`presets`] build
//! known systems' maps, [`train`] trains, [`query`] asks, [`classify`] labels units and
//! predicts, [`persist`] saves and loads.

pub(crate) mod classify;
mod persist;
pub(crate) mod presets;
pub(crate) mod query;
mod train;
pub(crate) use train::{check_magnitude, shard_samples};

use crate::error::Result;
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use som_kernel::{
    Boundary, Clock, Distance, Grid, Map, MapMut, Missing, Schedule, Shape, Topology, Training,
    blocked_len, bmu::Projection, init, layout,
};

/// How the codebook starts.
#[derive(Debug, Clone, PartialEq)]
pub enum Init {
    /// Every weight standard normal (the TensorFlow example).
    Normal,
    /// Every weight uniform in `[low, high)`.
    Uniform {
        /// Lower bound.
        low: f32,
        /// Upper bound.
        high: f32,
    },
    /// Each unit a random direction: uniform in `[-1, 1)^dim`, scaled to length 1 (MiniSom's
    /// initialisation).
    UnitVectors,
    /// Every weight uniform within the range of its dimension in the training data.
    DataRange,
    /// Each unit a random sample of the training data.
    Samples,
    /// Units spread over the plane of the data's two principal axes.
    Linear,
    /// A given row-major codebook (`units * dim`).
    Codebook(Vec<f32>),
}

/// Order of the samples within an online epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// As given.
    #[default]
    Sequential,
    /// A fresh random permutation every epoch (from the map's seed).
    Shuffled,
}

// `random` is read as `shuffled`, as the command line always took it.
som_kernel::named!("order", Order {
    Sequential => "sequential",
    Shuffled => "shuffled" | "random",
});

/// Builds a [`Som`]. Every setting has a default; see each method.
#[derive(Debug, Clone)]
pub struct SomBuilder {
    rows: usize,
    cols: usize,
    dim: usize,
    topology: Topology,
    boundary: Boundary,
    training: Training,
    init: Init,
    seed: u64,
    epochs: u64,
    threads: usize,
    stream_steps: u64,
    distance: Distance,
    missing: Missing,
    exhaustive: bool,
}

impl SomBuilder {
    /// Searches every unit for every sample (default false: searches over many samples,
    /// batch training's included, skip the units a projection of the codebook excludes, with
    /// the same answers bit for bit; see [`som_kernel::bmu::Projection`]). For comparisons and
    /// benchmarks: the maps are the same either way.
    pub fn exhaustive(mut self, exhaustive: bool) -> Self {
        self.exhaustive = exhaustive;
        self
    }

    /// What NaN in data means (default [`Missing::Error`]: an error naming the sample and
    /// component). [`Missing::Mask`] reads it as a missing value, SOM_PAK's way: left out of
    /// distances (no rescaling), of updates and of batch sums; a sample with every component
    /// missing trains nothing and has no unit. Not with the cosine distance.
    pub fn missing(mut self, m: Missing) -> Self {
        self.missing = m;
        self
    }

    /// The distance that ranks units, for training's winners and every search (default
    /// Euclidean; see [`Distance`]). The quantization error stays Euclidean, as in MiniSom.
    pub fn distance(mut self, d: Distance) -> Self {
        self.distance = d;
        self
    }

    /// Topology (default rectangular).
    pub fn topology(mut self, t: Topology) -> Self {
        self.topology = t;
        self
    }
    /// Boundary (default planar).
    pub fn boundary(mut self, b: Boundary) -> Self {
        self.boundary = b;
        self
    }
    /// Neighbourhood shape (default Gaussian).
    pub fn neighbourhood(mut self, s: Shape) -> Self {
        self.training.shape = s;
        self
    }
    /// Learning-rate schedule (default linear from 0.5 to 0).
    pub fn alpha(mut self, s: Schedule) -> Self {
        self.training.alpha = s;
        self
    }
    /// Neighbourhood-width schedule (default linear from `max(rows, cols) / 2` to 0.5).
    pub fn sigma(mut self, s: Schedule) -> Self {
        self.training.sigma = s;
        self
    }
    /// Cut-off: `|h|` below this is skipped (default 0).
    pub fn cutoff(mut self, c: f32) -> Self {
        self.training.cutoff = c;
        self
    }
    /// What a schedule step counts (default: every sample).
    pub fn clock(mut self, c: Clock) -> Self {
        self.training.clock = c;
        self
    }
    /// Initialisation (default uniform in `[0, 1)`).
    pub fn init(mut self, i: Init) -> Self {
        self.init = i;
        self
    }
    /// Seed of every random choice (default 0). Same seed, same map, bit for bit.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    /// Epochs that [`Som::train`] runs (default 100).
    pub fn epochs(mut self, e: u64) -> Self {
        self.epochs = e;
        self
    }
    /// Threads for batch training and whole-data queries (default 0: all cores; at most
    /// [`MAX_THREADS`]). Results are the same for any count.
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n;
        self
    }
    /// Length of the schedules for [`Som::partial_fit`] (default 10 000 steps); past it they
    /// stay at their final value.
    pub fn stream_steps(mut self, steps: u64) -> Self {
        self.stream_steps = steps;
        self
    }

    /// Builds the map. Initialisations that need data ([`Init::Samples`], [`Init::Linear`])
    /// happen at the first training call.
    ///
    /// # Errors
    /// Zero sizes, bad schedules or cut-off, a codebook of the wrong length, a `SOM_SIMD` this
    /// CPU cannot run ([`crate::simd::level`]).
    pub fn build(self) -> Result<Som> {
        crate::simd::level()?;
        let grid = Grid::with(self.rows, self.cols, self.topology, self.boundary)?;
        if self.dim == 0 {
            return Err(som_kernel::Error::Zero { what: "dim" }.into());
        }
        self.training.validate()?;
        if self.missing == Missing::Mask && self.distance == Distance::Cosine {
            return Err(cosine_mask());
        }
        if self.threads > MAX_THREADS {
            return Err(crate::Error::Invalid(format!(
                "threads is {}, expected at most {MAX_THREADS}",
                self.threads
            )));
        }
        let mut som = Som {
            grid,
            dim: self.dim,
            weights: zeros(blocked_len(grid.units(), self.dim), || {
                format!(
                    "the codebook of a {} x {} map of dim {}",
                    self.rows, self.cols, self.dim
                )
            })?,
            training: self.training,
            init: self.init,
            initialised: false,
            rng: Xoshiro256PlusPlus::seed_from_u64(self.seed),
            epochs: self.epochs,
            seed: self.seed,
            threads: self.threads,
            pool: match self.threads {
                0 | 1 => None,
                n => Some(std::sync::Arc::new(
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(n)
                        .build()
                        .map_err(|e| {
                            crate::Error::Invalid(format!("cannot start {n} threads: {e}"))
                        })?,
                )),
            },
            stream_steps: self.stream_steps.max(1),
            streamed: 0,
            distance: self.distance,
            missing: self.missing,
            exhaustive: self.exhaustive,
            labels: None,
        };
        som.initialise(None)?;
        Ok(som)
    }
}

/// The error for masking with the cosine distance.
fn cosine_mask() -> crate::Error {
    crate::Error::Invalid(
        "missing values cannot be masked with the cosine distance (its norms would need the same mask); expected euclidean, manhattan or chebyshev".into(),
    )
}

/// The fewest samples a search projects the codebook for ([`Som::searching`]).
const PROJECTED_FROM: usize = 2048;

/// Most threads a map may be given: more than the cores of any machine it runs on, few enough
/// that starting them cannot exhaust the system.
pub const MAX_THREADS: usize = 1024;

/// `len` zeros, or an error naming `what` and the bytes it needed when the memory cannot be
/// had (where `vec!` would abort the process).
/// Widens per-dimension `(low, high)` ranges to take in the samples of flat `data`.
pub(crate) fn widen(range: &mut [(f32, f32)], data: &[f32]) {
    for x in data.chunks_exact(range.len().max(1)) {
        for ((lo, hi), &v) in range.iter_mut().zip(x) {
            (*lo, *hi) = (lo.min(v), hi.max(v));
        }
    }
}

/// Every weight uniform within its dimension's `(low, high)` range ([`Init::DataRange`]).
pub(crate) fn from_range(
    map: &mut MapMut<'_>,
    rng: &mut Xoshiro256PlusPlus,
    range: &[(f32, f32)],
) -> Result<()> {
    let mut unit = vec![0.0; range.len()];
    for k in 0..map.grid().units() {
        for (v, (lo, hi)) in unit.iter_mut().zip(range) {
            *v = lo + (hi - lo) * init::unit_f32(rng);
        }
        map.set_unit(k, &unit)?;
    }
    Ok(())
}

pub(crate) fn zeros<T: Default + Clone>(
    len: usize,
    what: impl FnOnce() -> String,
) -> Result<Vec<T>> {
    let mut v = Vec::new();
    if v.try_reserve_exact(len).is_err() {
        return Err(crate::Error::Invalid(format!(
            "{} needs {}, more memory than can be had",
            what(),
            crate::io::bytes(len.saturating_mul(std::mem::size_of::<T>()) as u64)
        )));
    }
    v.resize(len, T::default());
    Ok(v)
}

/// A trained or trainable Self-Organizing Map that owns its codebook.
///
/// Its methods, by what a user does (one module each):
/// - **build** (`som.rs`, `presets.rs`): [`Som::builder`], the presets [`Som::seed`],
///   [`Som::minisom`], [`Som::minisom_with`], [`Som::sompak`] (all from
///   [`crate::Preset::settings`]); [`Som::grid`], [`Som::dim`], [`Som::codebook`],
///   [`Som::set_codebook`], [`Som::centroids`];
/// - **train** (`train.rs`): [`Som::train`], [`Som::train_online`], [`Som::train_batch`],
///   [`Som::partial_fit`], and the watched [`Som::train_online_with`],
///   [`Som::train_batch_with`];
/// - **query** (`query.rs`): [`Som::bmu`], [`Som::bmus`] (the same value and checks),
///   [`Som::bmus_each`], [`Som::map`], the errors, [`Som::quality`], [`Som::umatrix`],
///   [`Som::hits`], [`Som::win_map`], [`Som::labels_map`];
/// - **classify** (`classify.rs`): [`Som::classify`], [`Som::predict`], [`Som::labels`];
///
/// Batch training, [`Som::bmus`], [`Som::bmus_each`], [`Som::hits`], [`Som::quality`] and
/// [`Som::classify`] read any [`crate::Source`]: samples in memory, a file streamed a block at
/// a time, a process's part, and (feature `mpi`) any of them shared among MPI ranks.
/// - **save** (`persist.rs`): [`Som::save`], [`Som::load`], [`Som::to_saved`],
///   [`Som::from_saved`], SOM_PAK and codebook files.
#[derive(Debug, Clone)]
pub struct Som {
    grid: Grid,
    dim: usize,
    /// Blocked layout (see `som_kernel::layout`).
    weights: Vec<f32>,
    training: Training,
    init: Init,
    initialised: bool,
    rng: Xoshiro256PlusPlus,
    epochs: u64,
    seed: u64,
    threads: usize,
    /// The pool for `threads > 1`, made once.
    pool: Option<std::sync::Arc<rayon::ThreadPool>>,
    stream_steps: u64,
    /// Steps taken by [`Som::partial_fit`].
    streamed: u64,
    /// What ranks units in every search.
    distance: Distance,
    /// What NaN in data means.
    missing: Missing,
    /// Whether searches over many samples visit every unit ([`SomBuilder::exhaustive`]).
    exhaustive: bool,
    /// One label per unit, from [`Som::classify`].
    labels: Option<Vec<String>>,
}

impl Som {
    /// A builder for a `rows x cols` map of `dim`-dimensional units.
    ///
    /// # Example
    /// ```
    /// use som_std::{Som, Init};
    /// let data = vec![vec![0.0, 0.0], vec![1.0, 1.0], vec![0.0, 1.0]];
    /// let mut som = Som::builder(4, 4, 2).init(Init::Samples).seed(1).build()?;
    /// som.train_epochs(&data, 50)?;
    /// assert!(som.quantization_error(&data)? < 0.1);
    /// # Ok::<(), som_std::Error>(())
    /// ```
    pub fn builder(rows: usize, cols: usize, dim: usize) -> SomBuilder {
        SomBuilder {
            rows,
            cols,
            dim,
            topology: Topology::Rectangular,
            boundary: Boundary::Planar,
            training: Training {
                shape: Shape::Gaussian,
                alpha: Schedule::Linear {
                    start: 0.5,
                    end: 0.0,
                },
                sigma: Schedule::Linear {
                    start: (rows.max(cols) as f32 / 2.0).max(1.0),
                    end: 0.5,
                },
                cutoff: 0.0,
                clock: Clock::Sample,
            },
            init: Init::Uniform {
                low: 0.0,
                high: 1.0,
            },
            seed: 0,
            epochs: 100,
            threads: 0,
            stream_steps: 10_000,
            distance: Distance::Euclidean,
            missing: Missing::Error,
            exhaustive: false,
        }
    }

    pub(crate) fn initialise(&mut self, data: Option<&[f32]>) -> Result<()> {
        let units = self.grid.units();
        let mut map = MapMut::new(self.grid, self.dim, &mut self.weights)?;
        match &self.init {
            Init::Normal => init::normal(&mut map, &mut self.rng),
            Init::Uniform { low, high } => init::uniform(&mut map, &mut self.rng, *low, *high)?,
            Init::UnitVectors => {
                let mut unit = vec![0.0; self.dim];
                for k in 0..units {
                    unit.iter_mut()
                        .for_each(|v| *v = 2.0 * init::unit_f32(&mut self.rng) - 1.0);
                    let norm = unit.iter().map(|v| v * v).sum::<f32>().sqrt();
                    if norm > 0.0 {
                        unit.iter_mut().for_each(|v| *v /= norm);
                    }
                    map.set_unit(k, &unit)?;
                }
            }
            Init::Codebook(cb) => layout::to_blocked(cb, units, self.dim, map.weights_mut())?,
            Init::DataRange => match data {
                Some(d) => {
                    let mut range = vec![(f32::INFINITY, f32::NEG_INFINITY); self.dim];
                    widen(&mut range, d);
                    from_range(&mut map, &mut self.rng, &range)?;
                }
                None => return Ok(()),
            },
            Init::Samples | Init::Linear if data.is_some_and(|d| d.iter().any(|v| v.is_nan())) => {
                let i = data
                    .and_then(|d| d.iter().position(|v| v.is_nan()))
                    .unwrap_or(0);
                return Err(crate::Error::Invalid(format!(
                    "the {} start needs samples without missing values, and sample {} has one at component {}; expected a random or data-range start, or a codebook",
                    if self.init == Init::Samples {
                        "samples"
                    } else {
                        "linear (PCA)"
                    },
                    i / self.dim.max(1),
                    i % self.dim.max(1)
                )));
            }
            Init::Samples => match data {
                Some(d) => init::samples(&mut map, &mut self.rng, d)?,
                None => return Ok(()),
            },
            Init::Linear => match data {
                Some(d) => {
                    let mut scratch = vec![0.0; init::linear_scratch_len(self.dim)];
                    init::linear(&mut map, d, &mut scratch)?
                }
                None => return Ok(()),
            },
        }
        self.initialised = true;
        Ok(())
    }

    /// The training settings.
    pub fn training(&self) -> &Training {
        &self.training
    }

    /// The grid.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// Values per unit.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The distance that ranks units in its searches.
    pub fn distance(&self) -> Distance {
        self.distance
    }

    /// What NaN in data means to this map ([`SomBuilder::missing`]).
    pub fn missing(&self) -> Missing {
        self.missing
    }

    /// Reads NaN in data as `missing` from now on (a map trained without masking can map
    /// data with missing values, and the other way round).
    ///
    /// # Errors
    /// Masking with the cosine distance.
    pub fn set_missing(&mut self, missing: Missing) -> Result<()> {
        if missing == Missing::Mask && self.distance == Distance::Cosine {
            return Err(cosine_mask());
        }
        self.missing = missing;
        Ok(())
    }

    /// A read-only kernel view of the map, searching by its distance, masking as it masks.
    pub fn view(&self) -> Map<'_> {
        Map::new(self.grid, self.dim, &self.weights)
            .and_then(|m| m.with_distance(self.distance))
            .and_then(|m| m.with_missing(self.missing))
            .expect("the map's own shape is consistent; som-std searches by every distance and masks all but the cosine, which the builder refuses")
    }

    /// Runs `f` on a view of the map whose searches over `samples` samples skip the units a
    /// projection of the codebook excludes (the same answers, found faster), unless the map
    /// is exhaustive or the samples too few to pay for the projection.
    pub(crate) fn searching<T>(
        &self,
        samples: usize,
        f: impl FnOnce(Map<'_>) -> Result<T>,
    ) -> Result<T> {
        let map = self.view();
        let (units, dim) = (self.grid.units(), self.dim);
        // Fitting the projection costs about as much as searching a few hundred samples.
        if self.exhaustive || samples < PROJECTED_FROM || self.distance != Distance::Euclidean {
            return f(map);
        }
        let what = || format!("the projection of a map of {units} units of dim {dim}");
        let mut space = zeros(Projection::space_len(dim), what)?;
        let mut projected = zeros(Projection::projected_len(units), what)?;
        let projection = map.projection(&mut space, &mut projected)?;
        f(map.with_projection(&projection)?)
    }

    /// A trainable kernel view of the map, searching by its distance, masking as it masks.
    pub(crate) fn view_mut(&mut self) -> MapMut<'_> {
        MapMut::new(self.grid, self.dim, &mut self.weights)
            .and_then(|m| m.with_distance(self.distance))
            .and_then(|m| m.with_missing(self.missing))
            .expect("the map's own shape is consistent; som-std searches by every distance and masks all but the cosine, which the builder refuses")
    }

    /// The codebook, row-major: unit `row * cols + col` after unit, `dim` values each.
    pub fn codebook(&self) -> Vec<f32> {
        let mut rm = vec![0.0; self.grid.units() * self.dim];
        layout::to_row_major(&self.weights, self.grid.units(), self.dim, &mut rm)
            .expect("the map's own shape is consistent");
        rm
    }

    /// Replaces the codebook (row-major, `units * dim`).
    ///
    /// # Errors
    /// A codebook of the wrong length.
    pub fn set_codebook(&mut self, row_major: &[f32]) -> Result<()> {
        layout::to_blocked(row_major, self.grid.units(), self.dim, &mut self.weights)?;
        self.initialised = true;
        Ok(())
    }

    /// The codebook as a `rows x cols` grid of weight vectors (the example's `get_centroids`).
    pub fn centroids(&self) -> Vec<Vec<Vec<f32>>> {
        let cb = self.codebook();
        cb.chunks_exact(self.dim * self.grid.cols())
            .map(|row| row.chunks_exact(self.dim).map(<[f32]>::to_vec).collect())
            .collect()
    }
}
