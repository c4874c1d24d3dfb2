//! Files into containers and images from registries: copying a file into a (possibly stopped)
//! container, and pulling an image that is not on the machine yet.

use std::path::Path;

use bollard::query_parameters::{CreateImageOptionsBuilder, UploadToContainerOptionsBuilder};
use futures_util::StreamExt;
use tracing::{info, instrument};

use crate::docker::{Docker, LONG_TIMEOUT};
use crate::error::{RuntimeError, is_not_found};

impl Docker {
    /// Copies the host file `source` into the container `id` as `dir/name` (mode 0644), even
    /// while the container is stopped. The file is sent as a tar stream built on the fly.
    #[instrument(skip(self, source))]
    pub async fn copy_file_into(
        &self,
        id: &str,
        dir: &str,
        name: &str,
        source: &Path,
    ) -> Result<(), RuntimeError> {
        self.ensure_managed(id).await?;
        let source = source.to_path_buf();
        let name = name.to_string();
        let archive = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
            let mut builder = tar::Builder::new(Vec::new());
            let mut file = std::fs::File::open(&source)?;
            let mut header = tar::Header::new_gnu();
            header.set_size(file.metadata()?.len());
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, &name, &mut file)?;
            builder.into_inner()
        })
        .await
        .map_err(|e| RuntimeError::Io(format!("packing a file for container {id}: {e}")))?
        .map_err(|e| RuntimeError::Io(format!("packing a file for container {id}: {e}")))?;
        let options = UploadToContainerOptionsBuilder::default().path(dir).build();
        match self
            .client
            .upload_to_container(id, Some(options), bollard::body_full(archive.into()))
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if is_not_found(&e) => Err(RuntimeError::NotFound(format!(
                "container {id} or its directory {dir}"
            ))),
            Err(e) => Err(self.err(format!("copying a file into container {id}"), e)),
        }
    }

    /// Pulls `image` from its registry, calling `on_line` with the engine's progress.
    #[instrument(skip(self, on_line))]
    pub async fn pull_image(
        &self,
        image: &str,
        on_line: &mut (dyn FnMut(&str) + Send),
    ) -> Result<(), RuntimeError> {
        let options = CreateImageOptionsBuilder::default()
            .from_image(image)
            .build();
        let client = self.client_with_timeout(LONG_TIMEOUT);
        let mut stream = client.create_image(Some(options), None, None);
        while let Some(item) = stream.next().await {
            let info = item.map_err(|e| self.err(format!("pulling image {image}"), e))?;
            if let Some(status) = info.status {
                let line = match info.id {
                    Some(id) => format!("{id}: {status}"),
                    None => status,
                };
                on_line(&line);
            }
        }
        info!(%image, "image pulled");
        Ok(())
    }
}
