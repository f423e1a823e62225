//! The loops of `som.MiniSom`: MiniSom 2.3.6's online and batch training and its winner
//! searches, on the kernel.
//!
//! MiniSom's weights stay a `float64` array of shape `(x, y, input_len)` owned by Python (users
//! edit it in place); each call takes it row-major, works on an `f32` blocked copy and writes
//! the result back. Unit `(i, j)` is unit `i * y + j`: row `i` of `x`, column `j` of `y`.

use crate::kernel_err;
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2,
    PyReadwriteArray2, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyNotImplementedError, PyValueError};
use pyo3::prelude::*;
use som_std::kernel::{
    Bmu, Boundary, Distance, Grid, Map, MapMut, Neighbourhood, Shape, Topology, blocked_len, layout,
};

/// MiniSom's neighbourhood functions.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Hood {
    Gaussian,
    MexicanHat,
    Bubble,
    Triangle,
}

impl Hood {
    fn parse(name: &str) -> PyResult<Hood> {
        Ok(match name {
            "gaussian" => Hood::Gaussian,
            "mexican_hat" => Hood::MexicanHat,
            "bubble" => Hood::Bubble,
            "triangle" => Hood::Triangle,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "{name} not supported. Functions available: gaussian, mexican_hat, bubble, triangle"
                )));
            }
        })
    }

    /// The kernel's shape that computes exactly this function, if there is one. (MiniSom's
    /// bubble is a square `|di| < sigma and |dj| < sigma`, its triangle a product of two
    /// triangles: neither is the kernel's radial bubble or triangle.)
    fn kernel(self) -> Option<Shape> {
        match self {
            Hood::Gaussian => Some(Shape::Gaussian),
            Hood::MexicanHat => Some(Shape::MexicanHat),
            Hood::Bubble | Hood::Triangle => None,
        }
    }

    /// The factor along one axis of a separable function, for unit `i` and winner `c`, in
    /// MiniSom's arithmetic.
    fn factor(self, i: usize, c: usize, sigma: f64) -> f64 {
        let (i, c) = (i as f64, c as f64);
        match self {
            Hood::Gaussian => (-((i - c) * (i - c)) / (2.0 * sigma * sigma)).exp(),
            Hood::Bubble => f64::from(u8::from(i > c - sigma && i < c + sigma)),
            Hood::Triangle => (-(c - i).abs() + sigma).max(0.0),
            Hood::MexicanHat => f64::NAN, // not separable; see `mexican_hat`
        }
    }
}

/// MiniSom's Mexican hat at squared lattice distance `p`.
fn mexican_hat(p: f64, sigma: f64) -> f64 {
    let d = 2.0 * sigma * sigma;
    (-p / d).exp() * (1.0 - 2.0 / d * p)
}

/// A placeholder winner for output buffers.
const ZERO: Bmu = Bmu {
    unit: 0,
    dist2: 0.0,
};

/// The kernel's distance of MiniSom's `activation_distance` name.
fn distance(name: &str) -> PyResult<Distance> {
    Distance::from_name(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "activation_distance {name:?}: expected euclidean, cosine, manhattan or chebyshev"
        ))
    })
}

/// MiniSom's `x` by `y` lattice on the kernel's grid. Rectangular: as it is, unit `i * y + j`.
/// Hexagonal: MiniSom puts unit `(i, j)` at `(i - 0.5 [(y - 1 - j) even], 0.866 j)`; the
/// kernel's hexagonal grid (SOM_PAK's) shifts odd rows right by half a unit, rows 0.866
/// apart. With `y` rows of `x` units, MiniSom's `(i, j)` at row `y - 1 - j`, column `i`, the
/// two lattices are the same up to a reflection, which no distance sees.
#[derive(Clone, Copy)]
struct Lattice {
    x: usize,
    y: usize,
    hex: bool,
}

impl Lattice {
    fn new(x: usize, y: usize, hexagonal: bool) -> Self {
        Lattice {
            x,
            y,
            hex: hexagonal,
        }
    }

    fn grid(self) -> PyResult<Grid> {
        if self.hex {
            Grid::with(self.y, self.x, Topology::Hexagonal, Boundary::Planar)
        } else {
            Grid::new(self.x, self.y)
        }
        .map_err(kernel_err)
    }

    /// The kernel's unit of MiniSom's unit index `m = i * y + j`.
    fn unit(self, m: usize) -> usize {
        if self.hex {
            let (i, j) = (m / self.y, m % self.y);
            (self.y - 1 - j) * self.x + i
        } else {
            m
        }
    }

    /// MiniSom's unit index of the kernel's unit `u`.
    fn index(self, u: usize) -> usize {
        if self.hex {
            let (row, i) = (u / self.x, u % self.x);
            i * self.y + (self.y - 1 - row)
        } else {
            u
        }
    }
}

/// MiniSom's `float64` weights (`x * y` rows) as the kernel's blocked `f32` codebook.
fn blocked(w: &[f64], lattice: Lattice, dim: usize) -> PyResult<Vec<f32>> {
    let units = lattice.x * lattice.y;
    let mut rm = vec![0.0f32; units * dim];
    for (u, unit) in rm.chunks_exact_mut(dim.max(1)).enumerate() {
        let m = lattice.index(u);
        let from = w.get(m * dim..(m + 1) * dim).unwrap_or_default();
        unit.iter_mut().zip(from).for_each(|(o, &v)| *o = v as f32);
    }
    let mut b = vec![0.0; blocked_len(units, dim)];
    layout::to_blocked(&rm, units, dim, &mut b).map_err(kernel_err)?;
    Ok(b)
}

/// The kernel's blocked codebook written back into MiniSom's `float64` weights.
fn unblock(b: &[f32], lattice: Lattice, dim: usize, w: &mut [f64]) -> PyResult<()> {
    let units = lattice.x * lattice.y;
    let mut rm = vec![0.0f32; units * dim];
    layout::to_row_major(b, units, dim, &mut rm).map_err(kernel_err)?;
    for (u, unit) in rm.chunks_exact(dim.max(1)).enumerate() {
        let m = lattice.index(u);
        if let Some(to) = w.get_mut(m * dim..(m + 1) * dim) {
            to.iter_mut()
                .zip(unit)
                .for_each(|(o, &v)| *o = f64::from(v));
        }
    }
    Ok(())
}

/// The shape checks every call shares: the weights are `units x dim`, the data `n x dim` with
/// finite values. Returns `(units, dim, n)`.
fn check(
    x: usize,
    y: usize,
    wshape: &[usize],
    data: &PyReadonlyArray2<'_, f32>,
) -> PyResult<(usize, usize, usize)> {
    let units = x
        .checked_mul(y)
        .filter(|&u| u > 0)
        .ok_or_else(|| PyValueError::new_err(format!("a {x} x {y} map: expected sizes >= 1")))?;
    if wshape[0] != units {
        return Err(PyValueError::new_err(format!(
            "weights have {} units, expected x * y = {units}",
            wshape[0]
        )));
    }
    let dim = wshape[1];
    let (n, d) = (data.shape()[0], data.shape()[1]);
    if d != dim {
        return Err(PyValueError::new_err(format!(
            "Received {d} features, expected {dim}."
        )));
    }
    let flat = data.as_slice()?;
    if let Some(i) = flat.iter().position(|v| !v.is_finite()) {
        return Err(PyValueError::new_err(format!(
            "sample {} has a value that is not finite ({}): expected finite numbers",
            i / dim.max(1),
            flat[i]
        )));
    }
    Ok((units, dim, n))
}

/// Online training as MiniSom's `train`: step `t` presents sample `indices[t]`, with learning
/// rate `eta[t / per]` and width `sigma[t / per]` (`per` is 1, or the sample count when the
/// schedules count epochs). `forced[k] >= 0` makes that unit the winner of sample `k`
/// (MiniSom's `fixed_points`). Updates `weights` (`x * y` rows of `input_len`) in place.
#[pyfunction]
#[pyo3(signature = (weights, x, y, data, indices, per, eta, sigma, neighborhood, forced=None, activation_distance="euclidean", hexagonal=false))]
#[allow(clippy::too_many_arguments)]
pub fn minisom_train(
    py: Python<'_>,
    mut weights: PyReadwriteArray2<'_, f64>,
    x: usize,
    y: usize,
    data: PyReadonlyArray2<'_, f32>,
    indices: PyReadonlyArray1<'_, i64>,
    per: usize,
    eta: PyReadonlyArray1<'_, f64>,
    sigma: PyReadonlyArray1<'_, f64>,
    neighborhood: &str,
    forced: Option<PyReadonlyArray1<'_, i64>>,
    activation_distance: &str,
    hexagonal: bool,
) -> PyResult<()> {
    let hood = Hood::parse(neighborhood)?;
    let by = distance(activation_distance)?;
    let (units, dim, n) = check(x, y, weights.shape(), &data)?;
    let (data, indices) = (data.as_slice()?, indices.as_slice()?);
    let (eta, sigma) = (eta.as_slice()?, sigma.as_slice()?);
    let steps = indices.len();
    if steps == 0 {
        return Ok(());
    }
    if per == 0 || (steps - 1) / per >= eta.len().min(sigma.len()) {
        return Err(PyValueError::new_err(format!(
            "{} learning rates and {} widths for {steps} steps of {per}: expected one per tick",
            eta.len(),
            sigma.len()
        )));
    }
    if let Some(&bad) = indices.iter().find(|&&i| i < 0 || i as usize >= n) {
        return Err(PyValueError::new_err(format!(
            "sample index {bad}: expected 0 <= index < {n} (the number of samples)"
        )));
    }
    check_schedules(eta, sigma, hood)?;
    let forced = forced.as_ref().map(|f| f.as_slice()).transpose()?;
    if let Some(f) = forced
        && (f.len() != n || f.iter().any(|&u| u >= units as i64))
    {
        return Err(PyValueError::new_err(format!(
            "fixed winners: expected one unit (or -1) per sample, {n} in all, each below {units}"
        )));
    }
    let lattice = Lattice::new(x, y, hexagonal);
    let grid = lattice.grid()?;
    let w = weights.as_slice_mut()?;
    let mut b = blocked(w, lattice, dim)?;
    let sample = |t: usize| {
        let k = indices[t] as usize;
        &data[k * dim..(k + 1) * dim]
    };
    let winner = |t: usize, found: usize| match forced {
        Some(f) if f[indices[t] as usize] >= 0 => lattice.unit(f[indices[t] as usize] as usize),
        _ => found,
    };
    py.detach(|| -> PyResult<()> {
        let mut map = MapMut::new(grid, dim, &mut b)
            .and_then(|m| m.with_distance(by))
            .map_err(kernel_err)?;
        match hood.kernel() {
            Some(shape) => {
                // The fused step: each update also finds the next sample's winner.
                let mut win = winner(0, map.as_map().bmu(sample(0)).map_err(kernel_err)?.unit);
                for t in 0..steps {
                    let (a, s) = (eta[t / per] as f32, sigma[t / per] as f32);
                    let nb = Neighbourhood::new(shape, s).map_err(kernel_err)?;
                    if t + 1 < steps {
                        let next = sample(t + 1);
                        let found = if a > 0.0 {
                            map.update_then_bmu(sample(t), win, &nb, a, next)
                        } else {
                            map.as_map().bmu(next)
                        };
                        win = winner(t + 1, found.map_err(kernel_err)?.unit);
                    } else if a > 0.0 {
                        map.update(sample(t), win, &nb, a).map_err(kernel_err)?;
                    }
                }
            }
            None => {
                // Square bubble and product triangle: only the units inside the window move.
                let (mut hx, mut hy, mut unit) = (vec![0.0; x], vec![0.0; y], vec![0.0; dim]);
                for t in 0..steps {
                    let xs = sample(t);
                    let win = winner(t, map.as_map().bmu(xs).map_err(kernel_err)?.unit);
                    let m = lattice.index(win);
                    let (ci, cj) = (m / y, m % y);
                    let s = sigma[t / per];
                    hx.iter_mut()
                        .enumerate()
                        .for_each(|(i, h)| *h = hood.factor(i, ci, s));
                    hy.iter_mut()
                        .enumerate()
                        .for_each(|(j, h)| *h = hood.factor(j, cj, s));
                    for (i, &fx) in hx.iter().enumerate().filter(|(_, f)| **f != 0.0) {
                        for (j, &fy) in hy.iter().enumerate().filter(|(_, f)| **f != 0.0) {
                            let g = (fx * fy * eta[t / per]) as f32;
                            let k = lattice.unit(i * y + j);
                            map.as_map().unit(k, &mut unit).map_err(kernel_err)?;
                            unit.iter_mut()
                                .zip(xs)
                                .for_each(|(w, &v)| *w += g * (v - *w));
                            map.set_unit(k, &unit).map_err(kernel_err)?;
                        }
                    }
                }
            }
        }
        Ok(())
    })?;
    unblock(&b, lattice, dim, w)
}

/// The schedules the kernel can follow: finite learning rates `>= 0` (MiniSom also accepts
/// negative ones, which push units away: not supported) and finite widths, positive for the
/// Gaussian and the Mexican hat (MiniSom's width 0 divides by 0 and fills the map with NaN).
fn check_schedules(eta: &[f64], sigma: &[f64], hood: Hood) -> PyResult<()> {
    if let Some((t, v)) = eta.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(PyValueError::new_err(format!(
            "learning rate {v} at tick {t}: expected a finite number"
        )));
    }
    if let Some((t, v)) = eta.iter().enumerate().find(|(_, v)| **v < 0.0) {
        return Err(PyNotImplementedError::new_err(format!(
            "learning rate {v} at tick {t}: som supports learning rates >= 0 only"
        )));
    }
    let positive = hood.kernel().is_some();
    if let Some((t, v)) = sigma
        .iter()
        .enumerate()
        .find(|(_, v)| !v.is_finite() || (positive && **v <= 0.0))
    {
        return Err(PyValueError::new_err(format!(
            "sigma {v} at tick {t}: expected a finite number{}",
            if positive { " > 0" } else { "" }
        )));
    }
    Ok(())
}

/// MiniSom's `train_batch_offline`: per iteration `it`, every sample's winner with the
/// weights of the previous iteration; then each unit with a positive neighbourhood-weighted
/// sample count moves to `(1 - eta) w + eta * mean`, the mean weighted by the neighbourhood of
/// width `sigma[it]` around each sample's winner. On MiniSom's hexagonal lattice the Gaussian
/// and the Mexican hat are evaluated on its coordinates (see [`Plane`]); its bubble and
/// triangle are on the grid indices, as on the rectangular one. Sums are in `f64`, separably
/// (one axis, then the other) for the separable functions.
#[pyfunction]
#[pyo3(signature = (weights, x, y, data, eta, sigma, neighborhood, activation_distance="euclidean", hexagonal=false))]
#[allow(clippy::too_many_arguments)]
pub fn minisom_train_batch(
    py: Python<'_>,
    mut weights: PyReadwriteArray2<'_, f64>,
    x: usize,
    y: usize,
    data: PyReadonlyArray2<'_, f32>,
    eta: PyReadonlyArray1<'_, f64>,
    sigma: PyReadonlyArray1<'_, f64>,
    neighborhood: &str,
    activation_distance: &str,
    hexagonal: bool,
) -> PyResult<()> {
    let hood = Hood::parse(neighborhood)?;
    let by = distance(activation_distance)?;
    let (units, dim, n) = check(x, y, weights.shape(), &data)?;
    let data = data.as_slice()?;
    let (eta, sigma) = (eta.as_slice()?, sigma.as_slice()?);
    if eta.len() != sigma.len() {
        return Err(PyValueError::new_err(format!(
            "{} learning rates and {} widths: expected one of each per iteration",
            eta.len(),
            sigma.len()
        )));
    }
    check_schedules(eta, sigma, hood)?;
    if n == 0 {
        return Err(PyValueError::new_err(
            "no samples: batch training needs at least one",
        ));
    }
    // The search does not see the lattice: MiniSom's unit order, so ties go as in MiniSom.
    let lattice = Lattice::new(x, y, false);
    let grid = lattice.grid()?;
    let plane = Plane::new(x, y, hexagonal, hood);
    let w = weights.as_slice_mut()?;
    py.detach(|| -> PyResult<()> {
        let mut winners = vec![ZERO; n];
        let (mut hits, mut sums) = (vec![0.0f64; units], vec![0.0f64; units * dim]);
        let mut work = Sums::new(plane, dim);
        for (&lr, &s) in eta.iter().zip(sigma) {
            let b = blocked(w, lattice, dim)?;
            let map = Map::new(grid, dim, &b)
                .and_then(|m| m.with_distance(by))
                .map_err(kernel_err)?;
            map.bmu_many(data, &mut winners).map_err(kernel_err)?;
            hits.fill(0.0);
            sums.fill(0.0);
            for (xs, bmu) in data.chunks_exact(dim).zip(&winners) {
                hits[bmu.unit] += 1.0;
                let row = &mut sums[bmu.unit * dim..(bmu.unit + 1) * dim];
                row.iter_mut()
                    .zip(xs)
                    .for_each(|(a, &v)| *a += f64::from(v));
            }
            // The sums at the kernel's level (the loops are plain
            // `f64` arithmetic: the same values at every level).
            som_std::kernel::simd::vectorize(
                #[inline(always)]
                || {
                    if hood == Hood::MexicanHat {
                        work.mexican(s, &hits, &sums);
                    } else {
                        work.separable(s, &hits, &sums);
                    }
                    for u in (0..units).filter(|&u| work.den[u] > 0.0) {
                        let wu = &mut w[u * dim..(u + 1) * dim];
                        let (nu, du) = (&work.num[u * dim..(u + 1) * dim], work.den[u]);
                        for (w, &m) in wu.iter_mut().zip(nu) {
                            *w = (1.0 - lr) * *w + lr * (m / du);
                        }
                    }
                },
            );
        }
        Ok(())
    })
}

/// Where MiniSom's neighbourhood functions see unit `(i, j)`. Rectangular, and the bubble
/// and triangle on either lattice: at `(i, j)`. The Gaussian and the Mexican hat on the
/// hexagonal lattice: at MiniSom's `(i - 0.5 [(y - 1 - j) even], j * 0.866)` (its `_xx`,
/// `_yy`). The shift depends on the parity class of `j` only, so the Gaussian stays separable
/// per pair of classes.
#[derive(Debug, Clone, Copy)]
struct Plane {
    x: usize,
    y: usize,
    hood: Hood,
    /// Two parity classes of columns (hexagonal, on its coordinates), else one.
    shifted: bool,
}

/// MiniSom's `Y_HEX_CONV_FACTOR`, `(3 / 2) / sqrt(3)`.
fn hex_y_factor() -> f64 {
    1.5 / 3.0f64.sqrt()
}

impl Plane {
    fn new(x: usize, y: usize, hexagonal: bool, hood: Hood) -> Self {
        let shifted = hexagonal && matches!(hood, Hood::Gaussian | Hood::MexicanHat);
        Plane {
            x,
            y,
            hood,
            shifted,
        }
    }

    fn classes(self) -> usize {
        if self.shifted { 2 } else { 1 }
    }

    /// The parity class of column `j` (0 on an unshifted plane).
    fn class(self, j: usize) -> usize {
        usize::from(self.shifted && (self.y - 1 - j).is_multiple_of(2))
    }

    /// First coordinate of `(i, j)`.
    fn px(self, i: usize, class: usize) -> f64 {
        i as f64 - 0.5 * class as f64
    }

    /// Second coordinate of column `j`.
    fn py(self, j: usize) -> f64 {
        if self.shifted {
            j as f64 * hex_y_factor()
        } else {
            j as f64
        }
    }

    /// The factor along one axis between positions `a` (the unit) and `c` (the winner), in
    /// MiniSom's arithmetic (not for the Mexican hat).
    fn factor(self, a: f64, c: f64, sigma: f64) -> f64 {
        match self.hood {
            Hood::Gaussian => (-((a - c) * (a - c)) / (2.0 * sigma * sigma)).exp(),
            Hood::Bubble => f64::from(u8::from(a > c - sigma && a < c + sigma)),
            Hood::Triangle => (-(c - a).abs() + sigma).max(0.0),
            Hood::MexicanHat => f64::NAN,
        }
    }
}

/// Buffers of the batch sums: `den[u] = sum_k h(u, k) hits[k]`, `num[u] = sum_k h(u, k)
/// sums[k]`, and the per-class partial sums of the separable path.
struct Sums {
    plane: Plane,
    dim: usize,
    num: Vec<f64>,
    den: Vec<f64>,
    /// Column pass, one `x * y` (times `dim`) table per parity class of the source column.
    tn: Vec<f64>,
    td: Vec<f64>,
}

impl Sums {
    fn new(plane: Plane, dim: usize) -> Self {
        let units = plane.x * plane.y;
        let c = plane.classes();
        Sums {
            plane,
            dim,
            num: vec![0.0; units * dim],
            den: vec![0.0; units],
            tn: vec![0.0; c * units * dim],
            td: vec![0.0; c * units],
        }
    }

    /// The sums for a separable `h = hx * hy`: along the columns into one table per parity
    /// class of the winner's column, then along the rows.
    #[inline(always)]
    fn separable(&mut self, sigma: f64, hits: &[f64], sums: &[f64]) {
        let (p, dim) = (self.plane, self.dim);
        let (x, y, units) = (p.x, p.y, p.x * p.y);
        let fy: Vec<f64> = (0..y * y)
            .map(|a| p.factor(p.py(a / y), p.py(a % y), sigma))
            .collect();
        // fx[(cu * classes + ck) * x * x + iu * x + ik]
        let classes = p.classes();
        let mut fx = vec![0.0; classes * classes * x * x];
        for (k, f) in fx.iter_mut().enumerate() {
            let (cc, a) = (k / (x * x), k % (x * x));
            let (cu, ck) = (cc / classes, cc % classes);
            *f = p.factor(p.px(a / x, cu), p.px(a % x, ck), sigma);
        }
        self.tn.fill(0.0);
        self.td.fill(0.0);
        for i in 0..x {
            for jk in (0..y).filter(|&jk| hits[i * y + jk] > 0.0) {
                let c = p.class(jk);
                let s = &sums[(i * y + jk) * dim..(i * y + jk + 1) * dim];
                let h = hits[i * y + jk];
                for ju in 0..y {
                    let f = fy[ju * y + jk];
                    if f != 0.0 {
                        let at = c * units + i * y + ju;
                        self.td[at] += f * h;
                        self.tn[at * dim..(at + 1) * dim]
                            .iter_mut()
                            .zip(s)
                            .for_each(|(o, &v)| *o += f * v);
                    }
                }
            }
        }
        self.num.fill(0.0);
        self.den.fill(0.0);
        for iu in 0..x {
            for ck in 0..classes {
                for ik in 0..x {
                    let from = ck * units + ik * y;
                    if !p.shifted {
                        // One factor for the whole row: one long run of `y * dim` values.
                        let f = fx[iu * x + ik];
                        if f == 0.0 {
                            continue;
                        }
                        let (o, s) = (iu * y, from);
                        self.den[o..o + y]
                            .iter_mut()
                            .zip(&self.td[s..s + y])
                            .for_each(|(o, &v)| *o += f * v);
                        self.num[o * dim..(o + y) * dim]
                            .iter_mut()
                            .zip(&self.tn[s * dim..(s + y) * dim])
                            .for_each(|(o, &v)| *o += f * v);
                        continue;
                    }
                    for j in 0..y {
                        let f = fx[(p.class(j) * classes + ck) * x * x + iu * x + ik];
                        if f == 0.0 {
                            continue;
                        }
                        let (o, s) = (iu * y + j, from + j);
                        self.den[o] += f * self.td[s];
                        self.num[o * dim..(o + 1) * dim]
                            .iter_mut()
                            .zip(&self.tn[s * dim..(s + 1) * dim])
                            .for_each(|(o, &v)| *o += f * v);
                    }
                }
            }
        }
    }

    /// The sums for the Mexican hat, which is not separable: every pair of units.
    #[inline(always)]
    fn mexican(&mut self, sigma: f64, hits: &[f64], sums: &[f64]) {
        let (p, dim) = (self.plane, self.dim);
        let (x, y) = (p.x, p.y);
        self.num.fill(0.0);
        self.den.fill(0.0);
        let pos = |u: usize| {
            let (i, j) = (u / y, u % y);
            (p.px(i, p.class(j)), p.py(j))
        };
        for u in 0..x * y {
            let (iu, ju) = pos(u);
            for k in (0..x * y).filter(|&k| hits[k] > 0.0) {
                let (ik, jk) = pos(k);
                let h = mexican_hat((iu - ik).powi(2) + (ju - jk).powi(2), sigma);
                self.den[u] += h * hits[k];
                let s = &sums[k * dim..(k + 1) * dim];
                self.num[u * dim..(u + 1) * dim]
                    .iter_mut()
                    .zip(s)
                    .for_each(|(o, &v)| *o += h * v);
            }
        }
    }
}

/// The winner (unit index `i * y + j`) of every sample by `activation_distance`, as MiniSom's
/// `winner`, first minimum on ties (Euclidean: MiniSom's `quantization`).
#[pyfunction]
#[pyo3(signature = (weights, x, y, data, activation_distance="euclidean", hexagonal=false))]
pub fn minisom_winners<'py>(
    py: Python<'py>,
    weights: PyReadonlyArray2<'py, f64>,
    x: usize,
    y: usize,
    data: PyReadonlyArray2<'py, f32>,
    activation_distance: &str,
    hexagonal: bool,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let by = distance(activation_distance)?;
    let (_, dim, n) = check(x, y, weights.shape(), &data)?;
    let (w, data) = (weights.as_slice()?, data.as_slice()?);
    let lattice = Lattice::new(x, y, hexagonal);
    let grid = lattice.grid()?;
    let out = py.detach(|| -> PyResult<Vec<i64>> {
        let b = blocked(w, lattice, dim)?;
        let mut winners = vec![ZERO; n];
        Map::new(grid, dim, &b)
            .and_then(|m| m.with_distance(by))
            .and_then(|m| m.bmu_many(data, &mut winners))
            .map_err(kernel_err)?;
        Ok(winners
            .iter()
            .map(|b| lattice.index(b.unit) as i64)
            .collect())
    })?;
    Ok(out.into_pyarray(py))
}

/// The best and second-best units (Euclidean) of every sample, `n x 2` (for the topographic
/// error).
#[pyfunction]
#[pyo3(signature = (weights, x, y, data, hexagonal=false))]
pub fn minisom_winners2<'py>(
    py: Python<'py>,
    weights: PyReadonlyArray2<'py, f64>,
    x: usize,
    y: usize,
    data: PyReadonlyArray2<'py, f32>,
    hexagonal: bool,
) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let (_, dim, n) = check(x, y, weights.shape(), &data)?;
    let (w, data) = (weights.as_slice()?, data.as_slice()?);
    let lattice = Lattice::new(x, y, hexagonal);
    let grid = lattice.grid()?;
    let out = py.detach(|| -> PyResult<Vec<i64>> {
        let b = blocked(w, lattice, dim)?;
        let map = Map::new(grid, dim, &b).map_err(kernel_err)?;
        let mut out = Vec::with_capacity(2 * n);
        for xs in data.chunks_exact(dim) {
            let [a, b] = map.bmu2(xs).map_err(kernel_err)?;
            out.extend([lattice.index(a.unit) as i64, lattice.index(b.unit) as i64]);
        }
        Ok(out)
    })?;
    out.into_pyarray(py).reshape([n, 2])
}
