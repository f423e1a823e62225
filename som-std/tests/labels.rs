//! Labels and prediction: majority per unit, ties to the lowest label, empty units from the
//! nearest labelled unit on the grid; saved with the map.

use som_std::io::SavedMap;
use som_std::{Boundary, Init, Som, Topology, label_order};

/// A `1 x n` map of dim 1 whose unit `k` is at `k`.
fn line(n: usize, boundary: Boundary) -> Som {
    Som::builder(1, n, 1)
        .boundary(boundary)
        .init(Init::Codebook((0..n).map(|k| k as f32).collect()))
        .build()
        .unwrap()
}

#[test]
fn majority_ties_and_empty_units_as_computed_by_hand() {
    let mut som = line(5, Boundary::Planar);
    // Unit 0: 9, 9, 10 -> 9. Unit 1: 10, 2 -> tie, 2 (by value: 2 < 10, though "10" < "2").
    // Units 2 and 3 win nothing: 2 is nearest unit 1 (-> 2), 3 nearest unit 4 (-> 10).
    let data = [[0.0f32], [0.1], [-0.1], [1.0], [1.1], [4.2]];
    let labels = [9, 9, 10, 10, 2, 10];
    let units = som.classify(&data, &labels).unwrap().to_vec();
    assert_eq!(units, ["9", "2", "2", "10", "10"]);
    assert_eq!(som.labels().unwrap(), units);
    let predicted = som.predict(&[[2.2f32], [2.8], [-5.0]]).unwrap();
    assert_eq!(predicted, ["2", "10", "9"]);
}

#[test]
fn equally_near_labelled_units_give_the_lowest_label() {
    let mut som = line(3, Boundary::Planar);
    // Unit 1 is at distance 1 from both labelled units: "a" < "b".
    som.classify(&[[0.0f32], [2.0]], &["b", "a"]).unwrap();
    assert_eq!(som.labels().unwrap(), ["b", "a", "a"]);
    let mut som = line(3, Boundary::Planar);
    som.classify(&[[0.0f32], [2.0]], &["a", "b"]).unwrap();
    assert_eq!(som.labels().unwrap(), ["a", "a", "b"]);
}

#[test]
fn empty_units_use_the_grids_distance() {
    // Unit 4 of a 1 x 5 line: planar, unit 1 (3 away) is nearer than unit 0 (4 away);
    // toroidal, unit 0 is 1 away.
    let data = [[0.0f32], [1.0]];
    let mut planar = line(5, Boundary::Planar);
    planar.classify(&data, &["x", "y"]).unwrap();
    assert_eq!(planar.labels().unwrap(), ["x", "y", "y", "y", "y"]);
    let mut torus = line(5, Boundary::Toroidal);
    torus.classify(&data, &["x", "y"]).unwrap();
    assert_eq!(torus.labels().unwrap(), ["x", "y", "y", "x", "x"]);
    // A hexagonal 2 x 2 map: unit 1 (row 0, col 1) touches units 0, 2 and 3.
    let mut hex = Som::builder(2, 2, 1)
        .topology(Topology::Hexagonal)
        .init(Init::Codebook(vec![0.0, 10.0, 20.0, 30.0]))
        .build()
        .unwrap();
    hex.classify(&[[0.0f32], [30.0]], &["p", "q"]).unwrap();
    // Units 1 and 2 are each 1 from unit 0 and 1 from unit 3 (odd rows shifted right by
    // half a unit): ties, "p".
    assert_eq!(hex.labels().unwrap(), ["p", "p", "p", "q"]);
}

#[test]
fn label_order_puts_numbers_by_value_before_text() {
    let mut v = vec!["b", "10", "a", "9", "-1.5", "B"];
    v.sort_by(|a, b| label_order(a, b));
    assert_eq!(v, ["-1.5", "9", "10", "B", "a", "b"]);
}

#[test]
fn bad_inputs_are_errors_naming_what_came() {
    let mut som = line(3, Boundary::Planar);
    let e = som.classify(&[[0.0f32], [1.0]], &["a"]).unwrap_err();
    assert!(e.to_string().contains("1 labels for 2 samples"), "{e}");
    let e = som.predict(&[[0.0f32]]).unwrap_err();
    assert!(e.to_string().contains("no unit labels"), "{e}");
    let empty: [[f32; 1]; 0] = [];
    assert!(som.classify(&empty, &[] as &[&str]).is_err());
    let e = som.classify(&[[f32::NAN]], &["a"]).unwrap_err();
    assert!(
        e.to_string().contains("sample 0 has a missing value (NaN)"),
        "{e}"
    );
    assert!(som.set_labels(Some(vec!["a".into()])).is_err());
}

#[test]
fn labels_are_saved_as_version_2_and_unlabelled_maps_as_version_1() {
    let dir = std::env::temp_dir().join(format!("som-labels-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut som = line(3, Boundary::Planar);
    som.save(dir.join("plain.json")).unwrap();
    let text = std::fs::read_to_string(dir.join("plain.json")).unwrap();
    assert!(
        text.starts_with(r#"{"format":"som","version":1,"#),
        "{text}"
    );
    assert!(!text.contains("labels"));
    som.classify(&[[0.0f32], [2.0]], &["a, b", "c"]).unwrap();
    som.save(dir.join("labelled.json")).unwrap();
    let text = std::fs::read_to_string(dir.join("labelled.json")).unwrap();
    assert!(
        text.starts_with(r#"{"format":"som","version":2,"#),
        "{text}"
    );
    let loaded = Som::load(dir.join("labelled.json")).unwrap();
    assert_eq!(loaded.labels(), som.labels());
    assert_eq!(loaded.predict(&[[1.9f32]]).unwrap(), ["c"]);
    // Labels in a version-1 file are refused: version 1 had none.
    let old = text.replace(r#""version":2"#, r#""version":1"#);
    let e = SavedMap::read(old.as_bytes(), "old.json").unwrap_err();
    assert!(e.to_string().contains("version 1"), "{e}");
    // SOM_PAK codebooks carry unit labels too.
    let cod = som.to_sompak().unwrap();
    assert_eq!(cod.labels.len(), 3);
    assert_eq!(Som::from_sompak(&cod).unwrap().labels(), som.labels());
}
