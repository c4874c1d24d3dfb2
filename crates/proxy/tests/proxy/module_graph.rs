//! The proxy's modules import each other one way only: no module imports, directly or through
//! others, a module that imports it back, so they stack in layers (the routing nouns at the
//! bottom, the backend client above them, forwarding and upgrades above that, the server, TLS
//! and the workers on top).
//!
//! The crate's sources are read with syn. Every path that names a module of the crate is an
//! import of that module by the module of the file it is written in: `use crate::target::X`,
//! `super::Exchange`, `conn::BackendConn` written in the parent of `conn`, a
//! `crate::host::normalize_host(..)` in code or inside a macro's arguments, and `crate::X`
//! (through the crate root, which re-exports every module, so that is a cycle too). Comments,
//! doc links, visibilities (`pub(crate)`) and `mod x;` declarations import nothing.
//!
//! Cycles are looked for at two grains: the crate's top-level modules (a directory such as
//! `upstream/` counts as one module, its files inside it), and each file on its own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::{self, Visit};

/// A module of the crate by its path from the root: `[]` is `lib.rs`, `["upstream", "body"]`
/// is `upstream/body.rs`.
type ModPath = Vec<String>;

/// Imports between modules: importer -> imported -> one path as written there.
type Graph = BTreeMap<ModPath, BTreeMap<ModPath, String>>;

fn name(module: &[String]) -> String {
    if module.is_empty() {
        "crate".to_owned()
    } else {
        module.join("::")
    }
}

/// Every file of the crate under `src`, with its module path and text.
fn sources(src: &Path) -> Vec<(ModPath, String)> {
    fn walk(dir: &Path, at: &[String], out: &mut Vec<(ModPath, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
            let mut module = at.to_vec();
            if path.is_dir() {
                module.push(stem);
                walk(&path, &module, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                if !(stem == "mod" || (at.is_empty() && stem == "lib")) {
                    module.push(stem);
                }
                out.push((module, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(src, &[], &mut out);
    out
}

/// Finds the module paths written in one file.
struct Finder<'a> {
    modules: &'a BTreeSet<ModPath>,
    file: &'a ModPath,
    /// The module the code being read is in: the file's, or an inline module in it.
    scope: ModPath,
    found: Vec<(ModPath, String)>,
}

impl Finder<'_> {
    /// The longest prefix of `path` that is a file module of the crate.
    fn known(&self, mut path: ModPath) -> ModPath {
        while !self.modules.contains(&path) && path.pop().is_some() {}
        path
    }

    /// The module `segments` (a path as written, `crate::host::normalize_host`) reaches, if
    /// it starts inside the crate.
    fn resolve(&self, segments: &[String]) -> Option<ModPath> {
        let (first, rest) = segments.split_first()?;
        let mut at = match first.as_str() {
            "crate" => Vec::new(),
            "self" => self.scope.clone(),
            "super" => {
                let mut at = self.scope.clone();
                at.pop()?;
                at
            }
            child => {
                let mut at = self.scope.clone();
                at.push(child.to_owned());
                if !self.modules.contains(&at) {
                    return None;
                }
                at
            }
        };
        let mut rest = rest.iter().peekable();
        while rest.peek().is_some_and(|s| *s == "super") {
            rest.next();
            at.pop()?;
        }
        let mut at = self.known(at);
        for segment in rest {
            at.push(segment.clone());
            if !self.modules.contains(&at) {
                at.pop();
                break;
            }
        }
        Some(at)
    }

    fn record(&mut self, segments: Vec<String>) {
        if let Some(module) = self.resolve(&segments)
            && module != *self.file
        {
            self.found.push((module, segments.join("::")));
        }
    }

    /// Paths inside a macro's arguments (`ident::ident...`), which syn leaves unparsed.
    fn scan(&mut self, tokens: TokenStream) {
        let mut path: Vec<String> = Vec::new();
        let mut colons = 0;
        let flush = |path: &mut Vec<String>, this: &mut Self| {
            if path.len() >= 2 {
                this.record(std::mem::take(path));
            }
            path.clear();
        };
        for token in tokens {
            match token {
                TokenTree::Ident(ident) if path.is_empty() || colons == 2 => {
                    path.push(ident.to_string());
                    colons = 0;
                }
                TokenTree::Punct(p) if p.as_char() == ':' && !path.is_empty() && colons < 2 => {
                    colons += 1;
                }
                other => {
                    flush(&mut path, self);
                    colons = 0;
                    match other {
                        TokenTree::Group(group) => self.scan(group.stream()),
                        TokenTree::Ident(ident) => path.push(ident.to_string()),
                        _ => {}
                    }
                }
            }
        }
        flush(&mut path, self);
    }
}

/// The paths of a `use` tree, each as its segments (`use a::{self, b}`: `a` and `a::b`).
fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) if n.ident == "self" => out.push(prefix.clone()),
        syn::UseTree::Name(n) => out.push([prefix.clone(), vec![n.ident.to_string()]].concat()),
        syn::UseTree::Rename(r) => out.push([prefix.clone(), vec![r.ident.to_string()]].concat()),
        syn::UseTree::Glob(_) => out.push(prefix.clone()),
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                use_paths(tree, prefix, out);
            }
        }
    }
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        // `mod x;` only declares the file `x`; an inline module is read as its own scope.
        if m.content.is_some() {
            self.scope.push(m.ident.to_string());
            visit::visit_item_mod(self, m);
            self.scope.pop();
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let mut paths = Vec::new();
        use_paths(&u.tree, &mut Vec::new(), &mut paths);
        for path in paths {
            self.record(path);
        }
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        if p.segments.len() >= 2 {
            self.record(p.segments.iter().map(|s| s.ident.to_string()).collect());
        }
        visit::visit_path(self, p);
    }

    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        visit::visit_macro(self, m);
        self.scan(m.tokens.clone());
    }
}

/// The imports between the modules of `files`.
fn graph(files: &[(ModPath, String)]) -> Graph {
    let modules: BTreeSet<ModPath> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut graph = Graph::new();
    for (module, text) in files {
        let parsed = syn::parse_file(text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", name(module)));
        let mut finder = Finder {
            modules: &modules,
            file: module,
            scope: module.clone(),
            found: Vec::new(),
        };
        finder.visit_file(&parsed);
        let edges = graph.entry(module.clone()).or_default();
        for (to, written) in finder.found {
            edges.entry(to).or_insert(written);
        }
    }
    graph
}

/// The same imports between the top-level modules (`upstream::body` counts as `upstream`).
fn top_level(graph: &Graph) -> Graph {
    let mut folded = Graph::new();
    for (from, edges) in graph {
        let from: ModPath = from.iter().take(1).cloned().collect();
        for (to, written) in edges {
            let to: ModPath = to.iter().take(1).cloned().collect();
            if from != to {
                folded
                    .entry(from.clone())
                    .or_default()
                    .entry(to)
                    .or_insert_with(|| written.clone());
            }
        }
        folded.entry(from).or_default();
    }
    folded
}

/// Every module `from` reaches through imports.
fn reachable(graph: &Graph, from: &ModPath) -> BTreeSet<ModPath> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.clone()];
    while let Some(module) = todo.pop() {
        for to in graph.get(&module).into_iter().flat_map(|e| e.keys()) {
            if seen.insert(to.clone()) {
                todo.push(to.clone());
            }
        }
    }
    seen
}

/// The cycles of `graph`: each group of modules that reach each other, with the imports
/// between them (`from -> to (as written)`), sorted.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    let reach: BTreeMap<&ModPath, BTreeSet<ModPath>> =
        graph.keys().map(|m| (m, reachable(graph, m))).collect();
    let mut placed = BTreeSet::new();
    let mut found = Vec::new();
    for (module, reaches) in &reach {
        if placed.contains(*module) || !reaches.contains(*module) {
            continue;
        }
        let group: BTreeSet<&ModPath> = reaches
            .iter()
            .filter(|other| reach.get(other).is_some_and(|r| r.contains(*module)))
            .collect();
        let mut imports = Vec::new();
        for from in &group {
            for (to, written) in &graph[*from] {
                if group.contains(to) {
                    imports.push(format!("{} -> {} ({written})", name(from), name(to)));
                }
            }
            placed.insert((*from).clone());
        }
        found.push(imports);
    }
    found
}

fn crate_graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    graph(&sources(&src))
}

/// `"upstream::body"` as a module path; `""` is the crate root.
fn module(path: &str) -> ModPath {
    path.split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_proxys_modules_import_each_other_without_cycles() {
    let files = crate_graph();
    // What the reading must see, lest the check pass by seeing nothing.
    assert!(files.len() > 20, "modules found: {:?}", files.keys());
    assert!(files[&module("forward")].contains_key(&module("upstream")));
    assert!(files[&module("upstream::body")].contains_key(&module("target")));
    assert!(files[&module("upstream")].contains_key(&module("upstream::body")));

    let by_file = cycles(&files);
    assert!(
        by_file.is_empty(),
        "files importing each other: {by_file:#?}"
    );
    let top = cycles(&top_level(&files));
    assert!(top.is_empty(), "modules importing each other: {top:#?}");
}

#[test]
fn the_routing_nouns_never_reach_the_backend_client() {
    let top = top_level(&crate_graph());
    for noun in ["router", "host_routes", "route", "target", "health"] {
        let reached = reachable(&top, &module(noun));
        assert!(
            !reached.contains(&module("upstream")),
            "{noun} reaches the backend client through {:?}",
            reached.iter().map(|m| name(m)).collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_cycle_is_found_and_named_however_its_imports_are_written() {
    let file = |module: &str, text: &str| (self::module(module), text.to_owned());
    let mut files = vec![
        file("", "mod a; mod b; mod c; mod d; pub use d::D;"),
        file("a", "use crate::b::{self, B}; pub struct A;"),
        file(
            "b",
            "pub struct B; pub(crate) fn f() { tracing::info!(a = ?crate::a::A); }",
        ),
        file("c", "pub struct C(crate::D); mod tests { use super::*; }"),
        file(
            "d",
            "mod e; pub(super) use e::E; pub struct D(crate::c::C);",
        ),
        file("d::e", "pub struct E(super::D);"),
    ];
    let root_cycle = [
        "crate -> d (d::D)",
        "c -> crate (crate::D)",
        "d -> c (crate::c::C)",
    ];
    let a_b = ["a -> b (crate::b)", "b -> a (crate::a::A)"];
    let by_file = [
        &root_cycle[..],
        &["d -> d::e (e::E)", "d::e -> d (super::D)"],
    ]
    .concat();
    assert_eq!(cycles(&graph(&files)), [by_file, a_b.to_vec()]);
    // At the top level, a directory's files import each other freely.
    assert_eq!(
        cycles(&top_level(&graph(&files))),
        [root_cycle.to_vec(), a_b.to_vec()]
    );

    // The same modules with the imports that close the cycles taken out: none is left.
    files[2] = file(
        "b",
        "pub struct B; pub(crate) fn f() { tracing::info!(\"b\"); }",
    );
    files[3] = file("c", "pub struct C; mod tests { use super::*; }");
    files[5] = file("d::e", "pub struct E;");
    assert_eq!(cycles(&graph(&files)), Vec::<Vec<String>>::new());
    assert_eq!(
        reachable(&graph(&files), &module("a")),
        BTreeSet::from([module("b")])
    );
}
