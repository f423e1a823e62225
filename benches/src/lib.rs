//! Workloads shared by the benchmarks: deterministic maps and data of a given size.

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use som_kernel::{Grid, MapMut, blocked_len, init, layout};

/// A map of `units` units (one row) with random weights, in both layouts.
#[derive(Debug, Clone)]
pub struct Workload {
    /// The grid: a near-square map of exactly `units` units.
    pub grid: Grid,
    /// Values per unit and per sample.
    pub dim: usize,
    /// Blocked codebook.
    pub blocked: Vec<f32>,
    /// The same codebook, row-major.
    pub row_major: Vec<f32>,
    /// `samples` random samples.
    pub data: Vec<f32>,
}

/// Rows and columns of a near-square grid of exactly `units` units.
fn near_square(units: usize) -> (usize, usize) {
    let mut rows = (units as f64).sqrt() as usize;
    while !units.is_multiple_of(rows) {
        rows -= 1;
    }
    (rows, units / rows)
}

impl Workload {
    /// A seeded workload: uniform weights and samples in `[0, 1)`.
    pub fn new(units: usize, dim: usize, samples: usize) -> Self {
        let (rows, cols) = near_square(units);
        let grid = Grid::new(rows, cols).expect("benchmark grid");
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
        let mut blocked = vec![0.0; blocked_len(units, dim)];
        init::uniform(
            &mut MapMut::new(grid, dim, &mut blocked).expect("map"),
            &mut rng,
            0.0,
            1.0,
        )
        .expect("init");
        let mut row_major = vec![0.0; units * dim];
        layout::to_row_major(&blocked, units, dim, &mut row_major).expect("layout");
        let data = (0..samples * dim)
            .map(|_| init::unit_f32(&mut rng))
            .collect();
        Self {
            grid,
            dim,
            blocked,
            row_major,
            data,
        }
    }

    /// Unit-dimension pairs one sample touches: `units * dim`.
    pub fn pairs(&self) -> u64 {
        (self.grid.units() * self.dim) as u64
    }
}

/// `n` samples of `dim` around `centres` Gaussian centres (sd 5), each with unit noise: the
/// generated stand-in for the comparison's blob workloads.
pub fn blobs(n: usize, dim: usize, centres: usize, seed: u64) -> Vec<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let c: Vec<f32> = (0..centres * dim)
        .map(|_| init::normal_f32(&mut rng) * 5.0)
        .collect();
    (0..n)
        .flat_map(|i| {
            let k = i % centres;
            (0..dim).map(move |d| (k, d)).collect::<Vec<_>>()
        })
        .map(|(k, d)| c[k * dim + d] + init::normal_f32(&mut rng))
        .collect()
}
