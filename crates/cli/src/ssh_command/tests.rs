//! Tests of the commands an SSH key may run: Wharf's and Dokku's words, mapped onto the command line's grammar.

use super::*;

fn app(name: &str) -> AppName {
    AppName::parse(name).unwrap()
}

fn parse(line: &str) -> Result<SshCommand, SshCommandError> {
    SshCommand::parse(Some(line))
}

#[test]
fn git_commands_in_every_spelling() {
    for line in [
        "git-receive-pack 'blog'",
        "git-receive-pack '/blog.git'",
        "git receive-pack 'blog.git'",
        "git-receive-pack blog",
    ] {
        assert_eq!(
            parse(line),
            Ok(SshCommand::ReceivePack(app("blog"))),
            "{line}"
        );
    }
    assert_eq!(
        parse("git-upload-pack '/blog'"),
        Ok(SshCommand::UploadPack(app("blog")))
    );
    assert!(matches!(
        parse("git-receive-pack 'Bad_Name'"),
        Err(SshCommandError::App(_))
    ));
    assert!(matches!(
        parse("git-receive-pack '../etc'"),
        Err(SshCommandError::App(_))
    ));
    assert!(matches!(
        parse("git-receive-pack 'a' 'b'"),
        Err(SshCommandError::Usage(_))
    ));
}

#[test]
fn dokku_style_commands() {
    assert_eq!(
        parse("config:set blog A=1 'B=two words'"),
        Ok(SshCommand::ConfigSet {
            app: app("blog"),
            assignments: vec!["A=1".into(), "B=two words".into()],
            restart: true,
        })
    );
    assert_eq!(
        parse("config blog"),
        Ok(SshCommand::ConfigShow {
            app: app("blog"),
            reveal: false
        })
    );
    assert_eq!(
        parse("rollback blog v2"),
        Ok(SshCommand::Rollback {
            app: app("blog"),
            version: Some("v2".parse().unwrap())
        })
    );
    assert_eq!(parse("apps:list"), Ok(SshCommand::AppsList));
    assert_eq!(SshCommand::parse(None), Ok(SshCommand::Help));
    assert!(matches!(
        parse("apps:destroy blog"),
        Err(SshCommandError::Usage(_))
    ));
    assert_eq!(
        parse("apps:destroy blog --force"),
        Ok(SshCommand::AppsDestroy(app("blog")))
    );
    assert!(matches!(
        parse("config:set blog"),
        Err(SshCommandError::Usage(_))
    ));
    assert_eq!(parse("ps:report blog"), Ok(SshCommand::Ps(app("blog"))));
    assert_eq!(
        parse("run blog -- python manage.py migrate"),
        Ok(SshCommand::Run {
            app: app("blog"),
            command: vec!["python".into(), "manage.py".into(), "migrate".into()],
            detach: false,
            tty: true,
        })
    );
    assert!(matches!(
        parse("run blog --"),
        Err(SshCommandError::Usage(_))
    ));
    assert_eq!(
        parse("ps:scale blog web=2 worker=0"),
        Ok(SshCommand::PsScale {
            app: app("blog"),
            formation: vec!["web=2".parse().unwrap(), "worker=0".parse().unwrap()],
            deploy: true,
        })
    );
    assert!(matches!(
        parse("ps:scale blog"),
        Err(SshCommandError::Usage(_))
    ));
    // A bad pair is refused by the one PROCESS=COUNT parser, naming the pair.
    for (pair, needle) in [
        ("web=lots", "`web=lots`: the count must be a whole number"),
        ("web", "`web` is not PROCESS=COUNT"),
        ("web=1000", "`web=1000`: a process can have at most"),
    ] {
        let err = parse(&format!("ps:scale blog {pair}")).unwrap_err();
        assert!(
            matches!(err, SshCommandError::Invalid { .. }),
            "{pair}: {err:?}"
        );
        assert!(err.to_string().contains(needle), "{pair}: {err}");
    }
    assert_eq!(
        parse("ps:restart blog web"),
        Ok(SshCommand::PsLifecycle {
            action: LifecycleAction::Restart,
            app: app("blog"),
            process: Some("web".parse().unwrap())
        })
    );
}

#[test]
fn config_set_takes_dokkus_encoded_and_no_restart_flags() {
    // "hello world" and "a=b" in base64.
    for line in [
        "config:set --encoded --no-restart blog A=aGVsbG8gd29ybGQ= B=YT1i",
        "config:set --no-restart blog --encoded A=aGVsbG8gd29ybGQ= B=YT1i",
    ] {
        assert_eq!(
            parse(line),
            Ok(SshCommand::ConfigSet {
                app: app("blog"),
                assignments: vec!["A=hello world".into(), "B=a=b".into()],
                restart: false,
            }),
            "{line}"
        );
    }
    let err = parse("config:set --encoded blog A=not*base64").unwrap_err();
    assert!(
        matches!(&err, SshCommandError::NotBase64 { key, .. } if key == "A"),
        "{err}"
    );
    assert!(err.to_string().contains("base64 -w0"), "{err}");
    // Base64 of bytes that are not UTF-8 text.
    assert!(matches!(
        parse("config:set --encoded blog A=/w=="),
        Err(SshCommandError::NotBase64 { .. })
    ));
    // Without --encoded, values are taken as they are.
    assert_eq!(
        parse("config:set blog A=YT1i"),
        Ok(SshCommand::ConfigSet {
            app: app("blog"),
            assignments: vec!["A=YT1i".into()],
            restart: true,
        })
    );
}

#[test]
fn config_unset_takes_no_restart() {
    assert_eq!(
        parse("config:unset --no-restart blog A B"),
        Ok(SshCommand::ConfigUnset {
            app: app("blog"),
            keys: vec!["A".into(), "B".into()],
            restart: false,
        })
    );
    assert!(matches!(
        parse("config:unset --encoded blog A"),
        Err(SshCommandError::UnknownFlag { .. })
    ));
}

#[test]
fn config_get_keys_and_show_take_dokkus_flags() {
    assert_eq!(
        parse("config:get --quoted blog DATABASE_URL"),
        Ok(SshCommand::ConfigGet {
            app: app("blog"),
            key: "DATABASE_URL".into(),
            quoted: true,
        })
    );
    assert_eq!(
        parse("config:get blog A"),
        Ok(SshCommand::ConfigGet {
            app: app("blog"),
            key: "A".into(),
            quoted: false,
        })
    );
    assert_eq!(
        parse("config:keys --merged blog"),
        Ok(SshCommand::ConfigKeys(app("blog")))
    );
    assert_eq!(
        parse("config:show --merged blog"),
        Ok(SshCommand::ConfigShow {
            app: app("blog"),
            reveal: false,
        })
    );
    assert_eq!(
        parse("config blog --reveal"),
        Ok(SshCommand::ConfigShow {
            app: app("blog"),
            reveal: true,
        })
    );
    for usage in [
        "config:get blog",
        "config:get blog A B",
        "config:keys",
        "config:set blog",
    ] {
        assert!(
            matches!(parse(usage), Err(SshCommandError::Usage(_))),
            "{usage}"
        );
    }
}

#[test]
fn unknown_flags_are_refused_naming_the_known_ones() {
    let err = parse("config:set --shell blog A=1").unwrap_err();
    assert_eq!(
        err,
        SshCommandError::UnknownFlag {
            command: "config:set".into(),
            flag: "--shell".into(),
            known: "it takes --encoded, --no-restart".into(),
        }
    );
    assert!(err.to_string().contains("does not take `--shell`"), "{err}");
    let err = parse("config:set --global A=1").unwrap_err();
    assert!(err.to_string().contains("no global config"), "{err}");
    assert!(matches!(
        parse("ps:scale --parallel blog web=1"),
        Err(SshCommandError::UnknownFlag { .. })
    ));
    let err = parse("run --env A=1 blog ls").unwrap_err();
    assert!(err.to_string().contains("env KEY=VALUE"), "{err}");
}

#[test]
fn ps_scale_takes_skip_deploy() {
    assert_eq!(
        parse("ps:scale --skip-deploy blog web=2"),
        Ok(SshCommand::PsScale {
            app: app("blog"),
            formation: vec!["web=2".parse().unwrap()],
            deploy: false,
        })
    );
    assert!(matches!(
        parse("ps:scale --skip-deploy blog"),
        Err(SshCommandError::Usage(_))
    ));
}

#[test]
fn run_takes_no_tty_and_run_detached() {
    assert_eq!(
        parse("run --no-tty blog ls -l"),
        Ok(SshCommand::Run {
            app: app("blog"),
            command: vec!["ls".into(), "-l".into()],
            detach: false,
            tty: false,
        })
    );
    assert_eq!(
        parse("run:detached blog -- sleep 5"),
        Ok(SshCommand::Run {
            app: app("blog"),
            command: vec!["sleep".into(), "5".into()],
            detach: true,
            tty: true,
        })
    );
    assert!(matches!(
        parse("run:detached blog"),
        Err(SshCommandError::Usage(_))
    ));
}

#[test]
fn service_commands_as_wharf_and_dokku_users_type_them() {
    let services = |args: &[&str]| {
        Ok(SshCommand::Services(
            args.iter().map(|a| a.to_string()).collect(),
        ))
    };
    assert_eq!(parse("services"), services(&[]));
    assert_eq!(
        parse("services:link db blog"),
        services(&["link", "db", "blog"])
    );
    assert_eq!(
        parse("postgres:create db --version 16"),
        services(&["create", "postgres", "db", "--version", "16"])
    );
    assert_eq!(
        parse("redis:destroy cache --force"),
        services(&["destroy", "cache", "--confirm", "cache"])
    );
    assert_eq!(
        parse("mariadb:link db blog"),
        services(&["link", "db", "blog"])
    );
    assert!(matches!(
        parse("postgres:export db"),
        Err(SshCommandError::NotAllowed(_))
    ));
    assert!(matches!(
        parse("mongo:create db"),
        Err(SshCommandError::NotAllowed(_))
    ));
}

#[test]
fn domains_commands_as_dokku_users_type_them() {
    assert_eq!(
        parse("domains:add blog www.blog.example.com"),
        Ok(SshCommand::DomainsChange {
            change: DomainChange::Add,
            app: app("blog"),
            domains: vec!["www.blog.example.com".parse().unwrap()]
        })
    );
    assert_eq!(
        parse("domains:remove blog www.blog.example.com blog.example.org"),
        Ok(SshCommand::DomainsChange {
            change: DomainChange::Remove,
            app: app("blog"),
            domains: vec![
                "www.blog.example.com".parse().unwrap(),
                "blog.example.org".parse().unwrap()
            ]
        })
    );
    assert_eq!(
        parse("domains:report blog"),
        Ok(SshCommand::Domains(app("blog")))
    );
    assert_eq!(parse("domains blog"), Ok(SshCommand::Domains(app("blog"))));
    assert!(matches!(
        parse("domains:add blog --force a.example.com"),
        Err(SshCommandError::UnknownFlag { .. })
    ));
    for usage in ["domains:add blog", "domains:remove blog", "domains"] {
        assert!(
            matches!(parse(usage), Err(SshCommandError::Usage(_))),
            "{usage}"
        );
    }
}

#[test]
fn storage_commands_as_dokku_users_type_them() {
    assert_eq!(
        parse("storage:mount blog /var/lib/dokku/data/storage/blog:/app/storage"),
        Ok(SshCommand::StorageMount {
            app: app("blog"),
            mount: "/var/lib/dokku/data/storage/blog:/app/storage"
                .parse()
                .unwrap()
        })
    );
    assert_eq!(
        parse("storage:unmount blog 'media:/app/media'"),
        Ok(SshCommand::StorageUnmount {
            app: app("blog"),
            mount: "media:/app/media".parse().unwrap()
        })
    );
    assert_eq!(
        parse("storage:list blog"),
        Ok(SshCommand::StorageList(app("blog")))
    );
    assert_eq!(
        parse("storage:report blog"),
        Ok(SshCommand::StorageList(app("blog")))
    );
    for bad in [
        "storage:mount blog",
        "storage:mount blog a:/a b:/b",
        "storage:unmount blog",
        "storage:list",
    ] {
        assert!(
            matches!(parse(bad), Err(SshCommandError::Usage(_))),
            "{bad}"
        );
    }
    assert!(matches!(
        parse("storage:mount Bad /a:/b"),
        Err(SshCommandError::App(_))
    ));
}

#[test]
fn anything_else_is_refused() {
    for line in [
        "bash",
        "rm -rf /",
        "sh -c 'id'",
        "git-upload-archive blog",
        "scp -t /",
    ] {
        let err = parse(line).unwrap_err();
        assert!(matches!(err, SshCommandError::NotAllowed(_)), "{line}");
        assert!(err.to_string().contains("command not allowed"), "{err}");
    }
    assert_eq!(parse("echo 'open"), Err(SshCommandError::Quote));
}

#[test]
fn only_the_listed_commands_reach_the_grammar() {
    for line in [
        "server",
        "init",
        "keys list",
        "tokens create x",
        "deploy .",
        "push http://x",
        "logs blog",
        "certs",
        "limits set blog web --memory 1g",
        "cron blog",
        "ssh-command other",
        "git-hook blog",
        "scale blog web=2",
        "apps:frobnicate",
        "services:frobnicate db",
    ] {
        assert!(
            matches!(parse(line), Err(SshCommandError::NotAllowed(_))),
            "{line}: {:?}",
            parse(line)
        );
    }
    // The command line's own options belong to the forced command, not to the client.
    for line in [
        "ps --data-dir /tmp blog",
        "ps blog --server http://example.com",
        "apps:list --token x",
        "services --json",
    ] {
        assert!(
            matches!(parse(line), Err(SshCommandError::UnknownFlag { .. })),
            "{line}: {:?}",
            parse(line)
        );
    }
}

#[test]
fn usage_and_help_come_from_the_command_lines_grammar() {
    let err = parse("config:set blog").unwrap_err().to_string();
    assert_eq!(
        err,
        "usage: config:set [--encoded] [--no-restart] APP KEY=VALUE... (<KEY=VALUE>... is missing)"
    );
    let err = parse("services link db").unwrap_err().to_string();
    assert_eq!(err, "usage: services link NAME APP (<APP> is missing)");
    let list = allowed();
    for form in FORMS {
        assert!(
            list.contains(&format!("\n  {} ", form.names[0]))
                || list.contains(&format!("\n  {}\n", form.names[0])),
            "{}",
            form.names[0]
        );
    }
    // Each line says what `wharf`'s own subcommand says it does.
    assert!(list.contains("ps:scale [--skip-deploy] APP PROCESS=COUNT...\n      Set how many containers run each process\n"), "{list}");
    assert!(
        list.contains("config:get [--merged] [--quoted] APP KEY\n"),
        "{list}"
    );
}

#[test]
fn values_are_parsed_into_their_types_with_their_messages() {
    let invalid = |line: &str| match parse(line) {
        Err(SshCommandError::Invalid { message, .. }) => message,
        other => panic!("{line}: {other:?}"),
    };
    let domain = DomainName::parse("http://x.example.com").unwrap_err();
    assert!(invalid("domains:add blog http://x.example.com").contains(&domain.to_string()));
    let process = ProcessName::parse("Web").unwrap_err();
    assert!(invalid("ps:restart blog Web").contains(&process.to_string()));
    assert!(invalid("rollback blog latest").contains("`latest` is not a release"));
    let service = wharf_domain::ServiceName::parse("Bad_x").unwrap_err();
    assert!(invalid("services:link Bad_x blog").contains(&service.to_string()));
    assert!(invalid("redis:create wharf-cache").contains("reserved"));
    assert_eq!(
        parse("domains:add blog WWW.Blog.Example.com."),
        Ok(SshCommand::DomainsChange {
            change: DomainChange::Add,
            app: app("blog"),
            domains: vec![DomainName::parse("www.blog.example.com").unwrap()],
        })
    );
    assert_eq!(
        parse("rollback blog 3"),
        Ok(SshCommand::Rollback {
            app: app("blog"),
            version: ReleaseVersion::new(3),
        })
    );
}

#[test]
fn dokku_flags_end_where_the_command_begins() {
    assert_eq!(
        parse("run blog -- echo --force --merged --global"),
        Ok(SshCommand::Run {
            app: app("blog"),
            command: ["echo", "--force", "--merged", "--global"]
                .map(String::from)
                .to_vec(),
            detach: false,
            tty: true,
        })
    );
    assert_eq!(
        parse("apps:destroy blog --confirm blog"),
        Ok(SshCommand::AppsDestroy(app("blog")))
    );
    assert!(matches!(
        parse("apps:destroy blog --confirm other"),
        Err(SshCommandError::Usage(_))
    ));
}

#[test]
fn words_split_like_sh_without_expansion() {
    assert_eq!(
        split_words(r#"a 'b c' "d \"e\" $HOME" f\ g ''"#).unwrap(),
        vec!["a", "b c", "d \"e\" $HOME", "f g", ""]
    );
}
