//! Names of a guide's own on a shared Docker engine.
//!
//! Container, image, volume and network names are the engine's, not the daemon's: two runs of
//! one guide at once (two checkouts, two CI jobs) would take each other's `wharf-blog-web-v1-1`
//! and `wharf-service.blog-db`. So the runner gives each name a guide declares a suffix of its
//! own (`blog` → `blog-3f2a1c`) in every command, file and shown output, where it stands as a
//! name: not inside a longer word, and with its `_` spelling too (`blog_db`, the database
//! `blog-db` makes).

/// Each declared name and what it becomes, longest first (so `blog-db` wins over `blog`).
#[derive(Debug, Clone)]
pub struct Renames(Vec<(String, String)>);

impl Renames {
    pub fn new(names: &[String], suffix: &str) -> Renames {
        let mut pairs = Vec::new();
        for name in names {
            pairs.push((name.clone(), format!("{name}-{suffix}")));
            if name.contains('-') {
                pairs.push((
                    name.replace('-', "_"),
                    format!("{name}_{suffix}").replace('-', "_"),
                ));
            }
        }
        pairs.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
        Renames(pairs)
    }

    /// `text` with every declared name that stands as a name renamed.
    pub fn apply(&self, text: &str) -> String {
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < text.len() {
            let before_ok = !text[..i].ends_with(word);
            let hit = before_ok
                .then(|| {
                    self.0.iter().find(|(from, _)| {
                        text[i..].starts_with(from.as_str())
                            && !text[i + from.len()..].starts_with(word)
                    })
                })
                .flatten();
            match hit {
                Some((from, to)) => {
                    out.push_str(to);
                    i += from.len();
                }
                None => {
                    let c = text[i..].chars().next().unwrap();
                    out.push(c);
                    i += c.len_utf8();
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_renamed_where_they_stand_as_names() {
        let renames = Renames::new(&["blog".into(), "blog-db".into()], "x1");
        assert_eq!(
            renames.apply("mkdir blog && wharf services link blog-db blog # blog.example.com"),
            "mkdir blog-x1 && wharf services link blog-db-x1 blog-x1 # blog-x1.example.com"
        );
        assert_eq!(
            renames.apply("postgres://postgres:<password>@blog-db:5432/blog_db"),
            "postgres://postgres:<password>@blog-db-x1:5432/blog_db_x1"
        );
        assert_eq!(
            renames.apply("weblog blogs my_blog"),
            "weblog blogs my_blog"
        );
    }
}
