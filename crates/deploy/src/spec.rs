//! A release's config snapshot: what the Dockerfile said, frozen when the release was made.

use serde::{Deserialize, Serialize};
use wharf_domain::AppConfig;

/// The config a release runs with. Stored as JSON beside the release and never changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseSpec {
    /// The settings from the Dockerfile's comments.
    pub config: AppConfig,
    /// Config vars set by command (`wharf config set`), as they were at this release.
    #[serde(default)]
    pub vars: Vec<(String, String)>,
}

impl ReleaseSpec {
    /// How many containers serve the web process: `scale` replicas, or one for `scale = 0`.
    pub fn replicas(&self) -> u32 {
        self.config.scale.max(1)
    }

    /// Zero-downtime deploys need `scale >= 1`; `scale = 0` replaces the one container in place.
    pub fn zero_downtime(&self) -> bool {
        self.config.scale >= 1
    }

    /// The environment of the release's containers: the Dockerfile's `env` settings, then the
    /// config vars (which win), then `PORT` unless a config var sets it.
    pub fn environment(&self, port: u16) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = self
            .config
            .env
            .iter()
            .filter(|(key, _)| !self.vars.iter().any(|(k, _)| k == key))
            .cloned()
            .collect();
        env.extend(self.vars.iter().cloned());
        if !env.iter().any(|(k, _)| k == "PORT") {
            env.push(("PORT".to_string(), port.to_string()));
        }
        env
    }

    /// The domains the release is served on, as strings.
    pub fn domains(&self) -> Vec<String> {
        self.config
            .domains
            .iter()
            .map(|d| d.as_str().to_string())
            .collect()
    }

    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    pub fn from_json(json: &str) -> Result<ReleaseSpec, serde_json::Error> {
        serde_json::from_str(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_vars_override_dockerfile_env_and_port_is_set() {
        let config = AppConfig {
            env: vec![("A".into(), "file".into()), ("B".into(), "file".into())],
            ..AppConfig::default()
        };
        let spec = ReleaseSpec {
            config,
            vars: vec![("B".into(), "var".into())],
        };
        let env = spec.environment(8000);
        assert_eq!(
            env,
            vec![
                ("A".to_string(), "file".to_string()),
                ("B".to_string(), "var".to_string()),
                ("PORT".to_string(), "8000".to_string())
            ]
        );
        let spec = ReleaseSpec {
            config: AppConfig::default(),
            vars: vec![("PORT".into(), "9000".into())],
        };
        assert_eq!(
            spec.environment(8000),
            vec![("PORT".to_string(), "9000".to_string())]
        );
    }

    #[test]
    fn releases_stored_before_config_vars_existed_still_load() {
        let json = ReleaseSpec {
            config: AppConfig::default(),
            vars: vec![],
        }
        .to_json()
        .unwrap()
        .replace(",\"vars\":[]", "");
        assert!(!json.contains("vars"));
        assert!(ReleaseSpec::from_json(&json).unwrap().vars.is_empty());
    }
}
