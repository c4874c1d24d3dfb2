//! The server's one ACME account: created at the CA on first need and kept, with the CA's
//! directory URL, in `DATA/acme/account.json` (0600). A different directory gets a new account.

use crate::AcmeConfig;
use crate::files::write_private;
use anyhow::Context;
use instant_acme::{Account, AccountBuilder, AccountCredentials, NewAccount};
use serde::{Deserialize, Serialize};
use std::os::unix::fs::PermissionsExt;

#[derive(Serialize, Deserialize)]
struct Stored {
    directory: String,
    credentials: AccountCredentials,
}

fn builder(config: &AcmeConfig) -> anyhow::Result<AccountBuilder> {
    // rustls needs one process-wide crypto provider when more than one is compiled in (as when
    // the TLS listener brings aws-lc-rs); ring is what this client is built with. Installing
    // fails harmlessly when a provider is already installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match &config.extra_root {
        Some(root) => Account::builder_with_root(root)
            .with_context(|| format!("trusting the ACME root {}", root.display())),
        None => Account::builder().context("setting up the ACME HTTP client"),
    }
}

/// The stored account for the configured directory, or a new one registered now.
pub(crate) async fn load_or_create(config: &AcmeConfig) -> anyhow::Result<Account> {
    let dir = config.data_dir.join("acme");
    let path = dir.join("account.json");
    if let Ok(text) = std::fs::read_to_string(&path) {
        match serde_json::from_str::<Stored>(&text) {
            Ok(stored) if stored.directory == config.directory => {
                return builder(config)?
                    .from_credentials(stored.credentials)
                    .await
                    .context("restoring the ACME account");
            }
            Ok(_) => tracing::info!("the ACME directory changed; registering a new account"),
            Err(err) => {
                tracing::warn!(error = %err, "unreadable ACME account file; registering a new account")
            }
        }
    }
    let contact = config.email.as_ref().map(|e| format!("mailto:{e}"));
    let contacts: Vec<&str> = contact.iter().map(String::as_str).collect();
    let (account, credentials) = builder(config)?
        .create(
            &NewAccount {
                contact: &contacts,
                terms_of_service_agreed: true,
                only_return_existing: false,
            },
            config.directory.clone(),
            None,
        )
        .await
        .with_context(|| format!("registering an ACME account at {}", config.directory))?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    let stored = Stored {
        directory: config.directory.clone(),
        credentials,
    };
    write_private(&path, &serde_json::to_string(&stored)?)?;
    tracing::info!(directory = %config.directory, id = %account.id(), "ACME account registered");
    Ok(account)
}
