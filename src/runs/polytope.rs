//! The fixed-point polytope run (E17): checked config in, [`PolytopeResult`] out.

use std::collections::BTreeMap;
use std::time::Instant;

use mrdmft_solvers::polytope::{pairs, polytope, random_polytopes, Polytope, PolytopeDraw};

use super::Context;
use crate::config::{b_vector_error, Kind, PolytopeConfig, RandomSection};
use crate::error::Result;
use crate::results::{
    Envelope, FractureStats, PolytopeBody, PolytopeOut, PolytopeResult, RandomOut,
};

fn out_of(p: Polytope) -> PolytopeOut {
    PolytopeOut {
        pairs: pairs(p.b.len()),
        num_vertices: p.vertices.len(),
        b: p.b,
        a: p.a,
        vertices: p.vertices,
        mask_nz: p.mask_nz,
        mask_z: p.mask_z,
        fracture: p.fracture,
    }
}

/// Count, mean and (population) standard deviation of log10(number of vertices) per fracture
/// number over the non-empty draws, and the number of empty ones.
fn fracture_stats(draws: &[PolytopeDraw]) -> (Vec<FractureStats>, usize) {
    let mut by: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
    let mut empty = 0;
    for d in draws {
        if d.num_vertices == 0 {
            empty += 1;
        } else {
            by.entry(d.fracture)
                .or_default()
                .push((d.num_vertices as f64).log10());
        }
    }
    let stats = by
        .into_iter()
        .map(|(f, v)| {
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
            FractureStats {
                f,
                count: v.len(),
                mean_log10_vertices: Some(mean),
                std_log10_vertices: Some(var.sqrt()),
            }
        })
        .collect();
    (stats, empty)
}

/// The random batch of `polytope.random`: sorted $b \sim U(\text{range})^R$ per draw and the
/// vertex statistics per fracture number (E17).
fn random_batch(r: &RandomSection) -> Result<RandomOut> {
    let draws = random_polytopes(r.r, r.count, r.seed, (r.range[0], r.range[1]))?;
    let (by_fracture, empty) = fracture_stats(&draws);
    Ok(RandomOut {
        seed: r.seed,
        empty,
        by_fracture,
        draws: if r.store_draws { draws } else { Vec::new() },
    })
}

/// Enumerate the vertices, masks and fracture numbers of the fixed-point polytopes (E17) of a
/// checked config (`bs`, the explicit b vectors, from [`crate::config::Checked::check`]) and
/// of its random batch.
pub fn run(cfg: &PolytopeConfig, bs: Vec<Vec<f64>>, ctx: &Context) -> Result<PolytopeResult> {
    let start = Instant::now();
    let polytopes = bs
        .iter()
        .enumerate()
        .map(|(k, b)| {
            ctx.check()?;
            let p = polytope(b).map_err(|e| b_vector_error(e, k, bs.len()))?;
            Ok(out_of(p))
        })
        .collect::<Result<Vec<_>>>()?;
    ctx.check()?;
    let random = cfg.polytope.random.as_ref().map(random_batch).transpose()?;
    let body = PolytopeBody { polytopes, random };
    Ok(Envelope::new(
        Kind::Polytope,
        cfg.clone(),
        body,
        start.elapsed().as_secs_f64(),
    ))
}
