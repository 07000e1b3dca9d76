#!/usr/bin/env python3
"""scripts/tests/test_kbuild.py - how builds find a parent make's jobserver
(scripts/kbuild.py): the pipe-fd forms of GNU make up to 4.3 and the
named-pipe form of 4.4, and the -j a build gets without one."""

import os
import tempfile
import unittest
from unittest import mock

import harness

import kbuild


def with_makeflags(flags):
    return mock.patch.dict(os.environ, {"MAKEFLAGS": flags})


class Jobserver(unittest.TestCase):
    def test_none(self):
        with with_makeflags(""):
            self.assertEqual(kbuild._parent_jobserver(), (False, ()))
            self.assertEqual(kbuild.make_jobs(),
                             [f"-j{len(os.sched_getaffinity(0))}"])

    def test_pipe_fds_open(self):
        r, w = os.pipe()
        try:
            for form in ("auth", "fds"):
                with with_makeflags(f" -j2 --jobserver-{form}={r},{w}"):
                    self.assertEqual(kbuild._parent_jobserver(), (True, (r, w)))
                    self.assertEqual(kbuild.make_jobs(), [])
        finally:
            os.close(r)
            os.close(w)

    def test_pipe_fds_closed(self):
        r, w = os.pipe()
        os.close(r)
        os.close(w)
        with with_makeflags(f" -j2 --jobserver-auth={r},{w}"):
            self.assertEqual(kbuild._parent_jobserver(), (False, ()))
            self.assertNotEqual(kbuild.make_jobs(), [])

    def test_fifo(self):
        with tempfile.TemporaryDirectory() as d:
            fifo = os.path.join(d, "GMfifo1")
            os.mkfifo(fifo)
            with with_makeflags(f" -j2 --jobserver-auth=fifo:{fifo}"):
                self.assertEqual(kbuild._parent_jobserver(), (True, ()))
                self.assertEqual(kbuild.make_jobs(), [])
            # A fifo that is gone: no jobserver to share.
            with with_makeflags(f" -j2 --jobserver-auth=fifo:{fifo}.gone"):
                self.assertEqual(kbuild._parent_jobserver(), (False, ()))


if __name__ == "__main__":
    harness.main()
