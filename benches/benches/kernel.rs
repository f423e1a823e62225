//! Kernel benchmarks: each SIMD operation beside the scalar reference in the same run, in
//! unit-dimension pairs per second (criterion's "elements/s").
//!
//! `cargo bench -p som-benches --bench kernel` (add `-- --quick` for a short run). The SIMD
//! variants run at every level this CPU has (`simd-avx512`, `simd-avx2`, `simd-sse2`,
//! `simd-scalar`: the kernel's run-time dispatch, forced), so one run compares them.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use som_benches::Workload;
use som_kernel::simd::Level;
use som_kernel::{BatchStats, Bmu, Map, MapMut, Missing, Neighbourhood, Shape, reference};
use std::hint::black_box;

/// (units, dim): the seed's map, a wide map, a large map.
const SIZES: [(usize, usize); 3] = [(600, 3), (900, 64), (2500, 32)];
/// The many-sample search's headline size.
const MANY: (usize, usize) = (2500, 64);
/// A codebook of 16384 x 64 floats (4 MiB): larger than L2.
const BEYOND_L2: (usize, usize) = (16384, 64);
const SAMPLES: usize = 64;

fn label(units: usize, dim: usize) -> String {
    format!("{units}x{dim}")
}

/// Every SIMD level this CPU runs, widest first.
fn levels() -> impl Iterator<Item = Level> {
    Level::ALL.into_iter().rev().filter(|l| l.available())
}

fn bmu(c: &mut Criterion) {
    let mut g = c.benchmark_group("bmu");
    for (units, dim) in SIZES.into_iter().chain([MANY, BEYOND_L2]) {
        let w = Workload::new(units, dim, SAMPLES);
        let size = label(units, dim);
        g.throughput(Throughput::Elements(w.pairs() * SAMPLES as u64));
        if (units, dim) != BEYOND_L2 {
            g.bench_function(BenchmarkId::new("reference", &size), |b| {
                b.iter(|| {
                    for x in w.data.chunks_exact(dim) {
                        black_box(reference::bmu(&w.row_major, dim, black_box(x)));
                    }
                })
            });
        }
        for level in levels() {
            let map = Map::new(w.grid, dim, &w.blocked)
                .and_then(|m| m.with_simd(level))
                .unwrap();
            g.bench_function(BenchmarkId::new(format!("simd-{level}"), &size), |b| {
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
            g.bench_function(BenchmarkId::new(format!("simd-many-{level}"), &size), |b| {
                b.iter(|| map.bmu_many(black_box(&w.data), &mut out).unwrap())
            });
        }
    }
    g.finish();
}

/// Missing values: the searches with masking on, over complete data (what masking costs data
/// without missing values) and over data with a tenth of the components missing, beside the
/// plain search; one-sample and many-sample, at the detected level.
fn missing(c: &mut Criterion) {
    let mut g = c.benchmark_group("missing");
    for (units, dim) in [(600, 3), (900, 64), MANY] {
        let w = Workload::new(units, dim, SAMPLES);
        let size = label(units, dim);
        g.throughput(Throughput::Elements(w.pairs() * SAMPLES as u64));
        // Every tenth component, staggered across samples (none entirely missing).
        let holes: Vec<f32> = w
            .data
            .iter()
            .enumerate()
            .map(|(i, &v)| if (i * 7) % 10 == 3 { f32::NAN } else { v })
            .collect();
        let plain = Map::new(w.grid, dim, &w.blocked).unwrap();
        let masked = plain.with_missing(Missing::Mask).unwrap();
        let runs = [
            ("plain", plain, &w.data),
            ("mask-complete", masked, &w.data),
            ("mask-10pct", masked, &holes),
        ];
        let mut out = vec![Bmu::NONE; SAMPLES];
        for (name, map, data) in runs {
            g.bench_function(BenchmarkId::new(format!("one-{name}"), &size), |b| {
                b.iter(|| {
                    for x in data.chunks_exact(dim) {
                        black_box(map.bmu(black_box(x)).unwrap());
                    }
                })
            });
            g.bench_function(BenchmarkId::new(format!("many-{name}"), &size), |b| {
                b.iter(|| map.bmu_many(black_box(data), &mut out).unwrap())
            });
        }
    }
    g.finish();
}

fn bmu2(c: &mut Criterion) {
    let mut g = c.benchmark_group("bmu2");
    for (units, dim) in SIZES {
        let w = Workload::new(units, dim, SAMPLES);
        g.throughput(Throughput::Elements(w.pairs() * SAMPLES as u64));
        g.bench_function(BenchmarkId::new("reference", label(units, dim)), |b| {
            b.iter(|| {
                for x in w.data.chunks_exact(dim) {
                    black_box(reference::bmu2(&w.row_major, dim, black_box(x)));
                }
            })
        });
        for level in levels() {
            let map = Map::new(w.grid, dim, &w.blocked)
                .and_then(|m| m.with_simd(level))
                .unwrap();
            g.bench_function(
                BenchmarkId::new(format!("simd-{level}"), label(units, dim)),
                |b| {
                    b.iter(|| {
                        for x in w.data.chunks_exact(dim) {
                            black_box(map.bmu2(black_box(x)).unwrap());
                        }
                    })
                },
            );
        }
    }
    g.finish();
}

fn update(c: &mut Criterion) {
    let mut g = c.benchmark_group("update");
    let wide = Neighbourhood::new(Shape::Gaussian, 3.0).unwrap();
    let cut = wide.with_cutoff(1e-3).unwrap();
    let bubble = Neighbourhood::new(Shape::Bubble, 3.0).unwrap();
    for (units, dim) in SIZES {
        let mut w = Workload::new(units, dim, SAMPLES);
        g.throughput(Throughput::Elements(w.pairs() * SAMPLES as u64));
        let grid = w.grid;
        let mut rm = w.row_major.clone();
        g.bench_function(BenchmarkId::new("reference", label(units, dim)), |b| {
            b.iter(|| {
                for (i, x) in w.data.chunks_exact(dim).enumerate() {
                    reference::update(&mut rm, &grid, dim, x, (i * 97) % units, &wide, 0.01);
                }
            })
        });
        let data = w.data.clone();
        for level in levels() {
            let mut map = MapMut::new(grid, dim, &mut w.blocked)
                .and_then(|m| m.with_simd(level))
                .unwrap();
            for (name, nb) in [
                ("simd", &wide),
                ("simd-cutoff", &cut),
                ("simd-bubble", &bubble),
            ] {
                let id = BenchmarkId::new(format!("{name}-{level}"), label(units, dim));
                g.bench_function(id, |b| {
                    b.iter(|| {
                        for (i, x) in data.chunks_exact(dim).enumerate() {
                            map.update(x, (i * 97) % units, nb, 0.01).unwrap();
                        }
                    })
                });
            }
        }
    }
    g.finish();
}

/// One online step per sample: a BMU search and an update. `separate` as `train_step` does
/// it (two sweeps over the codebook), `fused` with each update also searching the next
/// sample's winner (`update_then_bmu`, one sweep).
fn step(c: &mut Criterion) {
    let mut g = c.benchmark_group("step");
    let wide = Neighbourhood::new(Shape::Gaussian, 3.0).unwrap();
    let cut = wide.with_cutoff(1e-3).unwrap();
    for (units, dim) in SIZES {
        let mut w = Workload::new(units, dim, SAMPLES);
        g.throughput(Throughput::Elements(w.pairs() * SAMPLES as u64));
        let data = w.data.clone();
        for (level, (suffix, nb)) in
            levels().flat_map(|l| [(l, ("", &wide)), (l, ("-cutoff", &cut))])
        {
            let mut map = MapMut::new(w.grid, dim, &mut w.blocked)
                .and_then(|m| m.with_simd(level))
                .unwrap();
            g.bench_function(
                BenchmarkId::new(format!("separate{suffix}-{level}"), label(units, dim)),
                |b| {
                    b.iter(|| {
                        for x in data.chunks_exact(dim) {
                            black_box(map.train_step(x, nb, 0.01).unwrap());
                        }
                    })
                },
            );
            // The winner of each sample comes from the previous step, across iterations too.
            let mut winner = map.as_map().bmu(&data[..dim]).unwrap().unit;
            g.bench_function(
                BenchmarkId::new(format!("fused{suffix}-{level}"), label(units, dim)),
                |b| {
                    b.iter(|| {
                        let nexts = data.chunks_exact(dim).cycle().skip(1);
                        for (x, next) in data.chunks_exact(dim).zip(nexts) {
                            let found = map.update_then_bmu(x, winner, nb, 0.01, next).unwrap();
                            winner = black_box(found).unit;
                        }
                    })
                },
            );
        }
    }
    g.finish();
}

fn batch(c: &mut Criterion) {
    let mut g = c.benchmark_group("batch");
    g.sample_size(10);
    let nb = Neighbourhood::new(Shape::Gaussian, 2.0).unwrap();
    for (units, dim) in SIZES {
        let n = 4096;
        let mut w = Workload::new(units, dim, n);
        let map = Map::new(w.grid, dim, &w.blocked).unwrap();
        let (mut hits, mut sums) = (vec![0u64; units], vec![0f64; units * dim]);
        // Statistics: one BMU search and one sum per sample.
        g.throughput(Throughput::Elements(w.pairs() * n as u64));
        g.bench_function(
            BenchmarkId::new("stats-reference", label(units, dim)),
            |b| b.iter(|| reference::accumulate(&w.row_major, dim, &w.data, &mut hits, &mut sums)),
        );
        g.bench_function(BenchmarkId::new("stats-simd", label(units, dim)), |b| {
            b.iter(|| {
                let mut s = BatchStats::new(&mut hits, &mut sums, units, dim).unwrap();
                s.accumulate(&map, &w.data).unwrap()
            })
        });
        // Apply: every unit against every unit that won samples.
        g.throughput(Throughput::Elements((units * units * dim) as u64));
        let grid = w.grid;
        let mut rm = w.row_major.clone();
        // The f64 reference apply takes seconds at 2500 units: measured at the two smaller
        // sizes only.
        if units < 2500 {
            g.bench_function(
                BenchmarkId::new("apply-reference", label(units, dim)),
                |b| b.iter(|| reference::apply_batch(&mut rm, &grid, dim, &hits, &sums, &nb)),
            );
        }
        let mut map = MapMut::new(grid, dim, &mut w.blocked).unwrap();
        g.bench_function(BenchmarkId::new("apply-simd", label(units, dim)), |b| {
            b.iter(|| map.apply_batch(&hits, &sums, &nb).unwrap())
        });
    }
    g.finish();
}

/// The batch apply at the sizes and widths of the two large training workloads (first and
/// last epoch of their five): 50x50 units of 32 (big100k) and 40x40 of 64 (blobs20k), a
/// Gaussian without cut-off, statistics from 4096 samples.
fn batch_apply_wide(c: &mut Criterion) {
    let mut g = c.benchmark_group("batch");
    g.sample_size(10);
    for (units, dim, sigmas) in [(2500, 32, [12.5f32, 4.17]), (1600, 64, [10.0, 3.33])] {
        let n = 4096;
        let mut w = Workload::new(units, dim, n);
        let map = Map::new(w.grid, dim, &w.blocked).unwrap();
        let (mut hits, mut sums) = (vec![0u64; units], vec![0f64; units * dim]);
        BatchStats::new(&mut hits, &mut sums, units, dim)
            .unwrap()
            .accumulate(&map, &w.data)
            .unwrap();
        g.throughput(Throughput::Elements((units * units * dim) as u64));
        let grid = w.grid;
        let mut map = MapMut::new(grid, dim, &mut w.blocked).unwrap();
        for sigma in sigmas {
            let nb = Neighbourhood::new(Shape::Gaussian, sigma).unwrap();
            g.bench_function(
                BenchmarkId::new(format!("apply-simd-sigma{sigma}"), label(units, dim)),
                |b| b.iter(|| map.apply_batch(&hits, &sums, &nb).unwrap()),
            );
        }
    }
    g.finish();
}

fn metrics(c: &mut Criterion) {
    let mut g = c.benchmark_group("metrics");
    // The scalar references take ~0.1 s an iteration here: ten samples are plenty.
    g.sample_size(10);
    for (units, dim) in SIZES {
        let n = 256;
        let w = Workload::new(units, dim, n);
        let map = Map::new(w.grid, dim, &w.blocked).unwrap();
        g.throughput(Throughput::Elements(w.pairs() * n as u64));
        g.bench_function(
            BenchmarkId::new("quantization-reference", label(units, dim)),
            |b| b.iter(|| reference::quantization_error(&w.row_major, dim, &w.data)),
        );
        g.bench_function(
            BenchmarkId::new("quantization-simd", label(units, dim)),
            |b| b.iter(|| map.quantization_error(&w.data).unwrap()),
        );
        g.bench_function(
            BenchmarkId::new("topographic-reference", label(units, dim)),
            |b| b.iter(|| reference::topographic_error(&w.row_major, &w.grid, dim, &w.data)),
        );
        g.bench_function(
            BenchmarkId::new("topographic-simd", label(units, dim)),
            |b| b.iter(|| map.topographic_error(&w.data).unwrap()),
        );
    }
    g.finish();
}

/// This core's peak pair rate, measured at each vector width it has: independent FMA chains
/// in registers, one lane of one FMA per element, i.e. one unit-dimension pair of the
/// expanded-form search. The BMU rates above are fractions of this.
fn peak(c: &mut Criterion) {
    const CHAINS: usize = 12;
    const ROUNDS: u64 = 4096;
    let mut g = c.benchmark_group("peak");
    // One body for both widths: pulp's operations are named by width.
    macro_rules! fma_chains {
        ($name:literal, $simd:expr, $lanes:literal, $splat:ident, $fma:ident) => {
            if let Some(simd) = $simd {
                g.throughput(Throughput::Elements(ROUNDS * (CHAINS * $lanes) as u64));
                g.bench_function($name, |b| {
                    b.iter(|| {
                        simd.vectorize(
                            #[inline(always)]
                            || {
                                let m = simd.$splat(black_box(0.999));
                                let k = simd.$splat(black_box(1e-3));
                                let mut acc = [simd.$splat(1.0); CHAINS];
                                for _ in 0..ROUNDS {
                                    for a in &mut acc {
                                        *a = simd.$fma(*a, m, k);
                                    }
                                }
                                black_box(acc)
                            },
                        )
                    })
                });
            }
        };
    }
    #[cfg(target_arch = "x86_64")]
    {
        use pulp::x86::{V3, V4};
        fma_chains!(
            "fma-avx512",
            V4::try_new(),
            16,
            splat_f32x16,
            mul_add_f32x16
        );
        fma_chains!("fma-avx2", V3::try_new(), 8, splat_f32x8, mul_add_f32x8);
    }
    g.finish();
}

// Short windows keep a full `cargo bench` under ten minutes on two cores.
criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bmu, missing, bmu2, update, step, batch, batch_apply_wide, metrics, peak
}
criterion_main!(benches);
