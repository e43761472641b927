/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the least-squares line through many lines of sight (see
 * linefit.h). */
#include "linefit.h"

#include <stdlib.h>
#include <string.h>

void
meteor_smallest_eigenvector (double m[3][3], double v_out[3], double lambda[3])
{
  double v[3][3] = { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };
  int sweep, p, q, k, order[3] = { 0, 1, 2 };

  /* cyclic Jacobi: a 3x3 is diagonal to double precision in a few sweeps */
  for (sweep = 0; sweep < 50; sweep++) {
    if (fabs (m[0][1]) + fabs (m[0][2]) + fabs (m[1][2]) < 1e-300)
      break;
    for (p = 0; p < 2; p++)
      for (q = p + 1; q < 3; q++) {
        double theta, t, c, s, a, b;

        if (m[p][q] == 0.0)
          continue;
        theta = (m[q][q] - m[p][p]) / (2.0 * m[p][q]);
        t = (theta >= 0 ? 1.0 : -1.0) /
            (fabs (theta) + sqrt (theta * theta + 1.0));
        c = 1.0 / sqrt (t * t + 1.0);
        s = t * c;
        for (k = 0; k < 3; k++) {
          a = m[k][p];
          b = m[k][q];
          m[k][p] = c * a - s * b;
          m[k][q] = s * a + c * b;
        }
        for (k = 0; k < 3; k++) {
          a = m[p][k];
          b = m[q][k];
          m[p][k] = c * a - s * b;
          m[q][k] = s * a + c * b;
        }
        for (k = 0; k < 3; k++) {
          a = v[k][p];
          b = v[k][q];
          v[k][p] = c * a - s * b;
          v[k][q] = s * a + c * b;
        }
      }
  }
  for (p = 0; p < 3; p++)
    for (q = p + 1; q < 3; q++)
      if (m[order[q]][order[q]] < m[order[p]][order[p]]) {
        k = order[p];
        order[p] = order[q];
        order[q] = k;
      }
  for (k = 0; k < 3; k++) {
    lambda[k] = m[order[k]][order[k]];
    v_out[k] = v[k][order[0]];
  }
  meteor_normalize (v_out);
}

int
meteor_solve4 (
    const double a[4][4], const double b[4], double x[4], double inverse[4][4])
{
  double m[4][9];
  int i, j, k, piv;

  /* Gauss-Jordan with partial pivoting on [a | I | b] */
  for (i = 0; i < 4; i++) {
    for (j = 0; j < 4; j++) {
      m[i][j] = a[i][j];
      m[i][4 + j] = i == j;
    }
    m[i][8] = b[i];
  }
  for (k = 0; k < 4; k++) {
    piv = k;
    for (i = k + 1; i < 4; i++)
      if (fabs (m[i][k]) > fabs (m[piv][k]))
        piv = i;
    if (!(fabs (m[piv][k]) > 0))
      return 0;
    for (j = 0; j < 9; j++) {
      double tmp = m[k][j];

      m[k][j] = m[piv][j];
      m[piv][j] = tmp;
    }
    for (j = 8; j >= k; j--)
      m[k][j] /= m[k][k];
    for (i = 0; i < 4; i++) {
      double f = m[i][k];

      if (i == k || f == 0.0)
        continue;
      for (j = k; j < 9; j++)
        m[i][j] -= f * m[k][j];
    }
  }
  for (i = 0; i < 4; i++) {
    x[i] = m[i][8];
    if (inverse)
      for (j = 0; j < 4; j++)
        inverse[i][j] = m[i][4 + j];
  }
  return 1;
}

double
meteor_ray_distance (const MeteorLine *line, const MeteorRay *r, double *sine)
{
  double n[3], q[3];
  int i;

  meteor_cross (line->d, r->u, n);
  *sine = meteor_normalize (n);
  for (i = 0; i < 3; i++)
    q[i] = line->p[i] - r->s[i];
  return meteor_dot (q, n);
}

void
meteor_ray_closest (
    const MeteorLine *line, const MeteorRay *r, double *s, double *range)
{
  double w[3], b = meteor_dot (line->d, r->u), den = 1.0 - b * b, dw, uw;
  int i;

  for (i = 0; i < 3; i++)
    w[i] = line->p[i] - r->s[i];
  dw = meteor_dot (line->d, w);
  uw = meteor_dot (r->u, w);
  *s = (b * uw - dw) / den;
  *range = (uw - b * dw) / den;
}

double
meteor_line_cost (const MeteorLine *line, const MeteorRay *rays, size_t n)
{
  double sum = 0, g, r;
  size_t k;

  for (k = 0; k < n; k++)
    if (rays[k].used) {
      r = meteor_ray_distance (line, &rays[k], &g);
      sum += r * r;
    }
  return sum;
}

void
meteor_line_axes (const MeteorLine *line, double e1[3], double e2[3])
{
  double ref[3] = { 0, 0, 0 };
  const double *d = line->d;

  /* any axis far from d will do; the same d gives the same axes */
  ref[fabs (d[0]) < 0.6 ? 0 : (fabs (d[1]) < 0.6 ? 1 : 2)] = 1.0;
  meteor_cross (d, ref, e1);
  meteor_normalize (e1);
  meteor_cross (d, e1, e2);
}

/* @line turned and shifted by @x (meteor_line_step's unknowns) */
static void
moved (const MeteorLine *line, const double x[4], MeteorLine *out)
{
  double e1[3], e2[3];
  int i;

  meteor_line_axes (line, e1, e2);
  for (i = 0; i < 3; i++) {
    out->d[i] = line->d[i] + x[0] * e1[i] + x[1] * e2[i];
    out->p[i] = line->p[i] + x[2] * e1[i] + x[3] * e2[i];
  }
  meteor_normalize (out->d);
}

double
meteor_line_step (
    MeteorLine *line, const MeteorRay *rays, size_t n, double normal[4][4])
{
  double e1[3], e2[3], jtr[4] = { 0 }, step[4], x[4], c0, c1, scale = 1.0;
  MeteorLine next;
  size_t k;
  int i, j, tries;

  memset (normal, 0, sizeof (double[4][4]));
  meteor_line_axes (line, e1, e2);
  for (k = 0; k < n; k++) {
    const MeteorRay *ry = &rays[k];
    double g, r, q[3], uq[3], du = meteor_dot (line->d, ry->u), jac[4];

    if (!ry->used)
      continue;
    r = meteor_ray_distance (line, ry, &g);
    for (i = 0; i < 3; i++)
      q[i] = line->p[i] - ry->s[i];
    meteor_cross (ry->u, q, uq);
    /* r = (p - s).(d x u) / |d x u|, differentiated by turning d towards
     * e1 (e2) and moving p along e1 (e2) */
    jac[0] =
        meteor_dot (uq, e1) / g + r * du * meteor_dot (e1, ry->u) / (g * g);
    jac[1] =
        meteor_dot (uq, e2) / g + r * du * meteor_dot (e2, ry->u) / (g * g);
    meteor_cross (line->d, ry->u, q);
    meteor_normalize (q);
    jac[2] = meteor_dot (e1, q);
    jac[3] = meteor_dot (e2, q);
    for (i = 0; i < 4; i++) {
      jtr[i] -= jac[i] * r;
      for (j = 0; j < 4; j++)
        normal[i][j] += jac[i] * jac[j];
    }
  }
  if (!meteor_solve4 ((const double (*)[4])normal, jtr, step, NULL))
    return -1;
  c0 = meteor_line_cost (line, rays, n);
  /* halve a step that makes things worse (far from the minimum) */
  for (tries = 0; tries < 30; tries++, scale *= 0.5) {
    for (i = 0; i < 4; i++)
      x[i] = scale * step[i];
    moved (line, x, &next);
    c1 = meteor_line_cost (&next, rays, n);
    if (c1 <= c0)
      break;
  }
  if (tries == 30)
    return 0; /* at the minimum as far as doubles tell */
  *line = next;
  return scale * (fabs (step[0]) + fabs (step[1]) +
                     (fabs (step[2]) + fabs (step[3])) / 1e5);
}

double
meteor_line_speed (
    const MeteorLine *line, const MeteorRay *rays, size_t n, double *sigma)
{
  double stt = 0, sts = 0, res = 0, v, range, g, *s, *w, *sums;
  size_t k, i, used = 0, n_obs = 0, n_groups = 0;

  for (k = 0; k < n; k++)
    n_obs = rays[k].obs + 1 > n_obs ? rays[k].obs + 1 : n_obs;
  s = calloc (n, sizeof (double));
  w = calloc (n, sizeof (double));
  /* per station: sum of weights, weighted sums of t and s */
  sums = calloc (3 * n_obs, sizeof (double));
  if (s == NULL || w == NULL || sums == NULL)
    abort ();
  /* a sight's error along the line is its angular error times its range
   * over the sine of its angle to the line: weights 1 / its square */
  for (k = 0; k < n; k++) {
    if (!rays[k].used)
      continue;
    meteor_ray_distance (line, &rays[k], &g);
    meteor_ray_closest (line, &rays[k], &s[k], &range);
    range = fmax (fabs (range), 1.0);
    w[k] = g * g / (range * range);
    i = rays[k].obs;
    n_groups += sums[3 * i] == 0;
    sums[3 * i] += w[k];
    sums[3 * i + 1] += w[k] * rays[k].t;
    sums[3 * i + 2] += w[k] * s[k];
    used++;
  }
  for (i = 0; i < n_obs; i++)
    if (sums[3 * i] > 0) {
      sums[3 * i + 1] /= sums[3 * i];
      sums[3 * i + 2] /= sums[3 * i];
    }
  /* one slope, each station its own offset: a station's clock error, and
   * the along-line shift the line's own error gives its points, drop out */
  for (k = 0; k < n; k++) {
    double dt = rays[k].t - sums[3 * rays[k].obs + 1];

    stt += w[k] * dt * dt;
    sts += w[k] * dt * (s[k] - sums[3 * rays[k].obs + 2]);
  }
  v = stt > 0 ? sts / stt : 0;
  for (k = 0; k < n; k++)
    res += w[k] * pow (s[k] - sums[3 * rays[k].obs + 2] -
                           v * (rays[k].t - sums[3 * rays[k].obs + 1]),
                      2);
  /* a sight's variance is sigma0^2 / its weight: res over the degrees of
   * freedom estimates sigma0^2 */
  if (sigma)
    *sigma = used > n_groups + 1 && stt > 0
                 ? sqrt (res / (used - n_groups - 1) / stt)
                 : NAN;
  free (s);
  free (w);
  free (sums);
  return v;
}

double
meteor_line_variance (const MeteorLine *line, const double cov[4][4],
    MeteorLineFunc f, const void *data)
{
  /* radians, radians, metres, metres: well inside the linear range */
  static const double h[4] = { 1e-6, 1e-6, 0.1, 0.1 };
  double grad[4], var = 0;
  int i, j;

  for (i = 0; i < 4; i++) {
    double x[4] = { 0, 0, 0, 0 };
    MeteorLine plus, minus;

    x[i] = h[i];
    moved (line, x, &plus);
    x[i] = -h[i];
    moved (line, x, &minus);
    grad[i] = (f (&plus, data) - f (&minus, data)) / (2 * h[i]);
  }
  for (i = 0; i < 4; i++)
    for (j = 0; j < 4; j++)
      var += grad[i] * cov[i][j] * grad[j];
  return var;
}
