//! The machines of a cluster as users name them: a node's name ([`NodeName`]), a label they put
//! on it ([`NodeLabel`], `key=value`, or [`LabelChange::Remove`] for `key-`), how it is reached
//! over SSH to join ([`SshTarget`], `USER@HOST`) and what the scheduler may do with it
//! ([`Availability`]). Each is parsed once where it enters (the command line, the API's bodies).
//!
//! A node's name is its Swarm label `wharf.name` when Wharf set one (`wharf nodes add NAME
//! --ssh` does, once it knows which node joined), else the hostname of its machine. Labels whose
//! key starts with `wharf.` are Wharf's own: users name nodes with `wharf nodes add` or
//! `rename`, never by `label`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The Swarm node label that holds a node's Wharf name.
pub const NODE_NAME_LABEL: &str = "wharf.name";

/// Why a node's name, label or SSH target is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeError {
    #[error(
        "`{0}` is not a node name: use 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit (a machine's hostname, e.g. `web-2`)"
    )]
    Name(String),
    #[error(
        "`{0}` is not a node label: write KEY=VALUE to set one (e.g. role=web) or KEY- to remove it; KEY is letters, digits, '-', '_' and '.', VALUE has no control characters"
    )]
    Label(String),
    #[error(
        "label `{0}` is Wharf's own: a node gets its name from `wharf nodes add NAME` or `wharf nodes rename`"
    )]
    Reserved(String),
    #[error(
        "`{0}` is not an SSH target: write USER@HOST, HOST a hostname or an IP address (e.g. root@10.0.0.5)"
    )]
    Ssh(String),
    #[error("`{0}` is not a node availability: write active, drain or pause")]
    Availability(String),
}

/// The longest label key or value, and SSH target, taken.
const MAX_LEN: usize = 255;

/// A node's name: a machine's hostname or the name `wharf nodes add` gave it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NodeName(String);

impl NodeName {
    pub fn parse(text: &str) -> Result<NodeName, NodeError> {
        let starts_well = text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        let chars_ok = text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !starts_well || !chars_ok || text.len() > 63 {
            return Err(NodeError::Name(shown(text)));
        }
        Ok(NodeName(text.to_string()))
    }

    /// What Wharf calls a Swarm node: its [`NODE_NAME_LABEL`] label, else its machine's
    /// hostname, else its ID (the first of them that is a valid name).
    pub fn of_node(
        labels: &std::collections::HashMap<String, String>,
        hostname: &str,
        id: &str,
    ) -> NodeName {
        labels
            .get(NODE_NAME_LABEL)
            .and_then(|n| NodeName::parse(n).ok())
            .or_else(|| NodeName::parse(hostname).ok())
            .or_else(|| NodeName::parse(id).ok())
            .unwrap_or_else(NodeName::unnamed)
    }

    /// The name of a node that has neither a valid label, hostname nor ID (never seen from a
    /// real engine, whose IDs are letters and digits).
    pub fn unnamed() -> NodeName {
        NodeName("unnamed".to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for NodeName {
    type Err = NodeError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        NodeName::parse(text)
    }
}

impl TryFrom<String> for NodeName {
    type Error = NodeError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        NodeName::parse(&text)
    }
}

impl From<NodeName> for String {
    fn from(name: NodeName) -> String {
        name.0
    }
}

/// A label's key: letters, digits, `-`, `_` and `.`, starting with a letter or digit.
fn valid_key(key: &str) -> bool {
    key.len() <= MAX_LEN
        && key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A change to a node's labels, as `wharf nodes label NAME role=web old-` writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelChange {
    Set(NodeLabel),
    /// `KEY-`: the label removed.
    Remove(String),
}

impl LabelChange {
    pub fn parse(text: &str) -> Result<LabelChange, NodeError> {
        if !text.contains('=')
            && let Some(key) = text.strip_suffix('-')
        {
            check_not_reserved(key)?;
            if !valid_key(key) {
                return Err(NodeError::Label(shown(text)));
            }
            return Ok(LabelChange::Remove(key.to_string()));
        }
        Ok(LabelChange::Set(NodeLabel::parse(text)?))
    }
}

impl std::str::FromStr for LabelChange {
    type Err = NodeError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        LabelChange::parse(text)
    }
}

fn check_not_reserved(key: &str) -> Result<(), NodeError> {
    if key.starts_with("wharf.") {
        return Err(NodeError::Reserved(shown(key)));
    }
    Ok(())
}

/// A user's label on a node, `KEY=VALUE` (what placement rules will match).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NodeLabel {
    pub key: String,
    pub value: String,
}

impl NodeLabel {
    pub fn parse(text: &str) -> Result<NodeLabel, NodeError> {
        let (key, value) = text
            .split_once('=')
            .ok_or_else(|| NodeError::Label(shown(text)))?;
        NodeLabel::new(key, value)
    }

    /// A label from its parts, checked as `parse` checks them (keys under `wharf.` refused).
    pub fn new(key: &str, value: &str) -> Result<NodeLabel, NodeError> {
        check_not_reserved(key)?;
        if !valid_key(key) || value.len() > MAX_LEN || value.chars().any(char::is_control) {
            return Err(NodeError::Label(shown(&format!("{key}={value}"))));
        }
        Ok(NodeLabel {
            key: key.to_string(),
            value: value.to_string(),
        })
    }
}

impl fmt::Display for NodeLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}

impl TryFrom<String> for NodeLabel {
    type Error = NodeError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        NodeLabel::parse(&text)
    }
}

impl From<NodeLabel> for String {
    fn from(label: NodeLabel) -> String {
        label.to_string()
    }
}

/// Where `wharf nodes add --ssh` logs in to run the join: `USER@HOST`. Both parts are checked
/// here, so neither can be taken by ssh as an option (no leading `-`) nor carry a shell's
/// metacharacters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    user: String,
    host: String,
}

impl SshTarget {
    pub fn parse(text: &str) -> Result<SshTarget, NodeError> {
        let bad = || NodeError::Ssh(shown(text));
        let (user, host) = text.split_once('@').ok_or_else(bad)?;
        let user_ok = user
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && user.len() <= 32
            && user
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'));
        let host_ok = host.parse::<std::net::IpAddr>().is_ok() || hostname(host);
        if !user_ok || !host_ok {
            return Err(bad());
        }
        Ok(SshTarget {
            user: user.to_string(),
            host: host.to_string(),
        })
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn host(&self) -> &str {
        &self.host
    }
}

impl fmt::Display for SshTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.user, self.host)
    }
}

impl std::str::FromStr for SshTarget {
    type Err = NodeError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        SshTarget::parse(text)
    }
}

/// A DNS hostname: dot-separated labels of letters, digits and inner `-`.
fn hostname(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// What the Swarm scheduler may do with a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Availability {
    /// Runs tasks, gets new ones.
    Active,
    /// Gets no new tasks; keeps its running ones.
    Pause,
    /// Gets no tasks; its running ones are moved to other nodes.
    Drain,
}

impl Availability {
    pub fn parse(text: &str) -> Result<Availability, NodeError> {
        match text {
            "active" => Ok(Availability::Active),
            "pause" => Ok(Availability::Pause),
            "drain" => Ok(Availability::Drain),
            _ => Err(NodeError::Availability(shown(text))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Active => "active",
            Availability::Pause => "pause",
            Availability::Drain => "drain",
        }
    }
}

impl fmt::Display for Availability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `text` as an error shows it: at most 100 characters.
fn shown(text: &str) -> String {
    text.chars().take(100).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_is_called_by_its_label_else_its_hostname_else_its_id() {
        let labelled = [(NODE_NAME_LABEL.to_string(), "db-1".to_string())].into();
        assert_eq!(NodeName::of_node(&labelled, "vps7", "x1").as_str(), "db-1");
        let none = std::collections::HashMap::new();
        assert_eq!(NodeName::of_node(&none, "vps7", "x1").as_str(), "vps7");
        let bad = [(NODE_NAME_LABEL.to_string(), "a b".to_string())].into();
        assert_eq!(NodeName::of_node(&bad, "", "x1").as_str(), "x1");
        assert_eq!(NodeName::of_node(&none, "", "").as_str(), "unnamed");
    }

    #[test]
    fn node_names_are_hostnames() {
        for good in ["node2", "web-2", "vps1.example.com", "a", "db_1"] {
            assert_eq!(NodeName::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "-x", ".x", "a b", "a/b", "a;b", &"x".repeat(64)] {
            let err = NodeName::parse(bad).unwrap_err();
            assert!(err.to_string().contains("not a node name"), "{bad}: {err}");
        }
    }

    #[test]
    fn labels_set_and_remove() {
        assert_eq!(
            LabelChange::parse("role=web").unwrap(),
            LabelChange::Set(NodeLabel {
                key: "role".into(),
                value: "web".into()
            })
        );
        assert_eq!(
            LabelChange::parse("disk=").unwrap(),
            LabelChange::Set(NodeLabel {
                key: "disk".into(),
                value: String::new()
            })
        );
        assert_eq!(
            LabelChange::parse("role-").unwrap(),
            LabelChange::Remove("role".into())
        );
        // A value may end with '-'.
        assert!(matches!(
            LabelChange::parse("zone=eu-").unwrap(),
            LabelChange::Set(_)
        ));
        for bad in ["role", "=web", "-", "a b=c", "k=v\n"] {
            assert!(LabelChange::parse(bad).is_err(), "{bad}");
        }
        let reserved = LabelChange::parse("wharf.name=x").unwrap_err();
        assert!(reserved.to_string().contains("Wharf's own"), "{reserved}");
        assert!(LabelChange::parse("wharf.name-").is_err());
    }

    #[test]
    fn ssh_targets_are_user_at_host() {
        let target = SshTarget::parse("root@10.0.0.5").unwrap();
        assert_eq!((target.user(), target.host()), ("root", "10.0.0.5"));
        assert_eq!(
            SshTarget::parse("deploy@vps2.example.com")
                .unwrap()
                .to_string(),
            "deploy@vps2.example.com"
        );
        assert!(SshTarget::parse("root@::1").is_ok());
        for bad in [
            "10.0.0.5",
            "root@",
            "@host",
            "root@-oProxyCommand=x",
            "-l@host",
            "root@host;rm",
            "root@host name",
            "Root@host",
            "root@host@x",
        ] {
            let err = SshTarget::parse(bad).unwrap_err();
            assert!(err.to_string().contains("USER@HOST"), "{bad}: {err}");
        }
    }

    #[test]
    fn availability_by_name() {
        assert_eq!(Availability::parse("drain"), Ok(Availability::Drain));
        assert_eq!(Availability::Active.to_string(), "active");
        assert!(Availability::parse("down").is_err());
    }
}
