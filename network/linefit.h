/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the least-squares line through many lines of sight, the
 * numerical part of trajectory.c (internal to network/). */
#ifndef __METEOR_LINEFIT_H__
#define __METEOR_LINEFIT_H__

#include <math.h>
#include <stddef.h>

typedef struct {
  double s[3]; /* station, ECEF metres about an origin near the stations */
  double u[3]; /* unit line of sight, ECEF */
  double t;    /* s after a reference time */
  size_t obs, point;
  int used; /* not near-parallel to the trajectory: in the fit */
} MeteorRay;

typedef struct {
  double p[3]; /* a point on the line */
  double d[3]; /* unit direction, of motion once oriented */
} MeteorLine;

static inline double
meteor_dot (const double a[3], const double b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static inline void
meteor_cross (const double a[3], const double b[3], double c[3])
{
  double x = a[1] * b[2] - a[2] * b[1], y = a[2] * b[0] - a[0] * b[2],
         z = a[0] * b[1] - a[1] * b[0];

  c[0] = x;
  c[1] = y;
  c[2] = z;
}

/* Scales @a to unit length (unless 0); returns its length before */
static inline double
meteor_normalize (double a[3])
{
  double n = sqrt (meteor_dot (a, a));

  if (n > 0) {
    a[0] /= n;
    a[1] /= n;
    a[2] /= n;
  }
  return n;
}

/* The unit eigenvector of the symmetric 3x3 @m (destroyed) with the
 * smallest eigenvalue; @lambda gets the eigenvalues, ascending */
void meteor_smallest_eigenvector (
    double m[3][3], double v[3], double lambda[3]);

/* Solves a 4x4 @a x = @b; @inverse, unless NULL, gets a's inverse.
 * 0 when a is singular, else 1. */
int meteor_solve4 (
    const double a[4][4], const double b[4], double x[4], double inverse[4][4]);

/* The signed distance between @line and @r's line of sight (along
 * d x u); @sine gets |d x u|, the sine of the angle between them */
double meteor_ray_distance (
    const MeteorLine *line, const MeteorRay *r, double *sine);

/* Where @r's line of sight comes closest to @line: *s along the line
 * from its point, *range along the sight from the station */
void meteor_ray_closest (
    const MeteorLine *line, const MeteorRay *r, double *s, double *range);

/* The sum of the squared distances of the used rays from @line */
double meteor_line_cost (
    const MeteorLine *line, const MeteorRay *rays, size_t n);

/* One Gauss-Newton step of @line towards the least meteor_line_cost; the
 * unknowns: two turns of the direction and two shifts of the point, all
 * along meteor_line_axes. @normal gets J'J at the line before the step.
 * Returns the step's size (radians + metres / 1e5), 0 at the minimum, -1
 * when J'J is singular. */
double meteor_line_step (
    MeteorLine *line, const MeteorRay *rays, size_t n, double normal[4][4]);

/* The two unit vectors perpendicular to the line the step uses */
void meteor_line_axes (const MeteorLine *line, double e1[3], double e2[3]);

/* The weighted line fit of distance along @line against time: returns the
 * slope (m/s); @sigma gets its standard error from the fit's scatter */
double meteor_line_speed (
    const MeteorLine *line, const MeteorRay *rays, size_t n, double *sigma);

/* The variance of @f (a function of the line) given the covariance @cov
 * of meteor_line_step's unknowns, by central differences */
typedef double (*MeteorLineFunc) (const MeteorLine *line, const void *data);
double meteor_line_variance (const MeteorLine *line, const double cov[4][4],
    MeteorLineFunc f, const void *data);

#endif /* __METEOR_LINEFIT_H__ */
