//! What "nearest" means, at the bottom of the kernel: the distances a search ranks units by
//! ([`Distance`]), their formulas over pairs `(x_d, w_d)` taken in order of dimension (the
//! specification every search is tested against), and a search's answer ([`Bmu`]).
//!
//! Everything else builds on this module, which builds on nothing but [`crate::math`]: the
//! scalar reference ([`crate::reference`]), the SIMD searches ([`crate::bmu`]) and the maps.

use crate::math::sqrt;
use crate::missing::Missing;

/// A best-matching unit: its index and squared distance to the sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bmu {
    /// Unit index, `row * cols + col`.
    pub unit: usize,
    /// Distance between sample and unit in the search's [`Distance`]: the squared Euclidean
    /// distance by default. `+inf` if none was finite.
    pub dist2: f32,
}

impl Bmu {
    /// No best-matching unit: a sample with every component missing (only where masking is
    /// on, [`Missing::Mask`]). Its unit is no map's unit and its distance NaN.
    pub const NONE: Bmu = Bmu {
        unit: usize::MAX,
        dist2: f32::NAN,
    };

    /// Whether this is [`Bmu::NONE`].
    pub fn is_none(&self) -> bool {
        self.unit == usize::MAX
    }

    /// The unit, or `None` for [`Bmu::NONE`].
    pub fn found(&self) -> Option<usize> {
        (!self.is_none()).then_some(self.unit)
    }
}

/// The distance by which a search ranks units.
///
/// MiniSom's `activation_distance` names: `euclidean`, `cosine`, `manhattan`, `chebyshev`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Distance {
    /// `sum (x - w)^2`, the squared Euclidean distance (ranks as the distance itself).
    #[default]
    Euclidean,
    /// `1 - x.w / (|x| |w|)`; NaN (ranked last) where a norm is 0.
    Cosine,
    /// `sum |x - w|`.
    Manhattan,
    /// `max |x - w|`; a component difference that is NaN or infinite makes it NaN (ranked
    /// last, as `+inf` would be).
    Chebyshev,
}

crate::named!("distance", Distance {
    Euclidean => "euclidean",
    Cosine => "cosine",
    Manhattan => "manhattan",
    Chebyshev => "chebyshev",
});

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

/// Whether `missing` can go with `distance` in this build: masking needs the feature
/// `missing`, and the cosine has no masked form (its norms would have to leave out the
/// sample's missing components too).
pub(crate) fn check_missing(distance: Distance, missing: Missing) -> crate::Result<()> {
    match missing {
        Missing::Error => Ok(()),
        Missing::Mask if !cfg!(feature = "missing") => Err(crate::Error::Unsupported {
            what: "masking missing values without som-kernel's feature `missing`",
        }),
        Missing::Mask if distance == Distance::Cosine => Err(crate::Error::Unsupported {
            what: "masking missing values with the cosine distance",
        }),
        Missing::Mask => Ok(()),
    }
}

/// `distance`, if this build searches by it.
pub(crate) fn check_supported(distance: Distance) -> crate::Result<Distance> {
    if cfg!(feature = "distances") || distance == Distance::Euclidean {
        Ok(distance)
    } else {
        Err(crate::Error::Unsupported {
            what: "distances other than Euclidean without som-kernel's feature `distances`",
        })
    }
}
