//! A map trained on a desktop and exported as code (`som export`, issue 13): the BMU of live
//! samples on the device, from the f32 codebook (`exported_f32.rs`) and from its i16 codes
//! (`exported_i16.rs`), both `static`s in flash, made from `maps/colours.json` by
//!
//! ```sh
//! som export --codebook maps/colours.json --format rust --out src/exported_f32.rs
//! som export --codebook maps/colours.json --format rust --codes i16 --out src/exported_i16.rs
//! ```
//!
//! Checks that each sample (all five are among the colours the map was trained on) lies within
//! 0.1 of its unit and that the f32 and i16 maps find the same unit; prints the units and exits
//! 0 (1 on failure).
#![no_std]
#![no_main]

#[path = "../exported_f32.rs"]
mod f32_map;
#[path = "../exported_i16.rs"]
mod i16_map;

use core::hint::black_box;
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;

/// Live samples: red, green, blue, white, grey.
const SAMPLES: [[f32; 3]; 5] = [
    [1.0, 0.0, 0.0],
    [0.0, 1.0, 0.0],
    [0.0, 0.0, 1.0],
    [1.0, 1.0, 1.0],
    [0.5, 0.5, 0.5],
];

#[entry]
fn main() -> ! {
    let (Ok(map), Ok(int_map)) = (f32_map::map(), i16_map::map()) else {
        exit(false, "cannot make the maps")
    };
    let mut ok = true;
    for x in SAMPLES {
        let x = black_box(x);
        let Ok(b) = map.bmu(&x) else {
            exit(false, "bmu")
        };
        let mut q = [0i16; i16_map::DIM];
        if som_kernel::int::quantize(&x, i16_map::STEP, &mut q).is_err() {
            exit(false, "quantize");
        }
        let Ok(bi) = int_map.bmu(&q) else {
            exit(false, "int bmu")
        };
        let (row, col) = (b.unit / f32_map::COLS, b.unit % f32_map::COLS);
        hprintln!(
            "sample {:?}: unit {} (row {}, col {}) at distance {}; from i16 codes: unit {}",
            x,
            b.unit,
            row,
            col,
            libm_sqrt(b.dist2),
            bi.unit
        );
        ok &= b.dist2 < 0.01 && b.unit == bi.unit;
    }
    exit(
        ok,
        "a colour is far from its unit, or the i16 map disagrees",
    )
}

fn libm_sqrt(v: f32) -> f32 {
    // One Newton step from a rough start is plenty for printing; no libm needed here.
    let mut r = if v > 1.0 { v } else { 1.0 };
    for _ in 0..20 {
        r = 0.5 * (r + v / r);
    }
    r
}

fn exit(ok: bool, why: &str) -> ! {
    if ok {
        hprintln!("ok");
        debug::exit(debug::EXIT_SUCCESS);
    } else {
        hprintln!("FAIL: {}", why);
        debug::exit(debug::EXIT_FAILURE);
    }
    loop {
        core::hint::spin_loop();
    }
}
