//! HTTP-01: the key authorizations of pending challenges, shared with the proxy, which answers
//! `GET /.well-known/acme-challenge/TOKEN` on port 80 with them.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use wharf_proxy::ChallengeResponder;

/// Token → key authorization of the HTTP-01 challenges in flight. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Http01Tokens {
    tokens: Arc<RwLock<HashMap<String, String>>>,
}

impl Http01Tokens {
    pub fn new() -> Http01Tokens {
        Http01Tokens::default()
    }

    pub fn insert(&self, token: &str, key_authorization: &str) {
        let mut map = self.tokens.write().unwrap_or_else(|p| p.into_inner());
        map.insert(token.to_string(), key_authorization.to_string());
    }

    pub fn remove(&self, token: &str) {
        let mut map = self.tokens.write().unwrap_or_else(|p| p.into_inner());
        map.remove(token);
    }

    pub fn get(&self, token: &str) -> Option<String> {
        let map = self.tokens.read().unwrap_or_else(|p| p.into_inner());
        map.get(token).cloned()
    }
}

impl ChallengeResponder for Http01Tokens {
    fn respond(&self, _host: &str, token: &str) -> Option<String> {
        self.get(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_known_tokens_only() {
        let tokens = Http01Tokens::new();
        tokens.insert("abc", "abc.thumb");
        assert_eq!(
            tokens.respond("a.example.com", "abc").as_deref(),
            Some("abc.thumb")
        );
        assert_eq!(tokens.respond("a.example.com", "other"), None);
        tokens.remove("abc");
        assert_eq!(tokens.respond("a.example.com", "abc"), None);
    }
}
