//! Instructions per training step, f32 against integer maps (issue 13), at 8x8x3 and 16x16x8:
//! `train_step` (BMU search + online update, Gaussian) on a `FixedMap` and on an `IntMapMut`,
//! timed with SysTick under QEMU `-icount shift=0` (one instruction per tick count, after the
//! calibration loop). Exits 0 after printing.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m::peripheral::{SYST, syst::SystClkSource};
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;
use som_kernel::int::{IntMapMut, IntNeighbourhood};
use som_kernel::{Grid, MapMut, Neighbourhood, Shape, blocked_len};

const STEPS: u32 = 20;
const SPIN: u32 = 100_000;
const BIG: usize = blocked_len(256, 8);

#[entry]
fn main() -> ! {
    static mut F32: [f32; BIG] = [0.0; BIG];
    let Some(mut cp) = cortex_m::Peripherals::take() else {
        done()
    };
    let syst = &mut cp.SYST;
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(0x00FF_FFFF);
    syst.clear_current();
    syst.enable_counter();
    let per_tick = (2 * SPIN) as f32 / ticks(syst, || spin(SPIN)).max(1) as f32;
    for (side, dim) in [(8usize, 3usize), (16, 8)] {
        let units = side * side;
        let (Ok(grid), Ok(nb)) = (
            Grid::new(side, side),
            Neighbourhood::new(Shape::Gaussian, 1.5),
        ) else {
            done()
        };
        let Ok(inb) = IntNeighbourhood::<1024>::new(&grid, &nb) else {
            done()
        };
        let (mut ft, mut it) = (0u64, 0u64);
        // One static buffer for both maps, in turn: the micro:bit has 16 KiB of RAM.
        let f = &mut F32[..blocked_len(units, dim)];
        for (i, w) in f.iter_mut().enumerate() {
            *w = (i % 17) as f32 / 17.0;
        }
        let Ok(mut fm) = MapMut::new(grid, dim, f) else {
            done()
        };
        for s in 0..STEPS {
            let xf = [s as f32 / STEPS as f32; 8];
            ft += ticks(syst, || {
                let _ = black_box(fm.train_step(black_box(&xf[..dim]), &nb, 0.05));
            });
        }
        let buf: &mut [f32] = &mut F32[..];
        // SAFETY: the f32 buffer is reused as i16 codes (smaller alignment, twice as many in
        // the same bytes, every bit pattern a valid i16); `buf` is not used while they are.
        let c =
            unsafe { core::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<i16>(), units * dim) };
        for (i, w) in c.iter_mut().enumerate() {
            *w = ((i % 23) * 700) as i16;
        }
        let Ok(mut im) = IntMapMut::new(grid, dim, c) else {
            done()
        };
        for s in 0..STEPS {
            let xi = [(s * 1000) as i16; 8];
            it += ticks(syst, || {
                let _ = black_box(im.train_step(black_box(&xi[..dim]), &inb, 1638));
            });
        }
        let per = |t: u64| (t as f32 * per_tick / STEPS as f32) as u32;
        let (pf, pi) = (per(ft), per(it));
        let ratio = pf / pi.max(1);
        hprintln!(
            "{}x{}x{}: train_step f32 ~{} instructions, integer ~{} instructions ({}x fewer)",
            side,
            side,
            dim,
            pf,
            pi,
            ratio
        );
    }
    done()
}

fn done() -> ! {
    debug::exit(debug::EXIT_SUCCESS);
    loop {
        core::hint::spin_loop();
    }
}

/// SysTick ticks taken by `f` (less than one wrap of the 24-bit counter).
#[inline(always)]
fn ticks(_: &SYST, f: impl FnOnce()) -> u64 {
    let start = SYST::get_current();
    f();
    let end = SYST::get_current();
    u64::from(start.wrapping_sub(end) & 0x00FF_FFFF)
}

/// `2 n` instructions: `subs` and `bne`, `n` times.
#[inline(never)]
fn spin(n: u32) {
    // SAFETY: only decrements r0, touches no memory.
    unsafe {
        core::arch::asm!("2:", "subs r0, #1", "bne 2b", inout("r0") n => _, options(nomem, nostack));
    }
}
