//! `docker`: the unmodified static guest in a container `FROM scratch`, driven
//! through the Docker Engine API (bollard), as a platform built on Docker
//! would. One cold start is create + start + wait for exit; removing the
//! container afterwards is timed apart (`remove_ns`).
//!
//! The accounted set is the whole cost of running Docker on the host:
//! `dockerd`, `containerd`, every `containerd-shim*` (re-parented to PID 1, so
//! found by name rather than as anybody's children) and every container
//! process (the shims' descendants). Their CPU time is read from their
//! cgroups where those hold nothing else, which keeps the time of helpers
//! that have exited (see [`CpuAccounting`]).

use crate::process::{native_guest, Guest};
use crate::{is_running_isobench, Batch, Cleaned, Env, Held, Sandbox};
use anyhow::{anyhow, bail, Context, Result};
use bollard::container::LogOutput;
use bollard::models::{
    ContainerCreateBody, HostConfig, SystemInfo, SystemInfoCgroupDriverEnum,
    SystemInfoCgroupVersionEnum,
};
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, BuildImageOptionsBuilder, ListContainersOptionsBuilder,
    RemoveContainerOptionsBuilder,
};
use bollard::{ClientVersion, Docker as Client};
use futures_util::future::join_all;
use futures_util::StreamExt;
use isobench_guests::to_hex;
use isobench_measure::{
    descendants, process_tree_cpu, processes_named, CgroupVersion, CpuGroup, CpuTime,
};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::runtime::Runtime;

/// Every container and image isobench creates carries this label.
pub const LABEL: &str = "isobench";
/// The container label holding the PID of the isobench that created it.
const OWNER_LABEL: &str = "isobench.owner-pid";
/// The image label holding the SHA-256 of the guest binary inside.
const GUEST_HASH_LABEL: &str = "isobench.guest-sha256";
/// The engine's socket unless `DOCKER_HOST` names another (`unix://PATH`).
const DEFAULT_SOCKET: &str = "/var/run/docker.sock";
/// Docker 20.10 (Debian 12's docker.io) speaks API 1.41 at most; newer
/// engines still accept it.
const API_VERSION: ClientVersion = ClientVersion {
    major_version: 1,
    minor_version: 41,
};

pub struct Docker {
    client: Client,
    runtime: Arc<Runtime>,
    cpu: CpuAccounting,
}

/// Docker's default cgroup parent for containers under its `cgroupfs`
/// driver, given explicitly so that the containers' CPU time is known to be
/// read there whatever the daemon's own setting.
const CONTAINER_CGROUP_PARENT: &str = "/docker";

/// How the CPU time Docker spends outside the harness is read.
struct CpuAccounting {
    /// The cgroups to read; none when a daemon's holds other processes,
    /// and the daemon processes are read instead.
    groups: Vec<CpuGroup>,
    /// Where the containers are put (`None`: where the daemon puts them).
    container_parent: Option<&'static str>,
    /// How it was done, for the reader.
    note: String,
}

impl CpuAccounting {
    /// Reads the daemons' cgroups (where the shims, and the runc processes
    /// they run, live and die) and the containers' when the daemons' hold
    /// only Docker's processes. Otherwise the daemon processes are read,
    /// with the children they reaped; the shims, re-parented to PID 1, take
    /// their time and their runc processes' with them when they exit.
    fn choose(info: &SystemInfo) -> CpuAccounting {
        let version = match info.cgroup_version {
            Some(SystemInfoCgroupVersionEnum::_2) => CgroupVersion::V2,
            _ => CgroupVersion::V1,
        };
        let mut groups = match daemon_groups(version) {
            Ok(groups) => groups,
            Err(why) => {
                return CpuAccounting {
                    groups: Vec::new(),
                    container_parent: None,
                    note: format!(
                        "docker's CPU time leaves out the containerd shims and the runc \
                         processes they run (about half of it, measured where it could be \
                         counted): {why}, so the daemon processes are read instead, and the \
                         shims, re-parented to PID 1, take their time with them when they exit. \
                         To count them, stop dockerd and let scripts/setup start it in a cgroup \
                         of its own"
                    ),
                }
            }
        };
        // The containers' parent is read when it holds no other containers
        // now: a database left running would count as the starts' work.
        let left_out = "; the containers' own time (runc's set-up inside the container, and the \
                        guest: about a tenth of the whole where it was measured) is left out";
        let cgroupfs = info.cgroup_driver == Some(SystemInfoCgroupDriverEnum::CGROUPFS);
        let container_parent = cgroupfs.then_some(CONTAINER_CGROUP_PARENT);
        let containers = container_parent.and_then(|parent| CpuGroup::at(parent, version));
        let containers_note = match containers {
            None if cgroupfs => format!("{left_out}: their cgroup could not be found"),
            None => format!(
                "{left_out}: Docker's {} cgroup driver places them",
                info.cgroup_driver
                    .as_ref()
                    .map_or("unknown".to_string(), |driver| driver.to_string())
            ),
            Some(group) => match group.members().len() {
                // Docker makes it with its first container; made here, it
                // is read from the first block on.
                0 if std::fs::create_dir_all(group.dir()).is_ok() => {
                    // (A daemon's group inside it would have made it non-empty.)
                    if !groups.iter().any(|daemons| group.within(daemons)) {
                        groups.push(group);
                    }
                    ", and the containers".to_string()
                }
                0 => format!("{left_out}: their cgroup could not be made"),
                running => format!(
                    "{left_out}: their cgroup, {}, holds processes of containers already \
                     running ({running} now), whose time would be counted as the starts'",
                    group.path()
                ),
            },
        };
        let paths: Vec<&str> = groups.iter().map(CpuGroup::path).collect();
        let note = format!(
            "docker's CPU time is the harness's plus what the scheduler charged to cgroup(s) {}: \
             dockerd, containerd, the containerd shims and the runc processes they run, exited \
             ones included{containers_note}",
            paths.join(", ")
        );
        CpuAccounting {
            groups,
            container_parent,
            note,
        }
    }

    /// `None` when a group read when the sandbox was made no longer can be.
    fn read(&self) -> Option<CpuTime> {
        if self.groups.is_empty() {
            return Some(process_tree_cpu(&daemon_pids()));
        }
        self.groups
            .iter()
            .try_fold(CpuTime::default(), |sum, group| {
                Some(sum.plus(group.usage()?))
            })
    }
}

/// The cgroups of the Docker daemons, each once and none within another,
/// if they can be read and hold only Docker's processes (the daemons, the
/// shims and what those run); else why not.
fn daemon_groups(version: CgroupVersion) -> Result<Vec<CpuGroup>, String> {
    let daemons = daemon_pids();
    let mut groups: Vec<CpuGroup> = Vec::new();
    for group in daemons
        .iter()
        .filter_map(|&pid| CpuGroup::of_process(pid, version))
    {
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    // A group within another is already in the other's figure.
    let all = groups.clone();
    groups.retain(|group| {
        !all.iter()
            .any(|other| other != group && group.within(other))
    });
    if groups.is_empty() || groups.iter().any(|group| group.usage().is_none()) {
        return Err("the Docker daemons' cgroup could not be found or read".into());
    }
    let members: Vec<(&str, HashSet<i32>)> = groups
        .iter()
        .map(|group| (group.path(), group.members()))
        .collect();
    // Found after the members were read, so that none is newer.
    let mut roots = daemons;
    roots.extend(shim_pids());
    let docker: HashSet<i32> = descendants(&roots).into_iter().collect();
    let foreign = members.iter().find_map(|(path, pids)| {
        let mut others = pids
            .iter()
            .filter(|pid| !docker.contains(pid) && Path::new(&format!("/proc/{pid}")).exists());
        others
            .next()
            .map(|first| (path, *first, 1 + others.count()))
    });
    if let Some((path, first, count)) = foreign {
        let comm = std::fs::read_to_string(format!("/proc/{first}/comm"))
            .map_or_else(|_| "?".to_string(), |comm| comm.trim().to_string());
        return Err(format!(
            "the cgroup of the Docker daemons, {path}, also holds processes that are not \
             Docker's ({count}, the first PID {first}, {comm})"
        ));
    }
    Ok(groups)
}

/// The socket of the engine to measure: its default one, or the one
/// `DOCKER_HOST` names, which must be a local socket.
pub fn engine_socket() -> Result<String> {
    match std::env::var("DOCKER_HOST") {
        Err(_) => Ok(DEFAULT_SOCKET.to_string()),
        Ok(host) => match host.strip_prefix("unix://") {
            Some(path) => Ok(path.to_string()),
            // The daemon's processes are measured, so it must run here.
            None => bail!(
                "DOCKER_HOST is {host}, but isobench measures the Docker daemon's own \
                 processes, so it only talks to one on this machine: unset DOCKER_HOST or \
                 set it to unix://PATH"
            ),
        },
    }
}

/// A tokio runtime and a client that has been answered by the daemon.
pub(crate) fn connect() -> Result<(Client, Arc<Runtime>)> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the tokio runtime for the Docker client")?;
    let advice = "start it with `dockerd &` (scripts/setup installs docker.io and starts it)";
    let socket = engine_socket()?;
    let client = Client::connect_with_socket(&socket, 120, &API_VERSION)
        .map_err(|e| anyhow!("no Docker daemon at {socket} ({e}); {advice}"))?;
    runtime
        .block_on(client.ping())
        .map_err(|e| anyhow!("the Docker daemon at {socket} does not answer ({e}); {advice}"))?;
    Ok((client, Arc::new(runtime)))
}

impl Docker {
    pub fn new(env: &Env) -> Result<Self> {
        let (client, runtime) = connect()?;
        runtime.block_on(ensure_images(&client, env))?;
        let info = runtime
            .block_on(client.info())
            .context("asking the Docker daemon how it places containers in cgroups")?;
        let cpu = CpuAccounting::choose(&info);
        Ok(Docker {
            client,
            runtime,
            cpu,
        })
    }
}

fn image(guest: Guest) -> String {
    format!("isobench/{}", guest.name())
}

/// The labels of every container: the tool's, and its creator's PID, which
/// tells `isobench clean` whether the container is still in use.
fn labels() -> HashMap<String, String> {
    HashMap::from([
        (LABEL.to_string(), "1".to_string()),
        (OWNER_LABEL.to_string(), std::process::id().to_string()),
    ])
}

/// `isobench images`: connects and makes sure both images are current.
pub fn build_images(env: &Env) -> Result<Vec<String>> {
    let (client, runtime) = connect()?;
    runtime.block_on(ensure_images(&client, env))
}

/// Builds `isobench/noop` and `isobench/hold` `FROM scratch` around the static
/// guests, unless an image holding the same binary exists; returns what it did.
async fn ensure_images(client: &Client, env: &Env) -> Result<Vec<String>> {
    let mut report = Vec::new();
    for guest in [Guest::Noop, Guest::Hold] {
        let binary_path = native_guest(env, guest)?;
        let binary = std::fs::read(&binary_path)
            .with_context(|| format!("reading {}", binary_path.display()))?;
        let hash = to_hex(&Sha256::digest(&binary));
        let tag = image(guest);
        let guest = guest.name();
        let current = client.inspect_image(&tag).await.ok().and_then(|image| {
            image
                .config?
                .labels?
                .get(GUEST_HASH_LABEL)
                .map(|h| h == &hash)
        });
        if current == Some(true) {
            report.push(format!("{tag}: up to date"));
            continue;
        }
        let dockerfile =
            format!("FROM scratch\nCOPY {guest} /{guest}\nENTRYPOINT [\"/{guest}\"]\n");
        let context = build_context(&[
            ("Dockerfile", dockerfile.as_bytes(), 0o644),
            (guest, &binary, 0o755),
        ])?;
        let image_labels = HashMap::from([
            (LABEL.to_string(), "1".to_string()),
            (GUEST_HASH_LABEL.to_string(), hash),
        ]);
        let options = BuildImageOptionsBuilder::default()
            .t(&tag)
            .rm(true)
            .labels(&image_labels)
            .build();
        let mut progress =
            client.build_image(options, None, Some(bollard::body_full(context.into())));
        while let Some(step) = progress.next().await {
            step.with_context(|| format!("building the image {tag}"))?;
        }
        report.push(format!("{tag}: built FROM scratch"));
    }
    Ok(report)
}

/// An uncompressed tar of the given files, the build context the API takes.
fn build_context(files: &[(&str, &[u8], u32)]) -> Result<Vec<u8>> {
    let mut archive = tar::Builder::new(Vec::new());
    for (name, bytes, mode) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(*mode);
        header.set_cksum();
        archive.append_data(&mut header, name, *bytes)?;
    }
    Ok(archive.into_inner()?)
}

/// Creates a container of `guest` with the tool's label and no network; a
/// `hold` container gets standard input, its release signal.
async fn create(
    client: &Client,
    guest: Guest,
    cgroup_parent: Option<&str>,
) -> Result<String, String> {
    let with_stdin = guest == Guest::Hold;
    let body = ContainerCreateBody {
        image: Some(image(guest)),
        labels: Some(labels()),
        open_stdin: Some(with_stdin),
        stdin_once: Some(with_stdin),
        attach_stdin: Some(with_stdin),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            cgroup_parent: cgroup_parent.map(String::from),
            ..HostConfig::default()
        }),
        ..ContainerCreateBody::default()
    };
    client
        .create_container(None, body)
        .await
        .map(|created| created.id)
        .map_err(|e| format!("creating a {} container: {e}", guest.name()))
}

async fn remove(client: &Client, id: &str) -> Result<(), String> {
    let options = RemoveContainerOptionsBuilder::new().force(true).build();
    client
        .remove_container(id, Some(options))
        .await
        .map_err(|e| format!("removing container {id}: {e}"))
}

/// Waits for a container to exit; an error unless it exited with status 0.
async fn wait_for_success(client: &Client, id: &str) -> Result<(), String> {
    match client.wait_container(id, None).next().await {
        Some(Ok(exit)) if exit.status_code == 0 => Ok(()),
        Some(Ok(exit)) => Err(format!("container exited with status {}", exit.status_code)),
        Some(Err(bollard::errors::Error::DockerContainerWaitError { error, code })) => {
            Err(format!(
                "container exited with status {code}{}",
                with_message(&error)
            ))
        }
        Some(Err(e)) => Err(format!("waiting for the container: {e}")),
        None => Err("the engine ended the wait without an exit status".into()),
    }
}

fn with_message(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

/// One cold start, create + start + wait: how long it took or why it
/// failed, when it ended, and the container it made (to be removed).
async fn cold_start(
    client: &Client,
    cgroup_parent: Option<&str>,
) -> (Result<Duration, String>, Instant, Option<String>) {
    let requested = Instant::now();
    let id = match create(client, Guest::Noop, cgroup_parent).await {
        Ok(id) => id,
        Err(e) => return (Err(e), Instant::now(), None),
    };
    let ran = match client.start_container(&id, None).await {
        Ok(()) => wait_for_success(client, &id).await,
        Err(e) => Err(format!("starting the container: {e}")),
    };
    let exited = Instant::now();
    (ran.map(|()| exited - requested), exited, Some(id))
}

/// Removes a container that has exited; how long that took.
async fn removal(client: &Client, id: &str) -> Result<Duration, String> {
    let began = Instant::now();
    remove(client, id).await?;
    Ok(began.elapsed())
}

impl Sandbox for Docker {
    fn name(&self) -> &'static str {
        "docker"
    }

    fn cold_starts(&self, workers: usize) -> Result<Batch> {
        let begin = Instant::now();
        let outcomes = self.runtime.block_on(join_all(
            (0..workers).map(|_| cold_start(&self.client, self.cpu.container_parent)),
        ));
        let last_exit = outcomes.iter().map(|o| o.1).max().unwrap_or(begin);
        // Removed once every start of the batch has ended, so that no removal
        // loads the daemon during another worker's timed start.
        let removals =
            self.runtime
                .block_on(join_all(outcomes.iter().map(|(_, _, id)| async move {
                    match id {
                        Some(id) => Some(removal(&self.client, id).await),
                        None => None,
                    }
                })));
        let mut batch = Batch {
            wall: last_exit - begin,
            starts: Vec::with_capacity(workers),
            teardown: Vec::with_capacity(workers),
        };
        for ((started, _, _), removed) in outcomes.into_iter().zip(removals) {
            match removed {
                Some(Ok(took)) => batch.teardown.push(took),
                // A container left behind fails its start's cycle.
                Some(Err(e)) => {
                    batch.starts.push(Err(e));
                    continue;
                }
                None => {}
            }
            batch.starts.push(started);
        }
        Ok(batch)
    }

    fn hold(&self, workers: usize) -> Result<Box<dyn Held>> {
        let started = Arc::new(Mutex::new(Started::default()));
        let ready = Arc::new(AtomicUsize::new(0));
        // Containers start in the background, so the harness can sample the
        // footprint while they come up.
        let starting = self.runtime.spawn(start_holds(
            self.client.clone(),
            workers,
            self.cpu.container_parent,
            started.clone(),
            ready.clone(),
        ));
        Ok(Box::new(HeldContainers {
            client: self.client.clone(),
            runtime: self.runtime.clone(),
            workers,
            started,
            ready,
            starting: Some(starting),
        }))
    }

    /// The engine starts hold containers one after another: 300 took 132 s
    /// on this VM.
    fn start_allowance(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn daemons(&self) -> Vec<i32> {
        daemon_pids()
    }

    fn engine_cpu(&self) -> Option<CpuTime> {
        self.cpu.read()
    }

    fn accounting_note(&self) -> Option<String> {
        Some(self.cpu.note.clone())
    }
}

/// The engine's long-lived processes.
fn daemon_pids() -> Vec<i32> {
    processes_named(|comm| comm == "dockerd" || comm == "containerd")
}

/// containerd's shims, one per running container.
fn shim_pids() -> Vec<i32> {
    processes_named(|comm| comm.starts_with("containerd-shim"))
}

/// What the background start-up has done so far.
#[derive(Default)]
struct Started {
    ids: Vec<String>,
    /// Each container's standard input; shutting it down releases the guest.
    inputs: Vec<Pin<Box<dyn AsyncWrite + Send>>>,
    /// Why start-up stopped, if it did.
    error: Option<String>,
    /// Set when the workers are dropped: start no more.
    cancelled: bool,
}

struct HeldContainers {
    client: Client,
    runtime: Arc<Runtime>,
    workers: usize,
    started: Arc<Mutex<Started>>,
    ready: Arc<AtomicUsize>,
    starting: Option<tokio::task::JoinHandle<()>>,
}

/// Creates, attaches and starts `workers` hold containers, one after another
/// as `docker run` would, recording each in `started`.
async fn start_holds(
    client: Client,
    workers: usize,
    cgroup_parent: Option<&'static str>,
    started: Arc<Mutex<Started>>,
    ready: Arc<AtomicUsize>,
) {
    for _ in 0..workers {
        if started.lock().expect("no panics under the lock").cancelled {
            return;
        }
        if let Err(e) = start_hold(&client, cgroup_parent, &started, &ready).await {
            started.lock().expect("no panics under the lock").error = Some(format!("{e:#}"));
            return;
        }
    }
}

async fn start_hold(
    client: &Client,
    cgroup_parent: Option<&str>,
    started: &Arc<Mutex<Started>>,
    ready: &Arc<AtomicUsize>,
) -> Result<()> {
    let id = create(client, Guest::Hold, cgroup_parent)
        .await
        .map_err(anyhow::Error::msg)?;
    started
        .lock()
        .expect("no panics under the lock")
        .ids
        .push(id.clone());
    // Attached before it starts, so its "ready" line cannot be missed.
    let options = AttachContainerOptionsBuilder::new()
        .stdin(true)
        .stdout(true)
        .stream(true)
        .build();
    let attached = client
        .attach_container(&id, Some(options))
        .await
        .context("attaching to a hold container")?;
    started
        .lock()
        .expect("no panics under the lock")
        .inputs
        .push(attached.input);
    let (ready, started) = (ready.clone(), started.clone());
    let mut output = attached.output;
    tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(Ok(chunk)) = output.next().await {
            if let LogOutput::StdOut { message } = chunk {
                seen.extend_from_slice(&message);
                if seen.starts_with(b"ready\n") {
                    ready.fetch_add(1, Ordering::SeqCst);
                    // Keep reading until the container ends.
                    while output.next().await.is_some() {}
                    return;
                }
            }
        }
        // The container's output ended before it said it was ready.
        started.lock().expect("no panics under the lock").error =
            Some("a hold container ended before saying it was ready".into());
    });
    client
        .start_container(&id, None)
        .await
        .context("starting a hold container")?;
    Ok(())
}

impl Held for HeldContainers {
    fn accounted_pids(&self) -> Vec<i32> {
        let mut pids = daemon_pids();
        // The shims themselves and the container processes they parent.
        pids.extend(descendants(&shim_pids()));
        pids.sort_unstable();
        pids.dedup();
        pids
    }

    fn poll_ready(&mut self) -> Result<bool> {
        if let Some(error) = &self.started.lock().expect("no panics under the lock").error {
            bail!("starting the hold containers: {error}");
        }
        Ok(self.ready.load(Ordering::SeqCst) == self.workers)
    }

    fn release(mut self: Box<Self>) -> Result<()> {
        let client = self.client.clone();
        let starting = self.starting.take();
        let started = self.started.clone();
        let outcomes = self.runtime.block_on(async move {
            if let Some(starting) = starting {
                starting.await.ok();
            }
            let (ids, inputs) = {
                let mut started = started.lock().expect("no panics under the lock");
                (
                    std::mem::take(&mut started.ids),
                    std::mem::take(&mut started.inputs),
                )
            };
            // End of file on standard input is the release signal.
            for mut input in inputs {
                input.shutdown().await.ok();
            }
            join_all(ids.iter().map(|id| {
                let client = client.clone();
                async move {
                    let exited = wait_for_success(&client, id).await;
                    let removed = remove(&client, id).await;
                    exited.and(removed)
                }
            }))
            .await
        });
        let failures: Vec<String> = outcomes.into_iter().filter_map(Result::err).collect();
        if let Some(first) = failures.first() {
            bail!(
                "{} hold containers failed, the first: {first}",
                failures.len()
            );
        }
        Ok(())
    }
}

impl Drop for HeldContainers {
    fn drop(&mut self) {
        let client = self.client.clone();
        let starting = self.starting.take();
        let started = self.started.clone();
        started.lock().expect("no panics under the lock").cancelled = true;
        self.runtime.block_on(async move {
            // Let the start in progress finish (aborted half-way, a create
            // would leave a container whose id was never recorded), then
            // remove whatever was created.
            if let Some(starting) = starting {
                starting.await.ok();
            }
            let ids = std::mem::take(&mut started.lock().expect("no panics under the lock").ids);
            for failure in join_all(ids.iter().map(|id| remove(&client, id))).await {
                if let Err(e) = failure {
                    eprintln!("docker: {e} (`isobench clean` tries again)");
                }
            }
        });
    }
}

/// Removes every container carrying the tool's label, except those of a
/// running isobench.
pub fn clean() -> Result<Cleaned> {
    let (client, runtime) = connect()?;
    runtime.block_on(async {
        let filters = HashMap::from([("label", vec![LABEL])]);
        let options = ListContainersOptionsBuilder::new()
            .all(true)
            .filters(&filters)
            .build();
        let containers = client
            .list_containers(Some(options))
            .await
            .context("listing containers")?;
        let mut cleaned = Cleaned::default();
        for container in containers {
            let Some(id) = container.id else { continue };
            let owner = container
                .labels
                .as_ref()
                .and_then(|labels| labels.get(OWNER_LABEL)?.parse().ok())
                .filter(|&pid| is_running_isobench(pid));
            match owner {
                Some(pid) => cleaned.in_use_by(pid, "docker container"),
                None => match remove(&client, &id).await {
                    Ok(()) => cleaned.removed.push(format!("docker container {id}")),
                    Err(e) => cleaned.failed.push(e),
                },
            }
        }
        Ok(cleaned)
    })
}
