//! The notice a page shows after a change went through. The change redirects to the page with
//! `?done=WORD` (and the release it deployed, or what a verified backup held); the page turns
//! the word into a sentence of its own from fixed words: the query's text is never shown, so a
//! crafted link can put nothing on the page.

use maud::{Markup, html};
use serde::Deserialize;

/// The query a page is reached by after a change.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Done {
    /// Which change went through: a fixed word of the page's own.
    #[serde(default)]
    done: Option<String>,
    /// The release the change deployed.
    #[serde(default)]
    release: Option<u32>,
    /// Tables or keys a verified backup held.
    #[serde(default)]
    objects: Option<u64>,
}

impl Done {
    #[cfg(test)]
    pub(super) fn new(word: &str, release: Option<u32>, objects: Option<u64>) -> Done {
        Done {
            done: Some(word.to_string()),
            release,
            objects,
        }
    }

    /// The word naming the change, if any.
    pub(super) fn word(&self) -> Option<&str> {
        self.done.as_deref()
    }

    pub(super) fn release(&self) -> Option<u32> {
        self.release
    }

    pub(super) fn objects(&self) -> Option<u64> {
        self.objects
    }

    /// The page's sentence for the word, from its table of `(word, sentence)`.
    pub(super) fn said(&self, sentences: &[(&str, &'static str)]) -> Option<&'static str> {
        let word = self.word()?;
        sentences
            .iter()
            .find(|(known, _)| *known == word)
            .map(|(_, sentence)| *sentence)
    }
}

/// The notice, announced to screen readers as a status; nothing without one.
pub(super) fn shown(notice: Option<&str>) -> Markup {
    html! {
        @if let Some(notice) = notice { p.notice role="status" { (notice) } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_pages_own_words_are_said() {
        let sentences = [("revoked", "Token revoked.")];
        assert_eq!(
            Done::new("revoked", None, None).said(&sentences),
            Some("Token revoked.")
        );
        assert_eq!(Done::new("<script>", None, None).said(&sentences), None);
        assert_eq!(Done::default().said(&sentences), None);
        assert!(shown(None).into_string().is_empty());
        assert!(shown(Some("a & b")).into_string().contains("a &amp; b"));
    }
}
