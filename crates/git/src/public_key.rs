//! SSH public keys as users paste them (`ssh-ed25519 AAAA... comment`): checked to be exactly one
//! key of a known type whose base64 blob really holds a key of that type, and fingerprinted the
//! way `ssh-keygen -l` does (`SHA256:` + unpadded base64 of the blob's SHA-256).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use sha2::{Digest, Sha256};

/// Key types OpenSSH accepts for user authentication.
const KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

/// A validated public key: its type and base64 blob (the comment is dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    kind: String,
    blob: String,
    fingerprint: String,
}

/// Why a text is not a usable public key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("no public key given: pipe one in, e.g. `wharf keys add NAME < ~/.ssh/id_ed25519.pub`")]
    Empty,
    #[error("this is a private key; give the public one (the .pub file) instead")]
    Private,
    #[error("{0} keys given; add one key at a time")]
    Several(usize),
    #[error(
        "the key starts with options (`{0}`); give a bare public key as `ssh-keygen` writes it"
    )]
    Options(String),
    #[error("`{0}` is not a known SSH key type (known: {types})", types = KEY_TYPES.join(", "))]
    UnknownType(String),
    #[error("the key has no base64 part after its type")]
    NoBlob,
    #[error("the key's base64 part is not valid base64")]
    NotBase64,
    #[error("the key's base64 part does not hold a key of type {0}; was it cut or edited?")]
    Mismatch(String),
    #[error(
        "key name `{0}` must be 1-64 letters, digits, '-', '_', '.' or '@', not starting with '-'"
    )]
    BadName(String),
}

impl PublicKey {
    /// Parse the contents of a `.pub` file: one key line (blank and `#` lines are ignored).
    pub fn parse(text: &str) -> Result<PublicKey, KeyError> {
        if text.contains("PRIVATE KEY") {
            return Err(KeyError::Private);
        }
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let line = match lines.as_slice() {
            [] => return Err(KeyError::Empty),
            [line] => *line,
            more => return Err(KeyError::Several(more.len())),
        };
        let mut fields = line.split_ascii_whitespace();
        let kind = fields.next().ok_or(KeyError::Empty)?;
        if !KEY_TYPES.contains(&kind) {
            if kind.contains('=') || kind.contains('"') || kind.contains(',') {
                return Err(KeyError::Options(kind.chars().take(40).collect()));
            }
            return Err(KeyError::UnknownType(kind.chars().take(40).collect()));
        }
        let blob = fields.next().ok_or(KeyError::NoBlob)?;
        let bytes = STANDARD.decode(blob).map_err(|_| KeyError::NotBase64)?;
        if embedded_type(&bytes) != Some(kind.as_bytes()) {
            return Err(KeyError::Mismatch(kind.to_string()));
        }
        let fingerprint = format!("SHA256:{}", STANDARD_NO_PAD.encode(Sha256::digest(&bytes)));
        Ok(PublicKey {
            kind: kind.to_string(),
            blob: blob.to_string(),
            fingerprint,
        })
    }

    /// `TYPE BLOB`, as it goes into authorized_keys.
    pub fn as_line(&self) -> String {
        format!("{} {}", self.kind, self.blob)
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

/// The key type written at the start of the blob (SSH wire format: u32 length + bytes), if the
/// blob holds more than that type.
fn embedded_type(bytes: &[u8]) -> Option<&[u8]> {
    let len = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let kind = bytes.get(4..4 + len)?;
    (bytes.len() > 4 + len + 4).then_some(kind)
}

/// Check a key's name: it ends up in authorized_keys and in a forced command line.
pub fn check_key_name(name: &str) -> Result<(), KeyError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if ok {
        Ok(())
    } else {
        Err(KeyError::BadName(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Generated with `ssh-keygen -t ed25519`; `ssh-keygen -l` prints the fingerprint below.
    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG43CYLTbltdlwlI4qb3nrFR5ms6j2ebb172RSLBE4NS me@laptop";

    #[test]
    fn a_key_parses_and_is_fingerprinted() {
        let key = PublicKey::parse(&format!("\n{KEY}\n")).unwrap();
        assert_eq!(
            key.as_line(),
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG43CYLTbltdlwlI4qb3nrFR5ms6j2ebb172RSLBE4NS"
        );
        assert_eq!(
            key.fingerprint(),
            "SHA256:GuKaXO6NaTS8dxcTVI/VVm35K6jkD25xdobDVz9yuds"
        );
    }

    #[test]
    fn bad_keys_are_named() {
        assert_eq!(PublicKey::parse("  \n"), Err(KeyError::Empty));
        assert_eq!(
            PublicKey::parse("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n"),
            Err(KeyError::Private)
        );
        assert_eq!(
            PublicKey::parse(&format!("{KEY}\n{KEY}")),
            Err(KeyError::Several(2))
        );
        assert!(matches!(
            PublicKey::parse(&format!("command=\"bash\" {KEY}")),
            Err(KeyError::Options(_))
        ));
        assert!(matches!(
            PublicKey::parse("ssh-dss AAAA"),
            Err(KeyError::UnknownType(_))
        ));
        assert_eq!(PublicKey::parse("ssh-ed25519"), Err(KeyError::NoBlob));
        assert_eq!(
            PublicKey::parse("ssh-ed25519 not*base64"),
            Err(KeyError::NotBase64)
        );
        // An RSA blob labelled ed25519.
        assert!(matches!(
            PublicKey::parse("ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQC7"),
            Err(KeyError::Mismatch(_))
        ));
    }

    #[test]
    fn key_names() {
        check_key_name("alice@laptop").unwrap();
        check_key_name("ci.deploy-1").unwrap();
        for bad in ["", "-x", "a b", "a\"b", "a,b", &"x".repeat(65)] {
            assert!(check_key_name(bad).is_err(), "{bad}");
        }
    }
}
