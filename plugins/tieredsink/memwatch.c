/* gst-meteor: memory pressure readings (cgroup v2, meminfo, PSI). */
#include "memwatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads small file @root/@rel into @buf; 0 or -1. */
static int
read_file (const char *root, const char *rel, char *buf, size_t len)
{
  char path[4096];
  FILE *f;
  size_t n;

  snprintf (path, sizeof path, "%s/%s", root, rel);
  f = fopen (path, "r");
  if (f == NULL)
    return -1;
  n = fread (buf, 1, len - 1, f);
  fclose (f);
  buf[n] = '\0';
  return 0;
}

/* A non-negative decimal at the start of @s (after blanks); -1 if none. */
static int64_t
parse_u (const char *s)
{
  char *end;
  long long v;

  while (*s == ' ' || *s == '\t')
    s++;
  if (*s < '0' || *s > '9')
    return TIER_MEM_UNKNOWN;
  v = strtoll (s, &end, 10);
  if (v < 0 || (*end && *end != '\n' && *end != ' '))
    return TIER_MEM_UNKNOWN;
  return v;
}

static int64_t
meminfo_kb (const char *text, const char *key)
{
  const char *p = text;
  size_t klen = strlen (key);
  int64_t v;

  while ((p = strstr (p, key)) != NULL) {
    if ((p == text || p[-1] == '\n') && p[klen] == ':')
      break;
    p += klen;
  }
  if (p == NULL)
    return TIER_MEM_UNKNOWN;
  v = parse_u (p + klen + 1);
  return v < 0 || v > INT64_MAX / 1024 ? TIER_MEM_UNKNOWN : v * 1024;
}

static double
psi_avg10 (const char *text, const char *kind)
{
  const char *p = text;
  double v;

  while ((p = strstr (p, kind)) != NULL) {
    if (p == text || p[-1] == '\n')
      break;
    p++;
  }
  if (p == NULL || (p = strstr (p, "avg10=")) == NULL)
    return -1;
  if (sscanf (p + 6, "%lf", &v) != 1 || v < 0 || v > 100)
    return -1;
  return v;
}

int
tier_mem_read (const char *root, TierMemInfo *info)
{
  char buf[8192], rel[4200], *path, *nl;
  int sources = 0;

  info->cgroup_current = info->cgroup_max = TIER_MEM_UNKNOWN;
  info->mem_total = info->mem_available = TIER_MEM_UNKNOWN;
  info->psi_some_avg10 = info->psi_full_avg10 = -1;
  if (root == NULL || root[0] == '\0')
    root = "";
  /* cgroup v2: the "0::" line */
  if (read_file (root, "proc/self/cgroup", buf, sizeof buf) == 0 &&
      (path = strstr (buf, "0::")) != NULL &&
      (path == buf || path[-1] == '\n')) {
    path += 3;
    nl = strchr (path, '\n');
    if (nl)
      *nl = '\0';
    if (strstr (path, "..") == NULL) {
      char val[64];
      snprintf (rel, sizeof rel, "sys/fs/cgroup%s/memory.current",
          strcmp (path, "/") ? path : "");
      if (read_file (root, rel, val, sizeof val) == 0)
        info->cgroup_current = parse_u (val);
      snprintf (rel, sizeof rel, "sys/fs/cgroup%s/memory.max",
          strcmp (path, "/") ? path : "");
      if (read_file (root, rel, val, sizeof val) == 0)
        info->cgroup_max = parse_u (val); /* "max": unknown = no limit */
      if (info->cgroup_current >= 0)
        sources++;
    }
  }
  if (read_file (root, "proc/meminfo", buf, sizeof buf) == 0) {
    info->mem_total = meminfo_kb (buf, "MemTotal");
    info->mem_available = meminfo_kb (buf, "MemAvailable");
    if (info->mem_total > 0)
      sources++;
  }
  if (read_file (root, "proc/pressure/memory", buf, sizeof buf) == 0) {
    info->psi_some_avg10 = psi_avg10 (buf, "some");
    info->psi_full_avg10 = psi_avg10 (buf, "full");
    if (info->psi_some_avg10 >= 0)
      sources++;
  }
  return sources;
}

double
tier_mem_usage (const TierMemInfo *info, uint64_t limit_bytes)
{
  double limit = -1, used = -1;

  if (limit_bytes > 0)
    limit = (double)limit_bytes;
  else if (info->cgroup_max > 0)
    limit = (double)info->cgroup_max;
  else if (info->mem_total > 0)
    limit = (double)info->mem_total;
  if (info->cgroup_current >= 0)
    used = (double)info->cgroup_current;
  else if (info->mem_total > 0 && info->mem_available >= 0)
    used = (double)(info->mem_total - info->mem_available);
  if (limit <= 0 || used < 0)
    return -1;
  return used / limit;
}
