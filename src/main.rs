//! The `wenxun` binary: parses arguments and maps the outcome to an exit code.

use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    wenxun::cli::main()
}
