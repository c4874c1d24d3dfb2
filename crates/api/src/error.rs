//! The body of every error answer.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a refused or failed request answers (with a 4xx or 5xx status), and how a progress or
/// log stream ends when it fails part-way: `{"error": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong and, where the user can fix it, how.
    pub error: String,
}
