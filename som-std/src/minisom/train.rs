//! MiniSom's training loops: `train` (online) on the kernel, `train_batch_offline` on the
//! kernel's searches and batch statistics with MiniSom's float64 sums.

use super::hood::{NeighbourhoodFunction, Plane, mexican_hat};
use super::{MiniSom, MiniSomLattice};
use crate::data::Flat;
use crate::error::{Error, Result};
use som_kernel::{BatchStats, MapMut, Neighbourhood, Topology};

/// What MiniSom's `train` has drawn and decayed before its loop, for [`MiniSom::train`].
#[derive(Debug, Clone, Copy)]
pub struct OnlineRun<'a> {
    /// The sample each step presents (MiniSom's `_build_iteration_indexes`).
    pub indices: &'a [usize],
    /// Steps per tick of the schedules: 1, or the number of samples when they count epochs
    /// (`use_epochs`).
    pub per: usize,
    /// The learning rate of every tick.
    pub eta: &'a [f64],
    /// The width of every tick.
    pub sigma: &'a [f64],
    /// For every sample, the unit (MiniSom's unit index `i * y + j`) forced to win it, if any
    /// (MiniSom's `fixed_points`).
    pub fixed: Option<&'a [Option<usize>]>,
}

impl<'a> OnlineRun<'a> {
    /// MiniSom's plain `train`: one schedule tick per step, no fixed units.
    pub fn new(indices: &'a [usize], eta: &'a [f64], sigma: &'a [f64]) -> OnlineRun<'a> {
        OnlineRun {
            indices,
            per: 1,
            eta,
            sigma,
            fixed: None,
        }
    }
}

impl MiniSom {
    /// Online training as MiniSom's `train`: step `t` presents sample `run.indices[t]`, with
    /// learning rate `run.eta[t / per]` and width `run.sigma[t / per]`, and moves every unit
    /// by `eta h (x - w)` around the sample's winner (or its fixed unit). The Gaussian and the
    /// Mexican hat are the kernel's (the same functions on the same lattice, in `f32`); each
    /// update also finds the next sample's winner. MiniSom's square bubble and product
    /// triangle move only the units inside their window.
    ///
    /// # Errors
    /// [`Error::Invalid`] for weights or samples of the wrong size, samples that are not
    /// finite, indices past the samples, fewer schedule ticks than the steps need, widths
    /// that are not finite (or not positive for the Gaussian and the Mexican hat), fixed units
    /// outside the map; [`Error::Unsupported`] for negative learning rates. All is checked
    /// before training starts: on error the weights are unchanged.
    pub fn train(&self, weights: &mut [f64], data: Flat<'_>, run: &OnlineRun<'_>) -> Result<()> {
        let n = self.check(weights.len(), data)?;
        let OnlineRun {
            indices,
            per,
            eta,
            sigma,
            fixed,
        } = *run;
        let steps = indices.len();
        if steps == 0 {
            return Ok(());
        }
        if per == 0 || (steps - 1) / per >= eta.len().min(sigma.len()) {
            return Err(Error::Invalid(format!(
                "{} learning rates and {} widths for {steps} steps of {per}: expected one per tick",
                eta.len(),
                sigma.len()
            )));
        }
        if let Some(&bad) = indices.iter().find(|&&i| i >= n) {
            return Err(Error::Invalid(format!(
                "sample index {bad}: expected 0 <= index < {n} (the number of samples)"
            )));
        }
        check_schedules(eta, sigma, self.function)?;
        let units = self.units();
        if let Some(f) = fixed
            && (f.len() != n || f.iter().flatten().any(|&u| u >= units))
        {
            return Err(Error::Invalid(format!(
                "fixed winners: expected one unit (or none) per sample, {n} in all, each below \
                 {units}"
            )));
        }
        let (lattice, dim, y) = (self.lattice, self.dim, self.lattice.y);
        let data = data.data();
        let mut b = self.blocked(weights, lattice)?;
        let sample = |t: usize| &data[indices[t] * dim..(indices[t] + 1) * dim];
        let winner = |t: usize, found: usize| match fixed.and_then(|f| f[indices[t]]) {
            Some(m) => lattice.unit_of_index(m),
            None => found,
        };
        let mut map = MapMut::new(lattice.grid()?, dim, &mut b)?.with_distance(self.distance)?;
        match self.function.shape() {
            Some(shape) => {
                // The fused step: each update also finds the next sample's winner.
                let mut win = winner(0, map.as_map().bmu(sample(0))?.unit);
                for t in 0..steps {
                    let (a, s) = (eta[t / per] as f32, sigma[t / per] as f32);
                    let nb = Neighbourhood::new(shape, s)?;
                    if t + 1 < steps {
                        let next = sample(t + 1);
                        let found = if a > 0.0 {
                            map.update_then_bmu(sample(t), win, &nb, a, next)
                        } else {
                            map.as_map().bmu(next)
                        };
                        win = winner(t + 1, found?.unit);
                    } else if a > 0.0 {
                        map.update(sample(t), win, &nb, a)?;
                    }
                }
            }
            None => {
                // Square bubble and product triangle: only the units inside the window move.
                // They see the grid indices (an unshifted plane, class 0 everywhere).
                let plane = Plane::of(lattice, self.function);
                let (mut hx, mut hy) = (vec![0.0; lattice.x], vec![0.0; y]);
                let mut unit = vec![0.0; dim];
                for t in 0..steps {
                    let xs = sample(t);
                    let win = winner(t, map.as_map().bmu(xs)?.unit);
                    let m = lattice.index_of_unit(win);
                    let (ci, cj) = (m / y, m % y);
                    let s = sigma[t / per];
                    hx.iter_mut().enumerate().for_each(|(i, h)| {
                        *h = self.function.factor(plane.px(i, 0), plane.px(ci, 0), s)
                    });
                    hy.iter_mut()
                        .enumerate()
                        .for_each(|(j, h)| *h = self.function.factor(plane.py(j), plane.py(cj), s));
                    for (i, &fx) in hx.iter().enumerate().filter(|(_, f)| **f != 0.0) {
                        for (j, &fy) in hy.iter().enumerate().filter(|(_, f)| **f != 0.0) {
                            let g = (fx * fy * eta[t / per]) as f32;
                            let k = lattice.unit_of_index(i * y + j);
                            map.as_map().unit(k, &mut unit)?;
                            unit.iter_mut()
                                .zip(xs)
                                .for_each(|(w, &v)| *w += g * (v - *w));
                            map.set_unit(k, &unit)?;
                        }
                    }
                }
            }
        }
        self.unblock(&b, lattice, weights)
    }

    /// MiniSom's `train_batch_offline`: per iteration `it`, every sample's winner with the
    /// weights of the previous iteration (the kernel's search and [`BatchStats`]: hits and
    /// float64 sums per unit); then each unit with a positive neighbourhood-weighted sample
    /// count moves to `(1 - eta) w + eta * mean`, the mean weighted by the neighbourhood of
    /// width `sigma[it]` around each sample's winner. On the hexagonal lattice the Gaussian
    /// and the Mexican hat are evaluated on MiniSom's coordinates, its bubble and triangle
    /// on the grid indices, as MiniSom does. The sums and the update are float64, separable
    /// (one axis, then the other) for the separable functions, at the kernel's SIMD level.
    ///
    /// # Errors
    /// As [`MiniSom::train`] (on error the weights are unchanged), and [`Error::Invalid`] for
    /// no samples or schedules of different lengths.
    pub fn train_batch_offline(
        &self,
        weights: &mut [f64],
        data: Flat<'_>,
        eta: &[f64],
        sigma: &[f64],
    ) -> Result<()> {
        let n = self.check(weights.len(), data)?;
        if eta.len() != sigma.len() {
            return Err(Error::Invalid(format!(
                "{} learning rates and {} widths: expected one of each per iteration",
                eta.len(),
                sigma.len()
            )));
        }
        check_schedules(eta, sigma, self.function)?;
        if n == 0 {
            return Err(Error::Invalid(
                "no samples: batch training needs at least one".into(),
            ));
        }
        let (units, dim) = (self.units(), self.dim);
        // The search does not see the lattice: MiniSom's unit order, so ties go as in MiniSom.
        let order = MiniSomLattice::new(self.lattice.x, self.lattice.y, Topology::Rectangular);
        let mut b = self.blocked(weights, order)?;
        let mut map = MapMut::new(order.grid()?, dim, &mut b)?.with_distance(self.distance)?;
        let (mut hits, mut sums) = (vec![0u64; units], vec![0.0f64; units * dim]);
        let mut work = Sums::new(Plane::of(self.lattice, self.function), self.function, dim);
        let mut unit = vec![0.0f32; dim];
        for (&lr, &s) in eta.iter().zip(sigma) {
            let mut stats = BatchStats::new(&mut hits, &mut sums, units, dim)?;
            stats.clear();
            stats.accumulate(&map.as_map(), data.data())?;
            // The sums at the kernel's level (plain `f64` arithmetic: the same values at
            // every level).
            som_kernel::simd::vectorize(
                #[inline(always)]
                || {
                    if self.function == NeighbourhoodFunction::MexicanHat {
                        work.mexican(s, &hits, &sums);
                    } else {
                        work.separable(s, &hits, &sums);
                    }
                    for u in (0..units).filter(|&u| work.den[u] > 0.0) {
                        let wu = &mut weights[u * dim..(u + 1) * dim];
                        let (nu, du) = (&work.num[u * dim..(u + 1) * dim], work.den[u]);
                        for (w, &m) in wu.iter_mut().zip(nu) {
                            *w = (1.0 - lr) * *w + lr * (m / du);
                        }
                    }
                },
            );
            // The units that moved, into the search's codebook: the values a fresh copy of
            // the weights would have.
            for u in (0..units).filter(|&u| work.den[u] > 0.0) {
                unit.iter_mut()
                    .zip(&weights[u * dim..(u + 1) * dim])
                    .for_each(|(o, &v)| *o = v as f32);
                map.set_unit(u, &unit)?;
            }
        }
        Ok(())
    }
}

/// The schedules the kernel can follow: finite learning rates `>= 0` (MiniSom also accepts
/// negative ones, which push units away: not supported) and finite widths, positive for the
/// Gaussian and the Mexican hat (MiniSom's width 0 divides by 0 and fills the map with NaN).
fn check_schedules(eta: &[f64], sigma: &[f64], function: NeighbourhoodFunction) -> Result<()> {
    if let Some((t, v)) = eta.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Error::Invalid(format!(
            "learning rate {v} at tick {t}: expected a finite number"
        )));
    }
    if let Some((t, v)) = eta.iter().enumerate().find(|(_, v)| **v < 0.0) {
        return Err(Error::Unsupported(format!(
            "learning rate {v} at tick {t}: som supports learning rates >= 0 only"
        )));
    }
    let positive = function.shape().is_some();
    if let Some((t, v)) = sigma
        .iter()
        .enumerate()
        .find(|(_, v)| !v.is_finite() || (positive && **v <= 0.0))
    {
        return Err(Error::Invalid(format!(
            "sigma {v} at tick {t}: expected a finite number{}",
            if positive { " > 0" } else { "" }
        )));
    }
    Ok(())
}

/// Buffers of the batch sums: `den[u] = sum_k h(u, k) hits[k]`, `num[u] = sum_k h(u, k)
/// sums[k]`, and the per-class partial sums of the separable path.
struct Sums {
    plane: Plane,
    function: NeighbourhoodFunction,
    dim: usize,
    num: Vec<f64>,
    den: Vec<f64>,
    /// Column pass, one `x * y` (times `dim`) table per parity class of the source column.
    tn: Vec<f64>,
    td: Vec<f64>,
}

impl Sums {
    fn new(plane: Plane, function: NeighbourhoodFunction, dim: usize) -> Self {
        let units = plane.lattice.x * plane.lattice.y;
        let c = plane.classes();
        Sums {
            plane,
            function,
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
    fn separable(&mut self, sigma: f64, hits: &[u64], sums: &[f64]) {
        let (p, f, dim) = (self.plane, self.function, self.dim);
        let (x, y) = (p.lattice.x, p.lattice.y);
        let units = x * y;
        let fy: Vec<f64> = (0..y * y)
            .map(|a| f.factor(p.py(a / y), p.py(a % y), sigma))
            .collect();
        // fx[(cu * classes + ck) * x * x + iu * x + ik]
        let classes = p.classes();
        let mut fx = vec![0.0; classes * classes * x * x];
        for (k, h) in fx.iter_mut().enumerate() {
            let (cc, a) = (k / (x * x), k % (x * x));
            let (cu, ck) = (cc / classes, cc % classes);
            *h = f.factor(p.px(a / x, cu), p.px(a % x, ck), sigma);
        }
        self.tn.fill(0.0);
        self.td.fill(0.0);
        for i in 0..x {
            for jk in (0..y).filter(|&jk| hits[i * y + jk] > 0) {
                let c = p.class(jk);
                let s = &sums[(i * y + jk) * dim..(i * y + jk + 1) * dim];
                let h = hits[i * y + jk] as f64;
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
    fn mexican(&mut self, sigma: f64, hits: &[u64], sums: &[f64]) {
        let (p, dim) = (self.plane, self.dim);
        let (x, y) = (p.lattice.x, p.lattice.y);
        self.num.fill(0.0);
        self.den.fill(0.0);
        let pos = |u: usize| p.at(u / y, u % y);
        for u in 0..x * y {
            for k in (0..x * y).filter(|&k| hits[k] > 0) {
                let h = mexican_hat(pos(u), pos(k), sigma);
                self.den[u] += h * hits[k] as f64;
                let s = &sums[k * dim..(k + 1) * dim];
                self.num[u * dim..(u + 1) * dim]
                    .iter_mut()
                    .zip(s)
                    .for_each(|(o, &v)| *o += h * v);
            }
        }
    }
}
