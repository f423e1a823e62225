//! Batch training and queries through the pruned search (the default) against the exhaustive
//! one (`SomBuilder::exhaustive`): the same codebooks and answers, byte for byte, over seeds,
//! topologies, boundaries, neighbourhoods, distances, thread counts and missing values.

use proptest::prelude::*;
use som_std::kernel::bmu::{MIN_DIM, MIN_UNITS};
use som_std::{Boundary, Distance, Flat, Init, Missing, Schedule, Shape, Som, Topology};

/// Enough samples, dimensions and units for the search to prune (`Som` projects the codebook
/// for 2048 samples or more).
const SAMPLES: usize = 2100;
const DIM: usize = MIN_DIM;
const ROWS: usize = 8;
const COLS: usize = 10;

/// `SAMPLES` samples around twelve centres, NaN at every `hole`-th value (0: none).
fn data(seed: u64, hole: usize) -> Vec<f32> {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let centres: Vec<f32> = (0..12 * DIM).map(|_| next() * 8.0).collect();
    (0..SAMPLES * DIM)
        .map(|i| centres[(i / DIM) % 12 * DIM + i % DIM] + next())
        .enumerate()
        .map(|(i, v)| {
            if hole > 0 && i % hole == 7 {
                f32::NAN
            } else {
                v
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn pruned_batch_training_is_exhaustive_training_byte_for_byte(
        seed in any::<u64>(),
        hex in any::<bool>(),
        torus in any::<bool>(),
        bubble in any::<bool>(),
        manhattan in any::<bool>(),
        threads in 1usize..=2,
        masked in any::<bool>(),
    ) {
        const { assert!(DIM >= MIN_DIM && ROWS * COLS >= MIN_UNITS) };
        let values = data(seed, if masked { 53 } else { 0 });
        let data = Flat::new(&values, DIM).unwrap();
        let build = |exhaustive: bool| {
            Som::builder(ROWS, COLS, DIM)
                .topology(if hex { Topology::Hexagonal } else { Topology::Rectangular })
                .boundary(if torus { Boundary::Toroidal } else { Boundary::Planar })
                .neighbourhood(if bubble { Shape::Bubble } else { Shape::Gaussian })
                .distance(if manhattan { Distance::Manhattan } else { Distance::Euclidean })
                .missing(if masked { Missing::Mask } else { Missing::Error })
                .sigma(Schedule::Linear { start: 4.0, end: 0.8 })
                .init(Init::DataRange)
                .seed(seed)
                .threads(threads)
                .exhaustive(exhaustive)
                .build()
                .unwrap()
        };
        let (mut pruned, mut exhaustive) = (build(false), build(true));
        pruned.train_batch(&data, 4).unwrap();
        exhaustive.train_batch(&data, 4).unwrap();
        let bits = |som: &Som| som.codebook().iter().map(|w| w.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(&pruned), bits(&exhaustive));
        prop_assert_eq!(pruned.bmus(&data).unwrap(), exhaustive.bmus(&data).unwrap());
    }
}
