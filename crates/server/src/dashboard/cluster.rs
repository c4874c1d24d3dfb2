//! The cluster page, `wharf cluster status` and `wharf nodes` as one page, for admins (the
//! API's cluster routes take admin tokens only): whether this server is a cluster, its address
//! and registry, and each node with its role, state, availability, address, labels, tasks,
//! resources and the databases it holds; a node that is not `ready` is marked. A drain or activate button by each node is
//! the API's `POST /v1/nodes/{node}/availability`, through its routes. On a single server the
//! page says so and how to grow.

use super::State;
use super::error::PageError;
use super::layout::{Tone, badge, bytes, csrf_field, page};
use super::session::Signed;
use super::through_api::{self, Sent};
use crate::api;
use axum::extract::State as Reach;
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{Markup, html};
use serde::Deserialize;
use wharf_api::{AvailabilityRequest, ClusterStatus, Node, paths};
use wharf_domain::{Availability, NODE_NAME_LABEL, NodeName};

pub(super) const PATH: &str = "/cluster";
pub(super) const AVAILABILITY: &str = "/cluster/availability";

/// `GET /cluster`.
pub(super) async fn page_of(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
) -> Result<Markup, PageError> {
    let axum::Json(status) = api::cluster::status(Reach(state.api.clone())).await?;
    let nodes = if status.manager {
        let axum::Json(nodes) = api::cluster::list(Reach(state.api.clone())).await?;
        nodes.nodes
    } else {
        Vec::new()
    };
    Ok(page(
        "Cluster",
        Some(&signed),
        html! {
            h1 { "Cluster" }
            (summary(&status))
            @if !nodes.is_empty() {
                h2 { "Nodes" }
                (table(&nodes, &signed))
                p.hint {
                    "Add a machine with " code { "wharf nodes add NAME" } " (or "
                    code { "--ssh USER@HOST" } "); label one with "
                    code { "wharf nodes label NAME KEY=VALUE" } ". A drained node's tasks move to the others."
                }
            }
        },
    ))
}

fn summary(status: &ClusterStatus) -> Markup {
    html! {
        @if status.state == "inactive" {
            p #cluster-state {
                "This server is a single server: no Swarm, no registry. When it is no longer enough, "
                code { "wharf cluster init" } " makes it a cluster manager and "
                code { "wharf nodes add NAME" } " adds machines; see "
                a href="/docs/cluster.html" { "clusters" } "."
            }
        } @else {
            dl.facts #cluster-state {
                dt { "Swarm" }
                dd {
                    (badge(&status.state, if status.state == "active" { Tone::Ok } else { Tone::Bad }))
                    " " (if status.manager { "manager" } else { "worker" })
                }
                @if let Some(address) = &status.address { dt { "Address" } dd { code { (address) } } }
                @if let Some(nodes) = status.nodes { dt { "Nodes" } dd { (nodes) } }
                dt { "Registry" }
                dd {
                    @match &status.registry {
                        Some(registry) => { code { (registry) } " (the nodes pull apps' images from it)" }
                        None => { span.warn { "not running" } " (" code { "wharf cluster init" } " starts it)" }
                    }
                }
                @if let Some(error) = &status.error { dt { "Error" } dd.warn { (error) } }
            }
        }
    }
}

fn table(nodes: &[Node], signed: &Signed) -> Markup {
    html! {
        table.cards #nodes {
            thead { tr {
                th scope="col" { "Node" } th scope="col" { "State" } th scope="col" { "Availability" }
                th scope="col" { "Address" } th scope="col" { "Labels" } th scope="col" { "Tasks" }
                th scope="col" { "CPUs" } th scope="col" { "Memory" } th scope="col" { "Databases" }
                th scope="col" { span.visually-hidden { "Actions" } }
            } }
            tbody {
                @for node in nodes {
                    @let ready = node.state == "ready";
                    tr class=[(!ready).then_some("marked")] {
                        th scope="row" data-label="Node" {
                            code.name { (node.name) }
                            " " span.muted { (node.role) }
                            @if node.this_server { " " (badge("this server", Tone::Idle)) }
                        }
                        td data-label="State" { (badge(&node.state, if ready { Tone::Ok } else { Tone::Bad })) }
                        td data-label="Availability" {
                            (badge(&node.availability, if node.availability == "active" { Tone::Ok } else { Tone::Busy }))
                        }
                        td data-label="Address" { code { (node.address) } }
                        td data-label="Labels" {
                            @let labels: Vec<String> = node.labels.iter()
                                .filter(|(key, _)| key.as_str() != NODE_NAME_LABEL)
                                .map(|(key, value)| format!("{key}={value}"))
                                .collect();
                            @if labels.is_empty() { span.muted { "none" } }
                            @for label in &labels { code { (label) } " " }
                        }
                        td data-label="Tasks" { (node.tasks) }
                        td data-label="CPUs" { (node.cpus) }
                        td data-label="Memory" { (bytes(u64::try_from(node.memory_bytes).unwrap_or(0))) }
                        td data-label="Databases" {
                            @if node.databases.is_empty() { span.muted { "none" } }
                            @for db in &node.databases { a href={"/databases/" (db)} { code { (db) } } " " }
                        }
                        td.row-actions {
                            @let (verb, to) = if node.availability == "drain" { ("Activate", "active") } else { ("Drain", "drain") };
                            form method="post" action=(AVAILABILITY) {
                                (csrf_field(signed))
                                input type="hidden" name="node" value=(node.name);
                                input type="hidden" name="availability" value=(to);
                                button.small type="submit" aria-label={(verb) " " (node.name)} { (verb) }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct AvailabilityForm {
    node: String,
    availability: String,
}

/// `POST /cluster/availability` (admins, with the CSRF token): the node's availability,
/// through the API's route.
pub(super) async fn availability(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Form(form): Form<AvailabilityForm>,
) -> Result<Response, PageError> {
    let bad = |message: String| {
        PageError::new(axum::http::StatusCode::BAD_REQUEST, message).back_to(PATH)
    };
    let node = NodeName::parse(form.node.trim()).map_err(|e| bad(e.to_string()))?;
    let availability =
        Availability::parse(form.availability.trim()).map_err(|e| bad(e.to_string()))?;
    let path = paths::fill(paths::NODE_AVAILABILITY, &[node.as_str()]);
    through_api::send(
        &state,
        &signed,
        Method::POST,
        &path,
        Sent::json(&AvailabilityRequest { availability })?,
        PATH,
    )
    .await?;
    Ok(Redirect::to(PATH).into_response())
}
