//! The Go image, in two stages: `golang:1.N` downloads the modules (go.mod and go.sum first,
//! in a layer of their own) and builds a static binary (no cgo, so it needs no C library);
//! only the binary reaches `debian:trixie-slim`, a small Debian with a shell, so the
//! compiler, the module cache and the source stay behind. The CA certificates come from the
//! build image, so the app can make HTTPS requests.

use super::web_cmd;
use crate::{APP_PORT, GoApp};

/// The image the binary runs on.
pub const RUNTIME_IMAGE: &str = "debian:trixie-slim";

pub(super) fn render(app: &GoApp, out: &mut String) {
    out.push_str(&format!("\nFROM golang:{} AS build\n", app.version));
    out.push_str("WORKDIR /src\n");
    out.push_str(
        "# The modules first, in a layer of their own: a change to the code alone reuses it.\n",
    );
    let files = if app.go_sum {
        "go.mod go.sum"
    } else {
        "go.mod"
    };
    out.push_str(&format!("COPY {files} ./\n"));
    out.push_str("RUN go mod download\n");
    out.push_str("COPY . .\n");
    out.push_str(&format!(
        "RUN CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /out/app {}\n",
        app.main_package
    ));

    out.push_str(&format!("\nFROM {RUNTIME_IMAGE}\n"));
    out.push_str(
        "COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\n",
    );
    out.push_str("RUN useradd --create-home --shell /usr/sbin/nologin app\n");
    out.push_str("COPY --from=build /out/app /usr/local/bin/app\n");
    out.push_str(&format!("ENV PORT={APP_PORT}\n"));
    out.push_str("USER app\n");
    out.push_str("WORKDIR /home/app\n");
    out.push_str(&format!("EXPOSE {APP_PORT}\n"));
    out.push_str(&web_cmd(
        app.procfile_web.as_deref(),
        "CMD [\"/usr/local/bin/app\"]\n",
    ));
}
