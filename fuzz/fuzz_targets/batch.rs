//! Batch statistics (`BatchStats::accumulate`, `add`, `merge`) and the batch apply
//! (`MapMut::apply_batch`) against the scalar reference, on arbitrary maps and data, arbitrary
//! counts and sums, and wrong shapes.
#![no_main]

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use som_fuzz::{
    Case, Palette, at_edge, max_abs, near, neighbourhood, raw_h, row_major, same, sane, threshold,
};
use som_kernel::{BatchStats, Bmu, Error, Map, MapMut, reference};

fuzz_target!(|bytes: &[u8]| {
    let mut u = Unstructured::new(bytes);
    let Ok(Some(c)) = Case::draw(&mut u, 10, 16, 24) else {
        return;
    };
    let (units, dim, grid) = (c.units(), c.dim, c.grid);
    let map = Map::new(grid, dim, &c.blocked).expect("a well-formed map");

    // Buffers of the wrong shape are refused.
    let (hl, sl) = (
        u.int_in_range(0..=units + 1).unwrap_or(0),
        u.int_in_range(0..=units * dim + 1).unwrap_or(0),
    );
    let (mut h, mut s) = (vec![0u64; hl], vec![0f64; sl]);
    let stats = BatchStats::new(&mut h, &mut s, units, dim);
    assert_eq!(stats.is_ok(), hl == units && sl == units * dim);
    assert!(BatchStats::new(&mut [], &mut [], 0, dim).is_err());

    // Accumulate: NaN or infinity anywhere is refused before anything is counted.
    let (mut hits, mut sums) = (vec![0u64; units], vec![0f64; units * dim]);
    let mut stats = BatchStats::new(&mut hits, &mut sums, units, dim).expect("right shapes");
    let finite = c.data.iter().all(|v| v.is_finite());
    let qe = stats.accumulate(&map, &c.data);
    if !finite {
        assert!(matches!(qe, Err(Error::NonFinite { .. })));
        assert!(stats.hits().iter().all(|&n| n == 0));
        assert!(stats.sums().iter().all(|&v| v == 0.0));
        return;
    }
    let qe = qe.expect("finite whole samples");
    if dim > 1 && !c.data.is_empty() {
        let (mut h, mut s) = (vec![0u64; units], vec![0f64; units * dim]);
        let mut part = BatchStats::new(&mut h, &mut s, units, dim).expect("right shapes");
        assert!(matches!(
            part.accumulate(&map, &c.data[1..]),
            Err(Error::Length { .. })
        ));
    }

    // Against the reference on exact data; otherwise against the kernel's own BMUs (whose
    // agreement with the reference the `bmu` target checks).
    let (mut rh, mut rs) = (vec![0u64; units], vec![0f64; units * dim]);
    if c.palette == Palette::Exact {
        reference::accumulate(&c.codebook, dim, &c.data, &mut rh, &mut rs);
    } else {
        let mut many = vec![
            Bmu {
                unit: 0,
                dist2: 0.0
            };
            c.n()
        ];
        map.bmu_many(&c.data, &mut many).expect("whole samples");
        let mut want_qe = 0.0f64;
        for (x, b) in c.samples().zip(&many) {
            rh[b.unit] += 1;
            for (s, &v) in rs[b.unit * dim..(b.unit + 1) * dim].iter_mut().zip(x) {
                *s += f64::from(v);
            }
            want_qe += f64::from(b.dist2.sqrt());
        }
        assert!(same(qe as f32, want_qe as f32), "{qe} vs {want_qe}");
    }
    let (mut hits2, mut sums2) = (vec![0u64; units], vec![0f64; units * dim]);
    let mut whole = BatchStats::new(&mut hits2, &mut sums2, units, dim).expect("right shapes");
    whole
        .accumulate(&map, &c.data)
        .expect("finite whole samples");
    assert_eq!(whole.hits(), &rh[..]);
    assert_eq!(whole.sums(), &rs[..]);

    // Two shards merged equal the whole (sums up to f64 rounding of a different order).
    let cut = u.int_in_range(0..=c.n()).unwrap_or(0) * dim;
    let (mut h1, mut s1) = (vec![0u64; units], vec![0f64; units * dim]);
    let (mut h2, mut s2) = (vec![0u64; units], vec![0f64; units * dim]);
    BatchStats::new(&mut h1, &mut s1, units, dim)
        .expect("right shapes")
        .accumulate(&map, &c.data[..cut])
        .expect("finite whole samples");
    let mut second = BatchStats::new(&mut h2, &mut s2, units, dim).expect("right shapes");
    second
        .accumulate(&map, &c.data[cut..])
        .expect("finite whole samples");
    second.merge(&h1, &s1).expect("same shapes");
    assert_eq!(second.hits(), &rh[..]);
    let scale = f64::from(max_abs(&c.data)) * c.n() as f64;
    for (a, b) in second.sums().iter().zip(&rs) {
        assert!((a - b).abs() <= 1e-12 * scale, "{a} vs {b}");
    }
    assert!(second.merge(&h1[..units - 1], &s1).is_err());

    // Arbitrary counts and sums merge without a panic (counts saturate).
    let big: Vec<u64> = (0..units).map(|_| u.arbitrary().unwrap_or(0)).collect();
    let wild: Vec<f64> = (0..units * dim)
        .map(|_| f64::from_bits(u.arbitrary().unwrap_or(0)))
        .collect();
    let before: Vec<u64> = second.hits().to_vec();
    second.merge(&big, &wild).expect("same shapes");
    for ((&after, &a), &b) in second.hits().iter().zip(&before).zip(&big) {
        assert_eq!(after, a.saturating_add(b));
    }

    // add(): one sample at a time.
    if let Some(x) = c.samples().next() {
        let k = u.int_in_range(0..=units).unwrap_or(0);
        let (mut h3, mut s3) = (vec![0u64; units], vec![0f64; units * dim]);
        let mut one = BatchStats::new(&mut h3, &mut s3, units, dim).expect("right shapes");
        let r = one.add(k, x);
        if k < units {
            r.expect("a unit and a finite sample");
            assert_eq!(one.hits()[k], 1);
            assert!(
                one.sums()[k * dim..(k + 1) * dim]
                    .iter()
                    .zip(x)
                    .all(|(&s, &v)| s == f64::from(v))
            );
        } else {
            assert!(matches!(r, Err(Error::TooLarge { .. })));
        }
        assert!(one.add(0, &x[1..]).is_err());
    }

    // The batch apply, from the reference's statistics of the data.
    let Ok(Some(nb)) = neighbourhood(&mut u) else {
        return;
    };
    let mut blocked = c.blocked.clone();
    let mut mm = MapMut::new(grid, dim, &mut blocked).expect("a well-formed map");
    assert!(mm.apply_batch(&rh[1..], &rs, &nb).is_err());
    assert!(mm.apply_batch(&rh, &rs[1..], &nb).is_err());
    let result = mm.apply_batch(&rh, &rs, &nb);
    if nb.can_be_negative() {
        assert!(matches!(result, Err(Error::Unsupported { .. })));
        assert!(
            mm.as_map()
                .weights()
                .iter()
                .zip(&c.blocked)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        return;
    }
    result.expect("non-negative neighbourhood");
    let got = row_major(mm.as_map().weights(), units, dim);
    let mut want = c.codebook.clone();
    reference::apply_batch(&mut want, &grid, dim, &rh, &rs, &nb);
    let m = max_abs(&c.data);
    if sane(&c.data) {
        for j in 0..units {
            // A source whose h is within rounding of the threshold may count for one and not
            // for the other: skip the units it feeds.
            if (0..units).any(|i| rh[i] > 0 && at_edge(&nb, grid.dist2(j, i))) {
                continue;
            }
            for d in 0..dim {
                let (a, b) = (got[j * dim + d], want[j * dim + d]);
                // f32 sums of up to `units` terms against f64: relative to the data's scale
                // (a weighted mean of samples is no larger than the largest sample).
                let tol = 1e-4 * m + 1e-20;
                assert!(near(a, b, tol), "unit {j} dim {d}: {a} vs {b}");
            }
        }
    }

    // Arbitrary counts and sums: no panic; units whose neighbourhood has no sample keep their
    // weights.
    let mut blocked = c.blocked.clone();
    let mut mm = MapMut::new(grid, dim, &mut blocked).expect("a well-formed map");
    let counts: Vec<u64> = (0..units)
        .map(|_| {
            if u.ratio(1u8, 2).unwrap_or(true) {
                0
            } else {
                u.arbitrary().unwrap_or(0)
            }
        })
        .collect();
    let sums: Vec<f64> = (0..units * dim)
        .map(|_| f64::from(som_fuzz::value(&mut u, c.palette).unwrap_or(0.0)))
        .collect();
    mm.apply_batch(&counts, &sums, &nb).expect("right shapes");
    let got = row_major(mm.as_map().weights(), units, dim);
    let t = f64::from(threshold(&nb));
    for j in 0..units {
        let fed =
            (0..units).any(|i| counts[i] > 0 && raw_h(&nb, grid.dist2(j, i)) >= t * (1.0 - 1e-5));
        if !fed {
            for d in 0..dim {
                let (old, new) = (c.codebook[j * dim + d], got[j * dim + d]);
                assert!(
                    same(old, new),
                    "unit {j} fed by nothing changed: {old} -> {new}"
                );
            }
        }
    }
});
