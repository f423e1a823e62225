//! Initial weights: random (uniform or normal), random samples, or linear along the data's
//! two principal axes.
//!
//! Values are drawn unit by unit in row-major order, so the same generator gives the same
//! codebook whatever the layout.

use crate::error::{Error, Result, check_finite, check_len};
use crate::map::{MapMut, sample_count};
use crate::math::{ln, sqrt64};
use rand_core::Rng;

/// A uniform `f32` in `[0, 1)` from the top 24 bits of a `u32`.
pub fn unit_f32<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    (rng.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
}

/// A standard normal `f32` (Box-Muller, one of the pair).
pub fn normal_f32<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    // 1 - u is in (0, 1], so the logarithm is finite.
    let u1 = 1.0 - unit_f32(rng);
    let u2 = unit_f32(rng);
    let r = crate::math::sqrt(-2.0 * ln(u1));
    r * libm::cosf(core::f32::consts::TAU * u2)
}

/// A uniform index in `0..n` (`n >= 1`), by Lemire's multiply-shift (bias below 2^-32 n).
pub fn index<R: Rng + ?Sized>(rng: &mut R, n: usize) -> usize {
    ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize
}

fn fill<R: Rng + ?Sized>(
    map: &mut MapMut<'_>,
    rng: &mut R,
    mut value: impl FnMut(&mut R, usize) -> f32,
) {
    let (units, dim) = (map.grid().units(), map.dim());
    for k in 0..units {
        for d in 0..dim {
            let v = value(rng, d);
            if let Some(slot) = map
                .weights_mut()
                .get_mut(crate::layout::blocked_index(k, d, dim))
            {
                *slot = v;
            }
        }
    }
}

/// Every weight uniform in `[low, high)`.
///
/// # Errors
/// [`Error::Parameter`] unless both bounds are finite and `low <= high`.
pub fn uniform<R: Rng + ?Sized>(
    map: &mut MapMut<'_>,
    rng: &mut R,
    low: f32,
    high: f32,
) -> Result<()> {
    if !(low.is_finite() && high.is_finite() && low <= high) {
        return Err(Error::Parameter {
            what: "uniform range",
            expected: "finite with low <= high",
            got: if low.is_finite() { high } else { low },
        });
    }
    fill(map, rng, |r, _| low + (high - low) * unit_f32(r));
    Ok(())
}

/// Every weight standard normal (the TensorFlow example's `tf.random_normal`).
pub fn normal<R: Rng + ?Sized>(map: &mut MapMut<'_>, rng: &mut R) {
    fill(map, rng, |r, _| normal_f32(r));
}

/// Each unit a copy of a sample drawn at random (with replacement) from `data`.
///
/// # Errors
/// [`Error::Length`] unless `data` is whole samples, [`Error::Zero`] for no data.
pub fn samples<R: Rng + ?Sized>(map: &mut MapMut<'_>, rng: &mut R, data: &[f32]) -> Result<()> {
    let dim = map.dim();
    let n = sample_count(data, dim)?;
    if n == 0 {
        return Err(Error::Zero { what: "samples" });
    }
    for k in 0..map.grid().units() {
        let i = index(rng, n);
        if let Some(x) = data.get(i * dim..(i + 1) * dim) {
            map.set_unit(k, x)?;
        }
    }
    Ok(())
}

/// Floats of `f64` scratch that [`linear`] needs: `4 * dim`.
pub const fn linear_scratch_len(dim: usize) -> usize {
    4 * dim
}

/// Linear initialisation: the units span the plane of the data's two principal axes,
/// `w(r, c) = mean + a_c sqrt(l1) e1 + a_r sqrt(l2) e2` with `a` evenly spaced in `[-1, 1]`,
/// the first axis along the longer side of the map (SOM_PAK's `lininit`). The axes come from
/// power iteration with no allocation: `scratch` holds the mean, the two axes and a temporary.
///
/// # Errors
/// [`Error::Length`] for data that is not whole samples or scratch of the wrong length,
/// [`Error::Zero`] for no data, [`Error::NonFinite`] for NaN or infinity in the data.
pub fn linear(map: &mut MapMut<'_>, data: &[f32], scratch: &mut [f64]) -> Result<()> {
    let dim = map.dim();
    let n = sample_count(data, dim)?;
    if n == 0 {
        return Err(Error::Zero { what: "samples" });
    }
    check_finite(data, dim)?;
    check_len(
        "linear-init scratch",
        linear_scratch_len(dim),
        scratch.len(),
    )?;
    // The length is checked above; the checked splits leave no panicking branch.
    let (mean, rest) = scratch.split_at_mut_checked(dim).unwrap_or_default();
    let (e1, rest) = rest.split_at_mut_checked(dim).unwrap_or_default();
    let (e2, tmp) = rest.split_at_mut_checked(dim).unwrap_or_default();
    mean.fill(0.0);
    for x in data.chunks_exact(dim.max(1)) {
        for (m, &v) in mean.iter_mut().zip(x) {
            *m += f64::from(v);
        }
    }
    for m in mean.iter_mut() {
        *m /= n as f64;
    }
    let l1 = principal_axis(data, mean, e1, tmp, None);
    let l2 = principal_axis(data, mean, e2, tmp, Some(e1));
    let grid = *map.grid();
    let (rows, cols) = (grid.rows(), grid.cols());
    let spread = |i: usize, len: usize| {
        if len < 2 {
            0.0
        } else {
            -1.0 + 2.0 * i as f64 / (len - 1) as f64
        }
    };
    let (s1, s2) = (sqrt64(l1), sqrt64(l2));
    for k in 0..grid.units() {
        let (r, c) = grid.row_col(k);
        let (a1, a2) = if cols >= rows {
            (spread(c, cols), spread(r, rows))
        } else {
            (spread(r, rows), spread(c, cols))
        };
        for (d, ((m, u), v)) in mean.iter().zip(e1.iter()).zip(e2.iter()).enumerate() {
            let w = m + a1 * s1 * u + a2 * s2 * v;
            if let Some(slot) = map
                .weights_mut()
                .get_mut(crate::layout::blocked_index(k, d, dim))
            {
                *slot = w as f32;
            }
        }
    }
    Ok(())
}

/// Power iteration for the leading unit eigenvector of the data's covariance (orthogonal to
/// `avoid` if given), written into `axis`; returns its eigenvalue, the variance along it.
/// A zero-variance direction gives a zero axis and eigenvalue 0.
fn principal_axis(
    data: &[f32],
    mean: &[f64],
    axis: &mut [f64],
    next: &mut [f64],
    avoid: Option<&[f64]>,
) -> f64 {
    let dim = mean.len().max(1);
    let n = (data.len() / dim).max(1) as f64;
    // A fixed, irregular start: deterministic, and unlikely to be orthogonal to the answer.
    for (d, a) in axis.iter_mut().enumerate() {
        *a = 1.0 / (1.0 + d as f64);
    }
    let mut lambda = 0.0;
    for _ in 0..200 {
        if let Some(e) = avoid {
            let p: f64 = axis.iter().zip(e).map(|(a, b)| a * b).sum();
            for (a, b) in axis.iter_mut().zip(e) {
                *a -= p * b;
            }
        }
        let norm = sqrt64(axis.iter().map(|a| a * a).sum());
        if !(norm > 1e-300 && norm.is_finite()) {
            axis.fill(0.0);
            return 0.0;
        }
        for a in axis.iter_mut() {
            *a /= norm;
        }
        // next = C axis = mean over x of (x - mean) ((x - mean) . axis)
        next.fill(0.0);
        for x in data.chunks_exact(dim) {
            let p: f64 = x
                .iter()
                .zip(mean)
                .zip(axis.iter())
                .map(|((&v, m), a)| (f64::from(v) - m) * a)
                .sum();
            for ((t, &v), m) in next.iter_mut().zip(x).zip(mean) {
                *t += (f64::from(v) - m) * p;
            }
        }
        let new_lambda: f64 = next
            .iter()
            .zip(axis.iter())
            .map(|(t, a)| t * a)
            .sum::<f64>()
            / n;
        for (a, t) in axis.iter_mut().zip(next.iter()) {
            *a = *t;
        }
        let converged = (new_lambda - lambda).abs() <= 1e-12 * new_lambda.abs();
        lambda = new_lambda;
        if converged {
            break;
        }
    }
    // Final normalisation (and orthogonality) of the axis returned.
    if let Some(e) = avoid {
        let p: f64 = axis.iter().zip(e).map(|(a, b)| a * b).sum();
        for (a, b) in axis.iter_mut().zip(e) {
            *a -= p * b;
        }
    }
    let norm = sqrt64(axis.iter().map(|a| a * a).sum());
    if norm > 1e-300 && norm.is_finite() {
        for a in axis.iter_mut() {
            *a /= norm;
        }
    } else {
        axis.fill(0.0);
    }
    lambda.max(0.0)
}
