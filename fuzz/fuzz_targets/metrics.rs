//! Metrics (quantization error, per-sample errors, topographic error, U-matrix), unit access,
//! the layout conversions and the lattice's neighbours, against the scalar reference and
//! their own invariants, on arbitrary maps and data and wrong lengths.
#![no_main]

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use som_fuzz::{BMU_TOL, Case, Palette, TINY, near, same, sane};
use som_kernel::{Error, Map, layout, reference};

fuzz_target!(|bytes: &[u8]| {
    let mut u = Unstructured::new(bytes);
    let Ok(Some(c)) = Case::draw(&mut u, 12, 20, 12) else {
        return;
    };
    let (units, dim, grid) = (c.units(), c.dim, c.grid);
    let map = Map::new(grid, dim, &c.blocked).expect("a well-formed map");

    // Layout round trip, bit for bit, and wrong lengths refused.
    let mut back = vec![0.0f32; units * dim];
    layout::to_row_major(&c.blocked, units, dim, &mut back).expect("right lengths");
    assert!(
        back.iter()
            .zip(&c.codebook)
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    assert!(layout::to_row_major(&c.blocked, units, dim, &mut back[1..]).is_err());
    let mut blocked = c.blocked.clone();
    assert!(layout::to_blocked(&c.codebook[1..], units, dim, &mut blocked).is_err());
    assert!(layout::to_blocked(&c.codebook, units, 0, &mut blocked).is_err());

    // Unit access: a copy of the codebook; out of range is None or an error.
    let k = u.int_in_range(0..=units).unwrap_or(0);
    let d = u.int_in_range(0..=dim).unwrap_or(0);
    let w = map.weight(k, d);
    if k < units && d < dim {
        assert_eq!(w.map(f32::to_bits), Some(c.codebook[k * dim + d].to_bits()));
    } else {
        assert_eq!(w, None);
    }
    let mut out = vec![0.0f32; dim];
    let r = map.unit(k, &mut out);
    if k < units {
        r.expect("a unit");
        assert!(
            out.iter()
                .zip(c.unit(k))
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
    } else {
        assert!(matches!(r, Err(Error::TooLarge { .. })));
    }
    assert!(map.unit(0, &mut out[1..]).is_err());

    // The lattice: neighbours are distinct real units other than k, and neighbourhood is
    // mutual.
    let k = u.int_in_range(0..=units.saturating_sub(1)).unwrap_or(0);
    let ns = grid.neighbours(k);
    for (i, &j) in ns.as_slice().iter().enumerate() {
        assert!(j < units && j != k && !ns.as_slice()[..i].contains(&j));
        assert!(
            grid.adjacent(j, k),
            "{j} is a neighbour of {k} but not the reverse"
        );
        assert!(grid.dist2(k, j) > 0.0 && grid.dist2(k, j) <= 2.0 + 1e-5);
    }
    let far: usize = u.arbitrary().unwrap_or(0);
    let _ = (
        grid.neighbours(far),
        grid.position(far),
        grid.dist2(far, k),
        grid.row_col(far),
    );

    // Quantization error and per-sample errors.
    let qe = map.quantization_error(&c.data).expect("whole samples");
    let want = reference::quantization_error(&c.codebook, dim, &c.data) as f32;
    let mut each = vec![0.0f32; c.n()];
    map.quantization_errors(&c.data, &mut each)
        .expect("whole samples");
    assert!(
        map.quantization_errors(&c.data, &mut vec![0.0; c.n() + 1])
            .is_err()
    );
    if !c.data.is_empty() {
        assert!(map.quantization_error(&c.data[1..]).is_err() || dim == 1);
    }
    assert!(!qe.is_nan() && qe >= 0.0, "{qe}");
    if c.palette == Palette::Exact {
        assert!(
            same(qe, want) || (qe - want).abs() <= 1e-6 * want.max(1.0),
            "{qe} vs {want}"
        );
        for (e, x) in each.iter().zip(c.samples()) {
            let r = reference::bmu(&c.codebook, dim, x).dist2.sqrt();
            assert!(same(*e, r), "{e} vs {r}");
        }
    } else if c.sane_codebook() && sane(&c.data) {
        assert!(near(qe, want, BMU_TOL * want + TINY), "{qe} vs {want}");
        for (e, x) in each.iter().zip(c.samples()) {
            let r = reference::bmu(&c.codebook, dim, x).dist2.sqrt();
            assert!(near(*e, r, BMU_TOL * r + TINY), "{e} vs {r}");
        }
    }

    // Topographic error: a fraction; exact against the reference on exact data.
    let te = map.topographic_error(&c.data).expect("whole samples");
    assert!((0.0..=1.0).contains(&te), "{te}");
    if c.palette == Palette::Exact {
        assert_eq!(
            te,
            reference::topographic_error(&c.codebook, &grid, dim, &c.data) as f32
        );
    }

    // U-matrix.
    let mut um = vec![0.0f32; units];
    map.umatrix(&mut um).expect("one per unit");
    assert!(matches!(
        map.umatrix(&mut um[1..]),
        Err(Error::Length { .. })
    ));
    let mut rum = vec![0.0f32; units];
    reference::umatrix(&c.codebook, &grid, dim, &mut rum);
    for (a, b) in um.iter().zip(&rum) {
        if c.palette == Palette::Exact {
            assert!(same(*a, *b), "U-matrix {a} vs {b}");
        } else {
            assert!(near(*a, *b, 1e-5 * b.abs() + TINY), "U-matrix {a} vs {b}");
        }
    }
    // The reference takes any lengths.
    reference::umatrix(&c.codebook[..c.codebook.len() / 2], &grid, dim, &mut rum);
    let _ = reference::quantization_error(&c.codebook, dim, &c.data[..c.data.len() / 2]);
    let _ = reference::topographic_error(&c.codebook, &grid, dim + 1, &c.data);
});
