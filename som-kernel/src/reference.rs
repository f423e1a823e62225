//! The specification: plain scalar code over row-major codebooks (`units * dim`, unit after
//! unit). Every SIMD path of the kernel is tested against these functions. They are written
//! for clarity, not speed, and accept mismatched lengths by working on what is there.

use crate::bmu::{Bmu, Distance};
use crate::grid::Grid;
use crate::math::sqrt;
use crate::neighbourhood::Neighbourhood;

/// Squared Euclidean distance, summed in order of dimension.
pub fn dist2(x: &[f32], w: &[f32]) -> f32 {
    let mut acc = 0.0f32;
    for (a, b) in x.iter().zip(w) {
        let d = a - b;
        acc += d * d;
    }
    acc
}

/// `|x|`: the squares summed in order, then the square root.
pub fn norm(x: &[f32]) -> f32 {
    sqrt(x.iter().fold(0.0f32, |acc, &v| acc + v * v))
}

/// The distance of `x` to `w` by `kind`, as the searches rank units (summed in order of
/// dimension; see [`Distance`]).
pub fn distance(kind: Distance, x: &[f32], w: &[f32]) -> f32 {
    of_pairs(kind, x.iter().copied().zip(w.iter().copied()))
}

/// The distance by `kind` of the pairs `(x_d, w_d)`, in order.
pub(crate) fn of_pairs(kind: Distance, pairs: impl Iterator<Item = (f32, f32)> + Clone) -> f32 {
    match kind {
        Distance::Euclidean => pairs.fold(0.0f32, |acc, (a, b)| {
            let d = a - b;
            acc + d * d
        }),
        Distance::Manhattan => pairs.fold(0.0f32, |acc, (a, b)| acc + (a - b).abs()),
        #[allow(clippy::eq_op)] // Deliberate: 0, or NaN.
        Distance::Chebyshev => pairs.fold(0.0f32, |acc, (a, b)| {
            let d = (a - b).abs();
            // `d - d`: NaN for a NaN or infinite difference, which then stays.
            (if d < acc { acc } else { d }) + (d - d)
        }),
        Distance::Cosine => {
            let dot = pairs.clone().fold(0.0f32, |acc, (a, b)| acc + a * b);
            let (xx, ww) = pairs.fold((0.0f32, 0.0f32), |(xx, ww), (a, b)| {
                (xx + a * a, ww + b * b)
            });
            1.0 - dot / (sqrt(ww) * sqrt(xx))
        }
    }
}

/// The `N` units nearest to `x`, ordered by distance then index; NaN ranks as `+inf`.
fn nearest<const N: usize>(codebook: &[f32], dim: usize, x: &[f32]) -> [Bmu; N] {
    nearest_by(Distance::Euclidean, codebook, dim, x)
}

/// [`nearest`] by `kind`.
fn nearest_by<const N: usize>(kind: Distance, codebook: &[f32], dim: usize, x: &[f32]) -> [Bmu; N] {
    nearest_of(codebook, dim, |w| distance(kind, x, w))
}

/// The `N` units nearest by `measure` of each unit's weights.
fn nearest_of<const N: usize>(
    codebook: &[f32],
    dim: usize,
    measure: impl Fn(&[f32]) -> f32,
) -> [Bmu; N] {
    let key = |d: f32| if d.is_nan() { f32::INFINITY } else { d };
    let mut best = [Bmu {
        unit: usize::MAX,
        dist2: f32::INFINITY,
    }; N];
    for (k, w) in codebook.chunks_exact(dim.max(1)).enumerate() {
        let c = Bmu {
            unit: k,
            dist2: key(measure(w)),
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
    nearest::<1>(codebook, dim, x)[0]
}

/// Best and second-best units.
pub fn bmu2(codebook: &[f32], dim: usize, x: &[f32]) -> [Bmu; 2] {
    nearest::<2>(codebook, dim, x)
}

/// The best-matching unit by `kind` (see [`bmu`]).
pub fn bmu_by(kind: Distance, codebook: &[f32], dim: usize, x: &[f32]) -> Bmu {
    nearest_by::<1>(kind, codebook, dim, x)[0]
}

/// Best and second-best units by `kind`.
pub fn bmu2_by(kind: Distance, codebook: &[f32], dim: usize, x: &[f32]) -> [Bmu; 2] {
    nearest_by::<2>(kind, codebook, dim, x)
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
    update_where(codebook, grid, (dim, x), winner, nb, alpha, |_| true);
}

/// [`update`] of the components `d` with `take(x_d)`.
fn update_where(
    codebook: &mut [f32],
    grid: &Grid,
    (dim, x): (usize, &[f32]),
    winner: usize,
    nb: &Neighbourhood,
    alpha: f32,
    take: impl Fn(f32) -> bool,
) {
    for (k, w) in codebook.chunks_exact_mut(dim.max(1)).enumerate() {
        let h = nb.weight(grid.dist2(k, winner));
        if h == 0.0 {
            continue;
        }
        let rate = h * alpha;
        for (wd, &xd) in w.iter_mut().zip(x) {
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
    for (j, w) in codebook.chunks_exact_mut(dim.max(1)).enumerate() {
        let mut den = 0.0f64;
        for (i, &n) in hits.iter().enumerate() {
            den += f64::from(nb.weight(grid.dist2(j, i))) * n as f64;
        }
        if den <= 0.0 {
            continue;
        }
        for (d, wd) in w.iter_mut().enumerate() {
            let mut num = 0.0f64;
            for (i, s) in sums.chunks_exact(dim.max(1)).enumerate() {
                if hits.get(i).copied().unwrap_or(0) > 0 {
                    num +=
                        f64::from(nb.weight(grid.dist2(j, i))) * s.get(d).copied().unwrap_or(0.0);
                }
            }
            *wd = (num / den) as f32;
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
    use super::{Bmu, Distance, Grid, Neighbourhood, nearest_of, of_pairs, sqrt, update_where};

    /// [`super::distance`] over the components present in `x`.
    pub fn distance(kind: Distance, x: &[f32], w: &[f32]) -> f32 {
        let pairs = x.iter().copied().zip(w.iter().copied());
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
        if empty(x) {
            return [Bmu::NONE; 2];
        }
        nearest_of(codebook, dim, |w| distance(kind, x, w))
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
        update_where(codebook, grid, (dim, x), winner, nb, alpha, |v| !v.is_nan());
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
        for (j, w) in codebook.chunks_exact_mut(dim.max(1)).enumerate() {
            for (d, wd) in w.iter_mut().enumerate() {
                let (mut num, mut den) = (0.0f64, 0.0f64);
                for i in 0..grid.units() {
                    let c = counts.get(i * dim + d).copied().unwrap_or(0);
                    if c > 0 {
                        let h = f64::from(nb.weight(grid.dist2(j, i)));
                        den += h * c as f64;
                        num += h * sums.get(i * dim + d).copied().unwrap_or(0.0);
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
