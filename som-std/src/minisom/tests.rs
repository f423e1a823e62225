//! MiniSom's semantics against MiniSom: its lattice and neighbourhood functions by hand, its
//! batch and online training against transcriptions of its loops. (Against MiniSom 2.3.6's
//! own runs: `tests/presets.rs`.)

use super::*;
use crate::Topology;
use crate::data::Flat;

const TOPOLOGIES: [Topology; 2] = [Topology::Rectangular, Topology::Hexagonal];
/// Odd and even `y`, and maps one unit wide either way.
const SHAPES: [(usize, usize); 5] = [(6, 7), (7, 6), (5, 5), (1, 4), (4, 1)];

/// `n` samples of `dim` values in `[0, 1)`, from a fixed linear congruential sequence.
fn samples(n: usize, dim: usize, seed: u64) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n * dim)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 40) as f32 / (1u64 << 24) as f32
        })
        .collect()
}

/// Weights for `units` units of `dim` values in `[0, 1)`.
fn weights(units: usize, dim: usize, seed: u64) -> Vec<f64> {
    samples(units, dim, seed)
        .into_iter()
        .map(f64::from)
        .collect()
}

fn largest_difference(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

#[test]
fn lattice_maps_minisoms_units_both_ways() {
    for (x, y) in SHAPES {
        for topology in TOPOLOGIES {
            let lattice = MiniSomLattice::new(x, y, topology);
            let grid = lattice.grid().unwrap();
            assert_eq!((grid.rows(), grid.cols()), lattice.shape());
            let mut seen = vec![false; x * y];
            for i in 0..x {
                for j in 0..y {
                    let k = lattice.unit(i, j).unwrap();
                    assert!(!seen[k], "{topology:?} {x}x{y}: unit {k} twice");
                    seen[k] = true;
                    assert_eq!(lattice.minisom_unit(k), Some((i, j)));
                    assert_eq!(lattice.unit_of_index(i * y + j), k);
                    assert_eq!(lattice.index_of_unit(k), i * y + j);
                }
            }
            assert_eq!((lattice.unit(x, 0), lattice.unit(0, y)), (None, None));
            assert_eq!(lattice.minisom_unit(x * y), None);
        }
    }
    // Hexagonal: y rows of x, MiniSom's j upwards, so (0, y - 1) is the top left unit.
    let hex = MiniSomLattice::new(5, 4, Topology::Hexagonal);
    assert_eq!(hex.shape(), (4, 5));
    assert_eq!(hex.unit(0, 3), Some(0));
    assert_eq!(hex.unit(4, 0), Some(19));
    assert_eq!(hex.unit(2, 2), Some(7));
}

#[test]
fn coordinates_are_minisoms() {
    assert_eq!(hex_y_factor(), 1.5 / 3.0f64.sqrt());
    assert!((hex_y_factor() - 3.0f64.sqrt() / 2.0).abs() < 1e-15);
    let rect = MiniSomLattice::new(3, 2, Topology::Rectangular);
    assert_eq!(
        rect.coordinates(),
        (vec![0., 0., 1., 1., 2., 2.], vec![0., 1., 0., 1., 0., 1.])
    );
    // MiniSom: `_xx[::-2] -= 0.5` shifts the columns y - 1, y - 3, ..; `_yy *= factor`.
    let f = hex_y_factor();
    for (y, shifted) in [(2, [false, true]), (3, [true, false])] {
        let hex = MiniSomLattice::new(3, y, Topology::Hexagonal);
        let (xx, yy) = hex.coordinates();
        for i in 0..3 {
            for j in 0..2 {
                let want = (i as f64 - if shifted[j] { 0.5 } else { 0.0 }, j as f64 * f);
                assert_eq!((xx[i * y + j], yy[i * y + j]), want, "y {y}, ({i}, {j})");
                assert_eq!(hex.position(i, j), want);
            }
        }
    }
    // Every inner hexagonal unit has six neighbours 1 apart.
    let hex = MiniSomLattice::new(6, 7, Topology::Hexagonal);
    for (i, j) in [(2, 3), (3, 2), (3, 4)] {
        let (a, b) = hex.position(i, j);
        let near = (0..6)
            .flat_map(|u| (0..7).map(move |v| (u, v)))
            .filter(|&(u, v)| {
                let (c, d) = hex.position(u, v);
                (u, v) != (i, j) && ((a - c).hypot(b - d) - 1.0).abs() < 1e-12
            })
            .count();
        assert_eq!(near, 6, "({i}, {j})");
    }
}

#[test]
fn function_names_are_minisoms() {
    for f in NeighbourhoodFunction::ALL {
        assert_eq!(f.name().parse::<NeighbourhoodFunction>().unwrap(), f);
        assert_eq!(f.to_string(), f.name());
    }
    let e = "cauchy".parse::<NeighbourhoodFunction>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "cauchy not supported. Functions available: gaussian, mexican_hat, bubble, triangle"
    );
    assert_eq!(
        NeighbourhoodFunction::Gaussian.shape(),
        Some(crate::Shape::Gaussian)
    );
    assert_eq!(NeighbourhoodFunction::Bubble.shape(), None);
}

#[test]
fn neighbourhoods_are_minisoms_formulas() {
    use NeighbourhoodFunction::*;
    let rect = MiniSomLattice::new(5, 4, Topology::Rectangular);
    let at = |h: &[f64], i: usize, j: usize| h[i * 4 + j];
    let s = 1.5;
    let g = rect.neighbourhood(Gaussian, (2, 1), s).unwrap();
    assert_eq!(at(&g, 2, 1), 1.0);
    let e1 = (-1.0 / (2.0 * s * s)).exp();
    assert_eq!(at(&g, 3, 1), e1);
    assert_eq!(at(&g, 2, 2), e1);
    assert_eq!(at(&g, 3, 2), e1 * e1);
    let m = rect.neighbourhood(MexicanHat, (2, 1), 1.5).unwrap();
    assert_eq!(at(&m, 2, 1), 1.0);
    assert!(at(&m, 3, 1) > 0.0 && at(&m, 4, 1) < 0.0, "{m:?}");
    // The bubble is a square, strict at sigma: |di| < 2 and |dj| < 2.
    let b = rect.neighbourhood(Bubble, (2, 1), 2.0).unwrap();
    for i in 0..5usize {
        for j in 0..4usize {
            let inside = i.abs_diff(2) < 2 && j.abs_diff(1) < 2;
            assert_eq!(at(&b, i, j), f64::from(u8::from(inside)), "({i}, {j})");
        }
    }
    // The triangle is a product of two triangles, 0 from sigma on.
    let t = rect.neighbourhood(Triangle, (2, 1), 2.0).unwrap();
    for i in 0..5 {
        for j in 0..4 {
            let tri = |d: usize| (2.0 - d as f64).max(0.0);
            assert_eq!(at(&t, i, j), tri(i.abs_diff(2)) * tri(j.abs_diff(1)));
        }
    }
    assert!(rect.neighbourhood(Gaussian, (5, 0), 1.0).is_err());
    assert!(rect.neighbourhood(Gaussian, (0, 4), 1.0).is_err());
    // Hexagonal: the Gaussian on MiniSom's coordinates (six neighbours alike), the bubble
    // and the triangle on the grid indices, as on the rectangular lattice.
    let hex = MiniSomLattice::new(5, 4, Topology::Hexagonal);
    let g = hex.neighbourhood(Gaussian, (2, 1), s).unwrap();
    let ring = g.iter().filter(|&&v| (v - e1).abs() < 1e-12).count();
    assert_eq!(ring, 6);
    for f in [Bubble, Triangle] {
        assert_eq!(
            hex.neighbourhood(f, (2, 1), 2.0).unwrap(),
            rect.neighbourhood(f, (2, 1), 2.0).unwrap()
        );
    }
}

/// MiniSom's `train_batch_offline`, transcribed: per iteration, per sample, its winner and
/// `g = neighborhood(bmu, sigma)`; `numerator += g * sample`, `denominator += g`; then the
/// units with `denominator > 0` move.
fn batch_reference(som: &MiniSom, w: &mut [f64], data: &[f32], eta: &[f64], sigma: &[f64]) {
    let (lattice, dim) = (som.lattice(), som.dim());
    let order = MiniSomLattice::new(lattice.x, lattice.y, Topology::Rectangular);
    let search = MiniSom::new(order, dim)
        .unwrap()
        .with_distance(som.distance());
    for (&lr, &s) in eta.iter().zip(sigma) {
        let flat = Flat::new(data, dim).unwrap();
        let winners = search.winners(w, flat).unwrap();
        let mut num = vec![0.0; w.len()];
        let mut den = vec![0.0; som.units()];
        for (x, &m) in data.chunks_exact(dim).zip(&winners) {
            let c = (m / lattice.y, m % lattice.y);
            let g = lattice.neighbourhood(som.function(), c, s).unwrap();
            for (u, &h) in g.iter().enumerate() {
                den[u] += h;
                for (n, &v) in num[u * dim..(u + 1) * dim].iter_mut().zip(x) {
                    *n += h * f64::from(v);
                }
            }
        }
        for u in (0..som.units()).filter(|&u| den[u] > 0.0) {
            for d in u * dim..(u + 1) * dim {
                w[d] = (1.0 - lr) * w[d] + lr * (num[d] / den[u]);
            }
        }
    }
}

#[test]
fn batch_is_minisoms_loop_on_every_lattice() {
    let (dim, n) = (3, 90);
    let data = samples(n, dim, 1);
    let eta = [0.5, 0.45, 0.4, 0.35];
    for (x, y) in SHAPES {
        for topology in TOPOLOGIES {
            for f in NeighbourhoodFunction::ALL {
                for distance in [Distance::Euclidean, Distance::Manhattan] {
                    let som = MiniSom::new(MiniSomLattice::new(x, y, topology), dim)
                        .unwrap()
                        .with_function(f)
                        .with_distance(distance);
                    // Wide enough to move many units, and for the Mexican hat narrow
                    // enough that some have a positive weighted count.
                    let sigma = match f {
                        NeighbourhoodFunction::Bubble | NeighbourhoodFunction::Triangle => {
                            [3.0, 2.5, 2.0, 1.5]
                        }
                        NeighbourhoodFunction::Gaussian => [2.0, 1.8, 1.6, 1.4],
                        NeighbourhoodFunction::MexicanHat => [1.0, 0.9, 0.8, 0.7],
                    };
                    let start = weights(x * y, dim, 2);
                    let (mut fast, mut naive) = (start.clone(), start.clone());
                    som.train_batch_offline(
                        &mut fast,
                        Flat::new(&data, dim).unwrap(),
                        &eta,
                        &sigma,
                    )
                    .unwrap();
                    batch_reference(&som, &mut naive, &data, &eta, &sigma);
                    // Sums in another order: rounding apart, which the Mexican hat's
                    // weighted counts near 0 magnify.
                    let scale = naive.iter().fold(1.0f64, |m, v| m.max(v.abs()));
                    let tol = if f == NeighbourhoodFunction::MexicanHat {
                        1e-9
                    } else {
                        1e-12
                    };
                    let d = largest_difference(&fast, &naive);
                    assert!(
                        d < tol * scale,
                        "{x}x{y} {topology:?} {f} {distance:?}: differs by {d} (scale {scale})"
                    );
                    assert_ne!(fast, start, "{x}x{y} {topology:?} {f}: nothing moved");
                }
            }
        }
    }
}

#[test]
fn batch_sums_are_the_kernels_batch_statistics() {
    // A bubble narrower than one unit and a learning rate of 1: every unit that wins
    // samples becomes exactly the float64 mean of them, the others stay.
    let (x, y, dim, n) = (4, 3, 5, 60);
    let data = samples(n, dim, 3);
    let flat = Flat::new(&data, dim).unwrap();
    for topology in TOPOLOGIES {
        let som = MiniSom::new(MiniSomLattice::new(x, y, topology), dim)
            .unwrap()
            .with_function(NeighbourhoodFunction::Bubble);
        let start = weights(x * y, dim, 4);
        let order = MiniSom::new(MiniSomLattice::new(x, y, Topology::Rectangular), dim).unwrap();
        let winners = order.winners(&start, flat).unwrap();
        let mut w = start.clone();
        som.train_batch_offline(&mut w, flat, &[1.0], &[1.0])
            .unwrap();
        for u in 0..x * y {
            let mine: Vec<_> = (0..n).filter(|&k| winners[k] == u).collect();
            for d in 0..dim {
                let want = if mine.is_empty() {
                    start[u * dim + d]
                } else {
                    let sum = mine
                        .iter()
                        .fold(0.0, |s, &k| s + f64::from(data[k * dim + d]));
                    sum / mine.len() as f64
                };
                assert_eq!(w[u * dim + d], want, "{topology:?} unit {u}");
            }
        }
    }
}

/// MiniSom's online `update` loop, transcribed in float64 (winners from the kernel's search
/// on the current weights): `w += eta * neighborhood(win, sigma) * (x - w)`.
fn online_reference(som: &MiniSom, w: &mut [f64], data: &[f32], run: &OnlineRun<'_>) {
    let (lattice, dim) = (som.lattice(), som.dim());
    for (t, &k) in run.indices.iter().enumerate() {
        let x = &data[k * dim..(k + 1) * dim];
        let m = match run.fixed.and_then(|f| f[k]) {
            Some(m) => m,
            None => som.winners(w, Flat::new(x, dim).unwrap()).unwrap()[0],
        };
        let (eta, s) = (run.eta[t / run.per], run.sigma[t / run.per]);
        let g = lattice
            .neighbourhood(som.function(), (m / lattice.y, m % lattice.y), s)
            .unwrap();
        for (u, &h) in g.iter().enumerate() {
            for (wd, &v) in w[u * dim..(u + 1) * dim].iter_mut().zip(x) {
                *wd += eta * h * (f64::from(v) - *wd);
            }
        }
    }
}

#[test]
fn online_is_minisoms_loop_on_every_lattice() {
    let (dim, n, steps) = (3, 40, 120);
    let data = samples(n, dim, 5);
    let indices: Vec<usize> = (0..steps).map(|t| (t * 7) % n).collect();
    let eta: Vec<f64> = (0..steps).map(|t| 0.5 / (1.0 + t as f64 / 60.0)).collect();
    for (x, y) in SHAPES {
        for topology in TOPOLOGIES {
            for f in NeighbourhoodFunction::ALL {
                let s0 = if f.on_coordinates() { 1.5 } else { 2.0 };
                let sigma: Vec<f64> = (0..steps).map(|t| s0 / (1.0 + t as f64 / 60.0)).collect();
                let mut fixed = vec![None; n];
                fixed[3] = Some(0);
                fixed[8] = Some(x * y - 1);
                for fixed in [None, Some(&fixed[..])] {
                    let run = OnlineRun {
                        fixed,
                        ..OnlineRun::new(&indices, &eta, &sigma)
                    };
                    let som = MiniSom::new(MiniSomLattice::new(x, y, topology), dim)
                        .unwrap()
                        .with_function(f);
                    let start = weights(x * y, dim, 6);
                    let (mut fast, mut naive) = (start.clone(), start);
                    som.train(&mut fast, Flat::new(&data, dim).unwrap(), &run)
                        .unwrap();
                    online_reference(&som, &mut naive, &data, &run);
                    // The kernel trains in f32: MiniSom's weights to about 1e-6 of their
                    // size (the Mexican hat pushes units away, to any size).
                    let scale = naive.iter().fold(1.0f64, |m, v| m.max(v.abs()));
                    let d = largest_difference(&fast, &naive);
                    assert!(
                        d < 1e-5 * scale,
                        "{x}x{y} {topology:?} {f}: differs by {d} (scale {scale})"
                    );
                }
            }
        }
    }
}

#[test]
fn bad_input_is_refused_and_the_weights_stay() {
    let (dim, n) = (3, 10);
    let som = MiniSom::new(MiniSomLattice::new(4, 3, Topology::Rectangular), dim).unwrap();
    let mut data = samples(n, dim, 7);
    let start = weights(12, dim, 8);
    let mut w = start.clone();
    let indices: Vec<usize> = (0..20).map(|t| t % n).collect();
    let (eta, sigma) = (vec![0.5; 20], vec![1.0; 20]);
    let run = OnlineRun::new(&indices, &eta, &sigma);
    let message = |e: Error| e.to_string();
    assert!(MiniSom::new(MiniSomLattice::new(0, 3, Topology::Rectangular), 3).is_err());
    assert!(MiniSom::new(MiniSomLattice::new(4, 3, Topology::Rectangular), 0).is_err());
    let short = Flat::new(&data[..8], 2).unwrap();
    assert!(message(som.train(&mut w, short, &run).unwrap_err()).contains("Received 2"));
    assert!(
        som.winners(&w[1..], Flat::new(&data, dim).unwrap())
            .is_err()
    );
    let late = OnlineRun {
        indices: &[0, n],
        ..run
    };
    let flat = Flat::new(&data, dim).unwrap();
    assert!(message(som.train(&mut w, flat, &late).unwrap_err()).contains("sample index"));
    let behind = OnlineRun { per: 2, ..run };
    assert!(
        som.train(&mut w, flat, &OnlineRun { per: 0, ..run })
            .is_err()
    );
    let few = [0.5; 9];
    let few = OnlineRun {
        eta: &few,
        ..behind
    };
    assert!(som.train(&mut w, flat, &few).is_err());
    let pushed = [-0.5; 20];
    let e = som
        .train(
            &mut w,
            flat,
            &OnlineRun {
                eta: &pushed,
                ..run
            },
        )
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported(ref m) if m.contains("learning rate")));
    let narrow = [0.0; 20];
    let e = som
        .train(
            &mut w,
            flat,
            &OnlineRun {
                sigma: &narrow,
                ..run
            },
        )
        .unwrap_err();
    assert!(message(e).contains("sigma"));
    let outside = [Some(12); 10];
    let fixed = OnlineRun {
        fixed: Some(&outside),
        ..run
    };
    assert!(som.train(&mut w, flat, &fixed).is_err());
    assert!(som.train_batch_offline(&mut w, flat, &[0.5], &[]).is_err());
    let none = Flat::new(&data[..0], dim).unwrap();
    assert!(
        som.train_batch_offline(&mut w, none, &[0.5], &[1.0])
            .is_err()
    );
    data[5 * dim + 1] = f32::NAN;
    let flat = Flat::new(&data, dim).unwrap();
    assert!(message(som.train(&mut w, flat, &run).unwrap_err()).contains("sample 5"));
    let e = som.train_batch_offline(&mut w, flat, &[0.5], &[1.0]);
    assert!(message(e.unwrap_err()).contains("sample 5"));
    assert_eq!(w, start);
    // Bubble and triangle take any finite width, 0 included (no unit moves).
    let bubble = som.with_function(NeighbourhoodFunction::Bubble);
    let flat = Flat::new(&data[..5 * dim], dim).unwrap();
    let run = OnlineRun {
        indices: &[0, 1, 2],
        sigma: &narrow,
        ..run
    };
    bubble.train(&mut w, flat, &run).unwrap();
    assert_eq!(w, start);
}
