//! Packing an app's directory as a build context: a tar of every file not excluded by
//! `.dockerignore`, links kept as links. The server checks the archive again on arrival.
//! Whether the directory holds an app Wharf can build (a Dockerfile, or one its builders
//! recognise) is `wharf deploy`'s and `wharf build-plan`'s check, made before packing on
//! [`source`]: the same files the tar holds, so detection never sees a file the upload leaves out.

use anyhow::Context;
use std::io::Read;
use std::path::Path;
use wharf_builder::MemoryTree;

/// The files of `dir` that go into its build context, with their paths relative to `dir`:
/// everything but what `.dockerignore` excludes, links not followed. The one walk both the
/// upload and detection use.
fn context_files(dir: &Path) -> impl Iterator<Item = anyhow::Result<ignore::DirEntry>> {
    ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .add_custom_ignore_filename(".dockerignore")
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build()
        .map(|entry| entry.context("reading the app directory"))
}

/// Write the build context of `dir` as a tar to `out`; returns the number of entries.
///
/// Each entry's owner, group and mode are written as `git archive` writes them for a push
/// (`root`, 0664, or 0775 for directories and executables): Docker's build cache keys a
/// `COPY` on them, so a `wharf push` and a `git push` of the same files share their layers.
pub fn pack(dir: &Path, out: &std::fs::File) -> anyhow::Result<usize> {
    let mut builder = tar::Builder::new(out);
    builder.follow_symlinks(false);
    let mut count = 0;
    for entry in context_files(dir) {
        let entry = entry?;
        let path = entry.path();
        let relative = path
            .strip_prefix(dir)
            .context("walking the app directory")?;
        if relative.as_os_str().is_empty() {
            continue;
        }
        let adding = || format!("adding {} to the build context", relative.display());
        let meta = std::fs::symlink_metadata(path).with_context(adding)?;
        let mut header = tar::Header::new_gnu();
        header.set_metadata_in_mode(&meta, tar::HeaderMode::Deterministic);
        header.set_username("root").with_context(adding)?;
        header.set_groupname("root").with_context(adding)?;
        if meta.is_file() {
            use std::os::unix::fs::PermissionsExt;
            let executable = meta.permissions().mode() & 0o111 != 0;
            header.set_mode(if executable { 0o775 } else { 0o664 });
            let file = std::fs::File::open(path).with_context(adding)?;
            builder
                .append_data(&mut header, relative, file)
                .with_context(adding)?;
        } else if meta.is_dir() {
            header.set_mode(0o775);
            builder
                .append_data(&mut header, relative, std::io::empty())
                .with_context(adding)?;
        } else if meta.file_type().is_symlink() {
            let target = std::fs::read_link(path).with_context(adding)?;
            builder
                .append_link(&mut header, relative, target)
                .with_context(adding)?;
        } else {
            // Sockets, pipes and devices have no place in an image.
            continue;
        }
        count += 1;
    }
    builder.finish().context("finishing the build context")?;
    Ok(count)
}

/// The app's source as Wharf's builders see it, from the files [`pack`] would upload: the
/// settings files detection reads with their contents, the others only listed, as the server
/// keeps them from the archive.
pub fn source(dir: &Path) -> anyhow::Result<MemoryTree> {
    let mut tree = MemoryTree::new();
    for entry in context_files(dir) {
        let entry = entry?;
        if !entry.file_type().is_some_and(|kind| kind.is_file()) {
            continue;
        }
        let relative = entry
            .path()
            .strip_prefix(dir)
            .context("walking the app directory")?;
        let Some(relative) = relative.to_str().map(str::to_owned) else {
            continue;
        };
        if tree.len() >= wharf_builder::MAX_FILES {
            break;
        }
        if wharf_builder::reads(&relative) {
            let mut bytes = Vec::new();
            std::fs::File::open(entry.path())
                .and_then(|file| {
                    file.take(wharf_builder::MAX_READ_BYTES + 1)
                        .read_to_end(&mut bytes)
                })
                .with_context(|| format!("cannot read {}", entry.path().display()))?;
            tree.insert(relative, bytes);
        } else if wharf_builder::lists(&relative) {
            tree.list(relative);
        }
    }
    Ok(tree)
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

    #[test]
    fn entries_are_owned_and_moded_as_git_archive_writes_them() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("app.py"), "x").unwrap();
        std::fs::write(dir.path().join("run.sh"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(
            dir.path().join("run.sh"),
            std::fs::Permissions::from_mode(0o700),
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        let out = tempfile::tempfile().unwrap();
        pack(dir.path(), &out).unwrap();
        let mut file = out;
        use std::io::Seek;
        file.seek(std::io::SeekFrom::Start(0)).unwrap();
        let mut archive = tar::Archive::new(file);
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            let header = entry.header();
            assert_eq!((header.uid().unwrap(), header.gid().unwrap()), (0, 0));
            assert_eq!(header.username().unwrap(), Some("root"));
            assert_eq!(header.groupname().unwrap(), Some("root"));
            let name = entry.path().unwrap().display().to_string();
            seen.push((name, header.mode().unwrap()));
        }
        seen.sort();
        assert_eq!(
            seen,
            [
                ("app.py".to_string(), 0o664),
                ("run.sh".to_string(), 0o775),
                ("src".to_string(), 0o775)
            ]
        );
    }

    #[test]
    fn detection_sees_what_the_upload_holds() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("requirements.txt"), "flask\n").unwrap();
        std::fs::write(dir.path().join("Procfile"), "web: gunicorn app:app\n").unwrap();
        std::fs::write(dir.path().join("package.json"), "{}").unwrap();
        std::fs::write(dir.path().join(".dockerignore"), "package.json\n").unwrap();
        std::fs::write(dir.path().join("app.py"), "x").unwrap();
        let tree = source(dir.path()).unwrap();
        use wharf_builder::SourceTree;
        let files = tree.files().unwrap();
        assert!(!files.contains(&"package.json".to_string()), "{files:?}");
        assert!(files.contains(&"app.py".to_string()), "{files:?}");
        assert_eq!(tree.read("Procfile").unwrap(), b"web: gunicorn app:app\n");
        let plan = wharf_builder::plan(&tree).unwrap();
        assert_eq!(plan.builder.to_string(), "python", "{:?}", plan.reasons);
    }
}
