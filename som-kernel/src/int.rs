//! Integer maps, for cores without a floating-point unit (Cortex-M0, M0+, M23; many RISC-V).
//!
//! Weights and samples are `i16` codes of one quantisation step (`value = code * step`, one
//! step for every component, so that distances in codes rank units as the real distances
//! do). The codebook is row-major (unit after unit, `dim` codes each), so a map trained on a
//! desktop can ship as a `static` in flash (`som export --format rust|c`).
//!
//! - Distances: differences in `i32`, squares in `u32` (at most `65535^2`), summed in `u64`,
//!   so no sum overflows at any dimension and the search is exact: the lowest distance wins,
//!   the lowest unit among equals, as in [`crate::reference::bmu`].
//! - The online step: `w += round(rate (x - w) / 2^15)` with `rate = round(alpha h 2^15)`,
//!   in `i32` (`|rate (x - w)| <= 2^15 * 65535 < 2^31`); the weight moves towards `x` and
//!   never past it, so it stays an `i16`.
//! - The neighbourhood `h` comes from a table of `N` entries in Q15 ([`IntNeighbourhood`]),
//!   indexed by four times the squared lattice distance (an integer on both lattices), built
//!   once from a [`Neighbourhood`] (Gaussian, bubble, any shape).
//!
//! Agreement with the f32 reference (tested): the same best-matching unit whenever the f32
//! margin between the two nearest units exceeds the quantisation error of the distances
//! (`2 sqrt(dim) step`); weights within one step of the f32 update with the same rate.
//!
//! # Example
//! ```
//! use som_kernel::int::{IntMapMut, IntNeighbourhood, quantize};
//! use som_kernel::{Grid, Neighbourhood, Shape};
//!
//! let grid = Grid::new(4, 4)?;
//! let mut codes = [0i16; 16 * 3];
//! let mut map = IntMapMut::new(grid, 3, &mut codes)?;
//! let nb = IntNeighbourhood::<128>::new(&grid, &Neighbourhood::new(Shape::Gaussian, 1.0)?)?;
//! let mut x = [0i16; 3];
//! quantize(&[0.5, -0.25, 1.0], 1.0 / 16384.0, &mut x)?; // Q14
//! let winner = map.train_step(&x, &nb, 16384)?; // alpha = 0.5 in Q15
//! assert_eq!(winner.unit, 0);
//! # Ok::<(), som_kernel::Error>(())
//! ```

use crate::error::{Error, Result, check_len};
use crate::grid::{Boundary, Grid, Topology};
use crate::math::sqrt;
use crate::neighbourhood::Neighbourhood;

/// One in Q15: `alpha` and `h` of 1.
pub const ONE: i32 = 1 << 15;

/// A best-matching unit of an integer map: index and squared distance in codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntBmu {
    /// Unit index, `row * cols + col`.
    pub unit: usize,
    /// `sum (x - w)^2` in codes (multiply by `step^2` for the real squared distance).
    pub dist2: u64,
}

/// Codes of `x` at quantisation step `step` into `out`: `round(x / step)`, saturated to the
/// `i16` range.
///
/// # Errors
/// [`Error::Length`] unless `out.len() == x.len()`; [`Error::Parameter`] unless `step` is
/// finite and positive; [`Error::NonFinite`] for NaN or infinity in `x`.
pub fn quantize(x: &[f32], step: f32, out: &mut [i16]) -> Result<()> {
    check_len("codes", x.len(), out.len())?;
    crate::error::check_positive("step (quantisation)", step)?;
    crate::error::check_finite(x, x.len().max(1))?;
    for (o, &v) in out.iter_mut().zip(x) {
        // `as` saturates (and the value is finite).
        *o = libm::roundf(v / step) as i16;
    }
    Ok(())
}

/// The values of `codes` at step `step` into `out`: `code * step`.
///
/// # Errors
/// [`Error::Length`] unless `out.len() == codes.len()`.
pub fn dequantize(codes: &[i16], step: f32, out: &mut [f32]) -> Result<()> {
    check_len("values", codes.len(), out.len())?;
    for (o, &c) in out.iter_mut().zip(codes) {
        *o = f32::from(c) * step;
    }
    Ok(())
}

/// Four times the squared lattice distance between units `a` and `b` of `grid`, exact in
/// integers (hexagonal columns in half units: `4 d^2 = dx2^2 + 3 dr^2`): the index of
/// [`IntNeighbourhood::h`].
pub fn dist4(grid: &Grid, a: usize, b: usize) -> u32 {
    dist4_rc(grid, grid.row_col(a), grid.row_col(b))
}

/// [`dist4`] between `(row, col)` positions (no division: a Cortex-M0 has none).
#[inline]
fn dist4_rc(grid: &Grid, (ra, ca): (usize, usize), (rb, cb): (usize, usize)) -> u32 {
    let hex = grid.topology() == Topology::Hexagonal;
    // Columns in half units, hexagonal odd rows shifted by one half.
    let x = |r: usize, c: usize| 2 * c as i64 + i64::from(hex && r % 2 == 1);
    let mut dx = (x(ra, ca) - x(rb, cb)).unsigned_abs();
    let mut dr = (ra as i64 - rb as i64).unsigned_abs();
    if grid.boundary() == Boundary::Toroidal {
        dx = dx.min((2 * grid.cols() as u64).saturating_sub(dx));
        dr = dr.min((grid.rows() as u64).saturating_sub(dr));
    }
    let v = if hex { 3 } else { 4 };
    let d4 = dx
        .saturating_mul(dx)
        .saturating_add(v * dr.saturating_mul(dr));
    u32::try_from(d4).unwrap_or(u32::MAX)
}

/// A neighbourhood as a table of `h` in Q15 for `4 d^2 = 0, 1, .., N - 1` (`d` the lattice
/// distance): `N * 2` bytes, built once per width. Beyond the table `h` is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntNeighbourhood<const N: usize> {
    table: [u16; N],
}

impl<const N: usize> IntNeighbourhood<N> {
    /// The table of `nb` (`h` rounded to Q15, so `h < 2^-16` is 0) for maps of `grid`'s
    /// lattice.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for a neighbourhood that can be negative (Mexican hat);
    /// [`Error::Parameter`] when `nb` is still at least half a step of Q15 at the end of the
    /// table, while `grid` has units farther apart (a larger `N` holds it).
    pub fn new(grid: &Grid, nb: &Neighbourhood) -> Result<Self> {
        if nb.can_be_negative() {
            return Err(Error::Unsupported {
                what: "an integer neighbourhood that can be negative (Mexican hat)",
            });
        }
        let q15 = |d4: usize| libm::roundf(nb.weight(d4 as f32 / 4.0) * ONE as f32) as u16;
        let mut table = [0u16; N];
        for (d4, h) in table.iter_mut().enumerate() {
            *h = q15(d4);
        }
        // At least four times the largest squared distance on the map.
        let (r, c) = (grid.rows(), grid.cols());
        let farthest = r.saturating_mul(r).saturating_add(c.saturating_mul(c));
        if farthest.saturating_mul(4) >= N && q15(N) != 0 {
            return Err(Error::Parameter {
                what: "sigma (the integer neighbourhood's table is too short for it)",
                expected: "h below 2^-16 at the end of the table",
                got: nb.sigma(),
            });
        }
        Ok(Self { table })
    }

    /// `h` in Q15 at four times the squared lattice distance `d4` (0 beyond the table).
    pub fn h(&self, d4: u32) -> u16 {
        self.table.get(d4 as usize).copied().unwrap_or(0)
    }
}

/// A read-only integer map: grid, dimension, row-major `i16` codebook (it can be a `static`
/// in flash).
#[derive(Debug, Clone, Copy)]
pub struct IntMap<'a> {
    grid: Grid,
    dim: usize,
    codes: &'a [i16],
}

/// An integer map that can be trained.
#[derive(Debug)]
pub struct IntMapMut<'a> {
    grid: Grid,
    dim: usize,
    codes: &'a mut [i16],
}

fn check_shape(grid: &Grid, dim: usize, len: usize) -> Result<()> {
    if dim == 0 {
        return Err(Error::Zero { what: "dim" });
    }
    check_len(
        "integer codebook (units * dim)",
        grid.units().saturating_mul(dim),
        len,
    )
}

/// `sum (x - w)^2` in codes.
#[inline]
fn dist2(x: &[i16], w: &[i16]) -> u64 {
    let mut acc = 0u64;
    for (&a, &b) in x.iter().zip(w) {
        let d = (i32::from(a) - i32::from(b)).unsigned_abs();
        acc += u64::from(d * d);
    }
    acc
}

impl<'a> IntMap<'a> {
    /// A view of the row-major codebook `codes` (`units * dim` codes).
    ///
    /// # Errors
    /// [`Error::Zero`] if `dim` is 0, [`Error::Length`] for a codebook of another length.
    pub fn new(grid: Grid, dim: usize, codes: &'a [i16]) -> Result<Self> {
        check_shape(&grid, dim, codes.len())?;
        Ok(Self { grid, dim, codes })
    }

    /// The grid.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// Codes per unit.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The codebook, row-major.
    pub fn codes(&self) -> &'a [i16] {
        self.codes
    }

    /// The best-matching unit of `x`: smallest distance, lowest index among equals.
    ///
    /// # Errors
    /// [`Error::Length`] unless `x.len() == dim`.
    pub fn bmu(&self, x: &[i16]) -> Result<IntBmu> {
        check_len("sample", self.dim, x.len())?;
        Ok(self.nearest::<1>(x)[0])
    }

    /// The best and second-best units of `x` (with one unit, the second is unit 1 at
    /// `u64::MAX`).
    ///
    /// # Errors
    /// [`Error::Length`] unless `x.len() == dim`.
    pub fn bmu2(&self, x: &[i16]) -> Result<[IntBmu; 2]> {
        check_len("sample", self.dim, x.len())?;
        Ok(self.nearest::<2>(x))
    }

    fn nearest<const K: usize>(&self, x: &[i16]) -> [IntBmu; K] {
        let mut best = [IntBmu {
            unit: usize::MAX,
            dist2: u64::MAX,
        }; K];
        for (k, w) in self.codes.chunks_exact(self.dim.max(1)).enumerate() {
            let mut c = IntBmu {
                unit: k,
                dist2: dist2(x, w),
            };
            for b in best.iter_mut() {
                if c.dist2 < b.dist2 || (c.dist2 == b.dist2 && c.unit < b.unit) {
                    core::mem::swap(b, &mut c);
                }
            }
        }
        for (i, b) in best.iter_mut().enumerate() {
            if b.unit == usize::MAX {
                b.unit = i;
            }
        }
        best
    }

    /// Mean Euclidean distance, in steps, from each sample of `data` (rows of `dim` codes) to
    /// its best-matching unit (0 for no data).
    ///
    /// # Errors
    /// [`Error::Length`] unless `data` is whole samples.
    pub fn quantization_error(&self, data: &[i16]) -> Result<f32> {
        let dim = self.dim.max(1);
        let n = data.len() / dim;
        check_len("data (whole samples)", n * dim, data.len())?;
        let mut total = 0.0f32;
        for x in data.chunks_exact(dim) {
            total += sqrt(self.nearest::<1>(x)[0].dist2 as f32);
        }
        Ok(if n == 0 { 0.0 } else { total / n as f32 })
    }
}

impl<'a> IntMapMut<'a> {
    /// A trainable view of the row-major codebook `codes`.
    ///
    /// # Errors
    /// As [`IntMap::new`].
    pub fn new(grid: Grid, dim: usize, codes: &'a mut [i16]) -> Result<Self> {
        check_shape(&grid, dim, codes.len())?;
        Ok(Self { grid, dim, codes })
    }

    /// A read-only view.
    pub fn as_map(&self) -> IntMap<'_> {
        IntMap {
            grid: self.grid,
            dim: self.dim,
            codes: self.codes,
        }
    }

    /// The codebook, for writing.
    pub fn codes_mut(&mut self) -> &mut [i16] {
        self.codes
    }

    /// One online step towards `x` around `winner`: `w += round(rate (x - w) / 2^15)` with
    /// `rate = round(alpha h / 2^15)`, `alpha` in Q15 (`32768` is 1), for every unit with
    /// `rate > 0`.
    ///
    /// # Errors
    /// [`Error::Length`] for a sample of the wrong length, [`Error::TooLarge`] if `winner` is
    /// no unit or `alpha > 32768`. Nothing is changed on error.
    pub fn update<const N: usize>(
        &mut self,
        x: &[i16],
        winner: usize,
        nb: &IntNeighbourhood<N>,
        alpha: u16,
    ) -> Result<()> {
        check_len("sample", self.dim, x.len())?;
        if winner >= self.grid.units() {
            return Err(Error::TooLarge {
                what: "unit index",
                max: self.grid.units().saturating_sub(1),
                got: winner,
            });
        }
        if i32::from(alpha) > ONE {
            return Err(Error::TooLarge {
                what: "alpha (Q15)",
                max: ONE as usize,
                got: usize::from(alpha),
            });
        }
        let grid = self.grid;
        let centre = grid.row_col(winner);
        let cols = grid.cols().max(1);
        let (mut row, mut col) = (0, 0);
        for w in self.codes.chunks_exact_mut(self.dim.max(1)) {
            let h = i32::from(nb.h(dist4_rc(&grid, (row, col), centre)));
            col += 1;
            if col == cols {
                col = 0;
                row += 1;
            }
            let rate = (i32::from(alpha) * h + (1 << 14)) >> 15;
            if rate == 0 {
                continue;
            }
            for (wd, &xd) in w.iter_mut().zip(x) {
                let diff = i32::from(xd) - i32::from(*wd);
                // |rate * diff| <= 2^15 * 65535 < 2^31; the result lies between w and x.
                let step = (rate * diff + (1 << 14)) >> 15;
                *wd = (i32::from(*wd) + step) as i16;
            }
        }
        Ok(())
    }

    /// Finds the best-matching unit of `x` and updates the map towards `x` around it.
    ///
    /// # Errors
    /// As [`IntMapMut::update`].
    pub fn train_step<const N: usize>(
        &mut self,
        x: &[i16],
        nb: &IntNeighbourhood<N>,
        alpha: u16,
    ) -> Result<IntBmu> {
        let b = self.as_map().bmu(x)?;
        self.update(x, b.unit, nb, alpha)?;
        Ok(b)
    }
}
