//! Link-time proof that `som-kernel` cannot panic.
//!
//! Every public operation of the kernel is called from `_start` on inputs hidden from the
//! optimiser by [`core::hint::black_box`]: sizes, lengths, indices, parameters and data are all
//! opaque, so no panic can be optimised away because of the particular values used here. The
//! panic handler comes from `panic-never`, which refers to a symbol that does not exist: if any
//! panicking branch is still reachable after optimisation (an out-of-bounds index, a division by
//! zero, an `unwrap`, an `assert!`), the link fails and names the function that panics.
//!
//! Not covered: `Display` of `Error`. It formats an `f32` with `core`'s float printing, which
//! ships precompiled with its own (unreachable in practice) bounds checks and asserts, so any
//! program that prints a float fails this check whatever the kernel does.
//!
//! ```sh
//! cargo build --release                                   # must link
//! cargo build --release --target thumbv6m-none-eabi       # must link
//! cargo build --release --features control                # must NOT link (the control)
//! ```
//!
//! When it fails, `cargo build --release --no-default-features --features locate` links with an
//! ordinary panic handler, and `llvm-objdump -d --demangle` on the binary shows who calls
//! `core::panicking`.
#![no_std]
#![no_main]

use core::hint::black_box as opaque;
#[cfg(not(feature = "locate"))]
use panic_never as _;
use rand_xoshiro::Xoshiro128PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use som_kernel::{
    BatchStats, Bmu, Boundary, Clock, Distance, FixedMap, Grid, Map, MapMut, Missing,
    Neighbourhood, Schedule, Shape, Topology, Training, blocked_len, init, layout, reference,
};

/// Sample data and codebooks are read from here through `opaque`, so their lengths and values
/// are unknown to the optimiser.
static DATA: [f32; 96] = {
    let mut d = [0.0f32; 96];
    let mut i = 0;
    while i < 96 {
        d[i] = (i % 7) as f32 * 0.25;
        i += 1;
    }
    d
};

/// The entry point: exercises everything once, then idles.
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    grid_and_layout();
    queries();
    training();
    batch();
    fixed_and_init();
    references();
    integer_maps();
    names();
    #[cfg(feature = "control")]
    control();
    loop {
        core::hint::spin_loop();
    }
}

/// A slice of `DATA` of opaque length.
fn data(len: usize) -> &'static [f32] {
    opaque(DATA.get(..opaque(len)).unwrap_or(&[]))
}

/// The first `len` elements of `s` (opaque), or nothing.
fn part<T>(s: &[T], len: usize) -> &[T] {
    opaque(s.get(..opaque(len)).unwrap_or_default())
}

/// The first `len` elements of `s` (opaque), or nothing.
fn part_mut<T>(s: &mut [T], len: usize) -> &mut [T] {
    opaque(s.get_mut(..opaque(len)).unwrap_or_default())
}

fn shape(i: u8) -> Shape {
    match i % 4 {
        0 => Shape::Gaussian,
        1 => Shape::Bubble,
        2 => Shape::Triangle,
        _ => Shape::MexicanHat,
    }
}

fn schedule(i: u8, a: f32, b: f32) -> Schedule {
    match i % 5 {
        0 => Schedule::Constant(a),
        1 => Schedule::Linear { start: a, end: b },
        2 => Schedule::Asymptotic { start: a },
        3 => Schedule::Inverse { start: a, end: b },
        _ => Schedule::Exponential { start: a, end: b },
    }
}

/// A grid of opaque shape, topology and boundary.
fn grid() -> Option<Grid> {
    let topology = if opaque(false) {
        Topology::Hexagonal
    } else {
        Topology::Rectangular
    };
    let boundary = if opaque(true) {
        Boundary::Toroidal
    } else {
        Boundary::Planar
    };
    Grid::with(opaque(3), opaque(4), topology, boundary).ok()
}

fn neighbourhood() -> Option<Neighbourhood> {
    Neighbourhood::new(shape(opaque(0)), opaque(1.5))
        .and_then(|n| n.with_cutoff(opaque(1e-3)))
        .ok()
}

fn grid_and_layout() {
    let _ = opaque(Grid::new(opaque(2), opaque(9)));
    let Some(g) = grid() else { return };
    let g = opaque(g);
    opaque((g.rows(), g.cols(), g.units(), g.topology(), g.boundary()));
    let (a, b) = (opaque(5usize), opaque(usize::MAX));
    opaque((g.row_col(a), g.position(b), g.dist2(a, b), g.dist(b, a)));
    opaque(g.neighbours(b).as_slice().len());
    opaque(g.adjacent(a, b));
    opaque(blocked_len(opaque(usize::MAX), opaque(3)));

    let (units, dim) = (opaque(12), opaque(3));
    let mut blocked = [0.0f32; 64];
    let mut row_major = [0.0f32; 64];
    let _ = opaque(layout::to_blocked(
        data(opaque(36)),
        units,
        dim,
        part_mut(&mut blocked, 48),
    ));
    let _ = opaque(layout::to_row_major(
        part(&blocked, 48),
        units,
        dim,
        part_mut(&mut row_major, 36),
    ));
}

fn queries() {
    let Some(g) = grid() else { return };
    let dim = opaque(3);
    let Ok(map) = Map::new(opaque(g), dim, data(opaque(48))) else {
        return;
    };
    // Any distance: the searches of every one are linked.
    let Ok(map) = map.with_distance(opaque(Distance::Euclidean)) else {
        return;
    };
    // Masked or not: both searches are linked.
    let Ok(map) = map.with_missing(opaque(Missing::Mask)) else {
        return;
    };
    let map = opaque(map);
    opaque((
        map.grid(),
        map.dim(),
        map.units(),
        map.weights().len(),
        map.distance(),
    ));
    opaque(map.weight(opaque(3), opaque(2)));
    let mut unit = [0.0f32; 8];
    let _ = opaque(map.unit(opaque(7), part_mut(&mut unit, 3)));
    let x = data(opaque(3));
    let _ = opaque(map.bmu(x));
    let _ = opaque(map.bmu2(x));
    let mut out = [Bmu {
        unit: 0,
        dist2: 0.0,
    }; 16];
    let samples = data(opaque(30));
    let _ = opaque(map.bmu_many(samples, part_mut(&mut out, 10)));
    let _ = opaque(map.quantization_error(samples));
    let mut errors = [0.0f32; 16];
    let _ = opaque(map.quantization_errors(samples, part_mut(&mut errors, 10)));
    let _ = opaque(map.topographic_error(samples));
    let mut umatrix = [0.0f32; 16];
    let _ = opaque(map.umatrix(part_mut(&mut umatrix, 12)));
    // The pruned search: a projection of the codebook, and the searches through it.
    let mut space = [0.0f64; 64];
    let mut projected = [0.0f32; 160];
    let space = part_mut(&mut space, opaque(51));
    let Ok(projection) = map.projection(space, part_mut(&mut projected, opaque(144))) else {
        return;
    };
    opaque(projection.prunes());
    let Ok(pruned) = map.with_projection(opaque(&projection)) else {
        return;
    };
    let _ = opaque(pruned.bmu_many(samples, part_mut(&mut out, 10)));
    let _ = opaque(pruned.quantization_error(samples));
}

fn training() {
    let Some(g) = grid() else { return };
    let Some(nb) = neighbourhood() else { return };
    let nb = opaque(nb);
    opaque((nb.shape(), nb.sigma(), nb.cutoff(), nb.can_be_negative()));
    opaque((nb.weight(opaque(2.0)), nb.support2()));
    let dim = opaque(3);
    let mut weights = [0.0f32; 64];
    let Ok(map) = MapMut::new(opaque(g), dim, part_mut(&mut weights, 48)) else {
        return;
    };
    let Ok(map) = map.with_distance(opaque(Distance::Euclidean)) else {
        return;
    };
    let Ok(mut map) = map.with_missing(opaque(Missing::Mask)) else {
        return;
    };
    opaque((*map.grid(), map.dim(), map.as_map().units(), map.missing()));
    opaque(map.weights_mut().len());
    let x = data(opaque(3));
    let _ = opaque(map.set_unit(opaque(4), x));
    let _ = opaque(map.update(x, opaque(2), &nb, opaque(0.5)));
    let _ = opaque(map.train_step(x, &nb, opaque(0.25)));
    let _ = opaque(map.update_then_bmu(x, opaque(1), &nb, opaque(0.25), data(opaque(3))));

    let sched = opaque(schedule(opaque(1), opaque(0.5), opaque(0.01)));
    let _ = opaque((
        sched.validate(),
        sched.at(opaque(3), opaque(10)),
        sched.start(),
    ));
    let training = opaque(Training {
        shape: shape(opaque(1)),
        alpha: sched,
        sigma: schedule(opaque(4), opaque(2.0), opaque(0.5)),
        cutoff: opaque(0.0),
        clock: if opaque(true) {
            Clock::Sample
        } else {
            Clock::Epoch
        },
    });
    let _ = opaque(training.validate());
    let _ = opaque(training.at(opaque(5), opaque(20)));
    let _ = opaque(training.step(&mut map, x, opaque(1), opaque(20)));
    let _ = opaque(training.online(&mut map, data(opaque(45)), opaque(2)));
}

fn batch() {
    let Some(g) = grid() else { return };
    let Some(nb) = neighbourhood() else { return };
    let (units, dim) = (opaque(12), opaque(3));
    let mut weights = [0.0f32; 64];
    let mut hits = [0u64; 16];
    let mut sums = [0.0f64; 48];
    let mut more_hits = [0u64; 16];
    let mut more_sums = [0.0f64; 48];
    let mut counts = [0u64; 48];
    let hits = part_mut(&mut hits, 12);
    let sums = part_mut(&mut sums, 36);
    {
        let Ok(map) = Map::new(opaque(g), dim, data(opaque(48))) else {
            return;
        };
        let Ok(map) = map.with_missing(opaque(Missing::Mask)) else {
            return;
        };
        let Ok(mut stats) = BatchStats::new(hits, sums, units, dim) else {
            return;
        };
        if opaque(true) {
            let Ok(with) = stats.with_counts(part_mut(&mut counts, 36)) else {
                return;
            };
            stats = with;
        }
        let _ = opaque(stats.merge_counts(part(&more_hits, 12)));
        opaque(stats.counts().map(<[u64]>::len));
        stats.clear();
        let _ = opaque(stats.accumulate(&map, data(opaque(60))));
        let _ = opaque(stats.add(opaque(3), data(opaque(3))));
        let _ = opaque(stats.merge(part(&more_hits, 12), part(&more_sums, 36)));
        opaque((stats.hits().len(), stats.sums().len()));
        more_hits[0] = stats.hits().first().copied().unwrap_or(0);
        more_sums[0] = stats.sums().first().copied().unwrap_or(0.0);
    }
    let Ok(mut map) = MapMut::new(opaque(g), dim, part_mut(&mut weights, 48)) else {
        return;
    };
    let _ = opaque(map.apply_batch(part(&more_hits, 12), part(&more_sums, 36), &nb));
    let _ = opaque(map.apply_batch_by_component(part(&more_hits, 36), part(&more_sums, 36), &nb));
}

fn fixed_and_init() {
    let Some(g) = grid() else { return };
    let Ok(mut som) = FixedMap::<{ blocked_len(16, 4) }>::new(opaque(g), opaque(3)) else {
        return;
    };
    let mut rng = Xoshiro128PlusPlus::seed_from_u64(opaque(7));
    let _ = opaque(init::uniform(
        &mut som.map_mut(),
        &mut rng,
        opaque(0.0),
        opaque(1.0),
    ));
    init::normal(&mut som.map_mut(), &mut rng);
    let _ = opaque(init::samples(
        &mut som.map_mut(),
        &mut rng,
        data(opaque(30)),
    ));
    let mut scratch = [0.0f64; 16];
    let _ = opaque(init::linear(
        &mut som.map_mut(),
        data(opaque(30)),
        part_mut(&mut scratch, init::linear_scratch_len(3)),
    ));
    opaque((init::unit_f32(&mut rng), init::normal_f32(&mut rng)));
    opaque(init::index(&mut rng, opaque(10)));
    let _ = opaque(som.map().bmu(data(opaque(3))));
    opaque(som.clone());
}

fn references() {
    let Some(g) = grid() else { return };
    let Some(nb) = neighbourhood() else { return };
    let dim = opaque(3);
    let x = data(opaque(3));
    let samples = data(opaque(30));
    let mut codebook = [0.0f32; 48];
    codebook.copy_from_slice(&DATA[..48]);
    let codebook = part_mut(&mut codebook, 36);
    opaque(reference::dist2(x, data(opaque(3))));
    opaque(reference::bmu(codebook, dim, x));
    opaque(reference::bmu2(codebook, dim, x));
    opaque(reference::quantization_error(codebook, dim, samples));
    opaque(reference::topographic_error(codebook, &g, dim, samples));
    let mut umatrix = [0.0f32; 16];
    reference::umatrix(codebook, &g, dim, part_mut(&mut umatrix, 12));
    let mut hits = [0u64; 16];
    let mut sums = [0.0f64; 48];
    let hits = part_mut(&mut hits, 12);
    let sums = part_mut(&mut sums, 36);
    reference::accumulate(codebook, dim, samples, hits, sums);
    reference::update(codebook, &g, dim, x, opaque(5), &nb, opaque(0.5));
    reference::apply_batch(codebook, &g, dim, hits, sums, &nb);
    let kind = opaque(Distance::Manhattan);
    opaque(reference::masked::bmu(kind, codebook, dim, x));
    opaque(reference::masked::bmu2(kind, codebook, dim, x));
    opaque(reference::masked::quantization_error(
        codebook, dim, samples,
    ));
    opaque(reference::masked::topographic_error(
        codebook, &g, dim, samples,
    ));
    let mut counts = [0u64; 48];
    let counts = part_mut(&mut counts, 36);
    reference::masked::accumulate(codebook, dim, samples, hits, counts, sums);
    reference::masked::update(codebook, &g, dim, x, opaque(5), &nb, opaque(0.5));
    reference::masked::apply_batch(codebook, &g, dim, counts, sums, &nb);
}

/// Integer maps (`int`): quantise, search, update, error, on opaque shapes and values.
fn integer_maps() {
    use som_kernel::int::{IntMap, IntMapMut, IntNeighbourhood, dequantize, dist4, quantize};
    let Some(g) = grid() else { return };
    let Some(nb) = neighbourhood() else { return };
    let dim = opaque(3);
    let step = opaque(1.0 / 256.0);
    let mut codes = [0i16; 64];
    let _ = opaque(quantize(data(opaque(36)), step, part_mut(&mut codes, 36)));
    let mut back = [0.0f32; 64];
    let _ = opaque(dequantize(part(&codes, 36), step, part_mut(&mut back, 36)));
    opaque(dist4(&g, opaque(2), opaque(7)));
    let mut x = [0i16; 8];
    let _ = opaque(quantize(data(opaque(3)), step, part_mut(&mut x, 3)));
    let x = part(&x, 3);
    let Ok(table) = IntNeighbourhood::<64>::new(&g, &nb) else {
        return;
    };
    opaque(table.h(opaque(5)));
    if let Ok(map) = IntMap::new(opaque(g), dim, part(&codes, 36)) {
        let _ = opaque(map.bmu(x));
        let _ = opaque(map.bmu2(x));
        let _ = opaque(map.quantization_error(part(&codes, 30)));
    }
    let Ok(mut map) = IntMapMut::new(opaque(g), dim, part_mut(&mut codes, 36)) else {
        return;
    };
    let _ = opaque(map.update(x, opaque(3), &table, opaque(16384)));
    let _ = opaque(map.train_step(x, &table, opaque(8192)));
}

/// Every setting read from opaque text, and its name.
fn names() {
    let text = opaque("mexican-hat");
    opaque(text.parse::<Topology>().ok());
    opaque(text.parse::<Boundary>().ok());
    opaque(text.parse::<Shape>().ok());
    opaque(text.parse::<Distance>().ok());
    opaque(text.parse::<Missing>().ok());
    opaque(text.parse::<Clock>().ok());
    opaque(text.parse::<som_kernel::simd::Level>().ok());
    opaque(shape(opaque(3)).name());
}

/// With `--no-default-features --features locate`: a panic handler the linker can find.
#[cfg(feature = "locate")]
#[panic_handler]
fn located(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

/// The control: an index the optimiser cannot prove in bounds. With this in, the link must
/// fail; if it does not, the proof above proves nothing.
#[cfg(feature = "control")]
fn control() {
    let d = data(opaque(10));
    opaque(d[opaque(20)]);
}
