//! What an API request reaches, read from its method, path and query, so a token's scope can
//! be checked in one place (the auth middleware) for every route: `/v1/apps/{app}/...`,
//! `/v1/deploy?app=APP` and `/git/{app}.git/...` reach one app; `/v1/status` is open to any
//! token; `/v1/cluster` and `/v1/nodes/...` reach the cluster, for admin tokens only; everything else (`/v1/apps`, services, certificates, ACME, `/metrics`) is server-wide.
//!
//! GET and HEAD read, other methods write; git's smart HTTP routes always write (Wharf serves
//! pushes only); a GET asking for `reveal=true` reveals secret values.

use axum::http::Method;
use wharf_domain::{AppName, NameError, Operation, Resource};

/// What a request reaches and does, or why that cannot be told.
pub fn reach(
    method: &Method,
    path: &str,
    query: Option<&str>,
) -> Result<(Resource, Operation), Unclear> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let reading = *method == Method::GET || *method == Method::HEAD;
    let operation = if reading && query_flag(query, "reveal") {
        Operation::Reveal
    } else if reading {
        Operation::Read
    } else {
        Operation::Write
    };
    let resource = match segments.as_slice() {
        ["v1", "status"] => Resource::Status,
        ["v1", "apps", app, ..] => Resource::App(app_name(app)?),
        ["v1", "deploy"] => match query_value(query, "app")? {
            Some(app) => Resource::App(app_name(&app)?),
            None => return Err(Unclear::DeployWithoutApp),
        },
        ["v1", "cluster" | "nodes", ..] => Resource::Cluster,
        ["git", repo, ..] => {
            let app = repo.strip_suffix(".git").unwrap_or(repo);
            return Ok((Resource::App(app_name(app)?), Operation::Write));
        }
        _ => Resource::Server,
    };
    Ok((resource, operation))
}

/// Why a request's reach cannot be told; only tokens limited to some apps are refused for it
/// (an admin token goes on, and the handler says what is wrong).
#[derive(Debug, thiserror::Error)]
pub enum Unclear {
    #[error("{0}")]
    BadAppName(#[from] NameError),
    #[error(
        "this token is limited to some apps, so a deploy must name its app (?app=NAME); use `wharf push --app NAME`"
    )]
    DeployWithoutApp,
    #[error("`{0}` is given more than once in the query; give it once")]
    Repeated(String),
}

/// A path segment as axum's `Path` extractor gives it: percent-decoded.
fn app_name(segment: &str) -> Result<AppName, Unclear> {
    let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
    Ok(AppName::parse(&decoded)?)
}

/// The values of `key` in a query string, decoded as axum's `Query` extractor decodes them
/// (keys included, so `a%70p=` is `app=` here too).
fn query_values(query: Option<&str>, key: &str) -> Vec<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// The one value of `key`; two are refused, so the check and the handler cannot read
/// different ones.
fn query_value(query: Option<&str>, key: &str) -> Result<Option<String>, Unclear> {
    let mut values = query_values(query, key);
    match values.len() {
        0 => Ok(None),
        1 => Ok(values.pop()),
        _ => Err(Unclear::Repeated(key.to_string())),
    }
}

/// Whether `key` is given with any value but `false` (so anything unusual counts as asking).
fn query_flag(query: Option<&str>, key: &str) -> bool {
    query_values(query, key).iter().any(|v| v != "false")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(name: &str) -> Resource {
        Resource::App(AppName::parse(name).unwrap())
    }

    fn of(method: Method, uri: &str) -> (Resource, Operation) {
        let (path, query) = match uri.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (uri, None),
        };
        reach(&method, path, query).unwrap()
    }

    #[test]
    fn app_routes_reach_their_app() {
        assert_eq!(
            of(Method::GET, "/v1/apps/blog/ps"),
            (app("blog"), Operation::Read)
        );
        assert_eq!(
            of(Method::DELETE, "/v1/apps/blog"),
            (app("blog"), Operation::Write)
        );
        assert_eq!(
            of(Method::POST, "/v1/apps/blog/config"),
            (app("blog"), Operation::Write)
        );
        assert_eq!(
            of(Method::GET, "/v1/apps/blog/config?reveal=true"),
            (app("blog"), Operation::Reveal)
        );
        assert_eq!(
            of(Method::GET, "/v1/apps/blog/config?reveal=false"),
            (app("blog"), Operation::Read)
        );
        assert_eq!(
            of(Method::GET, "/v1/apps/blog/logs?tail=100&follow=true"),
            (app("blog"), Operation::Read)
        );
        assert_eq!(
            of(Method::POST, "/v1/deploy?app=blog&revision=abcd"),
            (app("blog"), Operation::Write)
        );
    }

    #[test]
    fn git_routes_always_write() {
        assert_eq!(
            of(
                Method::GET,
                "/git/blog.git/info/refs?service=git-receive-pack"
            ),
            (app("blog"), Operation::Write)
        );
        assert_eq!(
            of(Method::POST, "/git/blog/git-receive-pack"),
            (app("blog"), Operation::Write)
        );
    }

    #[test]
    fn other_routes_are_server_wide_except_status() {
        assert_eq!(
            of(Method::GET, "/v1/status"),
            (Resource::Status, Operation::Read)
        );
        assert_eq!(
            of(Method::GET, "/v1/apps"),
            (Resource::Server, Operation::Read)
        );
        assert_eq!(
            of(Method::POST, "/v1/services/db/links/blog"),
            (Resource::Server, Operation::Write)
        );
        assert_eq!(
            of(Method::GET, "/v1/services/db?reveal=true"),
            (Resource::Server, Operation::Reveal)
        );
        assert_eq!(
            of(Method::GET, "/v1/certs"),
            (Resource::Server, Operation::Read)
        );
        // Every app's traffic: a read-only token may scrape it, one limited to apps may not.
        assert_eq!(
            of(Method::GET, "/metrics"),
            (Resource::Server, Operation::Read)
        );
        assert_eq!(
            of(Method::GET, "/nowhere"),
            (Resource::Server, Operation::Read)
        );
    }

    #[test]
    fn the_cluster_and_its_nodes_are_one_resource() {
        assert_eq!(
            of(Method::GET, "/v1/cluster"),
            (Resource::Cluster, Operation::Read)
        );
        assert_eq!(
            of(Method::POST, "/v1/cluster/init"),
            (Resource::Cluster, Operation::Write)
        );
        assert_eq!(
            of(Method::DELETE, "/v1/nodes/web-2"),
            (Resource::Cluster, Operation::Write)
        );
    }

    #[test]
    fn unclear_requests_are_errors() {
        assert!(matches!(
            reach(&Method::POST, "/v1/deploy", None),
            Err(Unclear::DeployWithoutApp)
        ));
        assert!(matches!(
            reach(&Method::GET, "/v1/apps/Blog/ps", None),
            Err(Unclear::BadAppName(_))
        ));
        assert!(matches!(
            reach(&Method::POST, "/v1/deploy", Some("app=blog&app=shop")),
            Err(Unclear::Repeated(_))
        ));
        // Escaped names and keys are read as the handlers read them, not around the check.
        assert_eq!(of(Method::GET, "/v1/apps/%62log/ps").0, app("blog"));
        assert_eq!(of(Method::POST, "/v1/deploy?a%70p=sh%6Fp").0, app("shop"));
        assert!(matches!(
            reach(&Method::POST, "/v1/deploy", Some("app=blog&a%70p=shop")),
            Err(Unclear::Repeated(_))
        ));
        assert_eq!(
            of(Method::GET, "/v1/services/db?reveal=1").1,
            Operation::Reveal
        );
    }
}
