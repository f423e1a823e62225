//! How the learning rate and the neighbourhood width change over training.

use crate::error::{Error, Result, check_positive};
use crate::math::pow;

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

    /// The value at step `t` of `total`. `total = 0` counts as 1.
    pub fn at(&self, t: u64, total: u64) -> f32 {
        let f = (t as f64 / total.max(1) as f64) as f32;
        match *self {
            Schedule::Constant(v) => v,
            Schedule::Linear { start, end } => start * (1.0 - f) + end * f,
            Schedule::Asymptotic { start } => start / (1.0 + 2.0 * f),
            Schedule::Inverse { start, end } => start / (1.0 + (start / end - 1.0) * f),
            Schedule::Exponential { start, end } => start * pow(end / start, f),
        }
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
}
