//! What a notification says, as each channel takes it: Wharf's own JSON, a Slack- or
//! Discord-shaped webhook body (one line of text), or an email's subject and body. A message
//! that grouped several occurrences of an alert says how many and since when.

use serde::Serialize;
use wharf_domain::WebhookFormat;
use wharf_store::PendingNotification;

/// Discord refuses longer contents.
const MAX_CHAT_CHARS: usize = 1900;

/// Wharf's own webhook body.
#[derive(Debug, Serialize)]
struct JsonBody<'a> {
    server: &'a str,
    kind: &'a str,
    severity: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    app: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    message: &'a str,
    /// How many times it happened since `first_at`.
    count: i64,
    first_at: i64,
    last_at: i64,
}

/// The body posted to a webhook of `format`, from the server `server`.
pub fn webhook_body(format: WebhookFormat, note: &PendingNotification, server: &str) -> String {
    let body = match format {
        WebhookFormat::Json => serde_json::to_value(JsonBody {
            server,
            kind: note.kind.as_str(),
            severity: note.kind.severity().as_str(),
            title: note.kind.title(),
            app: note.app.as_deref(),
            subject: note.subject.as_deref(),
            message: &note.message,
            count: note.count,
            first_at: note.first_at,
            last_at: note.last_at,
        }),
        WebhookFormat::Slack => Ok(serde_json::json!({ "text": chat_line(note, server) })),
        WebhookFormat::Discord => Ok(serde_json::json!({ "content": chat_line(note, server) })),
    };
    body.map(|value| value.to_string()).unwrap_or_default()
}

/// One line for a chat: `[critical] Wharf on vps1: blog: app restarting in a loop: ...`.
fn chat_line(note: &PendingNotification, server: &str) -> String {
    let mut line = format!(
        "[{}] Wharf on {server}: {}: {}{}",
        note.kind.severity(),
        headline(note),
        note.message,
        repeats(note)
    );
    if line.chars().count() > MAX_CHAT_CHARS {
        line = line.chars().take(MAX_CHAT_CHARS).collect::<String>() + "…";
    }
    line
}

/// `blog: app restarting in a loop`, or the title alone for no app.
fn headline(note: &PendingNotification) -> String {
    match &note.app {
        Some(app) => format!("{app}: {}", note.kind.title()),
        None => note.kind.title().to_string(),
    }
}

/// ` (4 times since 12:03 UTC)` for a grouped message, else nothing.
fn repeats(note: &PendingNotification) -> String {
    if note.count > 1 {
        format!(" ({} times since {})", note.count, clock(note.first_at))
    } else {
        String::new()
    }
}

/// An email's subject.
pub fn email_subject(note: &PendingNotification, server: &str) -> String {
    format!(
        "[Wharf {server}] {}: {}",
        note.kind.severity(),
        headline(note)
    )
}

/// An email's plain-text body.
pub fn email_body(note: &PendingNotification, server: &str) -> String {
    let mut body = format!("{}{}\n\n", note.message, repeats(note));
    body.push_str(&format!("Server:   {server}\n"));
    body.push_str(&format!(
        "What:     {} ({})\n",
        note.kind.title(),
        note.kind
    ));
    body.push_str(&format!("Severity: {}\n", note.kind.severity()));
    if let Some(app) = &note.app {
        body.push_str(&format!("App:      {app}\n"));
    }
    if let Some(subject) = &note.subject {
        body.push_str(&format!("About:    {subject}\n"));
    }
    body.push_str(&format!("When:     {}\n", clock(note.last_at)));
    body.push_str(
        "\n`wharf events` lists what happened; `wharf notify list` shows where this goes.\n",
    );
    body
}

/// `2026-12-07 12:03 UTC` from Unix seconds.
fn clock(unix: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(at) => format!(
            "{}-{:02}-{:02} {:02}:{:02} UTC",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute()
        ),
        Err(_) => unix.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wharf_domain::AlertKind;

    fn note(count: i64) -> PendingNotification {
        PendingNotification {
            id: 1,
            channel: 1,
            kind: AlertKind::CrashLoop,
            app: Some("blog".into()),
            subject: Some("web".into()),
            message: "web of blog keeps exiting".into(),
            count,
            first_at: 1_765_108_980,
            last_at: 1_765_109_040,
            attempts: 0,
        }
    }

    #[test]
    fn the_json_body_names_everything() {
        let body: serde_json::Value =
            serde_json::from_str(&webhook_body(WebhookFormat::Json, &note(3), "vps1")).unwrap();
        assert_eq!(body["kind"], "crash-loop");
        assert_eq!(body["severity"], "critical");
        assert_eq!(body["app"], "blog");
        assert_eq!(body["subject"], "web");
        assert_eq!(body["count"], 3);
        assert_eq!(body["server"], "vps1");
        assert_eq!(body["message"], "web of blog keeps exiting");
    }

    #[test]
    fn chat_bodies_are_one_line_with_the_count() {
        let slack: serde_json::Value =
            serde_json::from_str(&webhook_body(WebhookFormat::Slack, &note(3), "vps1")).unwrap();
        assert_eq!(
            slack["text"],
            "[critical] Wharf on vps1: blog: app restarting in a loop: web of blog keeps exiting (3 times since 2025-12-07 12:03 UTC)"
        );
        let discord: serde_json::Value =
            serde_json::from_str(&webhook_body(WebhookFormat::Discord, &note(1), "vps1")).unwrap();
        assert!(
            discord["content"]
                .as_str()
                .unwrap()
                .ends_with("keeps exiting")
        );
    }

    #[test]
    fn a_long_message_is_cut_for_chats() {
        let mut long = note(1);
        long.message = "x".repeat(5000);
        let body: serde_json::Value =
            serde_json::from_str(&webhook_body(WebhookFormat::Discord, &long, "vps1")).unwrap();
        assert!(body["content"].as_str().unwrap().chars().count() <= MAX_CHAT_CHARS + 1);
    }

    #[test]
    fn an_email_says_what_where_and_when() {
        assert_eq!(
            email_subject(&note(1), "vps1"),
            "[Wharf vps1] critical: blog: app restarting in a loop"
        );
        let body = email_body(&note(2), "vps1");
        assert!(
            body.starts_with("web of blog keeps exiting (2 times since"),
            "{body}"
        );
        assert!(body.contains("App:      blog\n"));
        assert!(body.contains("When:     2025-12-07 12:04 UTC\n"));
    }
}
