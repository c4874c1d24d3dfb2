//! Packing an app's directory as a build context: a tar of every file not excluded by
//! `.dockerignore`, links kept as links. The server checks the archive again on arrival.
//! Whether the directory holds an app Wharf can build (a Dockerfile, or one its builders
//! recognise) is `wharf deploy`'s check, made before packing.

use anyhow::Context;
use std::path::Path;

/// Write the build context of `dir` as a tar to `out`; returns the number of entries.
pub fn pack(dir: &Path, out: &std::fs::File) -> anyhow::Result<usize> {
    let mut builder = tar::Builder::new(out);
    builder.follow_symlinks(false);
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .add_custom_ignore_filename(".dockerignore")
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    let mut count = 0;
    for entry in walker {
        let entry = entry.context("reading the app directory")?;
        let path = entry.path();
        let relative = path
            .strip_prefix(dir)
            .context("walking the app directory")?;
        if relative.as_os_str().is_empty() {
            continue;
        }
        builder
            .append_path_with_name(path, relative)
            .with_context(|| format!("adding {} to the build context", relative.display()))?;
        count += 1;
    }
    builder.finish().context("finishing the build context")?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let out = tempfile::tempfile().unwrap();
        pack(dir, &out).unwrap();
        let mut file = out;
        use std::io::Seek;
        file.seek(std::io::SeekFrom::Start(0)).unwrap();
        let mut archive = tar::Archive::new(file);
        archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn dockerignore_is_honoured() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM busybox\n").unwrap();
        std::fs::write(
            dir.path().join(".dockerignore"),
            "secret.txt\nnode_modules\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("secret.txt"), "x").unwrap();
        std::fs::write(dir.path().join("app.txt"), "x").unwrap();
        std::fs::create_dir(dir.path().join("node_modules")).unwrap();
        std::fs::write(dir.path().join("node_modules/big"), "x").unwrap();
        std::os::unix::fs::symlink("app.txt", dir.path().join("link")).unwrap();
        let names = names(dir.path());
        assert!(names.contains(&"Dockerfile".to_string()), "{names:?}");
        assert!(names.contains(&"app.txt".to_string()));
        assert!(names.contains(&"link".to_string()));
        assert!(
            !names
                .iter()
                .any(|n| n.contains("secret") || n.contains("node_modules")),
            "{names:?}"
        );
    }
}
