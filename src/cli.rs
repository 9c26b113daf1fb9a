//! Command-line interface (clap derive). `main.rs` only calls [`run`].

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::error::Result;

/// DMFT of multiregion recurrent neural networks (Clark & Beiran): solvers, simulation, figures.
#[derive(Debug, Parser)]
#[command(name = "mrdmft", version, about, long_about = None)]
pub struct Cli {
    /// Number of worker threads (default: all cores). Results do not depend on it.
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    /// No progress bars.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the embedded default (a three-region DMFT run) and write a result and figures.
    Demo {
        /// Output directory.
        #[arg(short, long, default_value = "demo_out")]
        out: PathBuf,
    },
    /// Two-time DMFT integrator (SPEC E6-E9): CONFIG.json -> RESULT.json.
    Dmft {
        /// Config file (see README, "Config files").
        config: PathBuf,
        /// Result file.
        #[arg(short, long)]
        out: PathBuf,
        /// Also write the arrays as .npy files into this directory.
        #[arg(long)]
        npy: Option<PathBuf>,
        /// Also draw the result to <OUT stem>.png/.svg.
        #[arg(long)]
        plot: bool,
    },
    /// Iterative sampling solver (SPEC section 2.1): CONFIG.json -> RESULT.json.
    Sample {
        /// Config file with "model" and "sample" sections (see README).
        config: PathBuf,
        /// Result file.
        #[arg(short, long)]
        out: PathBuf,
        /// Also draw the result to `<OUT stem>.png/.svg`.
        #[arg(long)]
        plot: bool,
    },
    /// Check a config file without running it.
    Validate {
        /// Config file.
        config: PathBuf,
    },
    /// Draw a result file (PNG and SVG next to it, or at --out).
    Plot {
        /// Result file written by an mrdmft command.
        result: PathBuf,
        /// Output stem (default: the result path without extension).
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
}

/// Execute a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    if let Some(n) = cli.threads {
        // Only fails if a pool already exists, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    let progress = !cli.quiet;
    match cli.command {
        Command::Demo { out } => crate::commands::demo::run(&out, progress),
        Command::Dmft {
            config,
            out,
            npy,
            plot,
        } => {
            crate::commands::dmft::run(&config, &out, npy.as_deref(), progress)?;
            if plot {
                crate::commands::plot::run(&out, None)?;
            }
            Ok(())
        }
        Command::Sample { config, out, plot } => {
            crate::commands::sample::run(&config, &out, progress)?;
            if plot {
                crate::commands::plot::run(&out, None)?;
            }
            Ok(())
        }
        Command::Validate { config } => crate::commands::validate::run(&config),
        Command::Plot { result, out } => crate::commands::plot::run(&result, out.as_deref()),
    }
}
