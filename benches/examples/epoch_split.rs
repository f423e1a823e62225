//! Where the time of a batch epoch goes, on the training bench's big100k and blobs20k data:
//! BMU search, statistics, apply, each on its own (one thread), then whole batch trainings of
//! five epochs with one thread and with all threads.
//!
//! `RUSTFLAGS="-C target-cpu=native" cargo run --release -p som-benches --example epoch_split`

use som_benches::blobs;
use som_kernel::{BatchStats, Bmu, Grid, Map, MapMut, Neighbourhood, Shape, blocked_len, layout};
use som_std::{Flat, Init, Schedule, Som};
use std::time::Instant;

/// Best of `reps` runs of `f`, in milliseconds.
fn best(reps: usize, mut f: impl FnMut()) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let cases = [
        ("big100k", 100_000, 32, 50, 50, 50, 12.5f32),
        ("blobs20k", 20_000, 64, 20, 40, 40, 10.0),
    ];
    for (name, n, dim, centres, rows, cols, sigma) in cases {
        let data = blobs(n, dim, centres, 7);
        let units = rows * cols;
        let grid = Grid::new(rows, cols).unwrap();
        // A codebook from the first samples, as Init::Samples would give.
        let mut blocked = vec![0.0; blocked_len(units, dim)];
        layout::to_blocked(&data[..units * dim], units, dim, &mut blocked).unwrap();
        let map = Map::new(grid, dim, &blocked).unwrap();
        let mut bmus = vec![
            Bmu {
                unit: 0,
                dist2: 0.0
            };
            n
        ];
        let search = best(3, || map.bmu_many(&data, &mut bmus).unwrap());
        let (mut hits, mut sums) = (vec![0u64; units], vec![0f64; units * dim]);
        let stats = best(3, || {
            let mut s = BatchStats::new(&mut hits, &mut sums, units, dim).unwrap();
            s.clear();
            for (x, b) in data.chunks_exact(dim).zip(&bmus) {
                s.add(b.unit, x).unwrap();
            }
        });
        let fused = best(3, || {
            let mut s = BatchStats::new(&mut hits, &mut sums, units, dim).unwrap();
            s.clear();
            s.accumulate(&map, &data).unwrap();
        });
        print!(
            "{name}: one epoch, one thread: BMU search {search:.1} ms, statistics {stats:.1} ms \
             (fused search + statistics {fused:.1} ms); apply"
        );
        // The five widths of the training bench's schedule (Asymptotic from `sigma`).
        for e in 0..5 {
            let s = sigma / (1.0 + 2.0 * e as f32 / 4.0);
            let nb = Neighbourhood::new(Shape::Gaussian, s).unwrap();
            let mut w = blocked.clone();
            let mut m = MapMut::new(grid, dim, &mut w).unwrap();
            let apply = best(3, || m.apply_batch(&hits, &sums, &nb).unwrap());
            print!(" sigma {s:.2}: {apply:.1} ms;");
        }
        println!();
        let flat = Flat::new(&data, dim).unwrap();
        for threads in [1, 2] {
            let t = best(2, || {
                let mut s = Som::builder(rows, cols, dim)
                    .init(Init::Samples)
                    .sigma(Schedule::Asymptotic { start: sigma })
                    .seed(1)
                    .threads(threads)
                    .build()
                    .unwrap();
                s.train_batch(&flat, 5).unwrap();
            });
            println!("{name}: train_batch, 5 epochs, {threads} thread(s): {t:.0} ms");
        }
    }
}
