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
   twice; fma() is the C99 fused multiply-add, rounded once.

   Beside the recurrence, two text routines of a long CSV trace, each with a Python twin that gives the same
   result where the library is not built: reading plain numbers (adadelta_parse_f64, readers.py) and putting
   the step and parameter before each row of numbers (adadelta_csv_lines, writers.py). */

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef ADADELTA_SOURCE_SHA
#define ADADELTA_SOURCE_SHA "unknown"
#endif

/* The SHA-256 of this file when it was compiled: the loader refuses a library built from another version. */
const char *adadelta_kernel_source(void) { return ADADELTA_SOURCE_SHA; }

#define MAXIMIZE 1
#define COUPLED 2
#define DECOUPLED 4

/* One step for all n parameters. The flags are constants at each call below, so that every combination
   compiles to a loop without branches, which the compiler vectorizes. */
static inline __attribute__((always_inline)) void
step(int64_t n, const double *restrict g, double *restrict g_eff, const double *restrict eg2_prev,
     double *restrict eg2, const double *restrict edx2_prev, double *restrict edx2, double *restrict eta,
     double *restrict dx, const double *restrict x_prev, double *restrict x, double rho, double one_minus_rho,
     double eps, double lr, double wd, double decay, const int maximize, const int coupled, const int decoupled,
     const int store_g_eff)
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
        eta[i] = rate;
        dx[i] = d;
        edx2[i] = fma(one_minus_rho * d, d, edx2_prev[i] * rho);
        x[i] = fma(lr, d, decoupled ? x_prev[i] * decay : x_prev[i]);
    }
}

#define STEP(M, C, D, G)                                                                                      \
    step(n, gt, geff_t, eg2_prev, eg2_t, edx2_prev, edx2_t, eta_t, dx_t, x_prev, x_t, rho, one_minus_rho, eps, \
         lr, wd, decay, M, C, D, G)

/* Arrays are rows of n doubles, one after another. g: steps rows. The histories g_eff, eg2, edx2 (E[Δx²]_1 ... E[Δx²]_steps), eta, dx, x: steps rows each;
   g_eff is NULL where it equals g (neither maximize nor coupled weight decay). eg2_0, edx2_0, x_0: the state
   before step 1. */
void adadelta_f64(int64_t steps, int64_t n, const double *restrict g, double *restrict g_eff,
                  double *restrict eg2, double *restrict edx2, double *restrict eta, double *restrict dx,
                  double *restrict x, const double *restrict eg2_0, const double *restrict edx2_0,
                  const double *restrict x_0, double rho, double one_minus_rho, double eps, double lr, double wd,
                  double decay, int64_t flags)
{
    const int maximize = (flags & MAXIMIZE) != 0, coupled = (flags & COUPLED) != 0;
    const int decoupled = (flags & DECOUPLED) != 0;
    const double *eg2_prev = eg2_0, *edx2_prev = edx2_0, *x_prev = x_0;
    for (int64_t t = 0; t < steps; t++) {
        const double *gt = g + t * n;
        double *geff_t = g_eff ? g_eff + t * n : NULL;
        double *eg2_t = eg2 + t * n, *edx2_t = edx2 + t * n, *x_t = x + t * n;
        double *eta_t = eta + t * n, *dx_t = dx + t * n;
        if (!maximize && !coupled && !decoupled)
            STEP(0, 0, 0, 0);
        else if (!coupled && !decoupled)
            geff_t != NULL ? STEP(1, 0, 0, 1) : STEP(1, 0, 0, 0);
        else if (coupled)
            geff_t != NULL ? STEP(maximize, 1, 0, 1) : STEP(maximize, 1, 0, 0);
        else
            STEP(maximize, 0, 1, geff_t != NULL);
        eg2_prev = eg2_t;
        edx2_prev = edx2_t;
        x_prev = x_t;
    }
}

/* ---- Text ---------------------------------------------------------------------------------------------------- */

static const double POWERS_OF_TEN[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#ifdef __SIZEOF_INT128__
typedef unsigned __int128 u128;

static int
bit_length(u128 v)
{
    uint64_t high = (uint64_t)(v >> 64);
    return high ? 128 - __builtin_clzll(high) : (v ? 64 - __builtin_clzll((uint64_t)v) : 0);
}

/* w·10^e (1 <= w < 2^64, −19 <= e <= 19) rounded once to the nearest double, ties to even: the exact product, or
   the quotient of w·2^s by 10^−e with the remainder as a sticky bit, cut to 53 bits in integer arithmetic. The
   result is a normal double (1e−19 <= |w·10^e| < 2^128): scaling by a power of two is exact. */
static double
exact_quotient(uint64_t w, int e)
{
    static const uint64_t POW10[] = {1ULL,
                                     10ULL,
                                     100ULL,
                                     1000ULL,
                                     10000ULL,
                                     100000ULL,
                                     1000000ULL,
                                     10000000ULL,
                                     100000000ULL,
                                     1000000000ULL,
                                     10000000000ULL,
                                     100000000000ULL,
                                     1000000000000ULL,
                                     10000000000000ULL,
                                     100000000000000ULL,
                                     1000000000000000ULL,
                                     10000000000000000ULL,
                                     100000000000000000ULL,
                                     1000000000000000000ULL,
                                     10000000000000000000ULL};
    u128 q;
    int scale, sticky = 0;
    if (e >= 0) {
        q = (u128)w * POW10[e];
        scale = 0;
    } else {
        int s = 127 - bit_length((u128)w);
        u128 n = (u128)w << s;
        q = n / POW10[-e];
        sticky = (n % POW10[-e]) != 0;
        scale = -s;
    }
    int length = bit_length(q);
    if (length <= 53 && !sticky)
        return ldexp((double)(uint64_t)q, scale);
    int shift = length - 54; /* keep 53 bits and the rounding bit */
    uint64_t kept;
    if (shift > 0) {
        sticky |= (q & (((u128)1 << shift) - 1)) != 0;
        kept = (uint64_t)(q >> shift);
    } else {
        kept = (uint64_t)(q << -shift);
    }
    uint64_t m = kept >> 1;
    if ((kept & 1) && (sticky || (m & 1)))
        m++;
    return ldexp((double)m, scale + shift + 1);
}
#endif

/* One number of the grammar [+-]?(digits[.digits?] | .digits)([eE][+-]?digits)? starting at *p, within [p, end).
   Returns 0 with *value correctly rounded (as Python's float() reads it) and *p past the number, or -1 where the
   text is not such a number, reads as an infinity, or reads as 0 although some digit is not 0 (Python's reader
   calls these errors). */
static int
parse_number(const char **p, const char *end, double *value)
{
    const char *s = *p, *start = s;
    int negative = 0;
    if (s < end && (*s == '+' || *s == '-'))
        negative = *s++ == '-';
    uint64_t mantissa = 0;
    int significant = 0, int_digits = 0, frac_digits = 0, nonzero = 0, dropped = 0;
    int exp10 = 0;
    for (; s < end && *s >= '0' && *s <= '9'; s++, int_digits++) {
        int d = *s - '0';
        nonzero |= d;
        if (significant < 19) {
            if (mantissa || d) {
                mantissa = mantissa * 10 + (uint64_t)d;
                significant++;
            }
        } else {
            exp10++;
            dropped |= d;
        }
    }
    if (s < end && *s == '.') {
        s++;
        for (; s < end && *s >= '0' && *s <= '9'; s++, frac_digits++) {
            int d = *s - '0';
            nonzero |= d;
            if (significant < 19) {
                if (mantissa || d) {
                    mantissa = mantissa * 10 + (uint64_t)d;
                    significant++;
                }
                exp10--;
            } else {
                dropped |= d;
            }
        }
    }
    if (int_digits + frac_digits == 0)
        return -1;
    if (s < end && (*s == 'e' || *s == 'E')) {
        const char *e = s + 1;
        int eneg = 0;
        if (e < end && (*e == '+' || *e == '-'))
            eneg = *e++ == '-';
        if (e >= end || *e < '0' || *e > '9')
            return -1;
        int64_t ev = 0;
        for (; e < end && *e >= '0' && *e <= '9'; e++)
            if (ev < 100000)
                ev = ev * 10 + (*e - '0');
        exp10 += (int)(eneg ? -ev : ev);
        s = e;
    }
    double v;
    if (FLT_EVAL_METHOD == 0 && !dropped && mantissa < ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22) {
        /* Clinger's fast path: both operands exact, so the one rounding of * or / is the correct one */
        v = (double)mantissa;
        v = exp10 < 0 ? v / POWERS_OF_TEN[-exp10] : v * POWERS_OF_TEN[exp10];
#ifdef __SIZEOF_INT128__
    } else if (!dropped && mantissa != 0 && exp10 >= -19 && exp10 <= 19) {
        v = exact_quotient(mantissa, exp10);
#endif
    } else {
        char buffer[512];
        size_t length = (size_t)(s - start);
        if (length >= sizeof buffer)
            return -1; /* a very long number: read by Python's own reader */
        memcpy(buffer, start, length);
        buffer[length] = 0;
        char *stop;
        v = strtod(buffer, &stop);
        if (stop != buffer + length)
            return -1;
        negative = 0; /* strtod read the sign */
    }
    if (negative)
        v = -v;
    if (isinf(v) || isnan(v) || (v == 0 && nonzero))
        return -1;
    *value = v;
    *p = s;
    return 0;
}

/* Rows of plain numbers from len bytes of text: each line holds width cells separated by sep (',', ';' or '\t';
   0: runs of spaces and tabs), each cell a number with spaces (and, but between tab-separated cells, tabs) around
   it; lines end with "\n" or "\r\n" (the last may end with the text). Writes up to max_rows × width doubles to
   out and returns the number of rows, or -1 at anything else: a blank line, a comment, a character outside the
   grammar, a missing or extra cell, a number out of range, more rows than max_rows. Python's careful reader then
   reads the text and says what is wrong where; the values of what this reads are the ones it would read. */
int64_t adadelta_parse_f64(const char *text, int64_t len, int64_t width, int64_t sep, double *out,
                           int64_t max_rows)
{
    const struct lconv *conventions = localeconv();
    if (conventions == NULL || strcmp(conventions->decimal_point, ".") != 0)
        return -1; /* strtod would read another decimal point */
    const char *p = text, *end = text + len;
    int64_t rows = 0;
    while (p < end) {
        if (rows >= max_rows)
            return -1;
        for (int64_t j = 0; j < width; j++) {
            while (p < end && (*p == ' ' || (*p == '\t' && sep != '\t')))
                p++;
            if (parse_number(&p, end, out + rows * width + j) != 0)
                return -1;
            while (p < end && (*p == ' ' || (*p == '\t' && sep != '\t')))
                p++;
            if (j + 1 < width) {
                if (sep != 0) {
                    if (p >= end || *p != (char)sep)
                        return -1;
                    p++;
                } else if (p >= end || (p[-1] != ' ' && p[-1] != '\t')) {
                    return -1; /* whitespace-separated cells need whitespace between them */
                }
            }
        }
        if (p < end && *p == '\r')
            p++;
        if (p < end) {
            if (*p != '\n')
                return -1;
            p++;
        }
        rows++;
    }
    return rows;
}

/* CSV lines from orjson's text of a rows × k matrix of numbers ("[[a,b],[c,d]]"): row i becomes
   "t,param,a,b\n", t = first_t + i / size, param the (i mod size)-th of the size cells in names (each written
   as ",cell,", cell i from ends[i] to ends[i + 1]). Returns the bytes written to out (at most cap), or -1 where
   the text is not such a matrix or out is too small. */
int64_t adadelta_csv_lines(const char *src, int64_t len, int64_t rows, int64_t first_t, int64_t size,
                           const char *names, const int64_t *ends, char *out, int64_t cap)
{
    const char *p = src, *end = src + len;
    char *o = out, *stop = out + cap;
    if (rows == 0)
        return len == 2 && p[0] == '[' && p[1] == ']' ? 0 : -1;
    if (len < 4 || p[0] != '[' || p[1] != '[' || first_t < 0 || size < 1)
        return -1;
    p += 2;
    int64_t t = first_t, j = 0;
    char label[24];
    int label_length = 0;
    for (int64_t r = 0; r < rows; r++) {
        if (j == 0) {
            char digits[24];
            int count = 0;
            uint64_t v = (uint64_t)t;
            do {
                digits[count++] = (char)('0' + v % 10);
                v /= 10;
            } while (v);
            for (int i = 0; i < count; i++)
                label[i] = digits[count - 1 - i];
            label_length = count;
        }
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (close == NULL)
            return -1;
        int64_t name_length = ends[j + 1] - ends[j];
        int64_t row_length = close - p;
        if (stop - o < label_length + name_length + row_length + 1)
            return -1;
        memcpy(o, label, (size_t)label_length);
        o += label_length;
        memcpy(o, names + ends[j], (size_t)name_length);
        o += name_length;
        memcpy(o, p, (size_t)row_length);
        o += row_length;
        *o++ = '\n';
        p = close + 1;
        if (r + 1 < rows) {
            if (end - p < 2 || p[0] != ',' || p[1] != '[')
                return -1;
            p += 2;
        }
        if (++j == size) {
            j = 0;
            t++;
        }
    }
    if (end - p != 1 || *p != ']')
        return -1;
    return o - out;
}
