//! The Python image, in two stages. The first installs the dependencies into a virtual
//! environment at /opt/venv (outside /app, so no file of the app can hide it) with the tool
//! the lockfile belongs to; only that environment reaches the second, so the installers (uv,
//! Poetry, Pipenv) and pip's caches stay behind. The second copies the app, runs Django's
//! `collectstatic` when it can, and runs the web command as the user `app`.

use super::shell_cmd;
use crate::{APP_PORT, PythonApp, PythonTool};

pub(super) fn render(app: &PythonApp, out: &mut String) {
    let image = format!("python:{}-slim", app.version);
    out.push_str(&format!("\nFROM {image} AS deps\n"));
    out.push_str(
        "ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1\n",
    );
    if let Some(installer) = installer(&app.tool) {
        out.push_str(&format!(
            "# {installer} installs the dependencies in this stage only.\n"
        ));
        out.push_str(&format!("RUN pip install {installer}\n"));
    }
    out.push_str("RUN python -m venv /opt/venv\n");
    out.push_str("ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH\n");
    out.push_str("WORKDIR /app\n");
    install(&app.tool, out);
    if app.add_gunicorn {
        out.push_str("# The default web command needs gunicorn, which the dependencies lack.\n");
        out.push_str("RUN pip install gunicorn\n");
    }

    out.push_str(&format!("\nFROM {image}\n"));
    out.push_str("ENV PYTHONUNBUFFERED=1 VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH\n");
    out.push_str(&format!("ENV PORT={APP_PORT}\n"));
    out.push_str("RUN useradd --create-home --shell /usr/sbin/nologin app && install -d -o app -g app /app\n");
    out.push_str("COPY --from=deps /opt/venv /opt/venv\n");
    out.push_str("WORKDIR /app\n");
    out.push_str("COPY --chown=app:app . .\n");
    out.push_str("USER app\n");
    if app.django.is_some() {
        collectstatic(out);
    }
    out.push_str(&format!("EXPOSE {APP_PORT}\n"));
    match (
        &app.procfile_web,
        app.django.as_ref().and_then(|d| d.wsgi_module.as_ref()),
    ) {
        (Some(web), _) => {
            out.push_str(
                "# The Procfile's web command (Wharf runs it; the CMD is for `docker run`).\n",
            );
            out.push_str(&shell_cmd(web));
        }
        (None, Some(wsgi)) => {
            out.push_str("# No Procfile: gunicorn serves the project's WSGI application.\n");
            out.push_str(&shell_cmd(&format!(
                "exec gunicorn {wsgi} --bind 0.0.0.0:$PORT"
            )));
        }
        // Detection refuses a Python app with neither.
        (None, None) => {}
    }
}

/// The package that installs the dependencies, when pip alone does not.
fn installer(tool: &PythonTool) -> Option<&'static str> {
    match tool {
        PythonTool::Uv => Some("uv"),
        PythonTool::Poetry { .. } => Some("poetry"),
        PythonTool::Pipenv { .. } => Some("pipenv"),
        PythonTool::Requirements { .. } | PythonTool::Pep621 | PythonTool::SetupPy => None,
    }
}

/// Copy the dependency files and install them into /opt/venv.
fn install(tool: &PythonTool, out: &mut String) {
    const OWN_LAYER: &str = "# The dependencies first, in a layer of their own: a change to the code alone reuses it.\n";
    const WITH_SOURCE: &str = "# The dependencies come with the app's own code, so they are installed with the source\n# (a lockfile or a requirements.txt would give them a layer of their own).\n";
    match tool {
        PythonTool::Requirements {
            extra_files,
            needs_source: false,
        } => {
            out.push_str(OWN_LAYER);
            let mut files = vec!["requirements.txt"];
            files.extend(extra_files.iter().map(String::as_str));
            copy(&files, out);
            out.push_str("RUN pip install -r requirements.txt\n");
        }
        PythonTool::Requirements {
            needs_source: true, ..
        } => {
            out.push_str(WITH_SOURCE);
            out.push_str("COPY . .\nRUN pip install -r requirements.txt\n");
        }
        PythonTool::Uv => {
            out.push_str(OWN_LAYER);
            copy(&["pyproject.toml", "uv.lock"], out);
            // uv trusts its own built-in CA list unless told otherwise, so behind a proxy
            // that the image's CA certificates trust (as pip does) it could not download;
            // and it never fetches a Python of its own: the image's is the one that runs.
            out.push_str("# uv trusts the image's CA certificates, as pip does, and uses the image's Python.\n");
            out.push_str("RUN UV_PROJECT_ENVIRONMENT=/opt/venv UV_LINK_MODE=copy UV_SYSTEM_CERTS=1 UV_PYTHON_DOWNLOADS=never \\\n    uv sync --frozen --no-dev --no-install-project --no-cache\n");
        }
        PythonTool::Poetry { locked } => {
            out.push_str(OWN_LAYER);
            let files: &[&str] = if *locked {
                &["pyproject.toml", "poetry.lock"]
            } else {
                &["pyproject.toml"]
            };
            copy(files, out);
            out.push_str("# Poetry installs into the active virtual environment (VIRTUAL_ENV).\n");
            out.push_str("RUN poetry install --only main --no-root --no-interaction\n");
        }
        PythonTool::Pipenv { pipfile, locked } => {
            out.push_str(OWN_LAYER);
            let mut files = Vec::new();
            files.extend(pipfile.then_some("Pipfile"));
            files.extend(locked.then_some("Pipfile.lock"));
            copy(&files, out);
            let lock = if *locked { "" } else { "pipenv lock && " };
            out.push_str("# Pipenv writes the lock as a requirements list, which pip installs.\n");
            out.push_str(&format!(
                "RUN {lock}pipenv requirements > /tmp/requirements.txt && pip install -r /tmp/requirements.txt\n"
            ));
        }
        PythonTool::Pep621 | PythonTool::SetupPy => {
            out.push_str(WITH_SOURCE);
            out.push_str("COPY . .\nRUN pip install .\n");
        }
    }
}

fn copy(files: &[&str], out: &mut String) {
    out.push_str(&format!("COPY {} ./\n", files.join(" ")));
}

/// Django's static files, collected at build time when the settings load without the app's
/// config vars. The placeholder secret lives only in this one command, so settings that
/// insist on a SECRET_KEY can load; anything else they need makes the step a printed note
/// below Django's own message (which also covers a project without
/// `django.contrib.staticfiles`, where the command does not exist).
fn collectstatic(out: &mut String) {
    out.push_str("# Static files at build time; settings that need the app's config vars make this a note.\n");
    out.push_str(
        "RUN SECRET_KEY=collectstatic-placeholder DJANGO_SECRET_KEY=collectstatic-placeholder \\\n    \
         python manage.py collectstatic --noinput \\\n    \
         || echo \"-----> collectstatic skipped: it failed without the app's config vars (its message is above); if the app has static files, run it as app.json's predeploy command (its files are kept in the image)\"\n",
    );
}
