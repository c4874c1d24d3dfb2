//! Static sites: an `index.html` at the top, or in `public/`, served as files.

use super::Source;

/// A static site, as detected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticSite {
    /// The directory served: `.` or `public`.
    pub root: String,
}

pub(super) fn detect(source: &Source, reasons: &mut Vec<String>) -> Option<StaticSite> {
    let (root, found) = [(".", "index.html"), ("public", "public/index.html")]
        .into_iter()
        .find(|(_, index)| source.has(index))?;
    reasons.push(format!("{found} found: a static site, served from {root}"));
    Some(StaticSite {
        root: root.to_owned(),
    })
}
