//! Notification channels: `GET /v1/notify` (each with its last delivery and last error),
//! `POST /v1/notify/webhooks`, `POST /v1/notify/emails` (its SMTP password stored, never
//! answered back), `DELETE /v1/notify/{id}` and `POST /v1/notify/test`.

use super::params::JsonBody;
use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use wharf_api::{
    AddEmailRequest, AddWebhookRequest, NotifyChannel, NotifyChannelRemoved, NotifyChannels,
    NotifyTestSent,
};
use wharf_domain::{Alert, AlertKind};
use wharf_store::{ChannelTarget, SmtpLogin, SmtpPassword};

/// The longest SMTP user name or password taken.
const MAX_LOGIN_BYTES: usize = 512;

pub async fn list(State(state): State<ApiState>) -> Result<Json<NotifyChannels>, ApiError> {
    let channels = state.deployer.store().notify_channels()?;
    Ok(Json(NotifyChannels {
        channels: channels.into_iter().map(shown).collect(),
    }))
}

pub async fn add_webhook(
    State(state): State<ApiState>,
    JsonBody(request): JsonBody<AddWebhookRequest>,
) -> Result<Json<NotifyChannel>, ApiError> {
    add(
        &state,
        ChannelTarget::Webhook {
            url: request.url,
            format: request.format,
        },
    )
}

pub async fn add_email(
    State(state): State<ApiState>,
    JsonBody(request): JsonBody<AddEmailRequest>,
) -> Result<Json<NotifyChannel>, ApiError> {
    let login = match (request.smtp_user, request.smtp_password) {
        (None, None) => None,
        (Some(user), password) => {
            let password = password.unwrap_or_default();
            if user.is_empty()
                || user.len() > MAX_LOGIN_BYTES
                || password.len() > MAX_LOGIN_BYTES
                || user.chars().any(char::is_control)
            {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "the SMTP user name and password are 1 to {MAX_LOGIN_BYTES} bytes, without control characters"
                    ),
                ));
            }
            Some(SmtpLogin {
                user,
                password: SmtpPassword::new(password),
            })
        }
        (None, Some(_)) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "an SMTP password needs its user name (smtp_user)",
            ));
        }
    };
    add(
        &state,
        ChannelTarget::Email {
            to: request.to,
            smtp: request.smtp,
            login,
            starttls: request.starttls,
        },
    )
}

fn add(state: &ApiState, target: ChannelTarget) -> Result<Json<NotifyChannel>, ApiError> {
    let store = state.deployer.store();
    let id = store.add_notify_channel(&target)?;
    let channel = store
        .notify_channel(id)?
        .ok_or_else(|| ApiError::internal("the channel just added is gone"))?;
    Ok(Json(shown(channel)))
}

pub async fn remove(
    State(state): State<ApiState>,
    Path(id): Path<i64>,
) -> Result<Json<NotifyChannelRemoved>, ApiError> {
    if !state.deployer.store().remove_notify_channel(id)? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("there is no notification channel {id}; `wharf notify list` shows them"),
        ));
    }
    Ok(Json(NotifyChannelRemoved { removed: id }))
}

pub async fn test(State(state): State<ApiState>) -> Result<Json<NotifyTestSent>, ApiError> {
    let store = state.deployer.store();
    let channels = store.notify_channels()?.len();
    let alert = Alert::new(
        AlertKind::Test,
        "a test notification from `wharf notify test`: this channel works",
    );
    store.notify(&alert)?;
    Ok(Json(NotifyTestSent { channels }))
}

/// A channel as the API shows it: where it delivers (a webhook without its path), never a
/// password.
fn shown(channel: wharf_store::NotifyChannel) -> NotifyChannel {
    NotifyChannel {
        id: channel.id,
        kind: channel.target.kind().to_string(),
        target: channel.target.describe(),
        created_at: channel.created_at,
        last_delivery: channel.last_delivery,
        last_error: channel.last_error,
        last_error_at: channel.last_error_at,
    }
}
