/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: memory pressure readings (cgroup v2 or v1, meminfo, PSI). */
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

/* Whether the comma-separated list @list (@len bytes) has @name. */
static int
list_has (const char *list, size_t len, const char *name)
{
  size_t n = strlen (name);
  const char *end = list + len;

  while (list < end) {
    const char *comma = memchr (list, ',', end - list);
    size_t item = (comma ? comma : end) - list;

    if (item == n && strncmp (list, name, n) == 0)
      return 1;
    list += item + 1;
  }
  return 0;
}

/* From /proc/self/cgroup @text, the cgroup path of the v2 hierarchy
 * ("0::/path", @controller NULL) or of the v1 hierarchy of @controller
 * ("4:memory:/path", "7:cpu,memory:/path"), into @out ("" for the root).
 * -1 if there is none, or it is too long or climbs (".."). */
static int
cgroup_path (const char *text, const char *controller, char *out, size_t len)
{
  const char *line = text;

  while (line && *line) {
    const char *nl = strchr (line, '\n');
    const char *end = nl ? nl : line + strlen (line);
    const char *c1 = memchr (line, ':', end - line);
    const char *c2 = c1 ? memchr (c1 + 1, ':', end - c1 - 1) : NULL;

    if (c2 && (controller ? list_has (c1 + 1, c2 - c1 - 1, controller)
                          : c1 == line + 1 && line[0] == '0' && c2 == c1 + 1)) {
      size_t n = end - c2 - 1;

      if (n == 0 || n >= len || c2[1] != '/')
        return -1;
      memcpy (out, c2 + 1, n);
      out[n] = '\0';
      if (strcmp (out, "/") == 0)
        out[0] = '\0';
      return strstr (out, "..") ? -1 : 0;
    }
    line = nl ? nl + 1 : NULL;
  }
  return -1;
}

/* Reads @root/@dir/@current_file and @max_file into @info; 0 if the
 * current use was read. A limit of TIER_MEM_V1_UNLIMITED or more is no
 * limit. */
static int
read_cgroup (const char *root, const char *dir, const char *current_file,
    const char *max_file, TierMemInfo *info)
{
  char rel[4400], val[64];

  snprintf (rel, sizeof rel, "%s/%s", dir, current_file);
  if (read_file (root, rel, val, sizeof val) == 0)
    info->cgroup_current = parse_u (val);
  snprintf (rel, sizeof rel, "%s/%s", dir, max_file);
  if (read_file (root, rel, val, sizeof val) == 0)
    info->cgroup_max = parse_u (val); /* v2 "max": unknown = no limit */
  if (info->cgroup_max >= TIER_MEM_V1_UNLIMITED)
    info->cgroup_max = TIER_MEM_UNKNOWN;
  return info->cgroup_current >= 0 ? 0 : -1;
}

int
tier_mem_read (const char *root, TierMemInfo *info)
{
  char buf[8192], path[4096], dir[4200];
  int sources = 0;

  info->cgroup_current = info->cgroup_max = TIER_MEM_UNKNOWN;
  info->mem_total = info->mem_available = TIER_MEM_UNKNOWN;
  info->psi_some_avg10 = info->psi_full_avg10 = -1;
  if (root == NULL || root[0] == '\0')
    root = "";
  if (read_file (root, "proc/self/cgroup", buf, sizeof buf) == 0) {
    int found = -1;

    /* cgroup v2 ("0::"); else v1's memory controller, at the process's
     * path or, inside a container whose cgroup namespace starts below
     * that path, at the mount's root */
    if (cgroup_path (buf, NULL, path, sizeof path) == 0) {
      snprintf (dir, sizeof dir, "sys/fs/cgroup%s", path);
      found = read_cgroup (root, dir, "memory.current", "memory.max", info);
    }
    if (found < 0 && cgroup_path (buf, "memory", path, sizeof path) == 0) {
      snprintf (dir, sizeof dir, "sys/fs/cgroup/memory%s", path);
      found = read_cgroup (
          root, dir, "memory.usage_in_bytes", "memory.limit_in_bytes", info);
      if (found < 0 && path[0])
        found = read_cgroup (root, "sys/fs/cgroup/memory",
            "memory.usage_in_bytes", "memory.limit_in_bytes", info);
    }
    if (found == 0)
      sources++;
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
