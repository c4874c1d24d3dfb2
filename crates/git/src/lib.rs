//! Git push to Wharf, the parts that need no daemon: public keys and the authorized_keys
//! entries that confine them to `wharf ssh-command` (which parses what a key may run, in
//! `wharf-cli`, with the command line's grammar), and the apps' bare repositories with the hook
//! that deploys what is pushed.

mod authorized_keys;
mod public_key;
mod repo;
mod user;

pub use authorized_keys::{
    AuthorizedKeysError, ManagedKey, entry, forced_command, quote_path, rewrite,
};
pub use public_key::{KeyError, PublicKey, check_key_name};
pub use repo::{RepoError, ensure_repo, hook_script, prepare_repos_dir, repo_path, repos_dir};
pub use user::{RunAs, WHARF_USER, default_authorized_keys};
