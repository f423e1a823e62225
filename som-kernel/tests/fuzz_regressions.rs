//! Inputs the fuzz targets (`fuzz/`) found, kept as tests. Each failed before its fix: a panic
//! in a debug build (overflow checks), or a broken promise of the documentation.

use som_kernel::{
    BatchStats, Boundary, Grid, Map, MapMut, Neighbourhood, Shape, Topology, blocked_len, layout,
    reference,
};

/// `fuzz/batch`: merging counts near `u64::MAX` overflowed (a panic with overflow checks, a
/// wrapped count without). Counts saturate.
#[test]
fn merged_and_added_counts_saturate() {
    let (mut hits, mut sums) = ([u64::MAX - 1, 7], [0.0f64; 2]);
    let mut stats = BatchStats::new(&mut hits, &mut sums, 2, 1).unwrap();
    stats.merge(&[5, 1], &[1.0, 2.0]).unwrap();
    assert_eq!(stats.hits(), &[u64::MAX, 8]);
    stats.add(0, &[0.5]).unwrap();
    assert_eq!(stats.hits(), &[u64::MAX, 8]);
    assert_eq!(stats.sums(), &[1.5, 2.0]);

    // Buffers are taken as they are (not cleared), so accumulate can start from a full count.
    let weights = [0.0f32; blocked_len(2, 1)];
    let map = Map::new(Grid::new(1, 2).unwrap(), 1, &weights).unwrap();
    stats.accumulate(&map, &[0.0, 0.0]).unwrap();
    assert_eq!(stats.hits()[0], u64::MAX);

    // The reference counts the same way.
    let (mut rh, mut rs) = ([u64::MAX, 0], [0.0f64; 2]);
    reference::accumulate(&[0.0, 1.0], 1, &[0.0], &mut rh, &mut rs);
    assert_eq!(rh, [u64::MAX, 0]);
}

/// `fuzz/metrics`: the neighbours of a unit index far past the map overflowed `row + 1`.
/// Any index is accepted; one past the map has no meaningful neighbours, but no panic.
#[test]
fn neighbours_of_absurd_indices_do_not_panic() {
    for boundary in [Boundary::Planar, Boundary::Toroidal] {
        for topology in [Topology::Rectangular, Topology::Hexagonal] {
            let g = Grid::with(4, 1, topology, boundary).unwrap();
            for k in [
                isize::MAX as usize,
                isize::MAX as usize + 1,
                usize::MAX,
                usize::MAX - 1,
            ] {
                let n = g.neighbours(k);
                assert!(n.as_slice().len() <= 8);
                let _ = (
                    g.adjacent(k, 0),
                    g.adjacent(0, k),
                    g.position(k),
                    g.dist2(k, 0),
                );
            }
        }
    }
}

/// `fuzz/batch`: a per-unit sum beyond the range of `f32` (finite in `f64`) became infinite in
/// the batch apply, and `0 * inf` turned units that nothing feeds into NaN, although they keep
/// their weights.
#[test]
fn units_fed_by_nothing_keep_their_weights_next_to_an_overflowing_sum() {
    let grid = Grid::new(1, 2).unwrap();
    let mut weights = [0.0f32; blocked_len(2, 1)];
    layout::to_blocked(&[-2.0, 5.0], 2, 1, &mut weights).unwrap();
    // Unit 1 won two samples of 3e38: their sum, 6e38, is finite only in f64.
    let (hits, sums) = ([0u64, 2], [0.0f64, 6e38]);
    for nb in [
        Neighbourhood::new(Shape::Bubble, 0.5).unwrap(),
        Neighbourhood::new(Shape::Triangle, 2.350_988_6e-38).unwrap(),
        Neighbourhood::new(Shape::Gaussian, 0.05).unwrap(),
    ] {
        let mut w = weights;
        MapMut::new(grid, 1, &mut w)
            .unwrap()
            .apply_batch(&hits, &sums, &nb)
            .unwrap();
        assert_eq!(w[0], -2.0, "{nb:?}");
        let mut want = [-2.0f32, 5.0];
        reference::apply_batch(&mut want, &grid, 1, &hits, &sums, &nb);
        assert_eq!(want[0], -2.0);
    }
}

/// The reference accepts any lengths, `dim = 0` included (its batch apply divided the sums
/// into chunks of 0).
#[test]
fn reference_accepts_dim_zero() {
    let grid = Grid::new(1, 2).unwrap();
    let nb = Neighbourhood::new(Shape::Gaussian, 1.0).unwrap();
    let mut codebook = [1.0f32, 2.0];
    reference::apply_batch(&mut codebook, &grid, 0, &[1, 1], &[0.5, 0.5], &nb);
    reference::update(&mut codebook, &grid, 0, &[], 0, &nb, 0.5);
    let _ = reference::bmu(&codebook, 0, &[]);
    let _ = reference::quantization_error(&codebook, 0, &[1.0]);
    let mut u = [0.0f32; 2];
    reference::umatrix(&codebook, &grid, 0, &mut u);
}

/// `fuzz/update`: with `sigma = 2.26e-23`, `2 sigma^2` underflowed to 0 in the SIMD update
/// (`s * s` first) but not in the reference (`2 * s` first), so the winner's `h` was `0 / 0`
/// there and 1 here, and the winner did not move. Widths below `MIN_SIGMA` are raised to it;
/// at the other end, a width whose square overflows covers the whole map. Both ends are the
/// same in every path as in the reference, on data where the arithmetic is exact.
#[test]
fn extreme_widths_agree_with_the_reference() {
    let tiny = [2.264_568_3e-23, f32::MIN_POSITIVE, 1e-45, 1e-30];
    let huge = [1e20, 3e30, f32::MAX];
    let shapes = [
        Shape::Gaussian,
        Shape::Bubble,
        Shape::Triangle,
        Shape::MexicanHat,
    ];
    let grids = [
        (1, 3, Topology::Hexagonal, Boundary::Planar),
        (2, 3, Topology::Hexagonal, Boundary::Toroidal),
        (3, 4, Topology::Rectangular, Boundary::Planar),
        (2, 5, Topology::Rectangular, Boundary::Toroidal),
    ];
    // Miri takes minutes over all of them: the fuzz case's grid and dimension there.
    let (grids, dims) = if cfg!(miri) {
        (&grids[..1], &[1][..])
    } else {
        (&grids[..], &[1, 9][..])
    };
    for &(rows, cols, topology, boundary) in grids {
        let grid = Grid::with(rows, cols, topology, boundary).unwrap();
        let units = rows * cols;
        for &dim in dims {
            let codebook: Vec<f32> = (0..units * dim)
                .map(|i| ((i * 7) % 13) as f32 * 0.25 - 1.5)
                .collect();
            let x: Vec<f32> = (0..dim).map(|k| k as f32 * 0.5 - 1.125).collect();
            let mut blocked = vec![0.0f32; blocked_len(units, dim)];
            for &sigma in tiny.iter().chain(&huge) {
                for shape in shapes {
                    let nb = Neighbourhood::new(shape, sigma).unwrap();
                    let case = format!(
                        "{rows}x{cols} {topology:?} {boundary:?} dim {dim} {shape:?} sigma {sigma}"
                    );
                    // The codebook after `op` on a map made from it, row-major.
                    let mut after = |op: &dyn Fn(&mut MapMut<'_>)| {
                        layout::to_blocked(&codebook, units, dim, &mut blocked).unwrap();
                        let mut map = MapMut::new(grid, dim, &mut blocked).unwrap();
                        op(&mut map);
                        let mut got = vec![0.0f32; units * dim];
                        layout::to_row_major(map.as_map().weights(), units, dim, &mut got).unwrap();
                        got
                    };
                    for winner in [0, units - 1] {
                        let got = after(&|map| map.update(&x, winner, &nb, 0.5).unwrap());
                        let mut want = codebook.clone();
                        reference::update(&mut want, &grid, dim, &x, winner, &nb, 0.5);
                        assert_eq!(got, want, "{case} winner {winner}");
                        let moved = (0..units)
                            .filter(|u| got[u * dim..][..dim] != codebook[u * dim..][..dim])
                            .count();
                        if tiny.contains(&sigma) {
                            assert_eq!(moved, 1, "{case}: the winner alone moves");
                        } else if shape != Shape::MexicanHat {
                            assert_eq!(moved, units, "{case}: every unit moves");
                        }
                    }
                    if nb.can_be_negative() {
                        continue;
                    }
                    // Batch: every other unit won one sample, its own weights plus 1.
                    let hits: Vec<u64> = (0..units).map(|u| (u % 2) as u64).collect();
                    let sums: Vec<f64> = (0..units * dim)
                        .map(|i| hits[i / dim] as f64 * (f64::from(codebook[i]) + 1.0))
                        .collect();
                    let got = after(&|map| map.apply_batch(&hits, &sums, &nb).unwrap());
                    let mut want = codebook.clone();
                    reference::apply_batch(&mut want, &grid, dim, &hits, &sums, &nb);
                    assert_eq!(got, want, "{case} batch");
                }
            }
        }
    }
}
