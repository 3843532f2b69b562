//! A lint for the `view!` macro's one trap: in an attribute value that is not wrapped in braces,
//! the macro reads `<` and `>` as the start or end of a tag. `prop:disabled=move || a + 1 >= b`
//! compiled, rendered the rest of the line as text and left the inventory's Next button disabled
//! for good. The habit this enforces: any comparison (or generic) in an attribute goes in braces,
//! `prop:disabled=move || { a + 1 >= b }`.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        panic!("cannot read {}", dir.display());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The value of a `name=value` attribute line (`prop:x=`, `on:click=`, `class=`...), if the line
/// is one. Rust code formatted by rustfmt always has spaces around `=`, so this only sees markup.
fn attribute_value(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    let eq = trimmed.find('=')?;
    let name = &trimmed[..eq];
    let is_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':'));
    let rest = &trimmed[eq + 1..];
    (is_name && !rest.starts_with('=') && !rest.starts_with('>')).then_some(rest.trim())
}

/// An unbraced value that holds `<` or `>` (after a closure head `move |args|`), or None.
fn unbraced_angle(value: &str) -> Option<&str> {
    if value.starts_with('{') || value.starts_with('"') {
        return None;
    }
    let body = match value
        .strip_prefix("move ")
        .unwrap_or(value)
        .strip_prefix('|')
    {
        Some(after) => after.split_once('|').map_or(after, |(_, body)| body).trim(),
        None => value,
    };
    if body.starts_with('{') || body.starts_with("view! {") {
        return None;
    }
    (body.contains('<') || body.contains('>')).then_some(body)
}

#[test]
fn no_comparison_outside_braces_in_view_attributes() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui"),
        &mut files,
    );
    assert!(!files.is_empty(), "no view files found");
    let mut found = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            if let Some(body) = attribute_value(line).and_then(unbraced_angle) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, body));
            }
        }
    }
    assert!(
        found.is_empty(),
        "put these attribute expressions in braces (view! reads < and > as tags):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_lint_catches_the_next_button_bug() {
    let bug = "                        prop:disabled=move || page.get() + 1 >= pages.get()";
    assert!(attribute_value(bug).and_then(unbraced_angle).is_some());
    let fixed = "prop:disabled=move || { page.get() + 1 >= pages.get() }";
    assert!(attribute_value(fixed).and_then(unbraced_angle).is_none());
    let view = "children=move |id| view! { <Row key_id=id/> }";
    assert!(attribute_value(view).and_then(unbraced_angle).is_none());
    assert!(attribute_value("    Some(r) => r.x > 1,").is_none());
}
