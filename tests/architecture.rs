//! The house stands as ARCHITECTURE.md draws it: every `crate::` path in `src/` is read, and
//! the test fails naming the file and the import that breaks the table of which stage may
//! use which, or that closes a circle of files importing each other.
//!
//! A stage is the first folder under `src/`; `lib.rs` and `main.rs` are the front door and may
//! name anything. Within a stage, files may use each other, but never in a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each stage may import, besides itself: the pipeline's one direction, closed under
/// "what it may import may import". `cli` and `ui` are faces over everything below them;
/// `job` is the engine both faces call.
fn allowed(stage: &str) -> Option<&'static [&'static str]> {
    Some(match stage {
        "book" => &[],
        "text" => &["book"],
        "gateway" => &["text", "book"],
        "plan" => &["text", "book"],
        "report" => &["plan", "text", "book"],
        "dispatch" => &["plan", "gateway", "text", "book"],
        "job" => &["dispatch", "report", "plan", "gateway", "text", "book"],
        "cli" => &[
            "job", "dispatch", "report", "plan", "gateway", "text", "book",
        ],
        "ui" => &[
            "cli", "job", "dispatch", "report", "plan", "gateway", "text", "book",
        ],
        _ => return None,
    })
}

/// A source file as a module path: `src/plan/budget.rs` is `["plan", "budget"]`,
/// `src/plan/mod.rs` is `["plan"]`, `src/lib.rs` is `[]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).expect("a file under src");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" && stem != "main" {
        parts.push(stem.to_owned());
    }
    parts
}

/// The file that holds a module, if there is one.
fn file_of(src: &Path, module: &[String]) -> Option<PathBuf> {
    if module.is_empty() {
        return Some(src.join("lib.rs"));
    }
    let base: PathBuf = module.iter().collect();
    let flat = src.join(&base).with_extension("rs");
    if flat.is_file() {
        return Some(flat);
    }
    let folder = src.join(&base).join("mod.rs");
    folder.is_file().then_some(folder)
}

/// The deepest module file a path names: `crate::plan::budget::Price` is in
/// `src/plan/budget.rs`.
fn resolve(src: &Path, path: &[String]) -> Option<PathBuf> {
    (0..=path.len())
        .rev()
        .find_map(|n| file_of(src, &path[..n]).filter(|_| n > 0))
}

/// The code of a file without its unit tests, its comments (doc links are not imports) and
/// string literals.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // A file's unit tests (its `#[cfg(test)] mod tests`, at the end) are not its imports:
    // their `super` is the file itself.
    let mut lines = text.lines().peekable();
    let mut code_lines = Vec::new();
    while let Some(line) = lines.next() {
        if line.starts_with("#[cfg(test)]")
            && lines.peek().is_some_and(|next| next.starts_with("mod "))
        {
            break;
        }
        code_lines.push(line);
    }
    for line in code_lines {
        let code = match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        };
        let mut in_string = false;
        let mut escaped = false;
        for c in code.chars() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
                continue;
            }
            if c == '"' {
                in_string = true;
                continue;
            }
            out.push(c);
        }
        out.push('\n');
    }
    out
}

/// Expands a use tree (`a::{b, c::{self, d}}`) into whole paths.
fn expand(tree: &str) -> Vec<Vec<String>> {
    // `x as y` names x; then whitespace means nothing.
    let renamed = regex::Regex::new(r"\s+as\s+[A-Za-z_][A-Za-z0-9_]*").expect("a valid pattern");
    let tree: String = renamed
        .replace_all(tree, "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut out = Vec::new();
    expand_into(&tree, &mut Vec::new(), &mut out);
    out
}

fn expand_into(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let (head, rest) = match tree.find('{') {
        Some(at) => (&tree[..at], Some(&tree[at + 1..tree.len() - 1])),
        None => (tree, None),
    };
    let pushed: Vec<String> = head
        .split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let depth = prefix.len();
    for part in &pushed {
        if part != "self" && part != "*" {
            prefix.push(part.clone());
        }
    }
    match rest {
        None => out.push(prefix.clone()),
        Some(inner) => {
            for item in split_top(inner) {
                expand_into(item, prefix, out);
            }
        }
    }
    prefix.truncate(depth);
}

/// Splits `a, b::{c, d}, e` at its top-level commas.
fn split_top(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items.into_iter().filter(|s| !s.is_empty()).collect()
}

/// Every module path a file names: its `use` trees and the `crate::`/`super::` paths in its
/// code, each made absolute (from the crate root).
fn imports_of(src: &Path, file: &Path) -> Vec<(Vec<String>, String)> {
    let text = std::fs::read_to_string(file).expect("a readable source file");
    let code = code_of(&text);
    let here = module_of(src, file);
    // `super` is the module above this one: for src/book/open.rs (book::open) it is book,
    // for src/book/mod.rs (book) the crate root.
    let parent = |levels: usize| -> Vec<String> {
        let mut module = here.clone();
        for _ in 0..levels {
            module.pop();
        }
        module
    };
    let mut found = Vec::new();
    let mut absolute = |path: Vec<String>, shown: String| {
        let mut path = path.into_iter().peekable();
        let root = match path.peek().map(String::as_str) {
            Some("crate") => {
                path.next();
                Vec::new()
            }
            Some("super") => {
                let mut levels = 0;
                while path.peek().map(String::as_str) == Some("super") {
                    path.next();
                    levels += 1;
                }
                parent(levels)
            }
            Some("self") => {
                path.next();
                here.clone()
            }
            _ => return,
        };
        let mut whole = root;
        whole.extend(path);
        found.push((whole, shown));
    };
    // use statements, which may span lines and group paths.
    let mut rest = code.as_str();
    while let Some(at) = find_word(rest, "use") {
        let after = &rest[at + 3..];
        let Some(end) = after.find(';') else { break };
        let tree = after[..end].trim();
        for path in expand(tree) {
            let shown = format!(
                "use {}",
                tree.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            absolute(path, shown);
        }
        rest = &after[end..];
    }
    // Paths written in the code itself: `crate::plan::Plan::new(..)`.
    for (i, _) in code.match_indices("crate::") {
        if i > 0 && code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let path: Vec<String> = code[i..]
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .next()
            .unwrap_or_default()
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let shown = path.join("::");
        absolute(path, shown);
    }
    found
}

/// Where `word` stands as a whole word (a `use` keyword, not `reuse` or `used`).
fn find_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = text[from..].find(word) {
        let at = from + at;
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let boundary = |c: Option<char>| !c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        if boundary(before) && after.is_some_and(char::is_whitespace) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every file of `src/` with the files it imports (and how it names each).
fn graph() -> (PathBuf, BTreeMap<PathBuf, BTreeMap<PathBuf, String>>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut graph = BTreeMap::new();
    for file in &files {
        let mut edges = BTreeMap::new();
        for (path, shown) in imports_of(&src, file) {
            if let Some(target) = resolve(&src, &path)
                && &target != file
            {
                edges.entry(target).or_insert(shown);
            }
        }
        graph.insert(file.clone(), edges);
    }
    (src, graph)
}

fn stage_of(src: &Path, file: &Path) -> Option<String> {
    let module = module_of(src, file);
    let relative = file.strip_prefix(src).ok()?;
    // lib.rs and main.rs stand at the door: they are no stage.
    (relative.components().count() > 1).then(|| module[0].clone())
}

#[test]
fn every_stage_imports_only_the_stages_below_it() {
    let (src, graph) = graph();
    let mut broken = Vec::new();
    for (file, edges) in &graph {
        let Some(stage) = stage_of(&src, file) else {
            continue;
        };
        let Some(may) = allowed(&stage) else {
            broken.push(format!(
                "{}: the folder {stage:?} is not in the table of stages (tests/architecture.rs)",
                file.display()
            ));
            continue;
        };
        for (target, shown) in edges {
            let Some(target_stage) = stage_of(&src, target) else {
                broken.push(format!(
                    "{}: `{shown}` reaches into {} (the crate's front page names no stage's items)",
                    file.display(),
                    target.display()
                ));
                continue;
            };
            if target_stage != stage && !may.contains(&target_stage.as_str()) {
                broken.push(format!(
                    "{}: `{shown}`: {stage} may not import {target_stage}",
                    file.strip_prefix(&src).unwrap_or(file).display()
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "imports against the table:\n{}",
        broken.join("\n")
    );
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let (src, graph) = graph();
    // Depth-first search; a back edge to a file on the stack closes a circle.
    fn visit<'a>(
        file: &'a PathBuf,
        graph: &'a BTreeMap<PathBuf, BTreeMap<PathBuf, String>>,
        stack: &mut Vec<&'a PathBuf>,
        done: &mut BTreeSet<&'a PathBuf>,
        circles: &mut Vec<Vec<&'a PathBuf>>,
    ) {
        if done.contains(file) {
            return;
        }
        if let Some(at) = stack.iter().position(|f| *f == file) {
            circles.push(stack[at..].to_vec());
            return;
        }
        stack.push(file);
        for target in graph.get(file).into_iter().flat_map(BTreeMap::keys) {
            visit(target, graph, stack, done, circles);
        }
        stack.pop();
        done.insert(file);
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for file in graph.keys() {
        visit(file, &graph, &mut Vec::new(), &mut done, &mut circles);
    }
    let shown: Vec<String> = circles
        .iter()
        .map(|circle| {
            let mut names: Vec<String> = circle
                .iter()
                .map(|f| f.strip_prefix(&src).unwrap_or(f).display().to_string())
                .collect();
            names.push(names[0].clone());
            let first = circle[0];
            let second = circle.get(1).copied().unwrap_or(first);
            let how = graph[first].get(second).cloned().unwrap_or_default();
            format!("{} (first tie: `{how}`)", names.join(" -> "))
        })
        .collect();
    assert!(shown.is_empty(), "files in a circle:\n{}", shown.join("\n"));
}

#[test]
fn the_reader_of_imports_reads_grouped_and_relative_paths() {
    let paths = expand("crate::{plan::{self, Plan}, book::Table as T}");
    assert_eq!(
        paths,
        vec![
            vec!["crate", "plan"],
            vec!["crate", "plan", "Plan"],
            vec!["crate", "book", "Table"],
        ]
    );
    assert_eq!(
        code_of("let s = \"crate::x\"; // crate::y\n"),
        "let s = ; \n"
    );
}
