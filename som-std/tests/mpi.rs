//! `som --mpi` under `mpirun`: 1 to 4 ranks train the single process's codebook bit for bit,
//! and bad input on one rank stops every rank with an error, quickly, leaving `--out` alone.
//!
//! They need `mpirun` (OpenMPI), so they are ignored by a plain `cargo test`; `.ci/run` runs
//! them: `cargo test -p som-std --features cli,mpi --test mpi -- --ignored`.
#![cfg(all(feature = "cli", feature = "mpi"))]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const DIM: usize = 6;

/// Every fault must end the whole job within this (measured: about a second).
const PROMPT: Duration = Duration::from_secs(20);

/// A directory with `n` samples of dim 6 around five centres as `data.f32`, and the first
/// 3000 of them as `data.csv`.
fn workdir(name: &str, n: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("som-mpi-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut state = 2024u32;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state as f32 / u32::MAX as f32 - 0.5
    };
    let data: Vec<f32> = (0..n * DIM)
        .map(|i| ((i / DIM % 5) * 2 + i % 3) as f32 + next() * 1.5)
        .collect();
    let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(dir.join("data.f32"), bytes).unwrap();
    let csv: String = data
        .chunks(DIM)
        .take(3000)
        .map(|x| {
            let row: Vec<String> = x.iter().map(|v| v.to_string()).collect();
            row.join(",") + "\n"
        })
        .collect();
    std::fs::write(dir.join("data.csv"), csv).unwrap();
    dir
}

fn som() -> &'static str {
    env!("CARGO_BIN_EXE_som")
}

/// The training options every run below shares (without --data and --out).
fn options() -> Vec<String> {
    let dim = DIM.to_string();
    [
        "--dim",
        &dim,
        "--rows",
        "9",
        "--cols",
        "11",
        "--mode",
        "batch",
        "--epochs",
        "6",
        "--sigma-final",
        "0.8",
        "--seed",
        "5",
        "--json",
    ]
    .map(String::from)
    .to_vec()
}

/// `mpirun` with what it needs here: more ranks than cores, and root in containers.
fn mpirun(dir: &Path) -> Command {
    let mut c = Command::new("mpirun");
    c.current_dir(dir)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .args(["--oversubscribe", "--timeout", "120"]);
    c
}

/// Waits for `child` at most [`PROMPT`], killing it after that (and failing).
fn finish(mut child: Child, what: &str) -> (Output, Duration) {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > PROMPT {
            let _ = child.kill();
            panic!("{what}: still running after {PROMPT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (child.wait_with_output().unwrap(), start.elapsed())
}

fn run(mut c: Command, what: &str) -> Output {
    let child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    finish(child, what).0
}

fn ok(o: &Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// The quantization and topographic errors of a `--json` line.
fn errors(json: &str) -> (f64, f64) {
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    (
        v["quantization_error"].as_f64().unwrap(),
        v["topographic_error"].as_f64().unwrap(),
    )
}

#[test]
#[ignore = "needs mpirun; .ci/run runs it"]
fn one_to_four_ranks_train_the_single_process_codebook() {
    // 40 000 samples: the full eight shards, so 3 ranks get unequal runs of them.
    let dir = workdir("same", 40_000);
    let mut single = Command::new(som());
    single.current_dir(&dir).arg("train").args(options());
    single.args(["--data", "data.f32", "--out", "single.json"]);
    let single_errors = errors(&ok(&run(single, "single process"), "single process"));
    let reference = std::fs::read(dir.join("single.json")).unwrap();
    assert!(reference.len() > 99 * DIM * 2, "a whole codebook");
    for ranks in 1..=4 {
        let out = format!("ranks{ranks}.json");
        let mut c = mpirun(&dir);
        c.args(["-n", &ranks.to_string(), som(), "train", "--mpi"])
            .args(options())
            .args(["--data", "data.f32", "--out", &out]);
        let what = format!("{ranks} ranks");
        let stdout = ok(&run(c, &what), &what);
        // Rank 0 alone prints: one line.
        assert_eq!(stdout.lines().count(), 1, "{what}: {stdout}");
        assert_eq!(errors(&stdout), single_errors, "{what}");
        assert!(
            std::fs::read(dir.join(&out)).unwrap() == reference,
            "{what}: the codebook differs from the single process's"
        );
    }
    // 600 000 samples of dim 2: ten shards of 2^16 samples, shared 3-3-4 and 2-3-2-3.
    let values: Vec<u8> = (0..1_200_000u32)
        .flat_map(|i| (((i as u64 * 7919) % 1000) as f32 / 100.0).to_le_bytes())
        .collect();
    std::fs::write(dir.join("many.f32"), values).unwrap();
    let many = |ranks: usize| {
        let mut c = if ranks == 0 {
            Command::new(som())
        } else {
            let mut c = mpirun(&dir);
            c.args(["-n", &ranks.to_string(), som()]);
            c
        };
        c.current_dir(&dir).arg("train");
        if ranks > 0 {
            c.arg("--mpi");
        }
        c.args([
            "--data", "many.f32", "--dim", "2", "--rows", "4", "--cols", "5",
        ])
        .args(["--mode", "batch", "--epochs", "3", "--sigma-final", "1"])
        .args(["--out", &format!("many{ranks}.json")]);
        ok(&run(c, "many shards"), "many shards");
        std::fs::read(dir.join(format!("many{ranks}.json"))).unwrap()
    };
    let one = many(0);
    for ranks in [3, 4] {
        assert!(many(ranks) == one, "ten shards on {ranks} ranks");
    }
    // Queries: the same numbers from 3 ranks as from one process.
    for query in ["quality", "hits"] {
        let args = [
            query,
            "--codebook",
            "single.json",
            "--data",
            "data.f32",
            "--dim",
            "6",
        ];
        let mut alone = Command::new(som());
        alone.current_dir(&dir).args(args);
        let alone = ok(&run(alone, query), query);
        let mut c = mpirun(&dir);
        c.args(["-n", "3", som()]).args(args).arg("--mpi");
        assert_eq!(ok(&run(c, query), query), alone, "{query} on 3 ranks");
        if query == "hits" {
            let total: u64 = alone
                .lines()
                .map(|l| l.split(' ').nth(2).unwrap().parse::<u64>().unwrap())
                .sum();
            assert_eq!(total, 40_000);
        }
    }
    // map: every rank searches its share, rank 0 prints every line in file order. (The first
    // 3000 samples, as in data.csv: the output must fit the pipe, which `run` reads once the
    // job has ended.)
    let f32s = std::fs::read(dir.join("data.f32")).unwrap();
    std::fs::write(dir.join("part.f32"), &f32s[..3000 * DIM * 4]).unwrap();
    for data in ["part.f32", "data.csv"] {
        let args = [
            "map",
            "--codebook",
            "single.json",
            "--data",
            data,
            "--dim",
            "6",
        ];
        let mut alone = Command::new(som());
        alone.current_dir(&dir).args(args);
        let alone = ok(&run(alone, "map"), "map");
        assert_eq!(alone.lines().count(), 3000);
        for ranks in [1, 3] {
            let mut c = mpirun(&dir);
            c.args(["-n", &ranks.to_string(), som()])
                .args(args)
                .arg("--mpi");
            let what = format!("map of {data} on {ranks} ranks");
            assert!(ok(&run(c, &what), &what) == alone, "{what}");
        }
    }
    // Missing values: counts per component are summed across ranks like the hits, so 3 ranks
    // still write the single process's codebook (every 7th value missing, one sample empty).
    let mut holes: Vec<u8> = Vec::new();
    for (i, c) in f32s.chunks_exact(4).enumerate() {
        let empty = i / DIM == 17;
        let v = if i % 7 == 3 || empty {
            f32::NAN
        } else {
            f32::from_le_bytes(c.try_into().unwrap())
        };
        holes.extend(v.to_le_bytes());
    }
    std::fs::write(dir.join("holes.f32"), holes).unwrap();
    let masked = |ranks: usize| {
        let out = format!("holes{ranks}.json");
        let mut c = if ranks == 0 {
            Command::new(som())
        } else {
            let mut c = mpirun(&dir);
            c.args(["-n", &ranks.to_string(), som()]);
            c
        };
        c.current_dir(&dir).arg("train");
        if ranks > 0 {
            c.arg("--mpi");
        }
        c.args(options())
            .args(["--missing", "mask", "--data", "holes.f32", "--out", &out]);
        let what = format!("masked on {ranks} ranks");
        ok(&run(c, &what), &what);
        std::fs::read(dir.join(out)).unwrap()
    };
    let alone = masked(0);
    assert!(masked(3) == alone, "masked training on 3 ranks");
    // Text files: each rank reads its byte range (cut at line starts) and the whole shards
    // that start in it, so 1 to 4 ranks write the single process's codebook; 20 000 samples
    // are ten shards of 2000, a header and comments, .dat with labels.
    let rows: Vec<String> = f32s
        .chunks_exact(4 * DIM)
        .take(20_000)
        .enumerate()
        .map(|(i, x)| {
            let row: Vec<String> = x
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()).to_string())
                .collect();
            let comment = if i % 97 == 5 { "# a comment\n\n" } else { "" };
            format!("{comment}{}", row.join(" "))
        })
        .collect();
    let csv: Vec<String> = rows.iter().map(|r| r.replace(' ', ",")).collect();
    let header = (1..=DIM)
        .map(|c| format!("c{c}"))
        .collect::<Vec<_>>()
        .join(",");
    std::fs::write(
        dir.join("big.csv"),
        format!("{header}\n{}\n", csv.join("\n")),
    )
    .unwrap();
    let dat: Vec<String> = rows.iter().map(|r| format!("{r} label")).collect();
    std::fs::write(dir.join("big.dat"), format!("{DIM}\n{}", dat.join("\n"))).unwrap();
    for data in ["big.csv", "big.dat"] {
        let train = |ranks: usize| {
            let out = format!("{data}{ranks}.json");
            let mut c = if ranks == 0 {
                Command::new(som())
            } else {
                let mut c = mpirun(&dir);
                c.args(["-n", &ranks.to_string(), som(), "train", "--mpi"]);
                c
            };
            if ranks == 0 {
                c.arg("train");
            }
            c.current_dir(&dir)
                .args(options())
                .args(["--init", "samples", "--data", data, "--out", &out]);
            let what = format!("{data} on {ranks} ranks");
            let stdout = ok(&run(c, &what), &what);
            (errors(&stdout), std::fs::read(dir.join(out)).unwrap())
        };
        let alone = train(0);
        for ranks in 1..=4 {
            assert!(train(ranks) == alone, "{data} on {ranks} ranks");
        }
        let args = ["quality", "--codebook", "single.json", "--data", data];
        let mut c = Command::new(som());
        c.current_dir(&dir).args(args);
        let quality = ok(&run(c, "quality"), "quality");
        let mut c = mpirun(&dir);
        c.args(["-n", "3", som()]).args(args).arg("--mpi");
        assert_eq!(
            ok(&run(c, "quality"), "quality"),
            quality,
            "{data} on 3 ranks"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs 3 ranks, the last with `last` in place of the usual training arguments; expects every
/// rank to stop non-zero within [`PROMPT`], the last rank's line to contain `says`, and
/// `--out` to be as it was.
fn fault(dir: &Path, last: &[String], says: &str) {
    let out = dir.join("out.json");
    std::fs::write(&out, "old").unwrap();
    let mut usual = options();
    usual.extend(["--data", "data.f32", "--out", "out.json"].map(String::from));
    let mut c = mpirun(dir);
    c.args(["-n", "2", som(), "train", "--mpi"])
        .args(&usual)
        .args([":", "-n", "1", som(), "train", "--mpi"])
        .args(last);
    let o = run(c, says);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{says}: {stderr}");
    // The reason reaches stderr: from rank 2 itself, or from a rank that learnt it in the
    // agreement (whichever prints before mpirun stops the others).
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("som: rank ") && l.contains(says)),
        "{says}: no line with the reason in {stderr}"
    );
    // Ranks that saw the failure say which rank failed, and why (mpirun may stop them first).
    for l in stderr
        .lines()
        .filter(|l| l.starts_with("som: rank 0 of 3: "))
    {
        assert!(l.contains("rank 2 failed") && l.contains(says), "{l}");
    }
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old", "{says}");
}

#[test]
#[ignore = "needs mpirun; .ci/run runs it"]
fn a_bad_rank_stops_every_rank() {
    let dir = workdir("fault", 5000);
    let mut missing = options();
    missing.extend(["--data", "missing.f32", "--out", "out.json"].map(String::from));
    fault(&dir, &missing, "missing.f32");
    let mut other_dim = options();
    assert_eq!(other_dim[0], "--dim");
    other_dim[1] = "4".into();
    other_dim.extend(["--data", "data.f32", "--out", "out.json"].map(String::from));
    fault(&dir, &other_dim, "--dim 4");
    let mut other_seed = options();
    assert_eq!(other_seed[12], "--seed");
    other_seed[13] = "6".into();
    other_seed.extend(["--data", "data.f32", "--out", "out.json"].map(String::from));
    fault(&dir, &other_seed, "--seed 6");
    // The same data path on every rank, but another file there (another size).
    std::fs::create_dir_all(dir.join("other")).unwrap();
    std::fs::write(dir.join("other/data.f32"), vec![0u8; 4 * DIM * 7]).unwrap();
    let mut other_file = options();
    other_file.extend(["--data", "other/data.f32", "--out", "out.json"].map(String::from));
    fault(&dir, &other_file, "7 samples of dim 6");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The pids of the processes whose parent is `parent` (Linux: the fourth field of
/// `/proc/PID/stat`, after the command name in parentheses).
fn children(parent: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let after = &stat[stat.rfind(')')? + 1..];
        let ppid: u32 = after.split_whitespace().nth(1)?.parse().ok()?;
        (ppid == parent).then_some(pid)
    })
    .collect()
}

#[test]
#[ignore = "needs mpirun; .ci/run runs it"]
fn a_killed_rank_stops_every_rank() {
    let dir = workdir("kill", 20_000);
    std::fs::write(dir.join("out.json"), "old").unwrap();
    let mut endless = options();
    assert_eq!(endless[8], "--epochs");
    endless[9] = "1000000".into();
    let mut c = mpirun(&dir);
    c.args(["-n", "3", som(), "train", "--mpi", "--threads", "1"])
        .args(endless)
        .args(["--data", "data.f32", "--out", "out.json"]);
    let child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the three ranks to be training, then kill one.
    let start = Instant::now();
    let ranks = loop {
        let ranks = children(child.id());
        if ranks.len() == 3 {
            break ranks;
        }
        assert!(start.elapsed() < PROMPT, "the ranks did not start");
        std::thread::sleep(Duration::from_millis(50));
    };
    std::thread::sleep(Duration::from_millis(1500));
    let killed = Command::new("kill")
        .args(["-9", &ranks[1].to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let (o, took) = finish(child, "a killed rank");
    assert!(!o.status.success());
    assert!(took < Duration::from_secs(10), "took {took:?}");
    for pid in ranks {
        let start = Instant::now();
        while Path::new(&format!("/proc/{pid}")).exists() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "rank {pid} still runs"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("out.json")).unwrap(),
        "old"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
