//! Kernel benchmarks: SIMD against the scalar reference in the same run, in unit-dimension
//! pairs per second (criterion's "elements/s").
//!
//! `cargo bench -p som-benches --bench kernel` (add `-- --quick` for a short run);
//! build for this CPU with `RUSTFLAGS="-C target-cpu=native"`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use som_benches::Workload;
use som_kernel::{Bmu, Map, MapMut, Neighbourhood, Shape, reference};
use std::hint::black_box;

/// (units, dim): the seed's map, a wide map, a large map.
const SIZES: [(usize, usize); 3] = [(600, 3), (900, 64), (2500, 32)];
const SAMPLES: usize = 64;

fn label(units: usize, dim: usize) -> String {
    format!("{units}x{dim}")
}

fn bmu(c: &mut Criterion) {
    let mut g = c.benchmark_group("bmu");
    for (units, dim) in SIZES {
        let w = Workload::new(units, dim, SAMPLES);
        let map = Map::new(w.grid, dim, &w.blocked).unwrap();
        g.throughput(Throughput::Elements(w.pairs() * SAMPLES as u64));
        g.bench_function(BenchmarkId::new("reference", label(units, dim)), |b| {
            b.iter(|| {
                for x in w.data.chunks_exact(dim) {
                    black_box(reference::bmu(&w.row_major, dim, black_box(x)));
                }
            })
        });
        g.bench_function(BenchmarkId::new("simd", label(units, dim)), |b| {
            b.iter(|| {
                for x in w.data.chunks_exact(dim) {
                    black_box(map.bmu(black_box(x)).unwrap());
                }
            })
        });
        let mut out = vec![
            Bmu {
                unit: 0,
                dist2: 0.0
            };
            SAMPLES
        ];
        g.bench_function(BenchmarkId::new("simd-many", label(units, dim)), |b| {
            b.iter(|| map.bmu_many(black_box(&w.data), &mut out).unwrap())
        });
    }
    g.finish();
}

fn update(c: &mut Criterion) {
    let mut g = c.benchmark_group("update");
    let nb = Neighbourhood::new(Shape::Gaussian, 3.0).unwrap();
    for (units, dim) in SIZES {
        let mut w = Workload::new(units, dim, SAMPLES);
        g.throughput(Throughput::Elements(w.pairs() * SAMPLES as u64));
        let grid = w.grid;
        let mut rm = w.row_major.clone();
        g.bench_function(BenchmarkId::new("reference", label(units, dim)), |b| {
            b.iter(|| {
                for (i, x) in w.data.chunks_exact(dim).enumerate() {
                    reference::update(&mut rm, &grid, dim, x, (i * 97) % units, &nb, 0.01);
                }
            })
        });
        let data = w.data.clone();
        let mut map = MapMut::new(grid, dim, &mut w.blocked).unwrap();
        g.bench_function(BenchmarkId::new("simd", label(units, dim)), |b| {
            b.iter(|| {
                for (i, x) in data.chunks_exact(dim).enumerate() {
                    map.update(x, (i * 97) % units, &nb, 0.01).unwrap();
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bmu, update);
criterion_main!(benches);
