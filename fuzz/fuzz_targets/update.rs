//! The online update (`MapMut::update`, `train_step`, `Training::step`/`online`) against the
//! scalar reference, step by step from the same weights, on arbitrary maps, samples,
//! neighbourhoods, learning rates and winners; bad input must be refused without changing
//! anything.
#![no_main]

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use som_fuzz::{
    Case, Palette, TINY, max_abs, near, neighbourhood, padding_untouched, row_major, same, sane,
};
use som_kernel::{Clock, Error, MapMut, Schedule, Shape, Training, reference};

fn alpha(u: &mut Unstructured<'_>) -> f32 {
    match u.int_in_range(0u8..=6).unwrap_or(0) {
        0 => 0.5,
        1 => 0.25,
        2 => 1.0,
        3 => 0.1,
        4 => f32::from(u.int_in_range(1u16..=1000).unwrap_or(1)) / 1000.0,
        _ => f32::from_bits(u.arbitrary().unwrap_or(0)),
    }
}

fn schedule(u: &mut Unstructured<'_>) -> Schedule {
    let a = alpha(u);
    let b = alpha(u);
    match u.int_in_range(0u8..=4).unwrap_or(0) {
        0 => Schedule::Constant(a),
        1 => Schedule::Linear { start: a, end: b },
        2 => Schedule::Asymptotic { start: a },
        3 => Schedule::Inverse { start: a, end: b },
        _ => Schedule::Exponential { start: a, end: b },
    }
}

fuzz_target!(|bytes: &[u8]| {
    let mut u = Unstructured::new(bytes);
    let Ok(Some(c)) = Case::draw(&mut u, 12, 16, 6) else {
        return;
    };
    let Ok(Some(nb)) = neighbourhood(&mut u) else {
        return;
    };
    let (units, dim, grid) = (c.units(), c.dim, c.grid);
    let alpha = alpha(&mut u);
    let winner = match u.int_in_range(0u8..=3).unwrap_or(0) {
        0 => u.arbitrary().unwrap_or(0),
        _ => u.int_in_range(0..=units).unwrap_or(0),
    };

    let mut blocked = c.blocked.clone();
    let mut map = MapMut::new(grid, dim, &mut blocked).expect("a well-formed map");

    // Wrong lengths change nothing.
    let len = u.int_in_range(0..=dim + 2).unwrap_or(0);
    if len != dim {
        let x = vec![0.25; len];
        assert!(matches!(
            map.update(&x, 0, &nb, 0.5),
            Err(Error::Length { .. })
        ));
        assert!(matches!(
            map.train_step(&x, &nb, 0.5),
            Err(Error::Length { .. })
        ));
        let mut cb = c.codebook.clone();
        reference::update(&mut cb, &grid, dim, &x, 0, &nb, 0.5);
    }

    for x in c.samples() {
        let before = map.as_map().weights().to_vec();
        let valid =
            x.iter().all(|v| v.is_finite()) && winner < units && alpha > 0.0 && alpha.is_finite();
        let result = map.update(x, winner, &nb, alpha);
        if !valid {
            assert!(
                result.is_err(),
                "accepted {x:?} winner {winner} alpha {alpha}"
            );
            assert!(
                map.as_map()
                    .weights()
                    .iter()
                    .zip(&before)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "a refused update changed the map"
            );
            continue;
        }
        result.expect("valid input");
        // The reference, from the same weights.
        let mut want = row_major(&before, units, dim);
        let old = want.clone();
        reference::update(&mut want, &grid, dim, x, winner, &nb, alpha);
        let got = row_major(map.as_map().weights(), units, dim);

        if c.palette == Palette::Exact
            && nb.shape() == Shape::Bubble
            && [0.5, 0.25, 1.0].contains(&alpha)
            && sane(&old)
        {
            // h is exactly 0 or 1 and the rate a power of two: every operation is exact.
            for (a, b) in got.iter().zip(&want) {
                assert!(same(*a, *b), "bubble update {a} vs {b}");
            }
        }
        let m = max_abs(&old).max(max_abs(x));
        if sane(&old) && alpha <= 1.0 {
            // h differs by a few ULP between the vector and libm exp (and the separable
            // Gaussian rounds three times); a unit within rounding of the cut-off may be in for
            // one and out for the other, which moves it by at most alpha * cutoff * |x - w|.
            let m = m.max(max_abs(&want)).max(max_abs(&got));
            let tol = 2.0 * m * (4e-6 + alpha * nb.cutoff()) + TINY;
            for (k, (a, b)) in got.iter().zip(&want).enumerate() {
                assert!(
                    near(*a, *b, tol),
                    "unit {} dim {}: {a} vs {b} (tol {tol})",
                    k / dim,
                    k % dim
                );
            }
        }
        if nb.shape() != Shape::MexicanHat && alpha <= 1.0 && m <= 1e38 {
            // 0 <= alpha h <= 1: each new weight lies between the old weight and the sample.
            for (k, (&w, &old)) in got.iter().zip(&old).enumerate() {
                if !old.is_finite() {
                    continue;
                }
                let xd = x[k % dim];
                let slack = 4.0 * f32::EPSILON * old.abs().max(xd.abs()) + TINY;
                assert!(
                    w >= old.min(xd) - slack && w <= old.max(xd) + slack,
                    "unit {} dim {}: {old} -> {w}, sample {xd}",
                    k / dim,
                    k % dim
                );
            }
        }
        assert!(padding_untouched(map.as_map().weights(), units, dim));
    }

    // train_step on exact data: the same winner as the reference, then the same update.
    if c.palette == Palette::Exact
        && alpha > 0.0
        && alpha <= 1.0
        && sane(&c.codebook)
        && let Some(x) = c.samples().next()
    {
        let mut blocked = c.blocked.clone();
        let mut map = MapMut::new(grid, dim, &mut blocked).expect("a well-formed map");
        let result = map.train_step(x, &nb, alpha);
        if x.iter().all(|v| v.is_finite()) {
            let got = result.expect("valid input");
            let w = reference::bmu(&c.codebook, dim, x);
            assert_eq!(got, w, "train_step winner");
            let mut want = c.codebook.clone();
            reference::update(&mut want, &grid, dim, x, w.unit, &nb, alpha);
            let after = row_major(map.as_map().weights(), units, dim);
            let m = max_abs(&c.codebook).max(max_abs(x)).max(max_abs(&want));
            let tol = 2.0 * m * (4e-6 + alpha * nb.cutoff()) + TINY;
            for (a, b) in after.iter().zip(&want) {
                assert!(near(*a, *b, tol), "train_step {a} vs {b}");
            }
        } else {
            assert!(matches!(result, Err(Error::NonFinite { .. })));
        }
    }

    // Whole training runs with arbitrary schedules: errors for bad ones, never a panic, and
    // for good ones with rates <= 1 and non-negative h, weights stay inside the data's range.
    let training = Training {
        shape: nb.shape(),
        alpha: schedule(&mut u),
        sigma: schedule(&mut u),
        cutoff: nb.cutoff(),
        clock: if u.arbitrary().unwrap_or(false) {
            Clock::Epoch
        } else {
            Clock::Sample
        },
    };
    let epochs = u.int_in_range(0u64..=3).unwrap_or(0);
    let mut blocked = c.blocked.clone();
    let mut map = MapMut::new(grid, dim, &mut blocked).expect("a well-formed map");
    let t = u.arbitrary().unwrap_or(0u64);
    let total = u.arbitrary().unwrap_or(0u64);
    if let Some(x) = c.samples().next() {
        let _ = training.step(&mut map, x, t, total);
    }
    let _ = training.at(t, total);
    let mut blocked = c.blocked.clone();
    let mut map = MapMut::new(grid, dim, &mut blocked).expect("a well-formed map");
    let result = training.online(&mut map, &c.data, epochs);
    if training.validate().is_err() || c.data.is_empty() || !c.data.iter().all(|v| v.is_finite()) {
        assert!(result.is_err(), "online training accepted bad input");
    }
    let start_ok = matches!(training.alpha, Schedule::Constant(a) | Schedule::Linear { start: a, .. } | Schedule::Asymptotic { start: a } | Schedule::Inverse { start: a, .. } | Schedule::Exponential { start: a, .. } if a <= 1.0);
    let end_ok = match training.alpha {
        Schedule::Linear { end, .. } => end <= 1.0,
        Schedule::Inverse { end, .. } | Schedule::Exponential { end, .. } => end <= 1.0,
        _ => true,
    };
    if result.is_ok()
        && training.shape != Shape::MexicanHat
        && start_ok
        && end_ok
        && sane(&c.codebook)
        && sane(&c.data)
    {
        let got = row_major(map.as_map().weights(), units, dim);
        for d in 0..dim {
            let column = |v: &[f32]| v.iter().skip(d).step_by(dim).copied().collect::<Vec<_>>();
            let (init, data) = (column(&c.codebook), column(&c.data));
            let lo = init
                .iter()
                .chain(&data)
                .fold(f32::INFINITY, |a, &b| a.min(b));
            let hi = init
                .iter()
                .chain(&data)
                .fold(f32::NEG_INFINITY, |a, &b| a.max(b));
            let slack = 16.0 * f32::EPSILON * lo.abs().max(hi.abs()) + TINY;
            for w in column(&got) {
                assert!(
                    w >= lo - slack && w <= hi + slack,
                    "dim {d}: {w} outside [{lo}, {hi}]"
                );
            }
        }
    }
});
