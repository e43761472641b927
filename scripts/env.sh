# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the scripts: lets GStreamer find the plugins of an uninstalled
# build in "$1" (default: build).
build_dir=${1:-build}
GST_PLUGIN_PATH=$(find "$build_dir/plugins" -name 'libgst*.so' -exec dirname {} \; 2>/dev/null | sort -u | tr '\n' ':')
export GST_PLUGIN_PATH
