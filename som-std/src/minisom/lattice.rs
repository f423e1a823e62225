//! MiniSom's lattice: which unit of the map is MiniSom's `(i, j)`, and where MiniSom places it
//! in the plane.

use crate::error::{Error, Result};
use som_kernel::{Boundary, Grid, Topology};

/// MiniSom's `Y_HEX_CONV_FACTOR`, `(3 / 2) / sqrt(3)` (`sqrt(3) / 2`, rounded as MiniSom
/// rounds it): the distance between two rows of its hexagonal lattice.
pub fn hex_y_factor() -> f64 {
    1.5 / 3.0f64.sqrt()
}

/// MiniSom's `x` by `y` lattice on the map's grid. Rectangular: `x` rows of `y` columns, unit
/// `(i, j)` at row `i`, column `j`. Hexagonal: MiniSom 2.3.6 puts unit `(i, j)` at
/// `(i - 0.5 [(y - 1 - j) even], 0.866 j)` (it offsets along the first index, by the parity
/// of the second), while the kernel's hexagonal grid (SOM_PAK's) shifts odd rows right by half
/// a unit; with `y` rows of `x` columns and MiniSom's `(i, j)` at row `y - 1 - j`, column `i`,
/// the two lattices are the same up to a reflection, which no distance sees. The pictures then
/// look like MiniSom's own hexagonal plots (`j` upwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MiniSomLattice {
    /// MiniSom's `x`.
    pub x: usize,
    /// MiniSom's `y`.
    pub y: usize,
    /// MiniSom's `topology`.
    pub topology: Topology,
}

impl MiniSomLattice {
    /// `MiniSom(x, y, .., topology=..)`'s lattice.
    pub fn new(x: usize, y: usize, topology: Topology) -> MiniSomLattice {
        MiniSomLattice { x, y, topology }
    }

    /// Rows and columns of the map's grid.
    pub fn shape(&self) -> (usize, usize) {
        match self.topology {
            Topology::Rectangular => (self.x, self.y),
            Topology::Hexagonal => (self.y, self.x),
        }
    }

    /// The kernel's grid of the map: [`MiniSomLattice::shape`], planar, on this topology.
    ///
    /// # Errors
    /// Zero sizes, or more units than the kernel can index.
    pub fn grid(&self) -> Result<Grid> {
        let (rows, cols) = self.shape();
        Ok(Grid::with(rows, cols, self.topology, Boundary::Planar)?)
    }

    /// The map's unit of MiniSom's unit `(i, j)`, or `None` outside the lattice.
    pub fn unit(&self, i: usize, j: usize) -> Option<usize> {
        if i >= self.x || j >= self.y {
            return None;
        }
        Some(match self.topology {
            Topology::Rectangular => i * self.y + j,
            Topology::Hexagonal => (self.y - 1 - j) * self.x + i,
        })
    }

    /// MiniSom's `(i, j)` of the map's unit `k`, or `None` past the last unit.
    pub fn minisom_unit(&self, k: usize) -> Option<(usize, usize)> {
        if k >= self.x.saturating_mul(self.y) {
            return None;
        }
        Some(match self.topology {
            Topology::Rectangular => (k / self.y, k % self.y),
            Topology::Hexagonal => (k % self.x, self.y - 1 - k / self.x),
        })
    }

    /// The map's unit of MiniSom's flat unit index `m = i * y + j` (its weights' row), or `m`
    /// itself past the last unit.
    pub(crate) fn unit_of_index(&self, m: usize) -> usize {
        self.unit(m / self.y.max(1), m % self.y.max(1)).unwrap_or(m)
    }

    /// MiniSom's flat unit index `i * y + j` of the map's unit `k`, or `k` itself past the
    /// last unit.
    pub(crate) fn index_of_unit(&self, k: usize) -> usize {
        self.minisom_unit(k).map_or(k, |(i, j)| i * self.y + j)
    }

    /// Whether MiniSom shifts column `j` by half a unit: on the hexagonal lattice, every
    /// other one counted from the last (`_xx[::-2] -= 0.5`).
    pub(crate) fn shifted(&self, j: usize) -> bool {
        self.topology == Topology::Hexagonal && (self.y - 1 - j).is_multiple_of(2)
    }

    /// Where MiniSom places its unit `(i, j)` in the plane (its `_xx.T[i, j]`, `_yy.T[i, j]`,
    /// what `get_euclidean_coordinates` returns): `(i, j)` on the rectangular lattice,
    /// `(i - 0.5 [(y - 1 - j) even], j * `[`hex_y_factor`]`)` on the hexagonal one. Six
    /// neighbours of a hexagonal unit are then 1 apart.
    pub fn position(&self, i: usize, j: usize) -> (f64, f64) {
        super::hood::Plane::coordinates(*self).at(i, j)
    }

    /// Every unit's [`MiniSomLattice::position`], in MiniSom's unit order (`i * y + j`): the
    /// first coordinates, then the second.
    pub fn coordinates(&self) -> (Vec<f64>, Vec<f64>) {
        (0..self.x)
            .flat_map(|i| (0..self.y).map(move |j| (i, j)))
            .map(|(i, j)| self.position(i, j))
            .unzip()
    }

    /// MiniSom's weights (`get_weights()`, shape `(x, y, dim)`, flattened) as the map's
    /// row-major codebook.
    ///
    /// # Errors
    /// Weights that are not `x * y * dim` values.
    pub fn codebook_from_minisom(&self, weights: &[f32], dim: usize) -> Result<Vec<f32>> {
        self.permute(weights, dim, true, |v| v)
    }

    /// The map's row-major codebook as MiniSom's weights (shape `(x, y, dim)`, flattened).
    ///
    /// # Errors
    /// A codebook that is not `x * y * dim` values.
    pub fn codebook_to_minisom(&self, codebook: &[f32], dim: usize) -> Result<Vec<f32>> {
        self.permute(codebook, dim, false, |v| v)
    }

    /// `from`'s units in the other order (MiniSom's to the map's when `to_map`), each value
    /// converted.
    pub(crate) fn permute<T: Copy, U: Copy + Default>(
        &self,
        from: &[T],
        dim: usize,
        to_map: bool,
        convert: impl Fn(T) -> U,
    ) -> Result<Vec<U>> {
        let units = self.x.saturating_mul(self.y);
        if dim == 0 || Some(from.len()) != units.checked_mul(dim) {
            return Err(Error::Invalid(format!(
                "{} values for MiniSom's {} x {} lattice of dim {dim}: expected x * y * dim = {}",
                from.len(),
                self.x,
                self.y,
                units.saturating_mul(dim)
            )));
        }
        let mut out = vec![U::default(); from.len()];
        for (m, w) in from.chunks_exact(dim).enumerate() {
            // m is MiniSom's i * y + j when reading MiniSom's weights, else the map's unit.
            let k = if to_map {
                self.unit_of_index(m)
            } else {
                self.index_of_unit(m)
            };
            out[k * dim..(k + 1) * dim]
                .iter_mut()
                .zip(w)
                .for_each(|(o, &v)| *o = convert(v));
        }
        Ok(out)
    }
}
