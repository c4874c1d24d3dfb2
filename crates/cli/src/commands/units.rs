//! Wharf's systemd units: `wharf.service`, which runs `wharf server`, and `wharf.socket`,
//! which holds its HTTP and HTTPS ports while it restarts. One source for both places that
//! write them: `wharf init` (with the addresses it is given, into /etc/systemd/system) and the
//! Debian package (the defaults, into /usr/lib/systemd/system, through the hidden
//! `wharf units DIR`, which scripts/package.sh runs).

use anyhow::Context;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

/// `wharf units DIR --binary PATH`: the units with the default addresses, for packages.
pub fn run(data_dir: &Path, dir: &Path, binary: &Path) -> anyhow::Result<ExitCode> {
    let default = |addr: &str| -> anyhow::Result<SocketAddr> {
        addr.parse()
            .with_context(|| format!("the default address `{addr}`"))
    };
    let unit = Unit {
        binary: binary.display().to_string(),
        data_dir: data_dir.display().to_string(),
        http_listen: default(wharf_server::DEFAULT_HTTP_LISTEN)?,
        https_listen: Some(default(wharf_server::DEFAULT_HTTPS_LISTEN)?),
        api_domain: None,
    };
    unit.write(&dir.join("wharf.service"))?;
    Ok(ExitCode::SUCCESS)
}

/// The socket unit's file name: systemd hands its sockets to `wharf.service`.
pub const SOCKET_UNIT: &str = "wharf.socket";

/// The socket unit: systemd holds the proxy's ports open while Wharf restarts, and hands them
/// over at each start (the daemon matches them to its listeners by address).
fn socket_file(
    http_listen: std::net::SocketAddr,
    https_listen: Option<std::net::SocketAddr>,
) -> String {
    let https = https_listen
        .map(|addr| format!("ListenStream={addr}\n"))
        .unwrap_or_default();
    format!(
        "[Unit]
Description=Wharf's HTTP and HTTPS ports, held open while Wharf restarts

[Socket]
ListenStream={http_listen}
{https}NoDelay=true
Backlog=4096

[Install]
WantedBy=sockets.target
"
    )
}

/// What the systemd unit runs.
pub struct Unit {
    pub binary: String,
    pub data_dir: String,
    pub http_listen: std::net::SocketAddr,
    pub https_listen: Option<std::net::SocketAddr>,
    pub api_domain: Option<wharf_domain::DomainName>,
}

impl Unit {
    /// Write the service unit to `service_path` and the socket unit beside it.
    pub fn write(&self, service_path: &Path) -> anyhow::Result<()> {
        if let Some(parent) = service_path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(service_path, unit_file(self))
            .with_context(|| format!("writing {}", service_path.display()))?;
        println!("Wrote {}", service_path.display());
        let socket_path = service_path.with_file_name(SOCKET_UNIT);
        std::fs::write(
            &socket_path,
            socket_file(self.http_listen, self.https_listen),
        )
        .with_context(|| format!("writing {}", socket_path.display()))?;
        println!("Wrote {}", socket_path.display());
        Ok(())
    }
}

fn unit_file(unit: &Unit) -> String {
    let Unit {
        binary,
        data_dir,
        http_listen,
        ..
    } = unit;
    let https = match unit.https_listen {
        Some(addr) => format!(" --https-listen {addr}"),
        None => " --https-listen none".to_string(),
    };
    let api_domain = unit
        .api_domain
        .as_ref()
        .map(|name| format!(" --api-domain {name}"))
        .unwrap_or_default();
    format!(
        "[Unit]
Description=Wharf: apps from Dockerfiles, served by domain
After=network-online.target docker.service wharf.socket
Wants=network-online.target
Requires=docker.service wharf.socket

[Service]
ExecStart={binary} --data-dir {data_dir} server --http-listen {http_listen}{https}{api_domain}
Restart=always
RestartSec=2
KillSignal=SIGTERM
TimeoutStopSec=90
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(https_listen: Option<&str>, api_domain: Option<&str>) -> String {
        unit_file(&Unit {
            binary: "/usr/local/bin/wharf".into(),
            data_dir: "/var/lib/wharf".into(),
            http_listen: "0.0.0.0:80".parse().unwrap(),
            https_listen: https_listen.map(|a| a.parse().unwrap()),
            api_domain: api_domain.map(|name| wharf_domain::DomainName::parse(name).unwrap()),
        })
    }

    #[test]
    fn the_unit_runs_the_https_listener_and_the_api_domain() {
        let text = unit(Some("0.0.0.0:443"), Some("wharf.example.com"));
        assert!(text.contains(
            "ExecStart=/usr/local/bin/wharf --data-dir /var/lib/wharf server --http-listen 0.0.0.0:80 --https-listen 0.0.0.0:443 --api-domain wharf.example.com\n"
        ), "{text}");
        let text = unit(None, None);
        assert!(text.contains("--https-listen none\n"), "{text}");
        assert!(!text.contains("--api-domain"), "{text}");
    }

    #[test]
    fn the_socket_unit_holds_the_proxy_ports_for_the_service() {
        let text = socket_file(
            "0.0.0.0:80".parse().unwrap(),
            Some("0.0.0.0:443".parse().unwrap()),
        );
        assert!(
            text.contains("[Socket]\nListenStream=0.0.0.0:80\nListenStream=0.0.0.0:443\n"),
            "{text}"
        );
        assert!(text.contains("WantedBy=sockets.target"), "{text}");
        let text = socket_file("[::]:8080".parse().unwrap(), None);
        assert_eq!(text.matches("ListenStream=").count(), 1, "{text}");
        assert!(text.contains("ListenStream=[::]:8080\n"), "{text}");
        // The service needs the socket, so that a restart of Wharf finds its ports held.
        let unit = unit(None, None);
        assert!(
            unit.contains("Requires=docker.service wharf.socket\n"),
            "{unit}"
        );
        assert!(
            unit.contains("After=network-online.target docker.service wharf.socket\n"),
            "{unit}"
        );
    }
}
