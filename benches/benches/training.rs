//! Whole training runs through `som-std`, one thread and all threads: the workloads of the
//! side-by-side comparison (`benches/compare/`), on generated data of the same shapes.
//!
//! `cargo bench -p som-benches --bench training`

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use som_benches::blobs;
use som_std::{Flat, Init, Order, Schedule, Som};

fn som(rows: usize, cols: usize, dim: usize, sigma: f32, threads: usize) -> Som {
    Som::builder(rows, cols, dim)
        .init(Init::Samples)
        .alpha(Schedule::Asymptotic { start: 0.5 })
        .sigma(Schedule::Asymptotic { start: sigma })
        .seed(1)
        .threads(threads)
        .build()
        .unwrap()
}

fn seed_example(c: &mut Criterion) {
    let colours = som_std::datasets::colours();
    c.bench_function("train/seed-colours-20x30x400", |b| {
        b.iter(|| {
            let mut s = Som::seed(20, 30, 3, 400, None, None).unwrap();
            s.train(colours.as_slice()).unwrap();
            s
        })
    });
}

fn workloads(c: &mut Criterion) {
    let mut g = c.benchmark_group("train");
    g.sample_size(10);
    // (name, n, dim, centres, rows, cols, sigma, online epochs, batch epochs)
    let cases = [
        ("iris", 150, 4, 3, 10, 10, 2.5, 100, 100),
        ("digits", 1797, 64, 10, 30, 30, 7.5, 10, 10),
        // One batch epoch of the two large workloads (the comparison script runs all five):
        // criterion needs ten runs of each, and a full `cargo bench` stays under ten minutes.
        ("blobs20k", 20_000, 64, 20, 40, 40, 10.0, 0, 1),
        ("big100k", 100_000, 32, 50, 50, 50, 12.5, 0, 1),
    ];
    for (name, n, dim, centres, rows, cols, sigma, online, batch) in cases {
        let data = blobs(n, dim, centres, 7);
        let flat = Flat::new(&data, dim).unwrap();
        if online > 0 {
            g.bench_function(BenchmarkId::new("online-1-thread", name), |b| {
                b.iter(|| {
                    let mut s = som(rows, cols, dim, sigma, 1);
                    s.train_online(&flat, online * n as u64, Order::Sequential)
                        .unwrap();
                    s
                })
            });
        }
        for threads in [1, 0] {
            let id = if threads == 1 {
                "batch-1-thread"
            } else {
                "batch-all-threads"
            };
            g.bench_function(BenchmarkId::new(id, name), |b| {
                b.iter(|| {
                    let mut s = som(rows, cols, dim, sigma, threads);
                    s.train_batch(&flat, batch).unwrap();
                    s
                })
            });
        }
    }
    g.finish();
}

// Short windows keep a full `cargo bench` under ten minutes on two cores.
criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = seed_example, workloads
}
criterion_main!(benches);
