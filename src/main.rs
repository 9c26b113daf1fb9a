//! The `mrdmft` binary: parse the command line, run, print the error chain and exit 1 on failure.

use clap::Parser;

fn main() {
    let cli = mrdmft::cli::Cli::parse();
    if let Err(e) = mrdmft::cli::run(cli) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
