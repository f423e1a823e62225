//! Watched training: the observer, the history file, early stopping.

use som_std::watch::{Record, read_history, write_history};
use som_std::{EarlyStop, Flat, Init, Order, Schedule, Som};

fn data() -> Vec<f32> {
    (0..60)
        .flat_map(|i| [(i % 7) as f32 * 0.3, (i % 5) as f32 * 0.2, (i % 3) as f32])
        .collect()
}

fn build() -> Som {
    Som::builder(4, 5, 3)
        .init(Init::Samples)
        .sigma(Schedule::Linear {
            start: 2.5,
            end: 0.5,
        })
        .seed(4)
        .build()
        .unwrap()
}

#[test]
fn watching_online_training_changes_nothing() {
    let d = data();
    let flat = Flat::new(&d, 3).unwrap();
    let mut plain = build();
    plain.train_online(&flat, 500, Order::Shuffled).unwrap();
    for every in [1, 7, 60, 499, 500, 1000] {
        let mut watched = build();
        let mut calls = Vec::new();
        let steps = watched
            .train_online_with(&flat, 500, Order::Shuffled, every, |e| {
                calls.push((e.steps, e.epoch, e.alpha, e.sigma, e.errors()?));
                Ok(true)
            })
            .unwrap();
        assert_eq!(steps, 500);
        assert_eq!(watched.codebook(), plain.codebook(), "every {every}");
        assert_eq!(calls.len() as u64, 500u64.div_ceil(every));
        let (last_steps, epoch, alpha, sigma, (qe, te)) = *calls.last().unwrap();
        assert_eq!((last_steps, epoch), (500, 500.0 / 60.0));
        // The schedules at step 499 of 500, and the errors of the map at the end.
        let t = plain.training();
        assert_eq!(alpha, Some(t.alpha.at(499, 500)));
        assert_eq!(sigma, t.sigma.at(499, 500));
        assert_eq!(qe, plain.quantization_error(&flat).unwrap());
        assert_eq!(te, plain.topographic_error(&flat).unwrap());
    }
}

#[test]
fn an_observer_stops_training() {
    let d = data();
    let flat = Flat::new(&d, 3).unwrap();
    // Stopped after the third call of every 60 steps: 180 steps taken.
    let mut som = build();
    let mut calls = 0;
    let steps = som
        .train_online_with(&flat, 600, Order::Sequential, 60, |_| {
            calls += 1;
            Ok(calls < 3)
        })
        .unwrap();
    assert_eq!((steps, calls), (180, 3));
    // The same as the first 180 steps of the full run.
    let mut full = build();
    let mut at_180 = Vec::new();
    full.train_online_with(&flat, 600, Order::Sequential, 60, |e| {
        if e.steps == 180 {
            at_180 = e.som().codebook();
        }
        Ok(true)
    })
    .unwrap();
    assert_eq!(som.codebook(), at_180);
    // Batch: one call per epoch, no learning rate, stopped after 2 of 5 epochs.
    let mut batch = build();
    let mut seen = Vec::new();
    let epochs = batch
        .train_batch_with(&flat, 5, |e| {
            seen.push((e.epoch, e.steps, e.alpha, e.sigma));
            Ok(e.epoch < 2.0)
        })
        .unwrap();
    assert_eq!(epochs, 2);
    let sigma = |e: u64| batch.training().sigma.at(e, 4);
    assert_eq!(
        seen,
        [(1.0, 60, None, sigma(0)), (2.0, 120, None, sigma(1))]
    );
    // An observer's error ends training with that error.
    let e = build()
        .train_batch_with(&flat, 5, |_| {
            Err(som_std::Error::Invalid("full disk".into()))
        })
        .unwrap_err();
    assert!(e.to_string().contains("full disk"));
    assert!(
        build()
            .train_online_with(&flat, 5, Order::Sequential, 0, |_| Ok(true))
            .is_err()
    );
}

#[test]
fn early_stop_by_hand() {
    // Tolerance 10%, patience 2: 1.0 (best), 0.85 (best), 0.8 (6% better: 1), 0.79 (2: stop).
    let mut stop = EarlyStop::new(0.1, 2).unwrap();
    let go: Vec<bool> = [1.0, 0.85, 0.8, 0.79]
        .into_iter()
        .map(|q| stop.keep_going(q))
        .collect();
    assert_eq!(go, [true, true, true, false]);
    // An improvement beyond the tolerance resets the count.
    let mut stop = EarlyStop::new(0.1, 2).unwrap();
    let go: Vec<bool> = [1.0, 0.95, 0.8, 0.79, 0.78]
        .into_iter()
        .map(|q| stop.keep_going(q))
        .collect();
    assert_eq!(go, [true, true, true, true, false]);
    assert!(EarlyStop::new(-0.1, 2).is_err());
    assert!(EarlyStop::new(f32::NAN, 2).is_err());
    assert!(EarlyStop::new(0.1, 0).is_err());
}

#[test]
fn history_files_round_trip_and_bad_ones_are_named() {
    let dir = std::env::temp_dir().join(format!("som-history-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let records = [
        Record {
            epoch: 0.5,
            steps: 30,
            quantization_error: 0.25,
            topographic_error: 0.125,
            alpha: Some(0.5),
            sigma: 2.0,
        },
        Record {
            epoch: 1.0,
            steps: 60,
            quantization_error: 1.0 / 3.0,
            topographic_error: 0.0,
            alpha: None,
            sigma: 1.5,
        },
    ];
    let path = dir.join("h.csv");
    write_history(&path, &records).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text.lines().take(2).collect::<Vec<_>>(),
        [
            "epoch,steps,quantization_error,topographic_error,alpha,sigma",
            "0.5,30,0.25,0.125,0.5,2"
        ]
    );
    assert_eq!(read_history(&path).unwrap(), records);
    std::fs::write(
        &path,
        "epoch,steps,quantization_error,topographic_error,alpha,sigma\n1,2,x,0,0.5,1\n",
    )
    .unwrap();
    let e = read_history(&path).unwrap_err().to_string();
    assert!(
        e.contains(":2") && e.contains("quantization_error") && e.contains("x"),
        "{e}"
    );
    std::fs::write(&path, "a,b\n").unwrap();
    assert!(read_history(&path).is_err());
    let pic = som_std::picture::history(&records, &Default::default()).unwrap();
    assert!(pic.width() > 500 && pic.height() > 400);
    assert!(som_std::picture::history(&[], &Default::default()).is_err());
}
