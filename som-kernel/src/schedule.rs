//! How the learning rate and the neighbourhood width change over training.

use crate::error::{Error, Result, check_positive};
use crate::math::pow64;

/// A parameter as a function of step `t` of `total` steps (`0 <= t < total`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    /// Always the same value: for endless online or streaming training.
    Constant(f32),
    /// From `start` to `end` in a straight line: `start (1 - t/T) + end t/T`.
    /// With `end = 0` this is the TensorFlow example's decay; SOM_PAK's radius ends at 1.
    Linear {
        /// Value at `t = 0`.
        start: f32,
        /// Value at `t = T`.
        end: f32,
    },
    /// `start / (1 + t / (T/2))`: MiniSom's default decay, half the start value at `t = T/2`.
    Asymptotic {
        /// Value at `t = 0`.
        start: f32,
    },
    /// `start / (1 + (start/end - 1) t/T)`: hyperbolic from `start` to `end`.
    Inverse {
        /// Value at `t = 0`.
        start: f32,
        /// Value at `t = T`; positive.
        end: f32,
    },
    /// `start (end/start)^(t/T)`: geometric from `start` to `end`.
    Exponential {
        /// Value at `t = 0`.
        start: f32,
        /// Value at `t = T`; positive.
        end: f32,
    },
}

impl Schedule {
    /// Checks that the values are finite, `start > 0` and any `end` is in range.
    ///
    /// # Errors
    /// [`Error::Parameter`] naming the bad value.
    pub fn validate(&self) -> Result<Self> {
        match *self {
            Schedule::Constant(v) => {
                check_positive("schedule value", v)?;
            }
            Schedule::Linear { start, end } => {
                check_positive("schedule start", start)?;
                if !(end.is_finite() && end >= 0.0) {
                    return Err(Error::Parameter {
                        what: "schedule end",
                        expected: "finite and >= 0",
                        got: end,
                    });
                }
            }
            Schedule::Asymptotic { start } => {
                check_positive("schedule start", start)?;
            }
            Schedule::Inverse { start, end } | Schedule::Exponential { start, end } => {
                check_positive("schedule start", start)?;
                check_positive("schedule end", end)?;
            }
        }
        Ok(*self)
    }

    /// The value at step `t` of `total`. `total = 0` counts as 1; `t` past `total` counts as
    /// `total`.
    ///
    /// Exact at any length: the progress `t / T` and what is left of it `(T - t) / T` are each
    /// computed from integers in `f64`, and the value in `f64`, rounded once to `f32`. So the
    /// last step of a run of `u64::MAX` steps is still a step before the end: a linear decay
    /// to 0 is positive at every step `t < T` and reaches 0 only at `t = T`.
    pub fn at(&self, t: u64, total: u64) -> f32 {
        let total = total.max(1);
        let t = t.min(total);
        let done = t as f64 / total as f64;
        let left = (total - t) as f64 / total as f64;
        let v = match *self {
            Schedule::Constant(v) => return v,
            Schedule::Linear { start, end } => {
                let (start, end) = (f64::from(start), f64::from(end));
                let v = (end + (start - end) * left) as f32;
                // Below f32's range, the value of a step before the end is still not 0.
                return if t < total && v == 0.0 && start > 0.0 {
                    f32::from_bits(1)
                } else {
                    v
                };
            }
            Schedule::Asymptotic { start } => f64::from(start) / (1.0 + 2.0 * done),
            Schedule::Inverse { start, end } => {
                let (start, end) = (f64::from(start), f64::from(end));
                start / (1.0 + (start / end - 1.0) * done)
            }
            Schedule::Exponential { start, end } => {
                let (start, end) = (f64::from(start), f64::from(end));
                start * pow64(end / start, done)
            }
        };
        v as f32
    }

    /// The value at `t = 0`.
    pub fn start(&self) -> f32 {
        self.at(0, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let lin = Schedule::Linear {
            start: 0.3,
            end: 0.0,
        };
        assert_eq!(lin.at(0, 400), 0.3);
        assert_eq!(lin.at(200, 400), 0.15);
        assert_eq!(lin.at(100, 400), 0.3 * (1.0 - 0.25));
        let radius = Schedule::Linear {
            start: 10.0,
            end: 1.0,
        };
        assert_eq!(radius.at(500, 1000), 5.5);
        assert_eq!(radius.at(1000, 1000), 1.0);
        let asym = Schedule::Asymptotic { start: 0.5 };
        assert_eq!(asym.at(50, 100), 0.25);
        assert_eq!(asym.at(100, 100), 0.5 / 3.0);
        let inv = Schedule::Inverse {
            start: 4.0,
            end: 1.0,
        };
        assert_eq!(inv.at(0, 10), 4.0);
        assert_eq!(inv.at(10, 10), 1.0);
        assert_eq!(inv.at(5, 10), 1.6);
        let ex = Schedule::Exponential {
            start: 8.0,
            end: 0.5,
        };
        assert!((ex.at(5, 10) - 2.0).abs() < 1e-6);
        assert!((ex.at(10, 10) - 0.5).abs() < 1e-6);
        assert_eq!(Schedule::Constant(0.1).at(1 << 40, 3), 0.1);
    }

    #[test]
    fn validation_names_the_value() {
        assert!(
            Schedule::Linear {
                start: 1.0,
                end: 0.0
            }
            .validate()
            .is_ok()
        );
        assert!(matches!(
            Schedule::Linear {
                start: f32::NAN,
                end: 0.0
            }
            .validate(),
            Err(Error::Parameter {
                what: "schedule start",
                ..
            })
        ));
        assert!(matches!(
            Schedule::Exponential {
                start: 1.0,
                end: 0.0
            }
            .validate(),
            Err(Error::Parameter {
                what: "schedule end",
                ..
            })
        ));
        assert!(Schedule::Constant(-1.0).validate().is_err());
        assert!(
            Schedule::Linear {
                start: 1.0,
                end: -0.1
            }
            .validate()
            .is_err()
        );
    }

    /// Every schedule at lengths where `t / T` in f32 loses steps (2^24 and up) and at the
    /// largest: the start at 0, the end at `T`, positive and never rising at the last and first
    /// steps, the midpoint where its formula puts it, and linear to 0 positive until `T`.
    #[test]
    fn exact_at_any_length() {
        let schedules = [
            Schedule::Constant(0.25),
            Schedule::Linear {
                start: 0.3,
                end: 0.0,
            },
            Schedule::Linear {
                start: 10.0,
                end: 1.0,
            },
            Schedule::Asymptotic { start: 0.5 },
            Schedule::Inverse {
                start: 4.0,
                end: 0.01,
            },
            Schedule::Exponential {
                start: 8.0,
                end: 1e-3,
            },
        ];
        let close = |a: f32, b: f64| (f64::from(a) - b).abs() <= 1e-6 * b.abs();
        for total in [
            1 << 24,
            (1 << 24) + 1,
            1 << 32,
            34_000_000,
            u64::MAX - 1,
            u64::MAX,
        ] {
            for s in schedules {
                let case = (s, total);
                let start = s.at(0, total);
                let (first, end) = match s {
                    Schedule::Constant(v) => (v, v),
                    Schedule::Linear { start, end }
                    | Schedule::Inverse { start, end }
                    | Schedule::Exponential { start, end } => (start, end),
                    Schedule::Asymptotic { start } => (start, start / 3.0),
                };
                assert_eq!(start, first, "{case:?}");
                assert!(close(s.at(total, total), f64::from(end)), "{case:?}");
                assert_eq!(s.at(u64::MAX, total), s.at(total, total), "{case:?}");
                let mut last = f32::INFINITY;
                for t in [0, 1, 2, total / 2, total - 3, total - 2, total - 1] {
                    let v = s.at(t, total);
                    assert!(
                        v > 0.0 && v.is_finite() && v <= last,
                        "{case:?} at {t}: {v}"
                    );
                    last = v;
                }
                let (a, b) = (f64::from(first), f64::from(end));
                let middle = match s {
                    Schedule::Constant(v) => f64::from(v),
                    Schedule::Linear { .. } => (a + b) / 2.0,
                    Schedule::Asymptotic { start } => f64::from(start) / 2.0,
                    Schedule::Inverse { .. } => 2.0 * a * b / (a + b),
                    Schedule::Exponential { .. } => (a * b).sqrt(),
                };
                let half = s.at(total / 2, total);
                assert!(
                    (f64::from(half) - middle).abs() <= 2e-6 * middle,
                    "{case:?}: {half} at T/2"
                );
            }
            let to_zero = Schedule::Linear {
                start: 0.3,
                end: 0.0,
            };
            // The last step is one step's worth of the start, the one before it two.
            let one = f64::from(0.3f32) / total as f64;
            assert!(close(to_zero.at(total - 1, total), one), "{total}");
            assert!(close(to_zero.at(total - 2, total), 2.0 * one), "{total}");
            assert_eq!(to_zero.at(total, total), 0.0);
        }
        // Below f32's range, the last step of a linear decay to 0 is still positive.
        let tiny = Schedule::Linear {
            start: 1e-30,
            end: 0.0,
        };
        assert!(tiny.at(u64::MAX - 1, u64::MAX) > 0.0);
    }
}
