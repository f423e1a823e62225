//! Integer maps against the f32 reference: on small codes (f32 sums exact) the same unit and
//! distance; an update stays within one code of the f32 update at the map's own rate; any
//! input gives a result or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use som_kernel::int::{IntMap, IntMapMut, IntNeighbourhood, ONE, dist4};
use som_kernel::{Grid, Neighbourhood, Shape, reference};

fuzz_target!(|input: (u8, u8, u8, u8, u16, bool, Vec<i16>)| {
    let (rows, cols, dim, winner, alpha, bubble, raw) = input;
    let (rows, cols, dim) = (
        usize::from(rows % 8) + 1,
        usize::from(cols % 8) + 1,
        usize::from(dim % 8) + 1,
    );
    let Ok(grid) = Grid::new(rows, cols) else {
        return;
    };
    let units = grid.units();
    if raw.len() < (units + 1) * dim {
        return;
    }
    let small: Vec<i16> = raw.iter().map(|v| v % 512).collect();
    let (codes, x) = (&small[..units * dim], &small[units * dim..][..dim]);
    let f = |c: &[i16]| c.iter().map(|&v| f32::from(v)).collect::<Vec<f32>>();
    let map = IntMap::new(grid, dim, codes).unwrap();
    let got = map.bmu(x).unwrap();
    let want = reference::bmu(&f(codes), dim, &f(x));
    assert_eq!((got.unit, got.dist2 as f32), (want.unit, want.dist2));

    // Full-range codes for the update.
    let (codes, x) = (&raw[..units * dim], &raw[units * dim..][..dim]);
    let shape = if bubble {
        Shape::Bubble
    } else {
        Shape::Gaussian
    };
    let nb = Neighbourhood::new(shape, 1.5).unwrap();
    let inb = IntNeighbourhood::<512>::new(&grid, &nb).unwrap();
    let winner = usize::from(winner) % units;
    let mut out = codes.to_vec();
    let result = IntMapMut::new(grid, dim, &mut out)
        .unwrap()
        .update(x, winner, &inb, alpha);
    if i32::from(alpha) > ONE {
        assert!(result.is_err());
        assert_eq!(out, codes);
        return;
    }
    result.unwrap();
    for k in 0..units {
        let h = i32::from(inb.h(dist4(&grid, k, winner)));
        let rate = f64::from((i32::from(alpha) * h + (1 << 14)) >> 15) / f64::from(ONE);
        for d in 0..dim {
            let (w0, xd) = (f64::from(codes[k * dim + d]), f64::from(x[d]));
            let exact = w0 + rate * (xd - w0);
            assert!((f64::from(out[k * dim + d]) - exact).abs() <= 1.0);
        }
    }
});
