//! Differential test: every case in `cases/*.case` runs on ardb-rs and on a
//! real redis-server 7.0.15, and every reply must match byte for byte.
//!
//! `DIFF_AGAINST_REDIS=1` replaces ardb-rs by a second redis-server, to prove
//! that the cases themselves are deterministic. `DIFF_CASES=substring` runs
//! only the cases whose name contains the substring; `DIFF_TRACE=1` prints
//! every command with the reference reply (use with `--nocapture`).

use std::collections::HashMap;
use std::path::PathBuf;

use integration_tests::{cases_dir, parse_cases, run_case_traced, Case, ServerProcess};

fn load_cases() -> Vec<Case> {
    let dir = cases_dir();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) => panic!("cannot read {}: {e}", dir.display()),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "case"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .case files in {}", dir.display());
    let mut all = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for path in files {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => panic!("cannot read {}: {e}", path.display()),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let cases = match parse_cases(&text, &name) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        for case in cases {
            let here = format!("{}:{}", case.file, case.line);
            if let Some(first) = seen.insert(case.name.clone(), here.clone()) {
                panic!("duplicate case name {:?} at {first} and {here}", case.name);
            }
            all.push(case);
        }
    }
    all
}

fn start(what: &str, server: std::io::Result<ServerProcess>) -> ServerProcess {
    match server {
        Ok(s) => s,
        Err(e) => panic!("cannot start {what}: {e}"),
    }
}

#[test]
fn ardb_rs_matches_redis() {
    let mut cases = load_cases();
    if let Some(filter) = std::env::var("DIFF_CASES").ok().filter(|f| !f.is_empty()) {
        cases.retain(|c| c.name.contains(&filter));
    }
    let against_redis = std::env::var("DIFF_AGAINST_REDIS").is_ok_and(|v| v == "1");
    let trace = std::env::var("DIFF_TRACE").is_ok_and(|v| v == "1");
    let no_args: &[&str] = &[];
    let right = start("redis-server", ServerProcess::redis(no_args));
    let (left_name, mut left) = if against_redis {
        (
            "redis-server #2",
            start("a second redis-server", ServerProcess::redis(no_args)),
        )
    } else {
        ("ardb-rs", start("ardb-rs", ServerProcess::ardb_rs(no_args)))
    };
    match right.client().map(|mut c| c.cmd_str(&["INFO", "server"])) {
        Ok(info) if info.contains("redis_version:7.0.15\r\n") => {}
        Ok(_) => eprintln!("WARNING: the reference redis-server is not 7.0.15; replies may differ"),
        Err(e) => panic!("cannot query the reference redis-server: {e}"),
    }

    let mut compared = 0usize;
    let mut failures = Vec::new();
    let mut failed_cases = Vec::new();
    for case in &cases {
        let outcome = run_case_traced(case, left.port(), right.port(), trace);
        compared += outcome.compared;
        if !outcome.mismatches.is_empty() {
            failed_cases.push(format!("{} ({}:{})", case.name, case.file, case.line));
        }
        failures.extend(outcome.mismatches.into_iter().map(|m| m.to_string()));
        if outcome.connection_failed && !left.is_running() {
            failures.push(format!(
                "{left_name} died during case {:?}; restarting it. stderr tail:\n{}",
                case.name,
                left.stderr_tail()
            ));
            if let Err(e) = left.restart() {
                panic!("cannot restart {left_name}: {e}");
            }
        }
    }
    println!("left = {left_name}, right = redis-server");
    println!("{} cases, {compared} commands compared", cases.len());
    if !failures.is_empty() {
        println!("\n{} failing cases:", failed_cases.len());
        for name in &failed_cases {
            println!("  {name}");
        }
        println!("\nDetails:");
        for f in &failures {
            println!("{f}\n");
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ ({} mismatches); see the output above",
        failed_cases.len(),
        cases.len(),
        failures.len()
    );
}

#[test]
fn case_parser_reads_quoting_and_directives() {
    let text = "### t\nSET \"a b\" '\\x00'\n!sleep 5\n!unordered KEYS *\n";
    let cases = match parse_cases(text, "inline") {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].steps.len(), 3);
    assert_eq!(
        cases[0].steps[0].action,
        integration_tests::Action::Command {
            args: vec![b"SET".to_vec(), b"a b".to_vec(), b"\\x00".to_vec()],
            compare: integration_tests::Compare::Exact,
        }
    );
}

#[test]
fn every_case_file_parses() {
    let cases = load_cases();
    assert!(cases.len() >= 330, "only {} cases", cases.len());
}
