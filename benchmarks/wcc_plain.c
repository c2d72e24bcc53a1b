/* A plain C kernel of the windowed lagged cross-correlation: the baseline that
 * bench_wcc.py compiles with the system `cc` and times side by side with attunement's
 * numba kernel and NumPy path. Never part of the package.
 *
 * Same cells as attunement.wcc on series without missing values (rMEA's layout: window i
 * starts at i * step and spans win + lag samples; at lag k >= 0 x[s .. s + win) pairs with
 * y[s + k ..), at k < 0 the roles swap; NaN where a series is constant in the window).
 * What a plain kernel does: products summed into units of g = gcd(win, step) samples per
 * offset, window sums of units by a running sum, window statistics by running sums over
 * positions (of the series less its mean), r and, if asked, atanh capped at +-10. No
 * rounding guard, no missing values, no "2 differing values" rule: bench_wcc.py checks
 * that the values are equal to the package's anyway.
 */
#include <math.h>
#include <stdlib.h>

static long gcd(long a, long b) {
    while (b) {
        long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Window sum (tot) and 1 / root sum of squares about the mean (isd, NaN when constant)
 * of c[p .. p + win) at every position p < m. */
static void window_stats(const double *x, long n, long win, double *c, double *tot,
                         double *isd) {
    double mu = 0.0;
    for (long t = 0; t < n; t++) mu += x[t];
    mu /= n;
    for (long t = 0; t < n; t++) c[t] = x[t] - mu;
    long m = n - win + 1, changes = 0;
    double s = 0.0, ss = 0.0;
    for (long t = 0; t < win; t++) {
        s += c[t];
        ss += c[t] * c[t];
        if (t > 0) changes += x[t] != x[t - 1];
    }
    for (long p = 0; p < m; p++) {
        if (p > 0) {
            s += c[p + win - 1] - c[p - 1];
            ss += c[p + win - 1] * c[p + win - 1] - c[p - 1] * c[p - 1];
            changes += (x[p + win - 1] != x[p + win - 2]) - (x[p] != x[p - 1]);
        }
        double var = ss - s * s / win;
        tot[p] = s;
        isd[p] = (changes > 0 && var > 0) ? 1.0 / sqrt(var) : NAN;
    }
}

static double finish(double r, int fisher) {
    if (r != r) return r;
    if (r > 1.0) r = 1.0;
    if (r < -1.0) r = -1.0;
    if (!fisher) return r;
    if (r >= 1.0) return 10.0;
    if (r <= -1.0) return -10.0;
    double z = atanh(r);
    return z > 10.0 ? 10.0 : (z < -10.0 ? -10.0 : z);
}

/* out: (n_windows, 2 lag + 1), row-major. Returns 0, or -1 when memory ran out.
 * Loops run over offsets innermost (contiguous, so the compiler vectorises them): unit sums
 * (n_units, n_off), their running window sum (n_off) and r of one window at every offset. */
int wcc_plain(const double *x, const double *y, long n, long win, long lag, long step,
              long n_windows, int fisher, double *out) {
    long g = gcd(win, step), q = win / g, n_lags = 2 * lag + 1, n_off = lag + 1;
    long n_units = ((n_windows - 1) * step + win) / g, m = n - win + 1;
    double *c = malloc(sizeof(double) * (2 * n + 4 * m + (n_units + 1) * n_off));
    if (!c) return -1;
    double *cx = c, *cy = c + n, *tx = cy + n, *ix = tx + m, *ty = ix + m, *iy = ty + m;
    double *unit = iy + m, *sum = unit + n_units * n_off;
    window_stats(x, n, win, cx, tx, ix);
    window_stats(y, n, win, cy, ty, iy);
    for (int sign = 1; sign >= -1; sign -= 2) {
        const double *u = sign > 0 ? cx : cy, *v = sign > 0 ? cy : cx;
        const double *tu = sign > 0 ? tx : ty, *iu = sign > 0 ? ix : iy;
        const double *tv = sign > 0 ? ty : tx, *iv = sign > 0 ? iy : ix;
        for (long j = 0; j < n_units; j++) {
            double *p = unit + j * n_off;
            for (long a = 0; a < n_off; a++) p[a] = 0.0;
            for (long t = j * g; t < (j + 1) * g; t++)
                for (long a = 0; a < n_off; a++) p[a] += u[t] * v[t + a];
        }
        for (long a = 0; a < n_off; a++) sum[a] = 0.0;
        for (long j = 0; j < q; j++)
            for (long a = 0; a < n_off; a++) sum[a] += unit[j * n_off + a];
        long at = 0;
        for (long w = 0; w < n_windows; w++) {
            long s = w * step;
            for (; at < s / g; at++)
                for (long a = 0; a < n_off; a++)
                    sum[a] += unit[(at + q) * n_off + a] - unit[at * n_off + a];
            double *row = out + w * n_lags + lag;
            for (long a = sign > 0 ? 0 : 1; a < n_off; a++) {
                double r = (sum[a] - tu[s] * tv[s + a] / win) * iu[s] * iv[s + a];
                row[sign * a] = finish(r, fisher);
            }
        }
    }
    free(c);
    return 0;
}
