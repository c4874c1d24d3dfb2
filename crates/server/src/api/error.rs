//! One error type for every API route, answered as JSON `{"error": "..."}` with a fitting status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use wharf_deploy::DeployError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub fn internal(err: impl std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, err.to_string())
    }

    /// The same error, its message preceded by what was being done.
    pub fn context(self, what: &str) -> ApiError {
        ApiError::new(self.status, format!("{what}: {}", self.message))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(serde_json::json!({ "error": self.message }));
        (self.status, body).into_response()
    }
}

impl From<DeployError> for ApiError {
    fn from(err: DeployError) -> ApiError {
        ApiError::from_deploy(&err)
    }
}

impl ApiError {
    fn from_deploy(err: &DeployError) -> ApiError {
        let status = match err {
            DeployError::NoSuchApp(_)
            | DeployError::NoSuchProcess { .. }
            | DeployError::Store(wharf_store::StoreError::NoSuchRelease { .. }) => {
                StatusCode::NOT_FOUND
            }
            DeployError::DomainTaken { .. } => StatusCode::CONFLICT,
            DeployError::Runtime(_) | DeployError::Registry(_) => StatusCode::SERVICE_UNAVAILABLE,
            e if e.is_user_error() => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, wharf_domain::explained(err))
    }
}

impl From<wharf_store::StoreError> for ApiError {
    fn from(err: wharf_store::StoreError) -> ApiError {
        ApiError::internal(err)
    }
}

impl From<wharf_services::ServiceError> for ApiError {
    fn from(err: wharf_services::ServiceError) -> ApiError {
        let status = match &err {
            wharf_services::ServiceError::Deploy(e) => return ApiError::from_deploy(e),
            e if e.is_not_found() => StatusCode::NOT_FOUND,
            wharf_services::ServiceError::Exists(_)
            | wharf_services::ServiceError::Linked { .. }
            | wharf_services::ServiceError::AlreadyLinked { .. } => StatusCode::CONFLICT,
            e if e.is_user_error() => StatusCode::BAD_REQUEST,
            wharf_services::ServiceError::Runtime(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, err.to_string())
    }
}
