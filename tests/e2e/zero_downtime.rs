//! A client keeps sending requests through the proxy while a `scale = 2` app is redeployed ten
//! times; not one request may fail.

use super::harness::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[test]
fn ten_redeploys_of_a_scale_two_app_drop_no_request() {
    let d = Daemon::start();
    let app = unique("steady");
    let domain = format!("{app}.example.com");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}\n# wharf.scale = 2"),
        "release 0",
    );
    d.deploy_ok(dir.path());

    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (stop, proxy, domain) = (stop.clone(), d.http, domain.clone());
        spawn_on_runtime(async move {
            let client = http_client();
            let (mut ok, mut failures) = (0u64, Vec::new());
            let deadline = Instant::now() + Duration::from_secs(900);
            while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                match get_with(&client, proxy, &domain, "/").await {
                    Ok((200, body)) if body.starts_with("release ") => ok += 1,
                    other => failures.push(format!("{other:?}")),
                }
            }
            (ok, failures)
        })
    };

    for release in 1..=10 {
        std::fs::write(
            dir.path().join("www/index.html"),
            format!("release {release}"),
        )
        .unwrap();
        d.deploy_ok(dir.path());
    }
    stop.store(true, Ordering::Relaxed);
    let (ok, failures) = block_on(load).unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} requests failed: {:?}",
        failures.len(),
        ok as usize + failures.len(),
        &failures[..failures.len().min(10)]
    );
    assert!(
        ok > 100,
        "the client kept sending requests during the deploys ({ok})"
    );
    assert_eq!(d.get(&domain, "/").unwrap().1, "release 10");
    assert_eq!(d.containers(&app).len(), 2, "old replicas were removed");
}
