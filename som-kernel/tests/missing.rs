//! Missing values (`Missing::Mask`, SOM_PAK's semantics) at every SIMD level against the scalar
//! reference (`reference::masked`): searches, the online update and training, batch statistics
//! and the per-component batch apply, the metrics; and data without missing values giving the
//! unmasked answers bit for bit.
#![cfg(feature = "missing")]

use proptest::prelude::*;
use som_kernel::simd::Level;
use som_kernel::{
    BatchStats, Bmu, Distance, Error, Grid, Map, MapMut, Missing, Neighbourhood, Schedule, Shape,
    Training, layout, reference,
};

fn levels() -> impl Strategy<Value = Level> {
    prop::sample::select(
        Level::ALL
            .into_iter()
            .filter(|l| l.available())
            .collect::<Vec<_>>(),
    )
}

/// The distances with a masked form.
fn distances() -> impl Strategy<Value = Distance> {
    let mut all = vec![Distance::Euclidean];
    if cfg!(feature = "distances") {
        all.extend([Distance::Manhattan, Distance::Chebyshev]);
    }
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

/// Small integers times 1/4: sums of squares exact in `f32`, with or without FMA.
fn exact() -> impl Strategy<Value = f32> + Clone {
    (-8i32..=8).prop_map(|v| v as f32 * 0.25)
}

/// A rectangular or hexagonal grid, a dimension, a row-major codebook of `exact` values and
/// samples with missing components: about one in `1/p` missing, and some samples entirely
/// missing.
fn case(
    max_dim: usize,
    max_samples: usize,
) -> impl Strategy<Value = (Grid, usize, Vec<f32>, Vec<f32>)> {
    let (rows, cols, max_dim, max_samples) = if cfg!(miri) {
        (3, 5, max_dim.min(9), max_samples.min(4))
    } else {
        (7, 13, max_dim, max_samples)
    };
    (
        1usize..=rows,
        1usize..=cols,
        any::<bool>(),
        1..=max_dim,
        0..=max_samples,
    )
        .prop_flat_map(|(r, c, hex, dim, n)| {
            let topology = if hex {
                som_kernel::Topology::Hexagonal
            } else {
                som_kernel::Topology::Rectangular
            };
            let g = Grid::with(r, c, topology, som_kernel::Boundary::Planar).unwrap();
            let value = prop_oneof![4 => exact(), 1 => Just(f32::NAN)];
            let sample = prop_oneof![
                6 => prop::collection::vec(value, dim),
                1 => Just(vec![f32::NAN; dim]),
                1 => prop::collection::vec(exact(), dim),
            ];
            (
                Just(g),
                Just(dim),
                prop::collection::vec(exact(), g.units() * dim),
                prop::collection::vec(sample, n).prop_map(|s| s.concat()),
            )
        })
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn same(a: Bmu, b: Bmu) -> bool {
    a.unit == b.unit && a.dist2.to_bits() == b.dist2.to_bits()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// One-sample, two-best and many-sample searches leave missing components out exactly as
    /// the reference does; a sample with none present has no unit.
    #[test]
    fn masked_searches_are_the_reference(level in levels(), kind in distances(), (g, dim, cb, data) in case(70, 12)) {
        let bl = blocked(&cb, g.units(), dim);
        let map = Map::new(g, dim, &bl).unwrap().with_simd(level).unwrap()
            .with_distance(kind).unwrap().with_missing(Missing::Mask).unwrap();
        let mut many = vec![Bmu { unit: 0, dist2: 0.0 }; data.len() / dim];
        map.bmu_many(&data, &mut many).unwrap();
        for (x, m) in data.chunks_exact(dim).zip(&many) {
            let want = reference::masked::bmu(kind, &cb, dim, x);
            let got = map.bmu(x).unwrap();
            prop_assert!(same(got, want), "{:?} vs {:?}", got, want);
            prop_assert!(same(*m, want), "many: {:?} vs {:?}", m, want);
            let [a, b] = map.bmu2(x).unwrap();
            let [ra, rb] = reference::masked::bmu2(kind, &cb, dim, x);
            prop_assert!(same(a, ra) && same(b, rb));
            prop_assert_eq!(want.is_none(), x.iter().all(|v| v.is_nan()));
        }
    }

    /// Without missing values, masking changes nothing: the same answers bit for bit (the
    /// masked path is only taken by samples with NaN).
    #[test]
    fn complete_data_gives_the_unmasked_answers(level in levels(), kind in distances(), (g, dim, cb, data) in case(70, 12)) {
        let data: Vec<f32> = data.iter().map(|v| if v.is_nan() { 0.5 } else { *v }).collect();
        let bl = blocked(&cb, g.units(), dim);
        let plain = Map::new(g, dim, &bl).unwrap().with_simd(level).unwrap().with_distance(kind).unwrap();
        let masked = plain.with_missing(Missing::Mask).unwrap();
        for x in data.chunks_exact(dim) {
            prop_assert!(same(plain.bmu(x).unwrap(), masked.bmu(x).unwrap()));
        }
        prop_assert_eq!(
            plain.quantization_error(&data).unwrap().to_bits(),
            masked.quantization_error(&data).unwrap().to_bits()
        );
    }

    /// The online update moves only the components present (bubble and alpha 1/2 keep every
    /// step exact), in every unit the neighbourhood reaches.
    #[test]
    fn masked_update_is_the_reference(
        level in levels(),
        (g, dim, cb, data) in case(40, 4),
        radius in 0.5f32..4.0,
        winner in any::<prop::sample::Index>(),
    ) {
        let nb = Neighbourhood::new(Shape::Bubble, radius).unwrap();
        let mut bl = blocked(&cb, g.units(), dim);
        let mut want = cb.clone();
        let mut map = MapMut::new(g, dim, &mut bl).unwrap().with_simd(level).unwrap()
            .with_missing(Missing::Mask).unwrap();
        for x in data.chunks_exact(dim) {
            let w = winner.index(g.units());
            map.update(x, w, &nb, 0.5).unwrap();
            reference::masked::update(&mut want, &g, dim, x, w, &nb, 0.5);
        }
        prop_assert_eq!(bits(&row_major(&bl, g.units(), dim)), bits(&want));
    }

    /// Online training with missing values: the driver (fused steps where both samples are
    /// whole, two sweeps elsewhere) equals the reference's loop of search and update, bit for
    /// bit; samples without components train nothing but count as steps.
    #[test]
    fn masked_online_training_is_the_reference_loop(
        level in levels(),
        (g, dim, cb, data) in case(24, 10),
        radius in 0.5f32..4.0,
    ) {
        let n = data.len() / dim;
        prop_assume!(n > 0);
        let training = Training {
            shape: Shape::Bubble,
            alpha: Schedule::Constant(0.5),
            sigma: Schedule::Linear { start: radius, end: 0.5 },
            cutoff: 0.0,
            clock: som_kernel::Clock::Sample,
        };
        let mut bl = blocked(&cb, g.units(), dim);
        let mut map = MapMut::new(g, dim, &mut bl).unwrap().with_simd(level).unwrap()
            .with_missing(Missing::Mask).unwrap();
        training.online(&mut map, &data, 2).unwrap();
        let mut want = cb.clone();
        let total = 2 * n as u64;
        for e in 0..2u64 {
            for (i, x) in data.chunks_exact(dim).enumerate() {
                let (nb, alpha) = training.at(e * n as u64 + i as u64, total).unwrap();
                if let Some(w) = reference::masked::bmu(Distance::Euclidean, &want, dim, x).found() {
                    reference::masked::update(&mut want, &g, dim, x, w, &nb, alpha);
                }
            }
        }
        prop_assert_eq!(bits(&row_major(&bl, g.units(), dim)), bits(&want));
    }

    /// Batch statistics count each component present apart (exact on representable data),
    /// shards merge, and the per-component apply matches the f64 reference.
    #[test]
    fn masked_batch_is_the_reference(
        level in levels(),
        (g, dim, cb, data) in case(20, 30),
        sigma in 0.3f32..6.0,
    ) {
        let units = g.units();
        let mut bl = blocked(&cb, units, dim);
        let map = Map::new(g, dim, &bl).unwrap().with_simd(level).unwrap()
            .with_missing(Missing::Mask).unwrap();
        let (mut hits, mut counts, mut sums) = (vec![0u64; units], vec![0u64; units * dim], vec![0f64; units * dim]);
        let mut stats = BatchStats::new(&mut hits, &mut sums, units, dim).unwrap()
            .with_counts(&mut counts).unwrap();
        stats.accumulate(&map, &data).unwrap();
        let (mut rh, mut rc, mut rs) = (vec![0u64; units], vec![0u64; units * dim], vec![0f64; units * dim]);
        reference::masked::accumulate(&cb, dim, &data, &mut rh, &mut rc, &mut rs);
        prop_assert_eq!(stats.hits(), &rh[..]);
        prop_assert_eq!(stats.counts().unwrap(), &rc[..]);
        prop_assert_eq!(stats.sums(), &rs[..]);

        let half = (data.len() / dim / 2) * dim;
        let (mut h1, mut c1, mut s1) = (vec![0u64; units], vec![0u64; units * dim], vec![0f64; units * dim]);
        let (mut h2, mut c2, mut s2) = (vec![0u64; units], vec![0u64; units * dim], vec![0f64; units * dim]);
        BatchStats::new(&mut h1, &mut s1, units, dim).unwrap().with_counts(&mut c1).unwrap()
            .accumulate(&map, &data[..half]).unwrap();
        let mut second = BatchStats::new(&mut h2, &mut s2, units, dim).unwrap().with_counts(&mut c2).unwrap();
        second.accumulate(&map, &data[half..]).unwrap();
        second.merge(&h1, &s1).unwrap();
        second.merge_counts(&c1).unwrap();
        prop_assert_eq!(second.counts().unwrap(), &rc[..]);
        prop_assert_eq!(second.sums(), &rs[..]);

        let nb = Neighbourhood::new(Shape::Gaussian, sigma).unwrap();
        let mut want = cb.clone();
        reference::masked::apply_batch(&mut want, &g, dim, &rc, &rs, &nb);
        MapMut::new(g, dim, &mut bl).unwrap().with_simd(level).unwrap()
            .apply_batch_by_component(&rc, &rs, &nb).unwrap();
        for (a, b) in row_major(&bl, units, dim).iter().zip(&want) {
            // f32 accumulation against f64, of values below 2 in magnitude.
            prop_assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "{} vs {}", a, b);
        }
    }

    /// The quantization and topographic errors use the masked distance and count only the
    /// samples with a unit.
    #[test]
    fn masked_metrics_are_the_reference(level in levels(), (g, dim, cb, data) in case(30, 12)) {
        let bl = blocked(&cb, g.units(), dim);
        let map = Map::new(g, dim, &bl).unwrap().with_simd(level).unwrap()
            .with_missing(Missing::Mask).unwrap();
        let qe = map.quantization_error(&data).unwrap();
        let want = reference::masked::quantization_error(&cb, dim, &data) as f32;
        prop_assert!((qe - want).abs() <= 1e-6 * want.max(1.0), "{} vs {}", qe, want);
        prop_assert_eq!(
            map.topographic_error(&data).unwrap(),
            reference::masked::topographic_error(&cb, &g, dim, &data) as f32
        );
    }
}

/// A hand case: the missing component is left out, not rescaled, and it decides the winner.
#[test]
fn a_missing_component_is_left_out_by_hand() {
    let g = Grid::new(1, 2).unwrap();
    // Unit 0 = (0, 0), unit 1 = (1, 10).
    let bl = blocked(&[0.0, 0.0, 1.0, 10.0], 2, 2);
    for level in Level::ALL.into_iter().filter(|l| l.available()) {
        let map = Map::new(g, 2, &bl).unwrap().with_simd(level).unwrap();
        let masked = map.with_missing(Missing::Mask).unwrap();
        // Without the second component, unit 1 is the nearer: (0.9 - 1)^2 = 0.01.
        let b = masked.bmu(&[0.9, f32::NAN]).unwrap();
        assert_eq!(b.unit, 1);
        assert!((b.dist2 - 0.01).abs() < 1e-6);
        // Unmasked, NaN ranks every unit last: unit 0 at +inf.
        assert_eq!(map.bmu(&[0.9, f32::NAN]).unwrap().dist2, f32::INFINITY);
        assert!(masked.bmu(&[f32::NAN, f32::NAN]).unwrap().is_none());
        assert_eq!(masked.bmu(&[f32::NAN, f32::NAN]).unwrap().found(), None);
    }
}

/// What masking refuses, and what the default still refuses.
#[test]
fn masking_errors_name_what_is_wrong() {
    let g = Grid::new(2, 2).unwrap();
    let mut bl = blocked(&[0.0; 8], 4, 2);
    let map = Map::new(g, 2, &bl).unwrap();
    if cfg!(feature = "distances") {
        let cos = map.with_distance(Distance::Cosine).unwrap();
        assert!(matches!(
            cos.with_missing(Missing::Mask),
            Err(Error::Unsupported { .. })
        ));
        let masked = map.with_missing(Missing::Mask).unwrap();
        assert!(matches!(
            masked.with_distance(Distance::Cosine),
            Err(Error::Unsupported { .. })
        ));
    }
    let nb = Neighbourhood::new(Shape::Gaussian, 1.0).unwrap();
    let mut plain = MapMut::new(g, 2, &mut bl).unwrap();
    // The default: NaN is an error naming sample and component.
    let err = plain.update(&[0.5, f32::NAN], 0, &nb, 0.5).unwrap_err();
    assert_eq!(
        err,
        Error::NonFinite {
            sample: 0,
            component: 1
        }
    );
    let mut masked = plain.with_missing(Missing::Mask).unwrap();
    // Masked: NaN is fine, infinity is not.
    masked.update(&[0.5, f32::NAN], 0, &nb, 0.5).unwrap();
    let err = masked
        .update(&[f32::INFINITY, f32::NAN], 0, &nb, 0.5)
        .unwrap_err();
    assert_eq!(
        err,
        Error::NonFinite {
            sample: 0,
            component: 0
        }
    );
    // Masked statistics need counts per component.
    let (mut hits, mut sums) = (vec![0u64; 4], vec![0f64; 8]);
    let mut stats = BatchStats::new(&mut hits, &mut sums, 4, 2).unwrap();
    let err = stats
        .accumulate(&masked.as_map(), &[0.5, f32::NAN])
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
}
