//! The pruned many-sample search (`bmu::Projection`) against the exhaustive one: the same
//! answers bit for bit (unit, distance, ties to the lowest unit) at every SIMD level, on
//! codebooks shaped as trained maps are (a low-dimensional sheet plus noise), far from the
//! origin or near it, huge or tiny, with ties, duplicates, missing values and non-finite input.
#![cfg(feature = "pruning")]

use proptest::prelude::*;
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};
use som_kernel::bmu::{MIN_DIM, MIN_UNITS, Projection, SEGMENT};
use som_kernel::simd::Level;
use som_kernel::{BatchStats, Bmu, Error, Grid, Map, Missing, blocked_len, layout};

fn every_level() -> Vec<Level> {
    Level::ALL.into_iter().filter(|l| l.available()).collect()
}

/// A value in `[-1, 1)`.
fn unit_noise(rng: &mut Xoshiro256PlusPlus) -> f32 {
    (rng.next_u32() >> 8) as f32 / (1u32 << 23) as f32 - 1.0
}

/// A map-like codebook (row-major): a sheet over two directions plus `noise`, all times
/// `scale` and moved by `offset`; `twins` units copied onto others (exact ties).
fn codebook(
    rng: &mut Xoshiro256PlusPlus,
    (units, dim): (usize, usize),
    (noise, scale, offset): (f32, f32, f32),
    twins: usize,
) -> Vec<f32> {
    let (a, b): (Vec<f32>, Vec<f32>) = (0..dim).map(|_| (unit_noise(rng), unit_noise(rng))).unzip();
    let side = (units as f64).sqrt().ceil() as usize;
    let mut rows = vec![0.0; units * dim];
    for (k, row) in rows.chunks_exact_mut(dim).enumerate() {
        let (i, j) = (
            (k / side) as f32 / side as f32,
            (k % side) as f32 / side as f32,
        );
        for (d, w) in row.iter_mut().enumerate() {
            *w = (a[d] * i + b[d] * j + noise * unit_noise(rng)) * scale + offset;
        }
    }
    for t in 0..twins.min(units / 2) {
        let (from, to) = (t * 7 % units, (t * 13 + 1) % units);
        let copy: Vec<f32> = rows[from * dim..(from + 1) * dim].to_vec();
        rows[to * dim..(to + 1) * dim].copy_from_slice(&copy);
    }
    rows
}

/// Samples near units (some on a unit exactly, some halfway between two: ties), and some
/// anywhere in the codebook's box.
fn samples(
    rng: &mut Xoshiro256PlusPlus,
    rows: &[f32],
    dim: usize,
    n: usize,
    spread: f32,
) -> Vec<f32> {
    let units = rows.len() / dim;
    let mut data = Vec::with_capacity(n * dim);
    for s in 0..n {
        let (k, l) = (
            rng.next_u32() as usize % units,
            rng.next_u32() as usize % units,
        );
        let (w, v) = (&rows[k * dim..(k + 1) * dim], &rows[l * dim..(l + 1) * dim]);
        for d in 0..dim {
            data.push(match s % 4 {
                0 => w[d],
                1 => 0.5 * w[d] + 0.5 * v[d],
                2 => w[d] + spread * unit_noise(rng),
                _ => w[d] + 20.0 * spread * unit_noise(rng),
            });
        }
    }
    data
}

fn bits(b: &[Bmu]) -> Vec<(usize, u32)> {
    b.iter().map(|b| (b.unit, b.dist2.to_bits())).collect()
}

/// Every many-sample answer through the projection is the exhaustive one, at `level`: BMUs,
/// quantization errors and batch statistics.
fn check(level: Level, grid: Grid, dim: usize, rows: &[f32], data: &[f32], missing: Missing) {
    let units = grid.units();
    let mut weights = vec![0.0; blocked_len(units, dim)];
    layout::to_blocked(rows, units, dim, &mut weights).unwrap();
    let map = Map::new(grid, dim, &weights)
        .unwrap()
        .with_simd(level)
        .unwrap()
        .with_missing(missing)
        .unwrap();
    let mut space = vec![0.0; Projection::space_len(dim)];
    let mut projected = vec![0.0; Projection::projected_len(units)];
    let projection = map.projection(&mut space, &mut projected).unwrap();
    let finite = rows.iter().all(|w| w.is_finite());
    assert_eq!(
        projection.prunes(),
        finite && dim >= MIN_DIM && units >= MIN_UNITS,
        "prunes {units} units of {dim}"
    );
    let pruned = map.with_projection(&projection).unwrap();
    let n = data.len() / dim;
    let (mut want, mut got) = (vec![Bmu::NONE; n], vec![Bmu::NONE; n]);
    map.bmu_many(data, &mut want).unwrap();
    pruned.bmu_many(data, &mut got).unwrap();
    assert_eq!(bits(&got), bits(&want), "{level:?}: {units} units of {dim}");
    for (x, b) in data.chunks_exact(dim).zip(&got) {
        assert_eq!(bits(&[map.bmu(x).unwrap()]), bits(&[*b]));
    }
    let qe = |m: &Map<'_>| m.quantization_error(data).unwrap().to_bits();
    assert_eq!(qe(&pruned), qe(&map));
    let stats = |m: &Map<'_>| {
        let (mut hits, mut sums, mut counts) =
            (vec![0; units], vec![0.0; units * dim], vec![0; units * dim]);
        let mut stats = BatchStats::new(&mut hits, &mut sums, units, dim).unwrap();
        if missing == Missing::Mask {
            stats = stats.with_counts(&mut counts).unwrap();
        }
        let qe = stats.accumulate(m, data).map(f64::to_bits);
        (
            hits,
            sums.iter().map(|s| s.to_bits()).collect::<Vec<_>>(),
            counts,
            qe,
        )
    };
    assert_eq!(stats(&pruned), stats(&map));
}

fn sizes() -> impl Strategy<Value = (usize, usize, usize)> {
    // Rows and columns of the grid, and dim: around the lane widths, the thresholds and the
    // axes' count.
    (
        1usize..=18,
        1usize..=20,
        prop_oneof![1usize..=17, MIN_DIM - 2..=MIN_DIM + 2, 19usize..=70],
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 2 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Any codebook shape, scale and offset; noise from a flat sheet to none of a sheet.
    #[test]
    fn pruned_is_exhaustive_bit_for_bit(
        level in prop::sample::select(every_level()),
        (rows, cols, dim) in sizes(),
        noise in prop_oneof![Just(0.0f32), 0.001f32..0.05, 0.05f32..1.0],
        scale in prop_oneof![Just(1.0f32), 1e-18f32..1e-15, 1e-3f32..1e3, 1e15f32..1e17],
        offset in prop_oneof![Just(0.0f32), -10.0f32..10.0, 1e3f32..1e5],
        twins in 0usize..5,
        seed in any::<u64>(),
    ) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let grid = Grid::new(rows, cols).unwrap();
        let rows = codebook(&mut rng, (grid.units(), dim), (noise, scale, offset), twins);
        let data = samples(&mut rng, &rows, dim, 37, noise.max(0.01) * scale);
        check(level, grid, dim, &rows, &data, Missing::Error);
    }

    /// Quarter integers: distances exact, so ties are exact ties (the lowest unit wins).
    #[test]
    fn ties_on_exact_data_go_to_the_lowest_unit(
        level in prop::sample::select(every_level()),
        (rows, cols, dim) in sizes(),
        seed in any::<u64>(),
    ) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let grid = Grid::new(rows, cols).unwrap();
        let quarter = |rng: &mut Xoshiro256PlusPlus| (rng.next_u32() % 5) as f32 * 0.25;
        let rows: Vec<f32> = (0..grid.units() * dim).map(|_| quarter(&mut rng)).collect();
        let data: Vec<f32> = (0..29 * dim).map(|_| quarter(&mut rng)).collect();
        check(level, grid, dim, &rows, &data, Missing::Error);
    }
}

/// A codebook longer than a segment: the bounds of one segment at a time.
#[test]
fn several_segments() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let grid = Grid::new(50, SEGMENT / 40 + 5).unwrap();
    assert!(grid.units() > 2 * SEGMENT / 2 + 100);
    let dim = MIN_DIM + 3;
    let rows = codebook(&mut rng, (grid.units(), dim), (0.02, 3.0, 1.0), 3);
    let data = samples(&mut rng, &rows, dim, 64, 0.05);
    for level in every_level() {
        check(level, grid, dim, &rows, &data, Missing::Error);
    }
}

/// NaN and infinities in samples: the exhaustive search's answer (unit 0 at `+inf`, or the
/// masked search's); in the codebook: a projection that prunes nothing.
#[test]
fn non_finite_values() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let grid = Grid::new(12, 12).unwrap();
    let dim = 24;
    let rows = codebook(&mut rng, (grid.units(), dim), (0.05, 1.0, 0.0), 0);
    let mut data = samples(&mut rng, &rows, dim, 16, 0.05);
    data[3] = f32::NAN;
    data[dim + 5] = f32::INFINITY;
    data[2 * dim..3 * dim].fill(f32::NAN);
    data[3 * dim + 1] = f32::MAX;
    for level in every_level() {
        check(level, grid, dim, &rows, &data, Missing::Error);
        #[cfg(feature = "missing")]
        check(level, grid, dim, &rows, &data, Missing::Mask);
        let mut bad = rows.clone();
        bad[10] = f32::NAN;
        check(level, grid, dim, &bad, &data, Missing::Error);
        bad[10] = f32::INFINITY;
        check(level, grid, dim, &bad, &data, Missing::Error);
    }
}

#[test]
fn a_projection_serves_only_the_weights_it_was_made_from() {
    let (grid, dim) = (Grid::new(10, 10).unwrap(), 20);
    let (a, b) = (
        vec![0.5; blocked_len(100, dim)],
        vec![0.5; blocked_len(100, dim)],
    );
    let (map_a, map_b) = (
        Map::new(grid, dim, &a).unwrap(),
        Map::new(grid, dim, &b).unwrap(),
    );
    let mut space = vec![0.0; Projection::space_len(dim)];
    let mut projected = vec![0.0; Projection::projected_len(100)];
    let projection = map_a.projection(&mut space, &mut projected).unwrap();
    assert!(map_a.with_projection(&projection).is_ok());
    assert!(matches!(
        map_b.with_projection(&projection),
        Err(Error::Unsupported { .. })
    ));
    let mut short = vec![0.0; Projection::space_len(dim) - 1];
    let mut projected = vec![0.0; Projection::projected_len(100)];
    let err = map_a.projection(&mut short, &mut projected).unwrap_err();
    assert!(matches!(err, Error::Length { expected, got, .. } if got + 1 == expected));
}
