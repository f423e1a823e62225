//! Size probe: BMU search plus online update of an 8x8 map of 3-D units (Gaussian
//! neighbourhood), the weights in a static buffer, fed a sample the compiler cannot see.
//! `llvm-size` of this image minus `baseline` is the kernel's flash and RAM cost.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use som_kernel::{Grid, MapMut, Neighbourhood, Shape, blocked_len};

const UNITS: usize = 64;
const DIM: usize = 3;

#[entry]
fn main() -> ! {
    static mut WEIGHTS: [f32; blocked_len(UNITS, DIM)] = [0.0; blocked_len(UNITS, DIM)];
    let weights: &'static mut [f32] = WEIGHTS;
    let (Ok(grid), Ok(nb)) = (Grid::new(8, 8), Neighbourhood::new(Shape::Gaussian, 1.5)) else {
        loop {
            core::hint::spin_loop();
        }
    };
    let Ok(mut map) = MapMut::new(grid, DIM, weights) else {
        loop {
            core::hint::spin_loop();
        }
    };
    loop {
        let x: [f32; DIM] = black_box([0.25, 0.5, 0.75]); // a sensor reading
        let _ = black_box(map.train_step(&x, &nb, 0.1));
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
