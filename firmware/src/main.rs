//! `som-kernel` on a microcontroller: trains an 8x8 map on the seed's 15 colours on the device,
//! checks it against known bounds, prints the quantization error over semihosting and exits 0
//! (1 on any failure or panic). Then it reports the peak stack of the training and times one
//! training step with SysTick.
//!
//! ```sh
//! cargo run --release                                # Cortex-M4F, QEMU mps2-an386
//! cargo run --release --target thumbv6m-none-eabi    # Cortex-M0,  QEMU microbit
//! ```
//!
//! QEMU is not cycle-accurate. Run it with `-icount shift=0` (one instruction per virtual
//! nanosecond) and the SysTick counts become instruction counts; the calibration loop below
//! turns ticks into instructions, which on a real Cortex-M4 with zero-wait-state memory are
//! roughly the cycles (loads, branches and divisions take more).
#![no_std]
#![no_main]

mod demo;

use core::hint::black_box;
use cortex_m::peripheral::{SYST, syst::SystClkSource};
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;
use som_kernel::{Neighbourhood, Shape};

/// Steps timed, each on its own (SysTick is a 24-bit down-counter).
const TIMED_STEPS: usize = 150;
/// Iterations of the two-instruction calibration loop.
const SPIN: u32 = 100_000;

#[entry]
fn main() -> ! {
    // The map and the batch statistics live in static RAM (`.bss`), as firmware keeps its
    // state: the stack measured below is the work of training and metrics.
    static mut SOM: Option<som_kernel::FixedMap<{ demo::CAP }>> = None;
    static mut STATS: demo::Stats = demo::STATS;
    paint_stack();
    let som = match demo::new_map() {
        Ok(som) => SOM.insert(som),
        Err(e) => fail(format_args!("cannot build the map: {e}")),
    };
    let report = match demo::run(som, STATS) {
        Ok(r) => r,
        Err(e) => fail(format_args!("training failed: {e}")),
    };
    let stack = stack_used();

    hprintln!(
        "som-firmware: {}x{} map, {} colours, {} epochs online + {} batch steps",
        demo::ROWS,
        demo::COLS,
        demo::N,
        demo::EPOCHS,
        demo::BATCH_STEPS
    );
    hprintln!(
        "quantization error: {} online, {} after batch (worst colour {})",
        report.qe_online,
        report.qe_batch,
        report.worst_colour
    );
    hprintln!(
        "topographic error {}, {} distinct units, U-matrix max {}, weights in [0, 1]: {}",
        report.te,
        report.distinct_units,
        report.umatrix_max,
        report.weights_in_range
    );
    hprintln!(
        "map storage {} bytes; peak stack of training and metrics {} bytes",
        core::mem::size_of_val(som),
        stack
    );
    let (step_stack, fused_stack) = step_stacks(som);
    hprintln!(
        "stack of one train_step {} bytes, of one update_then_bmu {} bytes",
        step_stack,
        fused_stack
    );
    let mut failed = false;
    for msg in demo::failures(&report) {
        hprintln!("FAIL: {}", msg);
        failed = true;
    }
    if failed {
        debug::exit(debug::EXIT_FAILURE);
        loop {
            core::hint::spin_loop();
        }
    }

    timing(som);
    hprintln!("ok");
    debug::exit(debug::EXIT_SUCCESS);
    loop {
        core::hint::spin_loop();
    }
}

/// Prints `msg` and exits with failure.
fn fail(msg: core::fmt::Arguments<'_>) -> ! {
    hprintln!("FAIL: {}", msg);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        core::hint::spin_loop();
    }
}

/// Times `train_step` (BMU search + online update of all 64 units) and `bmu` alone, on a copy
/// of the trained map, in SysTick ticks, and calibrates ticks against a loop of known length.
fn timing(trained: &som_kernel::FixedMap<{ demo::CAP }>) {
    let Some(mut cp) = cortex_m::Peripherals::take() else {
        hprintln!("timing: peripherals unavailable");
        return;
    };
    let syst = &mut cp.SYST;
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(0x00FF_FFFF);
    syst.clear_current();
    syst.enable_counter();

    #[cfg(has_cycle_counter)]
    let dwt_before = {
        cp.DCB.enable_trace();
        cp.DWT.enable_cycle_counter();
        cortex_m::peripheral::DWT::cycle_count()
    };

    let mut som = trained.clone();
    let Ok(nb) = Neighbourhood::new(Shape::Gaussian, 1.0) else {
        return;
    };
    let samples = demo::COLOURS.chunks_exact(demo::DIM).cycle();
    let (mut step_ticks, mut bmu_ticks) = (0u64, 0u64);
    for x in samples.take(TIMED_STEPS) {
        let x = black_box(x);
        step_ticks += ticks(syst, || {
            let _ = black_box(som.map_mut().train_step(x, &nb, 0.05));
        });
        bmu_ticks += ticks(syst, || {
            let _ = black_box(som.map().bmu(x));
        });
    }
    let spin_ticks = ticks(syst, || spin(SPIN));

    #[cfg(has_cycle_counter)]
    {
        let cycles = cortex_m::peripheral::DWT::cycle_count().wrapping_sub(dwt_before);
        if cycles == 0 {
            hprintln!(
                "DWT cycle counter: not emulated here (reads {})",
                dwt_before
            );
        } else {
            hprintln!("DWT cycle counter: {} cycles over the timing", cycles);
        }
    }

    if spin_ticks == 0 {
        hprintln!("SysTick does not run here: no timing");
        return;
    }
    let n = TIMED_STEPS as u64;
    // 2 instructions per loop iteration.
    let per_tick = (2 * u64::from(SPIN)) as f32 / spin_ticks as f32;
    hprintln!(
        "per step: train_step {} SysTick ticks, bmu {} ticks; calibration {} instructions/tick",
        step_ticks / n,
        bmu_ticks / n,
        per_tick
    );
    hprintln!(
        "per step under -icount: train_step ~{} instructions, bmu ~{} instructions",
        (step_ticks as f32 * per_tick / n as f32) as u32,
        (bmu_ticks as f32 * per_tick / n as f32) as u32
    );
}

/// Peak stack of one `train_step` and of one `update_then_bmu` (the online training's step),
/// on a copy of the trained map: the stack below this frame.
fn step_stacks(trained: &som_kernel::FixedMap<{ demo::CAP }>) -> (usize, usize) {
    let mut som = trained.clone();
    let Ok(nb) = Neighbourhood::new(Shape::Gaussian, 1.0) else {
        return (0, 0);
    };
    let (x, next) = demo::COLOURS.split_at(demo::DIM);
    let next = next.get(..demo::DIM).unwrap_or_default();
    // What this frame and those above it take, before any call.
    paint_stack();
    let base = stack_used();
    paint_stack();
    let _ = black_box(som.map_mut().train_step(black_box(x), &nb, 0.05));
    let step = stack_used();
    paint_stack();
    let fused =
        som.map_mut()
            .update_then_bmu(black_box(x), black_box(5), &nb, 0.05, black_box(next));
    let _ = black_box(fused);
    (step.saturating_sub(base), stack_used().saturating_sub(base))
}

/// SysTick ticks taken by `f` (less than one wrap of the 24-bit counter).
#[inline(always)]
fn ticks(syst: &SYST, f: impl FnOnce()) -> u64 {
    let _ = syst;
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
        core::arch::asm!(
            "2:",
            "subs r0, #1",
            "bne 2b",
            inout("r0") n => _,
            options(nomem, nostack)
        );
    }
}

const PAINT: u32 = 0x5A5A_5A5A;

unsafe extern "C" {
    /// End of `.bss`/`.uninit`: the lowest address the stack may grow down to.
    static mut __sheap: u32;
    /// Top of the stack.
    static mut _stack_start: u32;
}

/// Fills the free stack (from the end of static data to just below this frame) with a pattern.
#[inline(never)]
fn paint_stack() {
    let sp = cortex_m::register::msp::read() as usize;
    let bottom = (&raw mut __sheap) as usize;
    let mut p = bottom;
    while p + 64 < sp {
        // SAFETY: the words between the end of static data and 64 bytes below the current
        // stack pointer belong to no one yet, and interrupts are not enabled.
        unsafe { core::ptr::write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
}

/// Bytes of stack used since [`paint_stack`]: from the top down to the lowest overwritten word.
fn stack_used() -> usize {
    let top = (&raw mut _stack_start) as usize;
    let mut p = (&raw mut __sheap) as usize;
    // SAFETY: reads words of the stack region below the live frames.
    while p < top && unsafe { core::ptr::read_volatile(p as *const u32) } == PAINT {
        p += 4;
    }
    top - p
}
