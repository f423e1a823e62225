//! The `som` command line, end to end: train, map, quality, umatrix, and one clear line for
//! every bad input.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const COLOURS: &str = "r,g,b\n0,0,0\n0,0,1\n0,0,0.5\n0.125,0.529,1\n0.33,0.4,0.67\n0.6,0.5,1\n0,1,0\n1,0,0\n\
0,1,1\n1,0,1\n1,1,0\n1,1,1\n0.33,0.33,0.33\n0.5,0.5,0.5\n0.66,0.66,0.66\n";

fn som(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_som"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run som")
}

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("som-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("colours.csv"), COLOURS).unwrap();
    dir
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn train_map_quality_umatrix() {
    let dir = workdir("flow");
    let json = stdout(&som(
        &dir,
        &[
            "train",
            "--data",
            "colours.csv",
            "--rows",
            "20",
            "--cols",
            "30",
            "--out",
            "map.json",
            "--preset",
            "seed",
            "--json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["steps"], 6000);
    assert!(v["seconds"].as_f64().unwrap() > 0.0);
    assert!(v["quantization_error"].as_f64().unwrap() < 0.01);
    let places = stdout(&som(
        &dir,
        &["map", "--codebook", "map.json", "--data", "colours.csv"],
    ));
    assert_eq!(places.lines().count(), 15);
    for line in places.lines() {
        let rc: Vec<usize> = line.split(' ').map(|v| v.parse().unwrap()).collect();
        assert!(rc[0] < 20 && rc[1] < 30, "{line}");
    }
    let q = stdout(&som(
        &dir,
        &[
            "quality",
            "--codebook",
            "map.json",
            "--data",
            "colours.csv",
            "--json",
        ],
    ));
    let q: serde_json::Value = serde_json::from_str(q.trim()).unwrap();
    assert_eq!(q["quantization_error"], v["quantization_error"]);
    stdout(&som(
        &dir,
        &["umatrix", "--codebook", "map.json", "--out", "u.png"],
    ));
    assert!(
        std::fs::read(dir.join("u.png"))
            .unwrap()
            .starts_with(b"\x89PNG")
    );
    // The same seed gives the same map, byte for byte.
    stdout(&som(
        &dir,
        &[
            "train",
            "--data",
            "colours.csv",
            "--rows",
            "20",
            "--cols",
            "30",
            "--out",
            "again.json",
            "--preset",
            "seed",
        ],
    ));
    assert_eq!(
        std::fs::read(dir.join("map.json")).unwrap(),
        std::fs::read(dir.join("again.json")).unwrap()
    );
}

#[test]
fn formats_presets_and_modes() {
    let dir = workdir("formats");
    stdout(&som(
        &dir,
        &[
            "train",
            "--data",
            "colours.csv",
            "--rows",
            "6",
            "--cols",
            "8",
            "--out",
            "m.cod",
            "--preset",
            "sompak",
            "--steps",
            "3000",
        ],
    ));
    assert!(
        std::fs::read_to_string(dir.join("m.cod"))
            .unwrap()
            .starts_with("3 hexa 8 6 bubble")
    );
    stdout(&som(
        &dir,
        &[
            "train",
            "--data",
            "colours.csv",
            "--rows",
            "6",
            "--cols",
            "8",
            "--out",
            "b.csv",
            "--mode",
            "batch",
            "--epochs",
            "20",
            "--threads",
            "2",
            "--init",
            "m.cod",
        ],
    ));
    let q = stdout(&som(
        &dir,
        &[
            "quality",
            "--codebook",
            "b.csv",
            "--rows",
            "6",
            "--cols",
            "8",
            "--data",
            "colours.csv",
        ],
    ));
    assert!(q.starts_with("quantization error"));
    stdout(&som(
        &dir,
        &[
            "train",
            "--data",
            "colours.csv",
            "--rows",
            "5",
            "--cols",
            "5",
            "--out",
            "t.json",
            "--preset",
            "minisom",
            "--boundary",
            "toroidal",
            "--order",
            "random",
            "--decay",
            "exponential",
            "--sigma-final",
            "0.3",
            "--cutoff",
            "0.001",
        ],
    ));
}

#[test]
fn bad_input_is_one_line_and_a_failure() {
    let dir = workdir("errors");
    std::fs::write(dir.join("ragged.csv"), "1,2\n3\n").unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "train",
                "--data",
                "missing.csv",
                "--rows",
                "2",
                "--cols",
                "2",
                "--out",
                "x.json",
            ],
            "missing.csv",
        ),
        (
            &[
                "train",
                "--data",
                "colours.csv",
                "--rows",
                "0",
                "--cols",
                "2",
                "--out",
                "x.json",
            ],
            "rows is 0",
        ),
        (
            &[
                "train",
                "--data",
                "colours.csv",
                "--rows",
                "2",
                "--cols",
                "2",
                "--out",
                "x.json",
                "--sigma",
                "-1",
            ],
            "sigma",
        ),
        (
            &[
                "train",
                "--data",
                "ragged.csv",
                "--rows",
                "2",
                "--cols",
                "2",
                "--out",
                "x.json",
            ],
            "ragged.csv:2",
        ),
        (
            &[
                "train",
                "--data",
                "colours.csv",
                "--rows",
                "2",
                "--cols",
                "2",
                "--out",
                "x.txt",
            ],
            "x.txt",
        ),
        (
            &[
                "train",
                "--data",
                "colours.csv",
                "--rows",
                "2",
                "--cols",
                "2",
                "--out",
                "x.json",
                "--mode",
                "batch",
                "--neighbourhood",
                "mexican-hat",
            ],
            "negative",
        ),
        (
            &["map", "--codebook", "colours.csv", "--data", "colours.csv"],
            "rows and cols",
        ),
    ];
    for (args, needle) in cases {
        let o = som(&dir, args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{args:?} succeeded");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("som: ") && err.contains(needle),
            "{args:?}: {err}"
        );
    }
}

/// `SOM_SIMD` forces the kernel's instruction set, `--json` reports the one used, and the
/// maps of one rounding group (levels with FMA, levels without) are byte for byte the same.
#[test]
fn simd_level_is_chosen_reported_and_forced() {
    use som_std::kernel::simd::Level;
    let dir = workdir("simd");
    let train = |level: Option<&str>, out: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_som"));
        cmd.current_dir(&dir).args([
            "train",
            "--data",
            "colours.csv",
            "--rows",
            "6",
            "--cols",
            "9",
            "--out",
            out,
            "--preset",
            "seed",
            "--json",
        ]);
        match level {
            Some(l) => cmd.env("SOM_SIMD", l),
            None => cmd.env_remove("SOM_SIMD"),
        };
        cmd.output().expect("run som")
    };
    let v: serde_json::Value =
        serde_json::from_str(stdout(&train(None, "detected.json")).trim()).unwrap();
    assert_eq!(v["simd"], Level::detected().name());
    let mut maps = Vec::new();
    for level in Level::ALL {
        let out = format!("{}.json", level.name());
        let o = train(Some(level.name()), &out);
        if level.available() {
            let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
            assert_eq!(v["simd"], level.name());
            maps.push((level, std::fs::read(dir.join(&out)).unwrap()));
        } else {
            assert!(!o.status.success(), "{level} is not available here");
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains("SOM_SIMD"), "{err}");
        }
    }
    let fused = |l: Level| l >= Level::Avx2 || (l == Level::Sse2 && cfg!(target_feature = "fma"));
    for (a, ma) in &maps {
        for (b, mb) in &maps {
            if fused(*a) == fused(*b) {
                assert!(ma == mb, "{a} and {b} trained different maps");
            }
        }
    }
    let o = train(Some("avx9"), "never.json");
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("expected one of scalar, sse2, avx2, avx512")
    );
}

/// Runs `som` and returns its stderr, checking that it failed.
fn failure(dir: &Path, args: &[&str]) -> String {
    let o = som(dir, args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!o.status.success(), "{args:?} succeeded");
    assert!(err.starts_with("som: "), "{args:?}: {err}");
    err
}

/// `som train` with the colours, a small map and `extra` flags.
fn train_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "train",
        "--data",
        "colours.csv",
        "--rows",
        "3",
        "--cols",
        "4",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    args
}

/// A run that fails leaves the file it would have written as it was.
#[test]
fn outputs_are_all_or_nothing() {
    let dir = workdir("atomic");
    std::fs::write(dir.join("k.cod"), "precious\n").unwrap();
    failure(&dir, &train_args("k.cod", &["--boundary", "toroidal"]));
    assert_eq!(
        std::fs::read_to_string(dir.join("k.cod")).unwrap(),
        "precious\n"
    );
    stdout(&som(&dir, &train_args("m.cod", &["--preset", "sompak"])));
    // No temporary file is left behind.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            n.starts_with(".som-").then_some(n)
        })
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Everything the flags and files can tell is checked before training, and the error names
/// the flag and its value; nothing is written.
#[test]
fn checks_before_training_name_the_flag() {
    let dir = workdir("checks");
    std::fs::create_dir_all(dir.join("a-dir")).unwrap();
    let cases: &[(&[&str], &[&str])] = &[
        (&["--epochs", "0"], &["--epochs 0", "at least 1"]),
        (&["--steps", "0"], &["--steps 0", "at least 1"]),
        (&["--threads", "100000"], &["--threads 100000", "1 to 1024"]),
        (&["--threads", "0"], &["--threads 0", "1 to 1024"]),
        (
            &["--mode", "batch", "--steps", "9"],
            &["--steps", "--epochs"],
        ),
        (
            &["--mode", "batch", "--order", "random"],
            &["--order", "batch"],
        ),
        (
            &["--decay", "asymptotic", "--sigma-final", "0.1"],
            &["--sigma-final 0.1", "asymptotic"],
        ),
        (
            &["--sigma", "1", "--sigma-final", "3"],
            &["--sigma-final 3", "above the initial 1", "--sigma"],
        ),
        (&["--alpha-final", "0.9"], &["--alpha-final 0.9", "0.5"]),
        (
            &["--mode", "batch", "--preset", "seed"],
            &["--mode batch", "--sigma-final"],
        ),
        (
            &["--mode", "batch", "--sigma-final", "0"],
            &["--sigma-final 0", "> 0"],
        ),
        (
            &["--mode", "batch", "--neighbourhood", "mexican-hat"],
            &["mexican-hat", "negative"],
        ),
    ];
    for (extra, needles) in cases {
        let err = failure(&dir, &train_args("never.json", extra));
        for needle in *needles {
            assert!(err.contains(needle), "{extra:?}: {err}");
        }
        assert_eq!(err.lines().count(), 1, "{extra:?}: {err}");
    }
    let outputs: &[(&str, &[&str], &[&str])] = &[
        (
            "k.cod",
            &["--boundary", "toroidal"],
            &["--out k.cod", "toroidal", "planar"],
        ),
        (
            "k.cod",
            &["--neighbourhood", "mexican-hat"],
            &["--out k.cod", "mexican-hat"],
        ),
        (
            "missing/m.json",
            &[],
            &["--out", "missing", "does not exist"],
        ),
        ("a-dir", &[], &["--out: a-dir is a directory"]),
        ("m.txt", &[], &["--out m.txt", ".json, .cod, .csv or .f32"]),
        ("m.dat", &[], &["--out m.dat", "holds data"]),
    ];
    for (out, extra, needles) in outputs {
        // Data that cannot be read shows the output is checked first.
        let mut args = train_args(out, extra);
        args[2] = "no-such-data.csv";
        let err = failure(&dir, &args);
        for needle in *needles {
            assert!(err.contains(needle), "{out} {extra:?}: {err}");
        }
    }
    assert!(!dir.join("never.json").exists() && !dir.join("k.cod").exists());
}

/// A map too large for the memory this machine has is refused before anything is allocated,
/// with how much it would need.
#[cfg(target_os = "linux")]
#[test]
fn maps_larger_than_memory_are_refused() {
    let dir = workdir("memory");
    std::fs::write(dir.join("wide.f32"), vec![0u8; 4 * 100_000]).unwrap();
    let err = failure(
        &dir,
        &[
            "train", "--data", "wide.f32", "--dim", "100000", "--rows", "1000", "--cols", "1000",
            "--out", "big.json",
        ],
    );
    assert!(
        err.contains("--rows 1000 --cols 1000") && err.contains("dim 100000") && err.contains("TB"),
        "{err}"
    );
}

/// A starting codebook that knows its lattice trains on it; a flag asking for another is an
/// error.
#[test]
fn init_file_lattice_wins_or_conflicts() {
    let dir = workdir("lattice");
    stdout(&som(&dir, &train_args("hex.cod", &["--preset", "sompak"])));
    let err = failure(
        &dir,
        &train_args("x.json", &["--init", "hex.cod", "--topology", "rect"]),
    );
    assert!(
        err.contains("--topology rect") && err.contains("hex.cod holds a hex map"),
        "{err}"
    );
    stdout(&som(&dir, &train_args("again.cod", &["--init", "hex.cod"])));
    let again = std::fs::read_to_string(dir.join("again.cod")).unwrap();
    assert!(again.starts_with("3 hexa 4 3"), "{again}");
    stdout(&som(
        &dir,
        &train_args("torus.json", &["--boundary", "toroidal"]),
    ));
    let err = failure(&dir, &train_args("t.cod", &["--init", "torus.json"]));
    assert!(
        err.contains("--out t.cod") && err.contains("toroidal"),
        "{err}"
    );
}

/// Usage errors print clap's whole message (which argument, the usage, "did you mean") and
/// exit 2; help exits 0.
#[test]
fn usage_errors_are_clap_messages() {
    let dir = workdir("usage");
    let cases: &[(&[&str], &[&str])] = &[
        (&["frobnicate"], &["frobnicate", "Usage"]),
        (&["trian"], &["similar subcommand", "train"]),
        (
            &["train", "--data", "colours.csv", "--rows", "3"],
            &["--cols <COLS>", "--out <OUT>", "Usage: som train"],
        ),
        (
            &[
                "train", "--data", "c.csv", "--rows", "3", "--cols", "3", "--out", "m.json",
                "--preset", "sompack",
            ],
            &["'sompack'", "sompak"],
        ),
        (
            &[
                "train",
                "--data",
                "c.csv",
                "--rows",
                "3",
                "--cols",
                "3",
                "--out",
                "m.json",
                "--neighbourhood",
                "mexicanhat",
            ],
            &["mexican-hat"],
        ),
    ];
    for (args, needles) in cases {
        let o = som(&dir, args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        for needle in *needles {
            assert!(err.contains(needle), "{args:?}: {err}");
        }
    }
    let help = som(&dir, &["train", "--help"]);
    assert!(help.status.success() && String::from_utf8_lossy(&help.stdout).contains("--out"));
}

/// Messages say where a number came from, give a number where one is promised, and take the
/// flags a person needs.
#[test]
fn messages_a_person_understands() {
    let dir = workdir("messages");
    stdout(&som(&dir, &train_args("m.json", &[])));
    std::fs::write(dir.join("two.csv"), "1,2\n3,4\n").unwrap();
    let err = failure(&dir, &["map", "--codebook", "m.json", "--data", "two.csv"]);
    assert!(
        err.contains("the codebook m.json has dim 3, the data two.csv dim 2"),
        "{err}"
    );
    // Distances that overflow are an error, never `null` in the JSON.
    std::fs::write(dir.join("huge.csv"), "1e30,0,0\n0,1,0\n").unwrap();
    let err = failure(
        &dir,
        &[
            "quality",
            "--codebook",
            "m.json",
            "--data",
            "huge.csv",
            "--json",
        ],
    );
    assert!(err.contains("quantization error is inf"), "{err}");
    let mut args = train_args("h.json", &[]);
    args[2] = "huge.csv";
    let err = failure(&dir, &args);
    assert!(
        err.contains("--data huge.csv") && err.contains("1e30"),
        "{err}"
    );
    // --cell sets the picture's cells; one too large names the flag.
    stdout(&som(
        &dir,
        &[
            "umatrix",
            "--codebook",
            "m.json",
            "--out",
            "u.png",
            "--cell",
            "4",
        ],
    ));
    let png = std::fs::read(dir.join("u.png")).unwrap();
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let big = stdout(&som(
        &dir,
        &["umatrix", "--codebook", "m.json", "--out", "v.png"],
    ));
    assert!(big.is_empty());
    let png = std::fs::read(dir.join("v.png")).unwrap();
    assert!(u32::from_be_bytes(png[16..20].try_into().unwrap()) > width);
    let err = failure(
        &dir,
        &[
            "umatrix",
            "--codebook",
            "m.json",
            "--out",
            "u.png",
            "--cell",
            "600",
        ],
    );
    assert!(
        err.contains("--cell 600") && err.contains("4 to 512"),
        "{err}"
    );
    let err = failure(&dir, &["umatrix", "--codebook", "m.json", "--out", "u.jpg"]);
    assert!(err.contains("--out u.jpg") && err.contains(".png"), "{err}");
}

/// Progress is drawn only on a terminal: redirected, stderr stays empty and `--json` is one
/// JSON object on stdout.
#[test]
fn progress_only_on_a_terminal() {
    let dir = workdir("progress");
    for args in [
        train_args("m.json", &["--json"]),
        train_args("b.json", &["--json", "--mode", "batch", "--epochs", "3"]),
        vec![
            "quality",
            "--codebook",
            "m.json",
            "--data",
            "colours.csv",
            "--json",
        ],
        vec!["map", "--codebook", "m.json", "--data", "colours.csv"],
        vec!["umatrix", "--codebook", "m.json", "--out", "u.png"],
    ] {
        let o = som(&dir, &args);
        assert!(o.status.success() && o.stderr.is_empty(), "{args:?}: {o:?}");
        if args.contains(&"--json") {
            let text = String::from_utf8(o.stdout).unwrap();
            assert_eq!(text.lines().count(), 1, "{text}");
            serde_json::from_str::<serde_json::Value>(&text).unwrap();
        }
    }
}

/// CSV as spreadsheets write it: `;` and decimal commas detected, `--delimiter` to say it.
#[test]
fn spreadsheet_csv_and_delimiter() {
    let dir = workdir("delimiter");
    // A European Excel's export of the colours: semicolons, decimal commas, CRLF, a BOM.
    let eu = COLOURS
        .replace(',', ";")
        .replace('.', ",")
        .replace('\n', "\r\n");
    std::fs::write(dir.join("eu.csv"), format!("\u{feff}{eu}")).unwrap();
    let train_eu = [
        "train", "--data", "eu.csv", "--rows", "3", "--cols", "4", "--out", "m.json",
    ];
    stdout(&som(&dir, &train_eu));
    let q = stdout(&som(
        &dir,
        &["quality", "--codebook", "m.json", "--data", "eu.csv"],
    ));
    let q2 = stdout(&som(
        &dir,
        &["quality", "--codebook", "m.json", "--data", "colours.csv"],
    ));
    assert_eq!(q, q2, "the same numbers, whatever the delimiter");
    // One column with decimal commas: detected as two columns, one with --delimiter ';'.
    std::fs::write(dir.join("one.csv"), "0,5\n1,5\n2,5\n").unwrap();
    let args = ["--rows", "2", "--cols", "2", "--out", "one.json"];
    let mut train = vec!["train", "--data", "one.csv"];
    train.extend(args);
    stdout(&som(&dir, &[&train[..], &["--delimiter", ";"]].concat()));
    let map = ["map", "--codebook", "one.json", "--data", "one.csv"];
    assert_eq!(
        stdout(&som(
            &dir,
            &[&map[..], &["--delimiter", "semicolon"]].concat()
        ))
        .lines()
        .count(),
        3
    );
    let err = failure(&dir, &map);
    assert!(
        err.contains("the codebook one.json has dim 1, the data one.csv dim 2"),
        "{err}"
    );
    // Errors name the line and column; a delimiter that is none of the three is a usage error.
    std::fs::write(dir.join("bad.csv"), "a;b\n1;2\n3;x\n").unwrap();
    let err = failure(
        &dir,
        &[
            "train", "--data", "bad.csv", "--rows", "2", "--cols", "2", "--out", "b.json",
        ],
    );
    assert!(
        err.contains("bad.csv:3") && err.contains("a number in column 2"),
        "{err}"
    );
    let o = som(&dir, &[&map[..], &["--delimiter", "|"]].concat());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.code() == Some(2) && err.contains("expected , ; or tab"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Batch training on a `.f32` file streams it and writes the codebook that loading it does;
/// `quality` and `hits` on the file agree with the same data as CSV; hits add up to the
/// samples.
#[test]
fn a_streamed_f32_file_trains_and_queries_as_loaded_data() {
    let dir = workdir("stream");
    let rows: Vec<Vec<f32>> = (0..5000u32)
        .map(|i| {
            (0..4)
                .map(|d| ((i * 31 + d * 7) % 97) as f32 / 9.7)
                .collect()
        })
        .collect();
    let bytes: Vec<u8> = rows
        .iter()
        .flatten()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    std::fs::write(dir.join("d.f32"), bytes).unwrap();
    let csv: String = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(",")
                + "\n"
        })
        .collect();
    std::fs::write(dir.join("d.csv"), csv).unwrap();
    let train = |extra: &[&str], out: &str| {
        let mut args = vec![
            "train",
            "--data",
            "d.f32",
            "--dim",
            "4",
            "--rows",
            "5",
            "--cols",
            "6",
            "--mode",
            "batch",
            "--epochs",
            "4",
            "--sigma-final",
            "1",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        stdout(&som(&dir, &args));
        std::fs::read(dir.join(out)).unwrap()
    };
    let streamed = train(&[], "s.json");
    assert_eq!(streamed, train(&["--in-memory"], "m.json"));
    let query = |what: &str, data: &str| {
        let mut args = vec![what, "--codebook", "s.json", "--data", data];
        if what == "quality" {
            args.push("--json");
        }
        stdout(&som(&dir, &args))
    };
    let hits = query("hits", "d.f32");
    assert_eq!(hits, query("hits", "d.csv"));
    assert_eq!(hits.lines().count(), 30);
    let total: u64 = hits
        .lines()
        .map(|l| l.split(' ').nth(2).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 5000);
    let q = |data: &str| -> (f64, f64) {
        let v: serde_json::Value = serde_json::from_str(query("quality", data).trim()).unwrap();
        (
            v["quantization_error"].as_f64().unwrap(),
            v["topographic_error"].as_f64().unwrap(),
        )
    };
    let ((qe_file, te_file), (qe_csv, te_csv)) = (q("d.f32"), q("d.csv"));
    assert_eq!(te_file, te_csv);
    assert!(
        (qe_file - qe_csv).abs() <= qe_csv * 1e-6,
        "{qe_file} vs {qe_csv}"
    );
    assert_eq!(
        stdout(&som(
            &dir,
            &["map", "--codebook", "s.json", "--data", "d.f32"]
        )),
        stdout(&som(
            &dir,
            &["map", "--codebook", "s.json", "--data", "d.csv"]
        ))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--distance` trains by that distance, the saved map keeps it, and `map` searches by it:
/// each colour's unit is the reference's nearest by that distance on the saved codebook.
#[test]
fn distance_flag_trains_saves_and_maps_by_it() {
    let dir = workdir("distance");
    let mut codebooks = Vec::new();
    for distance in ["euclidean", "cosine", "manhattan", "chebyshev"] {
        let out = format!("{distance}.json");
        stdout(&som(
            &dir,
            &train_args(&out, &["--distance", distance, "--epochs", "30"]),
        ));
        let saved = som_std::Som::load(dir.join(&out)).unwrap();
        assert_eq!(saved.distance().name(), distance);
        let cb = saved.codebook();
        let places = stdout(&som(
            &dir,
            &["map", "--codebook", &out, "--data", "colours.csv"],
        ));
        // The colours, past the header line.
        let colours: Vec<Vec<f32>> = COLOURS
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.split(',').map(|v| v.trim().parse().unwrap()).collect())
            .collect();
        assert_eq!(places.lines().count(), colours.len());
        let kind = saved.distance();
        for (x, line) in colours.iter().zip(places.lines()) {
            let want = som_std::kernel::reference::bmu_by(kind, &cb, 3, x).unit;
            let rc: Vec<usize> = line.split(' ').map(|v| v.parse().unwrap()).collect();
            assert_eq!(rc, [want / 4, want % 4], "{distance}");
        }
        codebooks.push(cb);
    }
    assert!(
        codebooks[1..].iter().all(|cb| *cb != codebooks[0]),
        "other winners, other maps"
    );
    // A usage error, as clap words it: the value and the possible ones.
    let o = som(&dir, &train_args("x.json", &["--distance", "minkowski"]));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("minkowski") && err.contains("chebyshev"),
        "{err}"
    );
}

#[test]
fn train_with_labels_then_predict() {
    let dir = workdir("labels");
    // Four tight clusters, one class each (the last two share one).
    let mut data = String::from("x,y\n");
    let mut labels = String::from("class\n");
    for i in 0..40 {
        let (cx, cy, class) = [
            (0.0, 0.0, "a"),
            (5.0, 0.0, "b"),
            (0.0, 5.0, "c"),
            (5.0, 5.0, "c"),
        ][i % 4];
        let j = (i / 4) as f32 * 0.01;
        data.push_str(&format!("{},{}\n", cx + j, cy - j));
        labels.push_str(&format!("{class}\n"));
    }
    std::fs::write(dir.join("d.csv"), &data).unwrap();
    std::fs::write(dir.join("l.csv"), &labels).unwrap();
    for mode in ["online", "batch"] {
        let train = [
            "train",
            "--data",
            "d.csv",
            "--labels",
            "l.csv",
            "--rows",
            "4",
            "--cols",
            "4",
            "--out",
            "m.json",
            "--init",
            "samples",
            "--mode",
            mode,
            "--sigma-final",
            "0.5",
        ];
        stdout(&som(&dir, &train));
        let predicted = stdout(&som(
            &dir,
            &[
                "map",
                "--codebook",
                "m.json",
                "--data",
                "d.csv",
                "--predict",
            ],
        ));
        let expected: Vec<&str> = labels.lines().skip(1).collect();
        assert_eq!(predicted.lines().collect::<Vec<_>>(), expected, "{mode}");
    }
    // A count that does not match: an error before training, naming the file.
    std::fs::write(dir.join("short.csv"), "a\nb\n").unwrap();
    let o = som(
        &dir,
        &[
            "train",
            "--data",
            "d.csv",
            "--labels",
            "short.csv",
            "--rows",
            "4",
            "--cols",
            "4",
            "--out",
            "n.json",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("short.csv") && err.contains("40 labels"),
        "{err}"
    );
    assert!(!dir.join("n.json").exists());
    // A map without labels cannot predict.
    stdout(&som(
        &dir,
        &[
            "train",
            "--data",
            "d.csv",
            "--rows",
            "4",
            "--cols",
            "4",
            "--out",
            "plain.json",
        ],
    ));
    let o = som(
        &dir,
        &[
            "map",
            "--codebook",
            "plain.json",
            "--data",
            "d.csv",
            "--predict",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no unit labels"));
}

#[test]
fn history_early_stop_and_plot() {
    let dir = workdir("history");
    let train = |extra: &[&str]| {
        let mut args = vec![
            "train",
            "--data",
            "colours.csv",
            "--rows",
            "5",
            "--cols",
            "6",
            "--out",
            "m.json",
            "--epochs",
            "20",
            "--json",
            "--history",
            "h.csv",
        ];
        args.extend_from_slice(extra);
        let out = stdout(&som(&dir, &args));
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        let history = std::fs::read_to_string(dir.join("h.csv")).unwrap();
        (v, history)
    };
    // One record per epoch of 15 samples; the last one's errors are the run's.
    let (v, history) = train(&[]);
    assert_eq!(history.lines().count(), 21);
    let last: Vec<&str> = history.lines().last().unwrap().split(',').collect();
    assert_eq!(&last[..2], ["20", "300"]);
    assert_eq!(
        last[2].parse::<f32>().unwrap(),
        v["quantization_error"].as_f64().unwrap() as f32
    );
    assert_eq!(v["stopped_early"], false);
    // Every 6 steps: 50 records.
    let (_, history) = train(&["--eval-every", "6"]);
    assert_eq!(history.lines().count(), 51);
    // No improvement can beat a tolerance of 100%: stopped at the second evaluation.
    let (v, history) = train(&["--stop-tol", "1", "--stop-patience", "1"]);
    assert_eq!(v["steps"], 30);
    assert_eq!(v["stopped_early"], true);
    assert_eq!(history.lines().count(), 3);
    // Batch: one record per epoch, alpha empty.
    let (_, history) = train(&["--mode", "batch", "--sigma-final", "1"]);
    assert_eq!(history.lines().count(), 21);
    assert!(history.lines().nth(1).unwrap().contains(",,"));
    stdout(&som(&dir, &["plot-history", "h.csv", "--out", "h.png"]));
    let png = std::fs::read(dir.join("h.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let o = som(
        &dir,
        &[
            "train",
            "--data",
            "colours.csv",
            "--rows",
            "5",
            "--cols",
            "6",
            "--out",
            "m.json",
            "--stop-tol",
            "-1",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--stop-tol -1"));
    let o = som(&dir, &["plot-history", "colours.csv", "--out", "x.png"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("colours.csv"));
}

/// Missing values end to end: SOM_PAK's `x` is an error naming the place by default, trains
/// with `--missing mask` (saved with the map), maps to `-` when nothing is present, and
/// `impute` fills the holes from each sample's unit.
#[test]
fn missing_values_mask_map_and_impute() {
    let dir = workdir("missing");
    let mut dat = String::from("3\n");
    for i in 0..30 {
        let v = |k: usize| format!("{}", ((i * 7 + k * 3) % 10) as f32 / 10.0);
        match i % 5 {
            1 => dat.push_str(&format!("{} x {}\n", v(0), v(2))),
            3 => dat.push_str(&format!("x x {}\n", v(2))),
            _ => dat.push_str(&format!("{} {} {}\n", v(0), v(1), v(2))),
        }
    }
    dat.push_str("x x x\n");
    std::fs::write(dir.join("holes.dat"), &dat).unwrap();
    let train = |extra: &[&str]| {
        let mut args = vec![
            "train",
            "--data",
            "holes.dat",
            "--rows",
            "3",
            "--cols",
            "4",
            "--out",
            "m.json",
        ];
        args.extend_from_slice(extra);
        som(&dir, &args)
    };
    let o = train(&[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("sample 1") && err.contains("--missing mask"),
        "{err}"
    );
    assert!(!dir.join("m.json").exists());
    for mode in ["online", "batch"] {
        stdout(&train(&["--missing", "mask", "--mode", mode]));
        let saved = som_std::Som::load(dir.join("m.json")).unwrap();
        assert_eq!(saved.missing(), som_std::Missing::Mask);
        let places = stdout(&som(
            &dir,
            &["map", "--codebook", "m.json", "--data", "holes.dat"],
        ));
        let lines: Vec<&str> = places.lines().collect();
        assert_eq!(lines.len(), 31);
        assert_eq!(
            lines[30], "-",
            "the sample with nothing present has no unit"
        );
        assert!(
            lines[..30].iter().all(|l| l.split(' ').count() == 2),
            "{mode}"
        );
    }
    let err = failure(
        &dir,
        &[
            "impute",
            "--codebook",
            "m.json",
            "--data",
            "holes.dat",
            "--out",
            "full.csv",
        ],
    );
    assert!(err.contains("sample 30"), "{err}");
    assert!(
        !dir.join("full.csv").exists(),
        "a sample with nothing present fails impute"
    );
    let complete: String = dat.lines().take(31).collect::<Vec<_>>().join("\n") + "\n";
    std::fs::write(dir.join("some.dat"), complete).unwrap();
    stdout(&som(
        &dir,
        &[
            "impute",
            "--codebook",
            "m.json",
            "--data",
            "some.dat",
            "--out",
            "full.csv",
        ],
    ));
    let full = std::fs::read_to_string(dir.join("full.csv")).unwrap();
    assert_eq!(full.lines().count(), 30);
    assert!(!full.contains("NaN") && !full.contains(",,"), "{full}");
}

/// A PNG's width, height and RGB pixels.
fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

/// Checks that the PNG at `path` is `expected` (the library's picture of the same map) and not
/// one colour.
fn assert_picture(path: &Path, expected: &som_std::picture::Picture) {
    let (width, height, pixels) = decode_png(path);
    assert_eq!(
        (width, height),
        (expected.width(), expected.height()),
        "{}",
        path.display()
    );
    assert!(
        pixels.chunks_exact(3).any(|p| p != &pixels[..3]),
        "{} is one colour",
        path.display()
    );
    assert!(pixels == expected.pixels(), "{}", path.display());
}

/// Every picture is one command away: the U-matrix, each component plane, the hit map with
/// each unit's label, and the training history, each the library's picture of the map.
#[test]
fn every_picture_is_one_command_away() {
    use som_std::picture::{self, Palette, Style};
    let dir = workdir("pictures");
    let names = "black\nblue\nblue\nblue\nblue\nblue\ngreen\nred\ncyan\nmagenta\nyellow\nwhite\n\
                 grey\ngrey\ngrey\n";
    std::fs::write(dir.join("names.txt"), names).unwrap();
    stdout(&som(
        &dir,
        &train_args(
            "m.json",
            &["--labels", "names.txt", "--history", "h.csv", "--seed", "3"],
        ),
    ));
    let som_map = som_std::Som::load(dir.join("m.json")).unwrap();
    let grid = som_map.grid();
    let style = |title: &str, cell: u32| Style {
        title: Some(title.into()),
        cell,
        ..Style::default()
    };

    stdout(&som(
        &dir,
        &[
            "umatrix",
            "--codebook",
            "m.json",
            "--out",
            "u.png",
            "--cell",
            "10",
        ],
    ));
    let umatrix = Style {
        palette: Palette::Greys,
        ..style("U-matrix", 10)
    };
    let expected = picture::umatrix(grid, &som_map.umatrix(), &umatrix).unwrap();
    assert_picture(&dir.join("u.png"), &expected);

    // Named by the data's header into a directory; numbered after a prefix.
    let wrote = stdout(&som(
        &dir,
        &[
            "planes",
            "--codebook",
            "m.json",
            "--data",
            "colours.csv",
            "--out",
            "planes/",
            "--cell",
            "10",
        ],
    ));
    assert_eq!(wrote.lines().count(), 3, "{wrote}");
    let codebook = som_map.codebook();
    for (i, name) in ["r", "g", "b"].into_iter().enumerate() {
        let expected = picture::component_plane(grid, &codebook, 3, i, &style(name, 10)).unwrap();
        assert_picture(&dir.join("planes").join(format!("{name}.png")), &expected);
    }
    stdout(&som(
        &dir,
        &["planes", "--codebook", "m.json", "--out", "p-"],
    ));
    for i in 0..3 {
        let name = format!("component-{i}");
        let expected = picture::component_plane(grid, &codebook, 3, i, &style(&name, 28)).unwrap();
        assert_picture(&dir.join(format!("p-{name}.png")), &expected);
    }

    // Without --png, the text; with it, the hit map with the labels of the units that win.
    let text = stdout(&som(
        &dir,
        &["hits", "--codebook", "m.json", "--data", "colours.csv"],
    ));
    let hits: Vec<u64> = text
        .lines()
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(hits.iter().sum::<u64>(), 15);
    let png = stdout(&som(
        &dir,
        &[
            "hits",
            "--codebook",
            "m.json",
            "--data",
            "colours.csv",
            "--png",
            "hits.png",
        ],
    ));
    assert!(png.is_empty(), "{png}");
    let mut expected = picture::hit_map(grid, &hits, &style("Hits", 28)).unwrap();
    let labels = som_map.labels().unwrap();
    let won: Vec<(usize, &str)> = (0..hits.len())
        .filter(|&k| hits[k] > 0)
        .map(|k| (k, labels[k].as_str()))
        .collect();
    expected.labels(&won).unwrap();
    assert_picture(&dir.join("hits.png"), &expected);

    stdout(&som(&dir, &["plot-history", "h.csv", "--out", "h.png"]));
    let records = som_std::watch::read_history(dir.join("h.csv")).unwrap();
    let expected = picture::history(&records, &Style::default()).unwrap();
    assert_picture(&dir.join("h.png"), &expected);

    // Wrong names are refused before anything is drawn.
    let err = failure(
        &dir,
        &[
            "hits",
            "--codebook",
            "m.json",
            "--data",
            "colours.csv",
            "--png",
            "hits.jpg",
        ],
    );
    assert!(
        err.contains("--png hits.jpg") && err.contains(".png"),
        "{err}"
    );
    std::fs::write(dir.join("two.csv"), "x,y\n1,2\n").unwrap();
    let err = failure(
        &dir,
        &[
            "planes",
            "--codebook",
            "m.json",
            "--data",
            "two.csv",
            "--out",
            "q-",
        ],
    );
    assert!(err.contains("dim 3") && err.contains("dim 2"), "{err}");
}

/// Every spelling the command line took before its values were the library's names still
/// works, and `--help` lists the names.
#[test]
fn setting_names_and_their_aliases() {
    let dir = workdir("names");
    for extra in [
        &["--topology", "rectangular"][..],
        &["--topology", "hexagonal"],
        &["--topology", "hex"],
        &["--boundary", "toroidal"],
        &["--order", "random"],
        &["--order", "shuffled", "--decay", "inverse"],
        &["--neighbourhood", "mexican-hat", "--distance", "manhattan"],
        &["--preset", "minisom", "--missing", "mask"],
        &["--mode", "batch", "--neighbourhood", "bubble"],
    ] {
        stdout(&som(&dir, &train_args("m.json", extra)));
    }
    let saved = std::fs::read_to_string(dir.join("m.json")).unwrap();
    assert!(saved.contains(r#""topology":"rectangular""#), "{saved}");
    let help = som(&dir, &["train", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    for listed in [
        "rect, hex",
        "gaussian, bubble, triangle, mexican-hat",
        "seed, minisom, sompak",
    ] {
        assert!(help.contains(listed), "{listed}: {help}");
    }
    let o = som(&dir, &train_args("m.json", &["--topology", "hexa"]));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("'hexa'") && err.contains("hex"), "{err}");
}

/// Runs `som` with its standard output set to `out`, returning its exit status and stderr.
fn som_to(dir: &Path, args: &[&str], out: std::process::Stdio) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_som"))
        .current_dir(dir)
        .args(args)
        .stdout(out)
        .output()
        .expect("run som");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Every command that prints, and help: its stdout a pipe whose reader has gone ends quietly
/// with 141 (as a shell reports SIGPIPE), a full disk is one line and exit 1; never a panic,
/// never a silent success.
#[cfg(unix)]
#[test]
fn stdout_errors_are_reported_or_end_quietly() {
    let dir = workdir("stdout");
    stdout(&som(&dir, &train_args("m.json", &[])));
    let query = |command: &'static str| -> Vec<&'static str> {
        vec![command, "--codebook", "m.json", "--data", "colours.csv"]
    };
    let mut quality_json = query("quality");
    quality_json.push("--json");
    let commands: Vec<Vec<&str>> = vec![
        query("map"),
        query("quality"),
        quality_json,
        query("hits"),
        train_args("t.json", &[]),
        train_args("t.json", &["--json"]),
        vec!["planes", "--codebook", "m.json", "--out", "plane-"],
        vec!["--help"],
        vec!["train", "--help"],
        vec!["--version"],
    ];
    for args in &commands {
        // A pipe whose reader is gone before som starts: every write is a broken pipe.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let (code, err) = som_to(&dir, args, writer.into());
        assert_eq!((code, err.as_str()), (Some(141), ""), "{args:?} | head");

        #[cfg(target_os = "linux")]
        {
            let full = std::fs::File::options()
                .write(true)
                .open("/dev/full")
                .unwrap();
            let (code, err) = som_to(&dir, args, full.into());
            assert_eq!(code, Some(1), "{args:?} >/dev/full: {err}");
            assert!(
                err.starts_with("som: standard output: ") && err.contains("No space left"),
                "{args:?} >/dev/full: {err}"
            );
            assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        }
    }
    // A closed stdout (sh's `>&-`) is what Rust's runtime makes it before `main`, /dev/null:
    // the results are discarded as with `>/dev/null`, without a panic.
    for args in &commands[..7] {
        let o = Command::new("sh")
            .current_dir(&dir)
            .arg("-c")
            .arg("\"$@\" >&-")
            .arg("sh")
            .arg(env!("CARGO_BIN_EXE_som"))
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(
            (o.status.code(), err.as_ref()),
            (Some(0), ""),
            "{args:?} >&-"
        );
    }
}

/// Every output of a command is checked before any work, in one place: it is not an input
/// (through links and hard links), not another output, its name fits the file system, and a
/// link to nothing is refused, not replaced. Nothing is written, no input is touched.
#[test]
fn outputs_apart_from_inputs_and_each_other() {
    let dir = workdir("outputs");
    stdout(&som(&dir, &train_args("m.json", &[])));
    std::fs::write(dir.join("h.csv"), "old history\n").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("colours.csv", dir.join("link.csv")).unwrap();
        std::os::unix::fs::symlink("m.json", dir.join("link.json")).unwrap();
        std::os::unix::fs::symlink("nowhere/x.json", dir.join("dangling.json")).unwrap();
        std::os::unix::fs::symlink("colours.csv", dir.join("plane-g.png")).unwrap();
        std::fs::hard_link(dir.join("colours.csv"), dir.join("hard.csv")).unwrap();
    }
    let long = format!("{}.json", "n".repeat(251));
    let query = |command: &'static str| -> Vec<&'static str> {
        vec![command, "--codebook", "m.json", "--data", "colours.csv"]
    };
    let with = |mut args: Vec<&'static str>, extra: &[&'static str]| {
        args.extend_from_slice(extra);
        args
    };
    let mut cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            train_args("m2.json", &["--history", "colours.csv"]),
            vec!["--history colours.csv is the --data file"],
        ),
        (
            train_args("h.csv", &["--history", "h.csv"]),
            vec!["--history h.csv is the --out file"],
        ),
        (
            train_args("colours.csv", &[]),
            vec!["--out colours.csv is the --data file"],
        ),
        (
            train_args("m.json", &["--init", "m.json"]),
            vec!["--out m.json is the --init file"],
        ),
        (
            train_args("m.json", &["--labels", "m.json"]),
            vec!["--out m.json is the --labels file"],
        ),
        (
            train_args("./sub/../m.json", &["--init", "m.json"]),
            vec!["--out ./sub/../m.json", "--init file"],
        ),
        (
            with(query("impute"), &["--out", "colours.csv"]),
            vec!["--out colours.csv is the --data file"],
        ),
        (
            vec!["plot-history", "h.csv", "--out", "h.csv"],
            vec!["--out h.csv is the history file"],
        ),
        (
            train_args(&long, &[]),
            vec!["a file name of 256 bytes", "at most 255"],
        ),
    ];
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    #[cfg(unix)]
    cases.extend([
        (
            train_args("m2.json", &["--history", "link.csv"]),
            vec!["--history link.csv is the --data file"],
        ),
        (
            train_args("m2.json", &["--history", "hard.csv"]),
            vec!["--history hard.csv is the --data file"],
        ),
        (
            with(query("impute"), &["--out", "link.csv"]),
            vec!["--out link.csv is the --data file"],
        ),
        (
            vec![
                "export",
                "--codebook",
                "link.json",
                "--format",
                "c",
                "--out",
                "m.json",
            ],
            vec!["--out m.json is the --codebook file"],
        ),
        (
            train_args("dangling.json", &[]),
            vec!["dangling.json is a symbolic link to nowhere/x.json, which does not exist"],
        ),
        (
            vec![
                "planes",
                "--codebook",
                "m.json",
                "--data",
                "colours.csv",
                "--out",
                "plane-",
            ],
            vec!["--out plane-g.png is the --data file"],
        ),
    ]);
    let before = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let (colours, map, history) = (before("colours.csv"), before("m.json"), before("h.csv"));
    for (args, needles) in &cases {
        let err = failure(&dir, args);
        for needle in needles {
            assert!(err.contains(needle), "{args:?}: {err}");
        }
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
    assert_eq!(before("colours.csv"), colours);
    assert_eq!(before("m.json"), map);
    assert_eq!(before("h.csv"), history);
    assert!(!dir.join("m2.json").exists() && !dir.join("plane-r.png").exists());
    #[cfg(unix)]
    assert!(
        dir.join("dangling.json")
            .symlink_metadata()
            .unwrap()
            .is_symlink()
    );
    // Checked before the work: the data that cannot be read is not reached.
    let mut args = train_args("m2.json", &["--history", "m2.json"]);
    args[2] = "no-such-data.csv";
    let err = failure(&dir, &args);
    assert!(err.contains("--history m2.json is the --out file"), "{err}");
    // A name of 255 bytes is written, and outputs apart from the inputs are.
    let longest = format!("{}.json", "n".repeat(250));
    stdout(&som(&dir, &train_args(&longest, &["--history", "h2.csv"])));
    assert!(dir.join(&longest).exists() && dir.join("h2.csv").exists());
}

/// A raw .f32 codebook written by `train` is read back by every command that takes a
/// codebook, with the map's rows and cols only (its dim is the file's length over the
/// units'), and answers as the same map written as .csv.
#[test]
fn an_f32_codebook_reads_back() {
    let dir = workdir("f32-codebook");
    for ext in ["csv", "f32"] {
        stdout(&som(&dir, &train_args(&format!("m.{ext}"), &[])));
    }
    let shape = ["--rows", "3", "--cols", "4"];
    let run = |ext: &str, command: &[&str]| {
        let codebook = format!("m.{ext}");
        let mut args = command.to_vec();
        args.extend(["--codebook", &codebook]);
        args.extend(shape);
        stdout(&som(&dir, &args))
    };
    let data = ["--data", "colours.csv"];
    for command in [&["map"][..], &["quality", "--json"], &["hits"]] {
        let command = [command, &data[..]].concat();
        assert_eq!(run("f32", &command), run("csv", &command), "{command:?}");
    }
    for (ext, out) in [("csv", "u-csv.png"), ("f32", "u-f32.png")] {
        run(ext, &["umatrix", "--out", out]);
    }
    assert_eq!(
        std::fs::read(dir.join("u-csv.png")).unwrap(),
        std::fs::read(dir.join("u-f32.png")).unwrap()
    );
    for (ext, out) in [("csv", "csv.rs"), ("f32", "f32.rs")] {
        run(ext, &["export", "--format", "rust", "--out", out]);
    }
    assert_eq!(
        std::fs::read(dir.join("csv.rs")).unwrap(),
        std::fs::read(dir.join("f32.rs")).unwrap()
    );
    // The data's --dim is the data's; a codebook of another shape is named.
    let err = failure(
        &dir,
        &[
            "quality",
            "--codebook",
            "m.f32",
            "--rows",
            "5",
            "--cols",
            "4",
            "--data",
            "colours.csv",
        ],
    );
    assert!(
        err.contains("m.f32: 144 bytes is not 5 x 4 = 20 units of 4-byte values"),
        "{err}"
    );
    let err = failure(&dir, &["umatrix", "--codebook", "m.f32", "--out", "u.png"]);
    assert!(err.contains("give its rows and cols"), "{err}");
}

/// Data without a sample to measure (every component missing, masked) is an error naming the
/// cause, not an error of 0, whether read into memory (.csv) or a block at a time (.f32).
#[test]
fn quality_of_no_sample_is_an_error() {
    let dir = workdir("no-sample");
    stdout(&som(&dir, &train_args("m.json", &[])));
    std::fs::write(dir.join("holes.csv"), "r,g,b\n,,\nNA,NA,NA\n").unwrap();
    let nan: Vec<u8> = [f32::NAN; 6].iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(dir.join("holes.f32"), nan).unwrap();
    for data in [&["holes.csv"][..], &["holes.f32", "--dim", "3"]] {
        for json in [&[][..], &["--json"]] {
            let mut args = vec!["quality", "--codebook", "m.json", "--missing", "mask"];
            args.extend([&["--data"][..], data, json].concat());
            let err = failure(&dir, &args);
            assert!(
                err.contains("2 samples with every component missing: none has a unit"),
                "{args:?}: {err}"
            );
            assert_eq!(err.lines().count(), 1, "{err}");
        }
    }
}
