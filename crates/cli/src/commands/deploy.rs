//! `wharf deploy` and `wharf push`: pack the directory, check its Dockerfile settings locally
//! (so mistakes show before any upload), stream the upload, then print the server's build and
//! deploy output as it happens. Exits non-zero when the deploy fails. With `--image REF`,
//! nothing is packed: the server makes the release of a prebuilt image.

use crate::args::DeployArgs;
use crate::client::{Body, Client, server_error, with_query};
use crate::context;
use crate::output::outln;
use anyhow::{Context, bail};
use bytes::Bytes;
use futures_util::StreamExt;
use http::Method;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use wharf_api::{DeployQuery, ImageDeployRequest, Outcome, ProgressEvent, ServerStatus, paths};
use wharf_domain::{AppConfig, AppName, ImageRef, ImageSettings};

pub async fn run(client: &Client, args: &DeployArgs) -> anyhow::Result<ExitCode> {
    if let Some(image) = &args.image {
        return deploy_image(client, args, image).await;
    }
    let dir = std::fs::canonicalize(&args.dir)
        .with_context(|| format!("cannot open the app directory {}", args.dir.display()))?;
    let config = settings(&dir)?;
    let app = app_name(args.app.as_ref(), &config, &dir)?;

    let tar = tempfile::tempfile().context("creating a temporary file for the build context")?;
    let packed_dir = dir.clone();
    let tar = tokio::task::spawn_blocking(move || context::pack(&packed_dir, &tar).map(|_| tar))
        .await??;
    let size = tar.metadata()?.len();
    let shown = app
        .or_else(|| config.app.clone())
        .map(String::from)
        .unwrap_or_default();
    outln!(
        "-----> Uploading build context of {shown} ({})",
        human(size)
    )?;

    // Refuse here rather than have the server cut the upload off half-way.
    let status: ServerStatus = client.json(Method::GET, paths::STATUS).await?;
    if size > status.max_upload_bytes {
        bail!(
            "the build context ({}) is larger than the server's upload limit of {} bytes; add large files to .dockerignore or raise --max-upload on the server",
            human(size),
            status.max_upload_bytes
        );
    }
    let body = upload_body(tar, size).await?;
    // Always name the app, so a token limited to some apps can be checked before the upload.
    let query = DeployQuery {
        app: Some(shown),
        revision: None,
    };
    let path = with_query(paths::DEPLOY, &query)?;
    let response = client
        .send(Method::POST, &path, Some("application/x-tar"), body)
        .await?;
    follow(response).await
}

/// `--image REF`: nothing is uploaded; the server makes the release of the image.
async fn deploy_image(
    client: &Client,
    args: &DeployArgs,
    image: &ImageRef,
) -> anyhow::Result<ExitCode> {
    if args.dir != std::path::Path::new(".") {
        bail!(
            "give a directory to build or --image to deploy a prebuilt one, not both ({} and {image})",
            args.dir.display()
        );
    }
    let Some(app) = &args.app else {
        bail!("--image needs --app NAME: the app the image is deployed as");
    };
    let settings = ImageSettings::parse(&args.settings)?;
    outln!("-----> Deploying image {image} as {app}")?;
    let request = ImageDeployRequest {
        image: image.clone(),
        settings,
    };
    let response = client
        .post_json(&paths::fill(paths::IMAGE, &[app.as_str()]), &request)
        .await?;
    follow(response).await
}

/// The app's Dockerfile settings, checked before any upload: from its own Dockerfile, or from
/// the one Wharf's builders write for it (an app they cannot recognise is refused here, with
/// what they looked for).
fn settings(dir: &std::path::Path) -> anyhow::Result<AppConfig> {
    let plan = wharf_builder::plan(&context::source(dir)?)
        .map_err(documented)
        .with_context(|| format!("in {}", dir.display()))?;
    if let Some(generated) = plan.dockerfile {
        return AppConfig::from_dockerfile(&generated)
            .map_err(documented)
            .context("in the Dockerfile Wharf writes for the app (see `wharf build-plan`)");
    }
    let path = dir.join("Dockerfile");
    let dockerfile = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    AppConfig::from_dockerfile(&dockerfile)
        .map_err(documented)
        .with_context(|| format!("in {}", path.display()))
}

/// An error with, on its last line, where the documentation explains it.
pub(crate) fn documented<E: std::fmt::Display + wharf_domain::Documented>(
    error: E,
) -> anyhow::Error {
    anyhow::anyhow!(wharf_domain::explained(&error))
}

/// The name to deploy under: --app, else the Dockerfile's, else the directory's if valid.
fn app_name(
    flag: Option<&AppName>,
    config: &AppConfig,
    dir: &std::path::Path,
) -> anyhow::Result<Option<AppName>> {
    if let Some(flag) = flag {
        return Ok(Some(flag.clone()));
    }
    if config.app.is_some() {
        return Ok(None);
    }
    let dirname = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    // The directory's name enters here, from the user's file system.
    match AppName::parse(&dirname) {
        Ok(name) => Ok(Some(name)),
        Err(_) => bail!(
            "no app name: add `# wharf.app = NAME` to the Dockerfile or pass --app NAME (the directory name `{dirname}` is not a valid app name)"
        ),
    }
}

/// Stream the tar file as the request body, showing progress on a terminal.
async fn upload_body(tar: std::fs::File, size: u64) -> anyhow::Result<Body> {
    use std::io::Seek;
    let mut tar = tar;
    tar.seek(std::io::SeekFrom::Start(0))?;
    let file = tokio::fs::File::from_std(tar);
    let sent = Arc::new(AtomicU64::new(0));
    let show = std::io::stderr().is_terminal();
    let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024).map(move |chunk| {
        let chunk: Bytes = chunk?;
        let done = sent.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
        if show {
            eprint!("\r       uploaded {} of {}", human(done), human(size));
            if done >= size {
                eprintln!();
            }
        }
        Ok(Frame::data(chunk))
    });
    Ok(BodyExt::boxed(StreamBody::new(stream)))
}

/// Print the server's progress lines; the last event says how the deploy ended.
pub async fn follow(response: http::Response<hyper::body::Incoming>) -> anyhow::Result<ExitCode> {
    let status = response.status();
    if !status.is_success() {
        let bytes = response.into_body().collect().await?.to_bytes();
        return Err(server_error(status, &bytes));
    }
    let mut body = response.into_body();
    let mut pending = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.context("the connection to the server broke during the deploy")?;
        let Some(data) = frame.data_ref() else {
            continue;
        };
        pending.extend_from_slice(data);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let event: ProgressEvent = serde_json::from_slice(&line)
                .context("the server sent a progress line that is not a progress event")?;
            match event {
                ProgressEvent::Line(text) => {
                    // Build output carries the app's own colours: only for a terminal.
                    outln!("{}", crate::output::for_stream(&std::io::stdout(), &text))?;
                }
                ProgressEvent::Done(Outcome::Message(done)) => {
                    outln!("=====> {}", done.message)?;
                    return Ok(ExitCode::SUCCESS);
                }
                ProgressEvent::Done(Outcome::Deployed(done)) => {
                    for url in &done.urls {
                        outln!("=====> {url}")?;
                    }
                    if done.urls.is_empty() {
                        outln!(
                            "=====> deployed, with no domain yet: `wharf domains add {} DOMAIN` routes one to it (or `# wharf.domain = DOMAIN` in its Dockerfile)",
                            done.app
                        )?;
                    }
                    return Ok(ExitCode::SUCCESS);
                }
                ProgressEvent::Error(error) => {
                    let error = crate::output::for_stream(&std::io::stderr(), &error);
                    eprintln!("{} {error}", crate::output::error_prefix());
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
    }
    bail!("the server closed the connection before the deploy finished")
}

fn human(bytes: u64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    if bytes as f64 >= MB {
        format!("{:.1} MB", bytes as f64 / MB)
    } else {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    }
}
