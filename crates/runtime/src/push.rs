//! Giving an image another name and pushing it to a registry: how a release's image reaches
//! the other nodes of a cluster (through the registry Wharf runs on the manager). The engine
//! does the push, with the trust it has for that registry (`/etc/docker/certs.d/HOST:PORT/`).

use bollard::query_parameters::{PushImageOptionsBuilder, TagImageOptionsBuilder};
use futures_util::StreamExt;
use tracing::{info, instrument};

use crate::docker::{Docker, LONG_TIMEOUT};
use crate::error::RuntimeError;

impl Docker {
    /// Names the image `source` (a tag or ID) also `repository:tag`.
    #[instrument(skip(self))]
    pub async fn tag_image(
        &self,
        source: &str,
        repository: &str,
        tag: &str,
    ) -> Result<(), RuntimeError> {
        let options = TagImageOptionsBuilder::default()
            .repo(repository)
            .tag(tag)
            .build();
        self.client
            .tag_image(source, Some(options))
            .await
            .map_err(|e| self.err(format!("naming image {source} {repository}:{tag}"), e))
    }

    /// Pushes `repository:tag` to the registry its name starts with, calling `on_line` with
    /// the engine's progress. What the registry already has is not sent again.
    #[instrument(skip(self, on_line))]
    pub async fn push_image(
        &self,
        repository: &str,
        tag: &str,
        on_line: &mut (dyn FnMut(&str) + Send),
    ) -> Result<(), RuntimeError> {
        let options = PushImageOptionsBuilder::default().tag(tag).build();
        let client = self.client_with_timeout(LONG_TIMEOUT);
        let mut stream = client.push_image(repository, Some(options), None);
        while let Some(item) = stream.next().await {
            let info =
                item.map_err(|e| self.err(format!("pushing image {repository}:{tag}"), e))?;
            if let Some(status) = info.status {
                on_line(&status);
            }
        }
        info!(%repository, %tag, "image pushed");
        Ok(())
    }
}
