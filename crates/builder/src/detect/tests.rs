use super::*;
use crate::MemoryTree;

fn found(files: &[(&str, &str)]) -> (Detected, Vec<String>) {
    detect(&MemoryTree::of(files.iter().copied())).unwrap()
}

fn refused(files: &[(&str, &str)]) -> String {
    detect(&MemoryTree::of(files.iter().copied()))
        .unwrap_err()
        .to_string()
}

const FLASK_PROCFILE: (&str, &str) = ("Procfile", "web: gunicorn app:app --bind 0.0.0.0:$PORT\n");

#[test]
fn a_dockerfile_wins_over_everything() {
    let (app, reasons) = found(&[("Dockerfile", "FROM x"), ("requirements.txt", "flask")]);
    assert_eq!(app, Detected::Dockerfile);
    assert_eq!(reasons, ["Dockerfile found: built as written"]);
}

#[test]
fn requirements_txt_is_python_with_pip() {
    let (app, reasons) = found(&[("requirements.txt", "flask\ngunicorn\n"), FLASK_PROCFILE]);
    let Detected::Python(app) = app else {
        panic!("{app:?}")
    };
    assert_eq!(app.version, "3.13");
    assert_eq!(
        app.tool,
        PythonTool::Requirements {
            extra_files: vec![],
            needs_source: false
        }
    );
    assert_eq!(
        app.procfile_web.as_deref(),
        Some("gunicorn app:app --bind 0.0.0.0:$PORT")
    );
    assert_eq!(
        reasons[0],
        "requirements.txt found: Python, installed with pip"
    );
    assert!(
        reasons.iter().any(|r| r.contains("Python 3.13")),
        "{reasons:?}"
    );
}

#[test]
fn requirements_naming_other_files_and_the_source() {
    let (app, _) = found(&[
        (
            "requirements.txt",
            "-r requirements/base.txt\n-c constraints.txt\n",
        ),
        ("requirements/base.txt", "flask\n"),
        ("constraints.txt", ""),
        FLASK_PROCFILE,
    ]);
    let Detected::Python(app) = app else { panic!() };
    assert_eq!(
        app.tool,
        PythonTool::Requirements {
            extra_files: vec!["requirements/base.txt".into(), "constraints.txt".into()],
            needs_source: false
        }
    );
    let (app, reasons) = found(&[("requirements.txt", "-e .\n"), FLASK_PROCFILE]);
    let Detected::Python(app) = app else { panic!() };
    assert!(matches!(
        app.tool,
        PythonTool::Requirements {
            needs_source: true,
            ..
        }
    ));
    assert!(
        reasons.iter().any(|r| r.contains("own directory")),
        "{reasons:?}"
    );
}

#[test]
fn pyproject_tools() {
    let cases: [(&[(&str, &str)], PythonTool); 4] = [
        (
            &[("pyproject.toml", "[project]\n"), ("uv.lock", "")],
            PythonTool::Uv,
        ),
        (
            &[("pyproject.toml", "[tool.poetry]\n"), ("poetry.lock", "")],
            PythonTool::Poetry { locked: true },
        ),
        (
            &[("pyproject.toml", "[tool.poetry]\n")],
            PythonTool::Poetry { locked: false },
        ),
        (
            &[("pyproject.toml", "[project]\nname = \"x\"\n")],
            PythonTool::Pep621,
        ),
    ];
    for (files, tool) in cases {
        let mut files = files.to_vec();
        files.push(FLASK_PROCFILE);
        let (Detected::Python(app), _) = found(&files) else {
            panic!()
        };
        assert_eq!(app.tool, tool);
    }
    let e = refused(&[("pyproject.toml", "[tool.black]\n"), FLASK_PROCFILE]);
    assert!(
        e.starts_with("pyproject.toml: it has no [project] table"),
        "{e}"
    );
}

#[test]
fn pipfile_and_setup_py() {
    let (Detected::Python(app), _) =
        found(&[("Pipfile", ""), ("Pipfile.lock", "{}"), FLASK_PROCFILE])
    else {
        panic!()
    };
    assert_eq!(
        app.tool,
        PythonTool::Pipenv {
            pipfile: true,
            locked: true
        }
    );
    let (Detected::Python(app), _) = found(&[("Pipfile", ""), FLASK_PROCFILE]) else {
        panic!()
    };
    assert_eq!(
        app.tool,
        PythonTool::Pipenv {
            pipfile: true,
            locked: false
        }
    );
    let (Detected::Python(app), _) = found(&[("setup.py", ""), FLASK_PROCFILE]) else {
        panic!()
    };
    assert_eq!(app.tool, PythonTool::SetupPy);
}

#[test]
fn python_versions_come_from_python_version_then_runtime_txt() {
    let (Detected::Python(app), reasons) = found(&[
        ("requirements.txt", ""),
        (".python-version", "# pyenv\n3.12.4\n"),
        ("runtime.txt", "python-3.11.0"),
        FLASK_PROCFILE,
    ]) else {
        panic!()
    };
    assert_eq!(app.version, "3.12");
    assert!(
        reasons.contains(&".python-version pins Python 3.12.4: python:3.12-slim".to_owned()),
        "{reasons:?}"
    );
    let (Detected::Python(app), _) = found(&[
        ("requirements.txt", ""),
        ("runtime.txt", "python-3.11.9\n"),
        FLASK_PROCFILE,
    ]) else {
        panic!()
    };
    assert_eq!(app.version, "3.11");
    let e = refused(&[
        ("requirements.txt", ""),
        ("runtime.txt", "\npython-2.7.18\n"),
        FLASK_PROCFILE,
    ]);
    assert!(
        e.starts_with("runtime.txt, line 2: `python-2.7.18` is not a CPython version"),
        "{e}"
    );
}

const MANAGE_PY: &str =
    "import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"mysite.settings\")\n";

#[test]
fn django_gets_gunicorn_on_its_wsgi_module() {
    let (Detected::Python(app), reasons) = found(&[
        ("requirements.txt", "Django>=5\n"),
        ("manage.py", MANAGE_PY),
        ("mysite/settings.py", ""),
        ("mysite/wsgi.py", ""),
    ]) else {
        panic!()
    };
    let django = app.django.unwrap();
    assert_eq!(django.settings_module, "mysite.settings");
    assert_eq!(django.wsgi_module.as_deref(), Some("mysite.wsgi"));
    assert!(app.add_gunicorn);
    assert!(
        reasons.contains(&"manage.py and mysite/settings.py: Django".to_owned()),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("gunicorn is not among the dependencies"))
    );
    assert!(
        reasons.contains(&"no Procfile: the web command is gunicorn mysite.wsgi".to_owned()),
        "{reasons:?}"
    );
    let (Detected::Python(app), reasons) = found(&[
        ("requirements.txt", "django\ngunicorn==23.0\n"),
        (
            "manage.py",
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings.prod')",
        ),
        ("mysite/settings/prod.py", ""),
        ("mysite/wsgi.py", ""),
        ("Procfile", "release: python manage.py migrate\n"),
    ]) else {
        panic!()
    };
    assert!(!app.add_gunicorn);
    assert!(
        reasons.contains(
            &"the Procfile has no web line: the web command is gunicorn mysite.wsgi".to_owned()
        ),
        "{reasons:?}"
    );
    assert_eq!(app.django.unwrap().settings_module, "mysite.settings.prod");
}

#[test]
fn flask_without_a_procfile_asks_for_one() {
    let e = refused(&[("requirements.txt", "Flask==3.0\n")]);
    assert!(e.contains("looks like a Flask app"), "{e}");
    assert!(
        e.contains("web: gunicorn app:app --bind 0.0.0.0:$PORT"),
        "{e}"
    );
    let e = refused(&[
        (
            "pyproject.toml",
            "[project]\ndependencies = [\"fastapi\"]\n",
        ),
        ("uv.lock", ""),
    ]);
    assert!(
        e.contains("FastAPI") && e.contains("uvicorn main:app"),
        "{e}"
    );
    // A manage.py whose settings are not there is not Django.
    let e = refused(&[("requirements.txt", "django"), ("manage.py", MANAGE_PY)]);
    assert!(e.contains("looks like a Python app"), "{e}");
}

#[test]
fn node_managers_versions_and_scripts() {
    let package = r#"{"scripts": {"start": "node server.js", "build": "vite build"}}"#;
    for (lock, manager) in [
        ("package-lock.json", NodeManager::NpmCi),
        ("yarn.lock", NodeManager::Yarn),
        ("pnpm-lock.yaml", NodeManager::Pnpm),
    ] {
        let (Detected::Node(app), _) = found(&[("package.json", package), (lock, "")]) else {
            panic!()
        };
        assert_eq!(app.manager, manager);
        assert!(app.build_script);
        assert_eq!(app.version, 20);
    }
    let (Detected::Node(app), reasons) = found(&[
        ("package.json", r#"{"scripts": {"start": "x"}}"#),
        (".nvmrc", "v22.1.0\n"),
    ]) else {
        panic!()
    };
    assert_eq!(
        (app.manager, app.version, app.build_script),
        (NodeManager::NpmInstall, 22, false)
    );
    assert!(
        reasons.contains(&".nvmrc pins Node v22.1.0: node:22-slim".to_owned()),
        "{reasons:?}"
    );
    let engines =
        "{\n  \"scripts\": {\"start\": \"x\"},\n  \"engines\": {\n    \"node\": \"16.x\"\n  }\n}";
    let e = refused(&[("package.json", engines), (".nvmrc", "20")]);
    assert!(
        e.starts_with("package.json, line 4: Node 16 is not supported"),
        "{e}"
    );
    let e = refused(&[("package.json", "{}")]);
    assert!(e.contains("without a start script"), "{e}");
    let e = refused(&[("package.json", "{nope")]);
    assert!(e.starts_with("package.json: not valid JSON"), "{e}");
}

#[test]
fn go_modules_and_main_packages() {
    let go_mod = "module example.com/hello\n\ngo 1.23.4\n";
    let (Detected::Go(app), reasons) = found(&[
        ("go.mod", go_mod),
        ("go.sum", ""),
        ("main.go", "package main\n"),
    ]) else {
        panic!()
    };
    assert_eq!(
        app,
        GoApp {
            version: "1.23".into(),
            go_sum: true,
            main_package: ".".into(),
            procfile_web: None
        }
    );
    assert!(
        reasons.contains(&"go.mod says go 1.23.4: golang:1.23".to_owned()),
        "{reasons:?}"
    );
    let (Detected::Go(app), _) = found(&[
        ("go.mod", go_mod),
        ("lib.go", "package hello\n"),
        ("cmd/server/main.go", "// comment\npackage main\n"),
        ("cmd/server/main_test.go", "package main\n"),
    ]) else {
        panic!()
    };
    assert_eq!(app.main_package, "./cmd/server");
    let e = refused(&[("go.mod", go_mod), ("lib.go", "package hello")]);
    assert!(e.contains("cannot find the Go main package"), "{e}");
    let e = refused(&[
        ("go.mod", "module x\ngo 1.99\n"),
        ("main.go", "package main"),
    ]);
    assert!(
        e.starts_with("go.mod, line 2: Go 1.99 is not supported"),
        "{e}"
    );
    let e = refused(&[("go.mod", "module x\n"), ("main.go", "package main")]);
    assert!(e.contains("no `go` directive"), "{e}");
}

#[test]
fn static_sites() {
    let (app, reasons) = found(&[("index.html", "<h1>hi</h1>"), ("style.css", "")]);
    assert_eq!(app, Detected::Static(StaticSite { root: ".".into() }));
    assert_eq!(reasons, ["index.html found: a static site, served from ."]);
    let (app, _) = found(&[("public/index.html", ""), ("README.md", "")]);
    assert_eq!(
        app,
        Detected::Static(StaticSite {
            root: "public".into()
        })
    );
}

#[test]
fn an_unknown_project_lists_what_was_looked_for() {
    let e = refused(&[("Procfile", "web: ./run.sh\n"), ("run.sh", "")]);
    assert!(e.starts_with("Wharf cannot tell what kind of app this is: it looked for a Dockerfile, requirements.txt"), "{e}");
    assert!(e.contains("go.mod (Go)") && e.contains("index.html"), "{e}");
    assert!(e.contains("a Procfile alone"), "{e}");
}

#[test]
fn app_json_forces_a_builder() {
    let files = [
        ("requirements.txt", "mkdocs\n"),
        ("package.json", r#"{"scripts": {"start": "node ."}}"#),
        ("package-lock.json", "{}"),
        ("app.json", r#"{"wharf": {"builder": "node"}}"#),
    ];
    let (app, reasons) = found(&files);
    assert_eq!(app.kind(), BuilderKind::Node);
    assert_eq!(reasons[0], "app.json sets wharf.builder = \"node\"");
    let e = refused(&[
        ("index.html", ""),
        ("app.json", r#"{"wharf": {"builder": "go"}}"#),
    ]);
    assert_eq!(
        e,
        "app.json sets wharf.builder = \"go\", but the app has none of go.mod (Go)"
    );
    let e = refused(&[
        ("index.html", ""),
        ("app.json", r#"{"wharf": {"builder": "php"}}"#),
    ]);
    assert!(
        e.starts_with("app.json: wharf.builder must be one of"),
        "{e}"
    );
}

#[test]
fn a_yarn_lock_is_yarn_2_by_package_manager_or_yarnrc_and_a_bad_pin_is_refused() {
    let package = |manager: &str| {
        format!(r#"{{"scripts": {{"start": "x"}}, "packageManager": "{manager}"}}"#)
    };
    for (files, wanted) in [
        (
            vec![("package.json", package("yarn@4.9.4"))],
            NodeManager::YarnBerry,
        ),
        (
            vec![("package.json", package("yarn@1.22.22"))],
            NodeManager::Yarn,
        ),
        (
            vec![
                ("package.json", r#"{"scripts": {"start": "x"}}"#.to_owned()),
                (".yarnrc.yml", String::new()),
            ],
            NodeManager::YarnBerry,
        ),
        (
            vec![("package.json", r#"{"scripts": {"start": "x"}}"#.to_owned())],
            NodeManager::Yarn,
        ),
    ] {
        let mut files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        files.push(("yarn.lock", ""));
        let (app, reasons) = found(&files);
        let Detected::Node(app) = app else {
            panic!("{app:?}")
        };
        assert_eq!(app.manager, wanted, "{files:?}: {reasons:?}");
    }
    for bad in ["yarn@4.9.4; rm -rf /", "yarn@latest", "yarn", "pnpm@9..1"] {
        let text = package(bad);
        let err = refused(&[("package.json", &text), ("yarn.lock", "")]);
        assert!(
            err.contains("package.json, line 1") && err.contains("packageManager"),
            "{bad}: {err}"
        );
    }
}
