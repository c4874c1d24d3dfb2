//! A release's config snapshot (`ReleaseSpec`): what the Dockerfile, Procfile and app.json said
//! and the config vars, frozen when the release was made; and the per-process settings set by
//! command (`ProcessSettings`) that later releases take over.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{
    AppConfig, AppJson, BuilderKind, EnvFromConfig, EnvVars, ImageRef, ProcessName, Procfile, WEB,
    WebAddress,
};

/// The settings of one process type set by command (`wharf scale`, `wharf limits set`);
/// `None` leaves the default.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProcessSettings {
    pub process: ProcessName,
    pub quantity: Option<u32>,
    pub memory: Option<u64>,
    pub cpus: Option<f64>,
}

/// The server's probe timings, which a Dockerfile health check leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeDefaults {
    /// The pause between health probes.
    pub interval: Duration,
    /// How long one probe may take.
    pub timeout: Duration,
    /// How long a new container has to become healthy.
    pub total: Duration,
}

/// One process type of a release: its command and how many containers run it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessSpec {
    pub name: ProcessName,
    /// The Procfile's command, run with `/bin/sh -c`; `None` runs the image's own CMD.
    pub command: Option<String>,
    /// For `web`, the meaning of `# wharf.scale`; for the others, the number of containers
    /// (0: the process is not started).
    pub scale: u32,
    /// Memory limit in bytes (`wharf limits set`); `None` uses `# wharf.maxmem`.
    #[serde(default)]
    pub memory: Option<u64>,
    /// CPU limit (`wharf limits set`); `None` uses `# wharf.maxcpu`.
    #[serde(default)]
    pub cpus: Option<f64>,
}

/// The startup health check of the web process, from app.json's `healthchecks.web`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthCheckSpec {
    pub path: String,
    /// A text the answer's body must contain.
    pub content: Option<String>,
    pub attempts: u32,
    pub wait_ms: u64,
    pub timeout_ms: u64,
    pub initial_delay_ms: u64,
}

/// The config a release runs with. Stored as JSON beside the release and never changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseSpec {
    /// The settings from the Dockerfile's comments.
    pub config: AppConfig,
    /// Config vars set by command (`wharf config set`), as they were at this release.
    #[serde(default)]
    pub vars: EnvVars,
    /// The process types (from the Procfile); empty means one `web` process with the image's CMD.
    #[serde(default)]
    pub processes: Vec<ProcessSpec>,
    /// The Procfile's `release` command, run once before the switch.
    #[serde(default)]
    pub release_command: Option<String>,
    /// app.json's `scripts.dokku.predeploy`, run before the release command.
    #[serde(default)]
    pub predeploy: Option<String>,
    /// app.json's `scripts.dokku.postdeploy`, run after the switch.
    #[serde(default)]
    pub postdeploy: Option<String>,
    /// app.json's startup health check for `web`, used instead of the default probe.
    #[serde(default)]
    pub healthcheck: Option<HealthCheckSpec>,
    /// app.json's `cron` jobs, run by the daemon as one-off containers.
    #[serde(default)]
    pub cron: Vec<CronSpec>,
    /// The source revision (git commit) the release's image was built from, if known.
    #[serde(default)]
    pub revision: Option<String>,
    /// What made the release's image: the app's own Dockerfile or one of Wharf's builders
    /// (kept, like `revision`, by the releases that reuse the image). `None` for releases
    /// made before Wharf recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builder: Option<BuilderKind>,
    /// The prebuilt image the release was made of (`wharf deploy --image`), kept like
    /// `builder` by the releases that reuse its image; `None` for an app built from source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageRef>,
    /// Which of `vars` held linked services' URLs when the release was made (set when it is
    /// recorded), so that a rollback can leave out those of links removed since.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link_vars: Vec<String>,
}

/// A scheduled job: a command and its five-field cron schedule (UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CronSpec {
    pub command: String,
    pub schedule: String,
}

impl ReleaseSpec {
    /// The snapshot for a new release from the app's files and its config vars. Every process
    /// of the Procfile is in it; app.json's `formation` sets how many containers run. Without
    /// a quantity, `web` follows `# wharf.scale` and the others get none, as on Dokku and
    /// Heroku: a worker (or Dokku's sample `custom: echo -n`) starts only once app.json or
    /// `wharf scale` gives it a quantity (the scale set by command is laid over this by
    /// `apply_settings`).
    pub fn new(
        config: AppConfig,
        procfile: Option<&Procfile>,
        app_json: Option<&AppJson>,
        vars: EnvVars,
    ) -> ReleaseSpec {
        let quantity = |name: &str| app_json.and_then(|a| a.quantity(name));
        let mut processes = vec![ProcessSpec {
            name: ProcessName::web(),
            command: procfile.and_then(|p| p.web()).map(str::to_string),
            scale: quantity(WEB).unwrap_or(config.scale),
            memory: None,
            cpus: None,
        }];
        if let Some(procfile) = procfile {
            for (name, command) in procfile.long_running() {
                if name.as_str() != WEB {
                    processes.push(ProcessSpec {
                        name: name.clone(),
                        command: Some(command.to_string()),
                        scale: quantity(name.as_str()).unwrap_or(0),
                        memory: None,
                        cpus: None,
                    });
                }
            }
        }
        let healthcheck = app_json
            .and_then(|a| a.healthchecks.as_ref())
            .map(|h| HealthCheckSpec {
                path: h.path.clone(),
                content: h.content.clone(),
                attempts: h.attempts,
                wait_ms: millis(h.wait),
                timeout_ms: millis(h.timeout),
                initial_delay_ms: millis(h.initial_delay),
            });
        ReleaseSpec {
            config,
            vars,
            processes,
            release_command: procfile.and_then(|p| p.release()).map(str::to_string),
            revision: None,
            builder: None,
            image: None,
            link_vars: Vec::new(),
            predeploy: app_json.and_then(|a| a.predeploy.clone()),
            cron: app_json
                .map(|a| {
                    a.cron
                        .iter()
                        .map(|job| CronSpec {
                            command: job.command.clone(),
                            schedule: job.schedule.as_str().to_string(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            postdeploy: app_json.and_then(|a| a.postdeploy.clone()),
            healthcheck,
        }
    }

    /// The web process (releases made before the Procfile was read have only this one).
    pub fn web(&self) -> ProcessSpec {
        self.processes
            .iter()
            .find(|p| p.name.is_web())
            .cloned()
            .unwrap_or_else(|| ProcessSpec {
                name: ProcessName::web(),
                command: None,
                scale: self.config.scale,
                memory: None,
                cpus: None,
            })
    }

    /// Apply the scale and limits set by command, which win over the files' defaults.
    /// Settings of process types this release does not have are ignored.
    pub fn apply_settings(&mut self, settings: &[ProcessSettings]) {
        if self.processes.is_empty() {
            self.processes.push(self.web());
        }
        for setting in settings {
            if let Some(process) = self
                .processes
                .iter_mut()
                .find(|p| p.name == setting.process)
            {
                if let Some(quantity) = setting.quantity {
                    process.scale = quantity;
                }
                if setting.memory.is_some() {
                    process.memory = setting.memory;
                }
                if setting.cpus.is_some() {
                    process.cpus = setting.cpus;
                }
            }
        }
    }

    /// The process types other than `web`, which run unrouted.
    pub fn others(&self) -> impl Iterator<Item = &ProcessSpec> {
        self.processes.iter().filter(|p| !p.name.is_web())
    }

    /// The processes other than `web` that the release does not start (scale 0).
    pub fn not_started(&self) -> impl Iterator<Item = &ProcessSpec> {
        self.others().filter(|p| p.scale == 0)
    }

    /// How many containers serve the web process: `scale` replicas, or one for `scale = 0`.
    pub fn replicas(&self) -> u32 {
        self.web().scale.max(1)
    }

    /// Zero-downtime deploys need `scale >= 1`; `scale = 0` replaces the one container in place.
    pub fn zero_downtime(&self) -> bool {
        self.web().scale >= 1
    }

    /// The environment of the release's containers: the Dockerfile's `env` settings, then the
    /// config vars (which win), then `PORT` unless a config var sets it.
    pub fn environment(&self, port: u16) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = self
            .config
            .env
            .iter()
            .filter(|(key, _)| !self.vars.contains(key))
            .cloned()
            .collect();
        env.extend(self.vars.to_pairs());
        if !env.iter().any(|(k, _)| k == "PORT") {
            env.push(("PORT".to_string(), port.to_string()));
        }
        env
    }

    /// The startup health check that replaces the default probe: app.json's, else the
    /// Dockerfile's when it gives an interval or a timeout after the path (MyPaas's
    /// `# mypaas.healthcheck = /status 10s 2s`): GETs of the path, `interval` apart (the
    /// server's health interval when not given), each within `timeout` (the server's probe
    /// timeout when not given), as many as fit in the server's health timeout; 2xx/3xx passes.
    pub fn startup_check(&self, defaults: ProbeDefaults) -> Option<HealthCheckSpec> {
        if let Some(check) = &self.healthcheck {
            return Some(check.clone());
        }
        let config = &self.config;
        if config.healthcheck_interval.is_none() && config.healthcheck_timeout.is_none() {
            return None;
        }
        let interval = config.healthcheck_interval.unwrap_or(defaults.interval);
        let timeout = config.healthcheck_timeout.unwrap_or(defaults.timeout);
        let attempts = defaults.total.as_millis() / interval.as_millis().max(1);
        Some(HealthCheckSpec {
            path: config
                .healthcheck
                .clone()
                .unwrap_or_else(|| "/".to_string()),
            content: None,
            attempts: u32::try_from(attempts).unwrap_or(u32::MAX).max(1),
            wait_ms: millis(interval),
            timeout_ms: millis(timeout),
            initial_delay_ms: 0,
        })
    }

    /// A variable the Dockerfile wants from the server's config (`# mypaas.env = NAME`) that
    /// the release's config vars lack, if any: such a release may not run, since the variable
    /// would have no value (it is not in `config.env`, only its config var is).
    pub fn missing_env_from_config(&self) -> Option<&EnvFromConfig> {
        self.config
            .env_from_config
            .iter()
            .find(|wanted| !self.vars.contains(&wanted.name))
    }

    /// The addresses the release's Dockerfile serves it on.
    pub fn domains(&self) -> &[WebAddress] {
        &self.config.domains
    }

    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    pub fn from_json(json: &str) -> Result<ReleaseSpec, serde_json::Error> {
        serde_json::from_str(json)
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> EnvVars {
        EnvVars::from_pairs(pairs.iter().copied()).unwrap()
    }

    #[test]
    fn procfile_processes_and_formation_make_the_process_list() {
        let procfile = Procfile::parse(
            "web: gunicorn app --bind 0.0.0.0:$PORT\nworker: celery worker\nrelease: ./manage.py migrate\nclock: beat\n",
        )
        .unwrap();
        let app_json =
            AppJson::parse(r#"{"formation": {"web": {"quantity": 2}, "clock": {"quantity": 0}}}"#)
                .unwrap();
        let spec = ReleaseSpec::new(
            AppConfig::default(),
            Some(&procfile),
            Some(&app_json),
            EnvVars::new(),
        );
        assert_eq!(
            spec.web().command.as_deref(),
            Some("gunicorn app --bind 0.0.0.0:$PORT")
        );
        assert_eq!((spec.replicas(), spec.zero_downtime()), (2, true));
        let others: Vec<(&str, u32)> = spec.others().map(|p| (p.name.as_str(), p.scale)).collect();
        assert_eq!(
            others,
            vec![("worker", 0), ("clock", 0)],
            "a process without a formation quantity is not started"
        );
        assert_eq!(spec.release_command.as_deref(), Some("./manage.py migrate"));
    }

    /// Dokku's sample app: only `web` starts by default; `custom: echo -n` would exit at once.
    #[test]
    fn only_web_starts_unless_formation_or_a_scale_by_command_says_otherwise() {
        let procfile =
            Procfile::parse("web: exec httpd -f -p $PORT\nworker: sleep 1000\ncustom: echo -n\n")
                .unwrap();
        let scales = |spec: &ReleaseSpec| -> Vec<(String, u32)> {
            spec.processes
                .iter()
                .map(|p| (p.name.to_string(), p.scale))
                .collect()
        };
        let config = AppConfig {
            scale: 2,
            ..AppConfig::default()
        };
        let mut spec = ReleaseSpec::new(config.clone(), Some(&procfile), None, EnvVars::new());
        assert_eq!(
            scales(&spec),
            vec![
                ("web".into(), 2),
                ("worker".into(), 0),
                ("custom".into(), 0)
            ]
        );
        let not_started: Vec<&str> = spec.not_started().map(|p| p.name.as_str()).collect();
        assert_eq!(not_started, vec!["worker", "custom"]);

        // `wharf scale APP worker=1` (a setting stored by command) starts the worker.
        spec.apply_settings(&[ProcessSettings {
            process: ProcessName::parse("worker").unwrap(),
            quantity: Some(1),
            ..Default::default()
        }]);
        assert_eq!(
            scales(&spec),
            vec![
                ("web".into(), 2),
                ("worker".into(), 1),
                ("custom".into(), 0)
            ]
        );

        // So does app.json's formation.
        let app_json = AppJson::parse(r#"{"formation": {"worker": {"quantity": 1}}}"#).unwrap();
        let spec = ReleaseSpec::new(config, Some(&procfile), Some(&app_json), EnvVars::new());
        assert_eq!(
            scales(&spec),
            vec![
                ("web".into(), 2),
                ("worker".into(), 1),
                ("custom".into(), 0)
            ]
        );
        let not_started: Vec<&str> = spec.not_started().map(|p| p.name.as_str()).collect();
        assert_eq!(not_started, vec!["custom"]);
    }

    #[test]
    fn an_app_without_a_scale_deploys_start_first_and_scale_zero_stop_first() {
        let default = ReleaseSpec::new(AppConfig::default(), None, None, EnvVars::new());
        assert_eq!((default.replicas(), default.zero_downtime()), (1, true));
        let config = AppConfig::from_dockerfile("# mypaas.scale = 0\nFROM busybox").unwrap();
        let stop_first = ReleaseSpec::new(config, None, None, EnvVars::new());
        assert_eq!(
            (stop_first.replicas(), stop_first.zero_downtime()),
            (1, false)
        );
    }

    #[test]
    fn without_a_procfile_web_runs_the_image_cmd_at_the_dockerfile_scale() {
        let config = AppConfig {
            scale: 3,
            ..AppConfig::default()
        };
        let spec = ReleaseSpec::new(config, None, None, EnvVars::new());
        assert_eq!(spec.web().command, None);
        assert_eq!(spec.replicas(), 3);
        assert_eq!(spec.others().count(), 0);
    }

    #[test]
    fn config_vars_override_dockerfile_env_and_port_is_set() {
        let config = AppConfig {
            env: vec![("A".into(), "file".into()), ("B".into(), "file".into())],
            ..AppConfig::default()
        };
        let spec = ReleaseSpec::new(config, None, None, vars(&[("B", "var")]));
        let env = spec.environment(8000);
        assert_eq!(
            env,
            vec![
                ("A".to_string(), "file".to_string()),
                ("B".to_string(), "var".to_string()),
                ("PORT".to_string(), "8000".to_string())
            ]
        );
        let spec = ReleaseSpec::new(AppConfig::default(), None, None, vars(&[("PORT", "9000")]));
        assert_eq!(
            spec.environment(8000),
            vec![("PORT".to_string(), "9000".to_string())]
        );
    }

    #[test]
    fn an_env_name_without_a_value_needs_its_config_var() {
        let config =
            AppConfig::from_dockerfile("FROM busybox\n# mypaas.env = SECRET_THING").unwrap();
        let spec = ReleaseSpec::new(config.clone(), None, None, EnvVars::new());
        let err = spec
            .missing_env_from_config()
            .unwrap()
            .missing_message("blog");
        assert!(
            err.contains("line 2") && err.contains("wharf config set blog SECRET_THING=..."),
            "{err}"
        );
        assert_eq!(
            spec.environment(80),
            vec![("PORT".to_string(), "80".to_string())]
        );
        let spec = ReleaseSpec::new(config, None, None, vars(&[("SECRET_THING", "xyz")]));
        assert_eq!(spec.missing_env_from_config(), None);
        assert_eq!(
            spec.environment(80),
            vec![
                ("SECRET_THING".to_string(), "xyz".to_string()),
                ("PORT".to_string(), "80".to_string())
            ]
        );
    }

    #[test]
    fn a_dockerfile_healthcheck_with_durations_is_the_startup_check() {
        let settings = ProbeDefaults {
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(2),
            total: Duration::from_secs(60),
        };
        let plain = AppConfig::from_dockerfile("# wharf.healthcheck = /status").unwrap();
        assert_eq!(
            ReleaseSpec::new(plain, None, None, EnvVars::new()).startup_check(settings),
            None
        );
        let config = AppConfig::from_dockerfile("# mypaas.healthcheck = /status 10s 3s").unwrap();
        let check = ReleaseSpec::new(config, None, None, EnvVars::new())
            .startup_check(settings)
            .unwrap();
        assert_eq!(check.path, "/status");
        assert_eq!((check.wait_ms, check.timeout_ms), (10_000, 3_000));
        assert_eq!(
            u128::from(check.attempts),
            settings.total.as_millis() / 10_000
        );
        // app.json's check wins.
        let config = AppConfig::from_dockerfile("# mypaas.healthcheck = /status 10s 3s").unwrap();
        let app_json = AppJson::parse(r#"{"healthchecks": {"web": [{"path": "/up"}]}}"#).unwrap();
        let check = ReleaseSpec::new(config, None, Some(&app_json), EnvVars::new())
            .startup_check(settings)
            .unwrap();
        assert_eq!(check.path, "/up");
    }

    #[test]
    fn releases_stored_before_config_vars_existed_still_load() {
        let config = serde_json::to_string(&AppConfig::default()).unwrap();
        let json = format!("{{\"config\":{config}}}");
        let spec = ReleaseSpec::from_json(&json).unwrap();
        assert!(spec.vars.is_empty() && spec.processes.is_empty());
        assert_eq!(spec.web().name, "web");
    }
}
