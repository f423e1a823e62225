//! The x86_64 instruction sets: SSE2 through `wide` (the baseline every x86_64 CPU has), AVX2
//! and AVX-512 through `pulp`, whose tokens prove at run time that the CPU has them and whose
//! intrinsics are safe to call with a token. No `unsafe` here.

use core::arch::x86_64::{__m256, __m512, _CMP_LT_OQ, _CMP_ORD_Q};
use core::ops::{Add, Mul, Sub};

use pulp::bytemuck::cast;
use pulp::x86::{V3, V4};
use wide::f32x16;

use super::{Isa, Lanes};
use crate::LANES;

/// SSE2, x86_64's baseline: `wide`'s sixteen lanes (four registers).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sse2;

/// Sixteen lanes of `wide` (`#[repr(transparent)]` of its vector).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Wide(f32x16);

impl Add for Wide {
    type Output = Self;
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        Wide(self.0 + b.0)
    }
}

impl Sub for Wide {
    type Output = Self;
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        Wide(self.0 - b.0)
    }
}

impl Mul for Wide {
    type Output = Self;
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        Wide(self.0 * b.0)
    }
}

impl Lanes for Wide {
    type Mask = f32x16;
    const WIDTH: usize = 2 * LANES;

    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        Wide(self.0.mul_add(a.0, b.0))
    }

    #[inline(always)]
    fn lt(self, b: Self) -> f32x16 {
        self.0.simd_lt(b.0)
    }

    #[inline(always)]
    fn select(m: f32x16, t: Self, f: Self) -> Self {
        Wide(m.select(t.0, f.0))
    }

    #[inline(always)]
    fn bits(m: f32x16) -> u32 {
        m.to_bitmask()
    }

    #[inline(always)]
    fn is_number(self) -> f32x16 {
        self.0.simd_eq(self.0)
    }

    #[inline(always)]
    fn keep(self, m: f32x16) -> Self {
        Wide(self.0 & m)
    }

    #[inline(always)]
    fn min(self, b: Self) -> Self {
        Wide(self.0.fast_min(b.0))
    }

    #[inline(always)]
    fn max(self, b: Self) -> Self {
        Wide(self.0.fast_max(b.0))
    }

    #[inline(always)]
    fn div(self, b: Self) -> Self {
        Wide(self.0 / b.0)
    }

    #[inline(always)]
    fn sqrt(self) -> Self {
        Wide(self.0.sqrt())
    }

    #[inline(always)]
    fn to_array(self) -> [f32; 2 * LANES] {
        self.0.to_array()
    }

    #[inline(always)]
    fn store(self, lo: &mut [f32; LANES], hi: &mut [f32; LANES]) {
        let [a, b]: [[f32; LANES]; 2] = cast(self.0.to_array());
        (*lo, *hi) = (a, b);
    }

    #[inline(always)]
    fn store_lo(self, lo: &mut [f32; LANES]) {
        let [a, _]: [[f32; LANES]; 2] = cast(self.0.to_array());
        *lo = a;
    }
}

impl Isa for Sse2 {
    type V = Wide;
    type Sweep = Self;
    const BLOCKS: usize = 2;
    const MANY_REGISTERS: bool = false;
    const TILE: usize = 2;

    #[inline(always)]
    fn splat(self, x: f32) -> Wide {
        Wide(f32x16::splat(x))
    }

    #[inline(always)]
    fn load(self, lo: &[f32; LANES], hi: &[f32; LANES]) -> Wide {
        Wide(f32x16::new(cast([*lo, *hi])))
    }

    #[inline(always)]
    fn run<R>(self, f: impl FnOnce() -> R) -> R {
        f()
    }

    #[inline(always)]
    fn sweep(self) -> Self {
        self
    }
}

/// AVX2 with FMA, proven present by `pulp`'s token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx2(V3);

impl Avx2 {
    /// The token, if this CPU has AVX2 and FMA.
    #[inline(always)]
    pub(crate) fn new() -> Option<Self> {
        if cfg!(miri) {
            return None;
        }
        V3::try_new().map(Avx2)
    }
}

/// Sixteen lanes in two AVX registers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ymm2 {
    t: V3,
    v: [__m256; 2],
}

impl Ymm2 {
    #[inline(always)]
    fn zip(self, b: Self, f: impl Fn(V3, __m256, __m256) -> __m256) -> Self {
        let [a0, a1] = self.v;
        let [b0, b1] = b.v;
        Ymm2 {
            t: self.t,
            v: [f(self.t, a0, b0), f(self.t, a1, b1)],
        }
    }
}

impl Add for Ymm2 {
    type Output = Self;
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        self.zip(b, |t, a, b| t.avx._mm256_add_ps(a, b))
    }
}

impl Sub for Ymm2 {
    type Output = Self;
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        self.zip(b, |t, a, b| t.avx._mm256_sub_ps(a, b))
    }
}

impl Mul for Ymm2 {
    type Output = Self;
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        self.zip(b, |t, a, b| t.avx._mm256_mul_ps(a, b))
    }
}

impl Lanes for Ymm2 {
    /// All-ones lanes where set, as the comparisons make them.
    type Mask = Ymm2;
    const WIDTH: usize = 2 * LANES;

    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        let t = self.t;
        Ymm2 {
            t,
            v: [
                t.fma._mm256_fmadd_ps(self.v[0], a.v[0], b.v[0]),
                t.fma._mm256_fmadd_ps(self.v[1], a.v[1], b.v[1]),
            ],
        }
    }

    #[inline(always)]
    fn lt(self, b: Self) -> Self {
        self.zip(b, |t, a, b| t.avx._mm256_cmp_ps::<_CMP_LT_OQ>(a, b))
    }

    #[inline(always)]
    fn select(m: Self, t: Self, f: Self) -> Self {
        let k = m.t;
        Ymm2 {
            t: k,
            v: [
                k.avx._mm256_blendv_ps(f.v[0], t.v[0], m.v[0]),
                k.avx._mm256_blendv_ps(f.v[1], t.v[1], m.v[1]),
            ],
        }
    }

    #[inline(always)]
    fn bits(m: Self) -> u32 {
        let lanes = |v| m.t.avx._mm256_movemask_ps(v) as u32;
        lanes(m.v[0]) | lanes(m.v[1]) << 8
    }

    #[inline(always)]
    fn is_number(self) -> Self {
        self.zip(self, |t, a, b| t.avx._mm256_cmp_ps::<_CMP_ORD_Q>(a, b))
    }

    #[inline(always)]
    fn keep(self, m: Self) -> Self {
        self.zip(m, |t, a, m| t.avx._mm256_and_ps(a, m))
    }

    #[inline(always)]
    fn min(self, b: Self) -> Self {
        self.zip(b, |t, a, b| t.avx._mm256_min_ps(a, b))
    }

    #[inline(always)]
    fn max(self, b: Self) -> Self {
        self.zip(b, |t, a, b| t.avx._mm256_max_ps(a, b))
    }

    #[inline(always)]
    fn div(self, b: Self) -> Self {
        self.zip(b, |t, a, b| t.avx._mm256_div_ps(a, b))
    }

    #[inline(always)]
    fn sqrt(self) -> Self {
        self.zip(self, |t, a, _| t.avx._mm256_sqrt_ps(a))
    }

    #[inline(always)]
    fn to_array(self) -> [f32; 2 * LANES] {
        cast(self.v)
    }

    #[inline(always)]
    fn store(self, lo: &mut [f32; LANES], hi: &mut [f32; LANES]) {
        *lo = cast(self.v[0]);
        *hi = cast(self.v[1]);
    }

    #[inline(always)]
    fn store_lo(self, lo: &mut [f32; LANES]) {
        *lo = cast(self.v[0]);
    }
}

impl Isa for Avx2 {
    type V = Ymm2;
    type Sweep = Self;
    const BLOCKS: usize = 2;
    const MANY_REGISTERS: bool = false;
    const TILE: usize = 4;

    #[inline(always)]
    fn splat(self, x: f32) -> Ymm2 {
        let v = self.0.avx._mm256_set1_ps(x);
        Ymm2 {
            t: self.0,
            v: [v, v],
        }
    }

    #[inline(always)]
    fn load(self, lo: &[f32; LANES], hi: &[f32; LANES]) -> Ymm2 {
        Ymm2 {
            t: self.0,
            v: [cast(*lo), cast(*hi)],
        }
    }

    #[inline(always)]
    fn run<R>(self, f: impl FnOnce() -> R) -> R {
        self.0.vectorize(f)
    }

    #[inline(always)]
    fn sweep(self) -> Self {
        self
    }
}

/// AVX-512 (F, BW, CD, DQ, VL), proven present by `pulp`'s token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx512(V4);

impl Avx512 {
    /// The token, if this CPU has AVX-512.
    #[inline(always)]
    pub(crate) fn new() -> Option<Self> {
        if cfg!(miri) {
            return None;
        }
        V4::try_new().map(Avx512)
    }
}

impl Avx512 {
    /// The same CPU at [`Level::Avx512Split`](super::Level::Avx512Split).
    #[inline(always)]
    pub(crate) fn split(self) -> Avx512Split {
        Avx512Split(self.0)
    }
}

/// Whether this core runs 512-bit operations as two 256-bit halves, so that
/// [`Level::Avx512Split`](super::Level::Avx512Split) pays: AMD's Zen 4 (family 19h; Zen 3,
/// the same family, has no AVX-512). Intel's cores and Zen 5 run them whole. Measured on the
/// fused online step, interleaved runs of one build: Zen 4 at 900 x 64, 5.2 us a step with
/// halves against 5.9-6.1 us whole; an Intel Xeon (Emerald Rapids), 9.1 against 8.0 G pairs/s
/// whole against halves (2500 x 32: 9.3-9.7 against 7.0-8.7). Asked of `cpuid` once (under a
/// hypervisor `cpuid` traps, microseconds a call), then kept.
pub(crate) fn splits_512() -> bool {
    use core::sync::atomic::{AtomicU8, Ordering};
    const UNKNOWN: u8 = 2;
    static SPLIT: AtomicU8 = AtomicU8::new(UNKNOWN);
    match SPLIT.load(Ordering::Relaxed) {
        UNKNOWN => {
            let cpu = raw_cpuid::CpuId::new();
            let amd = cpu
                .get_vendor_info()
                .is_some_and(|v| v.as_str() == "AuthenticAMD");
            let zen4 = cpu
                .get_feature_info()
                .is_some_and(|f| f.family_id() == 0x19);
            let split = amd && zen4;
            SPLIT.store(u8::from(split), Ordering::Relaxed);
            split
        }
        known => known == 1,
    }
}

/// [`Level::Avx512Split`](super::Level::Avx512Split): [`Avx512`]'s vectors, with the online
/// sweep on [`Avx512Halves`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx512Split(V4);

impl Isa for Avx512Split {
    type V = Zmm;
    type Sweep = Avx512Halves;
    const BLOCKS: usize = Avx512::BLOCKS;
    const MANY_REGISTERS: bool = Avx512::MANY_REGISTERS;
    const TILE: usize = Avx512::TILE;

    #[inline(always)]
    fn splat(self, x: f32) -> Zmm {
        Avx512(self.0).splat(x)
    }

    #[inline(always)]
    fn load(self, lo: &[f32; LANES], hi: &[f32; LANES]) -> Zmm {
        Avx512(self.0).load(lo, hi)
    }

    #[inline(always)]
    fn array(self, a: &[f32; 2 * LANES]) -> Zmm {
        Avx512(self.0).array(a)
    }

    #[inline(always)]
    fn run<R>(self, f: impl FnOnce() -> R) -> R {
        self.0.vectorize(f)
    }

    #[inline(always)]
    fn sweep(self) -> Avx512Halves {
        Avx512Halves(self.0)
    }
}

/// AVX-512's 32 registers and encodings, with AVX2's vectors: sixteen lanes as two 256-bit
/// halves, one a block. For the online sweep, which loads and stores its rows a block at a
/// time: a 512-bit row must be assembled from its two blocks (`vinsertf64x4`) and taken apart
/// to be stored (`vextractf64x4` to memory), which on a core that runs 512-bit operations as
/// two 256-bit halves (Zen 4) buys nothing and costs the extra instructions. The same
/// operations as [`Avx2`], so the same bits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx512Halves(V4);

impl Isa for Avx512Halves {
    type V = Ymm2;
    type Sweep = Self;
    const BLOCKS: usize = 2;
    const MANY_REGISTERS: bool = true;
    const TILE: usize = 8;

    #[inline(always)]
    fn splat(self, x: f32) -> Ymm2 {
        Avx2(*self.0).splat(x)
    }

    #[inline(always)]
    fn load(self, lo: &[f32; LANES], hi: &[f32; LANES]) -> Ymm2 {
        Avx2(*self.0).load(lo, hi)
    }

    #[inline(always)]
    fn run<R>(self, f: impl FnOnce() -> R) -> R {
        self.0.vectorize(f)
    }

    #[inline(always)]
    fn sweep(self) -> Self {
        self
    }
}

/// Sixteen lanes in one AVX-512 register.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Zmm {
    t: V4,
    v: __m512,
}

impl Zmm {
    #[inline(always)]
    fn zip(self, b: Self, f: impl Fn(V4, __m512, __m512) -> __m512) -> Self {
        Zmm {
            t: self.t,
            v: f(self.t, self.v, b.v),
        }
    }
}

impl Add for Zmm {
    type Output = Self;
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        self.zip(b, |t, a, b| t.avx512f._mm512_add_ps(a, b))
    }
}

impl Sub for Zmm {
    type Output = Self;
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        self.zip(b, |t, a, b| t.avx512f._mm512_sub_ps(a, b))
    }
}

impl Mul for Zmm {
    type Output = Self;
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        self.zip(b, |t, a, b| t.avx512f._mm512_mul_ps(a, b))
    }
}

/// A lane mask of AVX-512 (one bit a lane), with its token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mask16 {
    t: V4,
    bits: u16,
}

impl Lanes for Zmm {
    type Mask = Mask16;
    const WIDTH: usize = 2 * LANES;

    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        Zmm {
            t: self.t,
            v: self.t.avx512f._mm512_fmadd_ps(self.v, a.v, b.v),
        }
    }

    #[inline(always)]
    fn lt(self, b: Self) -> Mask16 {
        Mask16 {
            t: self.t,
            bits: self.t.avx512f._mm512_cmp_ps_mask::<_CMP_LT_OQ>(self.v, b.v),
        }
    }

    #[inline(always)]
    fn select(m: Mask16, t: Self, f: Self) -> Self {
        Zmm {
            t: m.t,
            v: m.t.avx512f._mm512_mask_blend_ps(m.bits, f.v, t.v),
        }
    }

    #[inline(always)]
    fn bits(m: Mask16) -> u32 {
        u32::from(m.bits)
    }

    #[inline(always)]
    fn is_number(self) -> Mask16 {
        Mask16 {
            t: self.t,
            bits: self
                .t
                .avx512f
                ._mm512_cmp_ps_mask::<_CMP_ORD_Q>(self.v, self.v),
        }
    }

    #[inline(always)]
    fn keep(self, m: Mask16) -> Self {
        Zmm {
            t: m.t,
            v: m.t.avx512f._mm512_maskz_mov_ps(m.bits, self.v),
        }
    }

    #[inline(always)]
    fn min(self, b: Self) -> Self {
        self.zip(b, |t, a, b| t.avx512f._mm512_min_ps(a, b))
    }

    #[inline(always)]
    fn max(self, b: Self) -> Self {
        self.zip(b, |t, a, b| t.avx512f._mm512_max_ps(a, b))
    }

    #[inline(always)]
    fn div(self, b: Self) -> Self {
        self.zip(b, |t, a, b| t.avx512f._mm512_div_ps(a, b))
    }

    #[inline(always)]
    fn sqrt(self) -> Self {
        self.zip(self, |t, a, _| t.avx512f._mm512_sqrt_ps(a))
    }

    #[inline(always)]
    fn to_array(self) -> [f32; 2 * LANES] {
        cast(self.v)
    }

    #[inline(always)]
    fn store(self, lo: &mut [f32; LANES], hi: &mut [f32; LANES]) {
        let f = self.t.avx512f;
        *lo = cast(f._mm512_castps512_ps256(self.v));
        *hi = cast(self.t.avx512dq._mm512_extractf32x8_ps::<1>(self.v));
    }

    #[inline(always)]
    fn store_lo(self, lo: &mut [f32; LANES]) {
        *lo = cast(self.t.avx512f._mm512_castps512_ps256(self.v));
    }
}

impl Isa for Avx512 {
    type V = Zmm;
    type Sweep = Self;
    const BLOCKS: usize = 2;
    const MANY_REGISTERS: bool = true;
    const TILE: usize = 8;

    #[inline(always)]
    fn splat(self, x: f32) -> Zmm {
        Zmm {
            t: self.0,
            v: self.0.avx512f._mm512_set1_ps(x),
        }
    }

    #[inline(always)]
    fn load(self, lo: &[f32; LANES], hi: &[f32; LANES]) -> Zmm {
        let t = self.0;
        let lo: __m256 = cast(*lo);
        let hi: __m256 = cast(*hi);
        Zmm {
            t,
            v: t.avx512dq
                ._mm512_insertf32x8::<1>(t.avx512f._mm512_castps256_ps512(lo), hi),
        }
    }

    /// One 512-bit load (the default's two halves stay two instructions).
    #[inline(always)]
    fn array(self, a: &[f32; 2 * LANES]) -> Zmm {
        Zmm {
            t: self.0,
            v: cast(*a),
        }
    }

    #[inline(always)]
    fn run<R>(self, f: impl FnOnce() -> R) -> R {
        self.0.vectorize(f)
    }

    #[inline(always)]
    fn sweep(self) -> Self {
        self
    }
}
