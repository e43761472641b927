/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a meteor's trajectory from several stations (see
 * trajectory.h).
 *
 * Each station's lines of sight lie, but for noise, in the plane through
 * the station and the trajectory; two such planes cross along the
 * trajectory (Ceplecha 1987, Bull. Astron. Inst. Czechosl. 38, 222). The
 * best-converging pair gives the first line; a Gauss-Newton fit then moves
 * it to the least sum of squared distances from every station's lines of
 * sight, so that a third station adds its weight. Positions are ECEF metres
 * about the stations' centroid, which keeps the numbers small. */
#include "trajectory.h"

#include "coreutil.h"
#include "geodesy.h"
#include "linefit.h"

#include <libnova/precession.h>
#include <libnova/sidereal_time.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEG (M_PI / 180.0)
#define JD_UNIX_EPOCH 2440587.5
#define JD_J2000 2451545.0
/* a line of sight within 0.006 degrees of the trajectory's direction
 * says nowhere along it the meteor was, and its distance to the line is
 * ill-defined: left out of the fit */
#define MIN_RAY_SIN 1e-4
/* a station's sights spread over less than ~0.001 degrees: no plane */
#define MIN_SPREAD 1e-10
#define MAX_ITERATIONS 50

static int
check_input (
    const MeteorObservation *obs, size_t n_obs, char *error, size_t error_len)
{
  size_t i, j, spans = 0;

  METEOR_CHECK (obs != NULL, "no observations (NULL)");
  METEOR_CHECK (
      n_obs >= 2, "need observations from at least 2 stations, got %zu", n_obs);
  for (i = 0; i < n_obs; i++) {
    const MeteorSite *site = &obs[i].site;

    METEOR_CHECK (isfinite (site->lat_deg) && isfinite (site->lon_deg) &&
                      isfinite (site->height_m),
        "observation %zu: the station's place is not finite", i);
    METEOR_CHECK (fabs (site->lat_deg) <= 90,
        "observation %zu: latitude %g out of range", i, site->lat_deg);
    METEOR_CHECK (obs[i].n_points >= 2,
        "observation %zu: %zu points, need at least 2", i, obs[i].n_points);
    METEOR_CHECK (
        obs[i].points != NULL, "observation %zu: no points (NULL)", i);
    for (j = 0; j < obs[i].n_points; j++) {
      const MeteorSight *p = &obs[i].points[j];

      METEOR_CHECK (
          isfinite (p->t) && isfinite (p->az_deg) && isfinite (p->el_deg),
          "observation %zu, point %zu: not finite (NaN or infinite)", i, j);
      METEOR_CHECK (fabs (p->el_deg) <= 90,
          "observation %zu, point %zu: elevation %g out of range", i, j,
          p->el_deg);
      METEOR_CHECK (j == 0 || p->t >= obs[i].points[j - 1].t,
          "observation %zu, point %zu: not in time order", i, j);
    }
    spans += obs[i].points[obs[i].n_points - 1].t > obs[i].points[0].t;
  }
  /* no speed, nor which way it flew (each station has its own clock) */
  METEOR_CHECK (spans > 0, "every station's sights are all at the same time");
  return 0;
}

/* The rays of every sight, about the stations' centroid @origin, their
 * times after the mean time of all sights @t_mean */
static MeteorRay *
make_rays (const MeteorObservation *obs, size_t n_obs, size_t *n_rays,
    double origin[3], double *t_mean)
{
  /* about the first sight's time: Unix seconds summed lose precision */
  double t_ref = obs[0].points[0].t, t_sum = 0, site[3];
  size_t i, j, n = 0, k = 0;
  MeteorRay *rays;

  memset (origin, 0, 3 * sizeof (double));
  for (i = 0; i < n_obs; i++) {
    meteor_geodetic_to_ecef (
        obs[i].site.lat_deg, obs[i].site.lon_deg, obs[i].site.height_m, site);
    for (j = 0; j < 3; j++)
      origin[j] += site[j] / n_obs;
    for (j = 0; j < obs[i].n_points; j++)
      t_sum += obs[i].points[j].t - t_ref;
    n += obs[i].n_points;
  }
  *t_mean = t_ref + t_sum / n;
  rays = calloc (n, sizeof (MeteorRay));
  if (rays == NULL)
    abort ();
  for (i = 0; i < n_obs; i++) {
    meteor_geodetic_to_ecef (
        obs[i].site.lat_deg, obs[i].site.lon_deg, obs[i].site.height_m, site);
    for (j = 0; j < obs[i].n_points; j++, k++) {
      const MeteorSight *p = &obs[i].points[j];
      int c;

      for (c = 0; c < 3; c++)
        rays[k].s[c] = site[c] - origin[c];
      meteor_azel_to_ecef (obs[i].site.lat_deg, obs[i].site.lon_deg, p->az_deg,
          p->el_deg, rays[k].u);
      rays[k].t = p->t - *t_mean;
      rays[k].obs = i;
      rays[k].point = j;
      rays[k].used = 1;
    }
  }
  *n_rays = n;
  return rays;
}

/* The normal of each station's plane (through the station, holding its
 * sights): the direction most perpendicular to all of them, the smallest
 * eigenvector of the sum of their outer products (for two sights, their
 * cross product) */
static int
plane_normals (const MeteorObservation *obs, size_t n_obs,
    const MeteorRay *rays, double (*normals)[3], char *error, size_t error_len)
{
  size_t i, k = 0, j;

  for (i = 0; i < n_obs; i++) {
    double m[3][3] = { { 0 } }, lambda[3];
    int a, b;

    for (j = 0; j < obs[i].n_points; j++, k++)
      for (a = 0; a < 3; a++)
        for (b = 0; b < 3; b++)
          m[a][b] += rays[k].u[a] * rays[k].u[b];
    meteor_smallest_eigenvector (m, normals[i], lambda);
    METEOR_CHECK (lambda[1] > MIN_SPREAD * lambda[2],
        "observation %zu: its sights do not span a plane (all in one "
        "direction)",
        i);
  }
  return 0;
}

/* The line where the planes (normal @na through @sa, @nb through @sb)
 * cross, its point the one nearest the origin */
static void
planes_line (const double na[3], const double sa[3], const double nb[3],
    const double sb[3], MeteorLine *line)
{
  double ca = meteor_dot (na, sa), cb = meteor_dot (nb, sb), t1[3], t2[3];
  double det;
  int i;

  meteor_cross (na, nb, line->d);
  meteor_normalize (line->d);
  /* x = (ca (nb x d) + cb (d x na)) / (na . (nb x d)) solves na.x = ca,
   * nb.x = cb, d.x = 0 */
  meteor_cross (nb, line->d, t1);
  meteor_cross (line->d, na, t2);
  det = meteor_dot (na, t1);
  for (i = 0; i < 3; i++)
    line->p[i] = (ca * t1[i] + cb * t2[i]) / det;
}

/* The equatorial J2000 direction of the ECEF unit @v at @t (Unix s) */
static void
ecef_to_j2000 (const double v[3], double t, double *ra, double *dec)
{
  double jd = t / 86400.0 + JD_UNIX_EPOCH;
  /* mean sidereal time: RA and Dec of the mean equinox of the date, which
   * precession (no nutation) carries to J2000. UTC for UT1: < 0.004 deg */
  double gmst = 15.0 * ln_get_mean_sidereal_time (jd);
  struct ln_equ_posn date, j2000;

  date.ra = fmod (atan2 (v[1], v[0]) / DEG + gmst + 720.0, 360.0);
  date.dec = asin (fmax (-1.0, fmin (1.0, v[2]))) / DEG;
  ln_get_equ_prec2 (&date, jd, JD_J2000, &j2000);
  *ra = fmod (j2000.ra + 360.0, 360.0);
  *dec = j2000.dec;
}

typedef struct {
  const MeteorRay *rays;
  size_t n, k; /* the rays; the one a height is measured by */
  const double *origin;
} FitData;

/* The point of @line nearest ray @k, ECEF; @s gets where along the line */
static void
point_of (const MeteorLine *line, const FitData *fd, double x[3], double *s)
{
  double range;
  int i;

  meteor_ray_closest (line, &fd->rays[fd->k], s, &range);
  for (i = 0; i < 3; i++)
    x[i] = fd->origin[i] + line->p[i] + *s * line->d[i];
}

static double
height_of (const MeteorLine *line, const void *data)
{
  double x[3], s, lat, lon, h;

  point_of (line, data, x, &s);
  meteor_ecef_to_geodetic (x, &lat, &lon, &h);
  return h;
}

static double
speed_of (const MeteorLine *line, const void *data)
{
  const FitData *fd = data;

  return meteor_line_speed (line, fd->rays, fd->n, NULL);
}

/* The 1-sigma height where ray @fd->k meets the line: the line's own
 * uncertainty (@cov) and the ray's, @sigma_rad across it at its range,
 * which moves the point along the line by that over the sine between
 * them */
static double
height_sigma (const MeteorLine *line, const double cov[4][4], const FitData *fd,
    double sigma_rad)
{
  const MeteorRay *r = &fd->rays[fd->k];
  double x[3], s, lat, lon, h, east[3], north[3], up[3], g, range, along;

  point_of (line, fd, x, &s);
  meteor_ecef_to_geodetic (x, &lat, &lon, &h);
  meteor_enu_basis (lat, lon, east, north, up);
  meteor_ray_distance (line, r, &g);
  meteor_ray_closest (line, r, &s, &range);
  along = sigma_rad * range / g * meteor_dot (up, line->d);
  return sqrt (meteor_line_variance (line, cov, height_of, fd) + along * along);
}

static void
to_geodetic (const MeteorLine *line, double s, const double origin[3],
    double *lat, double *lon, double *h)
{
  double x[3];
  int i;

  for (i = 0; i < 3; i++)
    x[i] = origin[i] + line->p[i] + s * line->d[i];
  meteor_ecef_to_geodetic (x, lat, lon, h);
}

/* The 1-sigma estimates: the line's covariance sigma^2 (J'J)^-1 with
 * sigma^2 from the residuals, carried to the radiant, the heights and the
 * speed; NaN with no more sights than the line's 4 unknowns */
static void
estimate_sigmas (const MeteorLine *line, const double normal[4][4], FitData *fd,
    size_t ib, size_t ie, size_t used, MeteorTrajectory *out)
{
  double cov[4][4], zero[4] = { 0 }, dummy[4], sum = 0, sum_rad = 0;
  double sigma, sigma_rad, g, r, s, range, hb, he;
  size_t i, j;

  out->radiant_sigma_deg = out->height_sigma_m = NAN;
  if (used <= 4 || !meteor_solve4 (normal, zero, dummy, cov))
    return;
  for (i = 0; i < fd->n; i++)
    if (fd->rays[i].used) {
      r = meteor_ray_distance (line, &fd->rays[i], &g);
      meteor_ray_closest (line, &fd->rays[i], &s, &range);
      sum += r * r;
      sum_rad += (r / range) * (r / range);
    }
  sigma = sqrt (sum / (used - 4));
  sigma_rad = sqrt (sum_rad / (used - 4));
  for (i = 0; i < 4; i++)
    for (j = 0; j < 4; j++)
      cov[i][j] *= sigma * sigma;
  out->radiant_sigma_deg = sqrt (cov[0][0] + cov[1][1]) / DEG;
  fd->k = ib;
  hb = height_sigma (line, cov, fd, sigma_rad);
  fd->k = ie;
  he = height_sigma (line, cov, fd, sigma_rad);
  out->height_sigma_m = fmax (hb, he);
  /* the slope's scatter, and the line's errors carried to it: a turn of
   * the line stretches or shrinks the distances between a station's
   * points (twice the scatter alone on test-trajectory's meteor) */
  out->speed_sigma_m_s = sqrt (out->speed_sigma_m_s * out->speed_sigma_m_s +
                               meteor_line_variance (line, cov, speed_of, fd));
}

/* The pair of stations whose planes cross at the largest angle (0..90) */
static double
best_pair (const double (*normals)[3], size_t n_obs, size_t *a, size_t *b)
{
  double best = -1, q;
  size_t i, j;

  for (i = 0; i < n_obs; i++)
    for (j = i + 1; j < n_obs; j++) {
      q = acos (fmin (1.0, fabs (meteor_dot (normals[i], normals[j])))) / DEG;
      if (q > best) {
        best = q;
        *a = i;
        *b = j;
      }
    }
  return best;
}

int
meteor_triangulate (const MeteorObservation *obs, size_t n_obs,
    MeteorTrajectory *out, char *error, size_t error_len)
{
  double origin[3], (*normals)[3] = NULL, normal[4][4], sa[3], sb[3];
  double best, g, s, range, sigma, t_mean, s_begin = INFINITY;
  double s_end = -INFINITY;
  size_t n_rays = 0, i, k, a = 0, b = 1, used = 0, ib = 0, ie = 0;
  MeteorRay *rays = NULL;
  MeteorLine line;
  FitData fd;
  int iter, ret = -1;

  if (error_len)
    error[0] = '\0';
  METEOR_CHECK (out != NULL, "no trajectory to fill (NULL)");
  memset (out, 0, sizeof (*out));
  if (check_input (obs, n_obs, error, error_len) < 0)
    return -1;

  rays = make_rays (obs, n_obs, &n_rays, origin, &t_mean);
  normals = calloc (n_obs, sizeof (double[3]));
  if (normals == NULL)
    abort ();
  if (plane_normals (obs, n_obs, rays, normals, error, error_len) < 0)
    goto done;
  best = best_pair ((const double (*)[3])normals, n_obs, &a, &b);
  if (best < METEOR_TRAJECTORY_MIN_CONVERGENCE_DEG) {
    snprintf (error, error_len,
        "the stations' planes are too close to parallel: convergence "
        "%.2f deg, under %.1f deg",
        best, METEOR_TRAJECTORY_MIN_CONVERGENCE_DEG);
    goto done;
  }
  for (i = 0; i < 3; i++) {
    sa[i] = origin[i];
    sb[i] = origin[i];
  }
  for (k = 0; k < n_rays; k++)
    if (rays[k].point == 0 && (rays[k].obs == a || rays[k].obs == b))
      memcpy (rays[k].obs == a ? sa : sb, rays[k].s, sizeof (sa));
  planes_line (normals[a], sa, normals[b], sb, &line);

  /* sights along the line are left out (see MIN_RAY_SIN) */
  for (k = 0; k < n_rays; k++) {
    meteor_ray_distance (&line, &rays[k], &g);
    rays[k].used = g > MIN_RAY_SIN;
    used += rays[k].used;
  }
  if (used < 4) {
    snprintf (error, error_len,
        "%zu lines of sight not along the trajectory: need 4", used);
    goto done;
  }

  /* least squares over every station's sights, from the best pair's line */
  for (iter = 0; iter < MAX_ITERATIONS; iter++) {
    double step = meteor_line_step (&line, rays, n_rays, normal);

    if (step < 0) {
      snprintf (error, error_len, "the fit is singular (degenerate geometry)");
      goto done;
    }
    if (step < 1e-12)
      break;
  }
  /* along the motion: later sights further along */
  if (meteor_line_speed (&line, rays, n_rays, NULL) < 0)
    for (i = 0; i < 3; i++)
      line.d[i] = -line.d[i];
  /* J'J at the minimum, for the covariance (any step now is tiny) */
  meteor_line_step (&line, rays, n_rays, normal);

  for (k = 0; k < n_rays; k++) {
    if (!rays[k].used)
      continue;
    meteor_ray_closest (&line, &rays[k], &s, &range);
    if (range <= 0) {
      snprintf (error, error_len,
          "observation %zu, point %zu: the line of sight points away from "
          "the trajectory (it is behind the station)",
          rays[k].obs, rays[k].point);
      goto done;
    }
    /* begin: the earliest first sight; end: the latest last one */
    if (rays[k].point == 0 && s < s_begin) {
      s_begin = s;
      ib = k;
    }
    if (rays[k].point == obs[rays[k].obs].n_points - 1 && s > s_end) {
      s_end = s;
      ie = k;
    }
  }
  if (!isfinite (s_begin) || !isfinite (s_end)) {
    snprintf (
        error, error_len, "no station's first or last sight is in the fit");
    goto done;
  }

  out->residual_m = sqrt (meteor_line_cost (&line, rays, n_rays) / used);
  out->n_sights = used;
  out->convergence_deg = best;
  out->speed_m_s = meteor_line_speed (&line, rays, n_rays, &sigma);
  out->speed_sigma_m_s = sigma;
  to_geodetic (&line, s_begin, origin, &out->begin_lat_deg, &out->begin_lon_deg,
      &out->begin_height_m);
  to_geodetic (&line, s_end, origin, &out->end_lat_deg, &out->end_lon_deg,
      &out->end_height_m);
  {
    double back[3] = { -line.d[0], -line.d[1], -line.d[2] };

    ecef_to_j2000 (back, t_mean, &out->radiant_ra_deg, &out->radiant_dec_deg);
  }
  fd.rays = rays;
  fd.n = n_rays;
  fd.origin = origin;
  estimate_sigmas (&line, (const double (*)[4])normal, &fd, ib, ie, used, out);
  ret = 0;

done:
  if (ret < 0)
    memset (out, 0, sizeof (*out));
  free (rays);
  free (normals);
  return ret;
}
