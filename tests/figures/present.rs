//! What the figures draw beyond the paper's numbers: the convex barcodes and projections of
//! sets the counted draws lack (real polytopes, E17), the seeded t-SNE, and the label markup.

use crate::common::*;

use mrdmft::figures::convex::{self, search_set, tsne, Projection};
use mrdmft::figures::Preset;
use mrdmft::plot::math;
use mrdmft_solvers::polytope::{polytope, MASK_THRESHOLD};

#[test]
fn convex_barcodes_for_every_f_are_real_polytopes() {
    let mut cfg = convex::config(Preset::Quick).unwrap();
    // Too few R = 7 draws to hold f = 4 or 5: those barcodes come from the search.
    cfg.counts = vec![40, 20, 3];
    cfg.pca.f = vec![1];
    cfg.pca.batch = 16;
    let d = convex::compute(&cfg, Preset::Quick, &mrdmft::runs::Context::quiet()).unwrap();
    assert_eq!(d.barcodes.len(), cfg.barcode_f.len());
    for bc in &d.barcodes {
        assert!(bc.draw_index.is_some(), "no set for f = {}", bc.f);
        // The barcode is the E17 polytope of its b: same vertex count, fracture number, pattern.
        let p = polytope(&bc.b).unwrap();
        assert_eq!(p.fracture, bc.f);
        assert_eq!(p.vertices.len(), bc.shape[0], "f = {}", bc.f);
        assert_eq!(bc.shape[1], 21);
        let nz: Vec<Vec<u8>> = p
            .vertices
            .iter()
            .map(|v| v.iter().map(|&x| u8::from(x > MASK_THRESHOLD)).collect())
            .collect();
        assert_eq!(nz, bc.nonzero, "f = {}", bc.f);
        let full = (0..21)
            .filter(|&j| bc.nonzero.iter().all(|v| v[j] == 1))
            .count();
        assert_eq!(full, bc.f);
    }
    assert!(d.barcodes.iter().any(|b| b.searched));
    // The search is seeded: the same set again.
    let bc5 = d.barcodes.iter().find(|b| b.f == 5).unwrap();
    let (i, p) = search_set(&cfg.search, 7, 5, cfg.range).unwrap().unwrap();
    assert_eq!(Some(i), bc5.draw_index);
    assert_eq!(p.b, bc5.b);
}

#[test]
fn tsne_is_seeded_and_independent_of_threads() {
    // Two well separated clouds in 6 dimensions.
    let pts: Vec<Vec<f64>> = (0..40)
        .map(|k| {
            let c = if k < 20 { 0.0 } else { 10.0 };
            (0..6)
                .map(|j| c + ((k * 7 + j * 3) % 11) as f64 * 0.1)
                .collect()
        })
        .collect();
    let refs: Vec<&Vec<f64>> = pts.iter().collect();
    let a = pool(1).install(|| tsne(&refs, 30.0, 5).unwrap());
    let b = pool(2).install(|| tsne(&refs, 30.0, 5).unwrap());
    assert_eq!(a, b);
    assert_eq!(a.len(), 40);
    // The clouds stay apart: each point's nearest neighbour is in its own cloud.
    for i in 0..40 {
        let j = (0..40)
            .filter(|&j| j != i)
            .min_by(|&p, &q| {
                let d = |k: usize| (a[k][0] - a[i][0]).powi(2) + (a[k][1] - a[i][1]).powi(2);
                d(p).total_cmp(&d(q))
            })
            .unwrap();
        assert_eq!(i < 20, j < 20, "point {i}");
    }
}

#[test]
fn convex_default_projection_is_tsne() {
    let cfg = convex::config(Preset::Paper).unwrap();
    assert_eq!(cfg.pca.projection, Projection::Tsne);
}

#[test]
fn label_markup_renders_greek_and_scripts() {
    assert_eq!(math(r"S^{12}"), "S¹²");
    assert_eq!(math(r"\Delta(\tau)"), "Δ(τ)");
    assert_eq!(math(r"\psi^{-1}(1/b)"), "ψ⁻¹(1/b)");
    assert_eq!(math(r"Re \lambda_{1}"), "Re λ₁");
    // Identifiers with underscores are left alone.
    assert_eq!(math("make_T_from_uh"), "make_T_from_uh");
}
