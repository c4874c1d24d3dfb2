//! The ways a store operation can fail, named after the situation.

/// An error from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot set permissions on {path}: {source}")]
    Permissions {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// `domain` is an address: `example.com` or `example.com/blog`.
    #[error("{domain} is already served by the app `{app}`; remove it there first")]
    DomainTaken {
        domain: wharf_domain::WebAddress,
        app: String,
    },
    #[error("there is no app named `{0}`")]
    NoSuchApp(String),
    #[error("app `{app}` has no release {version}")]
    NoSuchRelease { app: String, version: String },
    #[error("token name `{0}` must be 1-64 letters, digits, '-', '_' or '.'")]
    BadTokenName(String),
    #[error("a token named `{0}` already exists; pick another name or revoke it first")]
    TokenExists(String),
    #[error("there is no token named `{0}`")]
    NoSuchToken(String),
    #[error("a key named `{0}` already exists; pick another name or remove it first")]
    KeyExists(String),
    #[error("this key is already added, as `{0}`")]
    KeyAlreadyAdded(String),
    #[error("there is no key named `{0}`")]
    NoSuchKey(String),
    #[error("a service named `{0}` already exists")]
    ServiceExists(String),
    #[error("there is no service named `{0}`; `wharf services` lists them")]
    NoSuchService(String),
    #[error(
        "`{0}` is not a user name: use 1 to 32 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
    )]
    BadUserName(String),
    #[error("a user named `{0}` already exists; pick another name, or `wharf users passwd {0}`")]
    UserExists(String),
    #[error("there is no user named `{0}`; `wharf users list` lists them")]
    NoSuchUser(String),
    #[error("`{0}` is the last admin; add another admin first (`wharf users add NAME`)")]
    LastAdmin(String),
    #[error("{0}")]
    WeakPassword(String),
    #[error(
        "the database was written by a newer Wharf (schema {found}, this binary knows {known}); upgrade wharf"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A release's stored config snapshot that does not decode (or encode).
    #[error("the config snapshot of {app} {version} cannot be read: {source}")]
    Snapshot {
        app: String,
        version: wharf_domain::ReleaseVersion,
        #[source]
        source: serde_json::Error,
    },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl wharf_domain::Documented for StoreError {
    fn docs(&self) -> Option<wharf_domain::DocsLink> {
        match self {
            StoreError::SchemaTooNew { .. } => Some(wharf_domain::docs_link::VERSIONS),
            _ => None,
        }
    }
}
