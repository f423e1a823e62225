//! SIMD best-matching-unit search (`bmu`, `bmu2`, `bmu_many`) against the scalar reference,
//! on arbitrary maps and samples, plus wrong lengths, which must be errors.
#![no_main]

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use som_fuzz::{BMU_TOL, Case, Palette, TINY, near, sane};
use som_kernel::{Bmu, Distance, Error, Map, Missing, blocked_len, reference};

fuzz_target!(|bytes: &[u8]| {
    let mut u = Unstructured::new(bytes);
    let Ok(Some(c)) = Case::draw(&mut u, 12, 24, 12) else {
        return;
    };
    let (units, dim) = (c.units(), c.dim);

    // A codebook of the wrong length, or dim 0, is refused when the view is built.
    let wrong = u.int_in_range(0..=blocked_len(units, dim) + 9).unwrap_or(0);
    if wrong != c.blocked.len() {
        let short = vec![0.0; wrong];
        assert!(matches!(
            Map::new(c.grid, dim, &short),
            Err(Error::Length { .. })
        ));
    }
    assert!(matches!(
        Map::new(c.grid, 0, &c.blocked),
        Err(Error::Zero { .. })
    ));

    let map = Map::new(c.grid, dim, &c.blocked).expect("a well-formed map");

    // Samples of the wrong length: errors from the kernel; the reference copes with anything.
    let len = u.int_in_range(0..=dim + 3).unwrap_or(0);
    if len != dim {
        let x = vec![0.5; len];
        assert!(matches!(map.bmu(&x), Err(Error::Length { .. })));
        assert!(matches!(map.bmu2(&x), Err(Error::Length { .. })));
        let _ = reference::bmu(&c.codebook, dim, &x);
        let _ = reference::bmu2(&c.codebook, dim, &x);
        let _ = reference::bmu(&c.codebook[..c.codebook.len() / 2], dim, &x);
    }
    // Data that is not whole samples, or an output of the wrong length.
    let mut out = vec![
        Bmu {
            unit: usize::MAX,
            dist2: -1.0
        };
        c.n() + 1
    ];
    if !c.data.is_empty() {
        assert!(map.bmu_many(&c.data[1..], &mut out[..c.n()]).is_err());
    }
    assert!(map.bmu_many(&c.data, &mut out).is_err());

    let many = &mut out[..c.n()];
    map.bmu_many(&c.data, many).expect("whole samples");
    let sane_map = c.sane_codebook();
    for (x, m) in c.samples().zip(many.iter()) {
        let got = map.bmu(x).expect("a sample of length dim");
        let got2 = map.bmu2(x).expect("a sample of length dim");
        let want = reference::bmu(&c.codebook, dim, x);
        let want2 = reference::bmu2(&c.codebook, dim, x);

        // Whatever the data: a real unit, never a NaN distance, two distinct units in order.
        for b in [got, *m, got2[0]] {
            assert!(b.unit < units, "{b:?} of {units}");
            assert!(!b.dist2.is_nan() && b.dist2 >= 0.0, "{b:?}");
        }
        assert_ne!(got2[0].unit, got2[1].unit);
        assert!(got2[1].unit < units.max(2));
        assert!(got2[0].dist2 <= got2[1].dist2, "{got2:?}");

        if c.palette == Palette::Exact {
            assert_eq!(got, want, "bmu of {x:?}");
            assert_eq!(*m, want, "bmu_many of {x:?}");
            assert_eq!(got2, want2, "bmu2 of {x:?}");
        } else if sane_map && sane(x) {
            // The unit chosen is never farther than the true minimum, up to rounding.
            let truth = want.dist2;
            let ref_dist = |k: usize| reference::dist2(x, c.unit(k));
            for b in [got, *m] {
                assert!(
                    ref_dist(b.unit) <= truth * (1.0 + BMU_TOL) + TINY,
                    "{b:?} vs {want:?}"
                );
                assert!(
                    near(b.dist2, ref_dist(b.unit), BMU_TOL * truth.max(1.0) + TINY),
                    "{b:?} reported, {} by the reference",
                    ref_dist(b.unit)
                );
            }
            assert!(ref_dist(got2[0].unit) <= want2[0].dist2 * (1.0 + BMU_TOL) + TINY);
            if units > 1 {
                assert!(ref_dist(got2[1].unit) <= want2[1].dist2 * (1.0 + BMU_TOL) + TINY);
            }
        }
    }

    // Masking (SOM_PAK's missing values): holes punched at random; a NaN component is left
    // out, as the reference leaves it out, and a sample with none present has no unit.
    let holes: Vec<f32> = c
        .data
        .iter()
        .map(|&v| {
            if u.ratio(1, 4).unwrap_or(false) {
                f32::NAN
            } else {
                v
            }
        })
        .collect();
    let masked = map
        .with_missing(Missing::Mask)
        .expect("the Euclidean distance masks");
    let mut many = vec![Bmu::NONE; c.n()];
    masked.bmu_many(&holes, &mut many).expect("whole samples");
    for (x, m) in holes.chunks_exact(dim).zip(&many) {
        let got = masked.bmu(x).expect("a sample of length dim");
        assert_eq!((got.unit, got.dist2.to_bits()), (m.unit, m.dist2.to_bits()));
        assert_eq!(got.is_none(), x.iter().all(|v| v.is_nan()), "{x:?}");
        if c.palette == Palette::Exact {
            let want = reference::masked::bmu(Distance::Euclidean, &c.codebook, dim, x);
            assert_eq!(
                (got.unit, got.dist2.to_bits()),
                (want.unit, want.dist2.to_bits()),
                "masked bmu of {x:?}"
            );
        }
    }
});
