//! Alerts: what Wharf itself notices and tells its users about (a deploy's outcome, an app that
//! crashes or runs out of memory, a certificate that cannot renew, a backup that failed, a disk
//! filling up). An alert has a kind, a severity, the app and the thing it is about, and a
//! message written for people. The kind and subject together say which alerts are "the same":
//! repeats of one are grouped rather than sent one by one.

use serde::{Deserialize, Serialize};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlertKind {
    DeploySucceeded,
    DeployFailed,
    /// A container of an app exited on its own.
    Crashed,
    /// A container of an app keeps exiting: several times within a few minutes.
    CrashLoop,
    /// The kernel killed a container's process for going over its memory limit.
    OutOfMemory,
    /// Every instance of an app's web process fails its health check.
    Unhealthy,
    /// A certificate's renewal keeps failing.
    CertificateRenewalFailing,
    /// A certificate ends within two weeks.
    CertificateExpiring,
    BackupFailed,
    BackupVerifyFailed,
    /// The disk of Wharf's or Docker's data directory is more than 90% full.
    DiskFull,
    /// A node of the cluster is down or cut off: the Swarm has not heard from it.
    NodeDown,
    /// `wharf notify test`.
    Test,
}

/// How much it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl AlertKind {
    /// Every kind, in the order above.
    pub const ALL: [AlertKind; 13] = [
        AlertKind::DeploySucceeded,
        AlertKind::DeployFailed,
        AlertKind::Crashed,
        AlertKind::CrashLoop,
        AlertKind::OutOfMemory,
        AlertKind::Unhealthy,
        AlertKind::CertificateRenewalFailing,
        AlertKind::CertificateExpiring,
        AlertKind::BackupFailed,
        AlertKind::BackupVerifyFailed,
        AlertKind::DiskFull,
        AlertKind::NodeDown,
        AlertKind::Test,
    ];

    /// The kebab-case name, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::DeploySucceeded => "deploy-succeeded",
            AlertKind::DeployFailed => "deploy-failed",
            AlertKind::Crashed => "crashed",
            AlertKind::CrashLoop => "crash-loop",
            AlertKind::OutOfMemory => "out-of-memory",
            AlertKind::Unhealthy => "unhealthy",
            AlertKind::CertificateRenewalFailing => "certificate-renewal-failing",
            AlertKind::CertificateExpiring => "certificate-expiring",
            AlertKind::BackupFailed => "backup-failed",
            AlertKind::BackupVerifyFailed => "backup-verify-failed",
            AlertKind::DiskFull => "disk-full",
            AlertKind::NodeDown => "node-down",
            AlertKind::Test => "test",
        }
    }

    /// The kind written as `as_str` gives it, if it is one.
    pub fn from_stored(text: &str) -> Option<AlertKind> {
        AlertKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }

    /// How much an alert of this kind matters.
    pub fn severity(self) -> Severity {
        match self {
            AlertKind::DeploySucceeded | AlertKind::Test => Severity::Info,
            AlertKind::DeployFailed
            | AlertKind::Crashed
            | AlertKind::CertificateExpiring
            | AlertKind::BackupVerifyFailed => Severity::Warning,
            AlertKind::CrashLoop
            | AlertKind::OutOfMemory
            | AlertKind::Unhealthy
            | AlertKind::CertificateRenewalFailing
            | AlertKind::BackupFailed
            | AlertKind::DiskFull
            | AlertKind::NodeDown => Severity::Critical,
        }
    }

    /// A few words for a title: `crash loop`, `deploy failed`.
    pub fn title(self) -> &'static str {
        match self {
            AlertKind::DeploySucceeded => "deploy succeeded",
            AlertKind::DeployFailed => "deploy failed",
            AlertKind::Crashed => "app crashed",
            AlertKind::CrashLoop => "app restarting in a loop",
            AlertKind::OutOfMemory => "out of memory",
            AlertKind::Unhealthy => "all instances unhealthy",
            AlertKind::CertificateRenewalFailing => "certificate renewal failing",
            AlertKind::CertificateExpiring => "certificate expiring",
            AlertKind::BackupFailed => "backup failed",
            AlertKind::BackupVerifyFailed => "backup verification failed",
            AlertKind::DiskFull => "disk almost full",
            AlertKind::NodeDown => "cluster node down",
            AlertKind::Test => "test notification",
        }
    }
}

impl Severity {
    /// Every severity, least first.
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Critical];

    /// The lowercase name, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    /// The severity written as `as_str` gives it, if it is one.
    pub fn from_stored(text: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl std::fmt::Display for AlertKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing Wharf noticed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub kind: AlertKind,
    /// The app it is about, if any (a certificate or a disk is about none).
    pub app: Option<crate::AppName>,
    /// What else it names: a container's process, a domain, a service, a directory.
    pub subject: Option<String>,
    /// What happened, for people: `web exited with code 3`.
    pub message: String,
}

impl Alert {
    pub fn new(kind: AlertKind, message: impl Into<String>) -> Alert {
        Alert {
            kind,
            app: None,
            subject: None,
            message: message.into(),
        }
    }

    /// About `app`.
    pub fn of_app(mut self, app: crate::AppName) -> Alert {
        self.app = Some(app);
        self
    }

    /// Naming `subject`.
    pub fn about(mut self, subject: impl Into<String>) -> Alert {
        self.subject = Some(subject.into());
        self
    }

    pub fn severity(&self) -> Severity {
        self.kind.severity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_severities_read_back_as_stored() {
        for kind in AlertKind::ALL {
            assert_eq!(AlertKind::from_stored(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.as_str())
            );
        }
        for severity in Severity::ALL {
            assert_eq!(Severity::from_stored(severity.as_str()), Some(severity));
        }
        assert_eq!(AlertKind::from_stored("nonsense"), None);
    }

    #[test]
    fn what_needs_a_person_is_critical() {
        assert_eq!(AlertKind::CrashLoop.severity(), Severity::Critical);
        assert_eq!(AlertKind::OutOfMemory.severity(), Severity::Critical);
        assert_eq!(AlertKind::DeploySucceeded.severity(), Severity::Info);
        assert!(Severity::Critical > Severity::Warning);
    }
}
