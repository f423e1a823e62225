//! Self-Organizing Maps (Kohonen maps) for Rust, on the `no_std` SIMD kernel `som-kernel`.
//!
//! [`Som`] owns a map: build it with [`Som::builder`] or a preset such as [`Som::seed`] (the
//! "Self-Organizing Maps with TensorFlow" example), train it, query it. [`minisom`] is MiniSom
//! 2.3.6 on its own float64 weights: its lattice, neighbourhood functions and training loops
//! (what the Python package's `som.MiniSom` runs).
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

pub mod data;
pub mod datasets;
mod error;
mod exact;
pub mod io;
pub mod minisom;
#[cfg(feature = "mpi")]
pub mod mpi;
pub mod picture;
pub mod rows;
pub mod simd;
mod som;
mod source;
pub mod watch;

pub use data::{Flat, Samples};
pub use error::{Error, Result};
pub use minisom::MiniSomLattice;
pub use rows::{Part, Rows};
pub use som::classify::label_order;
pub use som::presets::{BatchConflict, Decay, Preset, PresetSettings};
pub use som::{Init, MAX_THREADS, Order, Som, SomBuilder};
pub use som_kernel as kernel;
pub use som_kernel::{Boundary, Clock, Distance, Missing, Named, Schedule, Shape, Topology};
pub use source::Source;
pub use watch::{EarlyStop, Epoch};

// The README's Rust examples are doctests: `cargo test -p som-std --doc` compiles and runs them
// as written (README.md here is a link to the workspace's README).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
