/* The float64 Adadelta recurrence of adadelta_cli.core.sequential, one pass over the parameters per step.

   Same operations in the same order as the numpy code in core.py, each rounded once as IEEE 754 rounds it,
   so the two agree bit for bit:

       g_eff   = ±g  (+ fma(wd, x_prev, g_eff) with coupled weight decay)
       E[g²]   = fma((1−ρ)·g_eff, g_eff, E[g²]_prev·ρ)          PyTorch's mul_(ρ).addcmul_(g, g, value=1−ρ)
       η       = √(E[Δx²]_prev + ε) / √(E[g²] + ε)
       Δx      = −(η·g_eff)
       E[Δx²]  = fma((1−ρ)·Δx, Δx, E[Δx²]_prev·ρ)
       x       = fma(lr, Δx, x_prev)            (x_prev·decay first, with decoupled weight decay)

   Built with -ffp-contract=off: the compiler never fuses a multiply and an add that the numpy code rounds
   twice; fma() is the C99 fused multiply-add, rounded once. On x86-64 a clone for x86-64-v3 (AVX2, FMA)
   is chosen at load time where the processor has it. */

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#ifndef ADADELTA_SOURCE_SHA
#define ADADELTA_SOURCE_SHA "unknown"
#endif

/* The SHA-256 of this file when it was compiled: the loader refuses a library built from another version. */
const char *adadelta_kernel_source(void) { return ADADELTA_SOURCE_SHA; }

#define MAXIMIZE 1
#define COUPLED 2
#define DECOUPLED 4

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(ADADELTA_NO_CLONES)
#define CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CLONES
#endif

/* One step for all n parameters. The flags are constants at each call below, so that every combination
   compiles to a loop without branches, which the compiler vectorizes. */
static inline __attribute__((always_inline)) void
step(int64_t n, const double *restrict g, double *restrict g_eff, const double *restrict eg2_prev,
     double *restrict eg2, const double *restrict edx2_prev, double *restrict edx2, double *restrict eta,
     double *restrict dx, const double *restrict x_prev, double *restrict x, double rho, double one_minus_rho,
     double eps, double lr, double wd, double decay, const int maximize, const int coupled, const int decoupled,
     const int store_g_eff, const int store_derived)
{
    for (int64_t i = 0; i < n; i++) {
        double v = maximize ? -g[i] : g[i];
        if (coupled)
            v = fma(wd, x_prev[i], v);
        if (store_g_eff)
            g_eff[i] = v;
        double e = fma(one_minus_rho * v, v, eg2_prev[i] * rho);
        eg2[i] = e;
        double rate = sqrt(edx2_prev[i] + eps) / sqrt(e + eps);
        double d = -(rate * v);
        if (store_derived) {
            eta[i] = rate;
            dx[i] = d;
        }
        edx2[i] = fma(one_minus_rho * d, d, edx2_prev[i] * rho);
        x[i] = fma(lr, d, decoupled ? x_prev[i] * decay : x_prev[i]);
    }
}

#define STEP(M, C, D, G, S)                                                                                   \
    step(n, gt, geff_t, eg2_prev, eg2_t, edx2_prev, edx2_t, eta_t, dx_t, x_prev, x_t, rho, one_minus_rho, eps, \
         lr, wd, decay, M, C, D, G, S)

/* Arrays are rows of n doubles, each row starting ld doubles after the one before (ld = n for a whole array; a
   larger ld for a band of columns of a wider one, so that threads can share the columns).
   g: steps rows. g_eff: steps rows, or NULL where it equals g (neither maximize nor coupled weight decay).
   eg2, x: steps rows. eta, dx: steps rows, or both NULL (not stored). edx2: steps + 1 rows, row 0 holding
   E[Δx²]_0 on entry. eg2_0, x_0: the state before step 1 (n values each, from the band's first column). */
CLONES
void adadelta_f64(int64_t steps, int64_t n, int64_t ld, const double *restrict g, double *restrict g_eff,
                  double *restrict eg2, double *restrict edx2, double *restrict eta, double *restrict dx,
                  double *restrict x, const double *restrict eg2_0, const double *restrict x_0, double rho,
                  double one_minus_rho, double eps, double lr, double wd, double decay, int64_t flags)
{
    const int maximize = (flags & MAXIMIZE) != 0, coupled = (flags & COUPLED) != 0;
    const int decoupled = (flags & DECOUPLED) != 0, derived = eta != NULL && dx != NULL;
    const double *eg2_prev = eg2_0;
    const double *x_prev = x_0;
    for (int64_t t = 0; t < steps; t++) {
        const double *gt = g + t * ld;
        double *geff_t = g_eff ? g_eff + t * ld : NULL;
        double *eg2_t = eg2 + t * ld;
        const double *edx2_prev = edx2 + t * ld;
        double *edx2_t = edx2 + (t + 1) * ld;
        double *eta_t = derived ? eta + t * ld : NULL;
        double *dx_t = derived ? dx + t * ld : NULL;
        double *x_t = x + t * ld;
        if (!maximize && !coupled && !decoupled) {
            if (derived)
                STEP(0, 0, 0, 0, 1);
            else
                STEP(0, 0, 0, 0, 0);
        } else if (!coupled && !decoupled) {
            if (derived)
                STEP(1, 0, 0, 1, 1);
            else
                STEP(1, 0, 0, 1, 0);
        } else if (coupled) {
            if (derived)
                STEP(maximize, 1, 0, 1, 1);
            else
                STEP(maximize, 1, 0, 1, 0);
        } else {
            if (derived)
                STEP(maximize, 0, 1, geff_t != NULL, 1);
            else
                STEP(maximize, 0, 1, geff_t != NULL, 0);
        }
        eg2_prev = eg2_t;
        x_prev = x_t;
    }
}

/* η and Δx of count values from the kept E[Δx²]_{t−1}, E[g²]_t and g_eff: the same operations as in step(). */
CLONES
void adadelta_derive_f64(int64_t count, const double *restrict edx2_prev, const double *restrict eg2,
                         const double *restrict g_eff, double eps, double *restrict eta, double *restrict dx)
{
    for (int64_t i = 0; i < count; i++) {
        double rate = sqrt(edx2_prev[i] + eps) / sqrt(eg2[i] + eps);
        eta[i] = rate;
        dx[i] = -(rate * g_eff[i]);
    }
}
