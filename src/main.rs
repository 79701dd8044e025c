//! The `wenxun` binary: parses arguments and maps the outcome to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    wenxun::cli::main()
}
