//! The Node image: one stage on `node:N-slim`, run as the image's own `node` user (uid 1000).
//! The package files go first and are installed with the lockfile's tool in a layer of their
//! own; then the source, the `build` script if there is one, and `npm start` (`yarn start`
//! for Yarn 2+, whose Plug'n'Play apps need its loader; or the Procfile's web command). A site the build script makes (no server to start) goes on to the
//! static site's image: only the built files.

use super::web_cmd;
use crate::{APP_PORT, NodeApp, NodeManager, STATIC_OUTPUTS};

pub(super) fn render(app: &NodeApp, out: &mut String) {
    let stage = if app.static_build { " AS build" } else { "" };
    out.push_str(&format!("\nFROM node:{}-slim{stage}\n", app.version));
    out.push_str(&format!("ENV NODE_ENV=production PORT={APP_PORT}\n"));
    let pin = |package: &str| match &app.manager_version {
        Some(version) => format!("{package}@{version}"),
        None => package.to_owned(),
    };
    match app.manager {
        NodeManager::Pnpm => {
            out.push_str(
                "# pnpm is not in the Node image; npm installs it from the npm registry.\n",
            );
            out.push_str(&format!("RUN npm install --global {}\n", pin("pnpm")));
        }
        NodeManager::YarnBerry => {
            // The image's own yarn is Yarn 1: the later one replaces it (--force).
            out.push_str(
                "# Yarn 2+ is not in the Node image; npm installs it from the npm registry.\n",
            );
            out.push_str(&format!(
                "RUN npm install --global --force {}\n",
                pin("@yarnpkg/cli-dist")
            ));
            out.push_str("ENV YARN_ENABLE_TELEMETRY=0\n");
        }
        _ => {}
    }
    out.push_str("RUN install -d -o node -g node /app\n");
    out.push_str("WORKDIR /app\n");
    out.push_str("USER node\n");
    out.push_str("# The dependencies first, in a layer of their own: a change to the code alone reuses it.\n");
    let mut files = app.manager.files().to_vec();
    files.extend(app.yarn_files.iter().filter(|file| **file != ".yarn"));
    out.push_str(&format!("COPY --chown=node:node {} ./\n", files.join(" ")));
    if app.yarn_files.contains(&".yarn") {
        out.push_str("COPY --chown=node:node .yarn ./.yarn\n");
    }
    // A build script usually needs the development dependencies too (bundlers, compilers).
    let dev = if app.build_script {
        " --include=dev"
    } else {
        ""
    };
    let (install, production) = match app.manager {
        NodeManager::NpmCi => (format!("npm ci{dev}"), "npm prune --omit=dev"),
        NodeManager::NpmInstall => (format!("npm install{dev}"), "npm prune --omit=dev"),
        NodeManager::Yarn => (
            "yarn install --frozen-lockfile --production=false".to_owned(),
            "yarn install --frozen-lockfile --production --ignore-scripts",
        ),
        NodeManager::YarnBerry => (
            "yarn install --immutable".to_owned(),
            "yarn workspaces focus --all --production",
        ),
        NodeManager::Pnpm => (
            "pnpm install --frozen-lockfile --prod=false".to_owned(),
            "pnpm prune --prod",
        ),
    };
    out.push_str(&format!("RUN {install}\n"));
    out.push_str("COPY --chown=node:node . .\n");
    if app.build_script {
        let run = match app.manager {
            NodeManager::Yarn | NodeManager::YarnBerry => "yarn run build",
            NodeManager::Pnpm => "pnpm run build",
            NodeManager::NpmCi | NodeManager::NpmInstall => "npm run build",
        };
        if app.static_build {
            out.push_str("# The build script writes the site; only its files go on.\n");
            out.push_str(&format!("RUN {run}\n"));
            let dirs = STATIC_OUTPUTS.join(" ");
            out.push_str(&format!(
                "RUN for dir in {dirs}; do if [ -f \"$dir/index.html\" ]; then mv \"$dir\" /tmp/site; exit 0; fi; done; \\\n    echo 'the build script wrote no {} with an index.html' >&2; exit 1\n",
                STATIC_OUTPUTS.join("/, ") + "/"
            ));
            super::static_site::serve(Some("build"), "/tmp/site", out);
            return;
        }
        out.push_str(
            "# The build script, then the development dependencies it needed are removed.\n",
        );
        out.push_str(&format!("RUN {run} && {production}\n"));
    }
    out.push_str(&format!("EXPOSE {APP_PORT}\n"));
    let words = app.manager.start_command(app.start_script);
    let quoted: Vec<String> = words.iter().map(|word| format!("\"{word}\"")).collect();
    let start = format!("CMD [{}]\n", quoted.join(", "));
    out.push_str(&web_cmd(app.procfile_web.as_deref(), &start));
}
