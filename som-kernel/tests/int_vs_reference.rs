//! Integer maps (`som_kernel::int`) against the f32 reference.

use proptest::prelude::*;
use som_kernel::int::{IntMap, IntMapMut, IntNeighbourhood, ONE, quantize};
use som_kernel::{Boundary, Grid, Neighbourhood, Shape, Topology, reference};

fn grid() -> impl Strategy<Value = Grid> {
    (1usize..7, 1usize..7, any::<bool>(), any::<bool>()).prop_filter_map(
        "a valid grid",
        |(r, c, hex, torus)| {
            let t = if hex {
                Topology::Hexagonal
            } else {
                Topology::Rectangular
            };
            let b = if torus {
                Boundary::Toroidal
            } else {
                Boundary::Planar
            };
            Grid::with(r, c, t, b).ok()
        },
    )
}

fn as_f32(codes: &[i16]) -> Vec<f32> {
    codes.iter().map(|&c| f32::from(c)).collect()
}

proptest! {
    // Under Miri: few cases, and no regression file (isolation forbids reading the disk).
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 8 } else { 256 },
        failure_persistence: if cfg!(miri) { None } else { ProptestConfig::default().failure_persistence },
        ..ProptestConfig::default()
    })]

    /// On codes small enough that the f32 sums are exact, the same unit and distance as the
    /// reference, ties to the lowest unit included.
    #[test]
    fn bmu_exact_on_small_codes(
        g in grid(), dim in 1usize..9,
        seed in prop::collection::vec(-300i16..300, 6 * 6 * 8 + 8),
    ) {
        let units = g.units();
        let codes = &seed[..units * dim];
        let x = &seed[seed.len() - dim..];
        let map = IntMap::new(g, dim, codes).unwrap();
        let want = reference::bmu2(&as_f32(codes), dim, &as_f32(x));
        let got = map.bmu2(x).unwrap();
        prop_assert_eq!(got[0].unit, want[0].unit);
        prop_assert_eq!(got[0].dist2 as f32, want[0].dist2);
        if units > 1 {
            prop_assert_eq!(got[1].unit, want[1].unit);
        }
        prop_assert_eq!(map.bmu(x).unwrap(), got[0]);
    }

    /// Quantised from f32 data: the reference's unit whenever its margin over the second
    /// exceeds what quantisation can change a distance by (each of x and w moves at most
    /// sqrt(dim) step / 2).
    #[test]
    fn bmu_same_as_f32_beyond_the_quantisation_margin(
        g in grid(), dim in 1usize..9, step_exp in 6i32..14,
        w in prop::collection::vec(-1.0f32..1.0, 6 * 6 * 8), x in prop::collection::vec(-1.0f32..1.0, 8),
    ) {
        let step = 2f32.powi(-step_exp);
        let units = g.units();
        let (w, x) = (&w[..units * dim], &x[..dim]);
        let mut wq = vec![0i16; w.len()];
        let mut xq = vec![0i16; dim];
        quantize(w, step, &mut wq).unwrap();
        quantize(x, step, &mut xq).unwrap();
        let [a, b] = reference::bmu2(w, dim, x);
        let got = IntMap::new(g, dim, &wq).unwrap().bmu(&xq).unwrap();
        let margin = b.dist2.sqrt() - a.dist2.sqrt();
        if units > 1 && margin > 2.0 * (dim as f32).sqrt() * step * 1.001 {
            prop_assert_eq!(got.unit, a.unit);
        }
    }

    /// The step's arithmetic: within one code of the f32 update at the same rate, and
    /// within one code plus the rate's rounding of the reference update with the real
    /// neighbourhood.
    #[test]
    fn update_within_one_step(
        g in grid(), dim in 1usize..6, gaussian in any::<bool>(), sigma in 0.3f32..2.5,
        alpha in 1u16..=32768,
        seed in prop::collection::vec(any::<i16>(), 6 * 6 * 6 + 6), winner in 0usize..36,
    ) {
        let units = g.units();
        let winner = winner % units;
        let codes = &seed[..units * dim];
        let x = &seed[seed.len() - dim..];
        let shape = if gaussian { Shape::Gaussian } else { Shape::Bubble };
        let nb = Neighbourhood::new(shape, sigma).unwrap();
        let inb = IntNeighbourhood::<1024>::new(&g, &nb).unwrap();
        let mut got = codes.to_vec();
        IntMapMut::new(g, dim, &mut got).unwrap().update(x, winner, &inb, alpha).unwrap();

        let mut reference_w = as_f32(codes);
        reference::update(&mut reference_w, &g, dim, &as_f32(x), winner, &nb, f32::from(alpha) / ONE as f32);
        for k in 0..units {
            // The integer map's own rate, from its Q15 table.
            let d4 = som_kernel::int::dist4(&g, k, winner);
            prop_assert_eq!(f64::from(d4), f64::from(g.dist2(k, winner)) * 4.0);
            let rate = ((i32::from(alpha) * i32::from(inb.h(d4)) + (1 << 14)) >> 15) as f64 / ONE as f64;
            for d in 0..dim {
                let (w0, xd) = (f64::from(codes[k * dim + d]), f64::from(x[d]));
                let exact = if rate > 0.0 { w0 + rate * (xd - w0) } else { w0 };
                let g1 = f64::from(got[k * dim + d]);
                prop_assert!((g1 - exact).abs() <= 1.0, "unit {} d {}: {} vs {}", k, d, g1, exact);
                // Rate rounding: alpha h to Q15 (twice half a step) and h to Q15.
                let slack = 1.0 + 2.0 * (xd - w0).abs() / ONE as f64;
                let r = f64::from(reference_w[k * dim + d]);
                prop_assert!((g1 - r).abs() <= slack + 1e-3 * r.abs().max(1.0), "vs reference: {} {}", g1, r);
            }
        }
    }

    /// The quantization error in steps: the reference's on the same codes.
    #[test]
    fn quantization_error_matches_reference(
        g in grid(), dim in 1usize..5,
        seed in prop::collection::vec(-200i16..200, 6 * 6 * 4 + 40),
    ) {
        let units = g.units();
        let codes = &seed[..units * dim];
        let data = &seed[units * dim..][..(40 / dim) * dim];
        let got = IntMap::new(g, dim, codes).unwrap().quantization_error(data).unwrap();
        let want = reference::quantization_error(&as_f32(codes), dim, &as_f32(data));
        prop_assert!((f64::from(got) - want).abs() <= 1e-4 * want.max(1.0));
    }
}

#[test]
fn errors_not_panics() {
    let g = Grid::new(2, 3).unwrap();
    let mut codes = [0i16; 6 * 2];
    assert!(IntMap::new(g, 2, &codes[..11]).is_err());
    assert!(IntMap::new(g, 0, &codes).is_err());
    let nb = Neighbourhood::new(Shape::Gaussian, 1.0).unwrap();
    let inb = IntNeighbourhood::<64>::new(&g, &nb).unwrap();
    let mut map = IntMapMut::new(g, 2, &mut codes).unwrap();
    assert!(map.update(&[1, 2], 6, &inb, 100).is_err());
    assert!(map.update(&[1, 2], 0, &inb, 40000).is_err());
    assert!(map.update(&[1], 0, &inb, 100).is_err());
    // A table too short for a wide Gaussian on a large map.
    let big = Grid::new(30, 30).unwrap();
    let wide = Neighbourhood::new(Shape::Gaussian, 10.0).unwrap();
    assert!(IntNeighbourhood::<64>::new(&big, &wide).is_err());
    let hat = Neighbourhood::new(Shape::MexicanHat, 1.0).unwrap();
    assert!(IntNeighbourhood::<64>::new(&g, &hat).is_err());
}

/// Extremes: codes at both ends of the range move towards the sample and never past it.
#[test]
fn full_range_update_stays_in_range() {
    let g = Grid::new(1, 2).unwrap();
    let mut codes = [i16::MIN, i16::MAX, i16::MAX, i16::MIN];
    let nb = Neighbourhood::new(Shape::Bubble, 1.0).unwrap();
    let inb = IntNeighbourhood::<16>::new(&g, &nb).unwrap();
    let mut map = IntMapMut::new(g, 2, &mut codes).unwrap();
    map.update(&[i16::MAX, i16::MIN], 0, &inb, ONE as u16)
        .unwrap();
    assert_eq!(codes, [i16::MAX, i16::MIN, i16::MAX, i16::MIN]);
}

/// Training on quantised colours organises the map as the f32 training does (not under Miri:
/// 60 epochs of safe integer code, which the other tests run there in small).
#[test]
#[cfg_attr(miri, ignore)]
fn trains_the_colours() {
    let colours: [f32; 12] = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
    let step = 1.0 / 16384.0;
    let mut data = [0i16; 12];
    quantize(&colours, step, &mut data).unwrap();
    let g = Grid::new(4, 4).unwrap();
    let mut codes = [8192i16; 16 * 3];
    let mut map = IntMapMut::new(g, 3, &mut codes).unwrap();
    for epoch in 0..60u32 {
        let sigma = 2.0 - 1.5 * epoch as f32 / 60.0;
        let nb = Neighbourhood::new(Shape::Gaussian, sigma).unwrap();
        let inb = IntNeighbourhood::<256>::new(&g, &nb).unwrap();
        let alpha = (ONE as u32 * (60 - epoch) / 120) as u16;
        for x in data.chunks_exact(3) {
            map.train_step(x, &inb, alpha.max(200)).unwrap();
        }
    }
    let qe = map.as_map().quantization_error(&data).unwrap() * step;
    assert!(qe < 0.05, "quantization error {qe}");
}
