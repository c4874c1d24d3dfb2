//! The certificates page, `wharf certs` and `wharf certs status` as one page: every stored
//! certificate (source, issuer, expiry with its age) and each domain's automatic HTTPS
//! (renewal time, the served check, the last error and the next retry), read through the
//! API's `GET /v1/certs` and `GET /v1/acme` handlers. A certificate that has expired, expires
//! within two weeks or whose renewal keeps failing is marked so. For every signed-in user:
//! nothing here is secret (keys are never shown).

use super::State;
use super::error::PageError;
use super::layout::{Tone, badge, page, when};
use super::session::Signed;
use crate::api;
use axum::Extension;
use axum::extract::State as Reach;
use maud::{Markup, html};
use std::collections::BTreeMap;
use wharf_api::{AcmeDomain, AcmeStatus, Certificate};

pub(super) const PATH: &str = "/certs";

/// Under this long before expiry a certificate is marked: two weeks.
const WARN_BEFORE: i64 = 14 * 86_400;

/// One domain: its stored certificate and its ACME state, either of which may be missing.
struct Row<'a> {
    domain: String,
    cert: Option<&'a Certificate>,
    acme: Option<&'a AcmeDomain>,
}

impl Row<'_> {
    fn not_after(&self) -> Option<i64> {
        self.cert
            .map(|c| c.not_after)
            .or(self.acme.and_then(|a| a.not_after))
    }
}

/// A domain's state from its expiry and ACME state at `now`, and whether it needs a look.
pub(super) fn cert_state(
    not_after: Option<i64>,
    acme: Option<&AcmeDomain>,
    now: i64,
) -> (String, Tone) {
    let failures = acme
        .filter(|a| a.last_error.is_some())
        .map_or(0, |a| a.failures);
    match not_after {
        Some(at) if at <= now => ("expired".to_string(), Tone::Bad),
        _ if failures > 0 => (format!("failing ({failures} in a row)"), Tone::Bad),
        Some(at) if at - now < WARN_BEFORE => ("expires soon".to_string(), Tone::Busy),
        Some(_) => ("valid".to_string(), Tone::Ok),
        None => ("pending".to_string(), Tone::Idle),
    }
}

/// `GET /certs`.
pub(super) async fn page_of(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
) -> Result<Markup, PageError> {
    let axum::Json(list) = api::certs::list(Reach(state.api.clone())).await;
    let axum::Json(acme) = api::acme::status(Reach(state.api.clone())).await?;
    let mut rows: BTreeMap<String, Row<'_>> = BTreeMap::new();
    for cert in &list.certs {
        let domain = cert.domain.to_string();
        rows.insert(
            domain.clone(),
            Row {
                domain,
                cert: Some(cert),
                acme: None,
            },
        );
    }
    for domain in &acme.domains {
        let name = domain.domain.to_string();
        rows.entry(name.clone())
            .or_insert(Row {
                domain: name,
                cert: None,
                acme: None,
            })
            .acme = Some(domain);
    }
    let now = wharf_store::unix_now();
    let rows: Vec<Row<'_>> = rows.into_values().collect();
    Ok(page(
        "Certificates",
        Some(&signed),
        html! {
            h1 { "Certificates" }
            (acme_line(&acme))
            @if rows.is_empty() {
                p.empty #no-certs {
                    "No certificate yet. A domain of an app gets one by ACME once it points here; "
                    "add your own with " code { "wharf certs add DOMAIN --cert FILE --key FILE" } "."
                }
            } @else {
                (table(&rows, now))
            }
            p.hint { "Marked: expired, expiring within 14 days, or failing to renew. Keys are never shown." }
        },
    ))
}

fn acme_line(acme: &AcmeStatus) -> Markup {
    html! {
        p #acme-directory {
            @match &acme.directory {
                Some(directory) => { "Automatic HTTPS from " code.wrap { (directory) } "." }
                None => { "Automatic HTTPS is off (" code { "--acme-directory off" } "): only certificates added by hand are served." }
            }
        }
    }
}

fn table(rows: &[Row<'_>], now: i64) -> Markup {
    html! {
        table.cards #certs {
            thead { tr {
                th scope="col" { "Domain" } th scope="col" { "State" } th scope="col" { "Expires" }
                th scope="col" { "Issuer" } th scope="col" { "Renewal" } th scope="col" { "Served" }
                th scope="col" { "Next retry" }
            } }
            tbody {
                @for row in rows {
                    @let (label, tone) = cert_state(row.not_after(), row.acme, now);
                    @let marked = tone != Tone::Ok && tone != Tone::Idle;
                    tr class=[marked.then_some("marked")] {
                        th scope="row" data-label="Domain" { code.name { (row.domain) } }
                        td data-label="State" {
                            (badge(&label, tone))
                            @if let Some(error) = row.acme.and_then(|a| a.last_error.as_deref()) {
                                p.reason { "Last error: " (error) }
                            }
                        }
                        td data-label="Expires" {
                            @match row.not_after() {
                                Some(at) => { span class=[marked.then_some("warn")] { (when(at, now)) } }
                                None => { span.muted { "no certificate" } }
                            }
                        }
                        td data-label="Issuer" {
                            @match (row.cert, row.acme.and_then(|a| a.issuer.as_deref())) {
                                (Some(cert), _) => { (cert.issuer) }
                                (None, Some(issuer)) => { (issuer) }
                                (None, None) => { span.muted { "none" } }
                            }
                        }
                        td data-label="Renewal" {
                            @match (row.cert.map(|c| c.source), row.acme.and_then(|a| a.renew_at)) {
                                (Some(wharf_api::CertSource::Uploaded), _) => { span.muted { "by hand (uploaded)" } }
                                (_, Some(at)) => {
                                    (when(at, now))
                                    @if let Some(by) = row.acme.and_then(|a| a.renew_by.as_deref()) {
                                        " " span.muted { "(" (renewal_reason(by)) ")" }
                                    }
                                }
                                _ => { span.muted { "not planned" } }
                            }
                        }
                        td data-label="Served" {
                            @match row.acme.and_then(|a| a.served_checked) {
                                Some(at) => { "checked " (when(at, now)) }
                                None => { span.muted { "not checked" } }
                            }
                        }
                        td data-label="Next retry" {
                            @match row.acme.and_then(|a| a.next_attempt) {
                                Some(at) => { (when(at, now)) }
                                None => { span.muted { "none due" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Who chose the renewal time, as `wharf certs status` says it.
fn renewal_reason(by: &str) -> &'static str {
    match by {
        "ari" => "the CA's renewal information",
        "configured" => "--acme-renew-before",
        _ => "two thirds of its lifetime",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acme(failures: i64, error: Option<&str>) -> AcmeDomain {
        AcmeDomain {
            domain: wharf_domain::DomainName::parse("example.com").unwrap(),
            last_attempt: Some(0),
            last_success: None,
            last_error: error.map(str::to_string),
            failures,
            next_attempt: None,
            challenge: None,
            issuer: None,
            serial: None,
            not_after: None,
            served_checked: None,
            renew_at: None,
            renew_by: None,
        }
    }

    #[test]
    fn expiring_expired_and_failing_certificates_are_marked() {
        let now = 1_000_000;
        let day = 86_400;
        assert_eq!(cert_state(Some(now + 62 * day), None, now).1, Tone::Ok);
        assert_eq!(
            cert_state(Some(now + 13 * day), None, now),
            ("expires soon".to_string(), Tone::Busy)
        );
        assert_eq!(
            cert_state(Some(now - 1), None, now),
            ("expired".to_string(), Tone::Bad)
        );
        let failing = acme(3, Some("connection refused"));
        assert_eq!(
            cert_state(Some(now + 62 * day), Some(&failing), now),
            ("failing (3 in a row)".to_string(), Tone::Bad)
        );
        assert_eq!(
            cert_state(None, Some(&acme(0, None)), now),
            ("pending".to_string(), Tone::Idle)
        );
        // An error cleared by a success is not a failure.
        assert_eq!(
            cert_state(Some(now + 62 * day), Some(&acme(0, Some("old"))), now).1,
            Tone::Ok
        );
    }
}
