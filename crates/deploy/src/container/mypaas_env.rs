//! The variables MyPaas sets in every container of a service, which apps written for it read:
//! `MYPAAS_SERVICE` (the service's name: the app's), `MYPAAS_SCALE` (its `scale` setting),
//! `MYPAAS_PORT` (the port it is reached on) and `MYPAAS_CONTAINER` (the container's own name).
//! Wharf sets them in the containers of apps whose Dockerfile uses `mypaas.` settings, unless
//! the Dockerfile or the config vars set them already.

use wharf_domain::AppName;

/// Appends the MyPaas variables to `env` for a container called `container`, leaving alone
/// any the user set.
pub(crate) fn add_mypaas_env(
    env: &mut Vec<(String, String)>,
    app: &AppName,
    scale: u32,
    port: u16,
    container: &str,
) {
    let vars = [
        ("MYPAAS_SERVICE", app.to_string()),
        ("MYPAAS_SCALE", scale.to_string()),
        ("MYPAAS_PORT", port.to_string()),
        ("MYPAAS_CONTAINER", container.to_string()),
    ];
    for (name, value) in vars {
        if !env.iter().any(|(k, _)| k == name) {
            env.push((name.to_string(), value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_four_variables_are_added_unless_the_user_set_them() {
        let mut env = pairs(&[("PORT", "8080"), ("MYPAAS_SCALE", "mine")]);
        add_mypaas_env(
            &mut env,
            &AppName::parse("blog").unwrap(),
            2,
            8080,
            "wharf-blog-web-v3-1",
        );
        assert_eq!(
            env,
            pairs(&[
                ("PORT", "8080"),
                ("MYPAAS_SCALE", "mine"),
                ("MYPAAS_SERVICE", "blog"),
                ("MYPAAS_PORT", "8080"),
                ("MYPAAS_CONTAINER", "wharf-blog-web-v3-1"),
            ])
        );
    }
}
