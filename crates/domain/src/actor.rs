//! Who made a change, as the activity log names them: a command on the server, an SSH key, an
//! API token or a dashboard user. Written `KIND:NAME` where it is stored and where a local
//! command says on whose behalf it calls the daemon (`ssh-key:laptop`), and shown to people
//! as `ssh key laptop`.

use std::fmt;
use std::str::FromStr;

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    /// A command run on the server itself, reaching the daemon over its unix socket as the
    /// Unix user `uid` (when the socket could tell).
    Local { uid: Option<u32> },
    /// An SSH key: a `git push` or a command over SSH (`wharf ssh-command KEY`).
    SshKey(String),
    /// An API token: the CLI from another machine, or a `git push` over HTTPS.
    Token(String),
    /// A user signed in to the dashboard.
    User(String),
    /// Wharf itself: what it noticed (a crash, a certificate that cannot renew), not a change
    /// anyone made.
    Wharf,
}

/// The longest name an actor's text may hold (keys, tokens and users have shorter ones).
const MAX_NAME: usize = 64;

/// Why a text is not an actor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not who made a change: write `local`, `local:UID`, `ssh-key:NAME`, `token:NAME` or `user:NAME` (names of letters, digits and . _ @ -, at most 64)"
)]
pub struct ActorError(String);

impl Actor {
    /// The kind, as written before the `:`.
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::Local { .. } => "local",
            Actor::SshKey(_) => "ssh-key",
            Actor::Token(_) => "token",
            Actor::User(_) => "user",
            Actor::Wharf => "wharf",
        }
    }

    /// The written form, `KIND:NAME` (what `FromStr` reads back).
    pub fn to_written(&self) -> String {
        match self {
            Actor::Local { uid: None } => "local".to_string(),
            Actor::Local { uid: Some(uid) } => format!("local:{uid}"),
            Actor::Wharf => "wharf".to_string(),
            Actor::SshKey(name) | Actor::Token(name) | Actor::User(name) => {
                format!("{}:{name}", self.kind())
            }
        }
    }
}

impl FromStr for Actor {
    type Err = ActorError;

    fn from_str(written: &str) -> Result<Actor, ActorError> {
        let bad = || ActorError(written.chars().take(80).collect());
        let (kind, name) = match written.split_once(':') {
            Some((kind, name)) => (kind, Some(name)),
            None => (written, None),
        };
        if written == "wharf" {
            return Ok(Actor::Wharf);
        }
        if kind == "local" {
            return match name {
                None => Ok(Actor::Local { uid: None }),
                Some(uid) => uid
                    .parse()
                    .map(|uid| Actor::Local { uid: Some(uid) })
                    .map_err(|_| bad()),
            };
        }
        let name = name.filter(|name| valid_name(name)).ok_or_else(bad)?;
        match kind {
            "ssh-key" => Ok(Actor::SshKey(name.to_string())),
            "token" => Ok(Actor::Token(name.to_string())),
            "user" => Ok(Actor::User(name.to_string())),
            _ => Err(bad()),
        }
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'@' | b'-'))
}

/// As people read it: `ssh key laptop`, `token ci`, `user alice`, `local (uid 0)`.
impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Local { uid: None } => f.write_str("local"),
            Actor::Local { uid: Some(0) } => f.write_str("local (root)"),
            Actor::Local { uid: Some(uid) } => write!(f, "local (uid {uid})"),
            Actor::SshKey(name) => write!(f, "ssh key {name}"),
            Actor::Token(name) => write!(f, "token {name}"),
            Actor::User(name) => write!(f, "user {name}"),
            Actor::Wharf => f.write_str("Wharf"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_written_form_reads_back() {
        for actor in [
            Actor::Local { uid: None },
            Actor::Local { uid: Some(1000) },
            Actor::SshKey("laptop".into()),
            Actor::Token("ci-deploy".into()),
            Actor::User("alice@example.com".into()),
            Actor::Wharf,
        ] {
            assert_eq!(actor.to_written().parse::<Actor>(), Ok(actor.clone()));
        }
    }

    #[test]
    fn people_read_who() {
        assert_eq!(Actor::SshKey("laptop".into()).to_string(), "ssh key laptop");
        assert_eq!(Actor::Local { uid: Some(0) }.to_string(), "local (root)");
        assert_eq!(Actor::Token("ci".into()).to_string(), "token ci");
    }

    #[test]
    fn anything_else_is_refused_naming_the_forms() {
        for written in [
            "",
            "root",
            "token:",
            "token:a b",
            "user:x\ny",
            "local:me",
            "ssh-key",
        ] {
            let err = written.parse::<Actor>().unwrap_err().to_string();
            assert!(err.contains("`ssh-key:NAME`"), "{written:?}: {err}");
        }
        let long = format!("user:{}", "a".repeat(65));
        assert!(long.parse::<Actor>().is_err());
    }

    proptest! {
        #[test]
        fn no_text_makes_it_panic(text in ".{0,100}") {
            let _ = text.parse::<Actor>();
        }
    }
}
