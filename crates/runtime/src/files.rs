//! Files into containers and images from registries: copying a file into a (possibly stopped)
//! container, putting files with a given owner and mode into one before it starts (`FileEntry`),
//! reading a small file out of one, and pulling an image that is not on the machine yet.

use std::path::Path;

use std::io::Read;

use bollard::query_parameters::{
    CreateImageOptionsBuilder, DownloadFromContainerOptionsBuilder, UploadToContainerOptionsBuilder,
};
use futures_util::StreamExt;
use tracing::{info, instrument};

use crate::docker::{Docker, LONG_TIMEOUT};
use crate::error::{RuntimeError, is_not_found};

/// A file to put into a container: its name, contents, mode and numeric owner. Its contents
/// (a private key, say) never appear in `Debug` output.
#[derive(Clone)]
pub struct FileEntry {
    pub name: String,
    pub contents: Vec<u8>,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
}

impl std::fmt::Debug for FileEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileEntry")
            .field("name", &self.name)
            .field("bytes", &self.contents.len())
            .field("mode", &format_args!("{:o}", self.mode))
            .field("uid", &self.uid)
            .field("gid", &self.gid)
            .finish()
    }
}

impl Docker {
    /// Puts `files` into the directory `dir` of the container `id` (which may be created and
    /// not yet started), creating `dir` (mode 0755, owned by root) inside `parent`. Owners
    /// are numeric: they are the container's users, not the host's.
    #[instrument(skip(self, files), fields(count = files.len()))]
    pub async fn put_files(
        &self,
        id: &str,
        parent: &str,
        dir: &str,
        files: &[FileEntry],
    ) -> Result<(), RuntimeError> {
        self.ensure_managed(id).await?;
        let archive = files_archive(dir, files)
            .map_err(|e| RuntimeError::Io(format!("packing files for container {id}: {e}")))?;
        self.upload(id, parent, archive).await
    }

    /// Reads the file `path` out of the container `id` (running or not), refusing files
    /// larger than `max_bytes`.
    #[instrument(skip(self))]
    pub async fn read_file(
        &self,
        id: &str,
        path: &str,
        max_bytes: usize,
    ) -> Result<Vec<u8>, RuntimeError> {
        let options = DownloadFromContainerOptionsBuilder::default()
            .path(path)
            .build();
        let mut stream = self.client.download_from_container(id, Some(options));
        let mut archive = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) if is_not_found(&e) => {
                    return Err(RuntimeError::NotFound(format!("{path} in container {id}")));
                }
                Err(e) => return Err(self.err(format!("reading {path} from container {id}"), e)),
            };
            archive.extend_from_slice(&chunk);
            // The tar stream adds headers and padding to the file's bytes.
            if archive.len() > max_bytes + 64 * 1024 {
                return Err(RuntimeError::Io(format!(
                    "{path} in container {id} is larger than {max_bytes} bytes"
                )));
            }
        }
        first_file(&archive, max_bytes)
            .map_err(|e| RuntimeError::Io(format!("reading {path} from container {id}: {e}")))
    }

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
        self.upload(id, dir, archive).await
    }

    /// Unpacks the tar `archive` into the directory `dir` of the container `id`.
    async fn upload(&self, id: &str, dir: &str, archive: Vec<u8>) -> Result<(), RuntimeError> {
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
            Err(e) => Err(self.err(format!("copying files into container {id}"), e)),
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

/// A tar archive of the directory `dir` holding `files`.
fn files_archive(dir: &str, files: &[FileEntry]) -> std::io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Directory);
    header.set_size(0);
    header.set_mode(0o755);
    header.set_uid(0);
    header.set_gid(0);
    header.set_cksum();
    builder.append_data(&mut header, format!("{dir}/"), std::io::empty())?;
    for file in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(file.contents.len() as u64);
        header.set_mode(file.mode);
        header.set_uid(file.uid);
        header.set_gid(file.gid);
        header.set_cksum();
        builder.append_data(
            &mut header,
            format!("{dir}/{}", file.name),
            file.contents.as_slice(),
        )?;
    }
    builder.into_inner()
}

/// The contents of the first regular file in a tar archive.
fn first_file(archive: &[u8], max_bytes: usize) -> std::io::Result<Vec<u8>> {
    let mut archive = tar::Archive::new(archive);
    for entry in archive.entries()? {
        let entry = entry?;
        if entry.header().entry_type().is_file() {
            let mut out = Vec::new();
            entry.take(max_bytes as u64 + 1).read_to_end(&mut out)?;
            if out.len() > max_bytes {
                return Err(std::io::Error::other(format!(
                    "larger than {max_bytes} bytes"
                )));
            }
            return Ok(out);
        }
    }
    Err(std::io::Error::other("no file in the archive"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_keep_their_owner_and_mode_and_read_back() {
        let files = [FileEntry {
            name: "server.key".to_string(),
            contents: b"secret".to_vec(),
            mode: 0o600,
            uid: 999,
            gid: 998,
        }];
        let archive = files_archive("wharf-tls", &files).unwrap();
        let mut tar = tar::Archive::new(archive.as_slice());
        let entries: Vec<_> = tar
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let h = e.header();
                (
                    e.path().unwrap().to_string_lossy().to_string(),
                    h.mode().unwrap(),
                    h.uid().unwrap(),
                    h.gid().unwrap(),
                )
            })
            .collect();
        assert_eq!(entries[0], ("wharf-tls/".to_string(), 0o755, 0, 0));
        assert_eq!(
            entries[1],
            ("wharf-tls/server.key".to_string(), 0o600, 999, 998)
        );
        assert_eq!(first_file(&archive, 100).unwrap(), b"secret");
        assert!(first_file(&archive, 3).is_err());
        assert!(!format!("{:?}", files[0]).contains("secret"));
    }
}
