//! Presets that reproduce known systems: the TensorFlow example, MiniSom, SOM_PAK.

use crate::error::Result;
use crate::io::SompakCodebook;
use crate::som::{Init, Som};
use som_kernel::{Clock, Schedule, Shape};

impl Som {
    /// The "Self-Organizing Maps with TensorFlow" example's map, exactly: an `m x n` map of
    /// `dim`-dimensional units, standard normal weights, trained by [`Som::train`] for
    /// `n_iterations` epochs over the samples in order, every unit updated by every sample
    /// with `h = exp(-d^2 / sigma(t)^2)`, `alpha(t) = alpha (1 - t/T)`,
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

    /// MiniSom's defaults (`MiniSom(x, y, input_len)`): an `x x y` rectangular map (row `i` of
    /// `x`, column `j` of `y`), `sigma = 1.0`, `learning_rate = 0.5`, both decaying
    /// asymptotically (`p / (1 + t / (T/2))`), Gaussian `exp(-d^2 / (2 sigma^2))` over all units,
    /// random unit-length weights. Train it as MiniSom's `train(data, T)` does with
    /// [`Som::train_online`]`(data, T, Order::Sequential)`: step `t` presents sample `t mod n`.
    ///
    /// # Errors
    /// Zero sizes.
    pub fn minisom(x: usize, y: usize, input_len: usize) -> Result<Som> {
        Som::builder(x, y, input_len)
            .neighbourhood(Shape::Gaussian)
            .alpha(Schedule::Asymptotic { start: 0.5 })
            .sigma(Schedule::Asymptotic { start: 1.0 })
            .clock(Clock::Sample)
            .init(Init::UnitVectors)
            .build()
    }

    /// SOM_PAK 3.1's `vsom -rlen steps -alpha alpha -radius radius`, continuing from a
    /// codebook (what `randinit` made, or a previous run): samples cycled in file order, the
    /// learning rate linear from `alpha` to 0, the radius linear from `radius` to 1, the
    /// codebook's lattice (hexagonal: odd rows shifted right; distances `dx^2 + 0.75 dy^2`)
    /// and neighbourhood (bubble: every unit with `d <= radius` moved by `alpha`; or
    /// Gaussian). Train it with [`Som::train_online`]`(data, steps, Order::Sequential)`.
    ///
    /// # Errors
    /// A codebook of inconsistent shape, non-positive `alpha` or `radius`.
    pub fn sompak(codebook: &SompakCodebook, alpha: f32, radius: f32) -> Result<Som> {
        Som::builder(codebook.rows, codebook.cols, codebook.dim)
            .topology(codebook.topology)
            .neighbourhood(codebook.neighbourhood)
            .alpha(Schedule::Linear {
                start: alpha,
                end: 0.0,
            })
            .sigma(Schedule::Linear {
                start: radius,
                end: 1.0,
            })
            .clock(Clock::Sample)
            .init(Init::Codebook(codebook.weights.clone()))
            .build()
    }
}
