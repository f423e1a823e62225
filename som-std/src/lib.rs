//! Self-Organizing Maps (Kohonen maps) for Rust, on the `no_std` SIMD kernel `som-kernel`.
//!
//! [`Som`] owns a map: build it with [`Som::builder`] or a preset such as [`Som::seed`] (the
//! "Self-Organizing Maps with TensorFlow" example), train it, query it.
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

mod classify;
pub mod data;
pub mod datasets;
mod error;
mod exact;
pub mod io;
#[cfg(feature = "mpi")]
pub mod mpi;
pub mod names;
mod persist;
pub mod picture;
mod presets;
mod query;
pub mod rows;
pub mod simd;
mod som;
mod train;
pub mod watch;

pub use classify::label_order;
pub use data::{Flat, Samples};
pub use error::{Error, Result};
pub use presets::{Decay, MiniSomLattice, Preset, PresetSettings};
pub use rows::Rows;
pub use som::{Init, MAX_THREADS, Order, Som, SomBuilder};
pub use som_kernel as kernel;
pub use som_kernel::{Boundary, Clock, Distance, Missing, Schedule, Shape, Topology};
pub use watch::{EarlyStop, Epoch};
