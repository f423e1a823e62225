//! The `no_std` SIMD kernel of `som`, a Self-Organizing Map (Kohonen map) library.
//!
//! No allocation, no panics on any input, errors as values. The working codebook is *blocked*
//! ([`layout`]): units in groups of eight, dimension-major inside a group, so every SIMD
//! instruction works on eight units whatever the dimension. [`mod@reference`] holds the scalar
//! specification that every SIMD path is tested against.
//!
//! # Example
//! ```
//! use som_kernel::{blocked_len, init, layout, Grid, MapMut, Neighbourhood, Shape};
//! use rand_xoshiro::{rand_core::SeedableRng, Xoshiro256PlusPlus};
//!
//! let grid = Grid::new(4, 5)?;
//! let dim = 3;
//! let mut weights = [0.0f32; blocked_len(20, 3)];
//! let mut map = MapMut::new(grid, dim, &mut weights)?;
//! init::uniform(&mut map, &mut Xoshiro256PlusPlus::seed_from_u64(1), 0.0, 1.0)?;
//!
//! let red = [1.0, 0.0, 0.0];
//! let nb = Neighbourhood::new(Shape::Gaussian, 1.5)?;
//! for _ in 0..20 {
//!     map.train_step(&red, &nb, 0.5)?;
//! }
//! let winner = map.as_map().bmu(&red)?;
//! assert!(winner.dist2 < 1e-3);
//!
//! let mut rows = [0.0f32; 20 * 3]; // the row-major codebook users see
//! layout::to_row_major(map.as_map().weights(), 20, 3, &mut rows)?;
//! # Ok::<(), som_kernel::Error>(())
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
// The size-first build (feature `small` on a bare-metal target, or `SOM_KERNEL_SMALL=1`: see
// `size_first.rs`) leaves the SIMD loops unused, and out of the binary.
#![cfg_attr(
    any(som_small, all(feature = "small", target_os = "none")),
    allow(dead_code, unused_imports)
)]

mod batch;
pub mod bmu;
mod distance;
mod error;
mod fixed;
pub mod grid;
pub mod init;
pub mod int;
pub mod layout;
mod loops;
mod map;
mod math;
mod missing;
mod named;
pub mod neighbourhood;
mod pairs;
pub mod reference;
pub mod schedule;
pub mod simd;
#[cfg(any(som_small, all(feature = "small", target_os = "none")))]
mod size_first;
mod train;
mod update;

pub use batch::BatchStats;
pub use distance::{Bmu, Distance};
pub use error::{Error, Result};
pub use fixed::FixedMap;
pub use grid::{Boundary, Grid, MAX_UNITS, Topology};
pub use layout::blocked_len;
pub use map::{Map, MapMut};
pub use missing::Missing;
pub use named::Named;
pub use neighbourhood::{Neighbourhood, Shape};
pub use schedule::Schedule;
pub use train::{Clock, Training};

/// Units a block holds: the width of a block in the blocked layout (eight `f32` lanes, one
/// 256-bit register).
pub const LANES: usize = 8;
