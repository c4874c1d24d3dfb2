//! Shared helpers for the integration tests: unique names, build contexts,
//! and a guard that removes everything a test created, even on panic.

#![allow(dead_code)]
// Test-only helpers: panicking is how they fail a test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use wharf_runtime::Docker;

/// Connects to the engine; panics (so the test FAILS) if it is unreachable.
pub async fn docker() -> Docker {
    match Docker::connect().await {
        Ok(d) => d,
        Err(e) => panic!("these tests need a running Docker engine: {e}"),
    }
}

/// A unique app name, e.g. `rt-test-1a2b3c4d`.
pub fn unique_app() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("rt-test-{}", &id[..10])
}

/// Writes a tar build context containing `files` into `dir` and returns its path.
pub fn write_context(dir: &Path, files: &[(&str, &str)]) -> PathBuf {
    let path = dir.join("context.tar");
    let file = std::fs::File::create(&path).unwrap();
    let mut builder = tar::Builder::new(file);
    for (name, contents) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(contents.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        builder
            .append_data(&mut header, name, contents.as_bytes())
            .unwrap();
    }
    builder.into_inner().unwrap();
    path
}

pub fn app_labels(app: &str) -> HashMap<String, String> {
    HashMap::from([(wharf_runtime::labels::APP.to_owned(), app.to_owned())])
}

/// Removes the containers and images registered with it when dropped
/// (also when the test panics). Only ever touches what the test registered.
#[derive(Default)]
pub struct Cleanup {
    containers: Vec<String>,
    images: Vec<String>,
}

impl Cleanup {
    pub fn container(&mut self, id_or_name: &str) {
        self.containers.push(id_or_name.to_owned());
    }

    pub fn image(&mut self, tag: &str) {
        self.images.push(tag.to_owned());
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let containers = std::mem::take(&mut self.containers);
        let images = std::mem::take(&mut self.images);
        if containers.is_empty() && images.is_empty() {
            return;
        }
        // Drop cannot be async: run the cleanup on a fresh runtime in its own thread.
        let handle = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let Ok(client) = bollard::Docker::connect_with_local_defaults() else {
                    return;
                };
                for c in containers {
                    let opts = bollard::query_parameters::RemoveContainerOptionsBuilder::default()
                        .force(true)
                        .v(true)
                        .build();
                    let _ = client.remove_container(&c, Some(opts)).await;
                }
                for i in images {
                    let opts = bollard::query_parameters::RemoveImageOptionsBuilder::default()
                        .force(false)
                        .build();
                    let _ = client.remove_image(&i, Some(opts), None).await;
                }
            });
        });
        let _ = handle.join();
    }
}
