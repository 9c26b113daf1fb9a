//! The layering of `src/` (docs/ARCHITECTURE.md), checked on the source text: no module below
//! the CLI imports `commands`, the top-level modules form a DAG, and the files of one folder
//! import each other without circles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Code lines of a file (line comments and doc comments dropped).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `crate::a::b` paths a file names, as (a, b) (b empty when absent).
fn crate_refs(text: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let code = code(text);
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + 7..];
        let ident = |s: &str| -> String {
            s.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        };
        let a = ident(after);
        let b = after[a.len()..]
            .strip_prefix("::")
            .map(ident)
            .unwrap_or_default();
        rest = &after[a.len()..];
        if !a.is_empty() {
            out.insert((a, b));
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Top-level module of a file below `src/` (`src/a.rs` and `src/a/...` are `a`).
fn top(rel: &Path) -> String {
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn dfs(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let i = stack.iter().position(|x| x == m).unwrap();
                    let mut c = stack[i..].to_vec();
                    c.push(m.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = dfs(m, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = dfs(n, graph, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

/// Modules that only re-export others under familiar names: they sit on top of what they
/// re-export and are not themselves imported by the layers below.
const FACADES: [&str; 1] = ["sweep"];

#[test]
fn nothing_below_the_cli_imports_commands() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut bad = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(src()).unwrap();
        let t = top(rel);
        if t == "commands" || t == "cli" || t == "main" || t == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        if crate_refs(&text).iter().any(|(a, _)| a == "commands") {
            bad.push(rel.display().to_string());
        }
    }
    assert!(
        bad.is_empty(),
        "these modules import crate::commands: {bad:?}"
    );
}

#[test]
fn top_level_modules_form_a_dag() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(src()).unwrap();
        let t = top(rel);
        if t == "lib" || t == "main" {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        for (a, _) in crate_refs(&text) {
            if a != t && a != "Error" && a != "Result" {
                graph.entry(t.clone()).or_default().insert(a);
            }
        }
    }
    for facade in FACADES {
        let users: Vec<&String> = graph
            .iter()
            .filter(|(k, v)| {
                !["commands", "cli", "figures", "plot"].contains(&k.as_str()) && v.contains(facade)
            })
            .map(|(k, _)| k)
            .collect();
        assert!(
            users.is_empty(),
            "{users:?} import the re-export module `{facade}`; import what it re-exports instead"
        );
    }
    assert_eq!(
        find_cycle(&graph),
        None,
        "top-level module graph: {graph:#?}"
    );
}

#[test]
fn files_of_one_folder_import_each_other_without_circles() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    // Edges between sibling files a/x.rs -> a/y.rs (through crate::a::y or super::y).
    let mut graphs: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(src()).unwrap();
        let Some(parent) = rel.parent().filter(|p| !p.as_os_str().is_empty()) else {
            continue;
        };
        let stem = rel.file_stem().unwrap().to_string_lossy().to_string();
        if stem == "mod" {
            continue;
        }
        let folder = parent.to_string_lossy().replace('/', "::");
        let text = code(&std::fs::read_to_string(f).unwrap());
        let siblings: Vec<String> = std::fs::read_dir(src().join(parent))
            .unwrap()
            .filter_map(|e| {
                let p = e.unwrap().path();
                let s = p.file_stem()?.to_string_lossy().to_string();
                (s != "mod" && s != stem).then_some(s)
            })
            .collect();
        for s in siblings {
            let via_crate = format!("crate::{folder}::{s}");
            let via_super = format!("super::{s}");
            let names = |pat: &str| {
                text.match_indices(pat).any(|(i, _)| {
                    let next = text[i + pat.len()..].chars().next();
                    !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
            };
            if names(&via_crate) || names(&via_super) {
                graphs
                    .entry(folder.clone())
                    .or_default()
                    .entry(stem.clone())
                    .or_default()
                    .insert(s);
            }
        }
    }
    for (folder, g) in &graphs {
        assert_eq!(find_cycle(g), None, "files of src/{folder}: {g:#?}");
    }
}
