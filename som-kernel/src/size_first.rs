//! The size-first build's loops: the scalar reference ([`crate::reference`]) run over the
//! blocked codebook ([`Blocked`]), so its results are the reference's bit for bit.
//!
//! On with the feature `small` on a bare-metal target (`target_os = "none"`), or anywhere with
//! `RUSTFLAGS="--cfg som_small"` (how the tests, Miri and the fuzzers run it on a PC). The
//! feature alone does nothing on a PC, so that `--all-features` builds keep the SIMD loops.
//!
//! The SIMD loops are generic over the instruction set and unrolled by dimension (fast, but
//! 17-22 KiB of flash on a Cortex-M); the reference's loops are a few hundred bytes each, with
//! at most a few dozen bytes of stack, for microcontrollers where flash and RAM count more
//! than speed. There is one loop, whatever the level.

use crate::LANES;
use crate::distance::{Bmu, Distance};
use crate::grid::Grid;
use crate::layout::{Units, UnitsMut};
use crate::loops::{How, Loops};
use crate::missing::Present;
use crate::neighbourhood::Neighbourhood;
use crate::reference::{self, masked};
use crate::simd::Level;

/// A blocked codebook of `units` units: unit `k` is lane `k % 8` of the `dim` rows of block
/// `k / 8`.
#[derive(Debug)]
pub(crate) struct Blocked<W> {
    /// The weights, `&[f32]` or `&mut [f32]`, in the blocked layout.
    pub weights: W,
    /// Units in the codebook (the padding lanes are none).
    pub units: usize,
    /// Values per unit.
    pub dim: usize,
}

/// The rows of the block holding unit `k` (empty past the end).
fn first_row(k: usize, dim: usize) -> core::ops::Range<usize> {
    let first = (k / LANES).saturating_mul(dim);
    first..first.saturating_add(dim)
}

impl<W: AsRef<[f32]>> Units for Blocked<W> {
    fn count(&self) -> usize {
        self.units
    }
    fn unit(&self, k: usize) -> impl Iterator<Item = f32> + Clone + '_ {
        let rows = self.weights.as_ref().as_chunks::<LANES>().0;
        let block = rows.get(first_row(k, self.dim)).unwrap_or(&[]);
        block.iter().map(move |row| row[k % LANES])
    }
}

impl<W: AsRef<[f32]> + AsMut<[f32]>> UnitsMut for Blocked<W> {
    fn unit_mut(&mut self, k: usize) -> impl Iterator<Item = &mut f32> + '_ {
        let rows = self.weights.as_mut().as_chunks_mut::<LANES>().0;
        let block = rows.get_mut(first_row(k, self.dim)).unwrap_or(&mut []);
        block.iter_mut().map(move |row| &mut row[k % LANES])
    }
}

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
fn nearest<const N: usize>((kind, missing): How, units: &Blocked<&[f32]>, x: &[f32]) -> [Bmu; N] {
    let kind = if cfg!(feature = "distances") {
        kind
    } else {
        Distance::Euclidean
    };
    match Present::of(missing, x) {
        Present::Some if cfg!(feature = "missing") => masked::nearest_in(kind, units, x),
        Present::None => [Bmu::NONE; N],
        _ => reference::nearest_in(kind, units, x),
    }
}

#[allow(clippy::too_many_arguments)]
impl Loops for SizeFirst {
    fn bmu(self, how: How, weights: &[f32], units: usize, dim: usize, x: &[f32]) -> Bmu {
        let [b] = nearest(
            how,
            &Blocked {
                weights,
                units,
                dim,
            },
            x,
        );
        b
    }

    fn bmu2(self, how: How, weights: &[f32], units: usize, dim: usize, x: &[f32]) -> [Bmu; 2] {
        nearest(
            how,
            &Blocked {
                weights,
                units,
                dim,
            },
            x,
        )
    }

    fn online(
        self,
        weights: &mut [f32],
        grid: &Grid,
        dim: usize,
        x: &[f32],
        winner: usize,
        nb: &Neighbourhood,
        alpha: f32,
        masked: bool,
    ) {
        let masked = cfg!(feature = "missing") && masked;
        let units = grid.units();
        let mut codebook = Blocked {
            weights,
            units,
            dim,
        };
        let around = (winner, nb, alpha);
        reference::update_in(&mut codebook, grid, x, around, |v| !(masked && v.is_nan()));
    }

    fn batch(
        self,
        weights: &mut [f32],
        grid: &Grid,
        dim: usize,
        hits: &[u64],
        sums: &[f64],
        nb: &Neighbourhood,
    ) {
        let units = grid.units();
        let mut codebook = Blocked {
            weights,
            units,
            dim,
        };
        reference::apply_batch_in(&mut codebook, grid, dim, (hits, sums), nb);
    }

    #[cfg(feature = "missing")]
    fn batch_by_component(
        self,
        weights: &mut [f32],
        grid: &Grid,
        dim: usize,
        counts: &[u64],
        sums: &[f64],
        nb: &Neighbourhood,
    ) {
        let units = grid.units();
        let mut codebook = Blocked {
            weights,
            units,
            dim,
        };
        masked::apply_batch_in(&mut codebook, grid, dim, (counts, sums), nb);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{RowMajor, blocked_len, to_blocked, to_row_major};

    #[test]
    fn both_layouts_read_and_write_the_same_units() {
        for units in 1..=2 * LANES + 1 {
            for dim in 1..=4 {
                let rm: [f32; 68] = core::array::from_fn(|i| i as f32 + 0.25);
                let mut rows = RowMajor {
                    weights: [0.0f32; 68],
                    dim,
                };
                rows.weights[..units * dim].copy_from_slice(&rm[..units * dim]);
                let mut bl = [f32::NAN; 3 * LANES * 4];
                let mut blocked = Blocked {
                    weights: &mut bl[..blocked_len(units, dim)],
                    units,
                    dim,
                };
                to_blocked(&rm[..units * dim], units, dim, blocked.weights).unwrap();
                assert_eq!(blocked.count(), units);
                for k in 0..units {
                    assert!(
                        blocked.unit(k).eq(rows.unit(k)),
                        "unit {k} of {units}x{dim}"
                    );
                    // Every unit's values scaled by its index, through either layout.
                    blocked.unit_mut(k).for_each(|w| *w *= k as f32);
                    rows.unit_mut(k).for_each(|w| *w *= k as f32);
                }
                let mut back = [0.0; 68];
                to_row_major(blocked.weights, units, dim, &mut back[..units * dim]).unwrap();
                assert_eq!(back[..units * dim], rows.weights[..units * dim]);
            }
        }
    }
}
