#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tests of tests/quality/meteor-score: run it on small hand-made files and
check the exact numbers it reports."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

SCORER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "meteor-score")


def meteor(id, first, last, x0, y0, x1, y1, snr, kind="meteor"):
    return {"kind": kind, "id": id, "first-frame": first, "last-frame": last,
            "x0": x0, "y0": y0, "x1": x1, "y1": y1, "peak": 100.0, "snr": snr}


def detection(first, last, x0, y0, x1, y1, **extra):
    d = {"first-frame": first, "last-frame": last, "x0": x0, "y0": y0, "x1": x1, "y1": y1}
    d.update(extra)
    return d


def same_track(t, **extra):
    """A detection exactly on truth object t."""
    return detection(t["first-frame"], t["last-frame"], t["x0"], t["y0"], t["x1"], t["y1"], **extra)


SKY = {"kind": "sky", "width": 1280, "height": 720, "fps": 25.0, "seed": 1}
END = {"kind": "end", "frames": 9000}  # 9000 frames at 25 fps = 0.1 hour
# Four meteors and a fireball, one per SNR bin (two in 3-5), all apart in time.
METEORS = [meteor(1, 100, 110, 100, 100, 300, 200, 2.0),
           meteor(2, 200, 215, 500, 100, 520, 400, 4.0),
           meteor(3, 300, 308, 900, 600, 700, 500, 4.5),
           meteor(4, 400, 420, 50, 50, 250, 60, 7.5),
           meteor(5, 500, 540, 600, 300, 1100, 100, 30.0, kind="fireball")]


class ScorerTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, name, objects):
        """Write objects (dicts, or raw strings for broken lines) as JSON lines."""
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            for o in objects:
                f.write((o if isinstance(o, str) else json.dumps(o)) + "\n")
        return path

    def score(self, truth, dets, *options, expect_rc=0):
        """Run the scorer; return (JSON result or None, stdout, stderr)."""
        tpath = self.write("truth.jsonl", truth)
        dpath = self.write("det.jsonl", dets)
        jpath = os.path.join(self.tmp.name, "out.json")
        if os.path.exists(jpath):
            os.unlink(jpath)
        p = subprocess.run([sys.executable, SCORER, tpath, dpath, "--json", jpath, *options],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, expect_rc, f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
        result = None
        if os.path.exists(jpath):
            with open(jpath) as f:
                result = json.load(f)
        return result, p.stdout, p.stderr

    def test_perfect_detections(self):
        r, out, _ = self.score([SKY, *METEORS, END], [same_track(m) for m in METEORS])
        self.assertEqual(r["recall"], 1.0)
        self.assertEqual(r["precision"], 1.0)
        self.assertEqual(r["fp"], 0)
        self.assertEqual(r["fp_per_hour"], 0.0)
        self.assertEqual(r["duplicates"], 0)
        self.assertEqual(r["missed"], [])
        self.assertEqual(r["recall_by_kind"]["meteor"], {"matched": 4, "total": 4, "recall": 1.0})
        self.assertEqual(r["recall_by_kind"]["fireball"], {"matched": 1, "total": 1, "recall": 1.0})
        self.assertIn("recall: 5/5 = 1.000", out)
        self.assertIn("precision: 5/5 = 1.000", out)
        self.assertIn("missed: none", out)

    def test_missed_meteor_recall_per_snr_bin(self):
        dets = [same_track(m) for m in METEORS if m["id"] != 3]
        r, out, _ = self.score([SKY, *METEORS, END], dets)
        self.assertEqual(r["recall"], 0.8)
        self.assertEqual(r["precision"], 1.0)
        self.assertEqual(r["recall_by_snr"], {
            "0-3": {"matched": 1, "total": 1, "recall": 1.0},
            "3-5": {"matched": 1, "total": 2, "recall": 0.5},
            "5-10": {"matched": 1, "total": 1, "recall": 1.0},
            "10+": {"matched": 1, "total": 1, "recall": 1.0}})
        self.assertEqual(r["recall_by_kind"]["meteor"]["recall"], 0.75)
        self.assertEqual(r["missed"], [3])
        self.assertIn("snr 3-5: 1/2 = 0.500", out)
        self.assertIn("missed: 3 (snr 4.50)", out)

    def test_warmup_leaves_early_meteors_out_of_recall_only(self):
        # meteor 1 begins at frame 100 = 4 s at 25 fps: inside a 5 s warm-up.
        # Missed, it does not lower recall; detected, it is no false
        # positive; a noise detection in the warm-up still is one.
        dets = [same_track(m) for m in METEORS if m["id"] != 1]
        r, out, _ = self.score([SKY, *METEORS, END], dets, "--warmup", "5")
        self.assertEqual(r["recall"], 1.0)
        self.assertEqual(r["meteors"], 4)
        self.assertEqual(r["warmup"], {"seconds": 5.0, "first_frame": 125, "meteors_left_out": 1})
        self.assertIn("warm-up: the first 5 s (to frame 125) left out of recall: 1 meteors", out)
        noise = detection(10, 14, 1000, 50, 1040, 60)
        r, _, _ = self.score([SKY, *METEORS, END], [same_track(m) for m in METEORS] + [noise],
                             "--warmup", "5")
        self.assertEqual(r["fp"], 1)
        self.assertEqual(r["matched_detections"], 5)
        self.assertEqual(r["recall"], 1.0)
        r, _, _ = self.score([SKY, *METEORS, END], dets)
        self.assertEqual(r["recall"], 0.8)

    def test_plane_false_positive_and_fp_per_hour(self):
        plane = {"kind": "plane", "id": 9, "first-frame": 0, "last-frame": 1000,
                 "x0": 0, "y0": 700, "x1": 1279, "y1": 650, "peak": 50.0, "snr": 20.0}
        on_plane = detection(600, 610, 400, 684, 450, 682)  # a piece of the plane's track
        elsewhere = detection(2000, 2005, 10, 10, 40, 40)   # nothing there: noise
        r, out, _ = self.score([SKY, METEORS[0], plane, END],
                               [same_track(METEORS[0]), on_plane, elsewhere])
        self.assertEqual(r["fp"], 2)
        self.assertEqual(r["fp_by_kind"]["plane"], 1)
        self.assertEqual(r["fp_by_kind"]["noise"], 1)
        self.assertEqual(sum(r["fp_by_kind"].values()), 2)
        self.assertAlmostEqual(r["fp_per_hour"], 20.0)  # 2 FP in 0.1 h
        self.assertAlmostEqual(r["precision"], 1 / 3)
        self.assertIn("fp/hour: 20.00", out)
        # --fps overrides the sky object: 9000 frames at 50 fps = 0.05 h
        r, _, _ = self.score([SKY, METEORS[0], plane, END],
                             [same_track(METEORS[0]), on_plane, elsewhere], "--fps", "50")
        self.assertAlmostEqual(r["fp_per_hour"], 40.0)

    def test_flash_false_positive(self):
        flash = {"kind": "flash", "id": 7, "first-frame": 50, "last-frame": 51,
                 "x0": 0, "y0": 0, "x1": 1279, "y1": 719, "peak": 80.0, "snr": 9.0}
        r, _, _ = self.score([SKY, flash, END], [detection(51, 53, 300, 300, 320, 310)])
        self.assertEqual(r["fp_by_kind"]["flash"], 1)
        self.assertEqual(r["fp_by_kind"]["noise"], 0)

    def test_plane_wins_over_a_simultaneous_flash(self):
        flash = {"kind": "flash", "id": 7, "first-frame": 50, "last-frame": 60,
                 "x0": 0, "y0": 0, "x1": 1279, "y1": 719, "peak": 80.0, "snr": 9.0}
        plane = {"kind": "plane", "id": 8, "first-frame": 0, "last-frame": 100,
                 "x0": 0, "y0": 100, "x1": 1000, "y1": 100, "peak": 9.0, "snr": 9.0}
        r, _, _ = self.score([SKY, flash, plane, END], [detection(55, 58, 500, 103, 540, 103)])
        self.assertEqual(r["fp_by_kind"]["plane"], 1)
        self.assertEqual(r["fp_by_kind"]["flash"], 0)

    def test_snr_bin_edges(self):
        # Each bin is [lo, hi): an SNR on an edge belongs to the upper bin.
        truth = [meteor(i, 100 * i, 100 * i + 5, 10, 10, 200, 20, snr)
                 for i, snr in enumerate([2.99, 3.0, 4.99, 5.0, 9.99, 10.0], 1)]
        r, out, _ = self.score(truth, [same_track(truth[1]), same_track(truth[3])])
        self.assertEqual({k: (v["matched"], v["total"]) for k, v in r["recall_by_snr"].items()},
                         {"0-3": (0, 1), "3-5": (1, 2), "5-10": (1, 2), "10+": (0, 1)})
        self.assertEqual(r["recall_snr5"], {"matched": 1, "total": 3, "recall": 1 / 3})
        self.assertEqual(r["missed"], [1, 3, 5, 6])
        self.assertIn("snr 10+: 0/1 = 0.000", out)

    def test_fp_per_hour_unknown(self):
        r, out, _ = self.score(METEORS[:1], [detection(0, 3, 5, 5, 9, 9)])
        self.assertEqual(r["fp"], 1)
        self.assertIsNone(r["fp_per_hour"])
        self.assertIn("fp/hour: unknown", out)

    def test_split_track_is_one_match_and_one_duplicate(self):
        m = METEORS[3]  # frames 400-420, (50,50) -> (250,60)
        halves = [detection(400, 409, 50, 50, 150, 55), detection(411, 420, 152, 55, 250, 60)]
        r, out, _ = self.score([SKY, m, END], halves)
        self.assertEqual(r["recall"], 1.0)
        self.assertEqual(r["duplicates"], 1)
        self.assertEqual(r["fp"], 0)
        self.assertEqual(r["precision"], 1.0)
        self.assertIn("duplicates: 1", out)

    def test_frame_tolerance(self):
        m = METEORS[0]  # frames 100-110
        r, _, _ = self.score([m], [detection(114, 120, 100, 100, 300, 200)])
        self.assertEqual(r["recall"], 0.0)  # 3 frames between: beyond --frame-tol 3
        self.assertEqual(r["fp"], 1)
        r, _, _ = self.score([m], [detection(113, 120, 100, 100, 300, 200)])
        self.assertEqual(r["recall"], 1.0)  # 2 frames between: within tolerance
        r, _, _ = self.score([m], [detection(90, 96, 100, 100, 300, 200)])
        self.assertEqual(r["recall"], 0.0)  # before the start, likewise
        r, _, _ = self.score([m], [detection(113, 120, 100, 100, 300, 200)], "--frame-tol", "2")
        self.assertEqual(r["recall"], 0.0)

    def test_endpoint_off_the_line(self):
        m = meteor(1, 100, 110, 100, 100, 300, 100, 6.0)  # horizontal at y=100
        r, _, _ = self.score([m], [detection(100, 110, 100, 100, 300, 140)])
        self.assertEqual(r["recall"], 0.0)  # end 40 px off
        self.assertEqual(r["fp"], 1)
        r, _, _ = self.score([m], [detection(100, 110, 100, 100, 300, 128)])
        self.assertEqual(r["recall"], 1.0)  # 28 px off: within --dist-tol 30
        r, _, _ = self.score([m], [detection(100, 110, 100, 100, 300, 128)], "--dist-tol", "10")
        self.assertEqual(r["recall"], 0.0)

    def test_along_the_line_but_beyond_the_segment(self):
        # 200 px in frames 100-110: 20 px a frame, so 3 frames reach 60 px
        m = meteor(1, 100, 110, 100, 100, 300, 100, 6.0)
        r, _, _ = self.score([m], [detection(100, 110, 340, 100, 400, 100)])
        self.assertEqual(r["recall"], 0.0)  # starts 40 px past the end
        r, _, _ = self.score([m], [detection(100, 110, 305, 100, 380, 100)])
        self.assertEqual(r["recall"], 1.0)  # ends 80 px past: within 30 px + 3 frames
        r, _, _ = self.score([m], [detection(100, 110, 150, 100, 400, 100)])
        self.assertEqual(r["recall"], 0.0)  # runs 100 px past the end

    def test_elsewhere_in_the_same_frames_is_no_match(self):
        # a noise track far from the meteor, in its frames, finds nothing:
        # the meteor is missed and the track is a false positive
        m = METEORS[3]  # frames 400-420, (50,50) -> (250,60)
        r, _, _ = self.score([SKY, m, END], [detection(402, 405, 900, 500, 915, 505)])
        self.assertEqual(r["recall"], 0.0)
        self.assertEqual(r["fp"], 1)
        self.assertEqual(r["fp_by_kind"]["noise"], 1)

    def test_reversed_direction_matches(self):
        m = METEORS[1]
        rev = detection(m["first-frame"], m["last-frame"], m["x1"], m["y1"], m["x0"], m["y0"])
        r, _, _ = self.score([m], [rev])
        self.assertEqual(r["recall"], 1.0)
        self.assertEqual(r["fp"], 0)

    def test_one_to_one_and_empty_sets(self):
        # Two detections of one meteor plus a far one: 1 match, 1 dup, 1 FP.
        m = METEORS[0]
        r, out, _ = self.score([m, {"kind": "aurora"}, ""],
                               [same_track(m), same_track(m), detection(0, 1, 1, 1, 2, 2)])
        self.assertEqual((r["recall"], r["duplicates"], r["fp"]), (1.0, 1, 1))
        self.assertEqual(r["recall_by_kind"]["fireball"], {"matched": 0, "total": 0, "recall": None})
        self.assertIn("fireball: 0/0 = n/a", out)
        r, out, _ = self.score([SKY, END], [])
        self.assertIsNone(r["recall"])
        self.assertIsNone(r["precision"])
        self.assertIn("recall: 0/0 = n/a", out)

    def test_malformed_json_exits_2_naming_file_and_line(self):
        r, out, err = self.score([SKY, METEORS[0], "", '{"kind": "meteor", "id": 2,'], [],
                                 expect_rc=2)
        self.assertIsNone(r)
        self.assertIn("truth.jsonl:4:", err)
        _, _, err = self.score([SKY], [same_track(METEORS[0]), {"first-frame": 1}], expect_rc=2)
        self.assertIn("det.jsonl:2:", err)
        self.assertIn("last-frame", err)
        _, _, err = self.score([SKY, dict(METEORS[0], snr="high")], [], expect_rc=2)
        self.assertIn("truth.jsonl:2:", err)
        _, _, err = self.score([SKY], [detection(1.5, 3, 0, 0, 1, 1)], expect_rc=2)
        self.assertIn("det.jsonl:1: field 'first-frame' must be an integer", err)

    def test_threshold_options(self):
        plane = {"kind": "plane", "id": 9, "first-frame": 0, "last-frame": 9000,
                 "x0": 0, "y0": 700, "x1": 1279, "y1": 700, "peak": 1.0, "snr": 1.0}
        truth = [SKY, *METEORS, plane, END]
        dets = [same_track(m) for m in METEORS if m["id"] != 3]  # snr 3-5: 0.5, >=5: 1.0
        dets.append(detection(10, 12, 100, 700, 130, 700))  # 1 FP = 10/hour
        _, _, err = self.score(truth, dets, "--min-recall-snr5", "1.0", "--min-recall-snr3", "0.5",
                               "--max-fp-per-hour", "10")
        self.assertEqual(err, "")
        _, _, err = self.score(truth, dets, "--min-recall-snr3", "0.6", expect_rc=1)
        self.assertIn("--min-recall-snr3: recall snr 3-5 0.500 < 0.6", err)
        _, _, err = self.score(truth, dets, "--max-fp-per-hour", "9.5", expect_rc=1)
        self.assertIn("--max-fp-per-hour: fp/hour 10.000 > 9.5", err)
        self.assertNotIn("snr", err)
        dets.remove(same_track(METEORS[4]))
        _, _, err = self.score(truth, dets, "--min-recall-snr5", "0.9", expect_rc=1)
        self.assertIn("--min-recall-snr5: recall snr >=5 0.500 < 0.9", err)
        # A bound that cannot be measured is an error, not a pass.
        _, _, err = self.score(METEORS[:1], [], "--max-fp-per-hour", "1", expect_rc=2)
        self.assertIn("--max-fp-per-hour", err)


CANARY_CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "canary-check")


class CanaryCheckTest(unittest.TestCase):
    """canary-check: the canaries' recall by band against the meteors'."""

    def run_check(self, found, missed, matched, total):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        bands = ("snr3", "snr5", "snr10")
        fields = ", ".join(
            f"canary-found-{b}=(guint64){f}, canary-missed-{b}=(guint64){m}"
            for b, f, m in zip(bands, found, missed))
        log = os.path.join(tmp.name, "log")
        with open(log, "w") as f:
            f.write("Got message #9 from element \"meteordetect0\" (element): "
                    "meteordetect-stats, frames=(guint64)100, canary-injected=(guint64)"
                    f"{sum(found) + sum(missed)}, canary-found=(guint64){sum(found)}, "
                    f"canary-missed=(guint64){sum(missed)}, {fields};\n")
        score = os.path.join(tmp.name, "score.json")
        bins = ("3-5", "5-10", "10+")
        with open(score, "w") as f:
            json.dump({"recall_by_snr": {b: {"matched": m, "total": t,
                                             "recall": m / t if t else None}
                                         for b, m, t in zip(bins, matched, total)}}, f)
        return subprocess.run([sys.executable, CANARY_CHECK, log, score],
                              capture_output=True, text=True, timeout=60)

    def test_agree(self):
        p = self.run_check((16, 40, 50), (4, 1, 0), (33, 60, 70), (40, 62, 70))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("snr 3-5: canaries 16/20 = 0.800, meteors 33/40 = 0.825: agree", p.stdout)

    def test_differ(self):
        p = self.run_check((5, 40, 50), (25, 1, 0), (36, 60, 70), (40, 62, 70))
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("FAIL canary recall at snr 3-5", p.stderr)

    def test_too_few_is_no_pass(self):
        p = self.run_check((2, 3, 1), (1, 0, 0), (33, 60, 70), (40, 62, 70))
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
