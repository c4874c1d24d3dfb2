//! The activity log: every change made to the server, who made it and how it ended.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The header in which a client on the daemon's unix socket says whom it acts for
/// (`ssh-key:NAME`, as `wharf_domain::Actor` writes it); ignored anywhere else.
pub const ACTOR_HEADER: &str = "wharf-actor";

/// The environment variable a push's hook (`wharf git-hook`) reads whom it deploys for from,
/// in the same form: set by the SSH command and by the daemon serving git over HTTP.
pub const ACTOR_ENV: &str = "WHARF_ACTOR";

/// `GET /v1/events` and `GET /v1/apps/{app}/events`: the newest changes, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Events {
    pub events: Vec<Event>,
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    pub id: i64,
    /// When it started (Unix seconds).
    pub at: i64,
    /// Who made it, as people read it: `user alice`, `token ci`, `ssh key laptop`,
    /// `local (root)`.
    pub actor: String,
    /// The app it changed, if it changed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// What it did: `deploy`, `config`, `rollback`, `domains add`, `services backup`...
    pub action: String,
    /// What else it named (a domain, a service), if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[schema(schema_with = event_result_schema)]
    pub result: EventResult,
    /// The outcome, or why it failed.
    #[serde(default)]
    pub message: String,
    /// When it ended (Unix seconds), if it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<i64>,
    /// For what Wharf noticed itself (the actor is `Wharf`): what it was, in kebab-case
    /// (`crashed`, `crash-loop`, `out-of-memory`, `certificate-expiring`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub kind: Option<AlertKind>,
    /// And how much it matters: `info`, `warning` or `critical`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub severity: Option<Severity>,
    /// How many times it happened within the grouping window (1 for a change).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub repeats: i64,
}

fn one() -> i64 {
    1
}

fn is_one(n: &i64) -> bool {
    *n == 1
}

/// How a change ended: the domain's type, written in lowercase.
pub use wharf_domain::EventResult;
use wharf_domain::{AlertKind, Severity};

/// The schema of [`EventResult`]: a string, one of its values.
fn event_result_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(EventResult::ALL.iter().map(|result| result.as_str())))
        .description(Some(
            "How the change ended: `running` (still going), `ok`, `failed`, or `interrupted` (the daemon stopped before it ended).",
        ))
        .build()
}

/// The query of the event lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// How many, newest first (default 50, at most 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl EventsQuery {
    /// The default number of events listed.
    pub const DEFAULT: usize = 50;
    /// The most listed at once.
    pub const MAX: usize = 1000;

    /// How many to list: the asked number, within bounds.
    pub fn count(&self) -> usize {
        self.limit
            .map_or(Self::DEFAULT, |n| (n as usize).clamp(1, Self::MAX))
    }
}
