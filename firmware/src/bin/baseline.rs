//! Size probe: the Cortex-M runtime and a panic handler, nothing else. The difference between
//! `minimal` and this image is what the kernel costs in flash and RAM.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;

#[entry]
fn main() -> ! {
    static mut WEIGHTS: [f32; 4] = [0.0; 4];
    let w: &'static mut [f32; 4] = WEIGHTS;
    loop {
        black_box(&mut *w);
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
