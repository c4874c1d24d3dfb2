//! The `wharf` binary: parse the command line and hand it to `wharf-cli`.

fn main() -> std::process::ExitCode {
    wharf_cli::main()
}
