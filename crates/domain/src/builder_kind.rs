//! `BuilderKind`: what turned an app's source into its image. Either the app's own
//! Dockerfile, or one of Wharf's builders, which read the source tree, decide what the app is
//! and write a Dockerfile for it (crate `builder`). A release records which one made it; an
//! app may force one with app.json's `wharf.builder`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What made a release's image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BuilderKind {
    /// The app's own Dockerfile, as written.
    Dockerfile,
    /// Wharf's Python builder (pip, uv, Poetry or Pipenv; Django recognised).
    Python,
    /// Wharf's Node builder (npm, yarn or pnpm).
    Node,
    /// Wharf's Go builder (a static binary on a slim runtime image).
    Go,
    /// Wharf's static site builder (files served by a tiny HTTP server).
    Static,
}

impl BuilderKind {
    /// Every builder, in the order detection tries them.
    pub const ALL: [BuilderKind; 5] = [
        BuilderKind::Dockerfile,
        BuilderKind::Python,
        BuilderKind::Node,
        BuilderKind::Go,
        BuilderKind::Static,
    ];

    /// The name as written in app.json, stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            BuilderKind::Dockerfile => "dockerfile",
            BuilderKind::Python => "python",
            BuilderKind::Node => "node",
            BuilderKind::Go => "go",
            BuilderKind::Static => "static",
        }
    }

    /// The builder called `name` (as [`BuilderKind::as_str`] writes it), if any.
    pub fn parse(name: &str) -> Option<BuilderKind> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// `dockerfile, python, node, go, static`: for messages.
    pub fn names() -> String {
        let names: Vec<&str> = Self::ALL.iter().map(|kind| kind.as_str()).collect();
        names.join(", ")
    }
}

impl fmt::Display for BuilderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for kind in BuilderKind::ALL {
            assert_eq!(BuilderKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{kind}\""));
        }
        assert_eq!(BuilderKind::parse("Python"), None);
        assert_eq!(BuilderKind::parse("ruby"), None);
        assert_eq!(BuilderKind::names(), "dockerfile, python, node, go, static");
    }
}
