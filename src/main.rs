//! The `mrdmft` binary: parse the command line, run, print the error chain and exit 1 on
//! failure. A panic (a bug, never expected from any input) prints one line naming the command
//! and exits 2; the backtrace only with `RUST_BACKTRACE` set.

use clap::{CommandFactory, Parser};

fn main() {
    let cli = mrdmft::cli::Cli::parse();
    let names: Vec<String> = mrdmft::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    let command = std::env::args()
        .skip(1)
        .find(|a| names.contains(a))
        .unwrap_or_default();
    let backtrace = std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0");
    std::panic::set_hook(Box::new(move |info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "error: internal error in `mrdmft {command}`: {what}{at}; this is a bug, please report it with the config (RUST_BACKTRACE=1 shows the backtrace)"
        );
        if backtrace {
            eprintln!("{}", std::backtrace::Backtrace::force_capture());
        }
        std::process::exit(2);
    }));
    if let Err(e) = mrdmft::cli::run(cli) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
