//! The on-device job in plain kernel calls, with no I/O and no hardware: train an 8x8 map on
//! the seed's 15 colours, refine it with batch steps, and measure it. `main.rs` runs it on the
//! board and checks the numbers against [`BOUNDS`].

use rand_xoshiro::Xoshiro128PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use som_kernel::{
    BatchStats, Bmu, Clock, Error, FixedMap, Grid, Neighbourhood, Schedule, Shape, Training,
    blocked_len, init,
};

/// Map rows.
pub const ROWS: usize = 8;
/// Map columns.
pub const COLS: usize = 8;
/// Units on the map.
pub const UNITS: usize = ROWS * COLS;
/// Values per unit: red, green, blue.
pub const DIM: usize = 3;
/// Floats of storage the map needs, in the type.
pub const CAP: usize = blocked_len(UNITS, DIM);
/// The colours.
pub const N: usize = 15;
/// Online passes over the colours.
pub const EPOCHS: u64 = 100;
/// Batch refinement steps after the online training.
pub const BATCH_STEPS: usize = 3;

/// The seed's 15 colours, flat, row after row.
#[rustfmt::skip]
pub const COLOURS: [f32; N * DIM] = [
    0.0, 0.0, 0.0,        // black
    0.0, 0.0, 1.0,        // blue
    0.0, 0.0, 0.5,        // darkblue
    0.125, 0.529, 1.0,    // skyblue
    0.33, 0.4, 0.67,      // greyblue
    0.6, 0.5, 1.0,        // lilac
    0.0, 1.0, 0.0,        // green
    1.0, 0.0, 0.0,        // red
    0.0, 1.0, 1.0,        // cyan
    1.0, 0.0, 1.0,        // violet
    1.0, 1.0, 0.0,        // yellow
    1.0, 1.0, 1.0,        // white
    0.33, 0.33, 0.33,     // darkgrey
    0.5, 0.5, 0.5,        // mediumgrey
    0.66, 0.66, 0.66,     // lightgrey
];

/// What the result must satisfy. The same code on the host (x86_64) gives quantization errors
/// 0.0552 online and 0.00019 after the batch steps, worst colour 0.00037, topographic error 0,
/// 15 distinct units; the bounds leave room for the board's float arithmetic to round
/// differently, and fail a map that did not organise.
pub struct Bounds {
    /// Largest mean quantization error after online training.
    pub qe_online: f32,
    /// Largest mean quantization error after the batch refinement.
    pub qe_batch: f32,
    /// Largest distance of any colour to its unit after the batch refinement.
    pub worst_colour: f32,
    /// Largest topographic error.
    pub te: f32,
    /// Fewest distinct best-matching units among the 15 colours.
    pub distinct_units: usize,
}

/// The checks `main.rs` applies.
pub const BOUNDS: Bounds = Bounds {
    qe_online: 0.07,
    qe_batch: 0.01,
    worst_colour: 0.05,
    te: 0.2,
    distinct_units: N,
};

/// The online training: Gaussian neighbourhood shrinking from 3 to 0.5 units, learning rate
/// from 0.5 to 0.01, units with `h < 0.001` skipped.
pub const TRAINING: Training = Training {
    shape: Shape::Gaussian,
    alpha: Schedule::Linear {
        start: 0.5,
        end: 0.01,
    },
    sigma: Schedule::Linear {
        start: 3.0,
        end: 0.5,
    },
    cutoff: 1e-3,
    clock: Clock::Sample,
};

/// The measurements of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Report {
    /// Mean quantization error after online training.
    pub qe_online: f32,
    /// Topographic error after online training.
    pub te: f32,
    /// Mean quantization error after the batch refinement.
    pub qe_batch: f32,
    /// Largest distance of a colour to its unit after the batch refinement.
    pub worst_colour: f32,
    /// Distinct best-matching units among the colours.
    pub distinct_units: usize,
    /// Largest U-matrix value.
    pub umatrix_max: f32,
    /// Whether every weight is finite and inside the colour cube `[0, 1]^3`.
    pub weights_in_range: bool,
}

/// A fresh map, all weights 0.
///
/// # Errors
/// Never for these constants; the `Result` is the kernel's.
pub fn new_map() -> Result<FixedMap<CAP>, Error> {
    FixedMap::new(Grid::new(ROWS, COLS)?, DIM)
}

/// Storage for the batch statistics: hit counts and sums per unit (2 KiB, kept in static RAM
/// by `main.rs`, beside the map).
pub struct Stats {
    /// Hits per unit.
    pub hits: [u64; UNITS],
    /// Sums per unit and component.
    pub sums: [f64; UNITS * DIM],
}

/// Empty statistics.
pub const STATS: Stats = Stats {
    hits: [0; UNITS],
    sums: [0.0; UNITS * DIM],
};

/// Initialises `som` at random in the colour cube and trains it online, then in batch (the
/// statistics in `stats`).
///
/// # Errors
/// Any kernel error (none is expected).
pub fn run(som: &mut FixedMap<CAP>, stats: &mut Stats) -> Result<Report, Error> {
    let mut rng = Xoshiro128PlusPlus::seed_from_u64(2024);
    init::uniform(&mut som.map_mut(), &mut rng, 0.0, 1.0)?;
    TRAINING.online(&mut som.map_mut(), &COLOURS, EPOCHS)?;
    let qe_online = som.map().quantization_error(&COLOURS)?;
    let te = som.map().topographic_error(&COLOURS)?;

    // Batch refinement: each unit becomes the neighbourhood-weighted mean of the colours.
    let nb = Neighbourhood::new(Shape::Gaussian, 0.5)?;
    let Stats { hits, sums } = stats;
    for _ in 0..BATCH_STEPS {
        let mut stats = BatchStats::new(hits, sums, UNITS, DIM)?;
        stats.clear();
        stats.accumulate(&som.map(), &COLOURS)?;
        som.map_mut().apply_batch(hits, sums, &nb)?;
    }
    let map = som.map();
    let qe_batch = map.quantization_error(&COLOURS)?;
    let mut each = [0.0f32; N];
    map.quantization_errors(&COLOURS, &mut each)?;
    let worst_colour = each.iter().fold(0.0f32, |a, &b| a.max(b));
    let mut bmus = [Bmu {
        unit: 0,
        dist2: 0.0,
    }; N];
    map.bmu_many(&COLOURS, &mut bmus)?;
    let distinct_units = (0..N)
        .filter(|&i| bmus[..i].iter().all(|b| b.unit != bmus[i].unit))
        .count();
    let mut umatrix = [0.0f32; UNITS];
    map.umatrix(&mut umatrix)?;
    let umatrix_max = umatrix.iter().fold(0.0f32, |a, &b| a.max(b));
    let weights_in_range = (0..UNITS).all(|k| {
        (0..DIM).all(|d| {
            map.weight(k, d)
                .is_some_and(|w| w.is_finite() && (0.0..=1.0).contains(&w))
        })
    });
    Ok(Report {
        qe_online,
        te,
        qe_batch,
        worst_colour,
        distinct_units,
        umatrix_max,
        weights_in_range,
    })
}

/// The failed checks of `report` against [`BOUNDS`], as messages; empty when all pass.
pub fn failures(report: &Report) -> impl Iterator<Item = &'static str> {
    let b = &BOUNDS;
    [
        (
            report.qe_online <= b.qe_online,
            "quantization error after online training too high",
        ),
        (
            report.qe_batch <= b.qe_batch,
            "quantization error after batch refinement too high",
        ),
        (
            report.worst_colour <= b.worst_colour,
            "a colour is far from its unit",
        ),
        (report.te <= b.te, "topographic error too high"),
        (
            report.distinct_units >= b.distinct_units,
            "too few distinct units for the colours",
        ),
        (report.umatrix_max.is_finite(), "U-matrix not finite"),
        (
            report.weights_in_range,
            "a weight is non-finite or outside [0, 1]",
        ),
    ]
    .into_iter()
    .filter(|(ok, _)| !ok)
    .map(|(_, msg)| msg)
}
