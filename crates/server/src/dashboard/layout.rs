//! The page around every dashboard page, and small pieces pages share (dates, state badges).

use super::session::Signed;
use maud::{DOCTYPE, Markup, html};

/// A whole page titled `title`; with `signed`, the header names the user and signs out.
pub(super) fn page(title: &str, signed: Option<&Signed>, main: Markup) -> Markup {
    page_with_head(title, signed, html! {}, main)
}

/// As `page`, with more in its head (the console's terminal and script).
pub(super) fn page_with_head(
    title: &str,
    signed: Option<&Signed>,
    head: Markup,
    main: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · Wharf" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(super::assets::STYLESHEET);
                script src=(super::assets::SCRIPT) defer {}
                (head)
            }
            body {
                a.skip href="#main" { "Skip to the content" }
                header.top {
                    a.brand href="/" { "Wharf" }
                    @if let Some(signed) = signed {
                        nav aria-label="Main" {
                            a href="/" { "Overview" }
                            a href=(super::activity::PATH) { "Activity" }
                            a href=(super::databases::PATH) { "Databases" }
                            a href=(super::certs::PATH) { "Certificates" }
                            @if signed.is_admin() {
                                a href=(super::cluster::PATH) { "Cluster" }
                                a href=(super::tokens::PATH) { "Tokens" }
                                a href=(super::keys::PATH) { "SSH keys" }
                                a href=(super::users::PATH) { "Users" }
                            }
                            a href=(super::docs_site::ROOT) { "Docs" }
                        }
                        form.sign-out method="post" action=(super::sign_in::SIGN_OUT) {
                            span.who {
                                (signed.user.name)
                                " "
                                span.role { (signed.user.role) }
                            }
                            (csrf_field(signed))
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main #main { (main) }
                footer { "Wharf " (env!("CARGO_PKG_VERSION")) }
            }
        }
    }
}

/// The hidden CSRF field every form that changes something carries.
pub(super) fn csrf_field(signed: &Signed) -> Markup {
    html! { input type="hidden" name="csrf" value=(signed.csrf); }
}

/// A unix time as a date (UTC) with its age ("3 days ago", "in 62 days"), in a `<time>`
/// element.
pub(super) fn when(unix: i64, now: i64) -> Markup {
    let date = wharf_domain::UtcDateTime::from_unix_seconds(unix)
        .map(|t| t.to_string())
        .unwrap_or_else(|| unix.to_string());
    html! { time datetime=(iso(unix)) title=(date) { (age(now - unix)) } }
}

/// An RFC 3339 form of a unix time, for `<time datetime>`.
fn iso(unix: i64) -> String {
    wharf_domain::UtcDateTime::from_unix_seconds(unix)
        .map(|t| {
            let text = t.to_string();
            // "YYYY-MM-DD HH:MM UTC" -> "YYYY-MM-DDTHH:MMZ"
            text.trim_end_matches(" UTC").replacen(' ', "T", 1) + "Z"
        })
        .unwrap_or_default()
}

/// "just now", "5 min ago", "3 h ago", "2 days ago"; a time to come (a negative age): "in
/// 5 min", "in 3 h", "tomorrow", "in 62 days" (days to the nearest: what is 30 days off when
/// made is still "in 30 days" a second later).
pub(super) fn age(seconds: i64) -> String {
    if seconds < 0 {
        return match seconds.saturating_neg() {
            s if s < 60 => "in under a minute".to_string(),
            s if s < 3600 => format!("in {} min", s / 60),
            s if s < 86_400 => format!("in {} h", s / 3600),
            s if s < 2 * 86_400 => "tomorrow".to_string(),
            s => format!("in {} days", s.saturating_add(43_200) / 86_400),
        };
    }
    match seconds {
        s if s < 60 => "just now".to_string(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        s if s < 2 * 86_400 => "yesterday".to_string(),
        s => format!("{} days ago", s / 86_400),
    }
}

/// A state as a badge whose colour says whether it is good (`ok`), passing (`busy`), bad
/// (`bad`) or neither (`idle`).
pub(super) fn badge(text: &str, tone: Tone) -> Markup {
    html! { span class={"badge " (tone.class())} { (text) } }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tone {
    Ok,
    Busy,
    Bad,
    Idle,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Ok => "ok",
            Tone::Busy => "busy",
            Tone::Bad => "bad",
            Tone::Idle => "idle",
        }
    }
}

/// Bytes in the largest unit that keeps a number: "3.2 GB".
pub(super) fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_sizes_read_as_people_say_them() {
        assert_eq!(age(5), "just now");
        assert_eq!(age(125), "2 min ago");
        assert_eq!(age(7300), "2 h ago");
        assert_eq!(age(90_000), "yesterday");
        assert_eq!(age(3 * 86_400), "3 days ago");
        assert_eq!(age(-30), "in under a minute");
        assert_eq!(age(-125), "in 2 min");
        assert_eq!(age(-7300), "in 2 h");
        assert_eq!(age(-90_000), "tomorrow");
        assert_eq!(age(-62 * 86_400 - 5), "in 62 days");
        assert_eq!(age(-30 * 86_400 + 1), "in 30 days");
        assert_eq!(age(i64::MIN), format!("in {} days", i64::MAX / 86_400));
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(3_200_000_000), "3.2 GB");
        assert_eq!(iso(0), "1970-01-01T00:00Z");
    }

    #[test]
    fn text_is_escaped() {
        let page = page("<script>", None, html! { p { "<b>" } }).into_string();
        assert!(page.contains("&lt;script&gt; · Wharf"), "{page}");
        assert!(!page.contains("<b>"), "{page}");
    }
}
