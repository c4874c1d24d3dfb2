//! Notification channels (`wharf notify add`): webhooks and email addresses alerts are sent to,
//! each with when it last delivered and its last error. An SMTP password is kept here as given
//! (the server logs in with it) and never shown: its type prints as `***`.

use crate::store::now;
use crate::{Store, StoreError};
use rusqlite::{Row, params};
use wharf_domain::{EmailAddress, SmtpServer, WebhookFormat, WebhookUrl};

/// A password, printed as `***` by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpPassword(String);

impl SmtpPassword {
    pub fn new(password: String) -> SmtpPassword {
        SmtpPassword(password)
    }

    /// The password itself, for the SMTP login only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SmtpPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// A user name and password an SMTP server is logged in to with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpLogin {
    pub user: String,
    pub password: SmtpPassword,
}

/// Where a channel delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelTarget {
    Webhook {
        url: WebhookUrl,
        format: WebhookFormat,
    },
    Email {
        to: EmailAddress,
        smtp: SmtpServer,
        login: Option<SmtpLogin>,
        /// Upgrade the connection with STARTTLS before anything else is sent.
        starttls: bool,
    },
}

impl ChannelTarget {
    /// `webhook` or `email`.
    pub fn kind(&self) -> &'static str {
        match self {
            ChannelTarget::Webhook { .. } => "webhook",
            ChannelTarget::Email { .. } => "email",
        }
    }

    /// Where it delivers, for people: a webhook without its path (it may hold a secret), an
    /// address with its server.
    pub fn describe(&self) -> String {
        match self {
            ChannelTarget::Webhook { url, format } => {
                format!("{} ({})", url.redacted(), format.as_str())
            }
            ChannelTarget::Email { to, smtp, .. } => format!("{to} via {smtp}"),
        }
    }
}

/// A stored channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyChannel {
    pub id: i64,
    pub target: ChannelTarget,
    pub created_at: i64,
    pub last_delivery: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
}

const COLUMNS: &str = "id, kind, target, format, smtp_server, smtp_user, smtp_password, starttls,
                       created_at, last_delivery, last_error, last_error_at";

impl Store {
    /// Add a channel; returns its id.
    pub fn add_notify_channel(&self, target: &ChannelTarget) -> Result<i64, StoreError> {
        let conn = self.conn();
        match target {
            ChannelTarget::Webhook { url, format } => conn.execute(
                "INSERT INTO notify_channels (kind, target, format, created_at)
                 VALUES ('webhook', ?1, ?2, ?3)",
                params![url.as_str(), format.as_str(), now()],
            )?,
            ChannelTarget::Email {
                to,
                smtp,
                login,
                starttls,
            } => conn.execute(
                "INSERT INTO notify_channels
                     (kind, target, smtp_server, smtp_user, smtp_password, starttls, created_at)
                 VALUES ('email', ?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    to.as_str(),
                    smtp.to_string(),
                    login.as_ref().map(|l| l.user.as_str()),
                    login.as_ref().map(|l| l.password.expose()),
                    starttls,
                    now()
                ],
            )?,
        };
        Ok(conn.last_insert_rowid())
    }

    /// Every channel, oldest first.
    pub fn notify_channels(&self) -> Result<Vec<NotifyChannel>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM notify_channels ORDER BY id"
        ))?;
        let rows = stmt.query_map([], raw)?.collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(Raw::decode).collect()
    }

    /// One channel, if it exists.
    pub fn notify_channel(&self, id: i64) -> Result<Option<NotifyChannel>, StoreError> {
        Ok(self.notify_channels()?.into_iter().find(|c| c.id == id))
    }

    /// Remove a channel and what waits in its outbox; false if there was none.
    pub fn remove_notify_channel(&self, id: i64) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .execute("DELETE FROM notify_channels WHERE id = ?1", [id])?
            > 0)
    }
}

/// A row as SQLite has it, before its settings are parsed.
struct Raw {
    id: i64,
    kind: String,
    target: String,
    format: Option<String>,
    smtp_server: Option<String>,
    smtp_user: Option<String>,
    smtp_password: Option<String>,
    starttls: bool,
    created_at: i64,
    last_delivery: Option<i64>,
    last_error: Option<String>,
    last_error_at: Option<i64>,
}

fn raw(row: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok(Raw {
        id: row.get(0)?,
        kind: row.get(1)?,
        target: row.get(2)?,
        format: row.get(3)?,
        smtp_server: row.get(4)?,
        smtp_user: row.get(5)?,
        smtp_password: row.get(6)?,
        starttls: row.get(7)?,
        created_at: row.get(8)?,
        last_delivery: row.get(9)?,
        last_error: row.get(10)?,
        last_error_at: row.get(11)?,
    })
}

impl Raw {
    fn decode(self) -> Result<NotifyChannel, StoreError> {
        let id = self.id;
        let corrupt = |what: String| StoreError::Corrupt(format!("notify channel {id}: {what}"));
        let target = match self.kind.as_str() {
            "webhook" => ChannelTarget::Webhook {
                url: WebhookUrl::parse(&self.target).map_err(|e| corrupt(e.to_string()))?,
                format: self
                    .format
                    .as_deref()
                    .unwrap_or("json")
                    .parse()
                    .map_err(|e: wharf_domain::ChannelError| corrupt(e.to_string()))?,
            },
            "email" => ChannelTarget::Email {
                to: EmailAddress::parse(&self.target).map_err(|e| corrupt(e.to_string()))?,
                smtp: SmtpServer::parse(self.smtp_server.as_deref().unwrap_or(""))
                    .map_err(|e| corrupt(e.to_string()))?,
                login: self.smtp_user.map(|user| SmtpLogin {
                    user,
                    password: SmtpPassword(self.smtp_password.unwrap_or_default()),
                }),
                starttls: self.starttls,
            },
            other => return Err(corrupt(format!("kind `{other}`"))),
        };
        Ok(NotifyChannel {
            id,
            target,
            created_at: self.created_at,
            last_delivery: self.last_delivery,
            last_error: self.last_error,
            last_error_at: self.last_error_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn webhook(url: &str) -> ChannelTarget {
        ChannelTarget::Webhook {
            url: WebhookUrl::parse(url).unwrap(),
            format: WebhookFormat::Json,
        }
    }

    #[test]
    fn channels_are_added_listed_and_removed() {
        let store = Store::in_memory().unwrap();
        let hook = store
            .add_notify_channel(&webhook("http://127.0.0.1:9/hook"))
            .unwrap();
        let email = ChannelTarget::Email {
            to: EmailAddress::parse("ops@example.com").unwrap(),
            smtp: SmtpServer::parse("127.0.0.1:2525").unwrap(),
            login: Some(SmtpLogin {
                user: "wharf".into(),
                password: SmtpPassword::new("s3cret".into()),
            }),
            starttls: true,
        };
        let mail = store.add_notify_channel(&email).unwrap();
        let channels = store.notify_channels().unwrap();
        assert_eq!(channels.len(), 2);
        assert_eq!(channels[1].target, email);
        assert!(!format!("{:?}", channels[1]).contains("s3cret"));
        assert_eq!(
            channels[1].target.describe(),
            "ops@example.com via 127.0.0.1:2525"
        );
        assert!(store.remove_notify_channel(hook).unwrap());
        assert!(!store.remove_notify_channel(hook).unwrap());
        assert_eq!(store.notify_channels().unwrap()[0].id, mail);
    }
}
