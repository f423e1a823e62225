//! Parts of text files read by "ranks" that are threads (a [`Combine`] over a barrier), so the
//! byte-range reading and its bit-identical training are tested without MPI.

use super::*;
use crate::io::{Delimiter, read_data};
use crate::{Init, Som};
use std::sync::{Arc, Barrier, Mutex};

/// Ranks as threads: collectives through shared memory and a barrier.
struct Threads {
    rank: usize,
    size: usize,
    shared: Arc<(Mutex<Vec<f64>>, Barrier)>,
}

impl Threads {
    /// Every thread's `values` combined with `op` into `values`, on every thread.
    fn reduce(&self, values: &mut [f64], op: fn(f64, f64) -> f64) {
        let (acc, barrier) = &*self.shared;
        for turn in 0..self.size {
            if turn == self.rank {
                let mut acc = acc.lock().unwrap_or_else(|e| e.into_inner());
                if turn == 0 {
                    *acc = values.to_vec();
                } else {
                    acc.iter_mut()
                        .zip(values.iter())
                        .for_each(|(a, &v)| *a = op(*a, v));
                }
            }
            barrier.wait();
        }
        values.copy_from_slice(&acc.lock().unwrap_or_else(|e| e.into_inner()));
        barrier.wait();
    }
}

impl Combine for Threads {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn agree(&self, local: Result<()>) -> Result<()> {
        let mut failed = vec![0.0; self.size];
        failed[self.rank] = f64::from(u8::from(local.is_err()));
        self.reduce(&mut failed, |a, b| a + b);
        match failed.iter().position(|&f| f > 0.0) {
            Some(r) if local.is_ok() => Err(Error::Invalid(format!("rank {r} failed"))),
            _ => local,
        }
    }

    // Sums of i64 in f64 are exact below 2^53: enough for these tests' sums but not the exact
    // sums' digits (up to 2^32 each), which the threads add as i64 halves.
    fn sum(&self, values: &mut [i64]) -> Result<()> {
        let mut halves: Vec<f64> = values
            .iter()
            .flat_map(|&v| [(v >> 32) as f64, (v & 0xffff_ffff) as f64])
            .collect();
        self.reduce(&mut halves, |a, b| a + b);
        for (v, h) in values.iter_mut().zip(halves.chunks(2)) {
            *v = ((h[0] as i64) << 32).wrapping_add(h[1] as i64);
        }
        Ok(())
    }

    fn min_max(&self, low: &mut [f32], high: &mut [f32]) -> Result<()> {
        let mut both: Vec<f64> = low.iter().map(|&v| f64::from(v)).collect();
        self.reduce(&mut both, f64::min);
        low.iter_mut().zip(&both).for_each(|(l, &v)| *l = v as f32);
        let mut both: Vec<f64> = high.iter().map(|&v| f64::from(v)).collect();
        self.reduce(&mut both, f64::max);
        high.iter_mut().zip(&both).for_each(|(h, &v)| *h = v as f32);
        Ok(())
    }
}

/// Runs `f` on `size` threads as ranks; their results in rank order.
fn on_ranks<T: Send>(size: usize, f: impl Fn(&Threads) -> T + Sync) -> Vec<T> {
    let shared = Arc::new((Mutex::new(Vec::new()), Barrier::new(size)));
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..size)
            .map(|rank| {
                let ranks = Threads {
                    rank,
                    size,
                    shared: Arc::clone(&shared),
                };
                let f = &f;
                s.spawn(move || f(&ranks))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a rank panicked"))
            .collect()
    })
}

/// A text file of `n` samples of dim 3 with the quirks readers meet: comments, blank lines,
/// CRLF line ends, a header (CSV) or dim line and labels (.dat), quoted fields, no line end
/// at the end.
fn quirky(dir: &std::path::Path, ext: &str, n: usize) -> std::path::PathBuf {
    let mut text = String::new();
    match ext {
        "csv" => text.push_str("\u{feff}# made for the tests\n\"r\",g,b\r\n"),
        _ => text.push_str("# made for the tests\n3\n"),
    }
    for i in 0..n {
        let v = |k: usize| ((i * 7 + k * 13) % 101) as f32 / 100.0 - 0.25;
        match (ext, i % 5) {
            ("csv", 0) => text.push_str(&format!("\"{}\",{},{}\r\n", v(0), v(1), v(2))),
            ("csv", _) => text.push_str(&format!("{},{} , {}\n", v(0), v(1), v(2))),
            (_, 0) => text.push_str(&format!("{} {}\t{} label{i}\n", v(0), v(1), v(2))),
            _ => text.push_str(&format!("{} {} {}\n", v(0), v(1), v(2))),
        }
        if i % 11 == 3 {
            text.push_str("\n# a comment between samples\n  \n");
        }
    }
    text.pop(); // no line end at the end
    let path = dir.join(format!("quirky.{ext}"));
    std::fs::write(&path, text).expect("write");
    path
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("som-parts-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// Every rank count reads the file's samples exactly once, in order, in whole shards.
#[test]
fn parts_hold_the_whole_file_in_order() {
    let dir = temp_dir("whole");
    for ext in ["csv", "dat"] {
        let path = quirky(&dir, ext, 9000);
        let whole = read_data(&path, None).expect("whole");
        for size in 1..=5 {
            let parts = on_ranks(size, |ranks| {
                let file = TextFile::open(&path, Some(3), None).expect("open");
                Part::read(&file, 100, ranks).expect("part")
            });
            let mut next = 0;
            let mut data = Vec::new();
            for p in &parts {
                assert_eq!(p.range().start, next, "{ext}, {size} ranks");
                assert_eq!(p.total(), whole.len());
                next = p.range().end;
                data.extend_from_slice(p.data());
            }
            assert_eq!(next, whole.len(), "{ext}, {size} ranks");
            assert_eq!(data, whole.data, "{ext}, {size} ranks");
            // 9000 samples are 5 shards: with more ranks than that, some hold none.
            let shard = shard_samples(whole.len(), 100, 3);
            assert!(parts.iter().all(|p| p.range().start % shard == 0));
        }
    }
}

/// Batch training on the parts writes the codebook of one process reading the whole file, for
/// every rank count and data-dependent start.
#[test]
fn training_on_parts_gives_the_whole_files_bits() {
    let dir = temp_dir("train");
    let path = quirky(&dir, "csv", 7000);
    let whole = read_data(&path, None).expect("whole");
    for init in [Init::Samples, Init::DataRange] {
        let build = || {
            Som::builder(6, 5, 3)
                .seed(11)
                .threads(1)
                .init(init.clone())
                .build()
                .expect("som")
        };
        let mut alone = build();
        alone.train_batch(&whole, 3).expect("train");
        for size in 1..=4 {
            let books = on_ranks(size, |ranks| {
                let file = TextFile::open(&path, None, Some(Delimiter::Comma)).expect("open");
                let mut som = build();
                let part = Part::read(&file, som.grid().units(), ranks).expect("part");
                let rows = crate::source::Blocks::Part(&part);
                som.prepare_rows(&rows, ranks).expect("prepare");
                som.batch_epochs(&rows, ranks, 3, |_| Ok(true))
                    .expect("train");
                som.codebook()
            });
            for book in books {
                let same = book
                    .iter()
                    .zip(alone.codebook())
                    .all(|(a, b)| a.to_bits() == b.to_bits());
                assert!(same, "{init:?}, {size} ranks");
            }
        }
    }
}

/// The error of each of `size` ranks reading its part of the file at `path`.
fn rank_errors(path: &std::path::Path, size: usize) -> Vec<String> {
    on_ranks(size, |ranks| {
        let file = TextFile::open(path, None, None).expect("open");
        Part::read(&file, 10, ranks).unwrap_err().to_string()
    })
}

/// A bad value deep in the file fails every rank, naming the file's line as the whole-file
/// reader does; parts with both decimal marks fail every rank.
#[test]
fn errors_name_the_files_lines_on_every_rank() {
    let dir = temp_dir("errors");
    let path = dir.join("bad.csv");
    let mut text = String::from("a,b\n");
    for i in 0..6000 {
        text.push_str(if i == 5000 { "1,oops\n" } else { "1,2\n" });
    }
    std::fs::write(&path, &text).expect("write");
    let whole = read_data(&path, None).unwrap_err().to_string();
    assert!(whole.contains(":5002:"), "{whole}");
    for size in 1..=3 {
        let errors = rank_errors(&path, size);
        assert!(
            errors.iter().any(|e| e == &whole),
            "{size} ranks: {errors:?}"
        );
    }
    // A byte order mark starting a line past the first (two files joined): the line is named.
    let path = dir.join("joined.csv");
    let mut text = String::new();
    for i in 0..6000 {
        text.push_str(if i == 3999 { "\u{feff}1,2\n" } else { "1,2\n" });
    }
    std::fs::write(&path, &text).expect("write");
    let whole = read_data(&path, None).unwrap_err().to_string();
    assert!(
        whole.contains(":4000:") && whole.contains("byte order mark"),
        "{whole}"
    );
    for size in 1..=3 {
        let errors = rank_errors(&path, size);
        let named = |e: &String| e.contains(":4000:") && e.contains("byte order mark");
        assert!(errors.iter().any(named), "{size} ranks: {errors:?}");
    }
    // Lines that are not text, anywhere (a comment too, after the last sample too): every rank
    // count names the line as the whole-file reader does, though the rank that finds it
    // counts its lines before it knows their numbers.
    for (ext, at) in [("csv", 4000), ("dat", 5999), ("csv", 6001)] {
        let path = dir.join(format!("binary{at}.{ext}"));
        let mut text = String::from(if ext == "csv" { "a,b\n" } else { "2\n" });
        for i in 1..6000 {
            text.push_str(if i + 1 == at { "# \0\n" } else { "1,2\n" });
        }
        if at > 6000 {
            text.push_str("# \0 the end\n");
        }
        let text = if ext == "csv" {
            text
        } else {
            text.replace(',', " ")
        };
        std::fs::write(&path, &text).expect("write");
        let whole = read_data(&path, None).unwrap_err().to_string();
        assert!(
            whole.contains(&format!(":{at}:")) && whole.contains("NUL"),
            "{whole}"
        );
        for size in 1..=4 {
            let errors = rank_errors(&path, size);
            assert!(
                errors.iter().any(|e| e == &whole),
                "{size} ranks: {errors:?}"
            );
            let file = TextFile::open(&path, None, None).expect("open");
            let alone = Part::read_as_ranks(&file, size, 7).unwrap_err().to_string();
            assert_eq!(alone, whole, "{size} ranks");
        }
    }
    // Semicolons: decimal commas, then decimal points from `from` on: within one rank's part
    // (its reader says so), or only across parts (the ranks compare).
    for from in [5500, 2000] {
        let path = dir.join(format!("marks{from}.csv"));
        let mut text = String::new();
        for i in 0..6000 {
            text.push_str(if i >= from { "1.5;2\n" } else { "1,5;2\n" });
        }
        std::fs::write(&path, &text).expect("write");
        assert!(read_data(&path, None).is_err());
        let errors = rank_errors(&path, 3);
        let across = format!(
            "a decimal point on line {} column 1 and a decimal comma on line 1 column 1",
            from + 1
        );
        match from {
            2000 => assert!(errors.iter().all(|e| e.contains(&across)), "{errors:?}"),
            _ => assert!(
                errors.iter().any(|e| e.contains("one decimal mark")),
                "{errors:?}"
            ),
        }
    }
}

/// A file of `n` samples of dim 2 drawn from `seed`: rows in every spelling the readers take,
/// with comments, blank and whitespace lines, CRLF and missing values between them.
fn drawn(dir: &std::path::Path, csv: bool, n: usize, seed: u64) -> std::path::PathBuf {
    let mut state = seed | 1;
    let mut next = move |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m
    };
    let mut text = String::from(if csv { "x,y\n" } else { "2\n" });
    for i in 0..n {
        let (a, b) = (next(2000) as f32 / 7.0, next(100) as f32 - 50.0);
        let end = if next(4) == 0 { "\r\n" } else { "\n" };
        let row = match (csv, next(6)) {
            (true, 0) => format!("\"{a}\", {b}"),
            (true, 1) => format!("{a},"),
            (true, _) => format!("{a},{b}"),
            (false, 0) => format!("{a} x lab{i}"),
            (false, _) => format!("{a}\t{b}"),
        };
        text.push_str(&row);
        text.push_str(end);
        match next(12) {
            0 => text.push_str("# note\n"),
            1 => text.push_str(end),
            2 => text.push_str(" \t\n"),
            _ => {}
        }
    }
    if next(2) == 0 {
        text.pop();
    }
    let path = dir.join(format!("drawn{seed}.{}", if csv { "csv" } else { "dat" }));
    std::fs::write(&path, text).expect("write");
    path
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..Default::default()
    })]

    /// Any file, any rank count: the parts are the whole-file reader's samples, in order.
    #[test]
    fn any_file_any_ranks(
        seed: u64,
        csv: bool,
        n in 2100usize..7000,
        size in 1usize..=6,
        shard in 1usize..40,
    ) {
        let dir = temp_dir("drawn");
        let path = drawn(&dir, csv, n, seed);
        let whole = read_data(&path, None).expect("whole");
        let parts = on_ranks(size, |ranks| {
            let file = TextFile::open(&path, None, None).expect("open");
            Part::read(&file, 50, ranks).expect("part")
        });
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let joined: Vec<f32> = parts.iter().flat_map(|p| p.data().iter().copied()).collect();
        proptest::prop_assert!(bits(&joined) == bits(&whole.data));
        // The same steps in one process, as the fuzz target runs them; and with small shards,
        // so that parts start at any line.
        let file = TextFile::open(&path, None, None).expect("open");
        let alone = Part::read_as_ranks(&file, size, shard_samples(n, 50, 2)).expect("parts");
        let shape = |ps: &[Part]| {
            ps.iter().map(|p| (p.range(), bits(p.data()))).collect::<Vec<_>>()
        };
        proptest::prop_assert!(shape(&alone) == shape(&parts));
        let small = Part::read_as_ranks(&file, size, shard).expect("parts");
        let joined: Vec<f32> = small.iter().flat_map(|p| p.data().iter().copied()).collect();
        proptest::prop_assert!(bits(&joined) == bits(&whole.data), "shards of {}", shard);
        std::fs::remove_file(&path).expect("remove");
    }
}

/// A line of spaces and delimiters is a row of missing values (found by fuzzing: tabs are
/// whitespace and delimiter at once).
#[test]
fn a_line_of_delimiters_is_a_row() {
    let dir = temp_dir("delimiters");
    for (ext, text) in [
        ("tsv.csv", "a\tb\n1\t2\n\t\n \n3\t4"),
        ("csv", "1,2\n , \n\n3,4\n"),
    ] {
        let path = dir.join(format!("lines.{ext}"));
        std::fs::write(&path, text).expect("write");
        let whole = read_data(&path, None).expect("whole");
        assert_eq!(whole.len(), 3, "{ext}");
        let file = TextFile::open(&path, None, None).expect("open");
        for ranks in 1..=4 {
            for shard in 1..=3 {
                let parts = Part::read_as_ranks(&file, ranks, shard).expect("parts");
                let joined: Vec<u32> = parts
                    .iter()
                    .flat_map(|p| p.data().iter().map(|v| v.to_bits()))
                    .collect();
                let bits: Vec<u32> = whole.data.iter().map(|v| v.to_bits()).collect();
                assert_eq!(joined, bits, "{ext}, {ranks} ranks, shards of {shard}");
            }
        }
    }
}

/// Batch training on the parts `size` threads read of the file at `path` (an MPI job's steps):
/// every rank's codebook.
fn train_on_ranks(
    path: &std::path::Path,
    size: usize,
    build: impl Fn() -> Som + Sync,
) -> Vec<Vec<f32>> {
    on_ranks(size, |ranks| {
        let mut som = build();
        let file;
        let raw;
        let part;
        let rows = if path.extension().is_some_and(|e| e == "f32") {
            raw = crate::io::F32File::open(path, 2).expect("open");
            crate::source::Blocks::File(&raw)
        } else {
            file = TextFile::open(path, None, None).expect("open");
            part = Part::read(&file, som.grid().units(), ranks).expect("part");
            crate::source::Blocks::Part(&part)
        };
        som.prepare_rows(&rows, ranks).expect("prepare");
        som.batch_epochs(&rows, ranks, 2, |_| Ok(true))
            .unwrap_or_else(|e| panic!("{} on {size} ranks: {e}", path.display()));
        som.codebook()
    })
}

/// Issue 23: a plain 3001-row file on 3 ranks. Two shards of 1501 samples; the third rank's
/// part is empty and starts at the last sample, which is no shard's start: it was taken for
/// the last shard's, so that rank asked for samples it did not hold.
#[test]
fn an_empty_part_at_the_end_holds_no_shard() {
    let dir = temp_dir("empty-end");
    let path = dir.join("u.csv");
    let text: String = (0..3001)
        .map(|i| format!("{},{}\n", i % 7, i % 11))
        .collect();
    std::fs::write(&path, text).expect("write");
    let build = || {
        Som::builder(4, 4, 2)
            .seed(3)
            .threads(1)
            .build()
            .expect("som")
    };
    let books = train_on_ranks(&path, 3, build);
    let whole = read_data(&path, None).expect("whole");
    let mut alone = build();
    alone.train_batch(&whole, 2).expect("train");
    assert!(books.iter().all(|b| b == &alone.codebook()));
}

/// `n` samples of dim 2 written as CSV, `.dat` and raw `.f32`.
fn plain_files(dir: &std::path::Path, n: usize) -> [std::path::PathBuf; 3] {
    let values: Vec<f32> = (0..2 * n).map(|i| ((i * 37) % 101) as f32 / 10.0).collect();
    let paths = ["csv", "dat", "f32"].map(|ext| dir.join(format!("plain{n}.{ext}")));
    crate::io::write_data(&paths[0], &values, 2, None, &[]).expect("csv");
    crate::io::write_data(&paths[1], &values, 2, None, &[]).expect("dat");
    crate::io::write_data(&paths[2], &values, 2, None, &[]).expect("f32");
    paths
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 32,
        failure_persistence: None,
        ..Default::default()
    })]

    /// Any row count, any rank count: batch training on the ranks' parts of a CSV, `.dat` or
    /// raw `.f32` file runs and writes the codebook of one process reading it whole.
    #[test]
    fn any_rows_any_ranks_train(n in 1usize..20_000, size in 1usize..=6) {
        let dir = temp_dir("rows-ranks");
        let build = || Som::builder(3, 2, 2).seed(5).threads(1).build().expect("som");
        let paths = plain_files(&dir, n);
        let whole = read_data(&paths[0], None).expect("whole");
        let mut alone = build();
        alone.train_batch(&whole, 2).expect("train");
        for path in &paths {
            let books = train_on_ranks(path, size, build);
            proptest::prop_assert!(
                books.iter().all(|b| b == &alone.codebook()),
                "{}, {} ranks", path.display(), size
            );
            std::fs::remove_file(path).expect("remove");
        }
    }
}
