//! The specification: plain scalar code, written for clarity, not speed. Every SIMD path of
//! the kernel is tested against it; it calls none of them.
//!
//! The public functions take row-major codebooks (`units * dim`, unit after unit) and accept
//! mismatched lengths by working on what is there. Each is written once, over a codebook read
//! unit by unit ([`Units`]): the size-first build ([`crate::size_first`]) runs the same
//! definitions over the blocked working layout.

use crate::distance::{Bmu, Distance, of_pairs};
pub use crate::distance::{dist2, distance, norm};
use crate::grid::Grid;
use crate::layout::{RowMajor, Units, UnitsMut};
use crate::math::sqrt;
use crate::neighbourhood::Neighbourhood;

/// The `N` units nearest to `x` by `kind`, ordered by distance then index; NaN ranks as
/// `+inf`.
pub(crate) fn nearest_in<const N: usize>(
    kind: Distance,
    units: &impl Units,
    x: &[f32],
) -> [Bmu; N] {
    nearest_of(units.count(), |k| {
        of_pairs(kind, x.iter().copied().zip(units.unit(k)))
    })
}

/// The `N` of units `0..count` nearest by `measure(unit)`.
fn nearest_of<const N: usize>(count: usize, measure: impl Fn(usize) -> f32) -> [Bmu; N] {
    let key = |d: f32| if d.is_nan() { f32::INFINITY } else { d };
    let mut best = [Bmu {
        unit: usize::MAX,
        dist2: f32::INFINITY,
    }; N];
    for k in 0..count {
        let c = Bmu {
            unit: k,
            dist2: key(measure(k)),
        };
        // Strictly smaller, or equal with a lower index: earlier units win ties.
        let before = |b: &Bmu| c.dist2 < b.dist2 || (c.dist2 == b.dist2 && c.unit < b.unit);
        if let Some(i) = best.iter().position(before) {
            best[i..].rotate_right(1);
            best[i] = c;
        }
    }
    // With fewer than N units the remaining places name units that do not exist.
    for (i, b) in best.iter_mut().enumerate() {
        if b.unit == usize::MAX {
            b.unit = i;
        }
    }
    best
}

/// The best-matching unit: smallest distance, lowest index among ties, NaN as `+inf`.
pub fn bmu(codebook: &[f32], dim: usize, x: &[f32]) -> Bmu {
    bmu_by(Distance::Euclidean, codebook, dim, x)
}

/// Best and second-best units.
pub fn bmu2(codebook: &[f32], dim: usize, x: &[f32]) -> [Bmu; 2] {
    bmu2_by(Distance::Euclidean, codebook, dim, x)
}

/// The best-matching unit by `kind` (see [`bmu`]).
pub fn bmu_by(kind: Distance, codebook: &[f32], dim: usize, x: &[f32]) -> Bmu {
    let [b] = nearest_in(
        kind,
        &RowMajor {
            weights: codebook,
            dim,
        },
        x,
    );
    b
}

/// Best and second-best units by `kind`.
pub fn bmu2_by(kind: Distance, codebook: &[f32], dim: usize, x: &[f32]) -> [Bmu; 2] {
    nearest_in(
        kind,
        &RowMajor {
            weights: codebook,
            dim,
        },
        x,
    )
}

/// Online step: `w += (alpha h) (x - w)` for every unit with `h != 0`.
pub fn update(
    codebook: &mut [f32],
    grid: &Grid,
    dim: usize,
    x: &[f32],
    winner: usize,
    nb: &Neighbourhood,
    alpha: f32,
) {
    let mut units = RowMajor {
        weights: codebook,
        dim,
    };
    update_in(&mut units, grid, x, (winner, nb, alpha), |_| true);
}

/// [`update`] of the components `d` with `take(x_d)`.
pub(crate) fn update_in(
    units: &mut impl UnitsMut,
    grid: &Grid,
    x: &[f32],
    (winner, nb, alpha): (usize, &Neighbourhood, f32),
    take: impl Fn(f32) -> bool,
) {
    for k in 0..units.count() {
        let h = nb.weight(grid.dist2(k, winner));
        if h == 0.0 {
            continue;
        }
        let rate = h * alpha;
        for (wd, &xd) in units.unit_mut(k).zip(x) {
            if take(xd) {
                *wd += rate * (xd - *wd);
            }
        }
    }
}

/// Counts every sample of `data` at its best-matching unit: hits and sums (in `f64`).
pub fn accumulate(codebook: &[f32], dim: usize, data: &[f32], hits: &mut [u64], sums: &mut [f64]) {
    for x in data.chunks_exact(dim.max(1)) {
        let k = bmu(codebook, dim, x).unit;
        if let Some(n) = hits.get_mut(k) {
            *n = n.saturating_add(1);
        }
        for (s, &v) in sums.iter_mut().skip(k * dim).take(dim).zip(x) {
            *s += f64::from(v);
        }
    }
}

/// Batch apply in `f64`: `w_j = sum_i h(j,i) S_i / sum_i h(j,i) N_i`; units with nothing in
/// their neighbourhood keep their weights.
pub fn apply_batch(
    codebook: &mut [f32],
    grid: &Grid,
    dim: usize,
    hits: &[u64],
    sums: &[f64],
    nb: &Neighbourhood,
) {
    let mut units = RowMajor {
        weights: codebook,
        dim,
    };
    apply_batch_in(&mut units, grid, dim, (hits, sums), nb);
}

/// Components of the sums [`apply_batch_in`] gathers per pass over the units: `h` is
/// evaluated once per pass and pair of units, the sums take `8 * CHUNK` bytes of stack.
const CHUNK: usize = 4;

/// [`apply_batch`] over any layout. Each component sums over `i` in order, whatever the pass.
pub(crate) fn apply_batch_in(
    units: &mut impl UnitsMut,
    grid: &Grid,
    dim: usize,
    (hits, sums): (&[u64], &[f64]),
    nb: &Neighbourhood,
) {
    let dim = dim.max(1);
    let h = |j: usize, i: usize| f64::from(nb.weight(grid.dist2(j, i)));
    let sources = || {
        hits.iter()
            .zip(sums.chunks_exact(dim))
            .enumerate()
            .filter(|(_, (n, _))| **n > 0)
    };
    for j in 0..units.count() {
        let den = sources().fold(0.0f64, |den, (i, (&n, _))| den + h(j, i) * n as f64);
        if den <= 0.0 {
            continue;
        }
        let mut d0 = 0;
        while d0 < dim {
            let mut num = [0.0f64; CHUNK];
            for (i, (_, s)) in sources() {
                let hji = h(j, i);
                for (acc, &v) in num.iter_mut().zip(s.get(d0..).unwrap_or(&[])) {
                    *acc += hji * v;
                }
            }
            for (w, acc) in units.unit_mut(j).skip(d0).zip(num) {
                *w = (acc / den) as f32;
            }
            d0 += CHUNK;
        }
    }
}

/// Mean distance from each sample to its best-matching unit, in `f64`.
pub fn quantization_error(codebook: &[f32], dim: usize, data: &[f32]) -> f64 {
    let n = data.len() / dim.max(1);
    let total: f64 = data
        .chunks_exact(dim.max(1))
        .map(|x| f64::from(sqrt(bmu(codebook, dim, x).dist2)))
        .sum();
    if n == 0 { 0.0 } else { total / n as f64 }
}

/// Fraction of samples whose best and second-best units are not lattice neighbours.
pub fn topographic_error(codebook: &[f32], grid: &Grid, dim: usize, data: &[f32]) -> f64 {
    let n = data.len() / dim.max(1);
    if n == 0 || grid.units() < 2 {
        return 0.0;
    }
    let broken = data
        .chunks_exact(dim.max(1))
        .filter(|x| {
            let [a, b] = bmu2(codebook, dim, x);
            !grid.adjacent(a.unit, b.unit)
        })
        .count();
    broken as f64 / n as f64
}

/// U-matrix: mean distance in weight space from each unit to its lattice neighbours.
pub fn umatrix(codebook: &[f32], grid: &Grid, dim: usize, out: &mut [f32]) {
    let unit = |k: usize| codebook.get(k * dim..(k + 1) * dim).unwrap_or(&[]);
    for (k, o) in out.iter_mut().enumerate() {
        let n = grid.neighbours(k);
        let total: f32 = n
            .as_slice()
            .iter()
            .map(|&j| sqrt(dist2(unit(k), unit(j))))
            .sum();
        *o = if n.as_slice().is_empty() {
            0.0
        } else {
            total / n.as_slice().len() as f32
        };
    }
}

/// SOM_PAK's missing values ([`crate::Missing::Mask`]): a NaN component of a sample is left
/// out of distances (no rescaling) and updates; batch statistics count each component apart;
/// a sample with every component missing has no unit ([`Bmu::NONE`]) and trains nothing.
pub mod masked {
    use super::{Bmu, Distance, Grid, Neighbourhood, RowMajor, Units, UnitsMut};
    use super::{nearest_of, of_pairs, sqrt, update_in};

    /// [`super::distance`] over the components present in `x`.
    pub fn distance(kind: Distance, x: &[f32], w: &[f32]) -> f32 {
        of_present(kind, x, w.iter().copied())
    }

    /// The distance by `kind` of `x` to the weights `w`, over the components present in `x`.
    fn of_present(kind: Distance, x: &[f32], w: impl Iterator<Item = f32> + Clone) -> f32 {
        let pairs = x.iter().copied().zip(w);
        of_pairs(kind, pairs.filter(|(a, _)| !a.is_nan()))
    }

    /// Whether `x` has no component present.
    fn empty(x: &[f32]) -> bool {
        x.iter().all(|v| v.is_nan())
    }

    /// The best-matching unit by `kind` over the components present ([`Bmu::NONE`] for
    /// none).
    pub fn bmu(kind: Distance, codebook: &[f32], dim: usize, x: &[f32]) -> Bmu {
        bmu2(kind, codebook, dim, x)[0]
    }

    /// Best and second-best units by `kind` over the components present.
    pub fn bmu2(kind: Distance, codebook: &[f32], dim: usize, x: &[f32]) -> [Bmu; 2] {
        nearest_in(
            kind,
            &RowMajor {
                weights: codebook,
                dim,
            },
            x,
        )
    }

    /// [`super::nearest_in`] over the components present ([`Bmu::NONE`] for none).
    pub(crate) fn nearest_in<const N: usize>(
        kind: Distance,
        units: &impl Units,
        x: &[f32],
    ) -> [Bmu; N] {
        if empty(x) {
            return [Bmu::NONE; N];
        }
        nearest_of(units.count(), |k| of_present(kind, x, units.unit(k)))
    }

    /// Online step on the components present: `w_d += (alpha h) (x_d - w_d)`.
    #[allow(clippy::too_many_arguments)]
    pub fn update(
        codebook: &mut [f32],
        grid: &Grid,
        dim: usize,
        x: &[f32],
        winner: usize,
        nb: &Neighbourhood,
        alpha: f32,
    ) {
        let mut units = RowMajor {
            weights: codebook,
            dim,
        };
        update_in(&mut units, grid, x, (winner, nb, alpha), |v| !v.is_nan());
    }

    /// Counts every sample with a unit: `hits` per unit, and per component present `counts`
    /// and `sums` (`units * dim`, in `f64`).
    pub fn accumulate(
        codebook: &[f32],
        dim: usize,
        data: &[f32],
        hits: &mut [u64],
        counts: &mut [u64],
        sums: &mut [f64],
    ) {
        for x in data.chunks_exact(dim.max(1)) {
            let Some(k) = bmu(Distance::Euclidean, codebook, dim, x).found() else {
                continue;
            };
            if let Some(n) = hits.get_mut(k) {
                *n = n.saturating_add(1);
            }
            let at = k * dim;
            let unit = counts.iter_mut().zip(sums.iter_mut()).skip(at).take(dim);
            for ((c, s), &v) in unit.zip(x) {
                if !v.is_nan() {
                    *c = c.saturating_add(1);
                    *s += f64::from(v);
                }
            }
        }
    }

    /// Batch apply per component, in `f64`: `w_jd = sum_i h(j,i) S_id / sum_i h(j,i) C_id`;
    /// a component with nothing in its unit's neighbourhood keeps its weight.
    pub fn apply_batch(
        codebook: &mut [f32],
        grid: &Grid,
        dim: usize,
        counts: &[u64],
        sums: &[f64],
        nb: &Neighbourhood,
    ) {
        let mut units = RowMajor {
            weights: codebook,
            dim,
        };
        apply_batch_in(&mut units, grid, dim, (counts, sums), nb);
    }

    /// [`apply_batch`] over any layout.
    pub(crate) fn apply_batch_in(
        units: &mut impl UnitsMut,
        grid: &Grid,
        dim: usize,
        (counts, sums): (&[u64], &[f64]),
        nb: &Neighbourhood,
    ) {
        for j in 0..units.count() {
            for (d, wd) in units.unit_mut(j).enumerate() {
                let (mut num, mut den) = (0.0f64, 0.0f64);
                for i in 0..grid.units() {
                    let at = i.saturating_mul(dim).saturating_add(d);
                    let c = counts.get(at).copied().unwrap_or(0);
                    if c > 0 {
                        let h = f64::from(nb.weight(grid.dist2(j, i)));
                        den += h * c as f64;
                        num += h * sums.get(at).copied().unwrap_or(0.0);
                    }
                }
                if den > 0.0 {
                    *wd = (num / den) as f32;
                }
            }
        }
    }

    /// Mean Euclidean distance over the components present, of the samples with a unit.
    pub fn quantization_error(codebook: &[f32], dim: usize, data: &[f32]) -> f64 {
        let found = data
            .chunks_exact(dim.max(1))
            .map(|x| bmu(Distance::Euclidean, codebook, dim, x))
            .filter(|b| !b.is_none());
        let (n, total) = found.fold((0usize, 0.0f64), |(n, t), b| {
            (n + 1, t + f64::from(sqrt(b.dist2)))
        });
        if n == 0 { 0.0 } else { total / n as f64 }
    }

    /// Fraction of the samples with a unit whose two best units are not lattice neighbours.
    pub fn topographic_error(codebook: &[f32], grid: &Grid, dim: usize, data: &[f32]) -> f64 {
        if grid.units() < 2 {
            return 0.0;
        }
        let found = data
            .chunks_exact(dim.max(1))
            .map(|x| bmu2(Distance::Euclidean, codebook, dim, x))
            .filter(|[a, _]| !a.is_none());
        let (n, broken) = found.fold((0usize, 0usize), |(n, k), [a, b]| {
            (n + 1, k + usize::from(!grid.adjacent(a.unit, b.unit)))
        });
        if n == 0 {
            0.0
        } else {
            broken as f64 / n as f64
        }
    }
}
