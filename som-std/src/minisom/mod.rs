//! MiniSom 2.3.6's semantics, in one place: its lattice ([`MiniSomLattice`]), its
//! neighbourhood functions ([`NeighbourhoodFunction`]), and its training loops and winner
//! searches on its own float64 weights ([`MiniSom`]).
//!
//! The Python package's `som.MiniSom` is this module behind a binding that only converts
//! arrays and errors; [`crate::Preset::MiniSom`] is MiniSom's defaults on a [`crate::Som`].
//! MiniSom's weights are its `(x, y, dim)` array flattened: unit `(i, j)` is row `i * y + j`
//! ("MiniSom's unit index"). Each call reads them into the kernel's blocked `f32` codebook,
//! searches and trains there, and writes the result back, so the searches and the online
//! updates are the kernel's (agreeing with MiniSom's float64 to about 1e-6), while the batch
//! sums and updates are float64, as MiniSom's.
//!
//! # Example
//! ```
//! use som_std::minisom::{MiniSom, MiniSomLattice, NeighbourhoodFunction};
//! use som_std::{Flat, Topology};
//! let lattice = MiniSomLattice::new(4, 3, Topology::Hexagonal);
//! let som = MiniSom::new(lattice, 2)?.with_function(NeighbourhoodFunction::Bubble);
//! let mut weights: Vec<f64> = (0..24).map(|v| f64::from(v) / 24.0).collect();
//! let data = [0.1f32, 0.2, 0.9, 0.8];
//! let data = Flat::new(&data, 2)?;
//! som.train_batch_offline(&mut weights, data, &[0.5, 0.5], &[2.0, 1.0])?;
//! let winners = som.winners(&weights, data)?; // MiniSom's unit indices i * y + j
//! assert_eq!(winners.len(), 2);
//! # Ok::<(), som_std::Error>(())
//! ```

mod hood;
mod lattice;
mod train;

#[cfg(test)]
mod tests;

pub use hood::NeighbourhoodFunction;
pub use lattice::{MiniSomLattice, hex_y_factor};
pub use train::OnlineRun;

use crate::data::Flat;
use crate::error::{Error, Result};
use som_kernel::{Bmu, Distance, Map, blocked_len, layout};

/// A MiniSom map without its weights: its lattice, `input_len`, neighbourhood function and
/// activation distance. Its methods train and query MiniSom's float64 weights, `x * y * dim`
/// values in MiniSom's unit order, in place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MiniSom {
    lattice: MiniSomLattice,
    dim: usize,
    function: NeighbourhoodFunction,
    distance: Distance,
}

impl MiniSom {
    /// `MiniSom(x, y, input_len, topology=..)`'s map: Gaussian, Euclidean.
    ///
    /// # Errors
    /// [`Error::Invalid`] for zero sizes, or more units than a map can have.
    pub fn new(lattice: MiniSomLattice, dim: usize) -> Result<MiniSom> {
        let (x, y) = (lattice.x, lattice.y);
        if x.checked_mul(y).filter(|&u| u > 0).is_none() {
            return Err(Error::Invalid(format!(
                "a {x} x {y} map: expected sizes >= 1"
            )));
        }
        if dim == 0 {
            return Err(Error::Invalid("input_len 0: expected >= 1".into()));
        }
        lattice.grid()?;
        Ok(MiniSom {
            lattice,
            dim,
            function: NeighbourhoodFunction::Gaussian,
            distance: Distance::Euclidean,
        })
    }

    /// The same map with MiniSom's `neighborhood_function`.
    pub fn with_function(self, function: NeighbourhoodFunction) -> MiniSom {
        MiniSom { function, ..self }
    }

    /// The same map with MiniSom's `activation_distance` (which the winner searches rank by;
    /// MiniSom's `chebyshev` is `max(x - w)`, without the absolute value: not
    /// [`Distance::Chebyshev`]).
    pub fn with_distance(self, distance: Distance) -> MiniSom {
        MiniSom { distance, ..self }
    }

    /// The lattice.
    pub fn lattice(&self) -> MiniSomLattice {
        self.lattice
    }

    /// Values per unit and per sample (MiniSom's `input_len`).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The neighbourhood function.
    pub fn function(&self) -> NeighbourhoodFunction {
        self.function
    }

    /// The activation distance.
    pub fn distance(&self) -> Distance {
        self.distance
    }

    /// `x * y`.
    pub fn units(&self) -> usize {
        self.lattice.x * self.lattice.y
    }

    /// The winner of every sample by the activation distance, as MiniSom's `winner` (its
    /// unit index `i * y + j`), the first in the map's unit order on ties (Euclidean:
    /// MiniSom's `quantization`).
    ///
    /// # Errors
    /// As [`MiniSom::train`]'s checks of weights and data.
    pub fn winners(&self, weights: &[f64], data: Flat<'_>) -> Result<Vec<usize>> {
        let n = self.check(weights.len(), data)?;
        let b = self.blocked(weights, self.lattice)?;
        let mut winners = vec![NO_BMU; n];
        Map::new(self.lattice.grid()?, self.dim, &b)?
            .with_distance(self.distance)?
            .bmu_many(data.data(), &mut winners)?;
        Ok(winners
            .iter()
            .map(|b| self.lattice.index_of_unit(b.unit))
            .collect())
    }

    /// The best and second-best units (Euclidean) of every sample, MiniSom's unit indices:
    /// what its topographic error compares.
    ///
    /// # Errors
    /// As [`MiniSom::winners`].
    pub fn winners2(&self, weights: &[f64], data: Flat<'_>) -> Result<Vec<[usize; 2]>> {
        self.check(weights.len(), data)?;
        let b = self.blocked(weights, self.lattice)?;
        let map = Map::new(self.lattice.grid()?, self.dim, &b)?;
        data.data()
            .chunks_exact(self.dim)
            .map(|x| Ok(map.bmu2(x)?.map(|b| self.lattice.index_of_unit(b.unit))))
            .collect()
    }

    /// The checks every call shares: `x * y * dim` weights, samples of `dim` finite values.
    /// Returns the number of samples.
    fn check(&self, weights: usize, data: Flat<'_>) -> Result<usize> {
        let (units, dim) = (self.units(), self.dim);
        if weights != units * dim {
            return Err(Error::Invalid(format!(
                "weights have {} units, expected x * y = {units}",
                weights / dim
            )));
        }
        if data.dim() != dim {
            return Err(Error::Invalid(format!(
                "Received {} features, expected {dim}.",
                data.dim()
            )));
        }
        let flat = data.data();
        if let Some(i) = flat.iter().position(|v| !v.is_finite()) {
            return Err(Error::Invalid(format!(
                "sample {} has a value that is not finite ({}): expected finite numbers",
                i / dim,
                flat[i]
            )));
        }
        Ok(flat.len() / dim)
    }

    /// MiniSom's weights as the kernel's blocked `f32` codebook, in the unit order of
    /// `order` (this map's lattice, or MiniSom's own order where the search must not see the
    /// lattice).
    fn blocked(&self, weights: &[f64], order: MiniSomLattice) -> Result<Vec<f32>> {
        let (units, dim) = (self.units(), self.dim);
        let rm = order.permute(weights, dim, true, |v| v as f32)?;
        let mut b = vec![0.0; blocked_len(units, dim)];
        layout::to_blocked(&rm, units, dim, &mut b)?;
        Ok(b)
    }

    /// The kernel's blocked codebook, in the unit order of `order`, written back into
    /// MiniSom's weights.
    fn unblock(&self, b: &[f32], order: MiniSomLattice, weights: &mut [f64]) -> Result<()> {
        let (units, dim) = (self.units(), self.dim);
        let mut rm = vec![0.0f32; units * dim];
        layout::to_row_major(b, units, dim, &mut rm)?;
        let w = order.permute(&rm, dim, false, f64::from)?;
        weights.copy_from_slice(&w);
        Ok(())
    }
}

/// A placeholder winner for output buffers.
const NO_BMU: Bmu = Bmu {
    unit: 0,
    dist2: 0.0,
};
