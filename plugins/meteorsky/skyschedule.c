/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: synthetic sky: events placed by hand (pure C) */
#include "skyrender-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
sky_event_init (SkyEvent *e, SkyKind kind, uint64_t frame)
{
  e->kind = kind;
  e->frame = frame;
  e->x = e->y = e->angle = e->speed = e->duration = e->snr = e->style = NAN;
}

/* strtod for "[-]digits[.digits][e[-]digits]" whatever the locale */
static double
parse_decimal (const char *text, char **end)
{
  const char *p = text;
  double v = 0, scale = 1;
  int sign = 1, digits = 0, exp_sign = 1, exponent = 0;

  if (*p == '-' || *p == '+')
    sign = *p++ == '-' ? -1 : 1;
  for (; *p >= '0' && *p <= '9'; p++, digits++)
    v = v * 10 + (*p - '0');
  if (*p == '.')
    for (p++; *p >= '0' && *p <= '9'; p++, digits++)
      v += (*p - '0') * (scale /= 10);
  if (digits == 0) {
    *end = (char *)text;
    return 0;
  }
  if ((*p == 'e' || *p == 'E') &&
      (p[1] == '-' || p[1] == '+' || (p[1] >= '0' && p[1] <= '9'))) {
    p++;
    if (*p == '-' || *p == '+')
      exp_sign = *p++ == '-' ? -1 : 1;
    for (; *p >= '0' && *p <= '9' && exponent < 400; p++)
      exponent = exponent * 10 + (*p - '0');
  }
  *end = (char *)p;
  return sign * v * pow (10.0, exp_sign * exponent);
}

static int
parse_event (char *entry, SkyEvent *ev, char *error, size_t error_len)
{
  char *at = strchr (entry, '@'), *end, *opt, *save = NULL;
  int kind;
  unsigned long long frame;

  METEOR_CHECK (at != NULL, "schedule entry '%s' is not kind@frame", entry);
  *at = '\0';
  kind = sky_kind_from_name (entry);
  METEOR_CHECK (kind >= 0 && kind != SKY_CLOUD && kind != SKY_HOT_PIXEL,
      "unknown kind '%s' in the schedule (meteor, fireball, plane, "
      "satellite, flash)",
      entry);
  frame = strtoull (at + 1, &end, 10);
  METEOR_CHECK (end != at + 1 && (*end == '\0' || *end == ','),
      "schedule entry '%s@%s': the frame is not a number", entry, at + 1);
  sky_event_init (ev, kind, frame);

  for (opt = strtok_r (*end ? end + 1 : end, ",", &save); opt;
       opt = strtok_r (NULL, ",", &save)) {
    char *eq = strchr (opt, '=');
    double v;

    METEOR_CHECK (eq != NULL, "schedule option '%s' is not key=value", opt);
    *eq = '\0';
    v = parse_decimal (eq + 1, &end);
    METEOR_CHECK (end != eq + 1 && *end == '\0' && isfinite (v),
        "schedule option %s=%s is not a number", opt, eq + 1);
    if (strcmp (opt, "x") == 0)
      ev->x = v;
    else if (strcmp (opt, "y") == 0)
      ev->y = v;
    else if (strcmp (opt, "angle") == 0)
      ev->angle = v;
    else if (strcmp (opt, "speed") == 0 && v >= 0)
      ev->speed = v;
    else if (strcmp (opt, "duration") == 0 && v > 0)
      ev->duration = v;
    else if (strcmp (opt, "snr") == 0 && v >= 0)
      ev->snr = v;
    else if (strcmp (opt, "style") == 0 && (v == 0 || v == 1))
      ev->style = v;
    else
      METEOR_CHECK (0,
          "schedule option '%s=%s' is unknown or out of range "
          "(x, y, angle, speed>=0, duration>0, snr>=0, style=0|1)",
          opt, eq + 1);
  }
  return 0;
}

int
sky_parse_schedule (
    const char *text, SkyEvent **events, char *error, size_t error_len)
{
  char *copy, *entry, *save = NULL;
  size_t n = 0, cap = 0;
  SkyEvent *list = NULL;

  *events = NULL;
  if (text == NULL)
    return 0;
  copy = strdup (text);
  if (copy == NULL)
    return -1;
  for (entry = strtok_r (copy, ";", &save); entry;
       entry = strtok_r (NULL, ";", &save)) {
    while (*entry == ' ')
      entry++;
    if (*entry == '\0')
      continue;
    list = meteor_grow (list, &cap, n + 1, sizeof (SkyEvent));
    if (parse_event (entry, &list[n], error, error_len) != 0) {
      free (list);
      free (copy);
      return -1;
    }
    n++;
  }
  free (copy);
  *events = list;
  return (int)n;
}
