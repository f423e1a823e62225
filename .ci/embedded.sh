#!/usr/bin/env bash
# Firmware-grade checks (issue 5), called from .ci/run:
#   1. the firmware under QEMU: trains an 8x8 map on a Cortex-M4F and a Cortex-M0, exits 0;
#      flash/RAM of the size probes;
#   2. the link-time no-panic proof (thumbv7em, thumbv6m, x86_64 with every SIMD level),
#      and its control, which must fail to link;
#   3. Miri on the kernel's tests (nightly), in the background beside all the rest;
#   4. every fuzz target for FUZZ_SECONDS (default 20) each (nightly, cargo-fuzz).
# Installs what it needs. Steps that need nightly say clearly when they are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
step() { printf '\n=== [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }
started=$SECONDS

step "embedded: tools"
mkdir -p target
if ! command -v qemu-system-arm >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq qemu-system-arm >/dev/null
fi
qemu-system-arm --version | head -n 1
rustup target add thumbv7em-none-eabihf thumbv6m-none-eabi
rustup component add llvm-tools
LLVM_SIZE="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/llvm-size"
# Nightly for Miri and cargo-fuzz: the one already here (not updated, so its builds are
# reused), else a fresh install.
nightly=0
if rustup run nightly rustc --version >/dev/null 2>&1 ||
    rustup toolchain install nightly --profile minimal; then
    if rustup +nightly component add miri rust-src; then
        nightly=1
    fi
fi
if [ "$nightly" = 0 ]; then
    echo "WARNING: no nightly toolchain with miri could be had: Miri and fuzzing will be SKIPPED"
fi

# Miri interprets one test at a time on one core: it runs in the background from here on,
# beside the firmware's single-threaded link-time optimisation, QEMU and the fuzzers, and its
# log is printed at the end.
if [ "$nightly" = 1 ]; then
    step "Miri: the kernel's tests (sizes reduced under cfg(miri)), in the background"
    # libm/force-soft-floats: libm's x86 sqrt is inline assembly, which Miri cannot run.
    # Doc-tests are left out (each compiles on its own, slowly, under Miri).
    # In its own process group, so that a failure below stops it and all its children.
    setsid cargo +nightly miri test -p som-kernel --features libm/force-soft-floats --lib --tests \
        > target/miri.log 2>&1 &
    miri=$!
    trap 'kill -- "-$miri" 2>/dev/null || true' EXIT
fi

step "embedded crates: format"
for crate in firmware no-panic fuzz; do
    (cd "$crate" && cargo fmt --check)
done

step "firmware: build for Cortex-M4F (thumbv7em-none-eabihf) and Cortex-M0 (thumbv6m-none-eabi)"
(cd firmware && cargo build --release --target thumbv7em-none-eabihf && cargo build --release --target thumbv6m-none-eabi)

# -icount shift=0: one instruction per virtual nanosecond, so the firmware's SysTick timing
# counts instructions (QEMU is not cycle-accurate; there is no cycle count to be had).
step "firmware: train on an emulated Cortex-M4F (QEMU mps2-an386)"
timeout 120 qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
    -semihosting-config enable=on,target=native -icount shift=0 \
    -kernel firmware/target/thumbv7em-none-eabihf/release/som-firmware

step "firmware: train on an emulated Cortex-M0 (QEMU microbit)"
timeout 300 qemu-system-arm -machine microbit -nographic \
    -semihosting-config enable=on,target=native -icount shift=0 \
    -kernel firmware/target/thumbv6m-none-eabi/release/som-firmware

step "firmware: flash and RAM of BMU search + online update (minimal) over the bare runtime (baseline)"
for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
    "$LLVM_SIZE" "firmware/target/$target/release/baseline" "firmware/target/$target/release/minimal"
done

# The kernel's size-first build (feature `small`, issue 13): the same firmware, its own target
# directory; the size probes must stay within 4 KiB (M4F) and 6 KiB (M0) over the baseline.
step "firmware, size-first (feature small): build, run on both cores, sizes"
(
    cd firmware
    for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
        CARGO_TARGET_DIR=target/small cargo build --release --features small --target "$target"
    done
)
timeout 120 qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
    -semihosting-config enable=on,target=native -icount shift=0 \
    -kernel firmware/target/small/thumbv7em-none-eabihf/release/som-firmware
timeout 300 qemu-system-arm -machine microbit -nographic \
    -semihosting-config enable=on,target=native -icount shift=0 \
    -kernel firmware/target/small/thumbv6m-none-eabi/release/som-firmware
for target in thumbv7em-none-eabihf:4096 thumbv6m-none-eabi:6144; do
    dir="firmware/target/small/${target%%:*}/release"
    "$LLVM_SIZE" "$dir/baseline" "$dir/minimal"
    text() { "$LLVM_SIZE" "$1" | awk 'NR == 2 { print $1 }'; }
    cost=$(($(text "$dir/minimal") - $(text "$dir/baseline")))
    if [ "$cost" -gt "${target##*:}" ]; then
        echo "FAIL: size-first BMU search + online update take $cost bytes on ${target%%:*} (limit ${target##*:})"
        exit 1
    fi
    echo "size-first on ${target%%:*}: $cost bytes of .text (limit ${target##*:})"
done

step "firmware: instructions per step, f32 against integer maps, on the Cortex-M0 (8x8x3, 16x16x8)"
timeout 600 qemu-system-arm -machine microbit -nographic \
    -semihosting-config enable=on,target=native -icount shift=0 \
    -kernel firmware/target/thumbv6m-none-eabi/release/steps

step "firmware: a map exported as code (som export), BMU of live samples on the Cortex-M0"
timeout 60 qemu-system-arm -machine microbit -nographic \
    -semihosting-config enable=on,target=native -icount shift=0 \
    -kernel firmware/target/thumbv6m-none-eabi/release/exported

# In the workspace's target directory: SOM_KERNEL_SMALL rebuilds the kernel alone (its
# dependencies are the README's test command's); .ci/run builds no more tests there after this.
step "kernel tests on the size-first path (SOM_KERNEL_SMALL=1), and its clippy"
SOM_KERNEL_SMALL=1 cargo test -p som-kernel --all-features
SOM_KERNEL_SMALL=1 cargo clippy -p som-kernel --all-targets --all-features -- -D warnings

step "no-panic proof: every public kernel operation, linked with panic-never"
(
    cd no-panic
    cargo build --release --target thumbv7em-none-eabihf
    cargo build --release --target thumbv6m-none-eabi
    # The host too: a no_std binary with its own `_start`, libc for memcpy. Its levels are
    # chosen at run time, so this one build holds the SSE2, AVX2 and AVX-512 code.
    RUSTFLAGS="-C link-arg=-nostartfiles -C link-arg=-lc" cargo build --release --target x86_64-unknown-linux-gnu
    # The size-first build (issue 13): its loops replace the SIMD ones on these targets (on
    # a PC they are the same source, proved here).
    for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
        CARGO_TARGET_DIR=target/small cargo build --release --features small --target "$target"
    done
)
echo "no-panic: linked for thumbv7em-none-eabihf, thumbv6m-none-eabi, x86_64 (every level), and the size-first build"

step "no-panic control: one deliberately panicking call must FAIL to link"
if (cd no-panic && cargo build --release --target thumbv7em-none-eabihf --features control) \
    > target/no-panic-control.log 2>&1; then
    echo "FAIL: the control linked, so the no-panic proof proves nothing"
    exit 1
elif grep -q "panic-never" target/no-panic-control.log; then
    echo "ok: the control failed to link, as it must:"
    grep -m 1 "panic-never" target/no-panic-control.log
else
    echo "FAIL: the control failed for another reason:"
    cat target/no-panic-control.log
    exit 1
fi

if [ "$nightly" = 1 ]; then
    step "fuzz: every target for ${FUZZ_SECONDS}s"
    command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
    (
        cd fuzz
        cargo +nightly fuzz build
        for target in $(cargo +nightly fuzz list); do
            echo "--- fuzz target $target"
            log="../target/fuzz-$target.log"
            if ! timeout $((FUZZ_SECONDS + 300)) cargo +nightly fuzz run "$target" -- \
                -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 > "$log" 2>&1; then
                tail -n 60 "$log"
                echo "FAIL: fuzz target $target (the input is in fuzz/artifacts/$target/)"
                exit 1
            fi
            grep -E "stat::number_of_executed_units|stat::average_exec_per_sec" "$log"
        done
    )

    step "Miri: result"
    if wait "$miri"; then
        grep -E "^test result|Running" target/miri.log
    else
        tail -n 80 target/miri.log
        echo "FAIL: Miri"
        exit 1
    fi
    trap - EXIT
else
    step "Miri: SKIPPED (no nightly toolchain)"
    step "fuzz: SKIPPED (no nightly toolchain)"
fi

step "embedded checks passed in $((SECONDS - started))s"
