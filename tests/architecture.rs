//! The core's floors hold: no module of `src/` reaches, through `crate::` paths, a module that
//! reaches back to it, and the vocabulary floor imports nothing of the store. Read from the
//! source, as a reviewer would.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module → the top-level modules its code names with `crate::`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            // Rust sources only: the demo's image and the schema's SQL import nothing.
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).expect("under src");
            let first = rel
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .unwrap_or_default()
                .trim_end_matches(".rs")
                .to_string();
            // The faces (CLI) sit on top of everything; lib.rs only declares modules.
            if ["main", "lib", "cli"].contains(&first.as_str()) {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a source file");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for part in line.split("crate::").skip(1) {
                    let name: String = part
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != first {
                        graph.entry(first.clone()).or_default().insert(name);
                    }
                }
            }
        }
    }
    graph
}

/// Every module `from` reaches, directly or not.
fn reach(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_string()];
    while let Some(m) = todo.pop() {
        for d in graph.get(&m).into_iter().flatten() {
            if seen.insert(d.clone()) {
                todo.push(d.clone());
            }
        }
    }
    seen
}

#[test]
fn no_module_of_the_core_reaches_back_to_itself() {
    let graph = imports();
    assert!(graph.len() > 10, "the source was read: {graph:?}");
    let cycles: Vec<String> = graph
        .keys()
        .filter(|m| reach(&graph, m).contains(*m))
        .map(|m| format!("{m} -> {:?}", graph[m]))
        .collect();
    assert!(
        cycles.is_empty(),
        "modules that import themselves through others (move the shared piece a floor down): {cycles:#?}"
    );
}

#[test]
fn the_vocabulary_floor_imports_nothing_of_the_store() {
    let graph = imports();
    for floor in ["model", "error", "text", "platform"] {
        let reached = reach(&graph, floor);
        for above in [
            "store", "ingest", "inbox", "members", "sync", "data", "demo", "accounts",
        ] {
            assert!(
                !reached.contains(above),
                "{floor} must not depend on {above} (it reaches {reached:?})"
            );
        }
    }
}
