//! What a new instance really listens on, for a health wait that cannot connect: the kernel's
//! TCP tables inside the container (`/proc/net/tcp` and `/proc/net/tcp6`, read with
//! `docker exec ... cat`), parsed for LISTEN sockets. A "port mismatch" is an app that listens
//! on other TCP ports and not on the one Wharf routes to (or on it, but on loopback only, where
//! the proxy cannot reach it); it stops the deploy at once with the line that fixes it, instead
//! of a health check that times out.

use crate::{DeployError, Deployer};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};
use wharf_runtime::{ContainerInfo, ExecSpec};

/// How long a container must keep listening elsewhere (and not on the port) before the deploy
/// stops: an app may open a side port (metrics, admin) before its main one.
const SETTLED: Duration = Duration::from_secs(5);
/// Pause between two looks at a container's sockets.
const EVERY: Duration = Duration::from_secs(1);

/// A listening TCP socket: its local address and port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Listener {
    pub addr: IpAddr,
    pub port: u16,
}

/// The LISTEN sockets in the text of `/proc/net/tcp` or `/proc/net/tcp6` (several files may be
/// concatenated; header lines and lines that cannot be read are skipped).
pub(crate) fn parse_listeners(text: &str) -> Vec<Listener> {
    const LISTEN: &str = "0A";
    let mut out: Vec<Listener> = text
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let local = fields.nth(1)?;
            let state = fields.nth(1)?;
            if state != LISTEN {
                return None;
            }
            let (addr, port) = local.split_once(':')?;
            Some(Listener {
                addr: parse_addr(addr)?,
                port: u16::from_str_radix(port, 16).ok()?,
            })
        })
        .collect();
    out.sort_by_key(|l| (l.port, l.addr));
    out.dedup();
    out
}

/// An address as the kernel prints it: the bytes of each 32-bit word in host (little-endian)
/// order, in hex.
fn parse_addr(hex: &str) -> Option<IpAddr> {
    let words: Vec<u32> = hex
        .as_bytes()
        .chunks(8)
        .map(|chunk| {
            let text = std::str::from_utf8(chunk).ok()?;
            u32::from_str_radix(text, 16).ok().map(u32::swap_bytes)
        })
        .collect::<Option<_>>()?;
    match words.as_slice() {
        [v4] => Some(IpAddr::V4(Ipv4Addr::from(*v4))),
        [a, b, c, d] => {
            let bits = (u128::from(*a) << 96)
                | (u128::from(*b) << 64)
                | (u128::from(*c) << 32)
                | u128::from(*d);
            Some(IpAddr::V6(Ipv6Addr::from(bits)))
        }
        _ => None,
    }
}

/// What the listeners say about `port`: `None` when nothing is wrong (yet), else why the proxy
/// cannot reach the app and the fix.
pub(crate) fn mismatch(listeners: &[Listener], port: u16) -> Option<String> {
    let reachable = |l: &Listener| !l.addr.is_loopback();
    let on_port: Vec<&Listener> = listeners.iter().filter(|l| l.port == port).collect();
    if on_port.iter().any(|l| reachable(l)) {
        return None;
    }
    if let Some(local) = on_port.first() {
        return Some(format!(
            "the app listens on port {port} on {} only, which the proxy cannot reach: make it listen on 0.0.0.0 (every address)",
            local.addr
        ));
    }
    let mut others: Vec<u16> = listeners
        .iter()
        .filter(|l| reachable(l))
        .map(|l| l.port)
        .collect();
    others.dedup();
    match others.as_slice() {
        [] => None,
        [only] => Some(format!(
            "the app listens on port {only}, not {port}: add `# wharf.port = {only}` to the Dockerfile (or make the app listen on $PORT, which Wharf sets to {port})"
        )),
        many => Some(format!(
            "the app listens on ports {}, not {port}: add `# wharf.port = N` with the one to route to, to the Dockerfile (or make the app listen on $PORT, which Wharf sets to {port})",
            many.iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Watches one container during its health wait for a port mismatch that lasts.
#[derive(Debug, Default)]
pub(crate) struct PortWatch {
    last_look: Option<Instant>,
    /// Since when the container has been listening elsewhere, and why that is wrong.
    since: Option<(Instant, String)>,
}

impl PortWatch {
    /// Called after a probe that could not get an answer. Looks at the container's sockets (at
    /// most once every [`EVERY`]); a mismatch that has lasted [`SETTLED`] fails the deploy.
    pub(crate) async fn check(
        &mut self,
        deployer: &Deployer,
        container: &ContainerInfo,
        port: u16,
    ) -> Option<DeployError> {
        let now = Instant::now();
        if self.last_look.is_some_and(|t| now - t < EVERY) {
            return None;
        }
        self.last_look = Some(now);
        let listeners = deployer.listeners(&container.id).await?;
        let Some(reason) = mismatch(&listeners, port) else {
            self.since = None;
            return None;
        };
        let since = match &self.since {
            Some((since, _)) => *since,
            None => now,
        };
        self.since = Some((since, reason.clone()));
        (now - since >= SETTLED).then(|| DeployError::WrongPort {
            container: container.name.clone(),
            reason,
            serving: deployer.serving_after_failure(container),
        })
    }
}

impl Deployer {
    /// The container's listening TCP sockets; `None` when they cannot be read (no `cat` in the
    /// image, the container stopped).
    async fn listeners(&self, id: &str) -> Option<Vec<Listener>> {
        let spec = ExecSpec {
            cmd: ["cat", "/proc/net/tcp", "/proc/net/tcp6"]
                .map(String::from)
                .to_vec(),
            ..Default::default()
        };
        let mut out: Vec<u8> = Vec::new();
        // A missing tcp6 (no IPv6) makes cat fail, after printing tcp: the output still counts.
        match self
            .docker
            .exec_to(id, &spec, None::<tokio::io::Empty>, &mut out)
            .await
        {
            Ok(_) => Some(parse_listeners(&String::from_utf8_lossy(&out))),
            Err(err) => {
                tracing::debug!(container = %id, error = %err, "cannot read the container's sockets");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0
   2: 0200A8C0:0BB8 0300A8C0:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0
";
    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1389 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1 0 100 0 0 10 0
   1: 00000000000000000000000001000000:2328 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1 0 100 0 0 10 0
";

    fn listener(addr: &str, port: u16) -> Listener {
        Listener {
            addr: addr.parse().unwrap(),
            port,
        }
    }

    #[test]
    fn listen_sockets_are_read_from_both_tables() {
        let text = format!("{TCP}{TCP6}");
        assert_eq!(
            parse_listeners(&text),
            vec![
                listener("0.0.0.0", 3000),
                listener("::", 5001),
                listener("127.0.0.1", 8080),
                listener("::1", 9000),
            ]
        );
        assert_eq!(parse_listeners("garbage\n 0: zz:zz 0 0A\n"), vec![]);
    }

    #[test]
    fn one_other_port_names_it_and_the_line_to_add() {
        let reason = mismatch(&[listener("0.0.0.0", 3000)], 8080).unwrap();
        assert_eq!(
            reason,
            "the app listens on port 3000, not 8080: add `# wharf.port = 3000` to the Dockerfile (or make the app listen on $PORT, which Wharf sets to 8080)"
        );
    }

    #[test]
    fn the_right_port_or_nothing_yet_is_no_mismatch() {
        assert_eq!(mismatch(&[listener("::", 8080)], 8080), None);
        assert_eq!(
            mismatch(
                &[listener("0.0.0.0", 8080), listener("0.0.0.0", 9090)],
                8080
            ),
            None
        );
        assert_eq!(mismatch(&[], 8080), None, "still starting");
        assert_eq!(mismatch(&[listener("127.0.0.1", 6000)], 8080), None);
    }

    #[test]
    fn loopback_only_and_several_ports_are_explained() {
        let reason = mismatch(&[listener("127.0.0.1", 8080)], 8080).unwrap();
        assert!(reason.contains("on 127.0.0.1 only"), "{reason}");
        let reason = mismatch(&[listener("0.0.0.0", 3000), listener("::", 4000)], 8080).unwrap();
        assert!(reason.contains("ports 3000, 4000, not 8080"), "{reason}");
    }
}
