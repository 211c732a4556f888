//! Timelines, spot checks, evidence bundles, and the audit record of every use.

use std::process::Command;

use vakt_schemas::{Event, Stream};
use vakt_store::StoreReader;

use crate::common::{TestStore, json, sample_logs, stderr, stdout};

/// A named change to one bundle record.
type Mutation = (&'static str, Box<dyn Fn(&mut serde_json::Value)>);

fn store_with_sample() -> TestStore {
    let store = TestStore::new();
    store.ingest(&[sample_logs().join("logs")], &[]);
    store
}

fn audit_commands(store: &TestStore) -> Vec<(String, Option<String>, Option<i64>)> {
    let reader = StoreReader::open(&store.path()).unwrap();
    reader
        .records(Stream::Audit)
        .unwrap()
        .into_iter()
        .filter_map(|record| match record.event {
            Event::Audit(event) => Some((event.command, event.detail, event.rows)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_timeline_lists_one_users_actions_across_streams_in_time_order_and_is_audited() {
    let store = store_with_sample();
    let rows = json(&store.run(&[
        "timeline",
        "--user",
        "kari",
        "--from",
        "2025-03-12",
        "--to",
        "2025-03-12",
        "--format",
        "json",
    ]));
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty());
    let streams: std::collections::BTreeSet<&str> = rows
        .iter()
        .map(|row| row["stream"].as_str().unwrap())
        .collect();
    assert!(
        streams.contains("sessions") && streams.contains("access"),
        "{streams:?}"
    );
    let times: Vec<&str> = rows
        .iter()
        .map(|row| row["time"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "ordered by time");
    assert!(rows.iter().all(|row| row["seq"].is_u64()));
    for row in rows.iter().filter(|row| row["stream"] != "firewall") {
        assert_eq!(row["user"], "kari");
        assert!(
            row["time"].as_str().unwrap() >= "2025-03-11T23:00:00"
                && row["time"].as_str().unwrap() < "2025-03-12T23:00:00"
        );
    }
    let audit = audit_commands(&store);
    let (command, detail, count) = audit.last().unwrap();
    assert_eq!(command, "timeline");
    assert!(detail.as_deref().unwrap().contains("user kari"));
    assert_eq!(*count, Some(rows.len() as i64));
}

#[test]
fn spot_check_draws_are_reproducible_recorded_and_listed() {
    let store = store_with_sample();
    let draw = json(&store.run(&[
        "spotcheck",
        "draw",
        "--stream",
        "access",
        "--n",
        "5",
        "--from",
        "2025-03-10",
        "--to",
        "2025-03-14",
        "--format",
        "json",
    ]));
    let id = draw["draw"].as_u64().unwrap();
    let items: Vec<u64> = draw["detail"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item.as_u64().unwrap())
        .collect();
    assert_eq!(items.len(), 5);
    assert_eq!(draw["records"].as_array().unwrap().len(), 5);

    // The same parameters against the same checkpoint give the same sample.
    let again = json(&store.run(&[
        "spotcheck",
        "draw",
        "--stream",
        "access",
        "--n",
        "5",
        "--from",
        "2025-03-10",
        "--to",
        "2025-03-14",
        "--format",
        "json",
    ]));
    assert_eq!(again["detail"]["items"], draw["detail"]["items"]);
    assert_eq!(again["detail"]["seed"], draw["detail"]["seed"]);
    let recompute = store.run(&["spotcheck", "recompute", &id.to_string()]);
    assert!(recompute.status.success(), "{}", stdout(&recompute));

    let ok = store.run(&[
        "spotcheck",
        "record",
        &id.to_string(),
        &items[0].to_string(),
        "--ok",
    ]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let finding = store.run(&[
        "spotcheck",
        "record",
        &id.to_string(),
        &items[1].to_string(),
        "--finding",
        "no ticket for this access",
    ]);
    assert!(finding.status.success(), "{}", stderr(&finding));
    let wrong = store.run(&["spotcheck", "record", &id.to_string(), "999999999", "--ok"]);
    assert_eq!(
        wrong.status.code(),
        Some(2),
        "an item not in the draw is refused"
    );

    let list = json(&store.run(&["spotcheck", "list", "--year", "2026", "--format", "json"]));
    assert_eq!(list["draws"], 2);
    assert_eq!(list["checked"], 2);
    assert_eq!(list["findings"], 1);
    let first = &list["list"][0];
    assert_eq!(first["outcomes"][1]["finding"], "no ticket for this access");
    let commands: Vec<String> = audit_commands(&store)
        .into_iter()
        .map(|(command, _, _)| command)
        .collect();
    assert!(
        commands.contains(&"spotcheck draw".to_string())
            && commands.contains(&"spotcheck record".to_string())
    );

    // Made now, over March 2025's records: spot checks of 2025.
    let review = json(&store.run(&[
        "review",
        "--year",
        "2025",
        "--no-verify",
        "--format",
        "json",
    ]));
    let spot = &review["spot_checks"];
    assert_eq!(spot["draws"], 2, "{spot}");
    assert_eq!(spot["items_checked"], 2, "{spot}");
    assert_eq!(spot["findings"][0]["finding"], "no ticket for this access");
}

#[test]
fn an_exported_bundle_verifies_with_vakt_and_independently_and_every_mutation_fails() {
    let store = store_with_sample();
    let out = store.dir.path().join("bundle");
    let export = store.run(&[
        "export",
        "--out",
        out.to_str().unwrap(),
        "--sql",
        "(SELECT 'sessions' AS stream, seq FROM sessions WHERE \"user\" = 'ola' AND action = 'login' LIMIT 20) \
         UNION ALL (SELECT 'access' AS stream, seq FROM access WHERE \"user\" = 'ola' LIMIT 20)",
    ]);
    assert!(
        export.status.success(),
        "{}{}",
        stdout(&export),
        stderr(&export)
    );
    assert!(
        audit_commands(&store)
            .iter()
            .any(|(command, _, _)| command == "export")
    );

    let check = store.run(&["verify-bundle", out.to_str().unwrap()]);
    assert!(check.status.success(), "{}", stdout(&check));

    let script = out.join("verify_bundle.py");
    let python = Command::new("python3").arg(&script).arg(&out).output();
    match python {
        Ok(output)
            if String::from_utf8_lossy(&output.stderr)
                .contains("No module named 'cryptography'") =>
        {
            panic!(
                "the `cryptography` Python package is missing: pip install cryptography (.ci/run installs it)"
            )
        }
        Ok(output) => assert!(
            output.status.success(),
            "independent check failed: {}{}",
            stdout(&output),
            stderr(&output)
        ),
        Err(error) => panic!("python3 cannot run: {error}"),
    }

    // Every way of changing the evidence is caught by both checkers.
    let records = std::fs::read_to_string(out.join("records.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(records.lines().next().unwrap()).unwrap();
    let mutations: Vec<Mutation> = vec![
        (
            "a field changed",
            Box::new(|record| record["fields"][4]["value"] = "changed raw line".into()),
        ),
        (
            "a time changed",
            Box::new(|record| {
                let time = record["fields"][1]["value"].as_i64().unwrap();
                record["fields"][1]["value"] = (time + 1).into();
            }),
        ),
        (
            "two field names swapped",
            Box::new(|record| {
                let fields = record["fields"].as_array_mut().unwrap();
                let (a, b) = (fields[6]["name"].clone(), fields[8]["name"].clone());
                fields[6]["name"] = b;
                fields[8]["name"] = a;
            }),
        ),
        (
            "a proof hash flipped",
            Box::new(|record| {
                let hash = record["proof"][0].as_str().unwrap().to_string();
                let flipped = match hash.strip_prefix('0') {
                    Some(rest) => format!("1{rest}"),
                    None => format!("0{}", &hash[1..]),
                };
                record["proof"][0] = flipped.into();
            }),
        ),
        (
            "another sequence number claimed",
            Box::new(|record| {
                let seq = record["seq"].as_u64().unwrap();
                record["seq"] = (seq + 1).into();
                record["fields"][0]["value"] = (seq + 1).into();
            }),
        ),
    ];
    for (name, mutate) in mutations {
        let mut changed = first.clone();
        mutate(&mut changed);
        let mut lines: Vec<String> = records.lines().map(str::to_string).collect();
        lines[0] = serde_json::to_string(&changed).unwrap();
        std::fs::write(out.join("records.jsonl"), lines.join("\n") + "\n").unwrap();
        let check = store.run(&["verify-bundle", out.to_str().unwrap()]);
        assert_eq!(
            check.status.code(),
            Some(1),
            "{name}: vakt accepted it: {}",
            stdout(&check)
        );
        let python = Command::new("python3")
            .arg(&script)
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(
            python.status.code(),
            Some(1),
            "{name}: the independent check accepted it: {}",
            stdout(&python)
        );
    }
    std::fs::write(out.join("records.jsonl"), &records).unwrap();
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("bundle.json")).unwrap()).unwrap();
    let stream = info["checkpoints"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let checkpoint = out.join(format!("checkpoints/{stream}.checkpoint"));
    let note = std::fs::read_to_string(&checkpoint).unwrap();
    let mut lines: Vec<String> = note.lines().map(str::to_string).collect();
    lines[1] = (lines[1].parse::<u64>().unwrap() - 1).to_string();
    std::fs::write(&checkpoint, lines.join("\n") + "\n").unwrap();
    let check = store.run(&["verify-bundle", out.to_str().unwrap()]);
    assert_eq!(
        check.status.code(),
        Some(1),
        "an edited checkpoint is caught"
    );
    let python = Command::new("python3")
        .arg(&script)
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        python.status.code(),
        Some(1),
        "an edited checkpoint is caught independently"
    );
}
