use crate::{MemoryTree, plan};
use wharf_domain::{AppConfig, BuilderKind};

fn dockerfile(files: &[(&str, &str)]) -> String {
    let plan = plan(&MemoryTree::of(files.iter().copied())).unwrap();
    let text = plan.dockerfile.unwrap();
    // Wharf's own settings parser reads the port from every generated file.
    let config = AppConfig::from_dockerfile(&text).unwrap();
    assert_eq!(config.port, Some(crate::APP_PORT), "{text}");
    text
}

/// The index of the line starting with `prefix`, which must exist.
fn line(text: &str, prefix: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in\n{text}"))
}

#[test]
fn a_dockerfile_app_has_no_plan() {
    let plan = plan(&MemoryTree::of([("Dockerfile", "FROM busybox")])).unwrap();
    assert_eq!(
        (plan.builder, plan.dockerfile),
        (BuilderKind::Dockerfile, None)
    );
}

#[test]
fn flask_with_requirements_installs_them_before_the_source() {
    let text = dockerfile(&[
        ("requirements.txt", "flask\ngunicorn\n"),
        ("Procfile", "web: gunicorn app:app --bind 0.0.0.0:$PORT\n"),
    ]);
    assert!(text.contains("FROM python:3.13-slim AS deps\n"), "{text}");
    assert!(
        line(&text, "COPY requirements.txt ./")
            < line(&text, "RUN pip install -r requirements.txt")
    );
    assert!(
        line(&text, "RUN pip install -r requirements.txt")
            < line(&text, "COPY --chown=app:app . .")
    );
    assert!(text.contains("COPY --from=deps /opt/venv /opt/venv\n"));
    assert!(text.contains("RUN useradd "), "{text}");
    assert!(line(&text, "USER app") < line(&text, "CMD "));
    assert!(
        text.contains("CMD [\"/bin/sh\", \"-c\", \"gunicorn app:app --bind 0.0.0.0:$PORT\"]\n")
    );
    assert!(!text.contains("collectstatic") && !text.contains("pip install gunicorn"));
}

#[test]
fn django_collects_static_files_and_runs_gunicorn() {
    let text = dockerfile(&[
        ("requirements.txt", "django\n"),
        (
            "manage.py",
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')",
        ),
        ("mysite/settings.py", ""),
        ("mysite/wsgi.py", ""),
        (".python-version", "3.12\n"),
    ]);
    assert!(text.contains("FROM python:3.12-slim\n"), "{text}");
    assert!(text.contains("RUN pip install gunicorn\n"));
    let collect = line(&text, "RUN SECRET_KEY=collectstatic-placeholder");
    assert!(line(&text, "USER app") < collect && collect < line(&text, "CMD "));
    assert!(text.contains(
        "python manage.py collectstatic --noinput \\\n    || echo \"-----> collectstatic skipped"
    ));
    assert!(text.contains("exec gunicorn mysite.wsgi --bind 0.0.0.0:$PORT"));
}

#[test]
fn python_tools_install_from_their_lockfiles() {
    let procfile = (
        "Procfile",
        "web: uvicorn main:app --host 0.0.0.0 --port $PORT",
    );
    let uv = dockerfile(&[("pyproject.toml", "[project]"), ("uv.lock", ""), procfile]);
    assert!(uv.contains("RUN pip install uv\n"));
    assert!(
        line(&uv, "RUN pip install uv") < line(&uv, "ENV VIRTUAL_ENV=/opt/venv"),
        "the tool stays out of the app's environment"
    );
    assert!(uv.contains("COPY pyproject.toml uv.lock ./\n"));
    assert!(uv.contains("uv sync --frozen --no-dev --no-install-project"));
    let sync = &uv[uv.find("RUN UV_PROJECT_ENVIRONMENT").unwrap()..];
    assert!(
        sync.contains("UV_SYSTEM_CERTS=1") && sync.contains("UV_PYTHON_DOWNLOADS=never"),
        "uv trusts the system's CA certificates and keeps to the image's Python: {uv}"
    );
    let poetry = dockerfile(&[
        ("pyproject.toml", "[tool.poetry]"),
        ("poetry.lock", ""),
        procfile,
    ]);
    assert!(
        poetry.contains(
            "COPY pyproject.toml poetry.lock ./\nRUN poetry install --only main --no-root"
        ) || poetry.contains("RUN poetry install --only main --no-root"),
        "{poetry}"
    );
    let pipenv = dockerfile(&[("Pipfile", ""), procfile]);
    assert!(pipenv.contains("COPY Pipfile ./\n"));
    assert!(pipenv.contains("RUN pipenv lock && pipenv requirements > /tmp/requirements.txt"));
    let pep621 = dockerfile(&[("pyproject.toml", "[project]"), procfile]);
    assert!(line(&pep621, "COPY . .") < line(&pep621, "RUN pip install ."));
}

#[test]
fn a_site_a_node_build_makes_is_served_by_the_static_image() {
    let text = dockerfile(&[
        (
            "package.json",
            r#"{"scripts": {"build": "vite build"}, "devDependencies": {"vite": "^6"}}"#,
        ),
        ("package-lock.json", "{}"),
    ]);
    assert!(text.contains("FROM node:20-slim AS build\n"), "{text}");
    assert!(text.contains("RUN npm ci --include=dev\n"), "{text}");
    assert!(text.contains("RUN npm run build\n"), "{text}");
    assert!(
        text.contains("for dir in dist build _site out; do"),
        "{text}"
    );
    assert!(line(&text, "RUN npm run build") < line(&text, "FROM busybox:latest"));
    assert!(
        text.contains("COPY --from=build /tmp/site /www\n"),
        "{text}"
    );
    assert!(!text.contains("npm start"), "{text}");
    assert!(text.ends_with("\"/etc/httpd.conf\"]\n"), "{text}");
}

#[test]
fn node_installs_builds_and_starts() {
    let text = dockerfile(&[
        (
            "package.json",
            r#"{"scripts": {"start": "node server.js", "build": "tsc"}, "engines": {"node": "22.x"}}"#,
        ),
        ("package-lock.json", "{}"),
    ]);
    assert!(text.contains("FROM node:22-slim\n"), "{text}");
    assert!(text.contains(
        "COPY --chown=node:node package.json package-lock.json ./\nRUN npm ci --include=dev\n"
    ));
    assert!(line(&text, "RUN npm ci") < line(&text, "COPY --chown=node:node . ."));
    assert!(text.contains("RUN npm run build && npm prune --omit=dev\n"));
    assert!(line(&text, "USER node") < line(&text, "RUN npm ci"));
    assert!(text.ends_with("CMD [\"npm\", \"start\"]\n"));
    let pnpm = dockerfile(&[
        ("package.json", r#"{"scripts": {"start": "x"}}"#),
        ("pnpm-lock.yaml", ""),
    ]);
    assert!(pnpm.contains("RUN npm install --global pnpm\n"));
    assert!(pnpm.contains("RUN pnpm install --frozen-lockfile"));
    assert!(line(&pnpm, "RUN npm install --global pnpm") < line(&pnpm, "USER node"));
    let yarn = dockerfile(&[
        ("package.json", r#"{"scripts": {"start": "x"}}"#),
        ("yarn.lock", ""),
    ]);
    assert!(yarn.contains(
        "COPY --chown=node:node package.json yarn.lock ./\nRUN yarn install --frozen-lockfile"
    ));
    assert!(!yarn.contains("cli-dist"), "{yarn}");
    // pnpm at the version package.json pins.
    let pinned = dockerfile(&[
        (
            "package.json",
            r#"{"scripts": {"start": "x"}, "packageManager": "pnpm@9.15.0+sha512.abc"}"#,
        ),
        ("pnpm-lock.yaml", ""),
    ]);
    assert!(
        pinned.contains("RUN npm install --global pnpm@9.15.0\n"),
        "{pinned}"
    );
}

#[test]
fn yarn_2_or_later_comes_from_the_npm_registry_and_starts_through_yarn() {
    let text = dockerfile(&[
        ("package.json", r#"{"packageManager": "yarn@4.9.4"}"#),
        ("yarn.lock", "__metadata:\n  version: 8\n"),
        ("server.js", ""),
        (".yarnrc.yml", "nodeLinker: pnp\n"),
        (".yarn/releases/yarn-4.9.4.cjs", ""),
        (".yarn/install-state.gz", ""),
    ]);
    assert!(
        text.contains("RUN npm install --global --force @yarnpkg/cli-dist@4.9.4\n"),
        "{text}"
    );
    assert!(
        line(&text, "RUN npm install --global --force") < line(&text, "USER node"),
        "{text}"
    );
    assert!(text.contains(
        "COPY --chown=node:node package.json yarn.lock .yarnrc.yml ./\nCOPY --chown=node:node .yarn ./.yarn\nRUN yarn install --immutable\n"
    ), "{text}");
    assert!(
        text.ends_with("CMD [\"yarn\", \"node\", \"server.js\"]\n"),
        "{text}"
    );
    // Only the install state under .yarn: nothing of it is copied; a start script is run by yarn.
    let text = dockerfile(&[
        (
            "package.json",
            r#"{"scripts": {"start": "node app.js", "build": "tsc"}, "packageManager": "yarn@4.9.4"}"#,
        ),
        ("yarn.lock", ""),
        (".yarn/install-state.gz", ""),
    ]);
    assert!(!text.contains(".yarn ./.yarn"), "{text}");
    assert!(
        text.contains("RUN yarn run build && yarn workspaces focus --all --production\n"),
        "{text}"
    );
    assert!(text.ends_with("CMD [\"yarn\", \"start\"]\n"), "{text}");
}

#[test]
fn go_builds_a_static_binary_for_a_slim_runtime() {
    let text = dockerfile(&[
        ("go.mod", "module x\ngo 1.24\n"),
        ("go.sum", ""),
        ("main.go", "package main"),
    ]);
    assert!(text.contains("FROM golang:1.24 AS build\n"), "{text}");
    assert!(line(&text, "COPY go.mod go.sum ./") < line(&text, "RUN go mod download"));
    assert!(line(&text, "RUN go mod download") < line(&text, "COPY . ."));
    assert!(
        text.contains("RUN CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /out/app .\n")
    );
    assert!(text.contains("\nFROM debian:trixie-slim\n"));
    assert!(text.contains("COPY --from=build /out/app /usr/local/bin/app\n"));
    assert!(line(&text, "USER app") < line(&text, "CMD "));
}

#[test]
fn static_sites_are_served_by_busybox() {
    let text = dockerfile(&[("public/index.html", "<p>hi</p>")]);
    assert!(text.contains("FROM busybox:latest\n"));
    assert!(text.contains("COPY public /www\n"));
    assert!(text.contains(".wasm:application/wasm"));
    assert!(line(&text, "USER 65534:65534") < line(&text, "CMD "));
    assert!(text.contains("\"-p\", \"5000\""));
    // httpd sends no Cache-Control: the image asks Wharf's proxy for it.
    let config = wharf_domain::AppConfig::from_dockerfile(&text).unwrap();
    assert!(config.asset_cache, "{text}");
    let python = dockerfile(&[("requirements.txt", ""), ("Procfile", "web: x")]);
    assert!(
        !wharf_domain::AppConfig::from_dockerfile(&python)
            .unwrap()
            .asset_cache
    );
}

#[test]
fn a_procfile_command_cannot_break_out_of_its_cmd_line() {
    let text = dockerfile(&[
        ("requirements.txt", ""),
        ("Procfile", "web: echo \"a\" ] \\\n"),
    ]);
    let cmd = text.lines().find(|l| l.starts_with("CMD ")).unwrap();
    let args: Vec<String> = serde_json::from_str(cmd.trim_start_matches("CMD ")).unwrap();
    assert_eq!(args, ["/bin/sh", "-c", "echo \"a\" ] \\"]);
}
