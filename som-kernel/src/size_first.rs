//! The size-first build's loops: the scalar reference ([`crate::reference`]) run over the
//! blocked codebook ([`crate::layout::Blocked`]), so its results are the reference's bit for bit.
//!
//! On with the feature `small` on a bare-metal target (`target_os = "none"`), or anywhere with
//! `SOM_KERNEL_SMALL=1` at build time (`cfg(som_small)`, set by `build.rs`: how the tests run
//! it on a PC). The feature alone does nothing on a PC, so that `--all-features` builds keep
//! the SIMD loops.
//!
//! The SIMD loops are generic over the instruction set and unrolled by dimension (fast, but
//! 17-22 KiB of flash on a Cortex-M); the reference's loops are a few hundred bytes each, with
//! at most a few dozen bytes of stack, for microcontrollers where flash and RAM count more
//! than speed. There is one loop, whatever the level.

use crate::distance::{Bmu, Distance};
use crate::loops::{Codebook, How, Loops, Stats, Step, Trained};
use crate::missing::Present;
use crate::neighbourhood::Neighbourhood;
use crate::reference::{self, masked};
use crate::simd::Level;

/// The reference's loops over the blocked codebook.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SizeFirst;

/// Every level runs the same scalar loops.
impl From<Level> for SizeFirst {
    fn from(_: Level) -> Self {
        SizeFirst
    }
}

/// The `N` nearest units of `x`, over the components present where some are missing.
/// Without the feature `distances` every map searches by the Euclidean distance (the others
/// are refused when the map is made), and only that is compiled; without `missing`, no
/// search is masked.
fn nearest<const N: usize>((kind, missing): How, codebook: &Codebook<'_>, x: &[f32]) -> [Bmu; N] {
    let kind = if cfg!(feature = "distances") {
        kind
    } else {
        Distance::Euclidean
    };
    match Present::of(missing, x) {
        Present::Some if cfg!(feature = "missing") => masked::nearest_in(kind, codebook, x),
        Present::None => [Bmu::NONE; N],
        _ => reference::nearest_in(kind, codebook, x),
    }
}

impl Loops for SizeFirst {
    fn bmu(self, how: How, codebook: Codebook<'_>, x: &[f32]) -> Bmu {
        let [b] = nearest(how, &codebook, x);
        b
    }

    fn bmu2(self, how: How, codebook: Codebook<'_>, x: &[f32]) -> [Bmu; 2] {
        nearest(how, &codebook, x)
    }

    fn online(self, (mut codebook, grid): Trained<'_, '_>, s: Step<'_>, masked: bool) {
        let masked = cfg!(feature = "missing") && masked;
        let around = (s.winner, s.nb, s.alpha);
        reference::update_in(&mut codebook, grid, s.x, around, |v| {
            !(masked && v.is_nan())
        });
    }

    fn batch(self, (mut codebook, grid): Trained<'_, '_>, stats: Stats<'_>, nb: &Neighbourhood) {
        let dim = codebook.dim;
        reference::apply_batch_in(&mut codebook, grid, dim, stats, nb);
    }

    #[cfg(feature = "missing")]
    fn batch_by_component(
        self,
        (mut codebook, grid): Trained<'_, '_>,
        stats: Stats<'_>,
        nb: &Neighbourhood,
    ) {
        let dim = codebook.dim;
        masked::apply_batch_in(&mut codebook, grid, dim, stats, nb);
    }
}
