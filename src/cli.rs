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
    /// Also write the result's arrays and metadata as an .npz file (numpy: np.load) beside the
    /// JSON, for every command that writes a result (dmft, stationary, fixed-points, spectrum,
    /// polytope, simulate, compare, sample, sweep, merge).
    #[arg(long, global = true, value_name = "PATH")]
    pub npz: Option<PathBuf>,
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
    /// Two-time DMFT integrator (E6-E9): CONFIG.json -> RESULT.json.
    Dmft {
        /// Config file (see README, "Config files").
        config: PathBuf,
        /// Result file.
        #[arg(short, long)]
        out: PathBuf,
        /// Also write the arrays as .npy files into this directory.
        #[arg(long)]
        npy: Option<PathBuf>,
        /// Also draw the result to `<OUT stem>.png` and `.svg`.
        #[arg(long)]
        plot: bool,
    },
    /// Regenerate a figure of the paper (data JSON, PNG and SVG).
    Figure {
        /// Figure id (fig6, ...).
        id: String,
        /// Size preset.
        #[arg(long, value_enum, default_value = "quick")]
        preset: crate::figures::Preset,
        /// Output directory.
        #[arg(short, long, default_value = "figures/output")]
        out: PathBuf,
    },
    /// Stationary single-region theory and routing boundaries (E11-E13, E18).
    Stationary {
        /// Config file.
        config: PathBuf,
        /// Result file.
        #[arg(short, long)]
        out: PathBuf,
        /// Also draw the result to `<OUT stem>.png` and `.svg`.
        #[arg(long)]
        plot: bool,
    },
    /// Fixed points of the currents without disorder (E14).
    FixedPoints {
        /// Config file.
        config: PathBuf,
        /// Result file.
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Eigenvalues of T_hat, silencing, spectral dynamics, target-eigenvalue sampler (E16).
    Spectrum {
        /// Config file.
        config: PathBuf,
        /// Result file.
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Fixed-point polytope: vertices, masks, fracture number (E17).
    Polytope {
        /// Config file.
        config: PathBuf,
        /// Result file.
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Finite-N network simulation (E1-E5): CONFIG.json -> RESULT.json.
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
        /// Apply this preset of the config (e.g. `paper`: the large-N runs).
        #[arg(long)]
        preset: Option<String>,
    },
    /// Iterative sampling solver (EQUATIONS.md section 2.1): CONFIG.json -> RESULT.json.
    Sample {
        /// Config file with "model" and "sample" sections (see README).
        config: PathBuf,
        /// Result file.
        #[arg(short, long)]
        out: PathBuf,
        /// Also draw the result to `<OUT stem>.png` and `.svg`.
        #[arg(long)]
        plot: bool,
    },
    /// Check a config file without running it.
    Validate {
        /// Config file.
        config: PathBuf,
        /// Also print the expected peak memory and run time, and which settings dominate them.
        #[arg(long)]
        estimate: bool,
    },
    /// Draw a result file (PNG and SVG next to it, or at --out).
    Plot {
        /// Result file written by an mrdmft command.
        result: PathBuf,
        /// Output stem (default: the result path without extension).
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// Sweep results only: a second sweep result drawn as markers (overrides `plot.overlay`).
        #[arg(long)]
        overlay: Option<PathBuf>,
    },
    /// Parameter sweep / phase diagram: SWEEP.json -> OUT.json (checkpointed, resumable).
    Sweep {
        /// Sweep file (see README, "Sweeps").
        config: PathBuf,
        /// Result file.
        #[arg(short, long)]
        out: PathBuf,
        /// Run only shard i of n (0 <= i < n).
        #[arg(long)]
        shard: Option<String>,
        /// Apply a preset of the sweep file (e.g. quick, paper).
        #[arg(long)]
        preset: Option<String>,
        /// Stop after this many new points (rerun to resume).
        #[arg(long)]
        max_points: Option<usize>,
        /// Checkpoint file (default OUT.checkpoint.jsonl).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// Merge shard results of one sweep.
    Merge {
        /// Shard result files.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Merged result file.
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Write a SLURM job-array script running a sweep in shards, then a merge job.
    Slurm {
        /// Sweep file.
        config: PathBuf,
        /// Number of array tasks.
        #[arg(long)]
        tasks: usize,
        /// Script path (default SWEEP_STEM.sbatch).
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// Preset passed to every task.
        #[arg(long)]
        preset: Option<String>,
        /// Directory of shard results and logs (default SWEEP_STEM_shards).
        #[arg(long)]
        out_dir: Option<PathBuf>,
        /// Merged result (default SWEEP_STEM_result.json).
        #[arg(long)]
        merged: Option<PathBuf>,
        /// CPUs per task.
        #[arg(long, default_value_t = 2)]
        cpus_per_task: usize,
        /// Time limit per task (e.g. 06:00:00).
        #[arg(long)]
        time: Option<String>,
        /// Partition (`#SBATCH --partition`).
        #[arg(long)]
        partition: Option<String>,
        /// Account (`#SBATCH --account`).
        #[arg(long)]
        account: Option<String>,
        /// Memory per task (`#SBATCH --mem`, e.g. 8G).
        #[arg(long)]
        mem: Option<String>,
        /// A further `#SBATCH` line as --name=value (repeatable, e.g. --sbatch=--qos=long).
        #[arg(
            long = "sbatch",
            value_name = "--NAME=VALUE",
            allow_hyphen_values = true
        )]
        sbatch: Vec<String>,
    },
}

impl Command {
    /// The JSON result file this command writes, if it writes one (`--npz` converts it).
    pub fn result_file(&self) -> Option<PathBuf> {
        match self {
            Command::Dmft { out, .. }
            | Command::Stationary { out, .. }
            | Command::FixedPoints { out, .. }
            | Command::Spectrum { out, .. }
            | Command::Polytope { out, .. }
            | Command::Simulate { out, .. }
            | Command::Sample { out, .. }
            | Command::Sweep { out, .. }
            | Command::Merge { out, .. } => Some(out.clone()),
            Command::Compare { config, out, .. } => {
                Some(crate::commands::compare_result_file(config, out))
            }
            _ => None,
        }
    }
}

/// Execute a parsed command line; with `--npz`, also write the result's arrays.
pub fn run(mut cli: Cli) -> Result<()> {
    let Some(npz) = cli.npz.take() else {
        return dispatch(cli);
    };
    let json = cli.command.result_file();
    crate::commands::check_npz_target(&npz, json.as_deref())?;
    dispatch(cli)?;
    if let Some(json) = json {
        crate::commands::write_npz(&json, &npz)?;
    }
    Ok(())
}

/// With `--plot`, plot the result file `out` just written.
fn plot_if(plot: bool, out: &std::path::Path) -> Result<()> {
    if plot {
        crate::commands::plot::run(out, None)?;
    }
    Ok(())
}

fn dispatch(cli: Cli) -> Result<()> {
    if let Some(n) = cli.threads {
        // More threads than cores only costs memory and start-up time (100000 threads take
        // minutes to spawn): clamp to 4 x the cores, saying so.
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        let ceiling = (4 * cores).max(4);
        let n = if n > ceiling {
            eprintln!(
                "warning: --threads {n} is more than 4 x the {cores} available cores; using {ceiling}"
            );
            ceiling
        } else {
            n
        };
        // Only fails if a pool already exists, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    let ctx = crate::runs::Context::stderr(!cli.quiet);
    let ctx = &ctx;
    match cli.command {
        Command::Demo { out } => crate::commands::demo::run(&out, ctx),
        Command::Dmft {
            config,
            out,
            npy,
            plot,
        } => {
            crate::commands::dmft::run(&config, &out, npy.as_deref(), ctx)?;
            plot_if(plot, &out)
        }
        Command::Figure { id, preset, out } => crate::figures::run(&id, preset, &out, ctx),
        Command::Stationary { config, out, plot } => {
            crate::commands::stationary::run(&config, &out, ctx)?;
            plot_if(plot, &out)
        }
        Command::FixedPoints { config, out } => {
            crate::commands::fixed_points::run(&config, &out, ctx)
        }
        Command::Spectrum { config, out } => crate::commands::spectrum::run(&config, &out, ctx),
        Command::Polytope { config, out } => crate::commands::polytope::run(&config, &out, ctx),
        Command::Simulate { config, out, npy } => {
            crate::commands::simulate::run(&config, &out, npy.as_deref(), ctx)
        }
        Command::Compare {
            config,
            out,
            preset,
        } => crate::commands::compare::run_preset(&config, preset.as_deref(), &out, ctx),
        Command::Sample { config, out, plot } => {
            crate::commands::sample::run(&config, &out, ctx)?;
            plot_if(plot, &out)
        }
        Command::Validate { config, estimate } => {
            crate::commands::validate::run(&config)?;
            if estimate {
                crate::commands::validate::estimate(&config)?;
            }
            Ok(())
        }
        Command::Plot {
            result,
            out,
            overlay,
        } => crate::commands::plot::run_with(&result, out.as_deref(), overlay.as_deref()),
        Command::Sweep {
            config,
            out,
            shard,
            preset,
            max_points,
            checkpoint,
        } => crate::commands::sweep::run(
            &config,
            &out,
            shard.as_deref(),
            preset.as_deref(),
            max_points,
            checkpoint,
            ctx,
        ),
        Command::Merge { inputs, out } => crate::commands::merge::run(&inputs, &out),
        Command::Slurm {
            config,
            tasks,
            out,
            preset,
            out_dir,
            merged,
            cpus_per_task,
            time,
            partition,
            account,
            mem,
            sbatch,
        } => crate::commands::slurm::run(
            &config,
            &crate::commands::slurm::SlurmArgs {
                tasks,
                out: out.as_deref(),
                preset: preset.as_deref(),
                out_dir: out_dir.as_deref(),
                merged: merged.as_deref(),
                cpus_per_task,
                time: time.as_deref(),
                partition: partition.as_deref(),
                account: account.as_deref(),
                mem: mem.as_deref(),
                extra: &sbatch,
            },
        ),
    }
}
