//! Which Dockerfile a deploy builds: the app's own, or the one Wharf's builders write for an
//! app without one (or whose app.json's `wharf.builder` asks for one). A written Dockerfile
//! is appended to the build context, the builder and its reasons go to the deploy's output,
//! and the release records which builder made its image.

use super::BuildContext;
use crate::{DeployError, Progress};
use wharf_builder::BuilderKind;

/// The name a written Dockerfile takes beside an app's own (when app.json forces a builder):
/// the app's own stays untouched in the context.
const BESIDE_OWN: &str = "Dockerfile.wharf";

/// The Dockerfile a deploy builds.
#[derive(Debug, Clone)]
pub(super) struct AppDockerfile {
    /// Its path in the build context.
    pub name: &'static str,
    pub text: String,
    /// What made it, as the release records it: none for a prebuilt image's.
    pub builder: Option<BuilderKind>,
}

/// Decide the app's Dockerfile, writing one into `context` when a builder makes it.
pub(super) fn choose(
    context: &mut BuildContext,
    progress: &Progress,
) -> Result<AppDockerfile, DeployError> {
    let plan = context.plan()?;
    let Some(text) = plan.dockerfile else {
        // Detection found the Dockerfile at the top of the context.
        let text = context.dockerfile.clone().unwrap_or_default();
        return Ok(AppDockerfile {
            name: "Dockerfile",
            text,
            builder: Some(BuilderKind::Dockerfile),
        });
    };
    progress.line(format!(
        "-----> No Dockerfile of the app's own: Wharf's {} builder writes one",
        plan.builder
    ));
    for reason in &plan.reasons {
        progress.line(format!("       {reason}"));
    }
    let name = if context.dockerfile.is_some() {
        BESIDE_OWN
    } else {
        "Dockerfile"
    };
    context.add_file(name, text.as_bytes())?;
    Ok(AppDockerfile {
        name,
        text,
        builder: Some(plan.builder),
    })
}

/// The Dockerfile of a prebuilt image's release: the one [`super::image_context`] wrote.
pub(super) fn of_image(
    context: &BuildContext,
    image: &wharf_domain::ImageRef,
    progress: &Progress,
) -> AppDockerfile {
    progress.line(format!(
        "-----> Prebuilt image {image} (pulled from {} unless it is on this server)",
        image.registry()
    ));
    AppDockerfile {
        name: "Dockerfile",
        text: context.dockerfile.clone().unwrap_or_default(),
        builder: None,
    }
}
