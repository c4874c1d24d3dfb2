//! Notification channels (`wharf notify`): where the alerts Wharf raises are sent. Webhook URLs,
//! email addresses and SMTP servers travel as `domain`'s types, so a bad one is refused as the
//! body is decoded; an SMTP password goes in and is never sent back.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wharf_domain::{EmailAddress, SmtpServer, WebhookFormat, WebhookUrl};

/// `POST /v1/notify/webhooks`: post every alert to `url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AddWebhookRequest {
    /// An http or https URL.
    #[schema(value_type = String, example = "https://hooks.example.com/wharf")]
    pub url: WebhookUrl,
    /// The body's shape: `json` (Wharf's own, the default), `slack` or `discord`.
    #[serde(default)]
    #[schema(value_type = String, example = "json")]
    pub format: WebhookFormat,
}

/// `POST /v1/notify/emails`: mail every alert to `to` through an SMTP server.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AddEmailRequest {
    #[schema(value_type = String, example = "ops@example.com")]
    pub to: EmailAddress,
    /// `HOST:PORT`.
    #[schema(value_type = String, example = "smtp.example.com:587")]
    pub smtp: SmtpServer,
    /// The SMTP login's user name, if the server wants one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_user: Option<String>,
    /// Its password (stored by the server, never answered back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_password: Option<String>,
    /// Upgrade the connection with STARTTLS before logging in or sending.
    #[serde(default)]
    pub starttls: bool,
}

impl std::fmt::Debug for AddEmailRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddEmailRequest")
            .field("to", &self.to)
            .field("smtp", &self.smtp)
            .field("smtp_user", &self.smtp_user)
            .field("smtp_password", &self.smtp_password.as_ref().map(|_| "***"))
            .field("starttls", &self.starttls)
            .finish()
    }
}

/// `GET /v1/notify`: every channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NotifyChannels {
    pub channels: Vec<NotifyChannel>,
}

/// One channel, as `wharf notify list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NotifyChannel {
    pub id: i64,
    /// `webhook` or `email`.
    pub kind: String,
    /// Where it delivers: a webhook's URL without its path (it may hold a secret), or an
    /// address and its SMTP server.
    pub target: String,
    /// When it was added (Unix seconds).
    pub created_at: i64,
    /// When it last delivered a message (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_delivery: Option<i64>,
    /// Its last failed delivery's error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When that was (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error_at: Option<i64>,
}

/// `DELETE /v1/notify/{id}`: the channel removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NotifyChannelRemoved {
    pub removed: i64,
}

/// `POST /v1/notify/test`: a test message queued for every channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NotifyTestSent {
    /// How many channels it was queued for; each delivers within seconds, and `wharf notify
    /// list` shows how that went.
    pub channels: usize,
}
