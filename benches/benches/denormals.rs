//! No denormal slowdown: the per-step time of a long online run stays flat to its end.
//!
//! A 30x30 map of RGB units is trained for `STEPS` steps while the Gaussian's width shrinks
//! from 15 to 0.5 units (the seed's schedule shape). Late in such a run the neighbourhood
//! `h = exp(-d^2 / 2 sigma^2)` of far units falls below `f32::MIN_POSITIVE` (1.2e-38) into the
//! subnormal range, and on x86 every multiply that makes or reads a subnormal takes a slow
//! microcode path (about a hundred cycles). The kernel flushes `|h| < 2^-60`
//! (`som_kernel::neighbourhood::NEGLIGIBLE`) to exactly 0, so those units are skipped and
//! its steps never get slower; a plain scalar update without that flush is shown beside it.
//!
//! `cargo bench -p som-benches --bench denormals`. Before the criterion groups it prints the
//! time of every tenth of the run for both, so the shape of the whole run is visible.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use som_kernel::{
    Clock, Grid, MapMut, Neighbourhood, Schedule, Shape, Training, blocked_len, init, layout,
    reference,
};
use std::hint::black_box;
use std::time::{Duration, Instant};

const ROWS: usize = 30;
const COLS: usize = 30;
const UNITS: usize = ROWS * COLS;
const DIM: usize = 3;
/// Steps of the long run.
const STEPS: u64 = 20_000;

const SIGMA: Schedule = Schedule::Linear {
    start: 15.0,
    end: 0.5,
};
const ALPHA: Schedule = Schedule::Linear {
    start: 0.5,
    end: 0.01,
};

/// The seed's 15 colours.
#[rustfmt::skip]
const COLOURS: [f32; 45] = [
    0.0, 0.0, 0.0,  0.0, 0.0, 1.0,  0.0, 0.0, 0.5,  0.125, 0.529, 1.0,  0.33, 0.4, 0.67,
    0.6, 0.5, 1.0,  0.0, 1.0, 0.0,  1.0, 0.0, 0.0,  0.0, 1.0, 1.0,  1.0, 0.0, 1.0,
    1.0, 1.0, 0.0,  1.0, 1.0, 1.0,  0.33, 0.33, 0.33,  0.5, 0.5, 0.5,  0.66, 0.66, 0.66,
];

fn grid() -> Grid {
    Grid::new(ROWS, COLS).expect("grid")
}

fn sample(t: u64) -> &'static [f32] {
    let i = (t % 15) as usize * DIM;
    &COLOURS[i..i + DIM]
}

fn initial() -> Vec<f32> {
    let mut blocked = vec![0.0; blocked_len(UNITS, DIM)];
    let mut map = MapMut::new(grid(), DIM, &mut blocked).expect("map");
    init::uniform(
        &mut map,
        &mut Xoshiro256PlusPlus::seed_from_u64(7),
        0.0,
        1.0,
    )
    .expect("init");
    blocked
}

/// One step of the plain scalar online update, row-major, with `h` straight from `exp` and no
/// flush of tiny values: what the kernel would do without `NEGLIGIBLE`.
fn step_without_flush(codebook: &mut [f32], grid: &Grid, x: &[f32], sigma: f32, alpha: f32) {
    let winner = reference::bmu(codebook, DIM, x).unit;
    let inv = -1.0 / (2.0 * sigma * sigma);
    for (k, w) in codebook.chunks_exact_mut(DIM).enumerate() {
        let rate = alpha * (grid.dist2(k, winner) * inv).exp();
        for (wd, &xd) in w.iter_mut().zip(x) {
            *wd += rate * (xd - *wd);
        }
    }
}

/// The map states at steps `at` of the run, for both variants.
fn snapshots(at: &[u64]) -> Vec<(Vec<f32>, Vec<f32>)> {
    let g = grid();
    let training = Training {
        shape: Shape::Gaussian,
        alpha: ALPHA,
        sigma: SIGMA,
        cutoff: 0.0,
        clock: Clock::Sample,
    };
    let mut blocked = initial();
    let mut row_major = vec![0.0; UNITS * DIM];
    layout::to_row_major(&blocked, UNITS, DIM, &mut row_major).expect("layout");
    let mut plain = row_major.clone();
    let mut out = Vec::new();
    // Time every tenth of the run, for the printed profile.
    let tenth = STEPS / 10;
    let (mut fast, mut slow) = (Duration::ZERO, Duration::ZERO);
    let mut profile = Vec::new();
    for t in 0..STEPS {
        if at.contains(&t) {
            out.push((blocked.clone(), plain.clone()));
        }
        let x = sample(t);
        let start = Instant::now();
        let mut map = MapMut::new(g, DIM, &mut blocked).expect("map");
        training.step(&mut map, x, t, STEPS).expect("step");
        let mid = Instant::now();
        step_without_flush(&mut plain, &g, x, SIGMA.at(t, STEPS), ALPHA.at(t, STEPS));
        fast += mid - start;
        slow += mid.elapsed();
        if (t + 1) % tenth == 0 {
            profile.push((SIGMA.at(t, STEPS), fast / tenth as u32, slow / tenth as u32));
            (fast, slow) = (Duration::ZERO, Duration::ZERO);
        }
    }
    eprintln!("denormals: mean time per step over each tenth of a {STEPS}-step run");
    eprintln!("  sigma at end   kernel    scalar without flush");
    for (sigma, fast, slow) in profile {
        eprintln!("  {sigma:12.2} {:8.2?} {:10.2?}", fast, slow);
    }
    out
}

fn denormals(c: &mut Criterion) {
    // Early (widest neighbourhood), late (far units' h subnormal without the flush), end.
    let phases = [0, STEPS * 9 / 10, STEPS - 1];
    let states = snapshots(&phases);
    let g = grid();
    let mut group = c.benchmark_group("denormals");
    group.throughput(Throughput::Elements((UNITS * DIM) as u64));
    for (&t, (blocked, plain)) in phases.iter().zip(states) {
        let (sigma, alpha) = (SIGMA.at(t, STEPS), ALPHA.at(t, STEPS));
        let label = format!("step {t} sigma {sigma:.2}");
        let nb = Neighbourhood::new(Shape::Gaussian, sigma).expect("sigma");
        let mut blocked = blocked;
        let mut map = MapMut::new(g, DIM, &mut blocked).expect("map");
        let mut i = t;
        group.bench_function(BenchmarkId::new("kernel", &label), |b| {
            b.iter(|| {
                i += 1;
                black_box(map.train_step(sample(i), &nb, alpha).expect("step"));
            })
        });
        let mut plain = plain;
        let mut i = t;
        group.bench_function(BenchmarkId::new("scalar-without-flush", &label), |b| {
            b.iter(|| {
                i += 1;
                step_without_flush(black_box(&mut plain), &g, sample(i), sigma, alpha);
            })
        });
    }
    group.finish();
}

// Short windows keep a full `cargo bench` under ten minutes on two cores.
criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = denormals
}
criterion_main!(benches);
