//! Where in a cluster an app's web tasks may run: a [`PlacementRule`] is one Swarm constraint,
//! `FIELD == VALUE` or `FIELD != VALUE`, read from the `placement` setting
//! (`# wharf.placement = node.labels.role == web`). The fields are the Swarm's own
//! ([`PlacementField`]): a node's labels (`wharf nodes label`), hostname, role, ID and
//! platform. A rule is parsed once, where the setting is read, and handed to the Swarm in its
//! own spelling (`node.labels.role==web`) as a service's placement constraint. On a server
//! that is not a cluster the rules are kept with the release and not applied.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The forms a rule may take, for error messages.
pub const PLACEMENT_FORMS: &str = "write FIELD == VALUE or FIELD != VALUE, FIELD one of node.labels.KEY, node.hostname, node.role, node.id, node.platform.os, node.platform.arch (e.g. `node.labels.role == web`)";

/// The longest rule taken.
const MAX_LEN: usize = 255;

/// Why a placement rule is refused: the rule as written and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("placement rule `{rule}` {reason}; {forms}", forms = PLACEMENT_FORMS)]
pub struct PlacementError {
    /// The rule as written.
    pub rule: String,
    /// What is wrong, e.g. `has no \`==\` or \`!=\``.
    pub reason: String,
}

/// What a rule compares.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PlacementField {
    /// `node.labels.KEY`: a label set with `wharf nodes label`.
    Label(String),
    /// `node.hostname`: the machine's hostname.
    Hostname,
    /// `node.role`: `manager` or `worker`.
    Role,
    /// `node.id`: the Swarm's ID of the node.
    Id,
    /// `node.platform.os`, e.g. `linux`.
    Os,
    /// `node.platform.arch`, e.g. `x86_64`.
    Arch,
}

/// A Swarm placement constraint: a node field, `==` or `!=`, and a value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlacementRule {
    pub field: PlacementField,
    /// `true` for `==`, `false` for `!=`.
    pub equals: bool,
    pub value: String,
}

impl PlacementRule {
    /// Reads one rule such as `node.labels.role == web` (spaces around the operator optional).
    pub fn parse(text: &str) -> Result<PlacementRule, PlacementError> {
        let rule = text.trim();
        let bad = |reason: &str| PlacementError {
            rule: shown(rule),
            reason: reason.to_string(),
        };
        if rule.len() > MAX_LEN {
            return Err(bad("is too long"));
        }
        let (field, value, equals) = match (rule.split_once("=="), rule.split_once("!=")) {
            (Some(_), Some(_)) => return Err(bad("has both `==` and `!=`; write one per rule")),
            (Some((field, value)), None) => (field, value, true),
            (None, Some((field, value))) => (field, value, false),
            (None, None) => return Err(bad("has no `==` or `!=`")),
        };
        let field = PlacementField::parse(field.trim()).map_err(|reason| bad(&reason))?;
        let value = value.trim();
        if value.is_empty() {
            return Err(bad("has no value after its operator"));
        }
        if value.contains(['=', '!']) {
            return Err(bad("has more than one operator"));
        }
        let value_ok = value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/'));
        if !value_ok {
            return Err(bad(
                "has a value with characters other than letters, digits, '-', '_', '.', ':' and '/'",
            ));
        }
        if field == PlacementField::Role && !matches!(value, "manager" | "worker") {
            return Err(bad("compares node.role, which is `manager` or `worker`"));
        }
        Ok(PlacementRule {
            field,
            equals,
            value: value.to_string(),
        })
    }

    /// Reads a `placement` value: one rule, or several separated by commas.
    pub fn parse_list(text: &str) -> Result<Vec<PlacementRule>, PlacementError> {
        text.split(',').map(PlacementRule::parse).collect()
    }
}

impl PlacementField {
    fn parse(text: &str) -> Result<PlacementField, String> {
        let lower = text.to_ascii_lowercase();
        if let Some(key) = lower.strip_prefix("node.labels.") {
            // The label's key keeps its case: the Swarm compares it as written.
            let key = text.get("node.labels.".len()..).unwrap_or(key);
            let key_ok = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            return if key_ok {
                Ok(PlacementField::Label(key.to_string()))
            } else if key.is_empty() {
                Err("names no label after `node.labels.`".to_string())
            } else {
                Err(format!(
                    "names label `{}`, which is not letters, digits, '-', '_' and '.'",
                    shown(key)
                ))
            };
        }
        match lower.as_str() {
            "node.hostname" => Ok(PlacementField::Hostname),
            "node.role" => Ok(PlacementField::Role),
            "node.id" => Ok(PlacementField::Id),
            "node.platform.os" => Ok(PlacementField::Os),
            "node.platform.arch" => Ok(PlacementField::Arch),
            "" => Err("has nothing before its operator".to_string()),
            _ => Err(format!(
                "compares `{}`, which is not a node field",
                shown(text)
            )),
        }
    }
}

impl fmt::Display for PlacementField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlacementField::Label(key) => write!(f, "node.labels.{key}"),
            PlacementField::Hostname => f.write_str("node.hostname"),
            PlacementField::Role => f.write_str("node.role"),
            PlacementField::Id => f.write_str("node.id"),
            PlacementField::Os => f.write_str("node.platform.os"),
            PlacementField::Arch => f.write_str("node.platform.arch"),
        }
    }
}

impl fmt::Display for PlacementRule {
    /// The Swarm's spelling: `node.labels.role==web`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = if self.equals { "==" } else { "!=" };
        write!(f, "{}{op}{}", self.field, self.value)
    }
}

impl TryFrom<String> for PlacementRule {
    type Error = PlacementError;
    fn try_from(text: String) -> Result<PlacementRule, PlacementError> {
        PlacementRule::parse(&text)
    }
}

impl From<PlacementRule> for String {
    fn from(rule: PlacementRule) -> String {
        rule.to_string()
    }
}

/// A rule as shown in a message: control characters escaped, cut short if long.
fn shown(text: &str) -> String {
    let escaped: String = text.chars().flat_map(char::escape_default).collect();
    if escaped.chars().count() > 80 {
        let cut: String = escaped.chars().take(80).collect();
        format!("{cut}...")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str) -> String {
        PlacementRule::parse(text).unwrap().to_string()
    }

    #[test]
    fn every_field_is_read_with_or_without_spaces() {
        assert_eq!(rule("node.labels.role == web"), "node.labels.role==web");
        assert_eq!(rule("node.labels.role==web"), "node.labels.role==web");
        assert_eq!(rule(" node.hostname != node3 "), "node.hostname!=node3");
        assert_eq!(rule("node.role == manager"), "node.role==manager");
        assert_eq!(rule("node.role!=worker"), "node.role!=worker");
        assert_eq!(rule("node.id == 4x7qz1"), "node.id==4x7qz1");
        assert_eq!(rule("node.platform.os == linux"), "node.platform.os==linux");
        assert_eq!(
            rule("node.platform.arch != aarch64"),
            "node.platform.arch!=aarch64"
        );
        assert_eq!(rule("Node.Hostname == web-1"), "node.hostname==web-1");
        assert_eq!(
            rule("node.labels.Disk.Type == ssd"),
            "node.labels.Disk.Type==ssd"
        );
    }

    #[test]
    fn a_list_is_split_at_commas() {
        let rules =
            PlacementRule::parse_list("node.labels.role == web, node.hostname != node3").unwrap();
        let shown: Vec<String> = rules.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["node.labels.role==web", "node.hostname!=node3"]);
    }

    #[test]
    fn bad_rules_are_refused_naming_the_rule_and_the_forms() {
        for (text, words) in [
            ("role == web", "`role`, which is not a node field"),
            ("node.labels.role = web", "no `==` or `!=`"),
            ("node.labels.role", "no `==` or `!=`"),
            ("node.labels.role ==", "no value"),
            ("== web", "nothing before"),
            ("node.labels. == web", "names no label"),
            ("node.labels.a b == web", "not letters"),
            ("node.labels.role == web == x", "more than one operator"),
            ("node.labels.role == web != x", "both"),
            ("node.labels.role == my web", "characters other than"),
            ("node.role == boss", "`manager` or `worker`"),
            ("engine.labels.x == y", "not a node field"),
            ("", "no `==` or `!=`"),
        ] {
            let err = PlacementRule::parse(text).unwrap_err().to_string();
            assert!(err.contains(words), "{text}: {err}");
            assert!(err.contains(&format!("`{}`", text.trim())), "{err}");
            assert!(err.contains("node.labels.KEY, node.hostname"), "{err}");
        }
    }

    #[test]
    fn a_rule_is_stored_as_the_swarm_writes_it_and_read_back() {
        let rule = PlacementRule::parse("node.labels.role == web").unwrap();
        let json = serde_json::to_string(&rule).unwrap();
        assert_eq!(json, "\"node.labels.role==web\"");
        let back: PlacementRule = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rule);
        assert!(serde_json::from_str::<PlacementRule>("\"role==web\"").is_err());
    }

    #[test]
    fn odd_text_never_panics() {
        for text in [
            "==",
            "!=",
            "=",
            "node.labels.é == x",
            "node.labels.x == é",
            "\u{0}==",
        ] {
            let _ = PlacementRule::parse(text);
        }
    }
}
