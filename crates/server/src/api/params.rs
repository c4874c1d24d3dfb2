//! The API's path parameters, parsed into Wharf's domain types as a request enters: a
//! handler takes an `AppPath` (or `ServicePath`, ...) and never sees a name that is not valid.
//! A bad one is answered 400 with the message of the type's own parser, so the user reads the
//! same words as anywhere else (`app name `Blog` contains uppercase letters; use lowercase`).

use super::ApiError;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::StatusCode;
use axum::http::request::Parts;
use wharf_domain::{AppName, CertDomain, DomainName, ReleaseVersion, ServiceName};

/// The percent-decoded value of the path parameter `key`, which the route declares.
fn raw(params: &RawPathParams, key: &str) -> Result<String, ApiError> {
    params
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.to_owned())
        .ok_or_else(|| ApiError::internal(format!("the route has no `{{{key}}}` parameter")))
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, message)
}

async fn params<S: Send + Sync>(parts: &mut Parts, state: &S) -> Result<RawPathParams, ApiError> {
    RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|rejection| bad(rejection.body_text()))
}

fn app(params: &RawPathParams) -> Result<AppName, ApiError> {
    AppName::parse(&raw(params, "app")?).map_err(|e| bad(e.to_string()))
}

fn service(params: &RawPathParams) -> Result<ServiceName, ApiError> {
    ServiceName::parse(&raw(params, "name")?).map_err(|e| bad(e.to_string()))
}

/// `{app}` of `/v1/apps/{app}/...`.
#[derive(Clone)]
pub struct AppPath(pub AppName);

impl<S: Send + Sync> FromRequestParts<S> for AppPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Ok(AppPath(app(&params(parts, state).await?)?))
    }
}

/// `{name}` of `/v1/services/{name}/...`.
pub struct ServicePath(pub ServiceName);

impl<S: Send + Sync> FromRequestParts<S> for ServicePath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Ok(ServicePath(service(&params(parts, state).await?)?))
    }
}

/// `{name}` and `{app}` of `/v1/services/{name}/links/{app}`.
pub struct LinkPath(pub ServiceName, pub AppName);

impl<S: Send + Sync> FromRequestParts<S> for LinkPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let params = params(parts, state).await?;
        Ok(LinkPath(service(&params)?, app(&params)?))
    }
}

/// `{app}` and `{domain}` of `/v1/apps/{app}/domains/{domain}`.
pub struct AppDomainPath(pub AppName, pub DomainName);

impl<S: Send + Sync> FromRequestParts<S> for AppDomainPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let params = params(parts, state).await?;
        let domain = DomainName::parse(&raw(&params, "domain")?).map_err(|e| bad(e.to_string()))?;
        Ok(AppDomainPath(app(&params)?, domain))
    }
}

/// `{domain}` of `/v1/certs/{domain}`: a domain, or `*.` and a domain.
pub struct CertPath(pub CertDomain);

impl<S: Send + Sync> FromRequestParts<S> for CertPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let params = params(parts, state).await?;
        let domain = CertDomain::parse(&raw(&params, "domain")?).map_err(|e| bad(e.to_string()))?;
        Ok(CertPath(domain))
    }
}

/// `{app}` and `{version}` (`v3` or `3`) of `/v1/apps/{app}/releases/{version}/...`.
pub struct ReleasePath(pub AppName, pub ReleaseVersion);

impl<S: Send + Sync> FromRequestParts<S> for ReleasePath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let params = params(parts, state).await?;
        let app = app(&params)?;
        let version = raw(&params, "version")?;
        let version = ReleaseVersion::parse(&version)
            .map_err(|_| bad(format!("`{version}` is not a release; give one like v3")))?;
        Ok(ReleasePath(app, version))
    }
}

/// A JSON request body, decoded into one of `wharf_api`'s types (whose names, domains and
/// mounts are parsed as they are decoded). A body that does not decode is answered like every
/// other refusal, `{"error": ...}` with 400 and serde's words naming the field, not axum's
/// plain-text 422 (415 when the body is not JSON at all).
pub struct JsonBody<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as JSON, with `Content-Type: application/json`",
            )),
            Err(rejection) => Err(bad(format!(
                "the request body is not what this route takes: {}",
                rejection.body_text()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn answer(router: Router, uri: &str) -> (StatusCode, String) {
        let response = router
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn names_are_parsed_as_they_enter_and_bad_ones_answered_400_with_the_parser_s_words() {
        let router = Router::new()
            .route(
                "/v1/apps/{app}/ps",
                get(|AppPath(app): AppPath| async move { app.to_string() }),
            )
            .route(
                "/v1/services/{name}/links/{app}",
                get(|LinkPath(service, app): LinkPath| async move { format!("{service}>{app}") }),
            )
            .route(
                "/v1/apps/{app}/releases/{version}/log",
                get(|ReleasePath(app, v): ReleasePath| async move { format!("{app} {v}") }),
            )
            .route(
                "/v1/apps/{app}/domains/{domain}",
                get(|AppDomainPath(app, d): AppDomainPath| async move { format!("{app} {d}") }),
            )
            .route(
                "/v1/certs/{domain}",
                get(|CertPath(d): CertPath| async move { d.to_string() }),
            );
        assert_eq!(
            answer(router.clone(), "/v1/apps/blog/ps").await,
            (StatusCode::OK, "blog".to_string())
        );
        let (status, body) = answer(router.clone(), "/v1/apps/Blog/ps").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let expected = AppName::parse("Blog").unwrap_err().to_string();
        assert_eq!(body, serde_json::json!({ "error": expected }).to_string());
        let (status, body) = answer(router.clone(), "/v1/apps/my%20app/ps").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("app name"), "{body}");
        assert_eq!(
            answer(router.clone(), "/v1/services/db/links/blog").await,
            (StatusCode::OK, "db>blog".to_string())
        );
        let (status, body) = answer(router.clone(), "/v1/services/wharf-db/links/blog").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("service name"), "{body}");
        assert_eq!(
            answer(router.clone(), "/v1/apps/blog/releases/3/log").await,
            (StatusCode::OK, "blog v3".to_string())
        );
        let (status, body) = answer(router.clone(), "/v1/apps/blog/releases/v0/log").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            body.contains("`v0` is not a release; give one like v3"),
            "{body}"
        );
        assert_eq!(
            answer(router.clone(), "/v1/apps/blog/domains/WWW.Blog.example.").await,
            (StatusCode::OK, "blog www.blog.example".to_string())
        );
        let (status, body) = answer(router.clone(), "/v1/apps/blog/domains/a_b.example").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let expected = DomainName::parse("a_b.example").unwrap_err().to_string();
        assert_eq!(body, serde_json::json!({ "error": expected }).to_string());
        assert_eq!(
            answer(router.clone(), "/v1/certs/*.example.com").await,
            (StatusCode::OK, "*.example.com".to_string())
        );
        let (status, _) = answer(router, "/v1/apps/blog/domains/*.example.com").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn a_body_that_does_not_decode_is_answered_400_naming_the_field() {
        use axum::routing::post;
        let router =
            Router::new().route(
                "/v1/apps/{app}/scale",
                post(
                    |JsonBody(wharf_api::ScaleRequest(scale)): JsonBody<
                        wharf_api::ScaleRequest,
                    >| async move { format!("{}", scale.len()) },
                ),
            );
        let send = |body: &'static str, json: bool| {
            let mut request = Request::post("/v1/apps/blog/scale");
            if json {
                request = request.header("content-type", "application/json");
            }
            router
                .clone()
                .oneshot(request.body(Body::from(body)).unwrap())
        };
        let response = send(r#"{"web": 2}"#, true).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let response = send(r#"{"Web!": 2}"#, true).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let error: wharf_api::ErrorBody = serde_json::from_slice(&body).unwrap();
        assert!(error.error.contains("Web!"), "{}", error.error);
        let response = send(r#"{"web": 2}"#, false).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}
