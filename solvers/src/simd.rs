//! One switch for the vector paths of the crate: AVX2 where the CPU has it (detected once at run
//! time), the portable code otherwise or when forced.
//!
//! The vector paths run the *same* portable kernels compiled for 256-bit vectors (no FMA
//! contraction), so where a kernel's documentation says so the numbers are identical on both
//! paths; forcing the portable path is then a way to check that (or to profile).
//!
//! Force the portable path with the environment variable [`FORCE_PORTABLE_ENV`]` = 1` (read once,
//! at the first vector call) or, in-process, with [`force_portable`].
//!
//! ```
//! use mrdmft_solvers::simd::{force_portable, use_avx2};
//! force_portable(true);
//! assert!(!use_avx2());
//! force_portable(false); // back to run-time detection (and the environment variable)
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// Environment variable that forces the portable path when set to `1`.
pub const FORCE_PORTABLE_ENV: &str = "MRDMFT_FORCE_PORTABLE";

static FORCED: AtomicBool = AtomicBool::new(false);

/// Whether the CPU has AVX2 and the environment does not force the portable path (read once).
fn detected() -> bool {
    static AVX2: OnceLock<bool> = OnceLock::new();
    *AVX2.get_or_init(|| {
        let forced = std::env::var(FORCE_PORTABLE_ENV).is_ok_and(|v| v.trim() == "1");
        #[cfg(target_arch = "x86_64")]
        let has = std::arch::is_x86_feature_detected!("avx2");
        #[cfg(not(target_arch = "x86_64"))]
        let has = false;
        has && !forced
    })
}

/// Force the portable path (`true`) for the whole process, or return to run-time detection
/// (`false`; the environment variable still applies).
pub fn force_portable(on: bool) {
    FORCED.store(on, Ordering::Relaxed);
}

/// Whether the vector (AVX2) paths are used: the CPU has AVX2 and the portable path is not forced.
pub fn use_avx2() -> bool {
    !FORCED.load(Ordering::Relaxed) && detected()
}

/// Define a function that runs the portable kernel `$kernel` compiled for AVX2 where
/// [`use_avx2`] says so, and as is otherwise (same arithmetic, so the same numbers where the
/// kernel is free of FMA contraction, as every kernel of this crate).
macro_rules! avx2_dispatch {
    ($(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) => $kernel:path) => {
        $(#[$doc])*
        $vis fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                unsafe fn avx2($($arg: $ty),*) {
                    $kernel($($arg),*)
                }
                if $crate::simd::use_avx2() {
                    // SAFETY: `use_avx2` is true only where the CPU has AVX2 (run-time detection).
                    return unsafe { avx2($($arg),*) };
                }
            }
            $kernel($($arg),*)
        }
    };
}
pub(crate) use avx2_dispatch;
