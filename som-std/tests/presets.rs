//! Each preset against an independent, straightforward transcription of the system it names
//! (f64 unless the system itself computes in f32), run from the same initial codebook.

use som_std::minisom::{MiniSom, OnlineRun};
use som_std::{Init, MiniSomLattice, Order, Preset, Som, Topology};

fn colours() -> Vec<[f32; 3]> {
    som_std::datasets::colours()
}

/// Index of the nearest unit, first among equals (numpy's argmin).
fn argmin(w: &[f64], dim: usize, x: &[f64]) -> usize {
    let mut best = (f64::INFINITY, 0);
    for (k, u) in w.chunks_exact(dim).enumerate() {
        let d: f64 = u.iter().zip(x).map(|(a, b)| (a - b) * (a - b)).sum();
        if d < best.0 {
            best = (d, k);
        }
    }
    best.1
}

/// The TensorFlow example's training loop, transcribed (SOM class, `train`).
fn tensorflow_example(
    init: &[f32],
    m: usize,
    n: usize,
    iterations: usize,
    data: &[[f32; 3]],
) -> Vec<f64> {
    let (alpha, sigma) = (0.3, m.max(n) as f64 / 2.0);
    let mut w: Vec<f64> = init.iter().map(|&v| f64::from(v)).collect();
    for it in 0..iterations {
        let lr = 1.0 - it as f64 / iterations as f64;
        let (a, s) = (alpha * lr, sigma * lr);
        for x in data {
            let x: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
            let b = argmin(&w, 3, &x);
            let (bi, bj) = ((b / n) as f64, (b % n) as f64);
            for (k, u) in w.chunks_exact_mut(3).enumerate() {
                let (i, j) = ((k / n) as f64, (k % n) as f64);
                let d2 = (i - bi).powi(2) + (j - bj).powi(2);
                let h = a * (-d2 / (s * s)).exp();
                for (ud, xd) in u.iter_mut().zip(&x) {
                    *ud += h * (xd - *ud);
                }
            }
        }
    }
    w
}

#[test]
fn seed_reproduces_the_tensorflow_example() {
    let mut som = Som::seed(20, 30, 3, 400, None, None).unwrap();
    let init = som.codebook();
    // Standard normal initial weights, as tf.random_normal.
    let mean = init.iter().sum::<f32>() / init.len() as f32;
    let var = init.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / init.len() as f32;
    assert!(
        mean.abs() < 0.1 && (var - 1.0).abs() < 0.1,
        "mean {mean} var {var}"
    );
    som.train(colours().as_slice()).unwrap();
    let want = tensorflow_example(&init, 20, 30, 400, &colours());
    let got = som.codebook();
    let worst = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (f64::from(*a) - b).abs())
        .fold(0.0, f64::max);
    assert!(
        worst < 1e-4,
        "largest difference from the f64 transcription: {worst}"
    );
    // The same places for every colour.
    let places = som.map(colours().as_slice()).unwrap();
    for (x, (r, c)) in colours().iter().zip(places) {
        let x: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
        let k = argmin(&want, 3, &x);
        assert_eq!((r, c), (k / 30, k % 30));
    }
    // The example's API shapes.
    let centroids = som.centroids();
    assert_eq!(
        (centroids.len(), centroids[0].len(), centroids[0][0].len()),
        (20, 30, 3)
    );
}

/// MiniSom 2.3's `train(data, T)` with its defaults, transcribed: step t presents sample
/// t % n; eta = 0.5 / (1 + t / (T/2)), sig = 1 / (1 + t / (T/2)); Gaussian as the product of
/// exp(-dx^2 / (2 sig^2)) and exp(-dy^2 / (2 sig^2)); w += eta g (x - w).
fn minisom(init: &[f32], y: usize, dim: usize, steps: usize, data: &[Vec<f32>]) -> Vec<f64> {
    let mut w: Vec<f64> = init.iter().map(|&v| f64::from(v)).collect();
    let decay = |p: f64, t: usize| p / (1.0 + t as f64 / (steps as f64 / 2.0));
    for t in 0..steps {
        let s: Vec<f64> = data[t % data.len()].iter().map(|&v| f64::from(v)).collect();
        let (eta, sig) = (decay(0.5, t), decay(1.0, t));
        let b = argmin(&w, dim, &s);
        let (bi, bj) = ((b / y) as f64, (b % y) as f64);
        let d = 2.0 * sig * sig;
        for (k, u) in w.chunks_exact_mut(dim).enumerate() {
            let (i, j) = ((k / y) as f64, (k % y) as f64);
            let g = (-(i - bi).powi(2) / d).exp() * (-(j - bj).powi(2) / d).exp() * eta;
            for (ud, sd) in u.iter_mut().zip(&s) {
                *ud += g * (sd - *ud);
            }
        }
    }
    w
}

#[test]
fn minisom_matches_its_training_loop() {
    // A 7x9 map on 4-dimensional data (the shape of iris), 600 steps.
    let data: Vec<Vec<f32>> = (0..40)
        .map(|i| {
            let t = i as f32 * 0.37;
            vec![
                t.sin(),
                t.cos(),
                (2.0 * t).sin() * 0.5,
                (i % 3) as f32 - 1.0,
            ]
        })
        .collect();
    let mut som = Som::minisom(7, 9, 4).unwrap();
    let init = som.codebook();
    for u in init.chunks_exact(4) {
        let norm: f32 = u.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!(
            (norm - 1.0).abs() < 1e-5,
            "MiniSom's initial weights have length 1"
        );
    }
    som.train_online(&data, 600, Order::Sequential).unwrap();
    let want = minisom(&init, 9, 4, 600, &data);
    let worst = som
        .codebook()
        .iter()
        .zip(&want)
        .map(|(a, b)| (f64::from(*a) - b).abs())
        .fold(0.0, f64::max);
    assert!(
        worst < 1e-4,
        "largest difference from the f64 transcription: {worst}"
    );
}

/// SOM_PAK 3.1's `vsom`, transcribed from its C (float arithmetic): samples in file order;
/// `alpha(t) = alpha (rlen - t) / rlen`; `radius(t) = 1 + (radius - 1) (rlen - t) / rlen`
/// (in double, stored as float); winner by `find_winner_euc` (strict `<`); `bubble_adapt`:
/// every unit with `hexa_dist(winner, unit) <= radius` moves by `alpha (x - w)`.
fn vsom(
    codebook: &mut [f32],
    xdim: usize,
    dim: usize,
    data: &[f32],
    rlen: usize,
    alpha: f32,
    radius: f32,
) {
    let hexa_dist = |bx: i64, by: i64, tx: i64, ty: i64| -> f32 {
        let mut diff = (bx - tx) as f32;
        if (by - ty) % 2 != 0 {
            if by % 2 == 0 {
                diff -= 0.5;
            } else {
                diff += 0.5;
            }
        }
        let mut temp = diff * diff;
        let dy = (by - ty) as f32;
        temp += (0.75 * f64::from(dy) * f64::from(dy)) as f32;
        (f64::from(temp)).sqrt() as f32
    };
    let n = data.len() / dim;
    for t in 0..rlen {
        let x = &data[(t % n) * dim..][..dim];
        let a = alpha * (rlen - t) as f32 / rlen as f32;
        let r = (1.0 + (f64::from(radius) - 1.0) * (rlen - t) as f64 / rlen as f64) as f32;
        let (mut best, mut winner) = (f32::INFINITY, 0);
        for (k, w) in codebook.chunks_exact(dim).enumerate() {
            let d: f32 = w.iter().zip(x).map(|(a, b)| (b - a) * (b - a)).sum();
            if d < best {
                (best, winner) = (d, k);
            }
        }
        let (bx, by) = ((winner % xdim) as i64, (winner / xdim) as i64);
        for (k, w) in codebook.chunks_exact_mut(dim).enumerate() {
            if hexa_dist(bx, by, (k % xdim) as i64, (k / xdim) as i64) <= r {
                for (wd, xd) in w.iter_mut().zip(x) {
                    *wd += a * (xd - *wd);
                }
            }
        }
    }
}

#[test]
fn sompak_reproduces_vsom_on_kohonens_example() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sompak/");
    let data = som_std::io::read_data(format!("{dir}ex.dat"), None).unwrap();
    let cod = som_std::io::read_cod(
        std::fs::File::open(format!("{dir}ex_init.cod")).unwrap(),
        "ex_init.cod",
    )
    .unwrap();
    assert_eq!((cod.cols, cod.rows, cod.dim, data.dim), (12, 8, 5, 5));
    // The classic run: ordering phase, then convergence phase, then qerror.
    let mut want = cod.weights.clone();
    vsom(&mut want, 12, 5, &data.data, 1000, 0.05, 10.0);
    vsom(&mut want, 12, 5, &data.data, 10000, 0.02, 3.0);

    let mut som = Som::sompak(&cod, 0.05, 10.0).unwrap();
    som.train_online(&data, 1000, Order::Sequential).unwrap();
    let mut cod1 = som.to_sompak().unwrap();
    cod1.weights = som.codebook();
    let mut som = Som::sompak(&cod1, 0.02, 3.0).unwrap();
    som.train_online(&data, 10000, Order::Sequential).unwrap();

    let got = som.codebook();
    let worst = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
        .fold(0.0, f32::max);
    assert!(
        worst < 1e-4,
        "largest relative difference from vsom: {worst}"
    );
    let qe_want: f64 = data
        .data
        .chunks_exact(5)
        .map(|x| {
            want.chunks_exact(5)
                .map(|w| {
                    w.iter()
                        .zip(x)
                        .map(|(a, b)| f64::from(a - b).powi(2))
                        .sum::<f64>()
                })
                .fold(f64::INFINITY, f64::min)
                .sqrt()
        })
        .sum::<f64>()
        / data.len() as f64;
    let qe = f64::from(som.quantization_error(&data).unwrap());
    assert!(
        (qe - qe_want).abs() < 1e-4 * qe_want,
        "qerror {qe} vs vsom's {qe_want}"
    );
}

/// One training run of MiniSom 2.3.6, from `tests/data/minisom/minisom_2.3.6.json` (made by
/// `make_fixture.py` beside it).
struct MiniSomCase {
    topology: Topology,
    sigma: f64,
    learning_rate: f64,
    steps: u64,
    initial: Vec<f32>,
    trained: Vec<f64>,
    winners: Vec<(usize, usize)>,
    quantization_error: f64,
    topographic_error: f64,
}

/// `(x, y, dim, data, cases)` of the MiniSom fixture.
fn minisom_fixture() -> (usize, usize, usize, Vec<f32>, Vec<MiniSomCase>) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/minisom/minisom_2.3.6.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let f64s = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let f32s = |v: &serde_json::Value| -> Vec<f32> {
        // Every stored start value is an f32 widened to f64: exact on the way back.
        f64s(v).into_iter().map(|x| x as f32).collect()
    };
    let size = |k: &str| v[k].as_u64().unwrap() as usize;
    let cases = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| MiniSomCase {
            topology: match c["topology"].as_str().unwrap() {
                "hexagonal" => Topology::Hexagonal,
                _ => Topology::Rectangular,
            },
            sigma: c["sigma"].as_f64().unwrap(),
            learning_rate: c["learning_rate"].as_f64().unwrap(),
            steps: c["steps"].as_u64().unwrap(),
            initial: f32s(&c["initial"]),
            trained: f64s(&c["trained"]),
            winners: c["winners"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| {
                    (
                        w[0].as_u64().unwrap() as usize,
                        w[1].as_u64().unwrap() as usize,
                    )
                })
                .collect(),
            quantization_error: c["quantization_error"].as_f64().unwrap(),
            topographic_error: c["topographic_error"].as_f64().unwrap(),
        })
        .collect();
    (size("x"), size("y"), size("dim"), f32s(&v["data"]), cases)
}

/// Largest difference between a map's codebook, read as MiniSom's weights, and MiniSom's.
fn worst(lattice: &MiniSomLattice, som: &Som, want: &[f64]) -> f64 {
    let got = lattice
        .codebook_to_minisom(&som.codebook(), som.dim())
        .unwrap();
    got.iter()
        .zip(want)
        .map(|(a, b)| (f64::from(*a) - b).abs())
        .fold(0.0, f64::max)
}

#[test]
fn minisom_reproduces_minisom_2_3_6_on_both_lattices() {
    let (x, y, dim, flat, cases) = minisom_fixture();
    let data = som_std::Flat::new(&flat, dim).unwrap();
    assert!(cases.iter().any(|c| c.topology == Topology::Hexagonal));
    for (n, case) in cases.iter().enumerate() {
        let lattice = MiniSomLattice::new(x, y, case.topology);
        let (rows, cols) = lattice.shape();
        let start = lattice.codebook_from_minisom(&case.initial, dim).unwrap();
        let mut p = Preset::MiniSom.settings(rows, cols);
        p.topology = case.topology;
        p.sigma = case.sigma as f32;
        p.alpha = case.learning_rate as f32;
        p.init = Init::Codebook(start.clone());
        let mut som = p.build(dim).unwrap();
        som.train_online(&data, case.steps, Order::Sequential)
            .unwrap();
        let w = worst(&lattice, &som, &case.trained);
        assert!(w < 1e-4, "case {n}: largest difference from MiniSom: {w}");
        // MiniSom's defaults: Som::minisom_with is the same map.
        if (case.sigma, case.learning_rate) == (1.0, 0.5) {
            let mut same = Som::minisom_with(x, y, dim, case.topology).unwrap();
            same.set_codebook(&start).unwrap();
            same.train_online(&data, case.steps, Order::Sequential)
                .unwrap();
            assert_eq!(same.codebook(), som.codebook(), "case {n}");
        }
        // Winners carry MiniSom's names through the lattice.
        for (k, &(i, j)) in case.winners.iter().enumerate() {
            let unit = som.bmu(&flat[k * dim..(k + 1) * dim]).unwrap().unit;
            assert_eq!(Some(unit), lattice.unit(i, j), "case {n} sample {k}");
            assert_eq!(lattice.minisom_unit(unit), Some((i, j)));
        }
        let qe = f64::from(som.quantization_error(&data).unwrap());
        assert!(
            (qe - case.quantization_error).abs() < 1e-5,
            "case {n}: QE {qe} vs MiniSom's {}",
            case.quantization_error
        );
        let te = f64::from(som.topographic_error(&data).unwrap());
        assert!(
            (te - case.topographic_error).abs() < 1e-6,
            "case {n}: TE {te} vs MiniSom's {}",
            case.topographic_error
        );
    }
}

#[test]
fn minisom_module_reproduces_minisom_2_3_6() {
    // som_std::minisom (what the Python package's som.MiniSom runs) on MiniSom's own float64
    // weights: its train loop with its asymptotic decays, step by step.
    let (x, y, dim, flat, cases) = minisom_fixture();
    let data = som_std::Flat::new(&flat, dim).unwrap();
    let n = flat.len() / dim;
    for (k, case) in cases.iter().enumerate() {
        let lattice = MiniSomLattice::new(x, y, case.topology);
        let som = MiniSom::new(lattice, dim).unwrap();
        let steps = case.steps as usize;
        let decay = |p: f64| -> Vec<f64> {
            let half = steps as f64 / 2.0;
            (0..steps).map(|t| p / (1.0 + t as f64 / half)).collect()
        };
        let (eta, sigma) = (decay(case.learning_rate), decay(case.sigma));
        let indices: Vec<usize> = (0..steps).map(|t| t % n).collect();
        let run = OnlineRun::new(&indices, &eta, &sigma);
        let mut w: Vec<f64> = case.initial.iter().map(|&v| f64::from(v)).collect();
        som.train(&mut w, data, &run).unwrap();
        let worst = w
            .iter()
            .zip(&case.trained)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(
            worst < 1e-4,
            "case {k}: largest difference from MiniSom: {worst}"
        );
        let winners: Vec<usize> = case.winners.iter().map(|&(i, j)| i * y + j).collect();
        assert_eq!(som.winners(&w, data).unwrap(), winners, "case {k}");
        for (pair, &best) in som.winners2(&w, data).unwrap().iter().zip(&winners) {
            assert_eq!(pair[0], best, "case {k}");
            assert_ne!(pair[1], best, "case {k}");
        }
    }
}

#[test]
fn minisom_hexagonal_needs_the_reflection() {
    // Without the reflection (MiniSom's row j as the grid's row j) the lattice of a map with
    // an even y is the mirror image of MiniSom's: the test above would see it.
    let (x, y, dim, data, cases) = minisom_fixture();
    assert_eq!(y % 2, 0);
    let data = som_std::Flat::new(&data, dim).unwrap();
    let case = cases
        .iter()
        .find(|c| c.topology == Topology::Hexagonal)
        .unwrap();
    // MiniSom's (i, j) at row j, column i: the unit index j * x + i.
    let mut start = vec![0.0; x * y * dim];
    for (m, w) in case.initial.chunks_exact(dim).enumerate() {
        let (i, j) = (m / y, m % y);
        start[(j * x + i) * dim..][..dim].copy_from_slice(w);
    }
    let mut p = Preset::MiniSom.settings(y, x);
    p.topology = Topology::Hexagonal;
    p.init = Init::Codebook(start);
    let mut som = p.build(dim).unwrap();
    som.train_online(&data, case.steps, Order::Sequential)
        .unwrap();
    let cb = som.codebook();
    let w = case
        .trained
        .chunks_exact(dim)
        .enumerate()
        .flat_map(|(m, want)| {
            let (i, j) = (m / y, m % y);
            let got = &cb[(j * x + i) * dim..][..dim];
            got.iter()
                .zip(want)
                .map(|(a, b)| (f64::from(*a) - b).abs())
                .collect::<Vec<_>>()
        })
        .fold(0.0, f64::max);
    assert!(w > 1e-3, "the mirrored lattice trains the same map? {w}");
}

/// The library's own settings are named as the kernel's are, and a preset's settings refuse
/// batch training where its weighted mean would be undefined, before any data is read.
#[test]
fn names_and_batch_conflicts_of_the_settings() {
    use som_std::io::export::Language;
    use som_std::{BatchConflict, Decay, Named, PresetSettings, Shape};
    assert_eq!(Preset::NAMES, ["seed", "minisom", "sompak"]);
    assert_eq!("minisom".parse::<Preset>().unwrap(), Preset::MiniSom);
    assert_eq!(Decay::Exponential.to_string(), "exponential");
    assert_eq!("random".parse::<Order>().unwrap(), Order::Shuffled);
    assert_eq!(Order::Shuffled.to_string(), "shuffled");
    assert_eq!("c".parse::<Language>().unwrap(), Language::C);
    assert!("sompack".parse::<Preset>().is_err());

    let mut p = PresetSettings::new(4, 5);
    assert_eq!(p.check_batch(), Ok(()));
    p.neighbourhood = Shape::MexicanHat;
    assert_eq!(
        p.check_batch(),
        Err(BatchConflict::Neighbourhood(Shape::MexicanHat))
    );
    // The seed's width falls linearly to 0: its last batch epoch would have no width.
    let seed = Preset::Seed.settings(4, 5);
    assert_eq!(seed.check_batch(), Err(BatchConflict::FinalWidth(0.0)));
    let message = som_std::Error::from(BatchConflict::FinalWidth(0.0)).to_string();
    assert!(message.contains("final width is 0"), "{message}");
}
