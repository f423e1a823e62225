//! File formats: the SOM_PAK reference files, exact round trips, and an error (never a
//! panic) naming the place for every malformed input.
// Expected values are written as the reference files write them.
#![allow(clippy::excessive_precision)]

use proptest::prelude::*;
use som_std::io::{
    Dataset, Format, SavedMap, SompakCodebook, read_cod, read_csv, read_dat, read_data, read_f32,
    write_cod, write_csv, write_dat, write_data, write_f32,
};
use som_std::kernel::Training;
use som_std::{Boundary, Clock, Error, Schedule, Shape, Topology};
use std::path::PathBuf;

const EX_DAT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sompak/ex.dat");
const EX_COD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sompak/ex_init.cod");

/// The parse error's line and message, or a failure naming what came instead.
fn parse_err<T: std::fmt::Debug>(r: som_std::Result<T>) -> (Option<usize>, String) {
    match r {
        Err(e @ Error::Parse { line, .. }) => (line, e.to_string()),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

fn csv(text: &str) -> som_std::Result<Dataset> {
    read_csv(text.as_bytes(), "t.csv")
}

fn dat(text: &str) -> som_std::Result<Dataset> {
    read_dat(text.as_bytes(), "t.dat")
}

fn cod(text: &str) -> som_std::Result<SompakCodebook> {
    read_cod(text.as_bytes(), "t.cod")
}

/// A file in the system's temporary folder, unique to this process and test.
fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("som-io-test-{}-{name}", std::process::id()))
}

// ---- SOM_PAK reference files ----

#[test]
fn reads_sompak_example_data() {
    let ds = read_data(EX_DAT, None).unwrap();
    assert_eq!(ds.dim, 5);
    assert_eq!(ds.len(), 3840);
    assert!(ds.labels.is_empty() && ds.columns.is_none());
    assert_eq!(
        ds.data[..5],
        [13.575570, 12.656892, -1.424328, -2.302774, 404.921600]
    );
    assert_eq!(
        ds.data[5..10],
        [13.844373, 12.610620, -1.435429, -1.964423, 404.978180]
    );
    assert_eq!(
        ds.data[ds.data.len() - 5..],
        [23.332212, 22.386673, -0.440821, 0.525516, 406.918518]
    );
    // The dimension may be checked against a given one.
    assert!(read_data(EX_DAT, Some(5)).is_ok());
    let e = read_data(EX_DAT, Some(3)).unwrap_err().to_string();
    assert!(e.contains("dim 5") && e.contains("dim 3"), "{e}");
}

#[test]
fn reads_sompak_randinit_codebook() {
    let c = read_cod(std::fs::File::open(EX_COD).unwrap(), "ex_init.cod").unwrap();
    assert_eq!(c.dim, 5);
    assert_eq!(c.topology, Topology::Hexagonal);
    assert_eq!((c.cols, c.rows), (12, 8)); // xdim 12 columns, ydim 8 rows
    assert_eq!(c.neighbourhood, Shape::Bubble);
    assert_eq!(c.weights.len(), 96 * 5);
    assert!(c.labels.is_empty());
    assert_eq!(
        c.weights[..5],
        [1.12316, 64.8606, -0.13331, -6.20365, 293.941]
    );
    assert_eq!(
        c.weights[5..10],
        [40.9799, 19.9933, -10.1098, -10.8109, 220.378]
    );
    assert_eq!(
        c.weights[94 * 5..95 * 5],
        [30.3082, 46.583, -6.29523, -5.87979, 86.3994]
    );
    assert_eq!(
        c.weights[95 * 5..],
        [17.6648, 48.538, -17.4947, 4.26797, 257.82]
    );
    // Unit y * xdim + x: row 7 (the last), column 11 (the last) is the last line.
    let (row, col) = (7, 11);
    assert_eq!(c.weights[(row * c.cols + col) * 5], 17.6648);
    // Through the path reader, as data.
    let ds = read_data(EX_COD, None).unwrap();
    assert_eq!((ds.dim, ds.len(), &ds.data), (5, 96, &c.weights));
}

#[test]
fn sompak_round_trips_are_exact() {
    let ds = read_data(EX_DAT, None).unwrap();
    let mut out = Vec::new();
    write_dat(&mut out, "out.dat", &ds.data, ds.dim, &ds.labels).unwrap();
    assert_eq!(dat(std::str::from_utf8(&out).unwrap()).unwrap(), ds);

    let c = read_cod(std::fs::File::open(EX_COD).unwrap(), "ex_init.cod").unwrap();
    let mut out = Vec::new();
    write_cod(&mut out, "out.cod", &c).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("5 hexa 12 8 bubble\n"), "{text}");
    assert!(
        text.contains("\n1.12316 64.8606 -0.13331 -6.20365 293.941\n"),
        "{text}"
    );
    assert_eq!(cod(&text).unwrap(), c);
}

#[test]
fn sompak_labels_and_comments() {
    let ds =
        dat("# made by hand\n3 rect 2 2 bubble\n1 2 3 A\n\n4 5 6\n7 8 9  two   words \n").unwrap();
    assert_eq!((ds.dim, ds.len()), (3, 3));
    let two = Some("two words".to_string());
    assert_eq!(ds.labels, [Some("A".to_string()), None, two]);
    let mut out = Vec::new();
    write_dat(&mut out, "o.dat", &ds.data, 3, &ds.labels).unwrap();
    assert_eq!(
        std::str::from_utf8(&out).unwrap(),
        "3\n1 2 3 A\n4 5 6\n7 8 9 two words\n"
    );

    let c = cod("2 rect 2 1 gaussian\n# c\n0 1 lo\n2 3\n").unwrap();
    assert_eq!((c.rows, c.cols, c.topology), (1, 2, Topology::Rectangular));
    assert_eq!((c.neighbourhood, c.labels.len()), (Shape::Gaussian, 2));
}

#[test]
fn sompak_errors_name_the_line() {
    // `x` is SOM_PAK's missing value, read as NaN (tests/missing.rs).
    let (line, e) = parse_err(dat("3\n1 2 3\n1 y 3\n"));
    assert_eq!(line, Some(3));
    assert!(e.contains("\"y\""), "{e}");
    let (line, e) = parse_err(dat("3\n1 2 3\n1 2\n"));
    assert_eq!(line, Some(3));
    assert!(
        e.contains("3 numbers") && e.contains("got 2 numbers"),
        "{e}"
    );
    let (line, e) = parse_err(dat("3\n1 2 three\n"));
    assert_eq!(line, Some(2));
    assert!(e.contains("\"three\""), "{e}");
    let (line, e) = parse_err(dat("3\n1 2 inf\n"));
    assert!(
        line == Some(2) && e.contains("finite") && e.contains("column 3"),
        "{e}"
    );
    let (line, e) = parse_err(dat("\n\nfive\n1 2\n"));
    assert!(line == Some(3) && e.contains("dimension"), "{e}");
    assert!(parse_err(dat("0\n")).1.contains("positive"));
    assert!(parse_err(dat("")).1.contains("empty"));
    assert!(
        parse_err(dat("2\n# only a comment\n"))
            .1
            .contains("at least one sample")
    );

    let (line, e) = parse_err(cod("2 hexa 2 2 bubble\n1 2\n3 4\n5 6\n"));
    assert_eq!(line, Some(4));
    assert!(e.contains("4 unit lines") && e.contains("got 3"), "{e}");
    let (line, e) = parse_err(cod("2 hexa 1 2 bubble\n1 2\n3 4\n5 6\n"));
    assert!(line == Some(4) && e.contains("end of the file"), "{e}");
    let (line, e) = parse_err(cod("2 hex 1 2 bubble\n"));
    assert!(line == Some(1) && e.contains("\"hex\""), "{e}");
    assert!(
        parse_err(cod("2 hexa 1 2 cutegauss\n"))
            .1
            .contains("\"cutegauss\"")
    );
    assert!(parse_err(cod("2 hexa 0 2 bubble\n")).1.contains("xdim"));
    assert!(
        parse_err(cod("2 hexa 3\n"))
            .1
            .contains("5 hexa 12 8 bubble")
    );
    assert!(
        parse_err(cod("2 rect 99999999 99999999 bubble\n"))
            .1
            .contains("units")
    );
}

#[test]
fn sompak_writers_refuse_what_readers_would_not_read() {
    let mut c = read_cod(std::fs::File::open(EX_COD).unwrap(), "ex_init.cod").unwrap();
    c.neighbourhood = Shape::Triangle;
    assert!(matches!(
        write_cod(Vec::new(), "o.cod", &c),
        Err(Error::Invalid(_))
    ));
    c.neighbourhood = Shape::Bubble;
    c.weights.pop();
    assert!(matches!(
        write_cod(Vec::new(), "o.cod", &c),
        Err(Error::Invalid(_))
    ));
    let labels = [Some("a\nb".to_string())];
    assert!(write_dat(Vec::new(), "o.dat", &[1.0], 1, &labels).is_err());
    assert!(write_dat(Vec::new(), "o.dat", &[1.0, 2.0], 1, &labels).is_err());
    assert!(write_dat(Vec::new(), "o.dat", &[f32::NAN], 1, &[]).is_err());
}

// ---- CSV ----

#[test]
fn csv_with_and_without_header() {
    let ds = csv("1,2,3\n4, 5 ,6e0\n").unwrap();
    assert_eq!(
        (ds.dim, ds.data.as_slice(), ds.columns),
        (3, &[1., 2., 3., 4., 5., 6.][..], None)
    );
    let ds = csv("\u{feff}\"red\", green ,blue\r\n0.5,0,1\r\n\r\n").unwrap();
    assert_eq!(ds.columns.unwrap(), ["red", "green", "blue"]);
    assert_eq!(ds.data, [0.5, 0.0, 1.0]);
    // `#` comments (numpy.savetxt's header) and blank lines are skipped.
    let ds = csv("# x,y\n\n-1,.5\n").unwrap();
    assert_eq!((ds.dim, ds.data.as_slice()), (2, &[-1.0, 0.5][..]));
}

#[test]
fn csv_errors_name_line_column_and_lengths() {
    let (line, e) = parse_err(csv("1,2,3\n4,5,6\n7,8\n"));
    assert_eq!(line, Some(3));
    assert!(
        e.contains("3 values (as on line 1)") && e.contains("got 2 values"),
        "{e}"
    );
    // NaN, NA and empty fields are missing values, read as NaN (tests/missing.rs); infinity
    // and overflow are errors.
    let (line, e) = parse_err(csv("1,2\n-inf,2\n"));
    assert!(line == Some(2) && e.contains("column 1"), "{e}");
    let (line, e) = parse_err(csv("1,2\n3,1e39\n")); // too large for f32
    assert!(line == Some(2) && e.contains("finite"), "{e}");
    let (line, e) = parse_err(csv("1,2\n3,four\n"));
    assert!(
        line == Some(2) && e.contains("\"four\"") && e.contains("column 2"),
        "{e}"
    );
    let (line, e) = parse_err(csv("a,b,c\n1,2,3\n1,x,3\n"));
    assert!(
        line == Some(3) && e.contains("column 2") && e.contains("\"x\""),
        "{e}"
    );
    // The header rule: a first line with any field that is not a number is a header (so
    // numeric names such as years are names), even one with some numbers.
    let ds = csv("1,x,3\n4,5,6\n").unwrap();
    assert_eq!(
        (ds.columns.unwrap(), ds.data),
        (names(&["1", "x", "3"]), vec![4.0, 5.0, 6.0])
    );
    // An empty field is a missing value: a first line of numbers with one is data.
    let ds = csv("1,,3\n").unwrap();
    assert!(ds.columns.is_none() && ds.data[1].is_nan() && ds.data.len() == 3);
    assert!(parse_err(csv(",,\n")).1.contains("only a header"));
    let (line, e) = parse_err(csv("a,b,c\n1,2\n"));
    assert!(line == Some(2) && e.contains("header on line 1"), "{e}");
    assert!(parse_err(csv("a,b\n")).1.contains("only a header"));
    assert!(parse_err(csv("")).1.contains("no rows"));
    let (line, e) = parse_err(read_csv(&b"1,2\n3,\xff\n"[..], "t.csv"));
    assert!(
        line == Some(2) && e.contains("UTF-8") && e.contains("0xff"),
        "{e}"
    );
    assert!(e.starts_with("t.csv:2: "), "{e}");
}

#[test]
fn csv_writer_round_trips() {
    let data = [1.0, -0.1, 3.5e-9, 1e30, f32::MIN_POSITIVE, f32::MAX];
    let cols = ["a".to_string(), "b".to_string()];
    let mut out = Vec::new();
    write_csv(&mut out, "o.csv", &data, 2, Some(&cols)).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("a,b\n1,-0.1\n3.5e-9,1e30\n"), "{text}");
    let ds = csv(&text).unwrap();
    assert_eq!(
        (ds.data.as_slice(), ds.columns.unwrap()),
        (&data[..], cols.to_vec())
    );
    assert!(write_csv(Vec::new(), "o.csv", &data, 4, None).is_err());
    assert!(write_csv(Vec::new(), "o.csv", &data, 0, None).is_err());
    assert!(write_csv(Vec::new(), "o.csv", &[], 2, None).is_err());
    let bad = ["a\nb".to_string(), "c".to_string()];
    assert!(write_csv(Vec::new(), "o.csv", &data, 2, Some(&bad)).is_err());
}

/// `columns` written with `data` (one sample of ones) and read back.
fn csv_round_trip(columns: &[String]) -> (String, Option<Vec<String>>) {
    let data = vec![1.0; columns.len()];
    let mut out = Vec::new();
    write_csv(&mut out, "o.csv", &data, columns.len(), Some(columns)).unwrap();
    let text = String::from_utf8(out).unwrap();
    let ds = csv(&text).unwrap_or_else(|e| panic!("{text:?} does not read back: {e}"));
    assert_eq!((ds.dim, ds.data), (columns.len(), data), "{text:?}");
    (text, ds.columns)
}

fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

#[test]
fn csv_byte_order_mark_only_at_the_start_of_the_file() {
    // Excel's "CSV UTF-8": a byte order mark, CRLF line ends, quoted names.
    let ds = csv("\u{feff}\"r\",\"g\"\r\n1,2\r\n").unwrap();
    assert_eq!(
        (ds.columns.unwrap(), ds.data),
        (names(&["r", "g"]), vec![1.0, 2.0])
    );
    assert_eq!(csv("\u{feff}1,2\n").unwrap().data, [1.0, 2.0]);
    // Comments are skipped whatever they hold.
    assert_eq!(csv("# \u{feff}x\n1\n").unwrap().data, [1.0]);
    // Anywhere else it is an error naming the line, never part of a name or a value.
    for (text, at) in [
        ("\n\u{feff}a\n1\n", 2),
        ("# numbers\n\u{feff}1,2\n", 2),
        ("\u{feff}\u{feff}a\n1\n", 1),
        ("a,b\u{feff}\n1,2\n", 1),
        ("a\n1\n\u{feff}2\n", 3),
        ("1,2\n\u{feff}a,b\n3,4\n", 2), // two files joined together
    ] {
        let (line, e) = parse_err(csv(text));
        assert!(
            line == Some(at) && e.contains("byte order mark") && e.contains("start of the file"),
            "{text:?}: {e}"
        );
    }
    let (_, e) = parse_err(csv("a,b\u{feff}\n1,2\n"));
    assert!(e.contains("character 4"), "{e}");
    // So the writer refuses to write one in a name, as it refuses a line feed.
    for bad in ["\u{feff}a", "a\u{feff}", "a\nb"] {
        let e = write_csv(Vec::new(), "o.csv", &[1.0], 1, Some(&names(&[bad]))).unwrap_err();
        assert!(
            matches!(e, Error::Invalid(_)) && e.to_string().contains("line feed or a byte order"),
            "{e}"
        );
    }
}

#[test]
fn csv_empty_column_names_round_trip() {
    for columns in [names(&[""]), names(&["", ""]), names(&["", "a", ""])] {
        let (_, back) = csv_round_trip(&columns);
        assert_eq!(back, Some(columns));
    }
    assert_eq!(csv_round_trip(&names(&[""])).0, "\"\"\n1\n");
    assert_eq!(csv("\"\"\n1\n").unwrap().columns.unwrap(), [""]);
    assert_eq!(csv(",\n1,2\n").unwrap().columns.unwrap(), ["", ""]);
}

#[test]
fn csv_column_names_are_quoted_when_they_must_be() {
    let columns = names(&[
        "2",
        "#4",
        "-1e3",
        "inf",
        "NaN",
        " x",
        "x\t",
        "a,b",
        "say \"hi\"",
        "\"",
        "\"q\"",
        "x\ry",
        "\u{a0}nbsp",
        "plain",
        "a#b",
        "_",
    ]);
    let (text, back) = csv_round_trip(&columns);
    assert_eq!(back, Some(columns), "{text:?}");
    assert!(
        text.starts_with(
            "\"2\",\"#4\",\"-1e3\",\"inf\",\"NaN\",\" x\",\"x\t\",\"a,b\",\"say \"\"hi\"\"\",\"\"\"\",\
             \"\"\"q\"\"\",\"x\ry\",\"\u{a0}nbsp\",plain,a#b,_\n"
        ),
        "{text:?}"
    );
    // Names that need no quotes are written as before.
    assert_eq!(csv_round_trip(&names(&["a", "b c"])).0, "a,b c\n1,1\n");
    // Quoted names that look like numbers are a header. A double quote opens a quoted field
    // only at its start (RFC 4180, as the `csv` crate reads it): after a space it is text.
    let ds = csv("\"1\", \"2\",3x\n4,5,6\n").unwrap();
    assert_eq!(ds.columns.unwrap(), ["1", "\"2\"", "3x"]);
    let ds = csv("\" a, \"\"b\"\" \",c,\"\"\n1,2,3\n").unwrap();
    assert_eq!(ds.columns.unwrap(), [" a, \"b\" ", "c", ""]);
    // A double quote inside an unquoted name is kept, as it was.
    assert_eq!(
        csv("a\"b,c\n1,2\n").unwrap().columns.unwrap(),
        ["a\"b", "c"]
    );
    // Quoted numbers are numbers: a line of them alone is data.
    assert_eq!(csv("1,\"2\"\n").unwrap().data, [1.0, 2.0]);
}

#[test]
fn csv_malformed_quotes_name_the_line() {
    for (text, at, expected, got) in [
        (
            "\"a,b\n1\n",
            1,
            "closing double quote for the field in column 1",
            "end of the line",
        ),
        (
            "# c\n\nx,\"y\n1,2\n",
            3,
            "closing double quote for the field in column 2",
            "end of the line",
        ),
        (
            "\"a\"\"\n1\n",
            1,
            "closing double quote for the field in column 1",
            "end of the line",
        ),
        ("\"\n1\n", 1, "closing double quote", "end of the line"),
        (
            "a,\"b\"c\n1,2\n",
            1,
            "comma or the end of the line after the closing double quote of column 2",
            "\"c\"",
        ),
        (
            "\"a\" \"b\",c\n1,2\n",
            1,
            "after the closing double quote of column 1",
            "\"\"b\",c\"",
        ),
        (
            "1,2,\"3\n",
            1,
            "closing double quote for the field in column 3",
            "end of the line",
        ),
    ] {
        let (line, e) = parse_err(csv(text));
        assert!(
            line == Some(at) && e.contains(expected) && e.contains(got),
            "{text:?}: {e}"
        );
    }
}

/// What spreadsheets write: `;` or tab between values, decimal commas, quoted numbers, a
/// byte order mark and CRLF line ends.
#[test]
fn csv_as_spreadsheets_write_it() {
    // A European Excel's "CSV (semicolon)": decimal commas.
    let ds = csv("Länge;Breite\r\n1,5;2\r\n-0,25;3e2\r\n").unwrap();
    assert_eq!(ds.columns.unwrap(), ["Länge", "Breite"]);
    assert_eq!((ds.dim, ds.data), (2, vec![1.5, 2.0, -0.25, 300.0]));
    // Quoted numbers, quoted names with the delimiter inside.
    let ds = csv("\u{feff}\"a;b\";\"c\"\n\"1,5\";\"2\"\n").unwrap();
    assert_eq!(ds.columns.unwrap(), ["a;b", "c"]);
    assert_eq!(ds.data, [1.5, 2.0]);
    // Tab-separated, decimal points or commas.
    let ds = csv("x\ty\tz\n1.5\t2\t3\n4\t5\t6\n").unwrap();
    assert_eq!((ds.dim, ds.data.len()), (3, 6));
    assert_eq!(csv("1,5\t2\n").unwrap().data, [1.5, 2.0]);
    // Every line quoted, as some spreadsheets write: data, not a header.
    let ds = csv("\"1.5\",\"2\"\n\"3\",\"4\"\n").unwrap();
    assert_eq!((ds.columns, ds.data), (None, vec![1.5, 2.0, 3.0, 4.0]));
    // Spaces around numbers, inside or outside the quotes.
    assert_eq!(csv(" 1 ,\" 2 \"\n").unwrap().data, [1.0, 2.0]);
    // A comma file keeps its commas as delimiters.
    let ds = csv("1,5\n2,5\n").unwrap();
    assert_eq!((ds.dim, ds.data), (2, vec![1.0, 5.0, 2.0, 5.0]));
}

#[test]
fn csv_delimiter_given_overrides_detection() {
    use som_std::io::{Delimiter, read_csv_with};
    let one_column = "1,5\n2,5\n";
    let ds = read_csv_with(one_column.as_bytes(), "t.csv", Some(Delimiter::Semicolon)).unwrap();
    assert_eq!((ds.dim, ds.data), (1, vec![1.5, 2.5]));
    let ds = read_csv_with("a;b,c\n1;2,5\n".as_bytes(), "t.csv", Some(Delimiter::Comma));
    let (line, e) = parse_err(ds);
    assert!(
        line == Some(2) && e.contains("column 1") && e.contains("\"1;2\""),
        "{e}"
    );
    assert_eq!("tab".parse::<Delimiter>().unwrap(), Delimiter::Tab);
    assert_eq!(";".parse::<Delimiter>().unwrap(), Delimiter::Semicolon);
    assert_eq!(",".parse::<Delimiter>().unwrap(), Delimiter::Comma);
    let e = "|".parse::<Delimiter>().unwrap_err().to_string();
    assert!(
        e.contains("\"|\"") && e.contains("expected , ; or tab"),
        "{e}"
    );
}

#[test]
fn csv_errors_in_spreadsheet_files_name_line_and_column() {
    let (line, e) = parse_err(csv("a;b\n1;2\n3;x\n"));
    assert!(
        line == Some(3) && e.contains("a number in column 2") && e.contains("\"x\""),
        "{e}"
    );
    let (line, e) = parse_err(csv("a\tb\n1\t2\n3\t4\t5\n"));
    assert!(
        line == Some(3) && e.contains("2 values (as on line 2), got 3"),
        "{e}"
    );
    // A file does not mix decimal commas and points: which mark a value means is unclear.
    let (line, e) = parse_err(csv("1,5;2\n3;2.5\n"));
    assert!(
        line == Some(2)
            && e.contains("decimal comma in column 2, as on line 1 column 1")
            && e.contains("\"2.5\""),
        "{e}"
    );
    let (line, e) = parse_err(csv("a;b\n1.234,5;2\n"));
    assert!(line == Some(2) && e.contains("a number in column 1"), "{e}");
    // A quoted field left open, in data: the line where it opened.
    let (line, e) = parse_err(csv("1,2\n3,4\n5,\"6\n7,8\n"));
    assert!(
        line == Some(3) && e.contains("closing double quote for the field in column 2"),
        "{e}"
    );
    let (line, e) = parse_err(csv("1;2\n3;\"4\"\n\"x\";6\n"));
    assert!(
        line == Some(3) && e.contains("a number in column 1") && e.contains("\"x\""),
        "{e}"
    );
}

#[test]
fn csv_header_rule_and_writer_round_trip() {
    // Our writer quotes names that look like numbers, not the rows: a header.
    let columns = names(&["2", "3.5", "-1"]);
    let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let mut out = Vec::new();
    write_csv(&mut out, "o.csv", &data, 3, Some(&columns)).unwrap();
    assert_eq!(out, b"\"2\",\"3.5\",\"-1\"\n1,2,3\n4,5,6\n");
    let ds = csv(std::str::from_utf8(&out).unwrap()).unwrap();
    assert_eq!((ds.columns.unwrap(), ds.data), (columns, data.to_vec()));
    // Names with the other delimiters are quoted, so detection keeps the comma.
    let columns = names(&["a;b", "c\td"]);
    let (text, back) = csv_round_trip(&columns);
    assert_eq!(text, "\"a;b\",\"c\td\"\n1,1\n");
    assert_eq!(back, Some(columns));
    // A header spreadsheets write: years as names.
    let ds = csv("name,2019,2020\nx,1,2\n");
    assert!(parse_err(ds).1.contains("a number in column 1"));
    let ds = csv("id;2019;2020\n1;2,5;3\n").unwrap();
    assert_eq!(ds.columns.unwrap(), ["id", "2019", "2020"]);
}

// ---- raw f32 ----

#[test]
fn raw_f32_round_trip_and_errors() {
    let data = [1.5f32, -2.0, 0.0, 7.25, 1e-30, 3.0];
    let mut out = Vec::new();
    write_f32(&mut out, "o.f32", &data, 3).unwrap();
    assert_eq!(out.len(), 24);
    assert_eq!(out[..4], 1.5f32.to_le_bytes());
    let ds = read_f32(out.as_slice(), "o.f32", 3).unwrap();
    assert_eq!((ds.data.as_slice(), ds.dim, ds.len()), (&data[..], 3, 2));

    let (line, e) = parse_err(read_f32(&out[..20], "o.f32", 3));
    assert!(
        line.is_none() && e.contains("12 bytes") && e.contains("got 20 bytes"),
        "{e}"
    );
    assert!(
        parse_err(read_f32(&out[..], "o.f32", 4))
            .1
            .contains("16 bytes")
    );
    assert!(
        parse_err(read_f32(&[][..], "o.f32", 1))
            .1
            .contains("got 0 bytes")
    );
    // NaN is a missing value, read as such (the map decides whether that is an error);
    // infinity is an error naming its place.
    let mut nan = out.clone();
    nan[16..20].copy_from_slice(&f32::NAN.to_le_bytes());
    assert!(read_f32(nan.as_slice(), "o.f32", 3).unwrap().data[4].is_nan());
    let mut inf = out.clone();
    inf[16..20].copy_from_slice(&f32::INFINITY.to_le_bytes());
    let e = parse_err(read_f32(inf.as_slice(), "o.f32", 3)).1;
    assert!(e.contains("sample 1, column 2") && e.contains("inf"), "{e}");
    assert!(matches!(
        read_f32(out.as_slice(), "o.f32", 0),
        Err(Error::Invalid(_))
    ));
    assert!(
        parse_err(read_f32(out.as_slice(), "o.f32", usize::MAX))
            .1
            .contains("bytes")
    );
}

// ---- formats by extension, paths ----

#[test]
fn format_by_extension() {
    for (p, f) in [
        ("a.csv", Format::Csv),
        ("dir.d/b.DAT", Format::Dat),
        ("c.cod", Format::Cod),
        ("d.f32", Format::F32),
        ("e.json", Format::Json),
    ] {
        assert_eq!(Format::from_path(p).unwrap(), f);
    }
    for p in ["data.txt", "data", "csv"] {
        let e = Format::from_path(p).unwrap_err().to_string();
        assert!(e.contains(".csv, .dat, .cod, .f32, .json"), "{e}");
        assert!(e.contains(p), "{e}");
    }
}

#[test]
fn read_and_write_data_by_path() {
    let data = [0.25f32, 1.0, -3.0, 4.5];
    let labels = [Some("x".to_string()), None];
    for ext in ["csv", "dat", "f32"] {
        let path = temp(&format!("rw.{ext}"));
        write_data(&path, &data, 2, None, &labels).unwrap();
        let ds = read_data(&path, Some(2)).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(ds.data, data, "{ext}");
        assert_eq!(ds.labels.is_empty(), ext != "dat", "{ext}");
    }
    let e = read_data(temp("missing.csv"), None).unwrap_err();
    assert!(
        matches!(e, Error::Io { .. }) && e.to_string().contains("missing.csv"),
        "{e}"
    );
    assert!(
        read_data("x.f32", None)
            .unwrap_err()
            .to_string()
            .contains("--dim")
    );
    assert!(
        read_data("x.json", None)
            .unwrap_err()
            .to_string()
            .contains("saved map")
    );
    assert!(write_data(temp("no.cod"), &data, 2, None, &[]).is_err());
}

// ---- saved maps ----

fn small_map() -> SavedMap {
    SavedMap {
        rows: 2,
        cols: 3,
        dim: 2,
        topology: Topology::Hexagonal,
        boundary: Boundary::Toroidal,
        training: Training {
            shape: Shape::MexicanHat,
            alpha: Schedule::Exponential {
                start: 0.5,
                end: 0.01,
            },
            sigma: Schedule::Linear {
                start: 1.5,
                end: 0.1,
            },
            cutoff: 1e-3,
            clock: Clock::Epoch,
        },
        seed: u64::MAX,
        epochs: 12,
        steps: 34,
        stream_steps: 500,
        distance: som_std::Distance::Chebyshev,
        missing: som_std::Missing::Error,
        codebook: vec![
            0.1,
            -0.2,
            1e-20,
            3e20,
            1.0 / 3.0,
            5.0,
            6.0,
            7.0,
            8.0,
            9.0,
            10.0,
            11.0,
        ],
        labels: None,
    }
}

fn saved_text(map: &SavedMap) -> String {
    let mut out = Vec::new();
    map.write(&mut out, "m.json").unwrap();
    String::from_utf8(out).unwrap()
}

fn load(text: &str) -> som_std::Result<SavedMap> {
    SavedMap::read(text.as_bytes(), "m.json")
}

#[test]
fn saved_map_round_trip_and_format() {
    let map = small_map();
    let text = saved_text(&map);
    assert!(
        text.starts_with(r#"{"format":"som","version":1,"map":{"rows":2,"cols":3,"#),
        "{text}"
    );
    assert!(
        text.contains(r#""topology":"hexagonal","boundary":"toroidal""#),
        "{text}"
    );
    assert!(text.contains(r#""shape":"mexican-hat""#), "{text}");
    assert!(
        text.contains(r#""sigma":{"linear":{"start":1.5,"end":0.1}}"#),
        "{text}"
    );
    assert!(text.contains(r#""clock":"epoch""#), "{text}");
    assert_eq!(load(&text).unwrap(), map);

    let path = temp("map.json");
    map.save(&path).unwrap();
    assert_eq!(SavedMap::load(&path).unwrap(), map);
    std::fs::remove_file(&path).unwrap();

    // Every schedule and every setting survives.
    for (alpha, sigma) in [
        (Schedule::Constant(0.1), Schedule::Asymptotic { start: 2.0 }),
        (
            Schedule::Inverse {
                start: 1.0,
                end: 0.5,
            },
            Schedule::Constant(3.0),
        ),
    ] {
        let mut m = small_map();
        m.training.alpha = alpha;
        m.training.sigma = sigma;
        m.topology = Topology::Rectangular;
        m.boundary = Boundary::Planar;
        m.training.shape = Shape::Bubble;
        m.training.clock = Clock::Sample;
        assert_eq!(load(&saved_text(&m)).unwrap(), m);
    }
}

#[test]
fn saved_map_truncated_at_every_length_is_an_error() {
    let text = saved_text(&small_map());
    let bytes = text.trim_end().as_bytes();
    for len in 0..bytes.len() {
        match SavedMap::read(&bytes[..len], "m.json") {
            Err(Error::Parse { file, .. }) => assert_eq!(file, "m.json"),
            other => panic!("{len} of {} bytes: {other:?}", bytes.len()),
        }
    }
    assert!(SavedMap::read(bytes, "m.json").is_ok());
}

#[test]
fn saved_map_problems_are_named() {
    let text = saved_text(&small_map());
    let cases = [
        (
            text.replace(r#""version":1"#, r#""version":3"#),
            "\"version\": 3",
        ),
        (
            text.replace(r#""format":"som""#, r#""format":"other""#),
            "\"format\": \"som\"",
        ),
        (
            text.replace(r#""format":"som","#, ""),
            "no \"format\" field",
        ),
        (
            text.replace(r#""dim":2"#, r#""dim":3"#),
            "units of dim 3 need 18",
        ),
        (
            text.replace(r#""rows":2"#, r#""rows":3"#),
            "even number of rows",
        ),
        (text.replace(r#""rows":2"#, r#""rows":0"#), "rows"),
        (text.replace(r#""dim":2"#, r#""dim":0"#), "got dim 0"),
        (
            text.replace(r#""rows":2"#, r#""rows":3,"cols":1"#),
            "duplicate field",
        ),
        (
            text.replace(r#""seed""#, r#""colour""#),
            "unknown field `colour`",
        ),
        (
            text.replace(r#""cutoff":0.001"#, r#""cutoff":2.0"#),
            "cutoff",
        ),
        (
            text.replace(r#""epoch""#, r#""hour""#),
            "unknown variant `hour`",
        ),
        (
            text.replace(r#""codebook":[0.1"#, r#""codebook":[1e39"#),
            "number out of range",
        ),
        (
            text.replace(r#""codebook":[0.1"#, r#""codebook":["a""#),
            "invalid type",
        ),
        (
            text.replace(r#"{"linear""#, r#"{"cubic""#),
            "unknown variant `cubic`",
        ),
        ("[1,2,3]".to_string(), "starting with \"[\""),
        ("not json".to_string(), "JSON object"),
        (String::new(), "an empty file"),
        (
            "{\"format\": \"som\", \"version\": 1} x".into(),
            "trailing characters (column 33)",
        ),
        (
            "{\"format\": \"som\", \"version\": 1}".into(),
            "missing field `map`",
        ),
        (
            text.replace(r#""version":1"#, r#""version":"1""#),
            "\"version\": \"1\"",
        ),
    ];
    for (bad, what) in cases {
        let e = load(&bad).unwrap_err();
        assert!(matches!(e, Error::Parse { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(msg.starts_with("m.json"), "{msg}");
        assert!(msg.contains(what), "{what:?} not in {msg:?}");
    }
    // Serde's defaults: seed, epochs and steps may be left out.
    let m =
        load(&text.replace(r#""seed":18446744073709551615,"epochs":12,"steps":34,"#, "")).unwrap();
    assert_eq!((m.seed, m.epochs, m.steps), (0, 0, 0));
    // A map that would not load is never written.
    let mut bad = small_map();
    bad.codebook.push(1.0);
    assert!(matches!(
        bad.write(Vec::new(), "m.json"),
        Err(Error::Invalid(_))
    ));
    bad.codebook = vec![f32::NAN; 12];
    assert!(matches!(
        bad.write(Vec::new(), "m.json"),
        Err(Error::Invalid(_))
    ));
}

// ---- properties: exact round trips, no panic on any bytes ----

fn finite_f32() -> impl Strategy<Value = f32> {
    any::<u32>()
        .prop_map(f32::from_bits)
        .prop_filter("finite", |v| v.is_finite())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn text_formats_round_trip_any_finite_f32(
        dim in 1usize..5,
        values in prop::collection::vec(finite_f32(), 1..40),
    ) {
        let n = values.len() / dim;
        prop_assume!(n > 0);
        let data = &values[..n * dim];
        let mut out = Vec::new();
        write_csv(&mut out, "p.csv", data, dim, None).unwrap();
        prop_assert_eq!(&read_csv(out.as_slice(), "p.csv").unwrap().data, data);
        let mut out = Vec::new();
        write_dat(&mut out, "p.dat", data, dim, &[]).unwrap();
        prop_assert_eq!(&read_dat(out.as_slice(), "p.dat").unwrap().data, data);
        let mut map = small_map();
        map.rows = 1;
        map.cols = n;
        map.dim = dim;
        map.boundary = Boundary::Planar;
        map.codebook = data.to_vec();
        prop_assert_eq!(load(&saved_text(&map)).unwrap(), map);
    }

    #[test]
    fn csv_column_names_round_trip_exactly(
        columns in prop::collection::vec(
            prop_oneof![
                "[ \t\r#\",a-c0-9.eE+-]{0,5}",
                "(inf|NaN|-?[0-9]{1,3}(\\.[0-9])?(e[0-9])?)",
                "\\PC{0,4}",
            ],
            1..5,
        ),
        rows in 1usize..3,
    ) {
        let data = vec![0.5; rows * columns.len()];
        let mut out = Vec::new();
        write_csv(&mut out, "p.csv", &data, columns.len(), Some(&columns)).unwrap();
        let ds = read_csv(out.as_slice(), "p.csv");
        prop_assert!(ds.is_ok(), "{:?}: {:?}", String::from_utf8_lossy(&out), ds);
        let ds = ds.unwrap();
        prop_assert_eq!(ds.columns, Some(columns));
        prop_assert_eq!(ds.data, data);
    }

    #[test]
    fn readers_are_total_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = read_csv(bytes.as_slice(), "p");
        let _ = read_dat(bytes.as_slice(), "p");
        let _ = read_cod(bytes.as_slice(), "p");
        let _ = read_f32(bytes.as_slice(), "p", 3);
        let _ = SavedMap::read(bytes.as_slice(), "p");
    }

    #[test]
    fn readers_are_total_on_damaged_files(
        which in 0usize..4,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut bytes = match which {
            0 => b"a,b\n1,2\n3,4\n".to_vec(),
            1 => b"2\n1 2 x\n3 4\n".to_vec(),
            2 => b"2 hexa 1 2 bubble\n1 2\n3 4 lab\n".to_vec(),
            _ => saved_text(&small_map()).into_bytes(),
        };
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let r = match which {
            0 => read_csv(bytes.as_slice(), "p").map(|_| ()),
            1 => read_dat(bytes.as_slice(), "p").map(|_| ()),
            2 => read_cod(bytes.as_slice(), "p").map(|_| ()),
            _ => SavedMap::read(bytes.as_slice(), "p").map(|_| ()),
        };
        if let Err(e) = r {
            prop_assert!(matches!(e, Error::Parse { .. }), "{e:?}");
        }
    }
}

/// The files in a folder, by name.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every writer that takes a path writes all or nothing: a failure at any point leaves the old
/// file byte for byte and no temporary file behind; a success replaces it whole.
#[test]
fn writes_are_all_or_nothing() {
    use som_std::io::write_atomic;
    use std::io::Write;
    let dir = temp("atomic");
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("map.csv");
    std::fs::write(&target, "precious\n").unwrap();
    // A writer that fails half way.
    let err = write_atomic(&target, |f, _| {
        f.write_all(b"1,2,3\n4,").unwrap();
        Err(Error::Invalid("stopped".into()))
    })
    .unwrap_err();
    assert_eq!(err.to_string(), "stopped");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious\n");
    assert_eq!(listing(&dir), ["map.csv"]);
    // Writers refusing their input (a non-finite value) leave it too.
    for ext in ["csv", "dat", "f32"] {
        let path = dir.join(format!("old.{ext}"));
        std::fs::write(&path, "old").unwrap();
        assert!(write_data(&path, &[1.0, f32::NAN], 2, None, &[]).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old", "{ext}");
    }
    // A success replaces the file whole and keeps its permissions.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    write_data(&target, &[1.0, 2.0], 2, None, &[]).unwrap();
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "1,2\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }
    // Through a symbolic link, the file it points to is written and the link stays.
    #[cfg(unix)]
    {
        let link = dir.join("link.csv");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_data(&link, &[3.0, 4.0], 2, None, &[]).unwrap();
        assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "3,4\n");
    }
    let mut names = listing(&dir);
    names.retain(|n| n.starts_with(".som-"));
    assert!(names.is_empty(), "left behind: {names:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// What cannot be written is known before any work: a directory, a missing directory, a name
/// too long, a symbolic link to nothing.
#[test]
fn unwritable_paths_are_found_before_writing() {
    use som_std::io::check_writable;
    let dir = temp("writable");
    std::fs::create_dir_all(&dir).unwrap();
    check_writable(dir.join("new.json")).unwrap();
    assert!(!dir.join("new.json").exists());
    let e = check_writable(&dir).unwrap_err().to_string();
    assert!(e.contains("is a directory"), "{e}");
    let e = check_writable(dir.join("no/such/map.json"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not exist") && e.contains("no/such"), "{e}");
    // A name longer than the file system takes is known before, not at the rename.
    let long = dir.join(format!("{}.csv", "x".repeat(som_std::io::MAX_NAME - 3)));
    let e = check_writable(&long).unwrap_err().to_string();
    assert!(e.contains("256 bytes") && e.contains("at most 255"), "{e}");
    check_writable(dir.join(format!("{}.csv", "x".repeat(som_std::io::MAX_NAME - 4)))).unwrap();
    assert_eq!(listing(&dir), Vec::<String>::new());
    // A symbolic link to nothing is refused by the check and by the writer, and stays.
    #[cfg(unix)]
    {
        let link = dir.join("dangling.csv");
        std::os::unix::fs::symlink("gone/file.csv", &link).unwrap();
        let e = check_writable(&link).unwrap_err().to_string();
        assert!(
            e.contains("symbolic link to gone/file.csv, which does not exist"),
            "{e}"
        );
        let e = write_data(&link, &[1.0], 1, None, &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("which does not exist"), "{e}");
        assert!(link.symlink_metadata().unwrap().is_symlink());
        assert_eq!(listing(&dir), ["dangling.csv"]);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Reading takes bounded memory: a line without end stops at the limit with an error naming
/// the line; a raw file of the wrong size is refused by its size.
#[test]
fn reading_is_bounded() {
    use som_std::io::MAX_LINE;
    use std::io::Read;
    let endless = b"1,2\n".chain(std::io::repeat(b'1').take(MAX_LINE as u64 + 10));
    let (line, e) = parse_err(read_csv(endless, "endless.csv"));
    assert_eq!(line, Some(2));
    assert!(e.contains("a line of at most 67.1 MB"), "{e}");
    let endless = std::io::repeat(b'1').take(MAX_LINE as u64 + 10);
    let (line, _) = parse_err(read_dat(endless, "endless.dat"));
    assert_eq!(line, Some(1));
    let path = temp("odd.f32");
    std::fs::write(&path, vec![0u8; 4 * 3 * 5 + 2]).unwrap();
    let (_, e) = parse_err(read_data(&path, Some(3)));
    assert!(
        e.contains("multiple of 4 * dim = 12 bytes") && e.contains("62 bytes"),
        "{e}"
    );
    std::fs::write(&path, [1.5f32, -2.0, 3.25].map(f32::to_le_bytes).concat()).unwrap();
    assert_eq!(read_data(&path, Some(3)).unwrap().data, [1.5, -2.0, 3.25]);
    std::fs::remove_file(&path).unwrap();
}

// ---- issue 23: every text input bounded, read in linear time, and named plainly ----

/// A line of millions of fields parses in time linear in its length (8 million fields took
/// 13 s), and a line past the cap is refused as soon as the cap is read (a 70 MB line took
/// 28 s to reach its error). The bounds are far above the times measured (well under a
/// second each), for slow shared machines.
#[test]
fn wide_lines_are_read_in_linear_time() {
    use std::time::{Duration, Instant};
    let fields = 8_000_000;
    let mut text = "1,".repeat(fields);
    text.pop();
    let clock = Instant::now();
    let ds = csv(&text).unwrap();
    assert_eq!((ds.dim, ds.len()), (fields, 1));
    assert!(
        clock.elapsed() < Duration::from_secs(10),
        "{:?}",
        clock.elapsed()
    );
    let text = "1,".repeat(35_000_000);
    let clock = Instant::now();
    let (line, e) = parse_err(csv(&text));
    assert!(line == Some(1) && e.contains("a line of at most"), "{e}");
    assert!(
        clock.elapsed() < Duration::from_secs(10),
        "{:?}",
        clock.elapsed()
    );
}

/// Zeros without end (`/dev/zero`) are refused at their first byte by every text reader:
/// data, codebooks, saved maps, labels and histories; the message names the NUL byte without
/// printing it.
#[test]
fn endless_zeros_are_refused_at_once() {
    use std::io::Read;
    let zeros = || std::io::repeat(0).take(u64::MAX);
    let errors = [
        read_csv(zeros(), "z.csv").map(drop),
        read_dat(zeros(), "z.dat").map(drop),
        read_cod(zeros(), "z.cod").map(drop),
        SavedMap::read(zeros(), "z.json").map(drop),
    ];
    for e in errors {
        let (line, e) = parse_err(e);
        assert!(
            (line == Some(1) && e.contains("0x00 (NUL)")) || e.contains("starting with \"\\0\""),
            "{e}"
        );
        assert!(!e.contains('\0'), "{e:?}");
    }
    #[cfg(unix)]
    {
        let dir = temp("zero");
        std::fs::create_dir_all(&dir).unwrap();
        let link = |name: &str| {
            let path = dir.join(name);
            std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
            path
        };
        let e = read_data(link("z.csv"), None).unwrap_err().to_string();
        assert!(e.contains("z.csv:1:") && e.contains("NUL"), "{e}");
        let e = som_std::Som::from_codebook_file(link("m.json"), None, None).unwrap_err();
        assert!(e.to_string().contains("m.json"), "{e}");
        let e = som_std::io::read_labels(link("l.txt"), 3)
            .unwrap_err()
            .to_string();
        assert!(e.contains("l.txt:1:") && e.contains("NUL"), "{e}");
        let e = som_std::watch::read_history(link("h.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("h.csv") && e.contains("NUL"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A label line is capped as every other text line (a 70 MB label was taken).
#[test]
fn label_lines_are_capped() {
    use som_std::io::{MAX_LINE, read_labels};
    let path = temp("long-labels.txt");
    let mut text = String::from("a\nb\n");
    text.push_str(&"x".repeat(MAX_LINE + 1));
    std::fs::write(&path, text).unwrap();
    let (line, e) = parse_err(read_labels(&path, 3));
    assert!(line == Some(3) && e.contains("a line of at most"), "{e}");
    std::fs::remove_file(&path).unwrap();
}

/// UTF-16 text, old Mac line ends (carriage returns alone) and NUL bytes are named as such,
/// on the first line, in every text format; no control character is printed raw.
#[test]
fn text_that_is_not_utf8_lines_is_named() {
    let utf16 = |text: &str, big: bool| -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|u| {
                if big {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    };
    for (bytes, what) in [
        (
            utf16("\u{feff}a,b\r\n1,2\r\n", false),
            "UTF-16 little-endian",
        ),
        (utf16("\u{feff}a,b\r\n1,2\r\n", true), "UTF-16 big-endian"),
        (utf16("a,b\n1,2\n", false), "UTF-16 little-endian"),
        (utf16("2\n1 2\n", true), "UTF-16 big-endian"),
    ] {
        for (line, e) in [
            parse_err(read_csv(bytes.as_slice(), "u.csv")),
            parse_err(read_dat(bytes.as_slice(), "u.dat")),
        ] {
            assert!(
                line == Some(1) && e.contains(what) && e.contains("UTF-8"),
                "{e}"
            );
        }
        let (_, e) = parse_err(SavedMap::read(bytes.as_slice(), "u.json"));
        assert!(e.contains(what), "{e}");
    }
    for (line, e) in [
        parse_err(csv("a,b\r1,2\r3,4\r")),
        parse_err(dat("2\r1 2\r3 4")),
        parse_err(cod("2 rect 1 1 bubble\r1 2\r")),
    ] {
        assert!(
            line == Some(1) && e.contains("carriage returns alone"),
            "{e}"
        );
    }
    // CRLF and a carriage return inside a quoted name are fine.
    assert_eq!(
        csv("\"a\rb\",c\r\n1,2\r\n").unwrap().columns.unwrap(),
        ["a\rb", "c"]
    );
    let (line, e) = parse_err(csv("1,2\n3,\0\n"));
    assert!(line == Some(2) && e.contains("0x00 (NUL) at byte 3"), "{e}");
    let (line, e) = parse_err(dat("2\n1 2 lab\0el\n"));
    assert!(line == Some(2) && e.contains("NUL"), "{e}");
    let (line, e) = parse_err(csv("1,2\n3,\u{1b}[31mred\n"));
    assert!(line == Some(2) && e.contains("\"\\u{1b}[31mred\""), "{e}");
    let (line, e) = parse_err(dat("2\n1 \u{7}2\n"));
    assert!(line == Some(2) && e.contains("\"\\u{7}2\""), "{e}");
    // So the writers refuse what would not read back.
    assert!(write_csv(Vec::new(), "o.csv", &[1.0], 1, Some(&names(&["a\0"]))).is_err());
    let label = [Some("a\0b".to_string())];
    assert!(write_dat(Vec::new(), "o.dat", &[1.0], 1, &label).is_err());
}
