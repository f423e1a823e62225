//! Long runs: numbers that must hold after millions of steps.
//!
//! - One million streamed online updates on a 10x10 map at a constant learning rate keep every
//!   weight finite and inside the range of the data seen.
//! - Batch statistics over ten million samples agree with an independent `f64` reference to
//!   1e-5 relative, in one pass and as shards merged.
//!
//! Both are ignored under Miri (far too slow there) and take a second or two each in the
//! default optimised test build.

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};
use som_kernel::init::unit_f32;
use som_kernel::{
    BatchStats, Clock, Grid, Map, MapMut, Schedule, Shape, Training, blocked_len, init, layout,
};

const ROWS: usize = 10;
const COLS: usize = 10;
const UNITS: usize = ROWS * COLS;

/// Per-dimension ranges of the stream, of very different scales.
const LOW: [f32; 4] = [-5.0, 0.0, 1e-3, -1e4];
const HIGH: [f32; 4] = [5.0, 100.0, 2e-3, 3e4];

/// A sample of the stream: mostly uniform in the box, now and then exactly on a corner, or a
/// burst near one face (so that some units are pulled hard towards the edges).
fn sample(rng: &mut Xoshiro256PlusPlus, out: &mut [f32; 4]) {
    let kind = rng.next_u32() % 100;
    for (d, v) in out.iter_mut().enumerate() {
        let u = unit_f32(rng);
        let (lo, hi) = (LOW[d], HIGH[d]);
        *v = match kind {
            0 => lo,
            1 => hi,
            2..=9 => hi - (hi - lo) * 1e-3 * u,
            _ => lo + (hi - lo) * u,
        }
        .clamp(lo, hi);
    }
}

#[test]
#[cfg_attr(miri, ignore = "a million steps")]
fn a_million_streamed_updates_stay_finite_and_inside_the_data() {
    const STEPS: u64 = 1_000_000;
    let dim = 4;
    let grid = Grid::new(ROWS, COLS).unwrap();
    let mut weights = vec![0.0f32; blocked_len(UNITS, dim)];
    let mut map = MapMut::new(grid, dim, &mut weights).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0x5eed);

    // Initialise from the first samples of the stream, so the map starts inside the data.
    let mut first = Vec::with_capacity(UNITS * dim);
    let mut x = [0.0f32; 4];
    for _ in 0..UNITS {
        sample(&mut rng, &mut x);
        first.extend_from_slice(&x);
    }
    init::samples(&mut map, &mut rng, &first).unwrap();
    let start = map.as_map().weights().to_vec();

    // Endless training: constant learning rate and width, the step counter never ends.
    let training = Training {
        shape: Shape::Gaussian,
        alpha: Schedule::Constant(0.05),
        sigma: Schedule::Constant(1.5),
        cutoff: 0.0,
        clock: Clock::Sample,
    };
    let check = |map: &MapMut<'_>, t: u64| {
        let view = map.as_map();
        for k in 0..UNITS {
            for d in 0..dim {
                let w = view.weight(k, d).unwrap();
                assert!(
                    w.is_finite() && (LOW[d]..=HIGH[d]).contains(&w),
                    "step {t}: unit {k} dim {d} = {w} outside [{}, {}]",
                    LOW[d],
                    HIGH[d]
                );
            }
        }
    };
    for t in 0..STEPS {
        sample(&mut rng, &mut x);
        training.step(&mut map, &x, t, u64::MAX).unwrap();
        if t % 50_000 == 0 {
            check(&map, t);
        }
    }
    check(&map, STEPS);
    // It learned: the map moved, and the edges of the data are well covered.
    assert_ne!(map.as_map().weights(), &start[..]);
    let corner = map.as_map().bmu(&HIGH).unwrap();
    let span2: f32 = LOW.iter().zip(&HIGH).map(|(l, h)| (h - l) * (h - l)).sum();
    assert!(corner.dist2 < 0.01 * span2, "{corner:?}");
}

/// Neumaier's compensated sum: an `f64` reference far more exact than the plain `f64` sums
/// under test.
#[derive(Clone, Copy, Default)]
struct Compensated {
    sum: f64,
    c: f64,
}

impl Compensated {
    fn add(&mut self, v: f64) {
        let t = self.sum + v;
        if self.sum.abs() >= v.abs() {
            self.c += (self.sum - t) + v;
        } else {
            self.c += (v - t) + self.sum;
        }
        self.sum = t;
    }

    fn value(self) -> f64 {
        self.sum + self.c
    }
}

#[test]
#[cfg_attr(miri, ignore = "ten million samples")]
fn batch_statistics_of_ten_million_samples_match_an_f64_reference() {
    const SAMPLES: usize = 10_000_000;
    const CHUNK: usize = 1 << 16;
    let dim = 3;
    let grid = Grid::new(ROWS, COLS).unwrap();

    // Units on a lattice of prototypes at least `spacing` apart; each sample is a prototype
    // plus noise of norm below half the spacing, so its best-matching unit is known without a
    // search.
    let spacing = 10.0f32;
    let prototype = |k: usize| {
        let (r, c) = (k / COLS, k % COLS);
        [
            c as f32 * spacing,
            r as f32 * spacing,
            1000.0 + (k % 7) as f32,
        ]
    };
    let mut rows = Vec::with_capacity(UNITS * dim);
    for k in 0..UNITS {
        rows.extend_from_slice(&prototype(k));
    }
    let mut weights = vec![0.0f32; blocked_len(UNITS, dim)];
    layout::to_blocked(&rows, UNITS, dim, &mut weights).unwrap();
    let map = Map::new(grid, dim, &weights).unwrap();

    let mut rng = Xoshiro256PlusPlus::seed_from_u64(10_000_000);
    let mut want_hits = vec![0u64; UNITS];
    let mut want_sums = vec![Compensated::default(); UNITS * dim];
    // One pass over everything, and two shards merged.
    let (mut hits, mut sums) = (vec![0u64; UNITS], vec![0f64; UNITS * dim]);
    let mut whole = BatchStats::new(&mut hits, &mut sums, UNITS, dim).unwrap();
    let (mut h1, mut s1) = (vec![0u64; UNITS], vec![0f64; UNITS * dim]);
    let mut shard1 = BatchStats::new(&mut h1, &mut s1, UNITS, dim).unwrap();
    let (mut h2, mut s2) = (vec![0u64; UNITS], vec![0f64; UNITS * dim]);
    let mut shard2 = BatchStats::new(&mut h2, &mut s2, UNITS, dim).unwrap();

    let mut chunk = vec![0.0f32; CHUNK * dim];
    for c in 0..SAMPLES / CHUNK + 1 {
        let n = CHUNK.min(SAMPLES - c * CHUNK);
        let chunk = &mut chunk[..n * dim];
        for x in chunk.chunks_exact_mut(dim) {
            let k = (rng.next_u64() % UNITS as u64) as usize;
            let p = prototype(k);
            for (v, centre) in x.iter_mut().zip(p) {
                // Up to a quarter of the spacing in each of the 3 dimensions: norm < 0.44.
                *v = centre + (unit_f32(&mut rng) - 0.5) * 0.5 * spacing;
            }
            want_hits[k] += 1;
            for (s, &v) in want_sums[k * dim..(k + 1) * dim].iter_mut().zip(x.iter()) {
                s.add(f64::from(v));
            }
        }
        whole.accumulate(&map, chunk).unwrap();
        if c % 2 == 0 {
            shard1.accumulate(&map, chunk).unwrap();
        } else {
            shard2.accumulate(&map, chunk).unwrap();
        }
    }
    shard1.merge(shard2.hits(), shard2.sums()).unwrap();

    assert_eq!(want_hits.iter().sum::<u64>(), SAMPLES as u64);
    for stats in [&whole, &shard1] {
        assert_eq!(stats.hits(), &want_hits[..]);
        for (i, (got, want)) in stats.sums().iter().zip(&want_sums).enumerate() {
            let want = want.value();
            let rel = (got - want).abs() / want.abs();
            assert!(
                rel <= 1e-5,
                "unit {} dim {}: {got} vs {want} ({rel:e} relative)",
                i / dim,
                i % dim
            );
        }
    }
}
