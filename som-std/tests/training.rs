//! Training drivers and queries of `Som`: determinism, thread counts, streaming, inputs.

use som_std::{Flat, Init, Order, Schedule, Shape, Som};

/// 400 samples of dim 5 around four centres.
fn blobs() -> Vec<f32> {
    blobs_n(400)
}

/// `n` samples of dim 5 around four centres.
fn blobs_n(n: usize) -> Vec<f32> {
    let mut state = 12345u32;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state as f32 / u32::MAX as f32 - 0.5
    };
    (0..n)
        .flat_map(|i| (0..5).map(move |d| ((i % 4) * 3 + d % 2) as f32))
        .map(|c| c + next() * 0.2)
        .collect()
}

fn map(threads: usize) -> Som {
    Som::builder(6, 7, 5)
        .init(Init::Samples)
        .sigma(Schedule::Linear {
            start: 3.0,
            end: 0.5,
        })
        .seed(3)
        .threads(threads)
        .build()
        .unwrap()
}

#[test]
fn batch_training_is_identical_for_any_thread_count() {
    let data = blobs();
    let data = Flat::new(&data, 5).unwrap();
    let mut one = map(1);
    one.train_batch(&data, 8).unwrap();
    for threads in [0, 2, 3] {
        let mut other = map(threads);
        other.train_batch(&data, 8).unwrap();
        assert_eq!(one.codebook(), other.codebook(), "{threads} threads");
    }
    assert!(one.quantization_error(&data).unwrap() < 0.5);
}

/// Enough samples for several shards of batch statistics (merged in shard order), and a
/// Gaussian on the rectangular lattice (the separable apply).
#[test]
fn batch_training_over_many_shards_is_identical_for_any_thread_count() {
    let data = blobs_n(11_000);
    let data = Flat::new(&data, 5).unwrap();
    let mut one = map(1);
    one.train_batch(&data, 4).unwrap();
    for threads in [0, 2, 3] {
        let mut other = map(threads);
        other.train_batch(&data, 4).unwrap();
        assert_eq!(one.codebook(), other.codebook(), "{threads} threads");
    }
    assert!(one.quantization_error(&data).unwrap() < 0.5);
}

#[test]
fn shuffled_training_is_reproducible_and_differs_from_sequential() {
    let data = blobs();
    let data = Flat::new(&data, 5).unwrap();
    let run = |order| {
        let mut som = map(1);
        som.train_online(&data, 2000, order).unwrap();
        som.codebook()
    };
    assert_eq!(run(Order::Shuffled), run(Order::Shuffled));
    assert_ne!(run(Order::Shuffled), run(Order::Sequential));
}

#[test]
fn partial_fit_continues_the_schedule() {
    // Streaming one sample at a time equals one run of the same steps over the same order.
    let data = blobs();
    let flat = Flat::new(&data, 5).unwrap();
    let build = || {
        Som::builder(5, 5, 5)
            .init(Init::Uniform {
                low: 0.0,
                high: 10.0,
            })
            .alpha(Schedule::Linear {
                start: 0.4,
                end: 0.0,
            })
            .sigma(Schedule::Linear {
                start: 2.0,
                end: 0.5,
            })
            .stream_steps(400)
            .seed(9)
            .build()
            .unwrap()
    };
    let mut streamed = build();
    for x in data.chunks_exact(5) {
        streamed.partial_fit(x).unwrap();
    }
    let mut batch = build();
    batch.train_online(&flat, 400, Order::Sequential).unwrap();
    assert_eq!(streamed.codebook(), batch.codebook());
    // Saved and loaded, the stream goes on where it stopped.
    let path = std::env::temp_dir().join(format!("som-stream-{}.json", std::process::id()));
    streamed.save(&path).unwrap();
    let mut loaded = Som::load(&path).unwrap();
    assert_eq!(loaded.codebook(), streamed.codebook());
    let x = [1.0, 2.0, 3.0, 4.0, 5.0];
    loaded.partial_fit(&x).unwrap();
    streamed.partial_fit(&x).unwrap();
    assert_eq!(loaded.codebook(), streamed.codebook());
}

#[test]
fn every_input_shape_trains_the_same() {
    let rows: Vec<[f32; 3]> = (0..30)
        .map(|i| [i as f32 / 30.0, (i % 7) as f32 / 7.0, 0.5])
        .collect();
    let vecs: Vec<Vec<f32>> = rows.iter().map(|r| r.to_vec()).collect();
    let flat: Vec<f32> = rows.concat();
    let run = |f: &dyn Fn(&mut Som)| {
        let mut som = Som::builder(4, 4, 3).seed(1).build().unwrap();
        f(&mut som);
        som.codebook()
    };
    let a = run(&|s| s.train_epochs(rows.as_slice(), 5).unwrap());
    let b = run(&|s| s.train_epochs(&vecs, 5).unwrap());
    let c = run(&|s| s.train_epochs(&Flat::new(&flat, 3).unwrap(), 5).unwrap());
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[test]
fn bad_samples_are_named_and_change_nothing() {
    let mut som = Som::builder(3, 3, 2).seed(1).build().unwrap();
    let before = som.codebook();
    let ragged = vec![vec![0.0, 1.0], vec![0.5], vec![1.0, 1.0]];
    let e = som.train_epochs(&ragged, 3).unwrap_err();
    assert_eq!(
        e.to_string(),
        "sample 1 has 1 values, expected 2 (the map's dim)"
    );
    let nan = vec![vec![0.0, 1.0], vec![0.5, 0.5], vec![f32::NAN, 1.0]];
    let e = som.train_batch(&nan, 3).unwrap_err();
    assert!(e.to_string().contains("sample 2"), "{e}");
    assert!(som.train_epochs(&Vec::<Vec<f32>>::new(), 3).is_err());
    assert_eq!(som.codebook(), before);
    assert!(som.bmu(&[1.0]).is_err());
    // bmu is bmus for one sample: the same value, the same NaN policy.
    let x = [0.5f32, 0.25];
    assert_eq!(som.bmu(&x).unwrap(), som.bmus(&[x][..]).unwrap()[0]);
    assert!(som.bmu(&[f32::NAN, 0.0]).is_err());
    assert!(som.bmus(&[[f32::NAN, 0.0]][..]).is_err());
}

#[test]
fn queries_agree_with_each_other() {
    let data = blobs();
    let data = Flat::new(&data, 5).unwrap();
    let mut som = map(0);
    som.train_batch(&data, 10).unwrap();
    let bmus = som.bmus(&data).unwrap();
    let hits = som.hits(&data).unwrap();
    let wins = som.win_map(&data).unwrap();
    assert_eq!(hits.iter().sum::<u64>(), 400);
    for (k, w) in wins.iter().enumerate() {
        assert_eq!(w.len() as u64, hits[k]);
        assert!(w.iter().all(|&i| bmus[i].unit == k));
    }
    let labels: Vec<u8> = (0..400).map(|i| (i % 4) as u8).collect();
    let by_unit = som.labels_map(&data, &labels).unwrap();
    // Four well separated blobs: every unit that wins samples wins one blob only.
    for (k, l) in by_unit.iter().enumerate() {
        assert_eq!(l.is_some(), hits[k] > 0);
        if let Some(l) = l {
            assert!(wins[k].iter().all(|&i| labels[i] == *l));
        }
    }
    let scores = som.quantization_errors(&data).unwrap();
    let mean = scores.iter().sum::<f32>() / 400.0;
    assert!((mean - som.quantization_error(&data).unwrap()).abs() < 1e-5);
    assert!(som.labels_map(&data, &labels[..3]).is_err());
    assert_eq!(som.umatrix().len(), 42);
    let _ = Shape::Gaussian;
}

/// A schedule that would fail at the last epoch fails before the first, leaving the map as
/// it was; too many threads and a codebook larger than memory are errors, not aborts.
#[test]
fn what_would_fail_at_the_end_fails_at_the_start() {
    let data = blobs();
    let flat = Flat::new(&data, 5).unwrap();
    let to_zero = Schedule::Linear {
        start: 2.0,
        end: 0.0,
    };
    // A width that ends at 0, and a neighbourhood that can be negative (refused before the
    // data is read: the start from the samples is not drawn).
    let cases = [
        (Som::builder(4, 4, 5).sigma(to_zero), "0"),
        (
            Som::builder(4, 4, 5)
                .neighbourhood(Shape::MexicanHat)
                .init(Init::Samples),
            "can be negative",
        ),
    ];
    let mut maps = Vec::new();
    for (builder, needle) in cases {
        let mut som = builder.build().unwrap();
        let before = som.codebook();
        let e = som.train_batch(&flat, 3).unwrap_err().to_string();
        assert!(e.contains(needle), "{e}");
        assert_eq!(som.codebook(), before);
        maps.push(som);
    }
    let mut som = maps.remove(0);
    // Online, the same linear decay to 0 is positive at every step before the end.
    som.train_online(&flat, 1000, Order::Sequential).unwrap();
    let e = Som::builder(2, 2, 5)
        .threads(som_std::MAX_THREADS + 1)
        .build()
        .unwrap_err()
        .to_string();
    assert!(e.contains("1025") && e.contains("1024"), "{e}");
    let e = Som::builder(1 << 11, 1 << 11, 1 << 40)
        .build()
        .unwrap_err()
        .to_string();
    assert!(e.contains("more memory than can be had"), "{e}");
}

/// A map trained by another distance searches by it everywhere: each sample's unit is the
/// reference's nearest by that distance on the trained codebook, online and batch training
/// give other maps than the Euclidean ones, and a saved map keeps its distance.
#[test]
fn training_and_queries_use_the_maps_distance() {
    use som_std::Distance;
    use som_std::kernel::reference;
    let data = blobs();
    let flat = Flat::new(&data, 5).unwrap();
    let euclidean = {
        let mut som = map(0);
        som.train_online(&flat, 2000, Order::Sequential).unwrap();
        som.codebook()
    };
    for distance in [Distance::Cosine, Distance::Manhattan, Distance::Chebyshev] {
        let build = || {
            Som::builder(6, 7, 5)
                .init(Init::Samples)
                .seed(3)
                .distance(distance)
                .build()
                .unwrap()
        };
        let mut som = build();
        som.train_online(&flat, 2000, Order::Sequential).unwrap();
        assert_eq!(som.distance(), distance);
        assert_ne!(som.codebook(), euclidean, "{distance}: the winners differ");
        let cb = som.codebook();
        let bmus = som.bmus(&flat).unwrap();
        for (x, b) in data.chunks_exact(5).zip(&bmus) {
            let want = reference::bmu_by(distance, &cb, 5, x);
            let at = |k: usize| reference::distance(distance, x, &cb[k * 5..k * 5 + 5]);
            // The same unit, or one as near within rounding (sums with FMA).
            assert!(
                b.unit == want.unit || at(b.unit) <= want.dist2 + 1e-5,
                "{distance}"
            );
        }
        let mut batch = build();
        batch.train_batch(&flat, 5).unwrap();
        let path = std::env::temp_dir().join(format!("som-distance-{distance}.json"));
        batch.save(&path).unwrap();
        let loaded = Som::load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(loaded.distance(), distance);
        assert_eq!(loaded.bmus(&flat).unwrap(), batch.bmus(&flat).unwrap());
    }
}

/// The batch codebook of a hexagonal Gaussian map and a toroidal bubble map (the general
/// apply, dispatched at the kernel's level) and a rectangular Gaussian one (the separable
/// apply), written as bytes to `batch-codebooks.bin` in the target's scratch directory when
/// running at the CPU's own level: `.ci/run` compares the file of a default build with that of
/// a `-C target-cpu=native` build, which must be byte for byte the same.
#[test]
fn batch_codebooks_for_the_build_comparison() {
    use som_std::{Boundary, Topology};
    let data = blobs_n(2000);
    let data = Flat::new(&data, 5).unwrap();
    let mut bytes = Vec::new();
    for (topology, boundary, shape) in [
        (Topology::Hexagonal, Boundary::Planar, Shape::Gaussian),
        (Topology::Rectangular, Boundary::Toroidal, Shape::Bubble),
        (Topology::Rectangular, Boundary::Planar, Shape::Gaussian),
    ] {
        let mut som = Som::builder(9, 11, 5)
            .topology(topology)
            .boundary(boundary)
            .neighbourhood(shape)
            .init(Init::Samples)
            .sigma(Schedule::Linear {
                start: 4.0,
                end: 1.0,
            })
            .seed(5)
            .build()
            .unwrap();
        som.train_batch(&data, 6).unwrap();
        let codebook = som.codebook();
        assert!(codebook.iter().all(|w| w.is_finite()));
        bytes.extend(codebook.iter().flat_map(|w| w.to_le_bytes()));
    }
    let level = som_std::simd::level().unwrap();
    if level == som_std::simd::Level::detected() {
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("batch-codebooks.bin");
        std::fs::write(&path, &bytes).unwrap();
    }
}
