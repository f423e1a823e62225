//! Hand-computed answers: metrics, training behaviour, initialisation, the fixed-capacity map.

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use som_kernel::{
    BatchStats, Boundary, Clock, Error, FixedMap, Grid, Map, MapMut, Neighbourhood, Schedule,
    Shape, Topology, Training, blocked_len, init, layout,
};

fn blocked(rm: &[f32], units: usize, dim: usize) -> Vec<f32> {
    let mut b = vec![0.0; blocked_len(units, dim)];
    layout::to_blocked(rm, units, dim, &mut b).unwrap();
    b
}

#[test]
fn quantization_error_by_hand() {
    let bl = blocked(&[0.0, 1.0], 2, 1);
    let map = Map::new(Grid::new(1, 2).unwrap(), 1, &bl).unwrap();
    assert_eq!(map.quantization_error(&[0.25, 0.75, 2.0]).unwrap(), 0.5);
    let mut each = [0.0; 3];
    map.quantization_errors(&[0.25, 0.75, 2.0], &mut each)
        .unwrap();
    assert_eq!(each, [0.25, 0.25, 1.0]);
    assert_eq!(map.quantization_error(&[]).unwrap(), 0.0);
}

#[test]
fn topographic_error_by_hand() {
    // Units 0 and 2 are not neighbours on a 1x3 line, but they are on a 1x3 ring.
    let bl = blocked(&[0.0, 10.0, 1.0], 3, 1);
    let line = Map::new(Grid::new(1, 3).unwrap(), 1, &bl).unwrap();
    // 0.4: best 0, second 2 (broken). 9.0: best 1, second 2 (fine).
    assert_eq!(line.topographic_error(&[0.4, 9.0]).unwrap(), 0.5);
    let ring = Grid::with(1, 3, Topology::Rectangular, Boundary::Toroidal).unwrap();
    let ring = Map::new(ring, 1, &bl).unwrap();
    assert_eq!(ring.topographic_error(&[0.4, 9.0]).unwrap(), 0.0);
}

#[test]
fn umatrix_by_hand() {
    let bl = blocked(&[0.0, 10.0, 1.0], 3, 1);
    let mut u = [0.0; 3];
    Map::new(Grid::new(1, 3).unwrap(), 1, &bl)
        .unwrap()
        .umatrix(&mut u)
        .unwrap();
    assert_eq!(u, [10.0, 9.5, 9.0]);
    let ring = Grid::with(1, 3, Topology::Rectangular, Boundary::Toroidal).unwrap();
    Map::new(ring, 1, &bl).unwrap().umatrix(&mut u).unwrap();
    assert_eq!(u, [5.5, 9.5, 5.0]);
}

#[test]
fn one_online_step_by_hand() {
    // 1x3 map, dim 1, all weights 0; sample 1 at unit 0; Gaussian sigma 1, alpha 0.5:
    // h = exp(-d^2/2) = 1, e^-0.5, e^-2.
    let mut bl = blocked(&[0.0; 3], 3, 1);
    let nb = Neighbourhood::new(Shape::Gaussian, 1.0).unwrap();
    let mut map = MapMut::new(Grid::new(1, 3).unwrap(), 1, &mut bl).unwrap();
    map.update(&[1.0], 0, &nb, 0.5).unwrap();
    let w: Vec<f32> = (0..3).map(|k| map.as_map().weight(k, 0).unwrap()).collect();
    let want = [0.5, 0.5 * (-0.5f32).exp(), 0.5 * (-2.0f32).exp()];
    for (a, b) in w.iter().zip(want) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
}

#[test]
fn batch_apply_by_hand() {
    // Bubble of radius 1 on a 1x3 line: unit 1 sees all three units' samples.
    // Unit 0 won samples {1, 3} (sum 4), unit 2 won {10} (sum 10), unit 1 none.
    let mut bl = blocked(&[0.0, 5.0, 7.0], 3, 1);
    let nb = Neighbourhood::new(Shape::Bubble, 1.0).unwrap();
    let mut map = MapMut::new(Grid::new(1, 3).unwrap(), 1, &mut bl).unwrap();
    map.apply_batch(&[2, 0, 1], &[4.0, 0.0, 10.0], &nb).unwrap();
    let w: Vec<f32> = (0..3).map(|k| map.as_map().weight(k, 0).unwrap()).collect();
    assert_eq!(w, [2.0, 14.0 / 3.0, 10.0]);
    // A unit with nothing in its neighbourhood keeps its weight.
    let nb = Neighbourhood::new(Shape::Bubble, 0.5).unwrap();
    map.apply_batch(&[0, 0, 1], &[0.0, 0.0, 10.0], &nb).unwrap();
    assert_eq!(map.as_map().weight(1, 0), Some(14.0 / 3.0));
    let hat = Neighbourhood::new(Shape::MexicanHat, 1.0).unwrap();
    assert!(matches!(
        map.apply_batch(&[0, 0, 1], &[0.0; 3], &hat),
        Err(Error::Unsupported { .. })
    ));
}

fn colours() -> Vec<f32> {
    [
        [0., 0., 0.],
        [0., 0., 1.],
        [0., 0., 0.5],
        [0.125, 0.529, 1.0],
        [0.33, 0.4, 0.67],
        [0.6, 0.5, 1.0],
        [0., 1., 0.],
        [1., 0., 0.],
        [0., 1., 1.],
        [1., 0., 1.],
        [1., 1., 0.],
        [1., 1., 1.],
        [0.33, 0.33, 0.33],
        [0.5, 0.5, 0.5],
        [0.66, 0.66, 0.66],
    ]
    .concat()
}

fn train_colours(seed: u64) -> Vec<f32> {
    let grid = Grid::new(8, 8).unwrap();
    let mut w = vec![0.0; blocked_len(64, 3)];
    let mut map = MapMut::new(grid, 3, &mut w).unwrap();
    init::normal(&mut map, &mut Xoshiro256PlusPlus::seed_from_u64(seed));
    let training = Training {
        shape: Shape::Gaussian,
        alpha: Schedule::Linear {
            start: 0.3,
            end: 0.0,
        },
        sigma: Schedule::Linear {
            start: 4.0,
            end: 0.0,
        },
        cutoff: 0.0,
        clock: Clock::Epoch,
    };
    training.online(&mut map, &colours(), 100).unwrap();
    w
}

#[test]
#[cfg_attr(miri, ignore = "thousands of training steps: too slow under Miri")]
fn same_seed_same_map_bit_for_bit() {
    let a = train_colours(7);
    let b = train_colours(7);
    assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
    let c = train_colours(8);
    assert!(a.iter().zip(&c).any(|(x, y)| x != y));
}

#[test]
#[cfg_attr(miri, ignore = "thousands of training steps: too slow under Miri")]
fn online_training_fits_the_colours() {
    let w = train_colours(1);
    let map = Map::new(Grid::new(8, 8).unwrap(), 3, &w).unwrap();
    let data = colours();
    // 15 colours on 64 units: every colour ends near a unit of its own.
    let qe = map.quantization_error(&data).unwrap();
    assert!(qe < 0.1, "{qe}");
    let mut seen = std::collections::HashSet::new();
    for x in data.chunks_exact(3) {
        seen.insert(map.bmu(x).unwrap().unit);
    }
    assert_eq!(seen.len(), 15);
}

#[test]
#[cfg_attr(miri, ignore = "ten batch epochs: too slow under Miri")]
fn batch_training_reduces_the_error() {
    let grid = Grid::new(5, 6).unwrap();
    let data = colours();
    let mut w = vec![0.0; blocked_len(30, 3)];
    let mut map = MapMut::new(grid, 3, &mut w).unwrap();
    init::uniform(
        &mut map,
        &mut Xoshiro256PlusPlus::seed_from_u64(3),
        0.0,
        1.0,
    )
    .unwrap();
    let before = map.as_map().quantization_error(&data).unwrap();
    let (mut hits, mut sums) = (vec![0u64; 30], vec![0f64; 90]);
    for epoch in 0..10 {
        let sigma = Schedule::Linear {
            start: 3.0,
            end: 0.5,
        }
        .at(epoch, 10);
        let mut stats = BatchStats::new(&mut hits, &mut sums, 30, 3).unwrap();
        stats.clear();
        stats.accumulate(&map.as_map(), &data).unwrap();
        let nb = Neighbourhood::new(Shape::Gaussian, sigma).unwrap();
        map.apply_batch(&hits, &sums, &nb).unwrap();
    }
    let after = map.as_map().quantization_error(&data).unwrap();
    assert!(after < before / 1.5, "{before} -> {after}");
}

#[test]
fn samples_init_copies_samples() {
    let data = colours();
    let mut w = vec![0.0; blocked_len(12, 3)];
    let mut map = MapMut::new(Grid::new(3, 4).unwrap(), 3, &mut w).unwrap();
    init::samples(&mut map, &mut Xoshiro256PlusPlus::seed_from_u64(5), &data).unwrap();
    let mut unit = [0.0; 3];
    for k in 0..12 {
        map.as_map().unit(k, &mut unit).unwrap();
        assert!(data.chunks_exact(3).any(|x| x == unit));
    }
    assert!(init::samples(&mut map, &mut Xoshiro256PlusPlus::seed_from_u64(5), &[]).is_err());
}

#[test]
fn linear_init_spans_the_principal_plane() {
    // Points on the plane z = x + 2y, spread more along x than along y.
    let mut data = Vec::new();
    for i in 0..20 {
        for j in 0..7 {
            let (x, y) = (i as f32 * 0.5 - 3.0, j as f32 * 0.25 + 1.0);
            data.extend_from_slice(&[x, y, x + 2.0 * y]);
        }
    }
    let grid = Grid::new(4, 9).unwrap();
    let mut w = vec![0.0; blocked_len(36, 3)];
    let mut map = MapMut::new(grid, 3, &mut w).unwrap();
    let mut scratch = vec![0.0; init::linear_scratch_len(3)];
    init::linear(&mut map, &data, &mut scratch).unwrap();
    let map = map.as_map();
    let mut mean = [0.0f32; 3];
    let mut unit = [0.0f32; 3];
    for k in 0..36 {
        map.unit(k, &mut unit).unwrap();
        // On the data's plane.
        assert!((unit[2] - unit[0] - 2.0 * unit[1]).abs() < 1e-3, "{unit:?}");
        for d in 0..3 {
            mean[d] += unit[d] / 36.0;
        }
    }
    // Centred on the data's mean (x: 1.75, y: 1.75).
    assert!(
        (mean[0] - 1.75).abs() < 1e-3 && (mean[1] - 1.75).abs() < 1e-3,
        "{mean:?}"
    );
    // Ordered: along a row of the map, consecutive units are equally spaced.
    map.unit(0, &mut unit).unwrap();
    let first = unit;
    map.unit(8, &mut unit).unwrap();
    assert!(
        unit[0] - first[0] > 3.0,
        "the long axis of the data lies along the map's columns"
    );
}

#[test]
#[cfg_attr(miri, ignore = "thousands of training steps: too slow under Miri")]
fn fixed_map_checks_capacity_and_trains_without_allocating() {
    let too_small = FixedMap::<{ blocked_len(16, 3) - 1 }>::new(Grid::new(4, 4).unwrap(), 3);
    assert_eq!(
        too_small.unwrap_err(),
        Error::Capacity {
            needed: 48,
            capacity: 47
        }
    );
    let mut som = FixedMap::<{ blocked_len(8 * 8, 3) }>::new(Grid::new(8, 8).unwrap(), 3).unwrap();
    init::uniform(
        &mut som.map_mut(),
        &mut Xoshiro256PlusPlus::seed_from_u64(2),
        0.0,
        1.0,
    )
    .unwrap();
    let training = Training {
        shape: Shape::Gaussian,
        alpha: Schedule::Linear {
            start: 0.5,
            end: 0.01,
        },
        sigma: Schedule::Linear {
            start: 4.0,
            end: 0.5,
        },
        cutoff: 1e-3,
        clock: Clock::Sample,
    };
    training
        .online(&mut som.map_mut(), &colours(), 200)
        .unwrap();
    let qe = som.map().quantization_error(&colours()).unwrap();
    assert!(qe < 0.1, "{qe}");
}

#[test]
fn training_rejects_bad_data_before_touching_the_map() {
    let mut som = FixedMap::<{ blocked_len(4, 2) }>::new(Grid::new(2, 2).unwrap(), 2).unwrap();
    let training = Training {
        shape: Shape::Bubble,
        alpha: Schedule::Constant(0.1),
        sigma: Schedule::Constant(1.0),
        cutoff: 0.0,
        clock: Clock::Sample,
    };
    let e = training
        .online(&mut som.map_mut(), &[0.0, 1.0, 2.0, f32::NAN], 3)
        .unwrap_err();
    assert_eq!(
        e,
        Error::NonFinite {
            sample: 1,
            component: 1
        }
    );
    assert_eq!(
        e.to_string(),
        "sample 1 has a non-finite value at component 1, expected finite numbers"
    );
    assert!(
        training
            .online(&mut som.map_mut(), &[0.0, 1.0, 2.0], 3)
            .is_err()
    );
    assert!(som.map().weights().iter().all(|&w| w == 0.0));
    let bad = Training {
        sigma: Schedule::Constant(0.0),
        ..training
    };
    assert!(matches!(
        bad.online(&mut som.map_mut(), &[0.0, 1.0], 1),
        Err(Error::Parameter { .. })
    ));
}

#[test]
fn online_driver_equals_the_reference_loop() {
    // The same schedules run through reference::bmu and reference::update on a row-major
    // codebook: the driver must follow it (bubble: exact h, so only FMA rounding differs).
    let grid = Grid::with(6, 7, Topology::Hexagonal, Boundary::Planar).unwrap();
    let data = colours();
    let mut rm: Vec<f32> = (0..42 * 3)
        .map(|i| ((i * 37) % 101) as f32 / 101.0)
        .collect();
    let mut w = blocked(&rm, 42, 3);
    let training = Training {
        shape: Shape::Bubble,
        alpha: Schedule::Linear {
            start: 0.05,
            end: 0.0,
        },
        sigma: Schedule::Linear {
            start: 4.0,
            end: 1.0,
        },
        cutoff: 0.0,
        clock: Clock::Sample,
    };
    // Fewer epochs under Miri, where each step is slow.
    let epochs = if cfg!(miri) { 2 } else { 20 };
    training
        .online(&mut MapMut::new(grid, 3, &mut w).unwrap(), &data, epochs)
        .unwrap();
    let total = epochs as usize * 15;
    for t in 0..total {
        let x = &data[(t % 15) * 3..][..3];
        let (nb, alpha) = training.at(t as u64, total as u64).unwrap();
        let b = som_kernel::reference::bmu(&rm, 3, x);
        som_kernel::reference::update(&mut rm, &grid, 3, x, b.unit, &nb, alpha);
    }
    let mut got = vec![0.0; 42 * 3];
    layout::to_row_major(&w, 42, 3, &mut got).unwrap();
    for (a, b) in got.iter().zip(&rm) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
}
