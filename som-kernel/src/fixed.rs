//! A map that owns its storage inline: no allocator, capacity in the type. For firmware.

use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::layout::blocked_len;
use crate::map::{Map, MapMut};

/// A map whose blocked codebook lives inside the value, in `CAP` floats.
///
/// Size it with [`blocked_len`]: `FixedMap<{ blocked_len(units, dim) }>`.
///
/// # Example
/// ```
/// use som_kernel::{blocked_len, FixedMap, Grid, Schedule, Shape, Training, Clock};
/// let mut som = FixedMap::<{ blocked_len(4 * 4, 3) }>::new(Grid::new(4, 4)?, 3)?;
/// let data = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0];
/// let training = Training {
///     shape: Shape::Gaussian,
///     alpha: Schedule::Linear { start: 0.5, end: 0.0 },
///     sigma: Schedule::Linear { start: 2.0, end: 0.5 },
///     cutoff: 0.0,
///     clock: Clock::Sample,
/// };
/// training.online(&mut som.map_mut(), &data, 50)?;
/// assert!(som.map().quantization_error(&data)? < 0.1);
/// # Ok::<(), som_kernel::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FixedMap<const CAP: usize> {
    grid: Grid,
    dim: usize,
    weights: [f32; CAP],
}

impl<const CAP: usize> FixedMap<CAP> {
    /// A map of `grid` with `dim` values per unit, all weights 0.
    ///
    /// # Errors
    /// [`Error::Zero`] if `dim` is 0, [`Error::Capacity`] if `CAP` floats do not hold it.
    pub fn new(grid: Grid, dim: usize) -> Result<Self> {
        if dim == 0 {
            return Err(Error::Zero { what: "dim" });
        }
        let needed = blocked_len(grid.units(), dim);
        if needed > CAP {
            return Err(Error::Capacity {
                needed,
                capacity: CAP,
            });
        }
        Ok(Self {
            grid,
            dim,
            weights: [0.0; CAP],
        })
    }

    fn len(&self) -> usize {
        blocked_len(self.grid.units(), self.dim)
    }

    /// A read-only view for queries and metrics.
    pub fn map(&self) -> Map<'_> {
        let len = self.len();
        Map::from_parts(
            self.grid,
            self.dim,
            self.weights.get(..len).unwrap_or_default(),
        )
    }

    /// A trainable view.
    pub fn map_mut(&mut self) -> MapMut<'_> {
        let len = self.len();
        MapMut::from_parts(
            self.grid,
            self.dim,
            self.weights.get_mut(..len).unwrap_or_default(),
        )
    }
}
