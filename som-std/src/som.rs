//! The owning map: builder, training drivers and queries.

use crate::data::{Samples, validate};
use crate::error::{Error, Result};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use som_kernel::{
    Boundary, Clock, Grid, Map, MapMut, Schedule, Shape, Topology, Training, blocked_len, init,
    layout,
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
}

impl SomBuilder {
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

    /// Builds the map. Initialisations that need data ([`Init::Samples`], [`Init::Linear`])
    /// happen at the first training call.
    ///
    /// # Errors
    /// Zero sizes, bad schedules or cut-off, a codebook of the wrong length.
    pub fn build(self) -> Result<Som> {
        let grid = Grid::with(self.rows, self.cols, self.topology, self.boundary)?;
        if self.dim == 0 {
            return Err(som_kernel::Error::Zero { what: "dim" }.into());
        }
        self.training.validate()?;
        let mut som = Som {
            grid,
            dim: self.dim,
            weights: vec![0.0; blocked_len(grid.units(), self.dim)],
            training: self.training,
            init: self.init,
            initialised: false,
            rng: Xoshiro256PlusPlus::seed_from_u64(self.seed),
            epochs: self.epochs,
        };
        som.initialise(None)?;
        Ok(som)
    }
}

/// A trained or trainable Self-Organizing Map that owns its codebook.
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
        }
    }

    /// The "Self-Organizing Maps with TensorFlow" example's map, exactly: an `m x n` map of
    /// `dim`-dimensional units, standard normal weights, trained by [`Som::train`] for
    /// `n_iterations` epochs over the samples in order, every unit updated by every sample with
    /// `h = exp(-d^2 / sigma(t)^2)`, `alpha(t) = alpha (1 - t/T)`, `sigma(t) = sigma (1 - t/T)`,
    /// `t` the epoch. Defaults: `alpha = 0.3`, `sigma = max(m, n) / 2`.
    ///
    /// # Errors
    /// Zero sizes, or `alpha`, `sigma` not finite and positive.
    pub fn seed(
        m: usize,
        n: usize,
        dim: usize,
        n_iterations: u64,
        alpha: Option<f32>,
        sigma: Option<f32>,
    ) -> Result<Som> {
        let alpha = alpha.unwrap_or(0.3);
        let sigma = sigma.unwrap_or(m.max(n) as f32 / 2.0);
        // exp(-d^2 / s^2) is the Gaussian exp(-d^2 / (2 (s / sqrt 2)^2)).
        Som::builder(m, n, dim)
            .neighbourhood(Shape::Gaussian)
            .alpha(Schedule::Linear {
                start: alpha,
                end: 0.0,
            })
            .sigma(Schedule::Linear {
                start: sigma * core::f32::consts::FRAC_1_SQRT_2,
                end: 0.0,
            })
            .clock(Clock::Epoch)
            .init(Init::Normal)
            .epochs(n_iterations)
            .build()
    }

    fn initialise(&mut self, data: Option<&[f32]>) -> Result<()> {
        let units = self.grid.units();
        let mut map = MapMut::new(self.grid, self.dim, &mut self.weights)?;
        match &self.init {
            Init::Normal => init::normal(&mut map, &mut self.rng),
            Init::Uniform { low, high } => init::uniform(&mut map, &mut self.rng, *low, *high)?,
            Init::Codebook(cb) => layout::to_blocked(cb, units, self.dim, map.weights_mut())?,
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

    /// Validates `data` and runs a pending data-dependent initialisation. Returns the data
    /// flat, borrowed when it already is, copied otherwise.
    fn prepare<'d, S: Samples + ?Sized>(
        &mut self,
        data: &'d S,
    ) -> Result<std::borrow::Cow<'d, [f32]>> {
        validate(data, self.dim)?;
        if data.count() == 0 {
            return Err(Error::Invalid(
                "no samples: training needs at least one".into(),
            ));
        }
        let flat = flatten(data);
        if !self.initialised {
            self.initialise(Some(&flat))?;
        }
        Ok(flat)
    }

    /// Trains for the configured number of epochs (the TensorFlow example's `train`).
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN (named), no samples.
    pub fn train<S: Samples + ?Sized>(&mut self, data: &S) -> Result<()> {
        self.train_epochs(data, self.epochs)
    }

    /// Online training: `epochs` passes over `data` in order, schedules over the whole run.
    ///
    /// # Errors
    /// As [`Som::train`].
    pub fn train_epochs<S: Samples + ?Sized>(&mut self, data: &S, epochs: u64) -> Result<()> {
        let flat = self.prepare(data)?;
        let mut map = MapMut::new(self.grid, self.dim, &mut self.weights)?;
        self.training.online(&mut map, &flat, epochs)?;
        Ok(())
    }

    fn map_view(&self) -> Map<'_> {
        Map::new(self.grid, self.dim, &self.weights).expect("the map's own shape is consistent")
    }

    /// The grid.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// Values per unit.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The codebook, row-major: unit `row * cols + col` after unit, `dim` values each.
    pub fn codebook(&self) -> Vec<f32> {
        let mut rm = vec![0.0; self.grid.units() * self.dim];
        layout::to_row_major(&self.weights, self.grid.units(), self.dim, &mut rm)
            .expect("the map's own shape is consistent");
        rm
    }

    /// The codebook as a `rows x cols` grid of weight vectors (the example's `get_centroids`).
    pub fn centroids(&self) -> Vec<Vec<Vec<f32>>> {
        let cb = self.codebook();
        cb.chunks_exact(self.dim * self.grid.cols())
            .map(|row| row.chunks_exact(self.dim).map(<[f32]>::to_vec).collect())
            .collect()
    }

    /// Index of the best-matching unit of `x`.
    ///
    /// # Errors
    /// A sample of the wrong length.
    pub fn bmu(&self, x: &[f32]) -> Result<usize> {
        if x.len() != self.dim {
            return Err(Error::SampleLength {
                index: 0,
                expected: self.dim,
                got: x.len(),
            });
        }
        Ok(self.map_view().bmu(x)?.unit)
    }

    /// `(row, col)` of each sample's best-matching unit (the example's `map_vects`).
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN, named.
    pub fn map<S: Samples + ?Sized>(&self, data: &S) -> Result<Vec<(usize, usize)>> {
        validate(data, self.dim)?;
        let map = self.map_view();
        (0..data.count())
            .map(|i| Ok(self.grid.row_col(map.bmu(data.sample(i))?.unit)))
            .collect()
    }

    /// Mean distance from each sample to its best-matching unit.
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN, named.
    pub fn quantization_error<S: Samples + ?Sized>(&self, data: &S) -> Result<f32> {
        validate(data, self.dim)?;
        let flat = flatten(data);
        Ok(self.map_view().quantization_error(&flat)?)
    }

    /// Fraction of samples whose best and second-best units are not lattice neighbours.
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN, named.
    pub fn topographic_error<S: Samples + ?Sized>(&self, data: &S) -> Result<f32> {
        validate(data, self.dim)?;
        let flat = flatten(data);
        Ok(self.map_view().topographic_error(&flat)?)
    }
}

/// The samples as one flat slice, borrowed when they already are.
fn flatten<S: Samples + ?Sized>(data: &S) -> std::borrow::Cow<'_, [f32]> {
    match data.flat() {
        Some(f) => std::borrow::Cow::Borrowed(f),
        None => std::borrow::Cow::Owned(
            (0..data.count())
                .flat_map(|i| data.sample(i).iter().copied())
                .collect(),
        ),
    }
}
