//! Every reader of `som_std::io` on arbitrary bytes: an error or a value, never a panic. What is
//! read is well formed (whole samples, finite values or NaN for a missing one, one label per
//! sample or none; codebooks without missing values), and what the matching writer accepts
//! reads back the same, as the module promises (writers refuse missing values).
//!
//! The first byte picks the format: CSV, raw `f32`, SOM_PAK `.dat`, SOM_PAK `.cod`, saved map,
//! or a CSV or `.dat` file read by parts (as MPI ranks read it), which must give the whole-file
//! reader's samples in order, or fail where it fails.
#![no_main]

use libfuzzer_sys::fuzz_target;
use som_std::Part;
use som_std::io::{self, Dataset, SavedMap};

fn well_formed(ds: &Dataset) {
    assert!(ds.dim >= 1);
    assert_eq!(ds.data.len() % ds.dim, 0);
    assert!(
        !ds.data.is_empty(),
        "a dataset without samples was accepted"
    );
    assert!(ds.data.iter().all(|v| !v.is_infinite()));
    assert!(ds.labels.is_empty() || ds.labels.len() == ds.len());
    if let Some(columns) = &ds.columns {
        assert_eq!(columns.len(), ds.dim);
    }
}

/// Whether a value is missing (NaN).
fn missing(ds: &Dataset) -> bool {
    ds.data.iter().any(|v| v.is_nan())
}

fn same_values(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

fuzz_target!(|bytes: &[u8]| {
    let Some((&which, input)) = bytes.split_first() else {
        return;
    };
    match which % 6 {
        0 => {
            let Ok(ds) = io::read_csv(input, "fuzz.csv") else {
                return;
            };
            well_formed(&ds);
            // Every name the reader gives (never a line feed or a byte order mark) writes;
            // missing values do not.
            let mut out = Vec::new();
            let columns = ds.columns.as_deref();
            let written = io::write_csv(&mut out, "fuzz.csv", &ds.data, ds.dim, columns);
            if missing(&ds) {
                assert!(written.is_err(), "a missing value was written");
                return;
            }
            written.expect("what was read writes");
            let back = io::read_csv(out.as_slice(), "fuzz.csv").expect("written CSV reads");
            assert!(same_values(&back.data, &ds.data));
            assert_eq!(back.dim, ds.dim);
            assert_eq!(back.columns, ds.columns);
        }
        1 => {
            let Some((&d, raw)) = input.split_first() else {
                return;
            };
            let dim = usize::from(d % 17);
            let Ok(ds) = io::read_f32(raw, "fuzz.f32", dim) else {
                return;
            };
            well_formed(&ds);
            assert_eq!(ds.dim, dim);
            let mut out = Vec::new();
            let written = io::write_f32(&mut out, "fuzz.f32", &ds.data, dim);
            if missing(&ds) {
                assert!(written.is_err(), "a missing value was written");
                return;
            }
            written.expect("what was read writes");
            assert_eq!(out.as_slice(), raw);
        }
        2 => {
            let Ok(ds) = io::read_dat(input, "fuzz.dat") else {
                return;
            };
            well_formed(&ds);
            let mut out = Vec::new();
            if io::write_dat(&mut out, "fuzz.dat", &ds.data, ds.dim, &ds.labels).is_ok() {
                let back = io::read_dat(out.as_slice(), "fuzz.dat").expect("written .dat reads");
                assert!(same_values(&back.data, &ds.data));
                assert_eq!((back.dim, &back.labels), (ds.dim, &ds.labels));
            }
        }
        3 => {
            let Ok(cod) = io::read_cod(input, "fuzz.cod") else {
                return;
            };
            assert_eq!(cod.weights.len(), cod.rows * cod.cols * cod.dim);
            assert!(cod.weights.iter().all(|v| v.is_finite()));
            assert!(cod.labels.is_empty() || cod.labels.len() == cod.rows * cod.cols);
            let mut out = Vec::new();
            if io::write_cod(&mut out, "fuzz.cod", &cod).is_ok() {
                let back = io::read_cod(out.as_slice(), "fuzz.cod").expect("written .cod reads");
                assert!(same_values(&back.weights, &cod.weights));
                assert_eq!(
                    (back.dim, back.rows, back.cols, &back.labels),
                    (cod.dim, cod.rows, cod.cols, &cod.labels)
                );
                assert_eq!(
                    (back.topology, back.neighbourhood),
                    (cod.topology, cod.neighbourhood)
                );
            }
        }
        5 => {
            let Some((&pick, text)) = input.split_first() else {
                return;
            };
            let ext = if pick % 2 == 0 { "csv" } else { "dat" };
            let name = format!("som-fuzz-parts-{}.{ext}", std::process::id());
            let path = std::env::temp_dir().join(name);
            std::fs::write(&path, text).expect("a temporary file");
            let (ranks, shard) = (usize::from(pick / 2 % 4) + 1, usize::from(pick / 8 % 5) + 1);
            let whole = io::read_data(&path, None);
            let parts = io::TextFile::open(&path, None, None)
                .and_then(|file| Part::read_as_ranks(&file, ranks, shard));
            match (whole, parts) {
                (Ok(ds), Ok(parts)) => {
                    let joined: Vec<f32> = parts
                        .iter()
                        .flat_map(|p| p.data().iter().copied())
                        .collect();
                    assert!(
                        same_values(&joined, &ds.data),
                        "parts differ from the whole"
                    );
                    assert!(
                        parts
                            .iter()
                            .all(|p| p.dim() == ds.dim && p.total() == ds.len())
                    );
                }
                (Ok(_), Err(e)) => panic!("read whole, but not by parts: {e}"),
                // A file without samples opens and splits into empty parts (training refuses it).
                (Err(_), Ok(parts)) => assert!(
                    parts.iter().all(|p| p.total() == 0),
                    "failed whole, but read by parts"
                ),
                (Err(_), Err(_)) => {}
            }
        }
        _ => {
            let Ok(map) = SavedMap::read(input, "fuzz.json") else {
                return;
            };
            map.validate().expect("a map that was read validates");
            let mut out = Vec::new();
            map.write(&mut out, "fuzz.json")
                .expect("a valid map writes");
            let back = SavedMap::read(out.as_slice(), "fuzz.json").expect("written map reads");
            assert!(same_values(&back.codebook, &map.codebook));
            assert_eq!(back, map);
        }
    }
});
