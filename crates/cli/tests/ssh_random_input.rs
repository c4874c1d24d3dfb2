//! Random input never makes the SSH command parser panic: arbitrary text, and command lines
//! built from its own words (commands, flags, app names, quotes).

use proptest::prelude::*;
use wharf_cli::{SshCommand, split_words};

/// Words the parser knows, some near misses, and quoting.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "git-receive-pack", "git-upload-pack", "git", "receive-pack", "'blog'", "blog",
            "/blog.git", "Blog", "apps:list", "apps:destroy", "--force", "releases", "rollback",
            "v3", "v0", "config", "config:show", "config:get", "config:keys", "config:set",
            "config:unset", "--encoded", "--no-restart", "--reveal", "--quoted", "--merged",
            "KEY=VALUE", "KEY=", "=x", "K=aGk=", "run", "run:detached", "--no-tty", "--detach",
            "-d", "--", "-e", "ps", "ps:report", "ps:scale", "--skip-deploy", "web=2", "web=-1",
            "ps:stop", "ps:start", "ps:restart", "storage:list", "storage:mount",
            "storage:unmount", "media:/app/media", "services", "services:create", "postgres",
            "postgres:create", "redis:link", "--version", "16", "--confirm", "help", "",
        ])
        .prop_map(str::to_owned),
        1 => ".{0,10}",
        1 => "[a-z]{1,8}".prop_map(|w| format!("\"{w} x\"")),
        1 => Just("'unterminated".to_owned()),
        1 => Just("\"also".to_owned()),
        1 => Just("back\\".to_owned()),
    ]
}

proptest! {
    #[test]
    fn any_text(text in ".{0,120}") {
        let _ = split_words(&text);
        let _ = SshCommand::parse(Some(&text));
    }

    #[test]
    fn command_lines_from_its_words(words in prop::collection::vec(word(), 0..7), sep in prop::sample::select(vec![" ", "  ", "\t"])) {
        let line = words.join(sep);
        if let Err(e) = SshCommand::parse(Some(&line)) {
            prop_assert!(!e.to_string().is_empty());
        }
    }
}
