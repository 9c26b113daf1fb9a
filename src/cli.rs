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
    /// Finite-N network simulation (SPEC E1-E5): CONFIG.json -> RESULT.json.
    Simulate {
        /// Config file with "model" and "network" sections.
        config: PathBuf,
        /// Result file.
        #[arg(short, long)]
        out: PathBuf,
        /// Also write each trial's arrays as .npy files into this directory.
        #[arg(long)]
        npy: Option<PathBuf>,
    },
    /// DMFT vs finite-N simulations at one or several N: result JSON and figure into DIR.
    Compare {
        /// Config file with "model", "network" and "dmft" sections.
        config: PathBuf,
        /// Output directory.
        #[arg(short, long, default_value = "compare_out")]
        out: PathBuf,
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
        Command::Simulate { config, out, npy } => {
            crate::commands::simulate::run(&config, &out, npy.as_deref(), progress)
        }
        Command::Compare { config, out } => crate::commands::compare::run(&config, &out, progress),
        Command::Validate { config } => crate::commands::validate::run(&config),
        Command::Plot { result, out } => crate::commands::plot::run(&result, out.as_deref()),
    }
}
