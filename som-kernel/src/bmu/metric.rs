//! What "nearest" means: the distances a search can rank units by, each an instance of the
//! kernel's one loop ([`crate::pairs::accumulate`]).
//!
//! The reference ([`crate::reference::distance`]) writes each out in scalar code. Manhattan and
//! Chebyshev distances are sums and maxima without products, so every level gives the
//! reference's bits; Euclidean and cosine distances sum products, fused where the level has
//! FMA, and agree with it up to rounding.

// Index loops over arrays of vectors, as in [`crate::pairs`].
#![allow(clippy::needless_range_loop)]

use crate::missing::Missing;
use crate::pairs::{Columns, Rows, Term, accumulate};
use crate::simd::Isa;

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

impl Distance {
    /// Every distance, in declaration order.
    pub const ALL: [Distance; 4] = [
        Distance::Euclidean,
        Distance::Cosine,
        Distance::Manhattan,
        Distance::Chebyshev,
    ];

    /// Its name, as MiniSom's `activation_distance` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Distance::Euclidean => "euclidean",
            Distance::Cosine => "cosine",
            Distance::Manhattan => "manhattan",
            Distance::Chebyshev => "chebyshev",
        }
    }

    /// The distance of a name (see [`Distance::name`]).
    pub fn from_name(name: &str) -> Option<Distance> {
        Distance::ALL.into_iter().find(|d| d.name() == name)
    }
}

impl core::fmt::Display for Distance {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// A distance as the searches compute it: from the rows of `P` pairs and `N` samples, the
/// `N x P` vectors of distances.
pub(crate) trait Metric {
    /// Whether the certified expanded form can stand in for it (the squared distance).
    const EXPANDED: bool = false;

    /// What the metric needs of a sample besides its values (the cosine's `|x|`), computed
    /// once per sample.
    #[inline(always)]
    fn of_sample(_x: &[f32]) -> f32 {
        0.0
    }

    /// The distances of `N` samples (`of`: [`Metric::of_sample`] of each) to the rows.
    fn measure<I: Isa, const P: usize, const N: usize>(
        isa: I,
        dim: usize,
        rows: &mut impl Rows<I::V, P>,
        xs: &Columns<'_, I, N>,
        of: [f32; N],
    ) -> [[I::V; P]; N];
}

/// A term summed (or folded) from dimension 0: the squared difference, the absolute
/// difference, the running maximum.
impl<T: Term> Metric for T {
    const EXPANDED: bool = T::EXPANDED;

    #[inline(always)]
    fn measure<I: Isa, const P: usize, const N: usize>(
        isa: I,
        dim: usize,
        rows: &mut impl Rows<I::V, P>,
        xs: &Columns<'_, I, N>,
        _: [f32; N],
    ) -> [[I::V; P]; N] {
        let mut acc = [[isa.zero(); P]; N];
        accumulate::<I, T, P, N>(dim, rows, xs, &mut acc);
        acc
    }
}

/// The distances besides the Euclidean one (feature `distances`).
#[cfg(feature = "distances")]
pub(crate) mod others {
    use super::Metric;
    use crate::pairs::{Columns, Dot, Rows, Term, WithNorms, accumulate};
    use crate::simd::{Isa, Lanes};

    /// [`super::Distance::Manhattan`]: `acc + |x - w|`.
    pub(crate) struct Abs;

    impl Term for Abs {
        #[inline(always)]
        fn fold<V: Lanes>(acc: V, x: V, w: V) -> V {
            acc + (x - w).max(w - x)
        }
    }

    /// [`super::Distance::Chebyshev`]: the larger of `acc` and `|x - w|`, made NaN by a NaN or infinite
    /// `|x - w|` (`a - a`), which a maximum alone may drop.
    pub(crate) struct MaxAbs;

    impl Term for MaxAbs {
        #[inline(always)]
        #[allow(clippy::eq_op)] // Deliberate: 0, or NaN.
        fn fold<V: Lanes>(acc: V, x: V, w: V) -> V {
            let a = (x - w).max(w - x);
            V::select(a.lt(acc), acc, a) + (a - a)
        }
    }

    /// [`super::Distance::Cosine`]: `1 - x.w / (|w| |x|)`, the dot product and `|w|^2` in one pass.
    pub(crate) struct Cosine;

    impl Metric for Cosine {
        #[inline(always)]
        fn of_sample(x: &[f32]) -> f32 {
            crate::reference::norm(x)
        }

        #[inline(always)]
        fn measure<I: Isa, const P: usize, const N: usize>(
            isa: I,
            dim: usize,
            rows: &mut impl Rows<I::V, P>,
            xs: &Columns<'_, I, N>,
            of: [f32; N],
        ) -> [[I::V; P]; N] {
            let mut with = WithNorms {
                rows,
                norm: [isa.zero(); P],
            };
            let mut dot = [[isa.zero(); P]; N];
            accumulate::<I, Dot, P, N>(dim, &mut with, xs, &mut dot);
            let one = isa.splat(1.0);
            for s in 0..N {
                let xn = isa.splat(of[s]);
                for p in 0..P {
                    dot[s][p] = one - dot[s][p].div(with.norm[p].sqrt() * xn);
                }
            }
            dot
        }
    }
}

/// A term with the sample's missing components (NaN) left out: where `x` is NaN, both `x`
/// and `w` enter the term as 0, which leaves the accumulator as it was for every term that
/// measures a difference (`(0 - 0)^2`, `|0 - 0|`, `max(acc, 0)`). Off the accumulator's
/// chain: the sample's mask is made once per dimension, the row's once per pair.
#[cfg(feature = "missing")]
pub(crate) struct Masked<T>(core::marker::PhantomData<T>);

#[cfg(feature = "missing")]
impl<T: Term> Term for Masked<T> {
    #[inline(always)]
    fn fold<V: crate::simd::Lanes>(acc: V, x: V, w: V) -> V {
        let present = x.is_number();
        T::fold(acc, x.keep(present), w.keep(present))
    }
}

/// `$body` with `$m` the term `$t`, masked (a sample with missing components) or not.
#[cfg(feature = "missing")]
macro_rules! maybe_masked {
    ($masked:expr, $t:ty, $m:ident => $body:expr) => {
        if $masked {
            type $m = $crate::bmu::metric::Masked<$t>;
            $body
        } else {
            type $m = $t;
            $body
        }
    };
}
/// Without the feature `missing`, searches are never masked ([`crate::Map::with_missing`]
/// refuses masking).
#[cfg(not(feature = "missing"))]
macro_rules! maybe_masked {
    ($masked:expr, $t:ty, $m:ident => $body:expr) => {{
        let _ = $masked;
        type $m = $t;
        $body
    }};
}
pub(crate) use maybe_masked;

/// `$body` with `$m` the metric type of `$distance`, masked where `$masked` (the cosine is
/// never masked: [`check_missing`] refuses it).
#[cfg(feature = "distances")]
macro_rules! by_metric {
    ($distance:expr, $masked:expr, $m:ident => $body:expr) => {
        match $distance {
            $crate::bmu::Distance::Euclidean => {
                $crate::bmu::metric::maybe_masked!($masked, $crate::pairs::Dist2, $m => $body)
            }
            $crate::bmu::Distance::Cosine => {
                type $m = $crate::bmu::metric::others::Cosine;
                $body
            }
            $crate::bmu::Distance::Manhattan => {
                $crate::bmu::metric::maybe_masked!($masked, $crate::bmu::metric::others::Abs, $m => $body)
            }
            $crate::bmu::Distance::Chebyshev => {
                $crate::bmu::metric::maybe_masked!($masked, $crate::bmu::metric::others::MaxAbs, $m => $body)
            }
        }
    };
}
/// `$body` with `$m` the Euclidean metric: without the feature `distances`, a map's distance
/// is always Euclidean ([`crate::Map::with_distance`] refuses the others).
#[cfg(not(feature = "distances"))]
macro_rules! by_metric {
    ($distance:expr, $masked:expr, $m:ident => $body:expr) => {{
        let _ = $distance;
        $crate::bmu::metric::maybe_masked!($masked, $crate::pairs::Dist2, $m => $body)
    }};
}
pub(crate) use by_metric;

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
pub(crate) fn check(distance: Distance) -> crate::Result<Distance> {
    if cfg!(feature = "distances") || distance == Distance::Euclidean {
        Ok(distance)
    } else {
        Err(crate::Error::Unsupported {
            what: "distances other than Euclidean without som-kernel's feature `distances`",
        })
    }
}
