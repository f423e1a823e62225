//! The instruction set, chosen at run time, and the one vector type the kernel's loops are
//! written over.
//!
//! Every hot loop (searches, the certified expanded form, the online update and the fused
//! step) is written once, generic over [`Isa`]: a vector holding one row of [`Isa::BLOCKS`]
//! blocks side by side (sixteen `f32` lanes, or eight). Each [`Level`] implements it with its
//! own registers: one block in a plain array ([`Level::Scalar`], the microcontrollers' level:
//! eight lanes keep code and stack small where there are no vector registers), two halves of
//! `wide`'s SSE2 code ([`Level::Sse2`], the x86_64 baseline), two AVX2 + FMA registers
//! ([`Level::Avx2`]) or one AVX-512 register ([`Level::Avx512`], and [`Level::Avx512Split`]
//! for cores that run it as two halves). The level is detected once, at first use (the best
//! the CPU has), and can be forced for tests and bug reports ([`force`]). A build for a given
//! CPU (`-C target-cpu=...`) still detects: the baseline it compiles for only changes what
//! [`Level::Sse2`] and [`Level::Scalar`] compile to.
//!
//! [`dispatch`] is the one place where a level becomes code: every computation on lanes (the
//! searches, the online sweep, the batch apply and the neighbourhood values they use) runs
//! inside it, so [`force`] and `SOM_SIMD` govern all of them, and a default build computes
//! the same bits as a `-C target-cpu=native` one. Code that computes lane by lane in plain
//! arithmetic (the neighbourhood's `h`, [`crate::math::exp_lane`]) is inlined into those
//! loops and becomes the level's vectors there.
//!
//! Levels with a fused multiply-add ([`Level::fused`]) give the same bits as each other; so do
//! the others (each rounds the product and the sum separately). Across the two groups, results
//! differ by rounding.

use core::ops::{Add, Mul, Sub};
use core::sync::atomic::{AtomicU8, Ordering};

use crate::LANES;
use crate::error::{Error, Result};

mod scalar;
#[cfg(target_arch = "x86_64")]
mod x86;

pub(crate) use scalar::Scalar;
#[cfg(target_arch = "x86_64")]
pub(crate) use x86::{Avx2, Avx512, Avx512Split, Sse2};

/// An instruction set the kernel's loops are compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Plain arrays of `f32`, one block (eight lanes) at a time, no intrinsics (what the
    /// compiler makes of them): every target.
    Scalar,
    /// SSE2 through `wide` (x86_64's baseline, so every x86_64 CPU has it): 4 lanes a register.
    Sse2,
    /// AVX2 with fused multiply-add: 8 lanes a register.
    Avx2,
    /// AVX-512 (F, BW, CD, DQ, VL): 16 lanes a register, 32 registers; every loop on 512-bit
    /// vectors (cores with 512-bit data paths: Intel's).
    Avx512,
    /// AVX-512 for cores that run 512-bit operations as two 256-bit halves (AMD's Zen 4): the
    /// searches on 512-bit vectors, the online sweep on pairs of 256-bit ones (it loads and
    /// stores its rows a block at a time, and a 512-bit row costs an insert and an extract
    /// that such a core does not earn back). The same bits as [`Level::Avx512`].
    Avx512Split,
}

// The names `SOM_SIMD` takes and reports show; `ALL` is narrowest first (the two AVX-512
// levels last), and a level's index in it is what `CURRENT` stores.
crate::named!("SIMD level", Level {
    Scalar => "scalar",
    Sse2 => "sse2",
    Avx2 => "avx2",
    Avx512 => "avx512",
    Avx512Split => "avx512-split",
});

impl Level {
    /// Whether this CPU (and build) can run the level.
    pub fn available(self) -> bool {
        match self {
            Level::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Level::Sse2 => true,
            #[cfg(all(target_arch = "x86_64", not(miri)))]
            Level::Avx2 => pulp::x86::V3::is_available(),
            #[cfg(all(target_arch = "x86_64", not(miri)))]
            Level::Avx512 | Level::Avx512Split => pulp::x86::V4::is_available(),
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// The best level for this CPU: the widest it has, and of the two AVX-512 levels the one
    /// its core runs fastest ([`Level::Avx512Split`] on a core that splits 512-bit
    /// operations).
    pub fn detected() -> Level {
        let widest = [Level::Avx512, Level::Avx2, Level::Sse2]
            .into_iter()
            .find(|l| l.available())
            .unwrap_or(Level::Scalar);
        #[cfg(target_arch = "x86_64")]
        if widest == Level::Avx512 && x86::splits_512() {
            return Level::Avx512Split;
        }
        widest
    }

    /// Whether the level's multiply-add is fused (one rounding): AVX2 and AVX-512, and SSE2
    /// in a build for a CPU with FMA (`wide` fuses where the build targets one). Levels of one
    /// kind give the same bits as each other.
    pub const fn fused(self) -> bool {
        match self {
            Level::Scalar => false,
            Level::Sse2 => cfg!(target_feature = "fma"),
            Level::Avx2 | Level::Avx512 | Level::Avx512Split => true,
        }
    }
}

/// The level in use, `UNSET` until first asked for.
static CURRENT: AtomicU8 = AtomicU8::new(UNSET);
const UNSET: u8 = u8::MAX;

/// The level the kernel runs at: the one [`force`]d, else the widest the CPU has.
pub fn level() -> Level {
    match Level::ALL.get(usize::from(CURRENT.load(Ordering::Relaxed))) {
        Some(&l) => l,
        None => {
            let l = Level::detected();
            CURRENT.store(l as u8, Ordering::Relaxed);
            l
        }
    }
}

/// Runs the kernel at `level` from now on, in every thread (for tests, benchmarks and bug
/// reports; `som-std` reads the `SOM_SIMD` environment variable into it).
///
/// # Errors
/// [`Error::Unsupported`] when this CPU or build cannot run `level`; the level in use stays.
pub fn force(level: Level) -> Result<()> {
    CURRENT.store(force_check(level)? as u8, Ordering::Relaxed);
    Ok(())
}

/// `level`, if this CPU and build can run it.
pub(crate) fn force_check(level: Level) -> Result<Level> {
    if level.available() {
        Ok(level)
    } else {
        Err(Error::Unsupported {
            what: match level {
                Level::Scalar => "SIMD level scalar on this build",
                Level::Sse2 => "SIMD level sse2: this CPU is not x86_64",
                Level::Avx2 => "SIMD level avx2: this CPU lacks AVX2 or FMA",
                Level::Avx512 => "SIMD level avx512: this CPU lacks AVX-512",
                Level::Avx512Split => "SIMD level avx512-split: this CPU lacks AVX-512",
            },
        })
    }
}

/// One row of [`Isa::BLOCKS`] blocks in one instruction set's registers: sixteen `f32` lanes
/// (lanes 0..8 the first block, 8..16 the second), or the eight of one block. The arithmetic is
/// the instruction set's; [`Lanes::mul_add`] is fused where the instruction set has it.
pub(crate) trait Lanes:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + 'static
{
    /// A lane mask.
    type Mask: Copy + 'static;
    /// Its lanes: sixteen, or eight for one block.
    const WIDTH: usize;

    /// `self * a + b`.
    fn mul_add(self, a: Self, b: Self) -> Self;
    /// `self < b`, lane by lane (false with NaN).
    fn lt(self, b: Self) -> Self::Mask;
    /// `t` where `m` is set, else `f`.
    fn select(m: Self::Mask, t: Self, f: Self) -> Self;
    /// Set in the lanes that are not NaN (a missing value, where masking is on).
    #[cfg_attr(not(feature = "missing"), allow(dead_code))]
    fn is_number(self) -> Self::Mask;
    /// `self` where `m` is set, else 0.
    #[cfg_attr(not(feature = "missing"), allow(dead_code))]
    fn keep(self, m: Self::Mask) -> Self;
    /// The smaller of each pair of lanes; with a NaN, either.
    fn min(self, b: Self) -> Self;
    /// The larger of each pair of lanes; with a NaN, either.
    fn max(self, b: Self) -> Self;
    /// `self / b`, lane by lane, correctly rounded (the same bits at every level).
    #[cfg_attr(not(feature = "distances"), allow(dead_code))]
    fn div(self, b: Self) -> Self;
    /// The square root of each lane, correctly rounded (the same bits at every level).
    #[cfg_attr(not(feature = "distances"), allow(dead_code))]
    fn sqrt(self) -> Self;
    /// The set lanes of `m` as bits: lane `i` is bit `i` (a one-block value: bits 0..8).
    #[cfg_attr(not(feature = "pruning"), allow(dead_code))]
    fn bits(m: Self::Mask) -> u32;
    /// The lanes in order (a one-block value's eight twice: every use is a reduction, which
    /// a repeat does not change).
    fn to_array(self) -> [f32; 2 * LANES];
    /// Stores lanes 0..8 in `lo` and 8..16 in `hi` (a one-block value: `lo` only).
    fn store(self, lo: &mut [f32; LANES], hi: &mut [f32; LANES]);
    /// Stores lanes 0..8 in `lo`.
    fn store_lo(self, lo: &mut [f32; LANES]);
}

/// An instruction set, as a value that proves the CPU has it (a zero-sized token): makes
/// vectors, and runs code compiled for it.
pub(crate) trait Isa: Copy + 'static {
    /// Its vectors.
    type V: Lanes;
    /// The instruction set the online sweep runs at: itself, except on
    /// [`Level::Avx512Split`], whose sweep takes 256-bit halves.
    type Sweep: Isa;
    /// Blocks a vector holds, 2 or 1: the loops walk the codebook this many blocks at a time
    /// (a *pair*, whose second block is its first again when `BLOCKS` is 1).
    const BLOCKS: usize;
    /// Whether it has 32 vector registers (room for larger register tiles).
    const MANY_REGISTERS: bool;
    /// Samples per register tile of the many-sample search: as many accumulators as its
    /// registers hold beside a row and a norm.
    const TILE: usize;

    /// `x` in every lane.
    fn splat(self, x: f32) -> Self::V;
    /// `lo` in lanes 0..8, `hi` in 8..16 (a one-block vector: `lo` alone).
    fn load(self, lo: &[f32; LANES], hi: &[f32; LANES]) -> Self::V;
    /// Runs `f` compiled for this instruction set (`f` must be inlined into it: the generic
    /// loops are `#[inline(always)]`).
    fn run<R>(self, f: impl FnOnce() -> R) -> R;
    /// [`Isa::Sweep`]'s token.
    fn sweep(self) -> Self::Sweep;

    /// A vector from sixteen lanes (a one-block vector: the first eight).
    #[inline(always)]
    fn array(self, a: &[f32; 2 * LANES]) -> Self::V {
        let (lo, hi) = a.split_at(LANES);
        let (Ok(lo), Ok(hi)) = (<&[f32; LANES]>::try_from(lo), <&[f32; LANES]>::try_from(hi))
        else {
            return self.splat(0.0);
        };
        self.load(lo, hi)
    }

    /// Zero in every lane.
    #[inline(always)]
    fn zero(self) -> Self::V {
        self.splat(0.0)
    }
}

/// The instruction set of a level, as a token proving the CPU has it; a level the CPU lacks
/// gets the widest below it.
#[derive(Clone, Copy)]
pub(crate) enum Token {
    Scalar(Scalar),
    #[cfg(target_arch = "x86_64")]
    Sse2(Sse2),
    #[cfg(target_arch = "x86_64")]
    Avx2(Avx2),
    #[cfg(target_arch = "x86_64")]
    Avx512(Avx512),
    #[cfg(target_arch = "x86_64")]
    Avx512Split(Avx512Split),
}

impl Token {
    #[inline(always)]
    pub(crate) fn of(level: Level) -> Token {
        #[cfg(target_arch = "x86_64")]
        {
            if level >= Level::Avx512
                && let Some(t) = Avx512::new()
            {
                return match level {
                    Level::Avx512Split => Token::Avx512Split(t.split()),
                    _ => Token::Avx512(t),
                };
            }
            if level >= Level::Avx2
                && let Some(t) = Avx2::new()
            {
                return Token::Avx2(t);
            }
            if level >= Level::Sse2 {
                return Token::Sse2(Sse2);
            }
        }
        let _ = level;
        Token::Scalar(Scalar)
    }
}

/// Runs `$body` with `$isa` bound to the instruction set of `$level` (an [`Isa`] value),
/// compiled for it: the one place where a level becomes code.
macro_rules! dispatch {
    ($level:expr, $isa:ident => $body:expr) => {{
        #[allow(unused_imports)]
        use $crate::simd::Isa as _;
        match $crate::simd::Token::of($level) {
            #[cfg(target_arch = "x86_64")]
            $crate::simd::Token::Avx512Split($isa) => $isa.run(
                #[inline(always)]
                move || $body,
            ),
            #[cfg(target_arch = "x86_64")]
            $crate::simd::Token::Avx512($isa) => $isa.run(
                #[inline(always)]
                move || $body,
            ),
            #[cfg(target_arch = "x86_64")]
            $crate::simd::Token::Avx2($isa) => $isa.run(
                #[inline(always)]
                move || $body,
            ),
            #[cfg(target_arch = "x86_64")]
            $crate::simd::Token::Sse2($isa) => $isa.run(
                #[inline(always)]
                move || $body,
            ),
            $crate::simd::Token::Scalar($isa) => $isa.run(
                #[inline(always)]
                move || $body,
            ),
        }
    }};
}
pub(crate) use dispatch;

/// Runs `f` compiled for the level in use ([`level`]): the kernel's dispatch, for code outside
/// the kernel that computes in plain arithmetic and wants the CPU's vectors (the Python
/// binding's MiniSom batch sums). `f` must be an `#[inline(always)]` closure, so that its
/// body is compiled inside the level's instruction set.
///
/// # Example
/// ```
/// let x = [1.0f32; 64];
/// let sum = som_kernel::simd::vectorize(
///     #[inline(always)]
///     || x.iter().sum::<f32>(),
/// );
/// assert_eq!(sum, 64.0);
/// ```
#[inline(always)]
pub fn vectorize<R>(f: impl FnOnce() -> R) -> R {
    dispatch!(level(), _isa => f())
}

#[cfg(test)]
impl Token {
    /// [`Isa::BLOCKS`] of a level's instruction set.
    fn blocks(level: Level) -> usize {
        dispatch!(level, isa => {
            fn blocks<I: Isa>(_: I) -> usize {
                I::BLOCKS
            }
            blocks(isa)
        })
    }
}

/// Every level this machine can run (for tests).
#[cfg(test)]
pub(crate) fn available() -> impl Iterator<Item = Level> {
    Level::ALL.into_iter().filter(|l| l.available())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for l in Level::ALL {
            assert_eq!(Level::from_name(l.name()), Some(l));
        }
        assert_eq!(Level::from_name("avx"), None);
    }

    #[test]
    fn detected_is_available_and_the_widest() {
        let d = Level::detected();
        assert!(d.available());
        // Nothing wider is available; the two AVX-512 levels are one width.
        let width = |l: Level| l.min(Level::Avx512);
        assert!(
            Level::ALL
                .iter()
                .filter(|l| width(**l) > width(d))
                .all(|l| !l.available())
        );
        assert!(Level::Scalar.available());
        #[cfg(target_arch = "x86_64")]
        assert!(Level::Sse2.available());
        assert_eq!(Level::Avx512.available(), Level::Avx512Split.available());
    }

    /// Each level runs its own instruction set: the sweep of the split level takes halves,
    /// every other level's sweep is the level itself.
    #[test]
    fn every_level_has_its_own_token() {
        for level in available() {
            let (blocks, sweep_split) = dispatch!(level, isa => {
                fn kind<I: Isa>(_: I) -> (usize, bool) {
                    (
                        I::BLOCKS,
                        core::any::type_name::<I::Sweep>() != core::any::type_name::<I>(),
                    )
                }
                kind(isa)
            });
            assert_eq!(
                blocks,
                if level == Level::Scalar { 1 } else { 2 },
                "{level}"
            );
            assert_eq!(sweep_split, level == Level::Avx512Split, "{level}");
        }
    }

    /// Every level computes the same lane operations (exactly, on values whose products and
    /// sums are exact).
    #[test]
    fn lanes_agree_across_levels() {
        let a: [f32; 16] = core::array::from_fn(|i| i as f32 - 7.5);
        let b: [f32; 16] = core::array::from_fn(|i| (i as f32) * 0.25 - 1.0);
        for level in available() {
            let (sum, fma, lt, min, max) = dispatch!(level, isa => {
                let (va, vb) = (isa.array(&a), isa.array(&b));
                let m = va.lt(vb);
                (
                    (va + vb).to_array(),
                    va.mul_add(vb, va).to_array(),
                    <_ as Lanes>::select(m, isa.splat(1.0), isa.zero()).to_array(),
                    va.min(vb).to_array(),
                    va.max(vb).to_array(),
                )
            });
            // A one-block vector holds lanes 0..8, repeated by `to_array`.
            let blocks = Token::blocks(level);
            for (k, i) in (0..16).map(|k| (k, k % (8 * blocks))) {
                let (sum, fma, lt, min, max) = (sum[k], fma[k], lt[k], min[k], max[k]);
                assert_eq!(sum, a[i] + b[i], "{level}");
                assert_eq!(fma, a[i] * b[i] + a[i], "{level}");
                assert_eq!(lt, if a[i] < b[i] { 1.0 } else { 0.0 }, "{level}");
                assert_eq!(min, a[i].min(b[i]), "{level}");
                assert_eq!(max, a[i].max(b[i]), "{level}");
            }
            let (lo, hi, only) = dispatch!(level, isa => {
                let (mut lo, mut hi, mut only) = ([0.0; 8], [0.0; 8], [9.0; 8]);
                let v = isa.array(&a);
                v.store(&mut lo, &mut hi);
                v.store_lo(&mut only);
                (lo, hi, only)
            });
            assert_eq!(only, lo, "{level}");
            assert_eq!(lo, a[..8], "{level}");
            if Token::blocks(level) == 2 {
                assert_eq!(hi, a[8..], "{level}");
            } else {
                assert_eq!(hi, [0.0; 8], "{level}: a one-block store leaves `hi` alone");
            }
        }
    }
}
