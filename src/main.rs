//! The `wenxun` binary: parses arguments and maps the outcome to an exit code.

use std::process::ExitCode;

// The check allocates per document (blocks, hit lists, scopes); with the system
// allocator that cost a fifth of its time (README, 性能).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    wenxun::cli::main()
}
