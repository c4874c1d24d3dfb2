//! The dashboard's second factor in a real headless Chromium against a real daemon: `wharf
//! users totp NAME` turns it on (its secret read from the command's output, as a person
//! would type it into an authenticator app); after the right password the code step comes; a
//! wrong code is refused with a message, a code computed here as an app would (the same
//! RFC 6238 crate) signs in, a recovery code signs in once and not twice, a code already taken
//! is refused; `--disable` turns it off. Screenshots of the code step go to
//! target/screenshots/.

use super::dashboard::{ADMIN_PASSWORD, Browser, add_user};
use super::harness::*;
use totp_rs::{Algorithm, Secret, TOTP};

/// What `wharf users totp` printed: the URL, the secret and the recovery codes.
struct Enrollment {
    url: String,
    secret: String,
    recovery_codes: Vec<String>,
}

fn enrollment_from(output: &str) -> Enrollment {
    let field = |label: &str| {
        output
            .lines()
            .find_map(|line| line.strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label} in {output}"))
            .trim()
            .to_string()
    };
    Enrollment {
        url: field("URL:"),
        secret: field("Secret:"),
        recovery_codes: output
            .lines()
            .filter_map(|line| line.strip_prefix("  "))
            .map(|code| code.trim().to_string())
            .collect(),
    }
}

/// The code an authenticator app holding `secret` shows `offset` steps from now.
fn app_code(secret: &str, offset: i64) -> String {
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().unwrap();
    let totp = TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some("Wharf".into()),
        "ada".into(),
    )
    .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    totp.generate((now + offset * 30) as u64)
}

#[test]
fn a_user_with_totp_signs_in_with_a_code_or_a_recovery_code_once() {
    let d = Daemon::start();
    add_user(&d, "ada", ADMIN_PASSWORD, false);
    let missing = d.wharf(&["users", "totp", "nobody"]);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("there is no user named `nobody`"),
        "{}",
        stderr(&missing)
    );

    let enrollment = enrollment_from(&d.wharf_ok(&["users", "totp", "ada"]));
    assert!(
        enrollment.url.starts_with(&format!(
            "otpauth://totp/Wharf:ada?secret={}",
            enrollment.secret
        )),
        "{}",
        enrollment.url
    );
    assert_eq!(enrollment.recovery_codes.len(), 10);
    let list = d.wharf_ok(&["users", "list"]);
    let ada = list.lines().find(|l| l.starts_with("ada")).unwrap();
    assert!(ada.contains("totp"), "{list}");

    let base = format!("http://{}", d.api);
    block_on(async {
        let browser = Browser::start().await;
        browser.goto(&format!("{base}/sign-in?next=%2Fusers")).await;
        browser.sign_in("ada", ADMIN_PASSWORD).await;
        browser.wait_for_path("/sign-in/code").await;
        assert!(
            browser
                .text("#sign-in-as")
                .await
                .contains("Signing in as ada.")
        );
        // The password alone opened no session.
        assert!(
            browser
                .client()
                .get_named_cookie("wharf_session")
                .await
                .is_err()
        );
        let cookie = browser
            .client()
            .get_named_cookie("wharf_sign_in_code")
            .await
            .unwrap();
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(format!("{:?}", cookie.same_site()), "Some(Strict)");
        browser.screenshots("sign-in-code").await;

        // A wrong code: none of the steps around now.
        let near: Vec<String> = (-1..=1).map(|o| app_code(&enrollment.secret, o)).collect();
        let wrong = (0..)
            .map(|n: u32| {
                format!(
                    "{:06}",
                    (near[1].parse::<u32>().unwrap() + 1 + n) % 1_000_000
                )
            })
            .find(|code| !near.contains(code))
            .unwrap();
        browser.fill("#code", &wrong).await;
        browser.click("form button[type=submit]").await;
        assert_eq!(browser.path().await, "/sign-in/code");
        let error = browser.text("#sign-in-error").await;
        assert!(error.starts_with("Wrong code"), "{error}");
        browser.screenshots("sign-in-code-wrong").await;

        // The app's code now signs in, and leads where sign-in was asked from.
        let code = app_code(&enrollment.secret, 0);
        browser.fill("#code", &code).await;
        browser.click("form button[type=submit]").await;
        browser.wait_for_path("/users").await;
        let users = browser.text("#users").await;
        assert!(users.contains("2FA"), "{users}");
        let row = browser.text("#users tbody tr").await;
        assert!(row.contains("ada") && row.contains("on"), "{row}");
        browser.click("form.sign-out button").await;
        browser.wait_for_path("/sign-in").await;

        // A recovery code signs in once.
        let recovery = &enrollment.recovery_codes[0];
        browser.sign_in("ada", ADMIN_PASSWORD).await;
        browser.wait_for_path("/sign-in/code").await;
        browser.fill("#code", recovery).await;
        browser.click("form button[type=submit]").await;
        browser.wait_for_path("/").await;
        browser.click("form.sign-out button").await;
        browser.wait_for_path("/sign-in").await;

        browser.sign_in("ada", ADMIN_PASSWORD).await;
        browser.wait_for_path("/sign-in/code").await;
        browser.fill("#code", recovery).await;
        browser.click("form button[type=submit]").await;
        assert_eq!(browser.path().await, "/sign-in/code");
        assert!(
            browser
                .text("#sign-in-error")
                .await
                .starts_with("Wrong code")
        );
        // The app's code taken before is not taken again.
        browser.fill("#code", &code).await;
        browser.click("form button[type=submit]").await;
        assert_eq!(browser.path().await, "/sign-in/code");
        assert!(
            browser
                .text("#sign-in-error")
                .await
                .starts_with("Wrong code")
        );

        // Turned off: the password alone signs in again.
        let off = d.wharf_ok(&["users", "totp", "ada", "--disable"]);
        assert!(
            off.contains("Turned off the second factor of `ada`"),
            "{off}"
        );
        browser.sign_in_at(&base, "ada", ADMIN_PASSWORD).await;
        browser.close().await;
    });
}
