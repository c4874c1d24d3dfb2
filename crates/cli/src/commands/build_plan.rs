//! `wharf build-plan DIR [--write]`: what Wharf's builders make of an app's source, read
//! locally (no server involved; the files a deploy would upload, `.dockerignore` applied): the builder, the reasons, and the Dockerfile a deploy would
//! build; `--write` keeps that Dockerfile as the app's own.

use crate::args::BuildPlanArgs;
use crate::context;
use crate::output::outln;
use anyhow::{Context, bail};
use std::io::Write;
use std::process::ExitCode;
use wharf_builder::plan;

pub fn run(args: &BuildPlanArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.dir;
    if !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    let plan = plan(&context::source(dir)?)
        .map_err(super::deploy::documented)
        .with_context(|| format!("in {}", dir.display()))?;
    outln!("-----> Builder: {}", plan.builder)?;
    for reason in &plan.reasons {
        outln!("       {reason}")?;
    }
    let Some(dockerfile) = plan.dockerfile else {
        if args.write {
            bail!("{} already has a Dockerfile", dir.display());
        }
        return Ok(ExitCode::SUCCESS);
    };
    if args.write {
        let path = dir.join("Dockerfile");
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| {
                format!(
                    "cannot create {} (Wharf never replaces one)",
                    path.display()
                )
            })?;
        file.write_all(dockerfile.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
        outln!(
            "-----> Wrote {}: Wharf builds it as written from now on",
            path.display()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("-----> Dockerfile:")?;
    outln!("{}", dockerfile.trim_end())?;
    Ok(ExitCode::SUCCESS)
}
