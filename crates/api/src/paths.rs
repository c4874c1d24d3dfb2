//! The API's paths, as axum routes them (`{name}` is a path parameter). The daemon's router
//! mounts these, the command line fills them in with [`fill`], and [`crate::ApiDoc`] documents
//! them: one spelling of each.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

pub const STATUS: &str = "/v1/status";
pub const ACME: &str = "/v1/acme";
pub const APPS: &str = "/v1/apps";
pub const APP: &str = "/v1/apps/{app}";
pub const RELEASES: &str = "/v1/apps/{app}/releases";
pub const RELEASE_LOG: &str = "/v1/apps/{app}/releases/{version}/log";
pub const CONFIG: &str = "/v1/apps/{app}/config";
pub const ROLLBACK: &str = "/v1/apps/{app}/rollback";
pub const REDEPLOY: &str = "/v1/apps/{app}/redeploy";
pub const IMAGE: &str = "/v1/apps/{app}/image";
pub const PS: &str = "/v1/apps/{app}/ps";
pub const FORMATION: &str = "/v1/apps/{app}/formation";
pub const CRON: &str = "/v1/apps/{app}/cron";
pub const APP_EVENTS: &str = "/v1/apps/{app}/events";
pub const SCALE: &str = "/v1/apps/{app}/scale";
pub const LIMITS: &str = "/v1/apps/{app}/limits";
pub const STOP: &str = "/v1/apps/{app}/stop";
pub const START: &str = "/v1/apps/{app}/start";
pub const RESTART: &str = "/v1/apps/{app}/restart";
pub const RUN: &str = "/v1/apps/{app}/run";
pub const LOGS: &str = "/v1/apps/{app}/logs";
pub const APP_STATS: &str = "/v1/apps/{app}/stats";
pub const DOMAINS: &str = "/v1/apps/{app}/domains";
pub const DOMAIN: &str = "/v1/apps/{app}/domains/{domain}";
pub const STORAGE: &str = "/v1/apps/{app}/storage";
pub const STORAGE_MOUNT: &str = "/v1/apps/{app}/storage/mount";
pub const STORAGE_UNMOUNT: &str = "/v1/apps/{app}/storage/unmount";
pub const SERVICES: &str = "/v1/services";
pub const SERVICE: &str = "/v1/services/{name}";
pub const SERVICE_LINK: &str = "/v1/services/{name}/links/{app}";
pub const SERVICE_EXPOSE: &str = "/v1/services/{name}/expose";
pub const SERVICE_BACKUPS: &str = "/v1/services/{name}/backups";
pub const SERVICE_VERIFY: &str = "/v1/services/{name}/backups/verify";
pub const SERVICE_BACKUP_SCHEDULE: &str = "/v1/services/{name}/backup-schedule";
pub const SERVICE_RESTORE: &str = "/v1/services/{name}/restore";
pub const SERVICE_CONNECT: &str = "/v1/services/{name}/connect";
pub const CLUSTER: &str = "/v1/cluster";
pub const CLUSTER_INIT: &str = "/v1/cluster/init";
pub const CLUSTER_LEAVE: &str = "/v1/cluster/leave";
pub const NODES: &str = "/v1/nodes";
pub const NODE: &str = "/v1/nodes/{node}";
pub const NODE_AVAILABILITY: &str = "/v1/nodes/{node}/availability";
pub const NODE_LABELS: &str = "/v1/nodes/{node}/labels";
pub const NODE_NAME: &str = "/v1/nodes/{node}/name";
pub const EVENTS: &str = "/v1/events";
pub const STATS: &str = "/v1/stats";
pub const CERTS: &str = "/v1/certs";
pub const CERT: &str = "/v1/certs/{domain}";
pub const DEPLOY: &str = "/v1/deploy";
/// Prometheus' scrape of the proxy's traffic (text exposition format, not JSON).
pub const METRICS: &str = "/metrics";
pub const NOTIFY: &str = "/v1/notify";
pub const NOTIFY_WEBHOOKS: &str = "/v1/notify/webhooks";
pub const NOTIFY_EMAILS: &str = "/v1/notify/emails";
pub const NOTIFY_CHANNEL: &str = "/v1/notify/{id}";
pub const NOTIFY_TEST: &str = "/v1/notify/test";
/// git's smart HTTP protocol (pushes only), on the TCP and HTTPS listeners.
pub const GIT_INFO_REFS: &str = "/git/{repo}/info/refs";
pub const GIT_RECEIVE_PACK: &str = "/git/{repo}/git-receive-pack";

/// `template` with its `{...}` parameters replaced, in order, by `values`, each
/// percent-encoded as a path segment (so whatever a user typed keeps the URL well-formed; the
/// server validates the names). A parameter without a value is left as it is.
pub fn fill(template: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut values = values.iter();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        out.push_str(&rest[..open]);
        match values.next() {
            Some(value) => out.push_str(&encode_segment(value)),
            None => out.push_str(&rest[open..=close]),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Bytes percent-encoded in a URL path segment: all but ASCII letters, digits, `-`, `_`, `.`.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');

/// Percent-encode `segment` for a URL path: every byte but ASCII letters, digits, `-`, `_`
/// and `.`.
pub fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, PATH_SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_filled_in_order_and_encoded() {
        assert_eq!(fill(PS, &["blog"]), "/v1/apps/blog/ps");
        assert_eq!(
            fill(DOMAIN, &["blog", "www.example.com"]),
            "/v1/apps/blog/domains/www.example.com"
        );
        assert_eq!(
            fill(SERVICE_LINK, &["db", "a b/c"]),
            "/v1/services/db/links/a%20b%2Fc"
        );
        assert_eq!(fill(APP, &[]), APP);
        assert_eq!(fill(STATUS, &["ignored"]), STATUS);
        assert_eq!(encode_segment("é?"), "%C3%A9%3F");
        assert_eq!(encode_segment("my-app_1.x"), "my-app_1.x");
        assert_eq!(encode_segment("a/b c?~"), "a%2Fb%20c%3F%7E");
    }
}
