//! MiniSom's neighbourhood functions, in its float64 arithmetic, and where each sees the units.

use super::lattice::{MiniSomLattice, hex_y_factor};
use crate::error::{Error, Result};
use som_kernel::Shape;

/// MiniSom's `neighborhood_function`s. Each is written as MiniSom writes it, operation for
/// operation, so that the values are MiniSom's up to its `exp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NeighbourhoodFunction {
    /// `exp(-dx^2 / (2 sigma^2)) exp(-dy^2 / (2 sigma^2))`, on MiniSom's coordinates.
    Gaussian,
    /// `exp(-p / d) (1 - 2 p / d)` with `p = dx^2 + dy^2`, `d = 2 sigma^2`, on MiniSom's
    /// coordinates: negative away from the winner, and not separable.
    MexicanHat,
    /// 1 where `|di| < sigma` and `|dj| < sigma` (a square, not the kernel's disc), else 0,
    /// on the grid indices.
    Bubble,
    /// `max(sigma - |di|, 0) max(sigma - |dj|, 0)` (a product of two triangles, not the
    /// kernel's cone), on the grid indices.
    Triangle,
}

impl NeighbourhoodFunction {
    /// Every function, in MiniSom's order.
    pub const ALL: [NeighbourhoodFunction; 4] = [
        NeighbourhoodFunction::Gaussian,
        NeighbourhoodFunction::MexicanHat,
        NeighbourhoodFunction::Bubble,
        NeighbourhoodFunction::Triangle,
    ];

    /// MiniSom's name: `gaussian`, `mexican_hat`, `bubble`, `triangle`.
    pub fn name(self) -> &'static str {
        match self {
            NeighbourhoodFunction::Gaussian => "gaussian",
            NeighbourhoodFunction::MexicanHat => "mexican_hat",
            NeighbourhoodFunction::Bubble => "bubble",
            NeighbourhoodFunction::Triangle => "triangle",
        }
    }

    /// The kernel's shape that computes exactly this function, if there is one (the
    /// Gaussian and the Mexican hat; MiniSom's bubble and triangle are not the kernel's).
    pub fn shape(self) -> Option<Shape> {
        match self {
            NeighbourhoodFunction::Gaussian => Some(Shape::Gaussian),
            NeighbourhoodFunction::MexicanHat => Some(Shape::MexicanHat),
            NeighbourhoodFunction::Bubble | NeighbourhoodFunction::Triangle => None,
        }
    }

    /// Whether MiniSom evaluates it on its coordinates (`_xx`, `_yy`: the hexagonal
    /// positions on that lattice), not on the grid indices (`_neigx`, `_neigy`). MiniSom warns
    /// that its triangle ignores the hexagonal lattice; its bubble does too.
    pub fn on_coordinates(self) -> bool {
        self.shape().is_some()
    }

    /// The factor along one axis of a separable function, between the unit at `a` and the
    /// winner at `c`; NaN for the Mexican hat, which is not separable.
    pub(crate) fn factor(self, a: f64, c: f64, sigma: f64) -> f64 {
        match self {
            NeighbourhoodFunction::Gaussian => (-((a - c) * (a - c)) / (2.0 * sigma * sigma)).exp(),
            NeighbourhoodFunction::Bubble => f64::from(u8::from(a > c - sigma && a < c + sigma)),
            NeighbourhoodFunction::Triangle => {
                // MiniSom sets the negative values to 0 (`t[t < 0] = 0.`).
                let t = -(c - a).abs() + sigma;
                if t < 0.0 { 0.0 } else { t }
            }
            NeighbourhoodFunction::MexicanHat => f64::NAN,
        }
    }
}

impl core::fmt::Display for NeighbourhoodFunction {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for NeighbourhoodFunction {
    type Err = Error;

    /// The function of a MiniSom name; MiniSom's message for any other.
    fn from_str(name: &str) -> Result<NeighbourhoodFunction> {
        NeighbourhoodFunction::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| {
                let names: Vec<_> = NeighbourhoodFunction::ALL.map(|f| f.name()).into();
                Error::Invalid(format!(
                    "{name} not supported. Functions available: {}",
                    names.join(", ")
                ))
            })
    }
}

/// MiniSom's Mexican hat between the unit at `u` and the winner at `c`.
pub(crate) fn mexican_hat(u: (f64, f64), c: (f64, f64), sigma: f64) -> f64 {
    let p = (u.0 - c.0) * (u.0 - c.0) + (u.1 - c.1) * (u.1 - c.1);
    let d = 2.0 * sigma * sigma;
    (-p / d).exp() * (1.0 - 2.0 / d * p)
}

/// Where a function sees MiniSom's unit `(i, j)`: at `(i, j)`, or, shifted, at MiniSom's
/// hexagonal coordinates `(i - 0.5 [(y - 1 - j) even], j * 0.866)`. The shift depends on the
/// parity class of `j` only, so a separable function stays separable per pair of classes
/// (what the batch sums use).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plane {
    pub(crate) lattice: MiniSomLattice,
    /// Two parity classes of columns (hexagonal, on its coordinates), else one.
    pub(crate) shifted: bool,
}

impl Plane {
    /// MiniSom's coordinates of the lattice's units.
    pub(crate) fn coordinates(lattice: MiniSomLattice) -> Plane {
        Plane {
            lattice,
            shifted: lattice.topology == som_kernel::Topology::Hexagonal,
        }
    }

    /// Where `function` sees the units.
    pub(crate) fn of(lattice: MiniSomLattice, function: NeighbourhoodFunction) -> Plane {
        if function.on_coordinates() {
            Plane::coordinates(lattice)
        } else {
            Plane {
                lattice,
                shifted: false,
            }
        }
    }

    pub(crate) fn classes(self) -> usize {
        if self.shifted { 2 } else { 1 }
    }

    /// The parity class of column `j`: 1 for a column shifted by half a unit, else 0.
    pub(crate) fn class(self, j: usize) -> usize {
        usize::from(self.shifted && self.lattice.shifted(j))
    }

    /// First coordinate of `(i, j)`, `j` of the given class.
    pub(crate) fn px(self, i: usize, class: usize) -> f64 {
        i as f64 - 0.5 * class as f64
    }

    /// Second coordinate of column `j`.
    pub(crate) fn py(self, j: usize) -> f64 {
        if self.shifted {
            j as f64 * hex_y_factor()
        } else {
            j as f64
        }
    }

    /// Both coordinates of `(i, j)`.
    pub(crate) fn at(self, i: usize, j: usize) -> (f64, f64) {
        (self.px(i, self.class(j)), self.py(j))
    }
}

impl MiniSomLattice {
    /// MiniSom's `neighborhood(c, sigma)`: `function` around the winner `c = (i, j)` at every
    /// unit, in MiniSom's unit order (`i * y + j`, its `(x, y)` array flattened). What its
    /// `update` and `distortion_measure` weigh by.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a winner outside the lattice.
    ///
    /// # Example
    /// ```
    /// use som_std::minisom::{MiniSomLattice, NeighbourhoodFunction};
    /// use som_std::Topology;
    /// let lattice = MiniSomLattice::new(3, 3, Topology::Rectangular);
    /// let h = lattice.neighbourhood(NeighbourhoodFunction::Bubble, (1, 1), 1.0)?;
    /// assert_eq!(h, [0., 0., 0., 0., 1., 0., 0., 0., 0.]); // |di| < 1 and |dj| < 1
    /// # Ok::<(), som_std::Error>(())
    /// ```
    pub fn neighbourhood(
        &self,
        function: NeighbourhoodFunction,
        (ci, cj): (usize, usize),
        sigma: f64,
    ) -> Result<Vec<f64>> {
        if ci >= self.x || cj >= self.y {
            return Err(Error::Invalid(format!(
                "winner ({ci}, {cj}) outside MiniSom's {} x {} lattice",
                self.x, self.y
            )));
        }
        let plane = Plane::of(*self, function);
        let c = plane.at(ci, cj);
        let h = |u: (f64, f64)| match function {
            NeighbourhoodFunction::MexicanHat => mexican_hat(u, c, sigma),
            _ => function.factor(u.0, c.0, sigma) * function.factor(u.1, c.1, sigma),
        };
        Ok((0..self.x)
            .flat_map(|i| (0..self.y).map(move |j| (i, j)))
            .map(|(i, j)| h(plane.at(i, j)))
            .collect())
    }
}
