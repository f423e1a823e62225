//! How strongly a unit learns from a sample, given its lattice distance to the winner.

use crate::error::{Error, Result, check_positive};
use crate::math::{Lanes8, each, exp, exp8, ln, sqrt};

/// The shape of the neighbourhood function `h(d)` of lattice distance `d` and width `sigma`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// `exp(-d^2 / (2 sigma^2))`.
    #[default]
    Gaussian,
    /// 1 inside the radius (`d <= sigma`, compared as SOM_PAK does, after the square root),
    /// 0 outside.
    Bubble,
    /// `max(0, 1 - d / sigma)`.
    Triangle,
    /// `(1 - d^2 / sigma^2) exp(-d^2 / (2 sigma^2))`: pushes units away outside `sigma`.
    MexicanHat,
}

crate::named!("neighbourhood", Shape {
    Gaussian => "gaussian",
    Bubble => "bubble",
    Triangle => "triangle",
    MexicanHat => "mexican-hat",
});

impl Shape {
    /// Whether `h` can be negative (the Mexican hat): then batch training, a weighted mean, is
    /// not defined.
    pub const fn can_be_negative(self) -> bool {
        matches!(self, Shape::MexicanHat)
    }

    /// The one rule for batch training's neighbourhood: `Ok` for a shape whose `h` is never
    /// negative.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for a shape whose `h` can be negative (the Mexican hat).
    pub const fn check_batch(self) -> Result<()> {
        if self.can_be_negative() {
            return Err(Error::Unsupported {
                what: "batch training with a neighbourhood that can be negative (Mexican hat)",
            });
        }
        Ok(())
    }
}

/// Below this, `|h|` counts as 0 whatever the cut-off: `2^-60`, reached by the Gaussian at
/// about 9.1 sigma. Such an `h` moves a weight by less than `2^-60 |x - w|`, invisible in `f32`
/// unless the weight itself is that small. Flushing it keeps the arithmetic out of the
/// denormal range, where x86 cores take a microcode assist of a hundred cycles or more per
/// instruction (measured here: 10x slower updates before the flush).
pub const NEGLIGIBLE: f32 = 1.0 / 1_152_921_504_606_846_976.0;

/// Exponents below this are clamped before `exp`: `e^-60` is far below [`NEGLIGIBLE`] and still
/// a normal `f32`, so no lane of the vector `exp` ever computes with denormals.
pub(crate) const MIN_EXPONENT: f32 = -60.0;

/// The narrowest width computed with: `2^-32`. A smaller `sigma` is raised to it, so that
/// `sigma^2` and `2 sigma^2` stay normal floats in every evaluation order (underflowing to 0,
/// they made `0 / 0` at the winner). Any width this small is the winner alone for every shape,
/// since distinct units are at least 1 apart.
pub const MIN_SIGMA: f32 = 1.0 / 4_294_967_296.0;

/// `exp(-d2 / (2 s^2))`, 0 where the exponent is below [`MIN_EXPONENT`].
fn gaussian(d2: f32, s: f32) -> f32 {
    let e = -d2 / (2.0 * s * s);
    if e >= MIN_EXPONENT { exp(e) } else { 0.0 }
}

/// A neighbourhood at one moment of training: shape, width and cut-off.
///
/// Units whose `|h|` is below `cutoff` (or [`NEGLIGIBLE`]) are not updated at all. A small
/// cut-off (say 1e-3) skips most of a large map in late training.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbourhood {
    shape: Shape,
    sigma: f32,
    cutoff: f32,
}

impl Neighbourhood {
    /// A neighbourhood of the given shape and width, without cut-off. A width below
    /// [`MIN_SIGMA`] is raised to it.
    ///
    /// # Errors
    /// [`Error::Parameter`] unless `sigma` is finite and positive.
    pub fn new(shape: Shape, sigma: f32) -> Result<Self> {
        let sigma = check_positive("sigma", sigma)?.max(MIN_SIGMA);
        Ok(Self {
            shape,
            sigma,
            cutoff: 0.0,
        })
    }

    /// The same neighbourhood with a cut-off: `|h| < cutoff` counts as 0.
    ///
    /// # Errors
    /// [`Error::Parameter`] unless `0 <= cutoff < 1`.
    pub fn with_cutoff(self, cutoff: f32) -> Result<Self> {
        if !(0.0..1.0).contains(&cutoff) {
            return Err(Error::Parameter {
                what: "cutoff",
                expected: "in [0, 1)",
                got: cutoff,
            });
        }
        Ok(Self { cutoff, ..self })
    }

    /// The shape.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// The width.
    pub fn sigma(&self) -> f32 {
        self.sigma
    }

    /// The cut-off.
    pub fn cutoff(&self) -> f32 {
        self.cutoff
    }

    /// `h` at squared lattice distance `d2`, cut-off applied. This is the reference.
    pub fn weight(&self, d2: f32) -> f32 {
        let s = self.sigma;
        let h = match self.shape {
            Shape::Gaussian => gaussian(d2, s),
            Shape::Bubble => {
                if sqrt(d2) <= s {
                    1.0
                } else {
                    0.0
                }
            }
            Shape::Triangle => (1.0 - sqrt(d2) / s).max(0.0),
            Shape::MexicanHat => (1.0 - d2 / (s * s)) * gaussian(d2, s),
        };
        if h.abs() >= self.threshold() { h } else { 0.0 }
    }

    /// The smallest `|h|` that counts: the cut-off, or [`NEGLIGIBLE`] if larger.
    pub(crate) fn threshold(&self) -> f32 {
        self.cutoff.max(NEGLIGIBLE)
    }

    /// A squared lattice distance beyond which `h` is 0: the updates skip whole blocks past
    /// it without evaluating `h`. Slightly generous, never short.
    pub fn support2(&self) -> f32 {
        let log_inv = -ln(self.threshold());
        let u = match self.shape {
            // exp(-u/2) = threshold.
            Shape::Gaussian => 2.0 * log_inv,
            Shape::Bubble | Shape::Triangle => 1.0,
            // |1 - u| exp(-u/2) <= (1 + u) exp(-u/2) = threshold, by fixed-point iteration.
            Shape::MexicanHat => {
                let mut u = 2.0 * log_inv;
                for _ in 0..6 {
                    u = 2.0 * (ln(1.0 + u) + log_inv);
                }
                u
            }
        };
        u * self.sigma * self.sigma * 1.01 + 1e-3
    }

    /// Whether `h` can be negative (then batch training, a weighted mean, is not defined).
    pub fn can_be_negative(&self) -> bool {
        self.shape.can_be_negative()
    }

    /// Constants for [`Prepared::weight8`].
    #[inline(always)]
    pub(crate) fn prepare(&self) -> Prepared {
        Prepared {
            shape: self.shape,
            s2: self.sigma * self.sigma,
            sigma: self.sigma,
            threshold: self.threshold(),
        }
    }
}

/// A neighbourhood's constants, for eight lanes at a time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Prepared {
    shape: Shape,
    s2: f32,
    sigma: f32,
    threshold: f32,
}

impl Prepared {
    /// `exp(-d2 / (2 sigma^2))`, 0 where the exponent is below [`MIN_EXPONENT`] (the exp of
    /// the clamped exponent computed in every lane, then replaced: no branch per lane).
    #[inline(always)]
    fn gaussian8(&self, d2: Lanes8) -> Lanes8 {
        let two_s2 = 2.0 * self.s2;
        let e = each(|i| -d2[i] / two_s2);
        let g = exp8(each(|i| e[i].max(MIN_EXPONENT)));
        each(|i| if e[i] >= MIN_EXPONENT { g[i] } else { 0.0 })
    }

    /// `h` for eight squared distances, as [`Neighbourhood::weight`] (with [`exp8`]'s
    /// exponential); NaN distances give 0. Lane by lane in plain arithmetic, the same bits at
    /// every level: inlined into a loop compiled for a level, it becomes that level's vectors.
    #[inline(always)]
    pub(crate) fn weight8(&self, d2: Lanes8) -> Lanes8 {
        let (s2, sigma) = (self.s2, self.sigma);
        let h = match self.shape {
            Shape::Gaussian => self.gaussian8(d2),
            Shape::Bubble => each(|i| if sqrt(d2[i]) <= sigma { 1.0 } else { 0.0 }),
            Shape::Triangle => each(|i| (1.0 - sqrt(d2[i]) / sigma).max(0.0)),
            Shape::MexicanHat => {
                let g = self.gaussian8(d2);
                each(|i| (1.0 - d2[i] / s2) * g[i])
            }
        };
        // Comparisons with NaN are false, so NaN lanes become 0 here as well.
        each(|i| {
            if h[i].abs() >= self.threshold {
                h[i]
            } else {
                0.0
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() <= 1e-6 * b.abs().max(1e-30) + 1e-7
    }

    #[test]
    fn known_values() {
        let g = Neighbourhood::new(Shape::Gaussian, 2.0).unwrap();
        assert_eq!(g.weight(0.0), 1.0);
        assert!(close(g.weight(4.0), (-0.5f32).exp()));
        assert!(close(g.weight(8.0), (-1.0f32).exp()));
        let b = Neighbourhood::new(Shape::Bubble, 2.0).unwrap();
        assert_eq!((b.weight(4.0), b.weight(4.0001)), (1.0, 0.0));
        let t = Neighbourhood::new(Shape::Triangle, 2.0).unwrap();
        assert_eq!(
            (t.weight(1.0), t.weight(4.0), t.weight(9.0)),
            (0.5, 0.0, 0.0)
        );
        let m = Neighbourhood::new(Shape::MexicanHat, 1.0).unwrap();
        assert_eq!(m.weight(1.0), 0.0);
        assert!(close(m.weight(4.0), -3.0 * (-2.0f32).exp()));
    }

    #[test]
    fn cutoff_zeroes_small_weights() {
        let g = Neighbourhood::new(Shape::Gaussian, 1.0)
            .unwrap()
            .with_cutoff(0.01)
            .unwrap();
        // exp(-4.5) = 0.011 stays, exp(-8) = 0.00034 goes.
        assert!(g.weight(9.0) > 0.0);
        assert_eq!(g.weight(16.0), 0.0);
    }

    #[test]
    fn support_contains_every_nonzero_weight() {
        for shape in [
            Shape::Gaussian,
            Shape::Bubble,
            Shape::Triangle,
            Shape::MexicanHat,
        ] {
            for sigma in [0.3, 1.0, 7.0] {
                for cutoff in [0.0, 1e-3, 0.2] {
                    let n = Neighbourhood::new(shape, sigma)
                        .unwrap()
                        .with_cutoff(cutoff)
                        .unwrap();
                    let s = n.support2();
                    assert!(
                        n.weight(s) == 0.0 && n.weight(s * 1.5) == 0.0,
                        "{shape:?} {sigma} {cutoff}"
                    );
                    // Not absurdly generous either: something inside is non-zero.
                    assert!(n.weight(0.0) != 0.0);
                }
            }
        }
    }

    #[test]
    fn rejects_bad_parameters() {
        for s in [0.0, -1.0, f32::NAN, f32::INFINITY] {
            assert!(matches!(
                Neighbourhood::new(Shape::Gaussian, s),
                Err(Error::Parameter { what: "sigma", .. })
            ));
        }
        let g = Neighbourhood::new(Shape::Gaussian, 1.0).unwrap();
        for c in [-0.1, 1.0, f32::NAN] {
            assert!(g.with_cutoff(c).is_err());
        }
    }

    #[test]
    fn simd_weights_match_reference() {
        let d2s = [0.0, 0.25, 1.0, 2.0, 3.0, 7.5, 50.0, 1e4, f32::INFINITY];
        for shape in [
            Shape::Gaussian,
            Shape::Bubble,
            Shape::Triangle,
            Shape::MexicanHat,
        ] {
            for sigma in [0.1, 1.0, 2.5, 15.0] {
                for cutoff in [0.0, 1e-3, 0.3] {
                    let n = Neighbourhood::new(shape, sigma)
                        .unwrap()
                        .with_cutoff(cutoff)
                        .unwrap();
                    let p = n.prepare();
                    for chunk in d2s.windows(8) {
                        let v = p.weight8(chunk.try_into().unwrap());
                        for (d2, got) in chunk.iter().zip(v) {
                            let want = n.weight(*d2);
                            // Near the cut-off the two exps may fall on either side.
                            let edge = (want.abs() - cutoff).abs() < 1e-5;
                            assert!(
                                edge || (got - want).abs() <= 4e-7 * want.abs() + 1e-37,
                                "{shape:?} sigma {sigma} cutoff {cutoff} d2 {d2}: {got} vs {want}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn simd_weights_of_nan_distances_are_zero() {
        for shape in [
            Shape::Gaussian,
            Shape::Bubble,
            Shape::Triangle,
            Shape::MexicanHat,
        ] {
            let p = Neighbourhood::new(shape, 1.0).unwrap().prepare();
            assert_eq!(p.weight8([f32::NAN; 8]), [0.0; 8]);
        }
    }
}
