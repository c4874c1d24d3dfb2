//! Where notifications go, as users write it: a webhook's URL (and the shape of its body), an
//! email address and the SMTP server that sends to it. Each is parsed once where it enters (the
//! command line, the API's bodies, stored rows) so a bad one is refused with the reason.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a notification channel's setting is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error("`{0}` is not a webhook URL: write http://HOST[:PORT]/PATH or https://...")]
    Url(String),
    #[error("`{0}` is not an email address: write NAME@DOMAIN")]
    Email(String),
    #[error("`{0}` is not an SMTP server: write HOST:PORT (e.g. smtp.example.com:587)")]
    Smtp(String),
    #[error("`{0}` is not a webhook format: write json, slack or discord")]
    Format(String),
}

/// Longest URL, address or server accepted.
const MAX_LEN: usize = 2048;

/// An http or https URL a webhook is posted to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebhookUrl {
    text: String,
    /// Where the authority (`host:port`) ends in `text`.
    authority_end: usize,
}

impl WebhookUrl {
    pub fn parse(text: &str) -> Result<WebhookUrl, ChannelError> {
        let bad = || ChannelError::Url(text.chars().take(100).collect());
        if text.len() > MAX_LEN || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let rest = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
            .ok_or_else(bad)?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.is_empty() || authority.contains('@') {
            return Err(bad());
        }
        let (host, port) = match authority.strip_prefix('[') {
            // An IPv6 address: `[::1]` or `[::1]:8080`.
            Some(bracketed) => {
                let (host, after) = bracketed.split_once(']').ok_or_else(bad)?;
                (host, after.strip_prefix(':'))
            }
            None => match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            },
        };
        if let Some(port) = port {
            port.parse::<u16>().map_err(|_| bad())?;
        }
        if host.is_empty() {
            return Err(bad());
        }
        Ok(WebhookUrl {
            text: text.to_string(),
            authority_end: text.len() - rest.len() + authority.len(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The URL without its path and query, which may hold a secret (chat services put the
    /// webhook's key there): `https://hooks.example.com/…`.
    pub fn redacted(&self) -> String {
        if self.authority_end == self.text.len() {
            self.text.clone()
        } else {
            format!("{}/…", &self.text[..self.authority_end])
        }
    }
}

impl TryFrom<String> for WebhookUrl {
    type Error = ChannelError;
    fn try_from(text: String) -> Result<WebhookUrl, ChannelError> {
        WebhookUrl::parse(&text)
    }
}

impl From<WebhookUrl> for String {
    fn from(url: WebhookUrl) -> String {
        url.text
    }
}

/// The shape of a webhook's body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// Wharf's own JSON: kind, severity, app, subject, message, count, time.
    #[default]
    Json,
    /// `{"text": ...}`, as Slack's incoming webhooks take it.
    Slack,
    /// `{"content": ...}`, as Discord's webhooks take it.
    Discord,
}

impl WebhookFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Json => "json",
            WebhookFormat::Slack => "slack",
            WebhookFormat::Discord => "discord",
        }
    }
}

impl std::str::FromStr for WebhookFormat {
    type Err = ChannelError;
    fn from_str(text: &str) -> Result<WebhookFormat, ChannelError> {
        match text {
            "json" => Ok(WebhookFormat::Json),
            "slack" => Ok(WebhookFormat::Slack),
            "discord" => Ok(WebhookFormat::Discord),
            _ => Err(ChannelError::Format(text.chars().take(40).collect())),
        }
    }
}

/// An email address notifications are sent to (or from).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(text: &str) -> Result<EmailAddress, ChannelError> {
        let bad = || ChannelError::Email(text.chars().take(100).collect());
        let (local, domain) = text.split_once('@').ok_or_else(bad)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"<>()[]\\,;:@\"".contains(&b));
        if !local_ok || !host_name(domain) || !domain.contains('.') && domain != "localhost" {
            return Err(bad());
        }
        Ok(EmailAddress(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = ChannelError;
    fn try_from(text: String) -> Result<EmailAddress, ChannelError> {
        EmailAddress::parse(&text)
    }
}

impl From<EmailAddress> for String {
    fn from(address: EmailAddress) -> String {
        address.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An SMTP server: a host name or IP address and a port.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SmtpServer {
    host: String,
    port: u16,
}

impl SmtpServer {
    pub fn parse(text: &str) -> Result<SmtpServer, ChannelError> {
        let bad = || ChannelError::Smtp(text.chars().take(100).collect());
        let (host, port) = text.rsplit_once(':').ok_or_else(bad)?;
        let port: u16 = port.parse().map_err(|_| bad())?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let is_ip = host.parse::<std::net::IpAddr>().is_ok();
        if port == 0 || !(is_ip || host_name(host)) {
            return Err(bad());
        }
        Ok(SmtpServer {
            host: host.to_string(),
            port,
        })
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

impl TryFrom<String> for SmtpServer {
    type Error = ChannelError;
    fn try_from(text: String) -> Result<SmtpServer, ChannelError> {
        SmtpServer::parse(&text)
    }
}

impl From<SmtpServer> for String {
    fn from(server: SmtpServer) -> String {
        server.to_string()
    }
}

impl fmt::Display for SmtpServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// A host name: dot-separated labels of letters, digits and hyphens.
fn host_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_are_http_or_https_with_a_host() {
        for good in [
            "http://127.0.0.1:8080/hook",
            "https://hooks.example.com/services/T0/B0/secret",
            "https://example.com",
            "http://[::1]:9000/x?y=1",
        ] {
            assert_eq!(WebhookUrl::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "ftp://example.com/",
            "https://",
            "https://user:pw@example.com/",
            "https://example.com:port/",
            "https://exa mple.com/",
            "example.com/hook",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_webhook_url_is_shown_without_its_path() {
        let url = WebhookUrl::parse("https://hooks.example.com/services/secret").unwrap();
        assert_eq!(url.redacted(), "https://hooks.example.com/…");
        let bare = WebhookUrl::parse("http://127.0.0.1:9").unwrap();
        assert_eq!(bare.redacted(), "http://127.0.0.1:9");
    }

    #[test]
    fn email_addresses_and_smtp_servers_are_checked() {
        assert!(EmailAddress::parse("ops@example.com").is_ok());
        assert!(EmailAddress::parse("root@localhost").is_ok());
        for bad in [
            "",
            "ops",
            "@example.com",
            "ops@",
            "o ps@example.com",
            "a@b@c.d",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
        let server = SmtpServer::parse("smtp.example.com:587").unwrap();
        assert_eq!((server.host(), server.port()), ("smtp.example.com", 587));
        assert_eq!(
            SmtpServer::parse("127.0.0.1:25").unwrap().to_string(),
            "127.0.0.1:25"
        );
        assert_eq!(
            SmtpServer::parse("[::1]:25").unwrap().to_string(),
            "[::1]:25"
        );
        for bad in [
            "smtp.example.com",
            ":25",
            "smtp.example.com:0",
            "a b:25",
            "h:x",
        ] {
            assert!(SmtpServer::parse(bad).is_err(), "{bad}");
        }
        assert_eq!("slack".parse(), Ok(WebhookFormat::Slack));
        assert!("xml".parse::<WebhookFormat>().is_err());
    }
}
