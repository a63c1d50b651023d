//! `tkt export`: the three tables, their columns, and DuckDB reading them
//! to the same attainment `tkt report` computes.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::tkt_command;

const NOW: &str = "2026-11-20T15:00:00Z";

fn desk() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/support-desk")
}

fn tkt(dir: &Path, args: &[&str]) -> String {
    let out = tkt_command(dir)
        .args(args)
        .args(["--now", NOW])
        .output()
        .unwrap();
    crate::support::assert_ok(&out, &format!("{args:?}"));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_tables_have_their_documented_columns_in_both_formats() {
    let doc = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/analytics.md"),
    )
    .unwrap();
    for table in ["tickets", "events", "cycles"] {
        let jsonl = tkt(&desk(), &["export", "--table", table]);
        let first: Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
        let mut keys: Vec<&str> = first
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        let csv = tkt(&desk(), &["export", "--table", table, "--format", "csv"]);
        assert_eq!(csv.lines().next().unwrap(), keys.join(","), "{table}");
        assert_eq!(
            csv_records(&csv) - 1,
            jsonl.lines().count(),
            "{table}: one record per row"
        );
        for key in &keys {
            assert!(
                doc.contains(&format!("`{key}`")),
                "docs/analytics.md lacks {table}.{key}"
            );
        }
    }
    let tickets = tkt(&desk(), &["export"]);
    assert_eq!(tickets.lines().count(), 20);
    let filtered = tkt(&desk(), &["export", "--customer", "acme"]);
    assert_eq!(filtered.lines().count(), 2);
}

/// CSV records: a line break ends one only outside quotes.
fn csv_records(text: &str) -> usize {
    let mut quoted = false;
    let mut records = 0;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => records += 1,
            _ => {}
        }
    }
    records
}

/// A Python that has DuckDB: `TKT_DUCKDB_PYTHON` (what .ci/run sets up),
/// else `python3` if it has the package.
fn duckdb_python() -> Option<String> {
    crate::support::python_with("duckdb", &["TKT_DUCKDB_PYTHON"])
}

#[test]
fn duckdb_reads_the_export_to_the_reports_attainment() {
    let Some(python) = duckdb_python() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "DuckDB (Python) is missing under CI=true"
        );
        eprintln!(
            "SKIPPED the DuckDB agreement test: no Python with the duckdb package (pip install duckdb)"
        );
        return;
    };
    // The example desk, and a generated one (examples/gen.rs, which
    // `cargo test` builds) when its binary is there.
    let dir = tempfile::tempdir().unwrap();
    let generated = dir.path().join("generated");
    let generator = assert_cmd::cargo::cargo_bin("tkt")
        .parent()
        .unwrap()
        .join("examples/gen");
    let mut desks = vec![desk()];
    if generator.is_file() {
        let made = Command::new(&generator)
            .args([generated.to_str().unwrap(), "400", "7"])
            .output()
            .unwrap();
        crate::support::assert_ok(&made, "");
        desks.push(generated);
    } else {
        eprintln!(
            "SKIPPED the generated desk of the DuckDB test: build examples/gen (cargo test does)"
        );
    }
    for desk in desks {
        agree_with_duckdb(&python, &desk, dir.path());
    }
}

fn agree_with_duckdb(python: &str, desk: &Path, scratch: &Path) {
    let out = scratch.join(format!(
        "export-{}",
        desk.file_name().unwrap().to_string_lossy()
    ));
    // docs/analytics.md's query, with the period filled in.
    let sql = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/analytics.md"),
    )
    .unwrap();
    let start = sql.find("```sql\n").expect("an SQL example") + "```sql\n".len();
    let query = &sql[start..start + sql[start..].find("```").unwrap()];
    let from_report = report_attainment(desk);
    assert!(!from_report.is_empty());
    // The same numbers from the CSV files and from the Parquet files.
    for (format, reader) in [("csv", "read_csv_auto"), ("parquet", "read_parquet")] {
        tkt(
            desk,
            &["export", "--format", format, "-o", out.to_str().unwrap()],
        );
        let script = format!(
            "import duckdb, json\ncon = duckdb.connect()\ncon.execute(\"CREATE VIEW cycles AS SELECT * FROM {reader}('{}')\")\nrows = con.execute('''{}''', ['2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z']).fetchall()\nprint(json.dumps([[str(c) for c in r] for r in rows]))\n",
            out.join(format!("cycles.{format}")).display(),
            query
        );
        let run = Command::new(python).args(["-c", &script]).output().unwrap();
        crate::support::assert_ok(&run, format);
        let mut from_duckdb: Vec<(String, String, u64, u64, u64)> =
            serde_json::from_slice::<Vec<Vec<String>>>(&run.stdout)
                .unwrap()
                .into_iter()
                .map(|r| {
                    (
                        r[0].clone(),
                        r[1].clone(),
                        r[2].parse().unwrap(),
                        r[3].parse().unwrap(),
                        r[4].parse().unwrap(),
                    )
                })
                .collect();
        from_duckdb.sort();
        assert_eq!(from_duckdb, from_report, "{} ({format})", desk.display());
    }
}

/// `tkt report`'s attainment per severity and metric for November 2026.
fn report_attainment(desk: &Path) -> Vec<(String, String, u64, u64, u64)> {
    let report: Value = serde_json::from_str(&tkt(
        desk,
        &[
            "report",
            "--month",
            "2026-11",
            "--group-by",
            "severity",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let mut from_report: Vec<(String, String, u64, u64, u64)> = Vec::new();
    for g in report["groups"].as_array().unwrap() {
        for a in g["measures"]["attainment"].as_array().unwrap() {
            from_report.push((
                g["key"][0].as_str().unwrap().to_string(),
                a["metric"].as_str().unwrap().to_string(),
                a["measured"].as_u64().unwrap(),
                a["met"].as_u64().unwrap(),
                a["breached"].as_u64().unwrap(),
            ));
        }
    }
    from_report.sort();
    from_report
}

/// Every Parquet table holds the JSON Lines rows: the same columns in the
/// same order as CSV, the same values, typed (timestamps as microseconds
/// UTC), nulls where JSON has null.
#[test]
fn parquet_holds_the_json_lines_rows_typed() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    tkt(
        &desk(),
        &["export", "--format", "parquet", "-o", out.to_str().unwrap()],
    );
    for table in ["tickets", "events", "cycles"] {
        let jsonl = tkt(&desk(), &["export", "--table", table]);
        let file = std::fs::File::open(out.join(format!("{table}.parquet"))).unwrap();
        let reader = SerializedFileReader::new(file).unwrap();
        let rows: Vec<_> = reader
            .get_row_iter(None)
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(rows.len(), jsonl.lines().count(), "{table}");
        let header = tkt(&desk(), &["export", "--table", table, "--format", "csv"]);
        let header = header.lines().next().unwrap();
        for (row, line) in rows.iter().zip(jsonl.lines()) {
            let expected: Value = serde_json::from_str(line).unwrap();
            let names: Vec<&str> = row.get_column_iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(names.join(","), header, "{table}");
            for (name, field) in row.get_column_iter() {
                let want = &expected[name.as_str()];
                let same = match field {
                    Field::Null => want.is_null(),
                    Field::Bool(b) => want.as_bool() == Some(*b),
                    Field::Long(n) => want.as_i64() == Some(*n),
                    Field::Str(s) => want.as_str() == Some(s.as_str()),
                    Field::TimestampMicros(us) => want.as_str().is_some_and(|text| {
                        chrono::DateTime::parse_from_rfc3339(text)
                            .is_ok_and(|at| at.timestamp_micros() == *us)
                    }),
                    other => panic!("{table}.{name}: unexpected {other:?}"),
                };
                assert!(same, "{table}.{name}: {field:?} against {want}");
            }
        }
    }
    // Binary is never written to a terminal; to a file it is the same bytes.
    let piped = tkt_command(&desk())
        .args([
            "export", "--format", "parquet", "--table", "cycles", "--now", NOW,
        ])
        .output()
        .unwrap();
    crate::support::assert_ok(&piped, "parquet to stdout");
    assert_eq!(
        piped.stdout,
        std::fs::read(out.join("cycles.parquet")).unwrap()
    );
}

/// docs/scale.md's query, across two desks' Parquet exports laid out as
/// the page says (`desks/<desk>/cycles.parquet`): one row per desk and
/// metric, the attainment a fraction.
#[test]
fn the_cross_desk_query_of_docs_scale_reads_every_desk() {
    let Some(python) = duckdb_python() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "DuckDB (Python) is missing under CI=true"
        );
        eprintln!("SKIPPED the cross-desk DuckDB test: no Python with the duckdb package");
        return;
    };
    let doc =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/scale.md"))
            .unwrap();
    let start = doc.find("```sql\n").expect("an SQL example") + "```sql\n".len();
    let query = &doc[start..start + doc[start..].find("```").unwrap()];
    let scratch = tempfile::tempdir().unwrap();
    for name in ["emea", "apac"] {
        let out = scratch.path().join("desks").join(name);
        tkt(
            &desk(),
            &["export", "--format", "parquet", "-o", out.to_str().unwrap()],
        );
    }
    let script = format!(
        "import duckdb, json\nrows = duckdb.connect().execute('''{query}''').fetchall()\nprint(json.dumps([[str(c) for c in r] for r in rows]))\n"
    );
    let run = Command::new(python)
        .args(["-c", &script])
        .current_dir(scratch.path())
        .output()
        .unwrap();
    crate::support::assert_ok(&run, "docs/scale.md's query");
    let rows: Vec<Vec<String>> = serde_json::from_slice(&run.stdout).unwrap();
    let desks: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(desks, ["apac", "emea"].into_iter().collect());
    for row in &rows {
        let attainment: f64 = row[2].parse().unwrap();
        assert!((0.0..=1.0).contains(&attainment), "{row:?}");
    }
    // The same numbers for both copies of one desk.
    let half = rows.len() / 2;
    assert!(half > 0);
    for (a, b) in rows[..half].iter().zip(&rows[half..]) {
        assert_eq!(a[1..], b[1..], "{rows:?}");
    }
}
