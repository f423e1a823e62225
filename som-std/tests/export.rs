//! `som export`: the generated sources hold the map's values exactly and compile.

use som_std::Som;
use som_std::io::export::{Codes, Language, export};

fn colours() -> Som {
    Som::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../firmware/maps/colours.json"
    ))
    .unwrap()
}

/// The firmware's exported maps are what the exporter writes now (CI builds and runs them
/// under QEMU, so the generated Rust compiles and finds the same units from f32 and i16).
#[test]
fn firmware_exports_are_current() {
    let som = colours();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../firmware/src/");
    let f32_src = std::fs::read_to_string(format!("{dir}exported_f32.rs")).unwrap();
    let i16_src = std::fs::read_to_string(format!("{dir}exported_i16.rs")).unwrap();
    assert_eq!(export(&som, Language::Rust, Codes::F32).unwrap(), f32_src);
    assert_eq!(
        export(&som, Language::Rust, Codes::I16(None)).unwrap(),
        i16_src
    );
}

/// The f32 literals read back as the weights, bit for bit (the blocked layout's values, padding
/// included, in order).
#[test]
fn rust_f32_round_trips() {
    let som = colours();
    let src = export(&som, Language::Rust, Codes::F32).unwrap();
    let body = src.split("= [").nth(1).unwrap().split("];").next().unwrap();
    let values: Vec<f32> = body
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let view = som.view();
    assert_eq!(values.len(), view.weights().len());
    for (a, b) in values.iter().zip(view.weights()) {
        assert_eq!(a.to_bits(), b.to_bits());
    }
}

/// The C output compiles (with gcc, where there is one) and its som_bmu finds the map's units.
#[test]
fn c_compiles_and_agrees() {
    let som = colours();
    let dir = std::env::temp_dir().join(format!("som-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let samples = [
        [1.0f32, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.2, 0.3, 0.9],
        [0.5, 0.5, 0.5],
    ];
    for (name, codes) in [("f32", Codes::F32), ("i16", Codes::I16(None))] {
        let src = export(&som, Language::C, codes).unwrap();
        assert!(src.contains("som_bmu"));
        let header = dir.join(format!("map_{name}.h"));
        std::fs::write(&header, &src).unwrap();
        let mut main =
            format!("#include <stdio.h>\n#include \"map_{name}.h\"\nint main(void) {{\n");
        for x in &samples {
            if name == "f32" {
                main += &format!(
                    "  {{ float x[3] = {{{:?}f, {:?}f, {:?}f}}; printf(\"%d\\n\", som_bmu(x)); }}\n",
                    x[0], x[1], x[2]
                );
            } else {
                let q: Vec<String> = x
                    .iter()
                    .map(|v| format!("(int16_t)({v:?} / SOM_STEP + 0.5)"))
                    .collect();
                main += &format!(
                    "  {{ int16_t x[3] = {{{}}}; printf(\"%d\\n\", som_bmu(x)); }}\n",
                    q.join(", ")
                );
            }
        }
        main += "  return 0;\n}\n";
        let c = dir.join(format!("main_{name}.c"));
        std::fs::write(&c, main).unwrap();
        let exe = dir.join(format!("main_{name}"));
        let Ok(status) = std::process::Command::new("gcc")
            .args(["-std=c99", "-Wall", "-Werror", "-o"])
            .arg(&exe)
            .arg(&c)
            .arg("-lm")
            .status()
        else {
            eprintln!("no gcc: the C output was checked for its function only");
            return;
        };
        assert!(status.success(), "gcc failed on the {name} export");
        let out = std::process::Command::new(&exe).output().unwrap();
        let units: Vec<usize> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| l.parse().unwrap())
            .collect();
        let want: Vec<usize> = samples
            .iter()
            .map(|x| som.view().bmu(x).unwrap().unit)
            .collect();
        assert_eq!(units, want, "{name}");
    }
}
