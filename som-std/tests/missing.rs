//! Missing values through the library and the files: SOM_PAK's `x`, CSV's empty fields and
//! `NA`, the default error, masked online and batch training against the kernel's reference,
//! samples without a unit, and imputation.

use som_std::io::{read_csv, read_dat};
use som_std::kernel::{Grid, Neighbourhood, reference};
use som_std::{Error, Init, Missing, Order, Schedule, Shape, Som};

/// Six samples of dim 3 with holes; sample 4 has nothing at all.
fn holes() -> Vec<f32> {
    let n = f32::NAN;
    vec![
        0.0, 0.25, 0.5, //
        1.0, n, 0.75, //
        n, n, 0.25, //
        0.5, 0.5, n, //
        n, n, n, //
        0.75, 0.0, 1.0,
    ]
}

fn codebook() -> Vec<f32> {
    (0..12 * 3).map(|i| ((i * 7) % 13) as f32 / 13.0).collect()
}

fn map(missing: Missing) -> Som {
    Som::builder(3, 4, 3)
        .neighbourhood(Shape::Bubble)
        .alpha(Schedule::Constant(0.5))
        .sigma(Schedule::Linear {
            start: 2.0,
            end: 0.5,
        })
        .init(Init::Codebook(codebook()))
        .missing(missing)
        .threads(1)
        .build()
        .unwrap()
}

#[test]
fn readers_take_missing_marks_as_nan() {
    let dat = "3\n1 x 2 first\nx x x\n0.5 1 x\n";
    let d = read_dat(dat.as_bytes(), "x.dat").unwrap();
    assert_eq!(d.dim, 3);
    let nan: Vec<bool> = d.data.iter().map(|v| v.is_nan()).collect();
    assert_eq!(
        nan,
        [false, true, false, true, true, true, false, false, true]
    );
    let csv = "a,b,c\n1,,2\nNA,3,nan\n4,5,6\n";
    let d = read_csv(csv.as_bytes(), "x.csv").unwrap();
    let nan: Vec<bool> = d.data.iter().map(|v| v.is_nan()).collect();
    assert_eq!(
        nan,
        [false, true, false, true, false, true, false, false, false]
    );
    // Infinity is no missing value: still an error with its place.
    let err = read_csv("a,b\n1,inf\n".as_bytes(), "x.csv").unwrap_err();
    assert!(err.to_string().contains("column 2"), "{err}");
    // A codebook has no missing values.
    let cod = "2 rect 1 2 gaussian\n1 2\n3 x\n";
    let err = som_std::io::read_cod(cod.as_bytes(), "m.cod").unwrap_err();
    assert!(
        err.to_string().contains("column 2") && err.to_string().contains("missing"),
        "{err}"
    );
}

#[test]
fn missing_values_are_an_error_by_default_naming_the_place_and_the_way_out() {
    let mut som = map(Missing::Error);
    let err = som.train_epochs(&som_std::Flat::new(&holes(), 3).unwrap(), 1);
    let msg = err.unwrap_err().to_string();
    assert!(
        msg.contains("sample 1") && msg.contains("component 1"),
        "{msg}"
    );
    assert!(msg.contains("--missing mask"), "{msg}");
    // Untouched.
    assert_eq!(som.codebook(), codebook());
}

/// Online training with masking, in order, is the reference's loop of masked search and
/// masked update, bit for bit (bubble, alpha 1/2: exact steps); the sample with nothing
/// present trains nothing but counts as a step.
#[test]
fn masked_online_training_is_the_reference_loop() {
    let data = holes();
    let mut som = map(Missing::Mask);
    let steps = 3 * 6;
    som.train_online(
        &som_std::Flat::new(&data, 3).unwrap(),
        steps,
        Order::Sequential,
    )
    .unwrap();
    let mut want = codebook();
    let grid = Grid::new(3, 4).unwrap();
    let training = *som.training();
    for t in 0..steps {
        let x = &data[(t as usize % 6) * 3..][..3];
        let (nb, alpha) = training.at(t, steps).unwrap();
        if let Some(w) = reference::masked::bmu(som.distance(), &want, 3, x).found() {
            reference::masked::update(&mut want, &grid, 3, x, w, &nb, alpha);
        }
    }
    assert_eq!(som.codebook(), want);
}

/// Batch training with masking: per-component means (against the reference), and the same
/// bits on one thread and on two.
#[test]
fn masked_batch_training_is_the_reference_on_any_thread_count() {
    let data = holes();
    let flat = som_std::Flat::new(&data, 3).unwrap();
    let mut one = map(Missing::Mask);
    one.train_batch(&flat, 3).unwrap();
    let mut two = Som::builder(3, 4, 3)
        .sigma(Schedule::Linear {
            start: 2.0,
            end: 0.5,
        })
        .init(Init::Codebook(codebook()))
        .missing(Missing::Mask)
        .threads(2)
        .build()
        .unwrap();
    two.train_batch(&flat, 3).unwrap();
    let mut reference_map = Som::builder(3, 4, 3)
        .sigma(Schedule::Linear {
            start: 2.0,
            end: 0.5,
        })
        .init(Init::Codebook(codebook()))
        .missing(Missing::Mask)
        .threads(1)
        .build()
        .unwrap();
    reference_map.train_batch(&flat, 3).unwrap();
    assert_eq!(two.codebook(), reference_map.codebook());

    let grid = Grid::new(3, 4).unwrap();
    let mut want = codebook();
    for e in 0..3u64 {
        let (mut hits, mut counts, mut sums) = (vec![0; 12], vec![0; 36], vec![0.0; 36]);
        reference::masked::accumulate(&want, 3, &data, &mut hits, &mut counts, &mut sums);
        let sigma = Schedule::Linear {
            start: 2.0,
            end: 0.5,
        }
        .at(e, 2);
        let nb = Neighbourhood::new(Shape::Gaussian, sigma).unwrap();
        reference::masked::apply_batch(&mut want, &grid, 3, &counts, &sums, &nb);
    }
    for (a, b) in reference_map.codebook().iter().zip(&want) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
    // A component no sample has near a unit keeps its start; the others moved.
    assert_ne!(one.codebook(), codebook());
}

/// A component that no sample has: batch training takes it (its range is empty, not infinite)
/// and leaves it where it started on every unit, as online training does.
#[test]
fn a_component_no_sample_has_is_left_alone_by_online_and_batch_training() {
    let mut data = holes();
    data.iter_mut()
        .skip(1)
        .step_by(3)
        .for_each(|v| *v = f32::NAN);
    let flat = som_std::Flat::new(&data, 3).unwrap();
    let online = |som: &mut Som| som.train_epochs(&flat, 2);
    let batch = |som: &mut Som| som.train_batch(&flat, 2);
    for train in [&online as &dyn Fn(&mut Som) -> som_std::Result<()>, &batch] {
        let mut som = map(Missing::Mask);
        train(&mut som).unwrap();
        let (now, start) = (som.codebook(), codebook());
        for (unit, (a, b)) in now.chunks(3).zip(start.chunks(3)).enumerate() {
            assert_eq!(a[1], b[1], "unit {unit} moved on the unknown component");
        }
        assert_ne!(now, start, "nothing moved");
    }
}

#[test]
fn a_sample_without_components_has_no_unit() {
    let data = holes();
    let flat = som_std::Flat::new(&data, 3).unwrap();
    let som = map(Missing::Mask);
    let bmus = som.bmus(&flat).unwrap();
    assert!(bmus[4].is_none());
    assert!(
        bmus.iter()
            .enumerate()
            .all(|(i, b)| b.is_none() == (i == 4))
    );
    let err = som.map(&flat).unwrap_err();
    assert!(err.to_string().contains("sample 4"), "{err}");
    // It wins nothing, and is left out of the errors.
    assert_eq!(som.hits(&flat).unwrap().iter().sum::<u64>(), 5);
    let q = som.quantization_errors(&flat).unwrap();
    assert!(q[4].is_nan() && q.iter().enumerate().all(|(i, v)| i == 4 || v.is_finite()));
    let mean = q.iter().filter(|v| !v.is_nan()).sum::<f32>() / 5.0;
    assert!((som.quantization_error(&flat).unwrap() - mean).abs() < 1e-6);
}

#[test]
fn impute_fills_each_hole_from_the_unit_found_without_it() {
    let data: Vec<f32> = holes().into_iter().take(12).collect();
    let flat = som_std::Flat::new(&data, 3).unwrap();
    // The map need not mask to impute.
    let som = map(Missing::Error);
    let filled = som.impute(&flat).unwrap();
    let cb = codebook();
    for (i, (x, y)) in data.chunks(3).zip(filled.chunks(3)).enumerate() {
        let k = reference::masked::bmu(som.distance(), &cb, 3, x).unit;
        for d in 0..3 {
            let want = if x[d].is_nan() { cb[k * 3 + d] } else { x[d] };
            assert_eq!(y[d], want, "sample {i} component {d}");
        }
    }
    let err = som
        .impute(&som_std::Flat::new(&holes(), 3).unwrap())
        .unwrap_err();
    assert!(err.to_string().contains("sample 4"), "{err}");
}

#[test]
fn masking_is_saved_with_the_map_and_refused_with_the_cosine() {
    let som = map(Missing::Mask);
    let back = Som::from_saved(&som.to_saved()).unwrap();
    assert_eq!(back.missing(), Missing::Mask);
    assert_eq!(
        Som::from_saved(&map(Missing::Error).to_saved())
            .unwrap()
            .missing(),
        Missing::Error
    );
    let err = Som::builder(2, 2, 2)
        .distance(som_std::Distance::Cosine)
        .missing(Missing::Mask)
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::Invalid(_)) && err.to_string().contains("cosine"),
        "{err}"
    );
}

/// A mean over no sample is no number: the quantization and topographic errors of no
/// samples, or of samples with every component missing (masked), are errors naming the cause,
/// in memory and from any source (MiniSom raises too); 0 would read as a perfect map.
#[test]
fn errors_of_no_sample_are_errors_naming_the_cause() {
    let som = map(Missing::Mask);
    let empty = som_std::Flat::new(&[], 3).unwrap();
    let n = f32::NAN;
    let nothing = [n, n, n, n, n, n];
    let nothing = som_std::Flat::new(&nothing, 3).unwrap();
    let cases = [
        (&empty, "no samples: the data is empty"),
        (&nothing, "of 2 samples with every component missing"),
    ];
    for (data, cause) in cases {
        for e in [
            som.quantization_error(data).unwrap_err(),
            som.topographic_error(data).unwrap_err(),
            som.quality(data).unwrap_err(),
        ] {
            let e = e.to_string();
            assert!(e.contains(cause), "{e}");
        }
    }
    // One sample with a value is enough, and the errors are numbers.
    let one = [n, n, n, 0.5, n, 0.25];
    let one = som_std::Flat::new(&one, 3).unwrap();
    let (qe, te) = som.quality(&one).unwrap();
    assert_eq!(qe, som.quantization_error(&one).unwrap());
    assert_eq!(te, som.topographic_error(&one).unwrap());
}
