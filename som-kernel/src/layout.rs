//! Conversion between the row-major codebook users see and the blocked working layout.
//!
//! Blocked: units in blocks of [`LANES`]; inside a block, dimension-major, so that one SIMD
//! register holds one dimension of eight units:
//! `block b = [w(8b..8b+8)[0]] [w(8b..8b+8)[1]] ... [w(8b..8b+8)[dim-1]]`.
//! Padding lanes past the last unit are ignored by every operation; conversion fills them
//! with zeros.

use crate::LANES;
use crate::error::{Error, Result, check_len};

/// Floats in the blocked layout of `units` units of `dim` values: `ceil(units / 8) * 8 * dim`.
///
/// Saturates instead of overflowing, so absurd sizes fail the length checks instead of
/// wrapping.
pub const fn blocked_len(units: usize, dim: usize) -> usize {
    units
        .div_ceil(LANES)
        .saturating_mul(LANES)
        .saturating_mul(dim)
}

/// Position of unit `k`, dimension `d` in the blocked layout.
#[inline(always)]
pub(crate) const fn blocked_index(k: usize, d: usize, dim: usize) -> usize {
    (k / LANES) * LANES * dim + d * LANES + k % LANES
}

fn check_sizes(units: usize, dim: usize) -> Result<()> {
    if units == 0 {
        return Err(Error::Zero { what: "units" });
    }
    if dim == 0 {
        return Err(Error::Zero { what: "dim" });
    }
    Ok(())
}

/// Copies a row-major codebook (`units * dim`) into the blocked layout
/// (`blocked_len(units, dim)`), zeroing the padding.
///
/// # Errors
/// [`Error::Zero`] for zero sizes, [`Error::Length`] when a slice has the wrong length.
///
/// # Example
/// ```
/// use som_kernel::{blocked_len, layout};
/// let rows = [1.0, 2.0, 3.0, 4.0]; // two units of dim 2
/// let mut blocked = [0.0; blocked_len(2, 2)];
/// layout::to_blocked(&rows, 2, 2, &mut blocked)?;
/// assert_eq!(&blocked[..10], &[1.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 4.0]);
/// # Ok::<(), som_kernel::Error>(())
/// ```
pub fn to_blocked(row_major: &[f32], units: usize, dim: usize, blocked: &mut [f32]) -> Result<()> {
    check_sizes(units, dim)?;
    check_len(
        "row-major codebook",
        units.saturating_mul(dim),
        row_major.len(),
    )?;
    check_len("blocked codebook", blocked_len(units, dim), blocked.len())?;
    blocked.fill(0.0);
    for (k, row) in row_major.chunks_exact(dim).enumerate() {
        for (d, &v) in row.iter().enumerate() {
            if let Some(slot) = blocked.get_mut(blocked_index(k, d, dim)) {
                *slot = v;
            }
        }
    }
    Ok(())
}

/// Copies a blocked codebook back to row-major order.
///
/// # Errors
/// As [`to_blocked`].
pub fn to_row_major(
    blocked: &[f32],
    units: usize,
    dim: usize,
    row_major: &mut [f32],
) -> Result<()> {
    check_sizes(units, dim)?;
    check_len("blocked codebook", blocked_len(units, dim), blocked.len())?;
    check_len(
        "row-major codebook",
        units.saturating_mul(dim),
        row_major.len(),
    )?;
    for (k, row) in row_major.chunks_exact_mut(dim).enumerate() {
        for (d, v) in row.iter_mut().enumerate() {
            if let Some(&w) = blocked.get(blocked_index(k, d, dim)) {
                *v = w;
            }
        }
    }
    Ok(())
}

/// A codebook read unit by unit, whatever its layout: the scalar reference is written once
/// over this, for the row-major codebooks of its public functions ([`RowMajor`]) and the
/// blocked working layout ([`Blocked`]) in the size-first build.
pub(crate) trait Units {
    /// Number of units.
    fn count(&self) -> usize;
    /// The weights of unit `k < count()`, in order of dimension.
    fn unit(&self, k: usize) -> impl Iterator<Item = f32> + Clone + '_;
}

/// [`Units`] that can be written.
pub(crate) trait UnitsMut: Units {
    /// The weights of unit `k < count()`, for writing.
    fn unit_mut(&mut self, k: usize) -> impl Iterator<Item = &mut f32> + '_;
}

/// A row-major codebook: unit after unit, `dim` values each (a shorter tail is no unit).
#[derive(Debug)]
pub(crate) struct RowMajor<W> {
    /// The weights, `&[f32]` or `&mut [f32]`.
    pub weights: W,
    /// Values per unit.
    pub dim: usize,
}

impl<W: AsRef<[f32]>> RowMajor<W> {
    fn row(&self, k: usize) -> &[f32] {
        let dim = self.dim.max(1);
        let at = k.saturating_mul(dim);
        (self.weights.as_ref())
            .get(at..at.saturating_add(dim))
            .unwrap_or(&[])
    }
}

impl<W: AsRef<[f32]>> Units for RowMajor<W> {
    fn count(&self) -> usize {
        self.weights.as_ref().len() / self.dim.max(1)
    }
    fn unit(&self, k: usize) -> impl Iterator<Item = f32> + Clone + '_ {
        self.row(k).iter().copied()
    }
}

impl<W: AsRef<[f32]> + AsMut<[f32]>> UnitsMut for RowMajor<W> {
    fn unit_mut(&mut self, k: usize) -> impl Iterator<Item = &mut f32> + '_ {
        let dim = self.dim.max(1);
        let at = k.saturating_mul(dim);
        (self.weights.as_mut())
            .get_mut(at..at.saturating_add(dim))
            .unwrap_or(&mut [])
            .iter_mut()
    }
}

/// A blocked codebook of `units` units: unit `k` is lane `k % 8` of the `dim` rows of block
/// `k / 8`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Blocked<W> {
    /// The weights, `&[f32]` or `&mut [f32]`, in the blocked layout.
    pub weights: W,
    /// Units in the codebook (the padding lanes are none).
    pub units: usize,
    /// Values per unit.
    pub dim: usize,
}

impl Blocked<&mut [f32]> {
    /// The same codebook, borrowed again for writing.
    pub(crate) fn by_mut(&mut self) -> Blocked<&mut [f32]> {
        let (units, dim) = (self.units, self.dim);
        Blocked {
            weights: &mut *self.weights,
            units,
            dim,
        }
    }

    /// The same codebook, for reading.
    pub(crate) fn by_ref(&self) -> Blocked<&[f32]> {
        let (units, dim) = (self.units, self.dim);
        Blocked {
            weights: &*self.weights,
            units,
            dim,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_size_around_the_lane_width() {
        for units in 1..=3 * LANES + 1 {
            for dim in 1..=5 {
                let rm: [f32; 125] = core::array::from_fn(|i| i as f32 + 0.5);
                let rm = &rm[..units * dim];
                let mut bl = [f32::NAN; 5 * 4 * LANES];
                let bl = &mut bl[..blocked_len(units, dim)];
                to_blocked(rm, units, dim, bl).unwrap();
                for k in 0..units {
                    for d in 0..dim {
                        assert_eq!(bl[blocked_index(k, d, dim)], rm[k * dim + d]);
                    }
                }
                let mut back = [0.0; 125];
                to_row_major(bl, units, dim, &mut back[..units * dim]).unwrap();
                assert_eq!(&back[..units * dim], rm);
            }
        }
    }

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

    #[test]
    fn errors_name_the_slice() {
        let mut bl = [0.0; 16];
        assert_eq!(
            to_blocked(&[0.0; 5], 3, 2, &mut bl),
            Err(Error::Length {
                what: "row-major codebook",
                expected: 6,
                got: 5
            })
        );
        assert_eq!(
            to_blocked(&[0.0; 6], 3, 2, &mut bl[..15]),
            Err(Error::Length {
                what: "blocked codebook",
                expected: 16,
                got: 15
            })
        );
        assert_eq!(
            to_blocked(&[], 0, 2, &mut bl),
            Err(Error::Zero { what: "units" })
        );
    }
}
