//! Every SIMD path against the scalar reference (`som_kernel::reference`), the spec.
//!
//! Exact agreement (unit indices, tie-breaks, distances) on exactly representable data: small
//! integers times 1/4, whose squared distances are exact in `f32` with or without FMA. With
//! general floats, a tolerance: the unit chosen by SIMD is never farther than the true minimum
//! plus `BMU_TOL` relative.

use proptest::prelude::*;
use som_kernel::simd::Level;
use som_kernel::{
    BatchStats, Bmu, Boundary, Clock, Distance, Grid, Map, MapMut, Neighbourhood, Schedule, Shape,
    Topology, Training, layout, reference,
};

/// Relative slack for distances computed in a different order or with FMA.
const BMU_TOL: f32 = 1e-5;

/// Every SIMD level this machine runs: each property draws one per case, each plain test runs
/// at all of them.
fn every_level() -> Vec<Level> {
    Level::ALL.into_iter().filter(|l| l.available()).collect()
}

fn levels() -> impl Strategy<Value = Level> {
    prop::sample::select(every_level())
}

/// The distances this build searches by (all with the feature `distances`).
fn distances() -> impl Strategy<Value = Distance> {
    let all = if cfg!(feature = "distances") {
        Distance::ALL.to_vec()
    } else {
        vec![Distance::Euclidean]
    };
    prop::sample::select(all)
}

fn blocked(rm: &[f32], units: usize, dim: usize) -> Vec<f32> {
    let mut b = vec![0.0; som_kernel::blocked_len(units, dim)];
    layout::to_blocked(rm, units, dim, &mut b).unwrap();
    b
}

fn row_major(bl: &[f32], units: usize, dim: usize) -> Vec<f32> {
    let mut rm = vec![0.0; units * dim];
    layout::to_row_major(bl, units, dim, &mut rm).unwrap();
    rm
}

fn grid() -> impl Strategy<Value = Grid> {
    // Small maps under Miri, where every operation is interpreted.
    let (rows, cols) = if cfg!(miri) { (3, 10) } else { (9, 20) };
    (1usize..=rows, 1usize..=cols, any::<bool>(), any::<bool>()).prop_map(|(r, c, hex, torus)| {
        let topology = if hex {
            Topology::Hexagonal
        } else {
            Topology::Rectangular
        };
        let boundary = if torus {
            Boundary::Toroidal
        } else {
            Boundary::Planar
        };
        let r = if hex && torus && r % 2 == 1 { r + 1 } else { r };
        Grid::with(r, c, topology, boundary).unwrap()
    })
}

/// Small integers times 1/4: every squared distance below 2^24 / 16 is exact.
fn exact() -> impl Strategy<Value = f32> + Clone {
    (-8i32..=8).prop_map(|v| v as f32 * 0.25)
}

fn exact_or_special() -> impl Strategy<Value = f32> + Clone {
    prop_oneof![
        20 => exact(),
        1 => Just(f32::NAN),
        1 => Just(f32::INFINITY),
        1 => Just(f32::NEG_INFINITY),
    ]
}

fn float() -> impl Strategy<Value = f32> + Clone {
    -100.0f32..100.0
}

/// A map and samples: (grid, dim, row-major codebook, flat samples).
fn case<S: Strategy<Value = f32> + Clone>(
    value: S,
    max_dim: usize,
    max_samples: usize,
) -> impl Strategy<Value = (Grid, usize, Vec<f32>, Vec<f32>)> {
    let (max_dim, max_samples) = if cfg!(miri) {
        (max_dim.min(9), max_samples.min(4))
    } else {
        (max_dim, max_samples)
    };
    (grid(), 1..=max_dim, 0..=max_samples).prop_flat_map(move |(g, dim, n)| {
        (
            Just(g),
            Just(dim),
            prop::collection::vec(value.clone(), g.units() * dim),
            prop::collection::vec(value.clone(), n * dim),
        )
    })
}

fn neighbourhood() -> impl Strategy<Value = Neighbourhood> {
    let shape = prop_oneof![
        Just(Shape::Gaussian),
        Just(Shape::Bubble),
        Just(Shape::Triangle),
        Just(Shape::MexicanHat)
    ];
    let cutoff = prop_oneof![Just(0.0f32), 1e-4f32..0.5];
    (shape, 0.05f32..12.0, cutoff).prop_map(|(s, sigma, c)| {
        Neighbourhood::new(s, sigma)
            .unwrap()
            .with_cutoff(c)
            .unwrap()
    })
}

/// Non-negative neighbourhoods for the batch apply: mostly Gaussian (the separable path on
/// rectangular lattices, the general one on hexagonal), widths from far below one unit to far
/// beyond the map, with and without cut-off.
fn batch_neighbourhood() -> impl Strategy<Value = Neighbourhood> {
    let shape = prop_oneof![
        3 => Just(Shape::Gaussian),
        1 => Just(Shape::Bubble),
        1 => Just(Shape::Triangle),
    ];
    let sigma = prop_oneof![0.01f32..0.3, 0.3f32..12.0, 12.0f32..1e4];
    let cutoff = prop_oneof![Just(0.0f32), 1e-4f32..0.5];
    (shape, sigma, cutoff).prop_map(|(s, sigma, c)| {
        Neighbourhood::new(s, sigma)
            .unwrap()
            .with_cutoff(c)
            .unwrap()
    })
}

/// `a` and `b` agree to `tol` relative to `scale` (and NaN matches NaN).
fn near(a: f32, b: f32, tol: f32, scale: f32) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= tol * scale.max(1.0)
}

/// Grids whose unit count is at or next to a multiple of the lane width (and some with at
/// least eight columns, where the Gaussian takes the separable tables), any lattice and
/// boundary.
fn grid_near_lanes() -> impl Strategy<Value = Grid> {
    let rows = if cfg!(miri) { 2 } else { 6 };
    let blocks = if cfg!(miri) { 2usize } else { 5 };
    (
        1usize..=rows,
        1..=blocks,
        -1i32..=1,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(r, k, delta, hex, torus)| {
            let topology = if hex {
                Topology::Hexagonal
            } else {
                Topology::Rectangular
            };
            let boundary = if torus {
                Boundary::Toroidal
            } else {
                Boundary::Planar
            };
            // One row of 8k - 1, 8k or 8k + 1 units, or r rows of them.
            let cols = (8 * k as i32 + delta) as usize;
            let r = if hex && torus && r % 2 == 1 { r + 1 } else { r };
            Grid::with(r, cols, topology, boundary).unwrap()
        })
}

/// Weights: mostly general floats, now and then exact ties, NaN or an infinity.
fn weight() -> impl Strategy<Value = f32> + Clone {
    prop_oneof![
        40 => float(),
        4 => exact(),
        1 => Just(f32::NAN),
        1 => Just(f32::INFINITY),
        1 => Just(f32::NEG_INFINITY),
    ]
}

/// Any neighbourhood shape, narrow to wide, with or without a cut-off.
fn any_neighbourhood() -> impl Strategy<Value = Neighbourhood> {
    let shape = prop_oneof![
        3 => Just(Shape::Gaussian),
        1 => Just(Shape::Bubble),
        1 => Just(Shape::Triangle),
        1 => Just(Shape::MexicanHat)
    ];
    let cutoff = prop_oneof![Just(0.0f32), 1e-4f32..0.5];
    (shape, 0.05f32..12.0, cutoff).prop_map(|(s, sigma, c)| {
        Neighbourhood::new(s, sigma)
            .unwrap()
            .with_cutoff(c)
            .unwrap()
    })
}

/// A map for the fused step and a chain of samples to step through: (grid, dim, blocked
/// codebook, samples).
fn fused_case() -> impl Strategy<Value = (Grid, usize, Vec<f32>, Vec<f32>)> {
    let max_dim: usize = if cfg!(miri) { 9 } else { 70 };
    (
        prop_oneof![grid_near_lanes(), grid()],
        1..=max_dim,
        2..=4usize,
    )
        .prop_flat_map(|(g, dim, n)| {
            (
                Just(g),
                Just(dim),
                prop::collection::vec(weight(), g.units() * dim),
                prop::collection::vec(prop_oneof![4 => float(), 1 => exact()], n * dim),
            )
        })
        .prop_map(|(g, dim, cb, data)| {
            let bl = blocked(&cb, g.units(), dim);
            (g, dim, bl, data)
        })
}

/// Bit patterns, so that equal means bit for bit; every NaN is one pattern, because the sign
/// and payload of a NaN that arithmetic produces are not specified (Miri varies them).
fn bit(v: f32) -> u32 {
    if v.is_nan() {
        f32::NAN.to_bits()
    } else {
        v.to_bits()
    }
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().copied().map(bit).collect()
}

fn bmu_bits(b: Bmu) -> (usize, u32) {
    (b.unit, bit(b.dist2))
}

proptest! {
    // Under Miri: few cases, and no regression file (isolation forbids reading the disk).
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 256 },
        failure_persistence: if cfg!(miri) { None } else { ProptestConfig::default().failure_persistence },
        ..ProptestConfig::default()
    })]

    #[test]
    fn bmu_exact_on_representable_data(level in levels(), (g, dim, cb, data) in case(exact_or_special(), 70, 9)) {
        let bl = blocked(&cb, g.units(), dim);
        let map = Map::new(g, dim, &bl).unwrap().with_simd(level).unwrap();
        let mut many = vec![Bmu { unit: 0, dist2: 0.0 }; data.len() / dim];
        map.bmu_many(&data, &mut many).unwrap();
        for (x, m) in data.chunks_exact(dim).zip(&many) {
            let want = reference::bmu(&cb, dim, x);
            prop_assert_eq!(map.bmu(x).unwrap(), want);
            prop_assert_eq!(*m, want);
            prop_assert_eq!(map.bmu2(x).unwrap(), reference::bmu2(&cb, dim, x));
        }
    }

    /// The many-sample search takes a faster route (the expanded form, certified against
    /// rounding) but must answer exactly what the one-sample search answers, on any data:
    /// representable values (many exact ties), general floats, and non-finite samples.
    #[test]
    fn bmu_many_is_bmu_bit_for_bit(
        level in levels(),
        (g, dim, cb, data) in prop_oneof![
            case(exact(), 70, 40),
            case(float(), 70, 40),
            case(-1.0e3f32..1.0e3, 70, 40).prop_flat_map(|(g, dim, cb, data)| {
                let n = data.len();
                (Just(g), Just(dim), Just(cb), prop::collection::vec(exact_or_special(), n))
            }),
        ]
    ) {
        let bl = blocked(&cb, g.units(), dim);
        let map = Map::new(g, dim, &bl).unwrap().with_simd(level).unwrap();
        let mut many = vec![Bmu { unit: 0, dist2: 0.0 }; data.len() / dim];
        map.bmu_many(&data, &mut many).unwrap();
        for (x, m) in data.chunks_exact(dim).zip(&many) {
            let one = map.bmu(x).unwrap();
            prop_assert_eq!(m.unit, one.unit);
            prop_assert_eq!(bit(m.dist2), bit(one.dist2));
        }
    }

    #[test]
    fn bmu_within_tolerance_on_floats(level in levels(), (g, dim, cb, data) in case(float(), 70, 9)) {
        let bl = blocked(&cb, g.units(), dim);
        let map = Map::new(g, dim, &bl).unwrap().with_simd(level).unwrap();
        let mut many = vec![Bmu { unit: 0, dist2: 0.0 }; data.len() / dim];
        map.bmu_many(&data, &mut many).unwrap();
        for (x, m) in data.chunks_exact(dim).zip(&many) {
            let truth = reference::bmu(&cb, dim, x).dist2;
            let ref_dist = |k: usize| reference::dist2(x, &cb[k * dim..(k + 1) * dim]);
            for got in [map.bmu(x).unwrap(), *m] {
                prop_assert!(ref_dist(got.unit) <= truth * (1.0 + BMU_TOL));
                prop_assert!(near(got.dist2, ref_dist(got.unit), BMU_TOL, truth));
            }
            let [a, b] = map.bmu2(x).unwrap();
            let [ra, rb] = reference::bmu2(&cb, dim, x);
            prop_assert!(a.unit != b.unit || g.units() == 1);
            prop_assert!(ref_dist(a.unit) <= ra.dist2 * (1.0 + BMU_TOL));
            if g.units() > 1 {
                prop_assert!(ref_dist(b.unit) <= rb.dist2 * (1.0 + BMU_TOL));
            }
        }
    }

    /// Every distance on exactly representable data: sums of products and of absolute
    /// differences are exact, so the searches give the reference's units and distances bit
    /// for bit (NaN and infinities included).
    #[test]
    fn every_distance_exact_on_representable_data(
        level in levels(),
        distance in distances(),
        (g, dim, cb, data) in case(exact_or_special(), 70, 9),
    ) {
        let bl = blocked(&cb, g.units(), dim);
        let map = Map::new(g, dim, &bl).unwrap().with_simd(level).unwrap().with_distance(distance).unwrap();
        let mut many = vec![Bmu { unit: 0, dist2: 0.0 }; data.len() / dim];
        map.bmu_many(&data, &mut many).unwrap();
        for (x, m) in data.chunks_exact(dim).zip(&many) {
            let want = bmu_bits(reference::bmu_by(distance, &cb, dim, x));
            prop_assert_eq!(bmu_bits(map.bmu(x).unwrap()), want);
            prop_assert_eq!(bmu_bits(*m), want);
            let [a, b] = map.bmu2(x).unwrap();
            let [ra, rb] = reference::bmu2_by(distance, &cb, dim, x);
            prop_assert_eq!((bmu_bits(a), bmu_bits(b)), (bmu_bits(ra), bmu_bits(rb)));
        }
    }

    /// Every distance on general floats: the unit found is, by the reference's measure, within
    /// rounding of the nearest (products summed with FMA or in another order).
    #[test]
    fn every_distance_near_the_reference_on_floats(
        level in levels(),
        distance in distances(),
        (g, dim, cb, data) in case(float(), 70, 9),
    ) {
        let bl = blocked(&cb, g.units(), dim);
        let map = Map::new(g, dim, &bl).unwrap().with_simd(level).unwrap().with_distance(distance).unwrap();
        let mut many = vec![Bmu { unit: 0, dist2: 0.0 }; data.len() / dim];
        map.bmu_many(&data, &mut many).unwrap();
        for (x, m) in data.chunks_exact(dim).zip(&many) {
            let at = |k: usize| reference::distance(distance, x, &cb[k * dim..(k + 1) * dim]);
            let best = reference::bmu_by(distance, &cb, dim, x).dist2;
            // Cosine distances lie in [0, 2]: an absolute slack of (dim + 2) eps, twice.
            let slack = match distance {
                Distance::Cosine => 2.0 * (dim as f32 + 2.0) * f32::EPSILON,
                _ => best.abs() * BMU_TOL,
            };
            for unit in [map.bmu(x).unwrap().unit, m.unit] {
                prop_assert!(at(unit) <= best + slack, "{distance}: unit {unit} at {} > {best}", at(unit));
            }
        }
    }

    #[test]
    fn fused_update_then_bmu_is_update_then_bmu_bit_for_bit(
        level in levels(),
        distance in distances(),
        (g, dim, bl, data) in fused_case(),
        nb in any_neighbourhood(),
        alpha in 0.001f32..1.0,
        winner in any::<prop::sample::Index>(),
    ) {
        let units = g.units();
        let (mut fused, mut apart) = (bl.clone(), bl);
        let mut w_fused = winner.index(units);
        let mut w_apart = w_fused;
        for (x, next) in data.chunks_exact(dim).zip(data.chunks_exact(dim).skip(1)) {
            let got = MapMut::new(g, dim, &mut fused).unwrap().with_simd(level).unwrap()
                .with_distance(distance).unwrap()
                .update_then_bmu(x, w_fused, &nb, alpha, next)
                .unwrap();
            let mut map = MapMut::new(g, dim, &mut apart).unwrap().with_simd(level).unwrap()
                .with_distance(distance).unwrap();
            map.update(x, w_apart, &nb, alpha).unwrap();
            let want = map.as_map().bmu(next).unwrap();
            prop_assert_eq!(bmu_bits(got), bmu_bits(want));
            prop_assert_eq!(bits(&fused), bits(&apart));
            (w_fused, w_apart) = (got.unit, want.unit);
        }
    }

    #[test]
    fn fused_training_is_stepwise_training_bit_for_bit(
        level in levels(),
        (g, dim, bl, data) in fused_case(),
        shape in prop_oneof![Just(Shape::Gaussian), Just(Shape::Bubble), Just(Shape::MexicanHat)],
        cutoff in prop_oneof![Just(0.0f32), 1e-4f32..0.5],
        epochs in 0u64..3,
        by_epoch in any::<bool>(),
        sigma in 0.5f32..8.0,
    ) {
        let training = Training {
            shape,
            alpha: Schedule::Linear { start: 0.5, end: 0.01 },
            sigma: Schedule::Asymptotic { start: sigma },
            cutoff,
            clock: if by_epoch { Clock::Epoch } else { Clock::Sample },
        };
        let (mut fused, mut stepwise) = (bl.clone(), bl);
        training.online(&mut MapMut::new(g, dim, &mut fused).unwrap().with_simd(level).unwrap(), &data, epochs).unwrap();
        let mut map = MapMut::new(g, dim, &mut stepwise).unwrap().with_simd(level).unwrap();
        let n = (data.len() / dim) as u64;
        let total = if by_epoch { epochs } else { epochs * n };
        for e in 0..epochs {
            for (i, x) in data.chunks_exact(dim).enumerate() {
                let t = if by_epoch { e } else { e * n + i as u64 };
                training.step(&mut map, x, t, total).unwrap();
            }
        }
        prop_assert_eq!(bits(&fused), bits(&stepwise));
    }

    #[test]
    fn update_matches_reference(
        level in levels(),
        (g, dim, cb, data) in case(float(), 70, 3),
        nb in neighbourhood(),
        alpha in 0.001f32..1.0,
        winner in any::<prop::sample::Index>(),
    ) {
        let mut bl = blocked(&cb, g.units(), dim);
        let mut want = cb.clone();
        let mut map = MapMut::new(g, dim, &mut bl).unwrap().with_simd(level).unwrap();
        for x in data.chunks_exact(dim) {
            let w = winner.index(g.units());
            map.update(x, w, &nb, alpha).unwrap();
            reference::update(&mut want, &g, dim, x, w, &nb, alpha);
        }
        let got = row_major(&bl, g.units(), dim);
        for (a, b) in got.iter().zip(&want) {
            // h differs by a few ULP between vector and libm exp, so each step may differ by
            // a few ULP of |x - w| <= 200; near the cut-off a unit may be in for one and out
            // for the other, moving it by at most alpha * cutoff * |x - w|.
            let steps = (data.len() / dim) as f32;
            let slack = steps * 200.0 * (1e-6 + alpha * nb.cutoff());
            prop_assert!(near(*a, *b, slack, 1.0), "{} vs {}", a, b);
        }
    }

    #[test]
    fn bubble_update_is_exact_on_representable_data(
        level in levels(),
        (g, dim, cb, data) in case(exact(), 40, 3),
        radius in 0.5f32..4.0,
        winner in any::<prop::sample::Index>(),
    ) {
        // Bubble h is exactly 0 or 1 and alpha = 0.5 keeps every step exact.
        let nb = Neighbourhood::new(Shape::Bubble, radius).unwrap();
        let mut bl = blocked(&cb, g.units(), dim);
        let mut want = cb.clone();
        let mut map = MapMut::new(g, dim, &mut bl).unwrap().with_simd(level).unwrap();
        for x in data.chunks_exact(dim) {
            let w = winner.index(g.units());
            map.update(x, w, &nb, 0.5).unwrap();
            reference::update(&mut want, &g, dim, x, w, &nb, 0.5);
        }
        prop_assert_eq!(row_major(&bl, g.units(), dim), want);
    }

    #[test]
    fn batch_statistics_exact_and_shards_merge(level in levels(), (g, dim, cb, data) in case(exact(), 40, 12)) {
        let units = g.units();
        let bl = blocked(&cb, units, dim);
        let map = Map::new(g, dim, &bl).unwrap().with_simd(level).unwrap();
        let (mut hits, mut sums) = (vec![0u64; units], vec![0f64; units * dim]);
        let mut stats = BatchStats::new(&mut hits, &mut sums, units, dim).unwrap();
        stats.accumulate(&map, &data).unwrap();
        let (mut rh, mut rs) = (vec![0u64; units], vec![0f64; units * dim]);
        reference::accumulate(&cb, dim, &data, &mut rh, &mut rs);
        prop_assert_eq!(stats.hits(), &rh[..]);
        prop_assert_eq!(stats.sums(), &rs[..]);

        // Two shards, merged, equal the whole.
        let half = (data.len() / dim / 2) * dim;
        let (mut h1, mut s1) = (vec![0u64; units], vec![0f64; units * dim]);
        let (mut h2, mut s2) = (vec![0u64; units], vec![0f64; units * dim]);
        BatchStats::new(&mut h1, &mut s1, units, dim).unwrap().accumulate(&map, &data[..half]).unwrap();
        let mut second = BatchStats::new(&mut h2, &mut s2, units, dim).unwrap();
        second.accumulate(&map, &data[half..]).unwrap();
        second.merge(&h1, &s1).unwrap();
        prop_assert_eq!(second.hits(), &rh[..]);
        prop_assert_eq!(second.sums(), &rs[..]);
    }

    #[test]
    fn batch_apply_matches_reference(
        level in levels(),
        (g, dim, cb, data) in case(float(), 40, 30),
        nb in batch_neighbourhood(),
    ) {
        let units = g.units();
        let mut bl = blocked(&cb, units, dim);
        let (mut hits, mut sums) = (vec![0u64; units], vec![0f64; units * dim]);
        reference::accumulate(&cb, dim, &data, &mut hits, &mut sums);
        let mut want = cb.clone();
        reference::apply_batch(&mut want, &g, dim, &hits, &sums, &nb);
        MapMut::new(g, dim, &mut bl).unwrap().with_simd(level).unwrap().apply_batch(&hits, &sums, &nb).unwrap();
        for (a, b) in row_major(&bl, units, dim).iter().zip(&want) {
            // f32 sums of up to `units` terms against f64, and h near the cut-off.
            let slack = 1e-4 + nb.cutoff() * 100.0;
            prop_assert!(near(*a, *b, slack, 100.0), "{} vs {}", a, b);
        }
    }

    #[test]
    fn metrics_match_reference(level in levels(), (g, dim, cb, data) in case(exact(), 30, 12)) {
        let bl = blocked(&cb, g.units(), dim);
        let map = Map::new(g, dim, &bl).unwrap().with_simd(level).unwrap();
        let qe = map.quantization_error(&data).unwrap();
        let want = reference::quantization_error(&cb, dim, &data) as f32;
        prop_assert!((qe - want).abs() <= 1e-6 * want.max(1.0));
        prop_assert_eq!(
            map.topographic_error(&data).unwrap(),
            reference::topographic_error(&cb, &g, dim, &data) as f32
        );
        let mut um = vec![0.0; g.units()];
        let mut rum = vec![0.0; g.units()];
        map.umatrix(&mut um).unwrap();
        reference::umatrix(&cb, &g, dim, &mut rum);
        prop_assert_eq!(um, rum);
    }
}

/// Every unit count around the lane width, every dimension to 17, and every misalignment of
/// codebook and sample (offsets 0..8 floats into an over-allocated buffer).
#[test]
fn every_length_and_misalignment() {
    for level in every_level() {
        let max_units = if cfg!(miri) { 10 } else { 3 * 8 + 2 };
        let max_dim = if cfg!(miri) { 3 } else { 17 };
        let nb = Neighbourhood::new(Shape::Gaussian, 1.7).unwrap();
        for units in 1..=max_units {
            let g = Grid::new(1, units).unwrap();
            for dim in 1..=max_dim {
                // Distinct, exactly representable values with ties between units 1 and units-1.
                let mut cb: Vec<f32> = (0..units * dim)
                    .map(|i| ((i * 7) % 13) as f32 * 0.5)
                    .collect();
                if units > 2 {
                    let (a, b) = (dim, (units - 1) * dim);
                    for d in 0..dim {
                        cb[b + d] = cb[a + d];
                    }
                }
                let x: Vec<f32> = (0..dim).map(|d| (d % 5) as f32).collect();
                let want = reference::bmu(&cb, dim, &x);
                let want2 = reference::bmu2(&cb, dim, &x);
                let len = som_kernel::blocked_len(units, dim);
                // Under Miri (SSE2: 16-byte vectors) four offsets cover every alignment.
                for offset in 0..if cfg!(miri) { 4 } else { 8 } {
                    let mut buf = vec![0.0f32; len + 8];
                    buf[offset..offset + len].copy_from_slice(&blocked(&cb, units, dim));
                    let mut xbuf = vec![0.0f32; dim + 8];
                    xbuf[offset..offset + dim].copy_from_slice(&x);
                    let xs = &xbuf[offset..offset + dim];
                    let map = Map::new(g, dim, &buf[offset..offset + len])
                        .unwrap()
                        .with_simd(level)
                        .unwrap();
                    assert_eq!(
                        map.bmu(xs).unwrap(),
                        want,
                        "units {units} dim {dim} offset {offset}"
                    );
                    assert_eq!(
                        map.bmu2(xs).unwrap(),
                        want2,
                        "units {units} dim {dim} offset {offset}"
                    );
                    let data: Vec<f32> = (0..5).flat_map(|_| x.iter().copied()).collect();
                    let mut many = [Bmu {
                        unit: 9,
                        dist2: 9.0,
                    }; 5];
                    map.bmu_many(&data, &mut many).unwrap();
                    assert!(many.iter().all(|m| *m == want));

                    let mut map = MapMut::new(g, dim, &mut buf[offset..offset + len])
                        .unwrap()
                        .with_simd(level)
                        .unwrap();
                    map.update(xs, want.unit, &nb, 0.3).unwrap();
                    let mut r = cb.clone();
                    reference::update(&mut r, &g, dim, &x, want.unit, &nb, 0.3);
                    let got = row_major(&buf[offset..offset + len], units, dim);
                    for (a, b) in got.iter().zip(&r) {
                        assert!(
                            (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                            "units {units} dim {dim}"
                        );
                    }
                    // Padding lanes are never touched.
                    let tail = &buf[offset..offset + len];
                    for k in units..units.div_ceil(8) * 8 {
                        for d in 0..dim {
                            assert_eq!(tail[(k / 8) * 8 * dim + d * 8 + k % 8], 0.0);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn nan_never_wins_and_all_nan_gives_unit_zero() {
    for level in every_level() {
        let g = Grid::new(3, 5).unwrap();
        let dim = 2;
        let mut cb = vec![5.0f32; 15 * dim];
        cb[0] = f32::NAN; // unit 0 is NaN
        cb[7 * 2] = 1.0; // unit 7 is nearest to (1, 5)
        let bl = blocked(&cb, 15, dim);
        let map = Map::new(g, dim, &bl).unwrap().with_simd(level).unwrap();
        assert_eq!(
            map.bmu(&[1.0, 5.0]).unwrap(),
            Bmu {
                unit: 7,
                dist2: 0.0
            }
        );
        let all_nan = map.bmu(&[f32::NAN, 0.0]).unwrap();
        assert_eq!(all_nan.unit, 0);
        assert_eq!(all_nan.dist2, f32::INFINITY);
        let [a, b] = map.bmu2(&[f32::NAN, 0.0]).unwrap();
        assert_eq!((a.unit, b.unit), (0, 1));
        // Overflow to +inf: no unit is finite, so unit 0 again, as the reference says.
        let huge = map.bmu(&[3e38, -3e38]).unwrap();
        assert_eq!(huge, reference::bmu(&cb, dim, &[3e38, -3e38]));
    }
}

#[test]
fn ties_go_to_the_lowest_unit() {
    for level in every_level() {
        // Twenty identical units: every search must answer unit 0, then unit 1.
        let g = Grid::new(4, 5).unwrap();
        let cb = vec![1.0f32; 20 * 3];
        let bl = blocked(&cb, 20, 3);
        let map = Map::new(g, 3, &bl).unwrap().with_simd(level).unwrap();
        let [a, b] = map.bmu2(&[0.0, 0.0, 0.0]).unwrap();
        assert_eq!((a.unit, b.unit), (0, 1));
        let mut many = [Bmu {
            unit: 9,
            dist2: 0.0,
        }; 7];
        map.bmu_many(&[0.0; 21], &mut many).unwrap();
        assert!(many.iter().all(|m| m.unit == 0 && m.dist2 == 3.0));
    }
}

#[test]
fn wrong_lengths_are_errors_that_name_both_lengths() {
    for level in every_level() {
        let g = Grid::new(2, 2).unwrap();
        let bl = vec![0.0; som_kernel::blocked_len(4, 3)];
        assert_eq!(
            Map::new(g, 3, &bl[..5]).unwrap_err(),
            som_kernel::Error::Length {
                what: "blocked codebook",
                expected: 24,
                got: 5
            }
        );
        let map = Map::new(g, 3, &bl).unwrap().with_simd(level).unwrap();
        let e = map.bmu(&[1.0, 2.0]).unwrap_err();
        assert_eq!(e.to_string(), "sample has length 2, expected 3");
        assert!(map.quantization_error(&[1.0; 7]).is_err());
        let mut out = [Bmu {
            unit: 0,
            dist2: 0.0,
        }; 3];
        assert!(map.bmu_many(&[0.0; 6], &mut out).is_err());
        assert!(Map::new(g, 0, &[]).is_err());
    }
}

#[test]
fn update_rejects_bad_input_and_changes_nothing() {
    for level in every_level() {
        let g = Grid::new(2, 3).unwrap();
        let mut bl = blocked(&[0.5; 18], 6, 3);
        let before = bl.clone();
        let nb = Neighbourhood::new(Shape::Gaussian, 1.0).unwrap();
        let mut map = MapMut::new(g, 3, &mut bl)
            .unwrap()
            .with_simd(level)
            .unwrap();
        assert!(map.update(&[1.0, f32::NAN, 0.0], 0, &nb, 0.5).is_err());
        assert!(map.update(&[1.0, 0.0], 0, &nb, 0.5).is_err());
        assert!(map.update(&[1.0, 0.0, 0.0], 6, &nb, 0.5).is_err());
        assert!(map.update(&[1.0, 0.0, 0.0], 0, &nb, f32::NAN).is_err());
        assert!(map.update(&[1.0, 0.0, 0.0], 0, &nb, -0.1).is_err());
        assert_eq!(bl, before);
    }
}

/// Units a hair apart (near ties everywhere: the expanded form cannot separate them and the
/// exact search decides) and units far apart (it can): either way the many-sample search
/// answers what the one-sample search answers.
#[test]
fn bmu_many_is_bmu_near_ties_and_far_apart() {
    for level in every_level() {
        use rand_xoshiro::Xoshiro256PlusPlus;
        use rand_xoshiro::rand_core::{Rng, SeedableRng};
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut uniform = move || (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32;
        // Under Miri: the smallest dimension and map only, and every other spread.
        let spreads = [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1.0, 100.0]
            .into_iter()
            .step_by(if cfg!(miri) { 2 } else { 1 });
        let dims: &[usize] = if cfg!(miri) {
            &[8]
        } else {
            &[8, 17, 33, 64, 200, 256, 300]
        };
        let cases = dims.iter().flat_map(|&dim| {
            spreads
                .clone()
                .flat_map(move |s| [1.0, 1000.0].map(|scale| (dim, s * scale, scale)))
        });
        for (dim, spread, scale) in cases {
            let g = if cfg!(miri) {
                Grid::new(3, 7).unwrap()
            } else {
                Grid::new(23, 7).unwrap()
            };
            let base: Vec<f32> = (0..dim).map(|_| scale * uniform()).collect();
            let cb: Vec<f32> = (0..g.units() * dim)
                .map(|i| base[i % dim] + spread * uniform())
                .collect();
            // Tiles of 32 samples in the many-sample search: two and a part.
            let n = if cfg!(miri) { 16 } else { 75 };
            let data: Vec<f32> = (0..n * dim)
                .map(|i| base[i % dim] + spread * (2.0 * uniform() - 0.5))
                .collect();
            let bl = blocked(&cb, g.units(), dim);
            let map = Map::new(g, dim, &bl).unwrap().with_simd(level).unwrap();
            let mut many = vec![
                Bmu {
                    unit: 0,
                    dist2: 0.0
                };
                n
            ];
            map.bmu_many(&data, &mut many).unwrap();
            for (x, m) in data.chunks_exact(dim).zip(&many) {
                assert_eq!(*m, map.bmu(x).unwrap(), "dim {dim} spread {spread}");
            }
        }
    }
}

/// The distances choose differently where they should, and the quantization error stays
/// Euclidean (MiniSom's `quantization_error`).
#[cfg(feature = "distances")]
#[test]
fn distances_choose_their_own_nearest() {
    let cases = [
        // x = (1, 0): cosine prefers the long unit on the same ray; Euclidean the short one.
        (
            [1.0, 0.0],
            [10.0, 0.0, 1.0, 0.5],
            [(Distance::Euclidean, 1), (Distance::Cosine, 0)],
        ),
        // x = 0: Manhattan prefers (1.5, 0) (1.5 < 2), Chebyshev (1, 1) (1 < 1.5).
        (
            [0.0, 0.0],
            [1.0, 1.0, 1.5, 0.0],
            [(Distance::Manhattan, 1), (Distance::Chebyshev, 0)],
        ),
    ];
    let g = Grid::new(1, 2).unwrap();
    for (x, cb, expect) in cases {
        let bl = blocked(&cb, 2, 2);
        for level in every_level() {
            for (distance, unit) in expect {
                let map = Map::new(g, 2, &bl).unwrap().with_simd(level).unwrap();
                let map = map.with_distance(distance).unwrap();
                assert_eq!(map.bmu(&x).unwrap().unit, unit, "{distance} at {level:?}");
                let qe = map.quantization_error(&x).unwrap();
                let w = &cb[unit * 2..unit * 2 + 2];
                assert_eq!(
                    qe,
                    reference::dist2(&x, w).sqrt(),
                    "{distance} at {level:?}"
                );
            }
        }
    }
    assert_eq!(Distance::from_name("chebyshev"), Some(Distance::Chebyshev));
    assert_eq!(Distance::from_name("minkowski"), None);
}

#[test]
fn fused_step_rejects_bad_input_and_changes_nothing() {
    for level in every_level() {
        let g = Grid::new(2, 3).unwrap();
        let mut bl = blocked(&[0.5; 18], 6, 3);
        let before = bl.clone();
        let nb = Neighbourhood::new(Shape::Gaussian, 1.0).unwrap();
        let mut map = MapMut::new(g, 3, &mut bl)
            .unwrap()
            .with_simd(level)
            .unwrap();
        let (x, next) = ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]);
        for bad_next in [
            &[0.0, 1.0][..],
            &[0.0, 1.0, 0.0, 0.0],
            &[],
            &[0.0, f32::NAN, 0.0],
            &[f32::INFINITY, 0.0, 0.0],
            &[0.0, 0.0, f32::NEG_INFINITY],
        ] {
            assert!(map.update_then_bmu(&x, 0, &nb, 0.5, bad_next).is_err());
        }
        assert!(
            map.update_then_bmu(&[1.0, f32::NAN, 0.0], 0, &nb, 0.5, &next)
                .is_err()
        );
        assert!(
            map.update_then_bmu(&[1.0, 0.0], 0, &nb, 0.5, &next)
                .is_err()
        );
        assert!(map.update_then_bmu(&x, 6, &nb, 0.5, &next).is_err());
        assert!(map.update_then_bmu(&x, 0, &nb, f32::NAN, &next).is_err());
        assert!(map.update_then_bmu(&x, 0, &nb, -0.1, &next).is_err());
        assert_eq!(bl, before);
        assert_eq!(
            MapMut::new(g, 3, &mut bl)
                .unwrap()
                .with_simd(level)
                .unwrap()
                .update_then_bmu(&x, 0, &nb, 0.5, &[0.0, 0.0, f32::NAN]),
            Err(som_kernel::Error::NonFinite {
                sample: 0,
                component: 2
            })
        );
        assert_eq!(bl, before);
    }
}

/// The separable tables come in three storage sizes: maps that take each, against the
/// reference, and the fused step against update then search, bit for bit.
#[test]
fn separable_tables_of_every_size() {
    for level in every_level() {
        let hex = Topology::Hexagonal;
        let rect = Topology::Rectangular;
        let grids = [
            (8, 8, hex, Boundary::Planar),
            (16, 20, rect, Boundary::Toroidal),
            (20, 27, hex, Boundary::Planar),
            (40, 40, rect, Boundary::Planar),
            (42, 42, hex, Boundary::Toroidal),
            (30, 100, hex, Boundary::Planar),
            (128, 128, rect, Boundary::Toroidal),
            (6, 128, hex, Boundary::Toroidal),
        ];
        let dim = 3;
        for (rows, cols, topology, boundary) in grids {
            if cfg!(miri) && rows * cols > 100 {
                continue;
            }
            let g = Grid::with(rows, cols, topology, boundary).unwrap();
            let units = g.units();
            let cb: Vec<f32> = (0..units * dim)
                .map(|i| ((i * 7919) % 1000) as f32 * 0.01)
                .collect();
            let data = [1.0, 2.0, 3.0, 9.0, 0.5, 4.0, 2.5, 7.5, 6.0];
            for sigma in [0.7, 2.5, 40.0] {
                let nb = Neighbourhood::new(Shape::Gaussian, sigma).unwrap();
                let mut want = cb.clone();
                let (mut fused, mut apart) = (blocked(&cb, units, dim), blocked(&cb, units, dim));
                let mut winner = (units * 2) / 3;
                for (x, next) in data.chunks_exact(dim).zip(data.chunks_exact(dim).skip(1)) {
                    reference::update(&mut want, &g, dim, x, winner, &nb, 0.5);
                    let got = MapMut::new(g, dim, &mut fused)
                        .unwrap()
                        .with_simd(level)
                        .unwrap()
                        .update_then_bmu(x, winner, &nb, 0.5, next)
                        .unwrap();
                    let mut map = MapMut::new(g, dim, &mut apart)
                        .unwrap()
                        .with_simd(level)
                        .unwrap();
                    map.update(x, winner, &nb, 0.5).unwrap();
                    assert_eq!(got, map.as_map().bmu(next).unwrap());
                    assert_eq!(bits(&fused), bits(&apart));
                    winner = got.unit;
                }
                let got = row_major(&apart, units, dim);
                for (k, (a, b)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        near(*a, *b, 1e-5, 10.0),
                        "{rows}x{cols} {topology:?} {boundary:?} sigma {sigma}, value {k}: {a} vs {b}"
                    );
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 2 } else { 64 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Training (fused online steps) and many-sample searches give the same bits at every level
    /// of one rounding group (FMA or not). Across the groups they differ by rounding, which the
    /// tests against the reference bound.
    #[test]
    fn levels_of_one_rounding_group_agree_bit_for_bit(
        (g, dim, bl, data) in fused_case(),
        sigma in 0.5f32..6.0,
    ) {
        let training = Training {
            shape: Shape::Gaussian,
            alpha: Schedule::Linear { start: 0.5, end: 0.01 },
            sigma: Schedule::Linear { start: sigma, end: 0.5 },
            cutoff: 1e-3,
            clock: Clock::Sample,
        };
        let n = data.len() / dim;
        let run = |level: Level| {
            let mut w = bl.clone();
            let mut map = MapMut::new(g, dim, &mut w).unwrap().with_simd(level).unwrap();
            training.online(&mut map, &data, 2).unwrap();
            let mut many = vec![Bmu { unit: 0, dist2: 0.0 }; n];
            map.as_map().bmu_many(&data, &mut many).unwrap();
            (w, many)
        };
        let runs: Vec<_> = every_level().into_iter().map(|l| (l, run(l))).collect();
        for (la, (wa, ma)) in &runs {
            for (lb, (wb, mb)) in &runs {
                if la.fused() == lb.fused() {
                    prop_assert_eq!(bits(wa), bits(wb), "{} vs {}", la, lb);
                    prop_assert_eq!(ma.iter().map(|b| bmu_bits(*b)).collect::<Vec<_>>(),
                        mb.iter().map(|b| bmu_bits(*b)).collect::<Vec<_>>(), "{} vs {}", la, lb);
                }
            }
        }
    }
}
