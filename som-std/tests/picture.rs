//! Pictures: sizes, cell geometry (squares, hexagons with odd rows shifted), colours at unit
//! centres, labels, and the PNG that comes out decoding to the same pixels.

use som_std::kernel::Grid;
use som_std::picture::{self, Palette, Picture, Rgb, Style};
use som_std::{Boundary, Topology};

/// A planar `rows x cols` grid.
fn grid(rows: usize, cols: usize, topology: Topology) -> Grid {
    Grid::with(rows, cols, topology, Boundary::Planar).unwrap()
}

fn style(cell: u32) -> Style {
    Style {
        cell,
        margin: 5,
        colour_bar: false,
        ..Style::default()
    }
}

/// A codebook of distinct colours, one per unit.
fn colour_codebook(units: usize) -> Vec<f32> {
    (0..units)
        .flat_map(|k| {
            let t = k as f32 / units as f32;
            [t, 1.0 - t, if k % 2 == 0 { 0.2 } else { 0.8 }]
        })
        .collect()
}

fn expected_colour(codebook: &[f32], k: usize) -> Rgb {
    let c = |v: f32| (v * 255.0).round() as u8;
    [
        c(codebook[3 * k]),
        c(codebook[3 * k + 1]),
        c(codebook[3 * k + 2]),
    ]
}

fn at(pic: &Picture, x: f32, y: f32) -> Rgb {
    pic.pixel(x as u32, y as u32).unwrap()
}

fn centre(pic: &Picture, k: usize) -> (f32, f32) {
    pic.unit_centre(k).unwrap()
}

/// Decodes a PNG into (width, height, RGB pixels).
fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[test]
fn rectangular_cells_are_squares_in_row_major_order() {
    let cb = colour_codebook(6);
    let pic = picture::rgb(&grid(2, 3, Topology::Rectangular), &cb, &style(20)).unwrap();
    assert_eq!((pic.width(), pic.height()), (5 + 60 + 5, 5 + 40 + 5));
    for k in 0..6 {
        let (row, col) = (k / 3, k % 3);
        assert_eq!(
            centre(&pic, k),
            (
                5.0 + 20.0 * col as f32 + 10.0,
                5.0 + 20.0 * row as f32 + 10.0
            )
        );
        let want = expected_colour(&cb, k);
        // The whole square, corners included, is the unit's colour.
        let (x0, y0) = (5 + 20 * col as u32, 5 + 20 * row as u32);
        for (x, y) in [
            (x0, y0),
            (x0 + 19, y0),
            (x0, y0 + 19),
            (x0 + 19, y0 + 19),
            (x0 + 10, y0 + 10),
        ] {
            assert_eq!(pic.pixel(x, y), Some(want), "unit {k} at ({x}, {y})");
        }
    }
    assert_eq!(pic.pixel(4, 4), Some([255, 255, 255])); // the margin
    assert_eq!(pic.pixel(70, 0), None);
    assert_eq!(pic.unit_centre(6), None);
}

#[test]
fn hexagonal_cells_are_hexagons_with_odd_rows_shifted() {
    let (rows, cols, cell) = (3, 4, 24u32);
    let cb = colour_codebook(rows * cols);
    let pic = picture::rgb(&grid(rows, cols, Topology::Hexagonal), &cb, &style(cell)).unwrap();
    let s = cell as f32;
    let r = s / 3f32.sqrt(); // circumradius: centre to the top vertex
    // Width: 4.5 cells; height: two circumradii plus two row steps of sqrt(3)/2 cells.
    assert_eq!(pic.width(), 10 + (4.5 * s).ceil() as u32);
    assert_eq!(
        pic.height(),
        10 + (2.0 * r + 2.0 * s * 3f32.sqrt() / 2.0).ceil() as u32
    );
    let (x0, y0) = centre(&pic, 0);
    assert_eq!((x0, y0), (5.0 + s / 2.0, 5.0 + r));
    // Odd rows half a cell right, rows sqrt(3)/2 cells apart.
    let (x4, y4) = centre(&pic, 4);
    assert!((x4 - x0 - s / 2.0).abs() < 1e-4 && (y4 - y0 - s * 0.866_025_4).abs() < 1e-3);
    let (x8, _) = centre(&pic, 8);
    assert_eq!(x8, x0);
    for k in 0..rows * cols {
        let (x, y) = centre(&pic, k);
        let want = expected_colour(&cb, k);
        assert_eq!(at(&pic, x, y), want, "centre of unit {k}");
        // Inside the hexagon near its flat sides and its pointed top and bottom.
        for (dx, dy) in [
            (-s / 2.0 + 2.0, 0.0),
            (s / 2.0 - 2.0, 0.0),
            (0.0, -r + 2.5),
            (0.0, r - 2.5),
        ] {
            assert_eq!(
                at(&pic, x + dx, y + dy),
                want,
                "unit {k} at offset ({dx}, {dy})"
            );
        }
    }
    // Row 0's hexagons: beside the top vertex (a corner of the bounding square) is outside;
    // above the top vertex is the margin.
    let white = [255, 255, 255];
    assert_eq!(at(&pic, x0 - s / 2.0 + 1.0, y0 - r + 1.0), white);
    assert_eq!(at(&pic, x0, y0 - r - 2.0), white);
    // Right of the last hexagon of an even row is outside (only odd rows reach there), left
    // of the first hexagon of an odd row too.
    let (x3, y3) = centre(&pic, 3);
    assert_eq!(at(&pic, x3 + s / 2.0 + 3.0, y3), white);
    assert_eq!(at(&pic, x4 - s / 2.0 - 3.0, y4), white);
    // Across a flat side is the neighbour in the same row.
    assert_eq!(at(&pic, x0 + s / 2.0 + 2.0, y0), expected_colour(&cb, 1));
    // Below the lower right slanted side of unit 0 is unit 4 (row 1, shifted right).
    assert_eq!(
        at(&pic, x0 + s / 4.0 + 1.0, y0 + r - 1.0),
        expected_colour(&cb, 4)
    );
}

#[test]
fn a_gap_separates_cells() {
    let cb = colour_codebook(4);
    let st = Style {
        gap: 2.0,
        ..style(24)
    };
    let pic = picture::rgb(&grid(1, 4, Topology::Hexagonal), &cb, &st).unwrap();
    let (x0, y0) = centre(&pic, 0);
    assert_eq!(at(&pic, x0, y0), expected_colour(&cb, 0));
    // On the shared side of units 0 and 1: background.
    assert_eq!(
        pic.pixel((x0 + 12.0) as u32, y0 as u32),
        Some([255, 255, 255])
    );
}

#[test]
fn png_decodes_to_the_same_pixels() {
    let cb = colour_codebook(12);
    let mut pic = picture::rgb(&grid(3, 4, Topology::Hexagonal), &cb, &Style::default()).unwrap();
    pic.labels(&[(5, "five")]).unwrap();
    let mut bytes = Vec::new();
    pic.write_png(&mut bytes, "t.png").unwrap();
    let (w, h, pixels) = decode(&bytes);
    assert_eq!((w, h), (pic.width(), pic.height()));
    assert_eq!(pixels, pic.pixels());

    let path = std::env::temp_dir().join(format!("som-picture-test-{}.png", std::process::id()));
    pic.save_png(&path).unwrap();
    let on_disk = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(on_disk, bytes);
    let e = pic.save_png("/nonexistent-dir/x.png").unwrap_err();
    assert!(
        matches!(e, som_std::Error::Io { .. }) && e.to_string().contains("x.png"),
        "{e}"
    );
}

#[test]
fn rgb_clamps_to_the_unit_range() {
    let cb = [-1.0, 2.0, f32::NAN, 0.5, 0.0, 1.0];
    let pic = picture::rgb(&grid(1, 2, Topology::Rectangular), &cb, &style(8)).unwrap();
    assert_eq!(at(&pic, centre(&pic, 0).0, centre(&pic, 0).1), [0, 255, 0]);
    assert_eq!(
        at(&pic, centre(&pic, 1).0, centre(&pic, 1).1),
        [128, 0, 255]
    );
}

#[test]
fn value_pictures_span_the_palette() {
    let values = [0.5, 2.0, 1.0, 3.5, 2.0, 1.0];
    for palette in [
        Palette::Viridis,
        Palette::Magma,
        Palette::Cividis,
        Palette::Greys,
    ] {
        let st = Style {
            palette,
            ..style(16)
        };
        let pic = picture::umatrix(&grid(2, 3, Topology::Hexagonal), &values, &st).unwrap();
        let c = |k| {
            let (x, y) = centre(&pic, k);
            at(&pic, x, y)
        };
        assert_eq!(c(0), palette.colour(0.0), "{palette:?}");
        assert_eq!(c(3), palette.colour(1.0), "{palette:?}");
        assert_eq!(c(2), palette.colour(1.0 / 6.0), "{palette:?}");
    }
    // Greys: low is white, high is black (dark borders between light clusters).
    assert_eq!(Palette::Greys.colour(0.0), [255, 255, 255]);
    assert_eq!(Palette::Greys.colour(1.0), [0, 0, 0]);
    assert_eq!(Palette::Viridis.colour(2.0), Palette::Viridis.colour(1.0));
    assert_eq!(
        Palette::Viridis.colour(f32::NAN),
        Palette::Viridis.colour(0.0)
    );

    // Equal values take the middle colour; non-finite ones a neutral grey.
    let pic = picture::values(
        &grid(1, 3, Topology::Rectangular),
        &[1.0, 1.0, f32::NAN],
        &style(10),
    )
    .unwrap();
    let c = |k| {
        let (x, y) = centre(&pic, k);
        at(&pic, x, y)
    };
    assert_eq!(c(0), Palette::Viridis.colour(0.5));
    let grey = c(2);
    assert!(grey[0] == grey[1] && grey[1] == grey[2] && grey[0] > 150 && grey[0] < 250);
}

#[test]
fn component_plane_picks_the_component() {
    // dim 2: component 0 decreases, component 1 increases with the unit index.
    let cb: Vec<f32> = (0..6)
        .flat_map(|k| [-(k as f32), k as f32 * k as f32])
        .collect();
    let pic = picture::component_plane(&grid(2, 3, Topology::Rectangular), &cb, 2, 1, &style(10))
        .unwrap();
    let c = |k| {
        let (x, y) = centre(&pic, k);
        at(&pic, x, y)
    };
    assert_eq!(
        (c(0), c(5)),
        (Palette::Viridis.colour(0.0), Palette::Viridis.colour(1.0))
    );
    assert_eq!(c(2), Palette::Viridis.colour(4.0 / 25.0));
    let pic = picture::component_plane(&grid(2, 3, Topology::Rectangular), &cb, 2, 0, &style(10))
        .unwrap();
    let (x, y) = centre(&pic, 0);
    assert_eq!(at(&pic, x, y), Palette::Viridis.colour(1.0));
}

#[test]
fn colour_bar_and_title_take_room() {
    let values = [0.0, 1.0, 2.0, 3.0];
    let plain = picture::values(&grid(2, 2, Topology::Rectangular), &values, &style(20)).unwrap();
    let st = Style {
        colour_bar: true,
        title: Some("U-matrix".into()),
        ..style(20)
    };
    let full = picture::values(&grid(2, 2, Topology::Rectangular), &values, &st).unwrap();
    assert!(full.width() > plain.width() + 30);
    assert!(full.height() > plain.height() + 15);
    // The bar is the scale: high value at the top, low at the bottom.
    let (x, y) = full.unit_centre(1).unwrap();
    let bar_x = x + 10.0 + 14.0 + 7.0; // right of the map, past the gap, inside the bar
    assert_eq!(at(&full, bar_x, y - 10.0), Palette::Viridis.colour(1.0)); // the map's top row
    assert_eq!(at(&full, bar_x, y + 29.0), Palette::Viridis.colour(0.0)); // its bottom row
    // The title is dark text above the map.
    let dark = (0..full.width())
        .flat_map(|x| (0..15).map(move |y| (x, y)))
        .filter(|&(x, y)| full.pixel(x, y).unwrap()[0] < 100)
        .count();
    assert!(dark > 20, "{dark} dark pixels in the title");
}

#[test]
fn hit_discs_grow_with_counts() {
    let counts = [0, 1, 4, 16, 0, 9];
    let pic = picture::hit_map(&grid(2, 3, Topology::Hexagonal), &counts, &style(28)).unwrap();
    let centre_colour = |k| {
        let (x, y) = centre(&pic, k);
        at(&pic, x, y)
    };
    let cell = centre_colour(0);
    let disc = centre_colour(3);
    assert_ne!(cell, disc);
    assert_eq!(centre_colour(4), cell);
    for k in [1, 2, 5] {
        assert_eq!(centre_colour(k), disc, "unit {k}");
    }
    // Disc area proportional to the count: count the disc's pixels around each centre.
    let area = |k| {
        let (cx, cy) = centre(&pic, k);
        let mut n = 0;
        for y in (cy - 14.0) as u32..(cy + 14.0) as u32 {
            for x in (cx - 14.0) as u32..(cx + 14.0) as u32 {
                n += u32::from(pic.pixel(x, y) == Some(disc));
            }
        }
        n as f32
    };
    let (a4, a16, a9) = (area(2), area(3), area(5));
    assert!((a16 / a4 - 4.0).abs() < 0.6, "{a4} {a16}");
    assert!((a9 / a4 - 2.25).abs() < 0.4, "{a4} {a9}");
    // Overlay on another picture: white discs.
    let mut u = picture::umatrix(
        &grid(2, 3, Topology::Hexagonal),
        &[1., 2., 3., 4., 5., 6.],
        &style(28),
    )
    .unwrap();
    u.hits(&counts).unwrap();
    let (x, y) = centre(&u, 3);
    assert_eq!(at(&u, x, y), [255, 255, 255]);
    assert!(u.hits(&counts[..5]).is_err());
    // All zero: no discs.
    let pic = picture::hit_map(&grid(1, 2, Topology::Rectangular), &[0, 0], &style(10)).unwrap();
    assert_eq!(at(&pic, centre(&pic, 0).0, centre(&pic, 0).1), cell);
}

#[test]
fn labels_are_dark_text_on_a_light_box_at_their_unit() {
    // A black map: the box and its text are all that is light.
    let cb = vec![0.0; 4 * 6 * 3];
    let before = picture::rgb(&grid(4, 6, Topology::Rectangular), &cb, &style(28)).unwrap();
    let mut pic = before.clone();
    pic.labels(&[(8, "black"), (8, "twice"), (23, "corner")])
        .unwrap();
    let changed: Vec<(u32, u32)> = (0..pic.height())
        .flat_map(|y| (0..pic.width()).map(move |x| (x, y)))
        .filter(|&(x, y)| pic.pixel(x, y) != before.pixel(x, y))
        .collect();
    let (cx, cy) = centre(&pic, 8);
    let near = |&(x, y): &(u32, u32), w: f32, h: f32| {
        (x as f32 - cx).abs() <= w && (y as f32 - cy).abs() <= h
    };
    // Two names on unit 8 share a box two lines high, centred on the unit.
    let light_in_row = |y: f32| {
        (cx as u32 - 20..cx as u32 + 20)
            .filter(|&x| pic.pixel(x, y as u32).unwrap()[0] > 150)
            .count()
    };
    assert!(light_in_row(cy - 14.0) > 10 && light_in_row(cy + 14.0) > 10);
    assert_eq!(light_in_row(cy - 20.0), 0);
    let (kx, ky) = centre(&pic, 23);
    for p in &changed {
        let by_corner = (p.0 as f32 - kx).abs() <= 40.0 && (p.1 as f32 - ky).abs() <= 20.0;
        assert!(
            near(p, 30.0, 20.0) || by_corner,
            "pixel {p:?} changed far from the labels"
        );
    }
    // Text: dark pixels inside the light box.
    let dark_in_box = changed
        .iter()
        .filter(|p| near(p, 20.0, 14.0) && pic.pixel(p.0, p.1).unwrap()[0] < 90)
        .count();
    assert!(dark_in_box > 30, "{dark_in_box}");
    // The corner label stays inside the picture.
    assert!(
        changed
            .iter()
            .all(|&(x, y)| x < pic.width() && y < pic.height())
    );

    let e = pic.labels(&[(24, "nowhere")]).unwrap_err().to_string();
    assert!(e.contains("unit 24") && e.contains("24 units"), "{e}");
    // Non-ASCII names draw (unknown characters as '?') without failing.
    pic.label(0, "grün ✓").unwrap();
}

#[test]
fn labels_keep_clear_of_each_other() {
    let cb = vec![0.0; 3 * 5 * 3];
    let mut one = picture::rgb(&grid(3, 5, Topology::Rectangular), &cb, &style(28)).unwrap();
    one.label(6, "left").unwrap();
    let mut two = one.clone();
    two.label(7, "right").unwrap();
    // The second box, wider than a cell, would cover the first at its own centre; it moves
    // off the first one's row, so the first label is untouched.
    let (cx, cy) = centre(&one, 6);
    for y in (cy - 8.0) as u32..(cy + 8.0) as u32 {
        for x in (cx - 14.0) as u32..(cx + 14.0) as u32 {
            assert_eq!(one.pixel(x, y), two.pixel(x, y), "({x}, {y})");
        }
    }
}

#[test]
fn bad_inputs_are_errors() {
    let st = Style::default();
    let hex = Topology::Hexagonal;
    let bad = |r: som_std::Result<Picture>| match r {
        Err(som_std::Error::Invalid(m)) => m,
        other => panic!("expected Invalid, got {other:?}"),
    };
    assert!(bad(picture::values(&grid(2, 3, hex), &[1.0; 5], &st)).contains("expected 6"));
    assert!(bad(picture::rgb(&grid(2, 3, hex), &[1.0; 6], &st)).contains("expected 18"));
    assert!(
        bad(picture::component_plane(
            &grid(2, 3, hex),
            &[1.0; 12],
            2,
            2,
            &st
        ))
        .contains("component")
    );
    assert!(
        bad(picture::component_plane(
            &grid(2, 3, hex),
            &[1.0; 12],
            0,
            0,
            &st
        ))
        .contains("dim 0")
    );
    assert!(
        bad(picture::component_plane(
            &grid(2, 3, hex),
            &[1.0; 11],
            2,
            0,
            &st
        ))
        .contains("expected 12")
    );
    assert!(bad(picture::hit_map(&grid(2, 3, hex), &[1; 7], &st)).contains("expected 6"));
    let tiny = Style {
        cell: 2,
        ..Style::default()
    };
    assert!(bad(picture::values(&grid(1, 1, hex), &[1.0], &tiny)).contains("4 to 512"));
    let gap = Style {
        gap: f32::NAN,
        ..Style::default()
    };
    assert!(bad(picture::values(&grid(1, 1, hex), &[1.0], &gap)).contains("gap"));
    let huge = 2000 * 2000;
    let e = bad(picture::values(
        &grid(2000, 2000, hex),
        &vec![0.0; huge],
        &st,
    ));
    assert!(e.contains("smaller cells"), "{e}");
}

#[test]
fn cells_sit_at_the_kernels_positions() {
    // Centres are the kernel's positions (Grid::position) scaled by the cell, on both
    // lattices, and lattice neighbours are one cell apart.
    for topology in [Topology::Rectangular, Topology::Hexagonal] {
        let g = grid(5, 4, topology);
        let cell = 20.0;
        let pic = picture::values(&g, &[0.0; 20], &style(cell as u32)).unwrap();
        let (p0, c0) = (g.position(0), centre(&pic, 0));
        for k in 0..g.units() {
            let (p, c) = (g.position(k), centre(&pic, k));
            let want = ((p.0 - p0.0) * cell, (p.1 - p0.1) * cell);
            let got = (c.0 - c0.0, c.1 - c0.1);
            assert!(
                (want.0 - got.0).abs() < 1e-3 && (want.1 - got.1).abs() < 1e-3,
                "{topology:?} unit {k}: {got:?}, expected {want:?}"
            );
            for &n in g.neighbours(k).as_slice() {
                let d = (centre(&pic, n).0 - c.0).hypot(centre(&pic, n).1 - c.1);
                let diagonal = topology == Topology::Rectangular && d > cell * 1.01;
                assert!(
                    (d - cell).abs() < 1e-3 || (diagonal && (d - cell * 2f32.sqrt()).abs() < 1e-3),
                    "{topology:?} {k} {n}: {d}"
                );
            }
        }
    }
}

#[test]
fn minisom_hexagonal_maps_look_as_minisom_draws_them() {
    // MiniSom 2.3.6 puts unit (i, j) of MiniSom(x, y, topology='hexagonal') at
    // (i - 0.5 [(y - 1 - j) even], 0.866 j), and its plots draw j upwards. The picture of the
    // map that MiniSomLattice lays out is that drawing, for odd and even y.
    for (x, y) in [(5, 4), (4, 5), (3, 3), (6, 2)] {
        let lattice = som_std::MiniSomLattice::new(x, y, Topology::Hexagonal);
        let (rows, cols) = lattice.shape();
        let g = grid(rows, cols, Topology::Hexagonal);
        let cell = 24.0;
        let pic = picture::values(&g, &vec![0.0; x * y], &style(cell as u32)).unwrap();
        let minisom = |i: usize, j: usize| {
            let shift = if (y - 1 - j).is_multiple_of(2) {
                0.5
            } else {
                0.0
            };
            (i as f32 - shift, j as f32 * 0.866_025_4)
        };
        let at = |i, j| centre(&pic, lattice.unit(i, j).unwrap());
        let (m0, c0) = (minisom(0, 0), at(0, 0));
        for i in 0..x {
            for j in 0..y {
                let m = minisom(i, j);
                // Picture rows grow downwards, MiniSom's j upwards.
                let want = ((m.0 - m0.0) * cell, -(m.1 - m0.1) * cell);
                let c = at(i, j);
                let got = (c.0 - c0.0, c.1 - c0.1);
                assert!(
                    (want.0 - got.0).abs() < 1e-2 && (want.1 - got.1).abs() < 1e-2,
                    "MiniSom({x}, {y}) unit ({i}, {j}): {got:?}, expected {want:?}"
                );
            }
        }
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Any lattice, values (NaN and infinities included), style and labels: a picture or
        /// an error, never a panic; every unit's centre pixel lies inside the picture.
        #[test]
        fn drawing_never_panics(
            rows in 1usize..6,
            cols in 1usize..6,
            hex in any::<bool>(),
            raw in prop::collection::vec(any::<u32>(), 36 * 3),
            cell in 0u32..40,
            gap in 0.0f32..6.0,
            labels in prop::collection::vec((0usize..40, "[a-z ]{0,12}"), 0..6),
        ) {
            let topology = if hex { Topology::Hexagonal } else { Topology::Rectangular };
            let units = rows * cols;
            let values: Vec<f32> = raw.iter().map(|&b| f32::from_bits(b)).collect();
            let st = Style { cell, gap, title: Some("t".into()), ..Style::default() };
            let results = [
                picture::values(&grid(rows, cols, topology), &values[..units], &st),
                picture::rgb(&grid(rows, cols, topology), &values[..units * 3], &st),
                picture::component_plane(&grid(rows, cols, topology), &values[..units * 3], 3, 1, &st),
                picture::hit_map(&grid(rows, cols, topology),
                    &raw[..units].iter().map(|&b| u64::from(b % 7)).collect::<Vec<_>>(),
                    &st,
                ),
            ];
            for r in results {
                match r {
                    Ok(mut pic) => {
                        prop_assert!((4..=512).contains(&cell));
                        for k in 0..units {
                            let (x, y) = pic.unit_centre(k).unwrap();
                            prop_assert!(pic.pixel(x as u32, y as u32).is_some());
                        }
                        let named: Vec<(usize, &str)> =
                            labels.iter().map(|(k, n)| (*k, n.as_str())).collect();
                        let ok = pic.labels(&named).is_ok();
                        prop_assert_eq!(ok, labels.iter().all(|(k, _)| *k < units));
                    }
                    Err(_) => prop_assert!(!(4..=512).contains(&cell)),
                }
            }
        }
    }
}
