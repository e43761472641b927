/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the network's trajectory from several stations: synthetic
 * meteors over made-up stations in Croatia, their lines of sight computed
 * here from the truth (with its own WGS84 and east-north-up, not
 * network/geodesy.c's) and fed back; the truth's radiant through libnova's
 * horizontal-to-equatorial transform, not the core's sidereal time. */
#include "geodesy.h"
#include "minitest.h"
#include "trajectory.h"
#include "xorshift.h"

#include <libnova/angular_separation.h>
#include <libnova/precession.h>
#include <libnova/transform.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEG (M_PI / 180.0)
#define FPS 25.0
#define T0 1691881200.0 /* 2023-08-12 23:00:00 UTC, the Perseids */
#define NOISE_DEG 0.02
#define MAX_STATIONS 4
#define MAX_FRAMES 64

typedef struct {
  double lat, lon, h;
} Place;

typedef struct {
  Place begin, end; /* the truth: first and last frames */
  double speed;     /* m/s, about: frames land on both ends */
  int reverse;      /* flies from end to begin */
  size_t n_stations;
  Place site[MAX_STATIONS];
  int first[MAX_STATIONS], last_from_end[MAX_STATIONS]; /* frames seen */
  double noise_deg;
  uint32_t seed;
} Scenario;

typedef struct {
  MeteorSight sights[MAX_STATIONS][MAX_FRAMES];
  MeteorObservation obs[MAX_STATIONS];
  double speed;                   /* the truth's */
  double radiant_ra, radiant_dec; /* the truth's, J2000 */
  Place begin, end;               /* the truth's, along the motion */
} Generated;

typedef struct {
  double begin_h, end_h, begin_deg, end_deg, speed_rel, radiant_deg;
} Errors;

/* WGS84, written out again: the core's geodesy is not its own check */
static void
to_ecef (const Place *p, double x[3])
{
  const double a = 6378137.0, f = 1.0 / 298.257223563, e2 = f * (2 - f);
  double sf = sin (p->lat * DEG), cf = cos (p->lat * DEG);
  double n = a / sqrt (1 - e2 * sf * sf);

  x[0] = (n + p->h) * cf * cos (p->lon * DEG);
  x[1] = (n + p->h) * cf * sin (p->lon * DEG);
  x[2] = (n * (1 - e2) + p->h) * sf;
}

/* the azimuth (from north through east) and elevation of the ECEF
 * direction @v seen from @p */
static void
to_azel (const Place *p, const double v[3], double *az, double *el)
{
  double sf = sin (p->lat * DEG), cf = cos (p->lat * DEG);
  double sl = sin (p->lon * DEG), cl = cos (p->lon * DEG);
  double e = -sl * v[0] + cl * v[1];
  double n = -sf * cl * v[0] - sf * sl * v[1] + cf * v[2];
  double u = cf * cl * v[0] + cf * sl * v[1] + sf * v[2];

  *az = fmod (atan2 (e, n) / DEG + 360.0, 360.0);
  *el = atan2 (u, hypot (e, n)) / DEG;
}

static double
gauss (uint32_t *state)
{
  double u1 = (meteor_xorshift32 (state) + 0.5) / 4294967296.0;
  double u2 = (meteor_xorshift32 (state) + 0.5) / 4294967296.0;

  return sqrt (-2 * log (u1)) * cos (2 * M_PI * u2);
}

static void
generate (const Scenario *sc, Generated *g)
{
  const Place *from = sc->reverse ? &sc->end : &sc->begin;
  const Place *to = sc->reverse ? &sc->begin : &sc->end;
  double b[3], e[3], d[3], len, az, el, back[3];
  struct ln_hrz_posn hrz;
  struct ln_lnlat_posn where = { sc->site[0].lon, sc->site[0].lat };
  struct ln_equ_posn date, j2000;
  uint32_t rng = sc->seed;
  int n_frames, i, k;
  size_t s;

  memset (g, 0, sizeof (*g));
  to_ecef (from, b);
  to_ecef (to, e);
  for (i = 0; i < 3; i++)
    d[i] = e[i] - b[i];
  len = sqrt (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  for (i = 0; i < 3; i++)
    d[i] /= len;
  /* a whole number of frames from end to end */
  n_frames = (int)lround (len / sc->speed * FPS) + 1;
  if (n_frames > MAX_FRAMES)
    abort (); /* a scenario too long for the arrays */
  g->speed = len / ((n_frames - 1) / FPS);
  g->begin = *from;
  g->end = *to;

  for (s = 0; s < sc->n_stations; s++) {
    double site[3];
    int first = sc->first[s], last = n_frames - 1 - sc->last_from_end[s];

    to_ecef (&sc->site[s], site);
    for (k = first; k <= last; k++) {
      MeteorSight *p = &g->sights[s][k - first];
      double v[3];

      for (i = 0; i < 3; i++)
        v[i] = b[i] + d[i] * g->speed * k / FPS - site[i];
      to_azel (&sc->site[s], v, &az, &el);
      p->t = T0 + k / FPS;
      p->el_deg = el + sc->noise_deg * gauss (&rng);
      /* the same noise on the sky in both directions */
      p->az_deg = az + sc->noise_deg * gauss (&rng) / cos (el * DEG);
    }
    g->obs[s].site.lat_deg = sc->site[s].lat;
    g->obs[s].site.lon_deg = sc->site[s].lon;
    g->obs[s].site.height_m = sc->site[s].h;
    g->obs[s].points = g->sights[s];
    g->obs[s].n_points = last - first + 1;
  }

  /* the truth's radiant: the way back, in the horizon of the first station
   * at mid-flight, through libnova (south-based azimuth, apparent sidereal
   * time: nutation, 0.005 degrees at most, is not taken out) */
  for (i = 0; i < 3; i++)
    back[i] = -d[i];
  to_azel (&sc->site[0], back, &az, &el);
  hrz.az = fmod (az + 180.0, 360.0);
  hrz.alt = el;
  ln_get_equ_from_hrz (&hrz, &where,
      (T0 + (n_frames - 1) / FPS / 2) / 86400.0 + 2440587.5, &date);
  ln_get_equ_prec2 (&date,
      (T0 + (n_frames - 1) / FPS / 2) / 86400.0 + 2440587.5, 2451545.0, &j2000);
  g->radiant_ra = j2000.ra;
  g->radiant_dec = j2000.dec;
}

static double
separation (double ra1, double dec1, double ra2, double dec2)
{
  struct ln_equ_posn a = { ra1, dec1 }, b = { ra2, dec2 };

  return ln_get_angular_separation (&a, &b);
}

static double
place_error (double lat, double lon, const Place *truth)
{
  return fmax (fabs (lat - truth->lat), fabs (lon - truth->lon));
}

static Errors
errors_of (const MeteorTrajectory *t, const Generated *g)
{
  Errors e;

  e.begin_h = fabs (t->begin_height_m - g->begin.h);
  e.end_h = fabs (t->end_height_m - g->end.h);
  e.begin_deg = place_error (t->begin_lat_deg, t->begin_lon_deg, &g->begin);
  e.end_deg = place_error (t->end_lat_deg, t->end_lon_deg, &g->end);
  e.speed_rel = fabs (t->speed_m_s / g->speed - 1);
  e.radiant_deg = separation (
      t->radiant_ra_deg, t->radiant_dec_deg, g->radiant_ra, g->radiant_dec);
  return e;
}

static void
print_result (const char *what, const MeteorTrajectory *t, const Errors *e)
{
  printf ("  %s: begin %.1f m off in height, %.6f deg in place; end %.1f m, "
          "%.6f deg; speed %.4f %% off; radiant %.4f deg off (RA %.3f Dec "
          "%.3f); convergence %.1f deg, residual %.2f m; sigmas radiant "
          "%.4f deg, speed %.1f m/s, height %.1f m\n",
      what, e->begin_h, e->begin_deg, e->end_h, e->end_deg, 100 * e->speed_rel,
      e->radiant_deg, t->radiant_ra_deg, t->radiant_dec_deg, t->convergence_deg,
      t->residual_m, t->radiant_sigma_deg, t->speed_sigma_m_s,
      t->height_sigma_m);
}

/* 100 km down to 80 km over 40 km, heading south-south-east (across the
 * baseline) above the middle of two stations 58 km apart; station 0 sees
 * the start, station 1 the end, station 2 (for three, north-west of the
 * start) the middle */
static Scenario
two_stations (void)
{
  Scenario sc = {
    .begin = { 45.29645, 15.22467, 100000 },
    .end = { 45.00355, 15.37533, 80000 },
    .speed = 30000,
    .n_stations = 2,
    .site = { { 45.0, 15.0, 200 }, { 45.3, 15.6, 350 }, { 45.35, 15.05, 400 } },
    .first = { 0, 3, 2 },
    .last_from_end = { 4, 0, 2 },
    .noise_deg = NOISE_DEG,
    .seed = 0x5eed1234u,
  };

  return sc;
}

static int
run (const Generated *g, size_t n, MeteorTrajectory *t)
{
  char error[256];
  int ret = meteor_triangulate (g->obs, n, t, error, sizeof (error));

  EXPECT (ret == 0, "%s", error);
  return ret;
}

static void
test_known (void)
{
  Scenario sc = two_stations ();
  Generated g;
  MeteorTrajectory t;
  Errors e;

  generate (&sc, &g);
  if (run (&g, 2, &t) < 0)
    return;
  e = errors_of (&t, &g);
  print_result ("noisy, two stations", &t, &e);
  EXPECT (e.begin_h < 500 && e.end_h < 500, "heights %.0f, %.0f m off",
      e.begin_h, e.end_h);
  EXPECT (e.begin_deg < 0.01 && e.end_deg < 0.01, "places %.4f, %.4f deg off",
      e.begin_deg, e.end_deg);
  EXPECT (e.speed_rel < 0.02, "speed %.2f %% off", 100 * e.speed_rel);
  EXPECT (e.radiant_deg < 0.5, "radiant %.3f deg off", e.radiant_deg);
  EXPECT (t.convergence_deg > 10, "convergence %.1f deg", t.convergence_deg);
  /* the noise is 0.02 deg at 100-150 km: some 50 m */
  EXPECT (
      t.residual_m > 10 && t.residual_m < 150, "residual %.1f m", t.residual_m);
  /* the estimates are of the errors' size, not zero or wild */
  EXPECT (t.radiant_sigma_deg > 0.002 && t.radiant_sigma_deg < 0.5,
      "radiant sigma %g deg", t.radiant_sigma_deg);
  EXPECT (t.speed_sigma_m_s > 10 && t.speed_sigma_m_s < 0.02 * g.speed,
      "speed sigma %g m/s", t.speed_sigma_m_s);
  EXPECT (t.height_sigma_m > 10 && t.height_sigma_m < 500, "height sigma %g m",
      t.height_sigma_m);
  EXPECT (t.n_sights == g.obs[0].n_points + g.obs[1].n_points, "%zu sights",
      t.n_sights);
}

static void
test_exact (void)
{
  Scenario sc = two_stations ();
  Generated g;
  MeteorTrajectory t;
  Errors e;

  sc.noise_deg = 0;
  generate (&sc, &g);
  if (run (&g, 2, &t) < 0)
    return;
  e = errors_of (&t, &g);
  print_result ("exact, two stations", &t, &e);
  EXPECT (e.begin_h < 10 && e.end_h < 10, "heights %.2f, %.2f m off", e.begin_h,
      e.end_h);
  EXPECT (e.begin_deg < 1e-4 && e.end_deg < 1e-4, "places %g, %g deg off",
      e.begin_deg, e.end_deg);
  EXPECT (e.speed_rel < 0.001, "speed %.4f %% off", 100 * e.speed_rel);
  EXPECT (e.radiant_deg < 0.01, "radiant %.4f deg off", e.radiant_deg);
  EXPECT (t.residual_m < 1, "residual %.3f m", t.residual_m);
}

/* How far the fitted line (through the fitted begin and end) passes from
 * the truth's begin and end, m: the same whichever stations saw which
 * part of the flight */
static double
line_miss (const MeteorTrajectory *t, const Generated *g)
{
  Place fb = { t->begin_lat_deg, t->begin_lon_deg, t->begin_height_m };
  Place fe = { t->end_lat_deg, t->end_lon_deg, t->end_height_m };
  double b[3], e[3], d[3], x[3], len, k, miss = 0, c[3];
  const Place *truth[2] = { &g->begin, &g->end };
  int i, j;

  to_ecef (&fb, b);
  to_ecef (&fe, e);
  for (i = 0; i < 3; i++)
    d[i] = e[i] - b[i];
  len = sqrt (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  for (j = 0; j < 2; j++) {
    to_ecef (truth[j], x);
    for (i = 0, k = 0; i < 3; i++)
      k += (x[i] - b[i]) * d[i] / len;
    for (i = 0; i < 3; i++)
      c[i] = x[i] - b[i] - k * d[i] / len;
    miss += sqrt (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
  }
  return miss / 2;
}

/* the line's errors in units of test 1's bounds (500 m, 0.5 deg), summed */
static double
score (const MeteorTrajectory *t, const Generated *g)
{
  return line_miss (t, g) / 500 + errors_of (t, g).radiant_deg / 0.5;
}

static void
test_three (void)
{
  static const size_t pairs[3][2] = { { 0, 1 }, { 0, 2 }, { 1, 2 } };
  double trio = 0, pair[3] = { 0 }, trio_v = 0, pair_v[3] = { 0 }, best;
  double conv[3] = { 0 }, apart = 0;
  uint32_t seed;
  int p, runs = 0;

  /* over many noises: the third station's gain is some 5 %, and a few
   * draws can favour a pair by luck (in 60 blocks of 64 draws the three
   * won 59 times) */
  for (seed = 1; seed <= 64; seed++) {
    Scenario sc = two_stations ();
    Generated g, gp;
    MeteorTrajectory t, t3;
    Errors e;
    double nearest = 180;

    sc.n_stations = 3;
    sc.seed = 0x9e3779b9u * seed;
    generate (&sc, &g);
    if (run (&g, 3, &t) < 0)
      return;
    e = errors_of (&t, &g);
    if (seed == 1)
      print_result ("noisy, three stations", &t, &e);
    t3 = t;
    trio += score (&t, &g);
    trio_v += e.speed_rel * e.speed_rel;
    EXPECT (t.residual_m < 100, "residual %.1f m", t.residual_m);
    EXPECT (
        t.n_sights == g.obs[0].n_points + g.obs[1].n_points + g.obs[2].n_points,
        "%zu sights", t.n_sights);
    for (p = 0; p < 3; p++) {
      gp = g;
      gp.obs[0] = g.obs[pairs[p][0]];
      gp.obs[1] = g.obs[pairs[p][1]];
      if (run (&gp, 2, &t) < 0)
        return;
      pair[p] += score (&t, &g);
      conv[p] = t.convergence_deg;
      e = errors_of (&t, &g);
      pair_v[p] += e.speed_rel * e.speed_rel;
      nearest = fmin (nearest, separation (t.radiant_ra_deg, t.radiant_dec_deg,
                                   t3.radiant_ra_deg, t3.radiant_dec_deg));
    }
    apart += nearest;
    runs++;
  }
  best = fmin (pair[0], fmin (pair[1], pair[2]));
  /* the pair the fit starts from */
  p = conv[0] > conv[1] ? (conv[0] > conv[2] ? 0 : 2)
                        : (conv[1] > conv[2] ? 1 : 2);
  printf ("  mean line score (1 = at test 1's bounds), three stations %.4f; "
          "pairs 0-1 %.4f, 0-2 %.4f, 1-2 %.4f\n",
      trio / runs, pair[0] / runs, pair[1] / runs, pair[2] / runs);
  printf ("  radiant from the nearest pair's, mean %.4f deg\n", apart / runs);
  printf ("  rms speed error, three stations %.4f %%; pairs %.4f, %.4f, "
          "%.4f %%\n",
      100 * sqrt (trio_v / runs), 100 * sqrt (pair_v[0] / runs),
      100 * sqrt (pair_v[1] / runs), 100 * sqrt (pair_v[2] / runs));
  /* the best-converging pair's planes alone, not refined by the third
   * station's sights, would tie this (and pass the first) */
  EXPECT (apart / runs > 0.005,
      "the radiant %.5f deg from the nearest pair's: the third station "
      "counts for little",
      apart / runs);
  EXPECT (trio < best, "three stations %.4f, the best pair %.4f", trio / runs,
      best / runs);
  /* the speed too, against the best-converging pair (another pair can be
   * better placed for the speed: 1-2 here, by 5 %) */
  EXPECT (trio_v < pair_v[p],
      "speed: three stations %.4f %%, the best-converging pair %.4f %%",
      100 * sqrt (trio_v / runs), 100 * sqrt (pair_v[p] / runs));
}

static void
expect_error (
    const MeteorObservation *obs, size_t n, const char *word, const char *what)
{
  MeteorTrajectory t;
  char error[256] = "";

  memset (&t, 0x55, sizeof (t));
  EXPECT (meteor_triangulate (obs, n, &t, error, sizeof (error)) == -1,
      "%s: no error", what);
  EXPECT (strstr (error, word) != NULL, "%s: '%s' does not say '%s'", what,
      error, word);
  EXPECT (t.speed_m_s == 0 && t.convergence_deg == 0, "%s: output not zeroed",
      what);
  printf ("  %s: %s\n", what, error);
}

static void
test_errors (void)
{
  Scenario sc = two_stations ();
  Generated g, bad;
  MeteorSight flipped[MAX_FRAMES];
  size_t i;

  generate (&sc, &g);
  expect_error (g.obs, 1, "at least 2", "one station");
  bad = g;
  bad.obs[1].n_points = 1;
  expect_error (bad.obs, 2, "at least 2", "one point");

  /* both stations on the meteor's ground track, beyond either end: their
   * planes are the same vertical one */
  sc.site[0].lat = sc.begin.lat + 0.6 * (sc.begin.lat - sc.end.lat);
  sc.site[0].lon = sc.begin.lon + 0.6 * (sc.begin.lon - sc.end.lon);
  sc.site[1].lat = sc.end.lat + 0.5 * (sc.end.lat - sc.begin.lat);
  sc.site[1].lon = sc.end.lon + 0.5 * (sc.end.lon - sc.begin.lon);
  generate (&sc, &bad);
  expect_error (bad.obs, 2, "parallel", "stations on the ground track");
  expect_error (bad.obs, 2, "convergence", "stations on the ground track");

  bad = g;
  memcpy (bad.sights[1], g.sights[1], sizeof (g.sights[1]));
  bad.obs[1].points = bad.sights[1];
  bad.sights[1][5].az_deg = NAN;
  expect_error (bad.obs, 2, "not finite", "a NaN azimuth");
  bad = g;
  bad.obs[0].site.height_m = NAN;
  expect_error (bad.obs, 2, "not finite", "a NaN height");
  bad = g;
  bad.sights[0][3].t = INFINITY;
  bad.obs[0].points = bad.sights[0];
  expect_error (bad.obs, 2, "not finite", "an infinite time");

  /* station 1 staring at one spot: no plane */
  bad = g;
  for (i = 0; i < g.obs[1].n_points; i++)
    flipped[i] = g.sights[1][0];
  bad.obs[1].points = flipped;
  expect_error (bad.obs, 2, "do not span a plane", "sights all alike");

  /* station 1 looking the opposite way: the same plane, the same line,
   * but the meteor would be behind it */
  for (i = 0; i < g.obs[1].n_points; i++) {
    flipped[i] = g.sights[1][i];
    flipped[i].az_deg = fmod (flipped[i].az_deg + 180, 360);
    flipped[i].el_deg = -flipped[i].el_deg;
  }
  bad = g;
  bad.obs[1].points = flipped;
  expect_error (bad.obs, 2, "behind", "sights pointing away");

  bad = g;
  bad.sights[0][4].t = bad.sights[0][2].t;
  bad.obs[0].points = bad.sights[0];
  expect_error (bad.obs, 2, "time order", "out of time order");
  expect_error (NULL, 0, "no observations", "NULL");
  bad = g;
  for (i = 0; i < 2; i++) {
    size_t j;

    bad.obs[i].points = bad.sights[i];
    for (j = 0; j < bad.obs[i].n_points; j++)
      bad.sights[i][j].t = T0;
  }
  expect_error (bad.obs, 2, "same time", "no time between sights");
}

static void
test_direction (void)
{
  Scenario sc = two_stations ();
  Generated g, gr;
  MeteorTrajectory t, tr;
  Errors e;
  double anti_ra, anti_dec;

  generate (&sc, &g);
  sc.reverse = 1;
  generate (&sc, &gr);
  if (run (&g, 2, &t) < 0 || run (&gr, 2, &tr) < 0)
    return;
  e = errors_of (&tr, &gr);
  print_result ("noisy, the other way", &tr, &e);
  anti_ra = fmod (t.radiant_ra_deg + 180, 360);
  anti_dec = -t.radiant_dec_deg;
  EXPECT (separation (
              tr.radiant_ra_deg, tr.radiant_dec_deg, anti_ra, anti_dec) < 0.5,
      "radiants %.3f %.3f and %.3f %.3f not opposite", t.radiant_ra_deg,
      t.radiant_dec_deg, tr.radiant_ra_deg, tr.radiant_dec_deg);
  EXPECT (
      e.radiant_deg < 0.5, "radiant %.3f deg off the truth's", e.radiant_deg);
  /* climbing now: begins low */
  EXPECT (fabs (tr.begin_height_m - 80000) < 500 &&
              fabs (tr.end_height_m - 100000) < 500,
      "begin %.0f m, end %.0f m", tr.begin_height_m, tr.end_height_m);
  EXPECT (
      tr.speed_m_s > 0 && e.speed_rel < 0.02, "speed %.0f m/s", tr.speed_m_s);
}

/* the 1-sigma estimates against the rms of the real errors over many
 * noises (these 64: within 13 %; over 300, 6 %) */
static void
test_sigmas (void)
{
  double h = 0, h_sigma = 0, r = 0, r_sigma = 0, v = 0, v_sigma = 0;
  uint32_t seed;
  int n = 0;

  for (seed = 1; seed <= 64; seed++) {
    Scenario sc = two_stations ();
    Generated g;
    MeteorTrajectory t;
    Errors e;

    sc.seed = 0x85ebca6bu * seed;
    generate (&sc, &g);
    if (run (&g, 2, &t) < 0)
      return;
    e = errors_of (&t, &g);
    /* the height sigma is the worse end's: here the begin's */
    h += e.begin_h * e.begin_h;
    r += e.radiant_deg * e.radiant_deg;
    v += pow (e.speed_rel * g.speed, 2);
    h_sigma += t.height_sigma_m * t.height_sigma_m;
    r_sigma += t.radiant_sigma_deg * t.radiant_sigma_deg;
    v_sigma += t.speed_sigma_m_s * t.speed_sigma_m_s;
    n++;
  }
  h = sqrt (h / n);
  r = sqrt (r / n);
  v = sqrt (v / n);
  h_sigma = sqrt (h_sigma / n);
  r_sigma = sqrt (r_sigma / n);
  v_sigma = sqrt (v_sigma / n);
  printf ("  rms error / rms sigma over %d noises: begin height %.1f / %.1f "
          "m, radiant %.4f / %.4f deg, speed %.1f / %.1f m/s\n",
      n, h, h_sigma, r, r_sigma, v, v_sigma);
  EXPECT (h_sigma > 0.75 * h && h_sigma < 1.33 * h, "height");
  EXPECT (r_sigma > 0.75 * r && r_sigma < 1.33 * r, "radiant");
  EXPECT (v_sigma > 0.75 * v && v_sigma < 1.33 * v, "speed");
}

/* each station's own time offset drops out of the speed: a clock off by a
 * quarter second (7 km of flight) changes nothing but the noise */
static void
test_clock_offset (void)
{
  Scenario sc = two_stations ();
  Generated g;
  MeteorTrajectory t, t0;
  Errors e;
  size_t i;

  generate (&sc, &g);
  if (run (&g, 2, &t0) < 0)
    return;
  for (i = 0; i < g.obs[1].n_points; i++)
    g.sights[1][i].t += 0.25;
  if (run (&g, 2, &t) < 0)
    return;
  e = errors_of (&t, &g);
  print_result ("noisy, station 1 0.25 s late", &t, &e);
  EXPECT (fabs (t.speed_m_s - t0.speed_m_s) < 1e-6 * t0.speed_m_s,
      "speed %.1f m/s, on time %.1f m/s", t.speed_m_s, t0.speed_m_s);
  EXPECT (e.begin_h < 500 && e.end_h < 500 && e.radiant_deg < 0.5,
      "heights %.0f, %.0f m, radiant %.3f deg off", e.begin_h, e.end_h,
      e.radiant_deg);
}

/* network/geodesy.c against the WGS84 written out here */
static void
test_geodesy (void)
{
  static const Place places[] = { { 45.0, 15.0, 200 }, { -33.9, 151.2, 100000 },
    { 89.999, -120, 80000 }, { 0, 180, -50 }, { -89.5, 0.5, 3000 } };
  size_t i;

  for (i = 0; i < sizeof (places) / sizeof (places[0]); i++) {
    double x[3], y[3], lat, lon, h, dir[3], az, el;

    to_ecef (&places[i], x);
    meteor_geodetic_to_ecef (places[i].lat, places[i].lon, places[i].h, y);
    EXPECT (fabs (x[0] - y[0]) + fabs (x[1] - y[1]) + fabs (x[2] - y[2]) < 1e-6,
        "place %zu: to ECEF", i);
    meteor_ecef_to_geodetic (x, &lat, &lon, &h);
    EXPECT (fabs (lat - places[i].lat) < 1e-9 &&
                fabs (fmod (lon - places[i].lon + 540, 360) - 180) < 1e-9 &&
                fabs (h - places[i].h) < 1e-4,
        "place %zu: back %.10f %.10f %.5f", i, lat, lon, h);
    meteor_azel_to_ecef (places[i].lat, places[i].lon, 123.4, 56.7, dir);
    to_azel (&places[i], dir, &az, &el);
    EXPECT (fabs (az - 123.4) < 1e-9 && fabs (el - 56.7) < 1e-9,
        "place %zu: az %.10f el %.10f", i, az, el);
  }
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "a known meteor from two stations, noisy sights", test_known },
    { "the same from exact sights", test_exact },
    { "three stations at least as good as the best pair", test_three },
    { "errors: one station, parallel planes, NaN, behind", test_errors },
    { "the other way: the opposite radiant", test_direction },
    { "a station's clock off: the same speed", test_clock_offset },
    { "the sigmas against the errors over many noises", test_sigmas },
    { "geodesy against an independent WGS84", test_geodesy },
  };

  return minitest_run (tests, sizeof (tests) / sizeof (tests[0]));
}
