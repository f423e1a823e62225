//! What "nearest" means: the distances a search can rank units by, each an instance of the
//! kernel's one loop ([`crate::pairs::fold_rows`]).
//!
//! [`crate::distance`] writes each out in scalar code. Manhattan and
//! Chebyshev distances are sums and maxima without products, so every level gives the
//! reference's bits; Euclidean and cosine distances sum products, fused where the level has
//! FMA, and agree with it up to rounding.

// Index loops over arrays of vectors, as in [`crate::pairs`].
#![allow(clippy::needless_range_loop)]

use crate::pairs::{Columns, Rows, Term, fold_rows};
use crate::simd::Isa;

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
        fold_rows::<I, T, P, N>(dim, rows, xs, &mut acc);
        acc
    }
}

/// The distances besides the Euclidean one (feature `distances`).
#[cfg(feature = "distances")]
pub(crate) mod others {
    use super::Metric;
    use crate::pairs::{Columns, Dot, Rows, Term, WithNorms, fold_rows};
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
            crate::distance::norm(x)
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
            fold_rows::<I, Dot, P, N>(dim, &mut with, xs, &mut dot);
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
            $crate::distance::Distance::Euclidean => {
                $crate::bmu::metric::maybe_masked!($masked, $crate::pairs::Dist2, $m => $body)
            }
            $crate::distance::Distance::Cosine => {
                type $m = $crate::bmu::metric::others::Cosine;
                $body
            }
            $crate::distance::Distance::Manhattan => {
                $crate::bmu::metric::maybe_masked!($masked, $crate::bmu::metric::others::Abs, $m => $body)
            }
            $crate::distance::Distance::Chebyshev => {
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
