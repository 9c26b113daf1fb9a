//! `mrdmft compare CONFIG.json [-o DIR]`: the DMFT prediction (two-time integrator, E6-E9)
//! side by side with K finite-N simulations (E1-E5) at one or several N, and how the gap
//! closes as N grows ([`crate::runs::compare`], where the initial conditions and signs are
//! described).

use std::path::Path;

use crate::config::CompareConfig;
use crate::error::Result;
use crate::runs::Context;

/// The command: writes `<DIR>/<config stem>.json` and the figure `<DIR>/<config stem>.png/.svg`.
pub fn run(config: &Path, out_dir: &Path, ctx: &Context) -> Result<()> {
    run_preset(config, None, out_dir, ctx)
}

/// [`run`] after applying the config's preset `preset` (e.g. `paper`; `--preset`).
pub fn run_preset(
    config: &Path,
    preset: Option<&str>,
    out_dir: &Path,
    ctx: &Context,
) -> Result<()> {
    let stem = config
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "compare".into());
    let json = out_dir.join(format!("{stem}.json"));
    crate::io::refuse_overwriting_inputs(&json, &[config])?;
    crate::io::check_output_target(&json)?;
    let (cfg, valid) = crate::config::load::<CompareConfig>(config, preset)?;
    let mut res = crate::runs::compare::run(&cfg, valid, ctx)?;
    res.audit()?;
    crate::io::write_json(&json, &res)?;
    eprintln!(
        "compare: DMFT + {} size(s) x {} trial(s) in {:.1} s -> {}",
        res.sizes.len(),
        res.config.network.trials,
        res.wall_seconds,
        json.display()
    );
    super::print_warnings(&res.warnings);
    let (png, svg) = crate::plot::compare::plot_compare(&res, &out_dir.join(&stem))?;
    eprintln!("  figure: {} and {}", png.display(), svg.display());
    for s in &res.sizes {
        let stats: Vec<String> = s
            .stats
            .iter()
            .map(|x| format!("{} {:.4} +- {:.4}", x.observable, x.mean, x.se))
            .collect();
        let branches: Vec<String> = s
            .branches
            .iter()
            .map(|b| format!("{:?} x{}", b.signs, b.trials))
            .collect();
        eprintln!(
            "  N = {:>6}: {} (mean +- s.e.); branches {}",
            s.n,
            stats.join(", "),
            branches.join(" ")
        );
    }
    for f in &res.fits {
        eprintln!(
            "  fit {}: slope {:.3} +- {:.3}, 95 % [{:.3}, {:.3}] ({} sizes){}",
            f.observable,
            f.slope,
            f.se,
            f.ci[0],
            f.ci[1],
            f.points,
            if f.consistent {
                format!(", contains {}", f.expected)
            } else {
                String::new()
            }
        );
    }
    if let Some(sp) = &res.spectrum {
        for o in &sp.outliers {
            eprintln!(
                "  outlier: T_hat {:.3}{:+.3}i, J (N = {}) {:.3}{:+.3}i, distance {:.3}",
                o.predicted[0], o.predicted[1], sp.n, o.nearest[0], o.nearest[1], o.distance
            );
        }
    }
    Ok(())
}
