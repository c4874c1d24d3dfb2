//! `wharf cluster` (`init [--advertise-addr ADDR]`, `status`, `leave`) and `wharf nodes` (list, `add
//! NAME [--ssh USER@HOST --ssh-key PATH]`, `drain`, `activate`, `label`, `rename`, `remove`):
//! this server as a Docker Swarm manager and the Swarm's nodes, through the daemon's API.
//!
//! `nodes add --ssh` runs the join on the other machine with the system's OpenSSH client, in
//! batch mode (a key, never a password prompt), the command given as arguments: the target
//! is a checked `SshTarget`, and the rest is the join the server answered (its token and
//! address), never text a user typed. Once joined, the node is named NAME (its `wharf.name`
//! label); without --ssh, a node is known by its hostname until `wharf nodes rename`.

use super::listing;
use crate::client::{Client, empty};
use crate::output::{Cell, Colour, Table, outln};
use anyhow::Context;
use clap::Subcommand;
use http::Method;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use wharf_api::{
    AddNodeRequest, AvailabilityRequest, ClusterInitRequest, ClusterInitialized, ClusterStatus,
    LabelsRequest, Node, NodeJoin, NodeRemoved, Nodes, RenameNodeRequest, paths,
};
use wharf_domain::{Availability, LabelChange, NodeName, SshTarget};

#[derive(Subcommand, Debug)]
pub enum ClusterCommand {
    /// Whether this server is a cluster: its Swarm state, address and node count (the default).
    Status,
    /// Make this server a Docker Swarm manager, the first node of a cluster. What runs keeps
    /// running; run again, it changes nothing.
    Init {
        /// The address other machines reach this server at (an IP address, or an interface
        /// such as eth1); needed when the server has several.
        #[arg(long, value_name = "ADDR")]
        advertise_addr: Option<String>,
    },
    /// Make this server a single server again: its apps move from Swarm services to
    /// containers here (no downtime), then it leaves the Swarm and its registry goes. The
    /// other nodes must have been removed first.
    Leave,
}

#[derive(Subcommand, Debug)]
pub enum NodesCommand {
    /// List the nodes: role, state, availability, address, labels, tasks, CPUs and memory
    /// (the default).
    List,
    /// Add a machine with Docker: print the command that joins it, or run it there over SSH.
    Add {
        /// The node's name; without --ssh, name the machine by its hostname (or rename it
        /// once it has joined).
        name: NodeName,
        /// Run the join on USER@HOST over SSH (OpenSSH, batch mode: no password prompts).
        #[arg(long, value_name = "USER@HOST")]
        ssh: Option<SshTarget>,
        /// The private key to log in with (else ssh's own defaults).
        #[arg(long, value_name = "PATH", requires = "ssh")]
        ssh_key: Option<PathBuf>,
        /// An ssh option, `KEY=VALUE` (as `ssh -o`), e.g. `Port=2222`; repeatable.
        #[arg(long, value_name = "KEY=VALUE", requires = "ssh")]
        ssh_option: Vec<String>,
    },
    /// Move the node's tasks away and give it no new ones.
    Drain {
        /// The node's name (as `wharf nodes` shows it) or ID.
        name: NodeName,
    },
    /// Let the node run tasks again.
    Activate {
        /// The node's name (as `wharf nodes` shows it) or ID.
        name: NodeName,
    },
    /// Set labels (`key=value`) or remove them (`key-`).
    Label {
        /// The node's name (as `wharf nodes` shows it) or ID.
        name: NodeName,
        /// `key=value` to set a label, `key-` to remove one.
        #[arg(required = true, value_name = "KEY=VALUE|KEY-")]
        changes: Vec<LabelChange>,
    },
    /// Give a node another name (a node is known by its hostname until it has one).
    Rename {
        /// The node's name now (its hostname, until it has one of Wharf's) or ID.
        name: NodeName,
        /// The name it gets.
        new_name: NodeName,
    },
    /// Remove a node that has left the Swarm (drain it and run `docker swarm leave` on it
    /// first), or with --force one that is still up.
    Remove {
        /// The node's name (as `wharf nodes` shows it) or ID.
        name: NodeName,
        /// Remove it even while it is up (it keeps its containers, outside the cluster).
        #[arg(long)]
        force: bool,
    },
}

pub async fn cluster(
    client: &Client,
    command: &Option<ClusterCommand>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match command {
        None | Some(ClusterCommand::Status) => {
            let Some(status) = listing::<ClusterStatus>(client, paths::CLUSTER, json).await? else {
                return Ok(ExitCode::SUCCESS);
            };
            print_status(&status)?;
        }
        Some(ClusterCommand::Init { advertise_addr }) => {
            let request = ClusterInitRequest {
                advertise_addr: advertise_addr.clone(),
            };
            let answer: ClusterInitialized = client
                .json_with(Method::POST, paths::CLUSTER_INIT, &request)
                .await?;
            if answer.created {
                outln!("This server is now a cluster manager; what ran keeps running.")?;
            } else {
                outln!("This server already is a cluster manager; nothing changed.")?;
            }
            print_status(&answer.status)?;
            outln!("Add a machine with `wharf nodes add NAME` (or `--ssh USER@HOST`).")?;
        }
        Some(ClusterCommand::Leave) => {
            let response = client
                .send(Method::POST, paths::CLUSTER_LEAVE, None, empty())
                .await?;
            return super::deploy::follow(response).await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_status(status: &ClusterStatus) -> anyhow::Result<()> {
    if status.state == "inactive" {
        outln!("Not a cluster: a single server. `wharf cluster init` makes it a cluster manager.")?;
        return Ok(());
    }
    let role = if status.manager { "manager" } else { "worker" };
    outln!("Swarm state: {} ({role})", status.state)?;
    if let Some(address) = &status.address {
        outln!("Address:     {address}")?;
    }
    if let Some(nodes) = status.nodes {
        outln!("Nodes:       {nodes}")?;
    }
    if status.manager {
        match &status.registry {
            Some(registry) => {
                outln!("Registry:    {registry} (the nodes pull apps' images from it)")?
            }
            None => outln!(
                "Registry:    not running; `wharf cluster init` starts it (the nodes pull apps' images from it)"
            )?,
        }
    }
    if let Some(error) = &status.error {
        outln!("Error:       {error}")?;
    }
    Ok(())
}

pub async fn nodes(
    client: &Client,
    command: &Option<NodesCommand>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let command = match command {
        None | Some(NodesCommand::List) => return list(client, json).await,
        Some(command) => command,
    };
    match command {
        NodesCommand::List => unreachable!("listed above"),
        NodesCommand::Add {
            name,
            ssh,
            ssh_key,
            ssh_option,
        } => {
            let request = AddNodeRequest { name: name.clone() };
            let join: NodeJoin = client
                .json_with(Method::POST, paths::NODES, &request)
                .await?;
            match ssh {
                None => {
                    outln!(
                        "Run this as root on the machine to add (Docker installed; {} and {} reachable from it):",
                        join.manager,
                        join.registry.address
                    )?;
                    outln!("")?;
                    outln!("{}", join_script(&join))?;
                    outln!(
                        "It is listed by `wharf nodes` under its hostname; if that is not `{name}`, name it with `wharf nodes rename HOSTNAME {name}`."
                    )?;
                }
                Some(target) => {
                    let ssh = Ssh::new(target, ssh_key.as_deref(), ssh_option)?;
                    // The script writes under /etc: as root, or through sudo without a
                    // password prompt.
                    let shell: &[&str] = if target.user() == "root" {
                        &["sh", "-s"]
                    } else {
                        &["sudo", "-n", "sh", "-s"]
                    };
                    let shell: Vec<String> = shell.iter().map(|s| s.to_string()).collect();
                    ssh.run_with_input(&shell, &join_script(&join))
                        .with_context(|| format!("joining {target} to the cluster"))?;
                    let node_id = ssh
                        .run(
                            &["docker", "info", "--format", "'{{.Swarm.NodeID}}'"]
                                .map(String::from),
                        )
                        .with_context(|| format!("asking {target} for its node ID"))?;
                    let node_id = node_id.trim();
                    let path = paths::fill(paths::NODE_NAME, &[node_id]);
                    let renamed: Node = client
                        .json_with(
                            Method::POST,
                            &path,
                            &RenameNodeRequest { name: name.clone() },
                        )
                        .await
                        .with_context(|| {
                            format!("{target} joined, but naming it `{name}` failed")
                        })?;
                    outln!(
                        "Node {} ({target}) joined the cluster: {}, {}.",
                        renamed.name,
                        renamed.state,
                        renamed.availability
                    )?;
                }
            }
        }
        NodesCommand::Drain { name } => {
            let node = availability(client, name, Availability::Drain).await?;
            outln!(
                "Node {} drained: its tasks move to other nodes and it gets no new ones.",
                node.name
            )?;
        }
        NodesCommand::Activate { name } => {
            let node = availability(client, name, Availability::Active).await?;
            outln!("Node {} is active: it runs tasks again.", node.name)?;
        }
        NodesCommand::Label { name, changes } => {
            let mut request = LabelsRequest::default();
            for change in changes {
                match change {
                    LabelChange::Set(label) => request.set.push(label.clone()),
                    LabelChange::Remove(key) => request.remove.push(key.clone()),
                }
            }
            let path = paths::fill(paths::NODE_LABELS, &[name.as_str()]);
            let node: Node = client.json_with(Method::POST, &path, &request).await?;
            outln!("Node {} labels: {}", node.name, labels(&node))?;
        }
        NodesCommand::Rename { name, new_name } => {
            let path = paths::fill(paths::NODE_NAME, &[name.as_str()]);
            let request = RenameNodeRequest {
                name: new_name.clone(),
            };
            let node: Node = client.json_with(Method::POST, &path, &request).await?;
            outln!("Node {name} is now named {}.", node.name)?;
        }
        NodesCommand::Remove { name, force } => {
            let mut path = paths::fill(paths::NODE, &[name.as_str()]);
            if *force {
                path.push_str("?force=true");
            }
            let removed: NodeRemoved = client.json(Method::DELETE, &path).await?;
            outln!("Node {} removed from the cluster.", removed.removed)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn availability(
    client: &Client,
    name: &NodeName,
    availability: Availability,
) -> anyhow::Result<Node> {
    let path = paths::fill(paths::NODE_AVAILABILITY, &[name.as_str()]);
    client
        .json_with(Method::POST, &path, &AvailabilityRequest { availability })
        .await
}

async fn list(client: &Client, json: bool) -> anyhow::Result<ExitCode> {
    let Some(answer) = listing::<Nodes>(client, paths::NODES, json).await? else {
        return Ok(ExitCode::SUCCESS);
    };
    let header = [
        "NAME",
        "ROLE",
        "STATE",
        "AVAILABILITY",
        "ADDRESS",
        "LABELS",
        "TASKS",
        "CONTAINERS",
        "CPUS",
        "MEMORY",
    ];
    // When databases run in the cluster, a last column says which node holds each (its
    // data is there: a database whose node is down waits for it); otherwise the table stays
    // as it was (a row's extra cell is dropped).
    let mut table = if answer.nodes.iter().any(|n| !n.databases.is_empty()) {
        let [a, b, c, d, e, f, g, h, i, j] = header;
        Table::new([a, b, c, d, e, f, g, h, i, j, "DATABASES"])
    } else {
        Table::new(header)
    };
    for node in &answer.nodes {
        let mut role = node.role.clone();
        if node.leader {
            role.push_str(" (leader)");
        }
        let name = if node.this_server {
            format!("{} (this server)", node.name)
        } else {
            node.name.to_string()
        };
        let state = Cell::coloured(
            node.state.clone(),
            (node.state != "ready").then_some(Colour::Red),
        );
        let availability = Cell::coloured(
            node.availability.clone(),
            (node.availability != "active").then_some(Colour::Yellow),
        );
        table.row([
            name.into(),
            role.into(),
            state,
            availability,
            node.address.clone().into(),
            labels(node).into(),
            node.tasks.to_string().into(),
            node.containers
                .map_or_else(|| "-".to_string(), |n| n.to_string())
                .into(),
            format!("{:.1}", node.cpus).into(),
            // A machine's memory is rarely a round number: shown as `23.5 GiB`.
            crate::output::chart::bytes(node.memory_bytes as f64).into(),
            if node.databases.is_empty() {
                "-".to_string().into()
            } else {
                node.databases.join(",").into()
            },
        ]);
    }
    table.print()?;
    Ok(ExitCode::SUCCESS)
}

/// The shell script that readies a machine's engine for the cluster's registry (its
/// certificates directory) and joins it. Every value in it comes from the server's answer.
fn join_script(join: &NodeJoin) -> String {
    let dir = &join.registry.directory;
    let mut script = String::from("set -e\n");
    script.push_str(&format!("mkdir -p '{dir}'\n"));
    for file in &join.registry.files {
        let path = format!("{dir}/{}", file.name);
        let mut contents = file.contents.clone();
        if !contents.ends_with('\n') {
            contents.push('\n');
        }
        script.push_str(&format!(
            "(umask 077; cat > '{path}') <<'WHARF_FILE'\n{contents}WHARF_FILE\nchmod {:o} '{path}'\n",
            file.mode
        ));
    }
    script.push_str(&join.command.join(" "));
    script.push('\n');
    script
}

/// A node's labels but Wharf's own, `key=value` joined by commas; `-` when none.
fn labels(node: &Node) -> String {
    let shown: Vec<String> = node
        .labels
        .iter()
        .filter(|(key, _)| !key.starts_with("wharf."))
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    if shown.is_empty() {
        "-".to_string()
    } else {
        shown.join(",")
    }
}

/// The system's OpenSSH client, logging in to one target in batch mode.
struct Ssh {
    target: SshTarget,
    options: Vec<String>,
}

impl Ssh {
    fn new(target: &SshTarget, key: Option<&Path>, extra: &[String]) -> anyhow::Result<Ssh> {
        // ssh takes the first value given for an option: the user's come first. Then batch
        // mode (a missing or refused key fails at once, never prompts), and a host met for
        // the first time trusted and remembered (accept-new); a changed one is refused.
        let mut options = Vec::new();
        for option in extra {
            let well_formed = option.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric())
            });
            if !well_formed || option.chars().any(char::is_control) {
                anyhow::bail!(
                    "`{option}` is not an ssh option: write KEY=VALUE, as `ssh -o` takes it (e.g. Port=2222)"
                );
            }
            options.push("-o".to_string());
            options.push(option.clone());
        }
        for option in [
            "BatchMode=yes",
            "StrictHostKeyChecking=accept-new",
            "ConnectTimeout=15",
        ] {
            options.push("-o".to_string());
            options.push(option.to_string());
        }
        if let Some(key) = key {
            if !key.is_file() {
                anyhow::bail!(
                    "the SSH key {} is not a file: give the private key's path with --ssh-key",
                    key.display()
                );
            }
            options.push("-i".to_string());
            options.push(key.display().to_string());
            options.push("-o".to_string());
            options.push("IdentitiesOnly=yes".to_string());
        }
        Ok(Ssh {
            target: target.clone(),
            options,
        })
    }

    /// Run `command` on the target; its stdout, or what failed.
    fn run(&self, command: &[String]) -> anyhow::Result<String> {
        self.run_with_input(command, "")
    }

    /// Run `command` on the target with `input` as its stdin; its stdout, or what failed.
    fn run_with_input(&self, command: &[String], input: &str) -> anyhow::Result<String> {
        use std::io::Write;
        let mut child = Command::new("ssh")
            .args(&self.options)
            .arg("--")
            .arg(self.target.to_string())
            .args(command)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .context("running ssh: is OpenSSH's client installed?")?;
        let mut stdin = child.stdin.take().context("ssh's stdin")?;
        // A command that stops reading early shows up in its exit status.
        let _ = stdin.write_all(input.as_bytes());
        drop(stdin);
        let output = child
            .wait_with_output()
            .context("waiting for ssh to finish")?;
        if !output.status.success() {
            anyhow::bail!(
                "ssh {} exited with {}: {}",
                self.target,
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}
