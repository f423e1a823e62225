//! Presets that reproduce known systems: the TensorFlow example, MiniSom, SOM_PAK.
//!
//! Each preset is defined once, as the [`PresetSettings`] that [`Preset::settings`] returns:
//! the system's defaults in the system's own terms (the example's `sigma` of
//! `exp(-d^2 / sigma^2)`, SOM_PAK's `radius`). [`PresetSettings::builder`] turns them into a
//! [`SomBuilder`]. [`Som::seed`], [`Som::minisom`], [`Som::minisom_with`], [`Som::sompak`] and
//! the CLI's `som train --preset X` all go through it, so the same inputs give the same map.

use crate::error::Result;
use crate::io::SompakCodebook;
use crate::minisom::MiniSomLattice;
use crate::som::{Init, Som, SomBuilder};
use som_kernel::{Clock, Schedule, Shape, Topology};

/// A known system whose training a map can reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Preset {
    /// The "Self-Organizing Maps with TensorFlow" example: alpha 0.3 and sigma
    /// `max(rows, cols) / 2`, both linear to zero per epoch; `h = exp(-d^2 / sigma(t)^2)`
    /// (no factor 2); every unit updated by every sample, in order; standard normal start;
    /// 400 epochs.
    Seed,
    /// MiniSom 2.3.6's defaults: sigma 1, learning rate 0.5, both asymptotic
    /// (`p / (1 + t / (T/2))`), Gaussian `exp(-d^2 / (2 sigma^2))`, sample `t mod n` at step
    /// `t`, random unit-length start; on its rectangular or hexagonal lattice (see
    /// [`MiniSomLattice`]). 10 epochs.
    MiniSom,
    /// SOM_PAK 3.1's `vsom`: alpha 0.05 linear to 0, radius 10 linear to 1, bubble `d <= r` on
    /// the hexagonal lattice, samples cycled in order, a start uniform within the data's range
    /// (as `randinit`; [`Som::sompak`] starts from a codebook instead). 10 epochs.
    SomPak,
}

// The names `som train --preset` takes.
som_kernel::named!("preset", Preset {
    Seed => "seed",
    MiniSom => "minisom",
    SomPak => "sompak",
});

impl Preset {
    /// The system's settings for a `rows x cols` map, ready to be changed one by one and
    /// turned into a builder.
    ///
    /// # Example
    /// ```
    /// use som_std::{Preset, Topology};
    /// let mut p = Preset::MiniSom.settings(4, 5); // MiniSom(5, 4, ..): see MiniSomLattice
    /// p.topology = Topology::Hexagonal;
    /// p.sigma = 1.5;
    /// let som = p.build(3)?;
    /// assert_eq!((som.grid().rows(), som.grid().cols()), (4, 5));
    /// # Ok::<(), som_std::Error>(())
    /// ```
    pub fn settings(self, rows: usize, cols: usize) -> PresetSettings {
        let side = rows.max(cols) as f32;
        let base = PresetSettings {
            preset: Some(self),
            ..PresetSettings::new(rows, cols)
        };
        match self {
            Preset::Seed => PresetSettings {
                alpha: 0.3,
                sigma: side / 2.0,
                clock: Clock::Epoch,
                init: Init::Normal,
                epochs: 400,
                ..base
            },
            Preset::MiniSom => PresetSettings {
                sigma: 1.0,
                decay: Decay::Asymptotic,
                init: Init::UnitVectors,
                ..base
            },
            Preset::SomPak => PresetSettings {
                alpha: 0.05,
                sigma: 10.0,
                neighbourhood: Shape::Bubble,
                topology: Topology::Hexagonal,
                ..base
            },
        }
    }

    /// The final width of a linear decay when none is given: 1 for SOM_PAK's radius, else 0.
    fn linear_sigma_end(self) -> f32 {
        match self {
            Preset::SomPak => 1.0,
            Preset::Seed | Preset::MiniSom => 0.0,
        }
    }
}

/// How a learning rate or width falls from its initial value to its final one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Decay {
    /// A straight line ([`Schedule::Linear`]).
    #[default]
    Linear,
    /// `p / (1 + t / (T/2))`, MiniSom's ([`Schedule::Asymptotic`]); it has no final value.
    Asymptotic,
    /// Hyperbolic ([`Schedule::Inverse`]).
    Inverse,
    /// Geometric ([`Schedule::Exponential`]).
    Exponential,
}

som_kernel::named!("decay", Decay {
    Linear => "linear",
    Asymptotic => "asymptotic",
    Inverse => "inverse",
    Exponential => "exponential",
});

impl Decay {
    /// The schedule from `start` to `end`, which this decay ignores when it has no final
    /// value.
    pub fn schedule(self, start: f32, end: f32) -> Schedule {
        match self {
            Decay::Linear => Schedule::Linear { start, end },
            Decay::Asymptotic => Schedule::Asymptotic { start },
            Decay::Inverse => Schedule::Inverse { start, end },
            Decay::Exponential => Schedule::Exponential { start, end },
        }
    }

    /// Whether the decay ends at a given final value.
    pub fn has_final(self) -> bool {
        self != Decay::Asymptotic
    }
}

/// Everything a preset sets, in the terms of the system it reproduces: what
/// [`Preset::settings`] returns and `som train` builds its map from. Change any field, then
/// [`PresetSettings::builder`] (and set what no preset fixes there: boundary, distance,
/// missing values, cut-off, seed, threads).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PresetSettings {
    /// The system reproduced, or `None` for `som train`'s own defaults
    /// ([`PresetSettings::new`]).
    pub preset: Option<Preset>,
    /// Rows of the map.
    pub rows: usize,
    /// Columns of the map.
    pub cols: usize,
    /// Initial learning rate.
    pub alpha: f32,
    /// Final learning rate; `None`: 0 for a linear decay, a hundredth of `alpha` for inverse
    /// and exponential ones.
    pub alpha_final: Option<f32>,
    /// Initial neighbourhood width, in the system's terms: the seed's `sigma` of
    /// `exp(-d^2 / sigma^2)` (a Gaussian of `sigma / sqrt 2`), SOM_PAK's radius, MiniSom's
    /// sigma.
    pub sigma: f32,
    /// Final width, in the same terms; `None`: the system's (1 for SOM_PAK and `som train`'s
    /// defaults, else 0) for a linear decay, a hundredth of `sigma` for inverse and
    /// exponential ones.
    pub sigma_final: Option<f32>,
    /// How both fall.
    pub decay: Decay,
    /// Neighbourhood shape.
    pub neighbourhood: Shape,
    /// Lattice.
    pub topology: Topology,
    /// What a schedule step counts.
    pub clock: Clock,
    /// Start.
    pub init: Init,
    /// Epochs [`Som::train`] runs (and `som train` without `--epochs` or `--steps`).
    pub epochs: u64,
}

impl PresetSettings {
    /// `som train`'s defaults without a preset: alpha 0.5 linear to 0, Gaussian sigma
    /// `max(rows, cols) / 2` (at least 1) linear to 1, rectangular, a start uniform within the
    /// data's range, 10 epochs.
    pub fn new(rows: usize, cols: usize) -> PresetSettings {
        PresetSettings {
            preset: None,
            rows,
            cols,
            alpha: 0.5,
            alpha_final: None,
            sigma: (rows.max(cols) as f32 / 2.0).max(1.0),
            sigma_final: None,
            decay: Decay::Linear,
            neighbourhood: Shape::Gaussian,
            topology: Topology::Rectangular,
            clock: Clock::Sample,
            init: Init::DataRange,
            epochs: 10,
        }
    }

    /// The final learning rate the schedule ends at (see [`PresetSettings::alpha_final`]).
    pub fn alpha_end(&self) -> f32 {
        self.alpha_final.unwrap_or(match self.decay {
            Decay::Linear => 0.0,
            _ => self.alpha / 100.0,
        })
    }

    /// The final width the schedule ends at, in the system's terms (see
    /// [`PresetSettings::sigma_final`]).
    pub fn sigma_end(&self) -> f32 {
        self.sigma_final.unwrap_or(match self.decay {
            Decay::Linear => self.preset.map_or(1.0, Preset::linear_sigma_end),
            _ => self.sigma / 100.0,
        })
    }

    /// Checks that batch training can use these settings, before any data is read: the one
    /// check of their conflicts ([`Som::train_batch`] refuses the same of the map it trains).
    ///
    /// # Errors
    /// The [`BatchConflict`] found.
    pub fn check_batch(&self) -> core::result::Result<(), BatchConflict> {
        if self.neighbourhood.check_batch().is_err() {
            return Err(BatchConflict::Neighbourhood(self.neighbourhood));
        }
        let end = self.sigma_end();
        if self.decay.has_final() && end <= 0.0 {
            return Err(BatchConflict::FinalWidth(end));
        }
        Ok(())
    }

    /// The learning-rate schedule.
    pub fn alpha_schedule(&self) -> Schedule {
        self.decay.schedule(self.alpha, self.alpha_end())
    }

    /// The width schedule of the kernel's Gaussian `exp(-d^2 / (2 s^2))`: the seed's
    /// `exp(-d^2 / sigma^2)` is that Gaussian with `s = sigma / sqrt 2`; the others are as
    /// given.
    pub fn sigma_schedule(&self) -> Schedule {
        let scale = match self.preset {
            Some(Preset::Seed) => core::f32::consts::FRAC_1_SQRT_2,
            _ => 1.0,
        };
        self.decay
            .schedule(self.sigma * scale, self.sigma_end() * scale)
    }

    /// A builder of this map with `dim` values per unit. Values are checked when it builds.
    pub fn builder(&self, dim: usize) -> SomBuilder {
        Som::builder(self.rows, self.cols, dim)
            .topology(self.topology)
            .neighbourhood(self.neighbourhood)
            .alpha(self.alpha_schedule())
            .sigma(self.sigma_schedule())
            .clock(self.clock)
            .init(self.init.clone())
            .epochs(self.epochs)
    }

    /// The map, built as [`PresetSettings::builder`] with every other setting at its
    /// default.
    ///
    /// # Errors
    /// As [`SomBuilder::build`]: zero sizes, schedules out of range, a codebook of the wrong
    /// length.
    pub fn build(&self, dim: usize) -> Result<Som> {
        self.builder(dim).build()
    }
}

/// Settings that batch training cannot use together ([`PresetSettings::check_batch`]).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum BatchConflict {
    /// A neighbourhood whose weights can be negative: batch training takes a weighted mean.
    Neighbourhood(Shape),
    /// A final width that is not above 0: batch training's last epoch uses it.
    FinalWidth(f32),
}

impl core::fmt::Display for BatchConflict {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            BatchConflict::Neighbourhood(shape) => write!(
                f,
                "batch training takes a weighted mean, and the {shape} neighbourhood's weights can be negative"
            ),
            BatchConflict::FinalWidth(end) => write!(
                f,
                "the final width is {end}, and batch training's last epoch uses it; expected > 0"
            ),
        }
    }
}

impl std::error::Error for BatchConflict {}

impl From<BatchConflict> for crate::Error {
    fn from(c: BatchConflict) -> crate::Error {
        crate::Error::Invalid(c.to_string())
    }
}

impl Som {
    /// The "Self-Organizing Maps with TensorFlow" example's map, exactly ([`Preset::Seed`]):
    /// an `m x n` map of `dim`-dimensional units, standard normal weights, trained by
    /// [`Som::train`] for `n_iterations` epochs over the samples in order, every unit updated
    /// by every sample with `h = exp(-d^2 / sigma(t)^2)`, `alpha(t) = alpha (1 - t/T)`,
    /// `sigma(t) = sigma (1 - t/T)`, `t` the epoch. Defaults: `alpha = 0.3`,
    /// `sigma = max(m, n) / 2`. Unit `(i, j)` is row `i` of `m`, column `j` of `n`, as in the
    /// example's `get_centroids`.
    ///
    /// # Errors
    /// Zero sizes, or `alpha`, `sigma` not finite and positive.
    ///
    /// # Example
    /// ```
    /// let colours = [[1.0f32, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    /// let mut som = som_std::Som::seed(10, 10, 3, 100, None, None)?;
    /// som.train(&colours)?;
    /// let grid = som.centroids(); // 10 rows of 10 RGB vectors
    /// let places = som.map(&colours)?; // (row, col) of each colour
    /// # Ok::<(), som_std::Error>(())
    /// ```
    pub fn seed(
        m: usize,
        n: usize,
        dim: usize,
        n_iterations: u64,
        alpha: Option<f32>,
        sigma: Option<f32>,
    ) -> Result<Som> {
        let mut p = Preset::Seed.settings(m, n);
        p.epochs = n_iterations;
        p.alpha = alpha.unwrap_or(p.alpha);
        p.sigma = sigma.unwrap_or(p.sigma);
        p.build(dim)
    }

    /// MiniSom's defaults (`MiniSom(x, y, input_len)`, [`Preset::MiniSom`]): an `x x y`
    /// rectangular map (row `i` of `x`, column `j` of `y`), `sigma = 1.0`,
    /// `learning_rate = 0.5`, both decaying asymptotically (`p / (1 + t / (T/2))`), Gaussian
    /// `exp(-d^2 / (2 sigma^2))` over all units, random unit-length weights. Train it as
    /// MiniSom's `train(data, T)` does with [`Som::train_online`]`(data, T, Order::Sequential)`:
    /// step `t` presents sample `t mod n`.
    ///
    /// # Errors
    /// Zero sizes.
    pub fn minisom(x: usize, y: usize, input_len: usize) -> Result<Som> {
        Som::minisom_with(x, y, input_len, Topology::Rectangular)
    }

    /// [`Som::minisom`] on MiniSom's `topology`: `MiniSom(x, y, input_len,
    /// topology='hexagonal')` is a map of `y` rows of `x` columns whose unit
    /// [`MiniSomLattice::unit`]`(i, j)` is MiniSom's `(i, j)`; its training (Gaussian in
    /// MiniSom's hexagonal coordinates) and hexagonal topographic error are MiniSom's. Load
    /// MiniSom's weights with [`MiniSomLattice::codebook_from_minisom`].
    ///
    /// # Errors
    /// Zero sizes.
    ///
    /// # Example
    /// ```
    /// use som_std::{MiniSomLattice, Som, Topology};
    /// let som = Som::minisom_with(5, 4, 3, Topology::Hexagonal)?;
    /// assert_eq!((som.grid().rows(), som.grid().cols()), (4, 5));
    /// let lattice = MiniSomLattice::new(5, 4, Topology::Hexagonal);
    /// assert_eq!(lattice.unit(0, 3), Some(0)); // MiniSom's (0, 3) is the top left unit
    /// # Ok::<(), som_std::Error>(())
    /// ```
    pub fn minisom_with(x: usize, y: usize, input_len: usize, topology: Topology) -> Result<Som> {
        let (rows, cols) = MiniSomLattice::new(x, y, topology).shape();
        let mut p = Preset::MiniSom.settings(rows, cols);
        p.topology = topology;
        p.build(input_len)
    }

    /// SOM_PAK 3.1's `vsom -rlen steps -alpha alpha -radius radius` ([`Preset::SomPak`]),
    /// continuing from a codebook (what `randinit` made, or a previous run): samples cycled in
    /// file order, the learning rate linear from `alpha` to 0, the radius linear from `radius`
    /// to 1, the codebook's lattice (hexagonal: odd rows shifted right; distances
    /// `dx^2 + 0.75 dy^2`) and neighbourhood (bubble: every unit with `d <= radius` moved by
    /// `alpha`; or Gaussian). Train it with
    /// [`Som::train_online`]`(data, steps, Order::Sequential)`.
    ///
    /// # Errors
    /// A codebook of inconsistent shape, non-positive `alpha` or `radius`.
    pub fn sompak(codebook: &SompakCodebook, alpha: f32, radius: f32) -> Result<Som> {
        let mut p = Preset::SomPak.settings(codebook.rows, codebook.cols);
        p.topology = codebook.topology;
        p.neighbourhood = codebook.neighbourhood;
        p.alpha = alpha;
        p.sigma = radius;
        p.init = Init::Codebook(codebook.weights.clone());
        p.build(codebook.dim)
    }
}
