//! Python apps: which file lists the dependencies and which tool installs them, the Python
//! version, Django (manage.py and the settings module it names), and the command that serves
//! the app (the Procfile's `web`, or gunicorn on Django's WSGI module).

use super::Source;
use crate::PlanError;
use crate::version::{self, DEFAULT_PYTHON, first_value_line};

/// A Python app, as detected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonApp {
    /// `3.13`: the `python:3.13-slim` image.
    pub version: String,
    pub tool: PythonTool,
    pub django: Option<Django>,
    /// The Procfile's `web` command, if there is one.
    pub procfile_web: Option<String>,
    /// Whether the image must add gunicorn, which the default Django command needs and the
    /// dependencies lack.
    pub add_gunicorn: bool,
}

/// How the dependencies are installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PythonTool {
    /// `pip install -r requirements.txt`, with the files it names (`-r`, `-c`) copied too;
    /// `needs_source` when it installs the app's own directory (`-e .`), so it must run after
    /// the source is copied.
    Requirements {
        extra_files: Vec<String>,
        needs_source: bool,
    },
    /// pyproject.toml with uv.lock: `uv sync --frozen`.
    Uv,
    /// pyproject.toml for Poetry, with or without poetry.lock.
    Poetry { locked: bool },
    /// Pipfile and/or Pipfile.lock: Pipenv exports the lock for pip.
    Pipenv { pipfile: bool, locked: bool },
    /// pyproject.toml with a `[project]` table and no lockfile: `pip install .`.
    Pep621,
    /// setup.py: `pip install .`.
    SetupPy,
}

/// A Django project: `manage.py` and the settings module it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Django {
    /// `mysite.settings`.
    pub settings_module: String,
    /// `mysite.wsgi`, if `mysite/wsgi.py` exists.
    pub wsgi_module: Option<String>,
}

pub(super) fn detect(
    source: &Source,
    reasons: &mut Vec<String>,
) -> Result<Option<PythonApp>, PlanError> {
    let Some((tool, deps_text)) = tool(source, reasons)? else {
        return Ok(None);
    };
    let version = python_version(source, reasons)?;
    let django = django(source, reasons)?;
    let procfile_web = source.procfile_web()?;
    let mut add_gunicorn = false;
    match (&procfile_web, &django) {
        (Some(web), _) => reasons.push(format!("Procfile web: {web}")),
        (
            None,
            Some(Django {
                wsgi_module: Some(wsgi),
                ..
            }),
        ) => {
            let missing = if source.has("Procfile") {
                "the Procfile has no web line"
            } else {
                "no Procfile"
            };
            reasons.push(format!("{missing}: the web command is gunicorn {wsgi}"));
            if !mentions(&deps_text, "gunicorn") {
                reasons
                    .push("gunicorn is not among the dependencies: the image adds it".to_owned());
                add_gunicorn = true;
            }
        }
        (None, _) => {
            let (framework, example) = framework(&deps_text, django.is_some());
            return Err(PlanError::NoWebCommand { framework, example });
        }
    }
    Ok(Some(PythonApp {
        version,
        tool,
        django,
        procfile_web,
        add_gunicorn,
    }))
}

/// The tool and the text of the files that list the dependencies (to look for packages in).
fn tool(
    source: &Source,
    reasons: &mut Vec<String>,
) -> Result<Option<(PythonTool, String)>, PlanError> {
    if let Some(text) = source.text("requirements.txt")? {
        reasons.push("requirements.txt found: Python, installed with pip".to_owned());
        let tool = requirements(&text, source, reasons);
        return Ok(Some((tool, text)));
    }
    if let Some(text) = source.text("pyproject.toml")? {
        let tool = if source.has("uv.lock") {
            reasons.push("pyproject.toml and uv.lock found: Python, installed with uv".to_owned());
            PythonTool::Uv
        } else if source.has("poetry.lock") {
            reasons.push(
                "pyproject.toml and poetry.lock found: Python, installed with Poetry".to_owned(),
            );
            PythonTool::Poetry { locked: true }
        } else if text.contains("[tool.poetry]") {
            reasons.push(
                "pyproject.toml for Poetry without poetry.lock: Poetry locks at build time"
                    .to_owned(),
            );
            PythonTool::Poetry { locked: false }
        } else if text.lines().any(|line| line.trim() == "[project]") {
            reasons.push("pyproject.toml found (PEP 621, no lockfile): Python, installed with pip together with the source".to_owned());
            PythonTool::Pep621
        } else {
            return Err(PlanError::BadFile {
                file: "pyproject.toml".to_owned(),
                message: "it has no [project] table (and no uv.lock, poetry.lock or [tool.poetry]), so it does not say what to install; add one, or a requirements.txt".to_owned(),
            });
        };
        return Ok(Some((tool, text)));
    }
    let (pipfile, locked) = (source.has("Pipfile"), source.has("Pipfile.lock"));
    if pipfile || locked {
        let found = match (pipfile, locked) {
            (true, true) => "Pipfile and Pipfile.lock found",
            (true, false) => "Pipfile found (no Pipfile.lock: Pipenv locks at build time)",
            _ => "Pipfile.lock found",
        };
        reasons.push(format!("{found}: Python, installed with Pipenv"));
        let mut text = source.text("Pipfile")?.unwrap_or_default();
        text.push_str(&source.text("Pipfile.lock")?.unwrap_or_default());
        return Ok(Some((PythonTool::Pipenv { pipfile, locked }, text)));
    }
    if let Some(text) = source.text("setup.py")? {
        reasons
            .push("setup.py found: Python, installed with pip together with the source".to_owned());
        return Ok(Some((PythonTool::SetupPy, text)));
    }
    Ok(None)
}

/// What requirements.txt needs besides itself: the files its `-r`/`-c` lines name (copied
/// with it when they are in the tree), and whether it installs a local directory.
fn requirements(text: &str, source: &Source, reasons: &mut Vec<String>) -> PythonTool {
    let mut extra_files = Vec::new();
    let mut needs_source = false;
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let named = match words.as_slice() {
            ["-r" | "--requirement" | "-c" | "--constraint", file, ..] => Some(*file),
            [flag, ..] => ["-r", "-c", "--requirement=", "--constraint="]
                .iter()
                .find_map(|prefix| flag.strip_prefix(prefix))
                .filter(|file| !file.is_empty()),
            [] => None,
        };
        if let Some(file) = named {
            let file = file.trim_start_matches("./");
            if source.has(file) && !extra_files.iter().any(|f| f == file) {
                extra_files.push(file.to_owned());
            }
            continue;
        }
        let local = |w: &str| w == "." || w.starts_with("./") || w.starts_with("file:");
        if words
            .first()
            .is_some_and(|w| *w == "-e" || *w == "--editable" || local(w))
        {
            needs_source = true;
        }
    }
    if needs_source {
        reasons.push("requirements.txt installs the app's own directory: dependencies are installed with the source".to_owned());
    }
    PythonTool::Requirements {
        extra_files,
        needs_source,
    }
}

fn python_version(source: &Source, reasons: &mut Vec<String>) -> Result<String, PlanError> {
    for file in [".python-version", "runtime.txt"] {
        let Some(text) = source.text(file)? else {
            continue;
        };
        let Some((line, value)) = first_value_line(&text) else {
            continue;
        };
        let version = version::python(file, line, value)?;
        reasons.push(format!("{file} pins Python {value}: python:{version}-slim"));
        return Ok(version);
    }
    reasons.push(format!(
        "no Python version pinned (.python-version, runtime.txt): Python {DEFAULT_PYTHON}"
    ));
    Ok(DEFAULT_PYTHON.to_owned())
}

/// Django: `manage.py` at the top naming a settings module that is in the tree.
fn django(source: &Source, reasons: &mut Vec<String>) -> Result<Option<Django>, PlanError> {
    let Some(manage) = source.text("manage.py")? else {
        return Ok(None);
    };
    let Some(module) = settings_module(&manage) else {
        reasons.push("manage.py names no DJANGO_SETTINGS_MODULE: not treated as Django".to_owned());
        return Ok(None);
    };
    let base = module.replace('.', "/");
    let candidates = [format!("{base}.py"), format!("{base}/__init__.py")];
    let Some(found) = candidates.iter().find(|path| source.has(path)) else {
        reasons.push(format!(
            "manage.py names {module}, which is not in the source: not treated as Django"
        ));
        return Ok(None);
    };
    reasons.push(format!("manage.py and {found}: Django"));
    let project = module.split('.').next().unwrap_or(&module);
    let wsgi_module = source
        .has(&format!("{project}/wsgi.py"))
        .then(|| format!("{project}.wsgi"));
    Ok(Some(Django {
        settings_module: module,
        wsgi_module,
    }))
}

/// The quoted module after `DJANGO_SETTINGS_MODULE` in manage.py, e.g.
/// `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")`.
fn settings_module(manage: &str) -> Option<String> {
    let line = manage
        .lines()
        .find(|line| line.contains("DJANGO_SETTINGS_MODULE"))?;
    let key = line.find("DJANGO_SETTINGS_MODULE")? + "DJANGO_SETTINGS_MODULE".len();
    // Past the quote that closes the key itself.
    let after = line[key..].trim_start_matches(['"', '\'']);
    let start = after.find(['"', '\''])?;
    let quote = after[start..].chars().next()?;
    let rest = &after[start + 1..];
    let module = &rest[..rest.find(quote)?];
    let part = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    module.split('.').all(part).then(|| module.to_owned())
}

/// Whether a dependency list names `package` (as a word: `gunicorn==22`, `"gunicorn>=21"`).
fn mentions(text: &str, package: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.match_indices(package).any(|(at, _)| {
        let before = lower[..at].chars().next_back();
        let after = lower[at + package.len()..].chars().next();
        let word =
            |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        !word(before) && !word(after)
    })
}

/// What to call an app with no web command, and a Procfile line that would serve it.
fn framework(deps: &str, django: bool) -> (String, &'static str) {
    if django {
        return (
            "Django project without a wsgi.py next to its settings".to_owned(),
            "web: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT",
        );
    }
    if mentions(deps, "fastapi") {
        return (
            "FastAPI".to_owned(),
            "web: uvicorn main:app --host 0.0.0.0 --port $PORT",
        );
    }
    if mentions(deps, "flask") {
        return (
            "Flask".to_owned(),
            "web: gunicorn app:app --bind 0.0.0.0:$PORT",
        );
    }
    ("Python".to_owned(), "web: python app.py")
}
