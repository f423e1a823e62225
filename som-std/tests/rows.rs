//! Batch training and queries on samples read a block at a time (`Rows`): a `.f32` file gives
//! the bits that the same samples in memory give.

use som_std::io::F32File;
use som_std::{Flat, Init, Rows, Schedule, Som, Source};

/// `n` samples of dim 5 around four centres, from a small generator.
fn blobs(n: usize) -> Vec<f32> {
    let mut state = 99u32;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state as f32 / u32::MAX as f32 - 0.5
    };
    (0..n * 5)
        .map(|i| ((i / 5 % 4) * 3 + i % 2) as f32 + next())
        .collect()
}

fn map(init: Init, threads: usize) -> Som {
    Som::builder(5, 6, 5)
        .init(init)
        .sigma(Schedule::Linear {
            start: 3.0,
            end: 0.7,
        })
        .seed(11)
        .threads(threads)
        .build()
        .unwrap()
}

/// The samples as a raw `.f32` file (written by hand: `write_f32` refuses NaN).
fn file_of(data: &[f32]) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".f32").tempfile().unwrap();
    let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::io::Write::write_all(f.as_file_mut(), &bytes).unwrap();
    f
}

/// A file of several shards (and several read blocks per shard) trains to the bits of the
/// same samples in memory, for each start that reads the data and any thread count.
#[test]
fn a_file_trains_to_the_bits_of_memory() {
    let data = blobs(60_000);
    let tmp = file_of(&data);
    let file = F32File::open(tmp.path(), 5).unwrap();
    assert_eq!((file.rows(), file.dim()), (60_000, 5));
    for init in [Init::DataRange, Init::Samples, Init::Normal] {
        let mut memory = map(init.clone(), 1);
        memory
            .train_batch(&Flat::new(&data, 5).unwrap(), 4)
            .unwrap();
        for threads in [1, 2] {
            let mut streamed = map(init.clone(), threads);
            let mut epochs = Vec::new();
            streamed
                .train_batch_with(&file, 4, |e| {
                    epochs.push((e.epoch as u64, e.total));
                    Ok(true)
                })
                .unwrap();
            assert_eq!(epochs, [(1, 4), (2, 4), (3, 4), (4, 4)]);
            assert_eq!(
                memory.codebook(),
                streamed.codebook(),
                "{init:?}, {threads} threads"
            );
        }
    }
}

/// Queries of a file agree with the in-memory ones: the same hits and units, the same
/// topographic error, the quantization error within rounding (it is summed exactly).
#[test]
fn queries_of_a_file_agree_with_memory() {
    let data = blobs(9_000);
    let tmp = file_of(&data);
    let file = F32File::open(tmp.path(), 5).unwrap();
    let flat = Flat::new(&data, 5).unwrap();
    let mut som = map(Init::DataRange, 2);
    som.train_batch(&flat, 3).unwrap();
    assert_eq!(som.hits(&file).unwrap(), som.hits(&flat).unwrap());
    let (qe, te) = som.quality(&file).unwrap();
    let (qe_memory, te_memory) = som.quality(&Rows::Memory(flat)).unwrap();
    assert_eq!(
        (qe.to_bits(), te.to_bits()),
        (qe_memory.to_bits(), te_memory.to_bits())
    );
    assert_eq!(te, som.topographic_error(&flat).unwrap());
    let qe_plain = som.quantization_error(&flat).unwrap();
    assert!(
        (qe - qe_plain).abs() <= qe_plain * 1e-6,
        "{qe} vs {qe_plain}"
    );
    let mut units = Vec::new();
    som.bmus_each(&file, |first, bmus| {
        assert_eq!(first, units.len());
        units.extend(bmus.iter().map(|b| b.unit));
        Ok(())
    })
    .unwrap();
    let expected: Vec<usize> = som.bmus(&flat).unwrap().iter().map(|b| b.unit).collect();
    assert_eq!(units, expected);
}

/// A value that is not finite deep in a file is named (sample, column, byte) before any
/// training, and the map is left as it was; a file that is not whole samples is refused.
#[test]
fn bad_files_are_named() {
    let mut data = blobs(70_000);
    data[65_432 * 5 + 3] = f32::NAN;
    let tmp = file_of(&data);
    let file = F32File::open(tmp.path(), 5).unwrap();
    let mut som = map(Init::Normal, 2);
    let before = som.codebook();
    let e = som
        .train_batch_with(&file, 2, |_| panic!("no epoch may run"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("sample 65432") && e.contains("component 3") && e.contains("--missing mask"),
        "{e}"
    );
    assert_eq!(som.codebook(), before);
    // An infinity is no missing value: named by the reader, masking or not.
    data[65_432 * 5 + 3] = f32::INFINITY;
    let tmp_inf = file_of(&data);
    let file = F32File::open(tmp_inf.path(), 5).unwrap();
    let e = som
        .train_batch_with(&file, 2, |_| panic!("no epoch may run"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("sample 65432, column 4") && e.contains("inf"),
        "{e}"
    );
    assert_eq!(som.codebook(), before);
    let e = F32File::open(tmp.path(), 3).unwrap_err().to_string();
    assert!(
        e.contains("multiple of 4 * dim = 12 bytes") && e.contains("1400000 bytes"),
        "{e}"
    );
    let ones = F32File::open(tmp.path(), 1).unwrap();
    let e = som.train_batch(&ones, 1).unwrap_err().to_string();
    assert!(e.contains("dim 1 for a map of dim 5"), "{e}");
    let clean = file_of(&blobs(100));
    let linear = map(Init::Linear, 1)
        .train_batch(&F32File::open(clean.path(), 5).unwrap(), 1)
        .unwrap_err()
        .to_string();
    assert!(linear.contains("needs the data in memory"), "{linear}");
}

/// More than eight shards (600 000 samples: ten of 2^16), computed one, two or three at a
/// time: the same bits as one pass in memory.
#[test]
fn many_shards_give_the_same_bits_at_any_thread_count() {
    let data: Vec<f32> = (0..600_000 * 2)
        .map(|i| ((i as u64 * 7919) % 1000) as f32 / 100.0)
        .collect();
    let tmp = {
        let mut f = tempfile::Builder::new().suffix(".f32").tempfile().unwrap();
        let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::io::Write::write_all(f.as_file_mut(), &bytes).unwrap();
        f
    };
    let file = F32File::open(tmp.path(), 2).unwrap();
    let build = |threads| {
        Som::builder(3, 4, 2)
            .init(Init::DataRange)
            .seed(2)
            .threads(threads)
            .build()
            .unwrap()
    };
    let mut memory = build(1);
    memory
        .train_batch(&Flat::new(&data, 2).unwrap(), 2)
        .unwrap();
    for threads in [1, 2, 3] {
        let mut streamed = build(threads);
        streamed.train_batch(&file, 2).unwrap();
        assert_eq!(memory.codebook(), streamed.codebook(), "{threads} threads");
    }
}

/// One API over every source: samples as `Vec<[f32; D]>`, `Vec<Vec<f32>>`, a flat slice,
/// `Rows` and a raw `.f32` file give the same trained map, units, hits, errors and unit
/// labels, bit for bit.
#[test]
fn every_source_gives_the_same_answers() {
    let data = blobs(3_000);
    let arrays: Vec<[f32; 5]> = data
        .chunks_exact(5)
        .map(|c| c.try_into().unwrap())
        .collect();
    let vecs: Vec<Vec<f32>> = data.chunks_exact(5).map(<[f32]>::to_vec).collect();
    let flat = Flat::new(&data, 5).unwrap();
    let tmp = file_of(&data);
    let file = F32File::open(tmp.path(), 5).unwrap();
    let labels: Vec<usize> = (0..3_000).map(|i| i % 4).collect();
    let sources: [&dyn Source; 5] = [&arrays, &vecs, &flat, &Rows::File(&file), &file];
    let answers = |data: &dyn Source| {
        let mut som = map(Init::Samples, 2);
        som.train_batch(data, 3).unwrap();
        let bmus = som.bmus(data).unwrap();
        let hits = som.hits(data).unwrap();
        let (qe, te) = som.quality(data).unwrap();
        let units = som.classify(data, &labels).unwrap().to_vec();
        let bits: Vec<u32> = som.codebook().iter().map(|w| w.to_bits()).collect();
        (bits, bmus, hits, qe.to_bits(), te.to_bits(), units)
    };
    let first = answers(sources[0]);
    for (i, source) in sources.iter().enumerate().skip(1) {
        assert!(answers(*source) == first, "source {i}");
    }
}
