//! One definition of each preset: `som train --preset X` and the library's `Som::X` give the
//! same map, bit for bit, from the same inputs.
#![cfg(feature = "cli")]

use som_std::{Flat, Init, MiniSomLattice, Order, Preset, Som, Topology};
use std::path::{Path, PathBuf};
use std::process::Command;

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("som-preset-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `rows` of `dim` values as CSV without a header (`{}` of an f32 reads back exactly).
fn write_csv(path: &Path, values: &[f32], dim: usize) {
    let text: String = values
        .chunks_exact(dim)
        .map(|r| {
            let r: Vec<String> = r.iter().map(|v| format!("{v}")).collect();
            r.join(",") + "\n"
        })
        .collect();
    std::fs::write(path, text).unwrap();
}

/// Runs `som train` with `args` and reads the codebook it wrote to `out.f32`.
fn cli_codebook(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = dir.join("out.f32");
    let _ = std::fs::remove_file(&out);
    let o = Command::new(env!("CARGO_BIN_EXE_som"))
        .current_dir(dir)
        .arg("train")
        .args(args)
        .args(["--out", "out.f32", "--json"])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "som train {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read(out).unwrap()
}

fn bytes(som: &Som) -> Vec<u8> {
    som.codebook()
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect()
}

fn colours(dir: &Path) -> Vec<f32> {
    let data: Vec<f32> = som_std::datasets::colours().concat();
    write_csv(&dir.join("colours.csv"), &data, 3);
    data
}

#[test]
fn seed_cli_is_som_seed() {
    let dir = workdir("seed");
    let data = colours(&dir);
    let data = Flat::new(&data, 3).unwrap();
    let shape = ["--data", "colours.csv", "--rows", "6", "--cols", "8"];
    for (extra, alpha, sigma) in [
        (&[][..], None, None),
        (
            &["--alpha", "0.2", "--sigma", "3"][..],
            Some(0.2),
            Some(3.0),
        ),
    ] {
        let mut som = Som::seed(6, 8, 3, 40, alpha, sigma).unwrap();
        som.train(&data).unwrap();
        let args = [&shape[..], &["--preset", "seed", "--epochs", "40"], extra].concat();
        assert_eq!(cli_codebook(&dir, &args), bytes(&som), "{extra:?}");
    }
    // The default length is the preset's: 400 epochs.
    let mut som = Som::seed(6, 8, 3, 400, None, None).unwrap();
    som.train(&data).unwrap();
    let args = [&shape[..], &["--preset", "seed"]].concat();
    assert_eq!(cli_codebook(&dir, &args), bytes(&som));
    // And the comparison sees a difference: another sigma is another map.
    let mut other = Som::seed(6, 8, 3, 400, None, Some(3.5)).unwrap();
    other.train(&data).unwrap();
    assert_ne!(cli_codebook(&dir, &args), bytes(&other));
}

#[test]
fn minisom_cli_is_som_minisom_on_both_lattices() {
    let dir = workdir("minisom");
    let data = colours(&dir);
    let data = Flat::new(&data, 3).unwrap();
    // MiniSom(5, 4, 3): rectangular, 5 rows of 4; hexagonal, 4 rows of 5.
    for topology in [Topology::Rectangular, Topology::Hexagonal] {
        let lattice = MiniSomLattice::new(5, 4, topology);
        let (rows, cols) = lattice.shape();
        let mut som = Som::minisom_with(5, 4, 3, topology).unwrap();
        som.train_online(&data, 300, Order::Sequential).unwrap();
        let (r, c) = (rows.to_string(), cols.to_string());
        let hex = if topology == Topology::Hexagonal {
            "hex"
        } else {
            "rect"
        };
        let args = [
            "--data",
            "colours.csv",
            "--rows",
            &r,
            "--cols",
            &c,
            "--preset",
            "minisom",
            "--topology",
            hex,
            "--steps",
            "300",
        ];
        assert_eq!(cli_codebook(&dir, &args), bytes(&som), "{topology:?}");
        if topology == Topology::Rectangular {
            let mut plain = Som::minisom(5, 4, 3).unwrap();
            plain.train_online(&data, 300, Order::Sequential).unwrap();
            assert_eq!(plain.codebook(), som.codebook());
        }
    }
}

#[test]
fn minisom_hex_cli_reproduces_minisom_from_its_start() {
    // MiniSom 2.3.6's defaults on its hexagonal 5 x 4 lattice (tests/data/minisom), through
    // the command line: the start given as a codebook in the map's unit order.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/minisom/minisom_2.3.6.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let f64s = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let case = &v["cases"][0];
    assert_eq!(
        (case["topology"].as_str(), case["sigma"].as_f64()),
        (Some("hexagonal"), Some(1.0))
    );
    let lattice = MiniSomLattice::new(5, 4, Topology::Hexagonal);
    let initial: Vec<f32> = f64s(&case["initial"]).iter().map(|&x| x as f32).collect();
    let start = lattice.codebook_from_minisom(&initial, 3).unwrap();
    let data: Vec<f32> = f64s(&v["data"]).iter().map(|&x| x as f32).collect();
    let dir = workdir("minisom-hex");
    write_csv(&dir.join("data.csv"), &data, 3);
    write_csv(&dir.join("start.csv"), &start, 3);
    let steps = case["steps"].as_u64().unwrap().to_string();
    let got = cli_codebook(
        &dir,
        &[
            "--data",
            "data.csv",
            "--rows",
            "4",
            "--cols",
            "5",
            "--preset",
            "minisom",
            "--topology",
            "hex",
            "--init",
            "start.csv",
            "--steps",
            &steps,
        ],
    );
    let got: Vec<f32> = got
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let got = lattice.codebook_to_minisom(&got, 3).unwrap();
    let worst = got
        .iter()
        .zip(f64s(&case["trained"]))
        .map(|(a, b)| (f64::from(*a) - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-4, "largest difference from MiniSom: {worst}");
}

#[test]
fn sompak_cli_is_som_sompak() {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sompak/");
    let dir = workdir("sompak");
    for f in ["ex.dat", "ex_init.cod"] {
        std::fs::copy(format!("{src}{f}"), dir.join(f)).unwrap();
    }
    let data = som_std::io::read_data(dir.join("ex.dat"), None).unwrap();
    let cod = som_std::io::read_cod(
        std::fs::File::open(dir.join("ex_init.cod")).unwrap(),
        "ex_init.cod",
    )
    .unwrap();
    // vsom -rlen 1000 -alpha 0.05 -radius 10 from randinit's codebook.
    let mut som = Som::sompak(&cod, 0.05, 10.0).unwrap();
    som.train_online(&data, 1000, Order::Sequential).unwrap();
    let shape = ["--data", "ex.dat", "--rows", "8", "--cols", "12"];
    let args = [
        &shape[..],
        &[
            "--preset",
            "sompak",
            "--init",
            "ex_init.cod",
            "--alpha",
            "0.05",
            "--sigma",
            "10",
            "--steps",
            "1000",
        ],
    ]
    .concat();
    assert_eq!(cli_codebook(&dir, &args), bytes(&som));
    // Without a codebook both start uniform within the data's range (randinit's rule) and
    // train the preset's 10 epochs.
    let p = Preset::SomPak.settings(8, 12);
    assert_eq!(p.init, Init::DataRange);
    let mut som = p.build(data.dim).unwrap();
    som.train(&data).unwrap();
    let args = [&shape[..], &["--preset", "sompak"]].concat();
    assert_eq!(cli_codebook(&dir, &args), bytes(&som));
    // A gaussian codebook trains gaussian, as vsom reads it from the file.
    let mut gauss = cod.clone();
    gauss.neighbourhood = som_std::Shape::Gaussian;
    let file = std::fs::File::create(dir.join("gauss.cod")).unwrap();
    som_std::io::write_cod(file, "gauss.cod", &gauss).unwrap();
    let mut som = Som::sompak(&gauss, 0.05, 3.0).unwrap();
    som.train_online(&data, 500, Order::Sequential).unwrap();
    let args = [
        &shape[..],
        &[
            "--preset",
            "sompak",
            "--init",
            "gauss.cod",
            "--sigma",
            "3",
            "--steps",
            "500",
        ],
    ]
    .concat();
    assert_eq!(cli_codebook(&dir, &args), bytes(&som));
}
