#!/usr/bin/env python3
"""peerimage.py - the Linux peer's files: kernel, programs, initramfs.

`make peer` (scripts/peer.py, docs/peer.md) boots a Debian cloud kernel in
the same QEMU as this kernel and runs the same benchmark program in it.
This module makes what that boot needs, all under build/peer/:

    vmlinuz        the kernel, from the Debian package
    linux.json     which package (name, version, sha256 of the .deb)
    scale, init    user/bin/scale.c and bench/peer/init.c, built with the
                   host's gcc against glibc, statically
    initramfs.cpio /init, /bin/scale, /dev/console (cpio newc, written here:
                   no cpio package needed)

fetch_kernel() uses the package client only: `apt-get download
linux-image-cloud-amd64` (a metapackage), then the versioned
`linux-image-<abi>-cloud-amd64` it depends on, whose vmlinuz
`dpkg-deb -x` extracts.  A failed download is retried once after
`apt-get update` (as root; otherwise the command to run is said).  It
raises PeerError, with what to do, when the kernel cannot be had.
image() says whether a fetched kernel is there without fetching (what
`make compare`'s E0 asks).  Python 3.11 standard library, apt-get,
dpkg-deb and gcc.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matrix  # noqa: E402

ROOT = matrix.ROOT
PEER_DIR = os.path.join(ROOT, "build", "peer")
META_PACKAGE = "linux-image-cloud-amd64"
SCALE_SRC = os.path.join(ROOT, "user", "bin", "scale.c")
INIT_SRC = os.path.join(ROOT, "bench", "peer", "init.c")
CFLAGS = ["-O2", "-Wall", "-Wextra", "-static", "-pthread"]


class PeerError(Exception):
    """The peer's files cannot be made; the message says why and what to do."""


def image(peer_dir: str = PEER_DIR) -> dict | None:
    """The fetched kernel's linux.json (plus `vmlinuz`, its path), or None
    when there is none (or it is incomplete).  Fetches nothing."""
    try:
        with open(os.path.join(peer_dir, "linux.json")) as f:
            info = json.load(f)
    except (OSError, ValueError):
        return None
    path = os.path.join(peer_dir, "vmlinuz")
    if not isinstance(info, dict) or not os.path.isfile(path):
        return None
    return dict(info, vmlinuz=path)


def _run(cmd: list[str], cwd: str | None = None,
         timeout: float = 600) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                              timeout=timeout)
    except FileNotFoundError:
        raise PeerError(f"{cmd[0]} not found: the Linux peer needs Debian's "
                        f"package tools (apt-get, dpkg-deb)") from None
    except subprocess.TimeoutExpired:
        raise PeerError(f"`{' '.join(cmd)}` took more than {timeout:.0f} s"
                        ) from None


def _download(package: str, dest: str, say) -> str:
    """apt-get download package into dest; the .deb's path.  After a
    failure, apt-get update (root) and one more try."""
    for attempt in (1, 2):
        p = _run(["apt-get", "download", package], cwd=dest)
        debs = [f for f in os.listdir(dest)
                if f.startswith(package + "_") and f.endswith(".deb")]
        if p.returncode == 0 and debs:
            return os.path.join(dest, sorted(debs)[-1])
        err = (p.stderr or p.stdout).strip().splitlines()[-3:]
        if attempt == 2:
            break
        if os.geteuid() != 0:
            raise PeerError(
                f"`apt-get download {package}` failed ({' / '.join(err)}); "
                f"the package lists may be stale: run `apt-get update` as "
                f"root, then `make peer` again")
        say(f"peer: apt-get download {package} failed; running apt-get "
            f"update and trying again")
        _run(["apt-get", "update", "-q"], timeout=900)
    raise PeerError(f"cannot download {package} with apt-get "
                    f"({' / '.join(err)}): no Linux kernel to boot, so no "
                    f"figures")


def versioned_package(depends: str) -> str | None:
    """The `linux-image-<abi>-cloud-amd64` package a metapackage's Depends
    field names (the first alternative that matches), or None."""
    for alt in re.split(r"[,|]", depends):
        name = alt.strip().split(" ", 1)[0]
        if re.fullmatch(r"linux-image-\d[\w.+-]*-cloud-amd64(-unsigned)?",
                        name):
            return name
    return None


def fetch_kernel(peer_dir: str = PEER_DIR, refresh: bool = False,
                 say=print) -> dict:
    """build/peer/vmlinuz and linux.json, downloaded unless already there
    (refresh: again).  Return image()'s dict; raise PeerError."""
    have = image(peer_dir)
    if have and not refresh:
        return have
    os.makedirs(peer_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=peer_dir, prefix="fetch-") as tmp:
        os.chmod(tmp, 0o755)    # apt's _apt user writes here when it can
        meta = _download(META_PACKAGE, tmp, say)
        p = _run(["dpkg-deb", "-f", meta, "Depends"])
        pkg = versioned_package(p.stdout)
        if p.returncode != 0 or not pkg:
            raise PeerError(f"{os.path.basename(meta)}: no versioned "
                            f"linux-image-*-cloud-amd64 in its Depends "
                            f"({p.stdout.strip() or p.stderr.strip()})")
        say(f"peer: {META_PACKAGE} depends on {pkg}; downloading it")
        deb = _download(pkg, tmp, say)
        root = os.path.join(tmp, "root")
        p = _run(["dpkg-deb", "-x", deb, root])
        if p.returncode != 0:
            raise PeerError(f"dpkg-deb -x {os.path.basename(deb)} failed: "
                            f"{p.stderr.strip()}")
        boot = os.path.join(root, "boot")
        kernels = sorted(f for f in os.listdir(boot)
                         if f.startswith("vmlinuz-")) \
            if os.path.isdir(boot) else []
        if not kernels:
            raise PeerError(f"{os.path.basename(deb)} has no boot/vmlinuz-*")
        version = _run(["dpkg-deb", "-f", deb, "Version"]).stdout.strip()
        with open(deb, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        shutil.copyfile(os.path.join(boot, kernels[0]),
                        os.path.join(peer_dir, "vmlinuz"))
        info = dict(package=pkg, version=version,
                    release=kernels[0].removeprefix("vmlinuz-"),
                    deb=os.path.basename(deb), sha256=digest,
                    metapackage=os.path.basename(meta))
        with open(os.path.join(peer_dir, "linux.json"), "w") as f:
            json.dump(info, f, indent=2)
            f.write("\n")
    return image(peer_dir)


# ==========================================================================
# The programs and the initramfs
# ==========================================================================

def build_programs(peer_dir: str = PEER_DIR, cc: str = "gcc") -> dict:
    """scale and init, static, against the host's glibc; {name: path}."""
    os.makedirs(peer_dir, exist_ok=True)
    out = {}
    for name, src in (("scale", SCALE_SRC), ("init", INIT_SRC)):
        path = os.path.join(peer_dir, name)
        p = _run([cc, *CFLAGS, src, "-o", path])
        if p.returncode != 0:
            raise PeerError(
                f"building {os.path.relpath(src, ROOT)} with `{cc} "
                f"{' '.join(CFLAGS)}` failed (a static glibc, libc6-dev, is "
                f"needed):\n{p.stderr.strip()[-1500:]}")
        out[name] = path
    return out


def _newc(name: str, mode: int, data: bytes = b"", ino: int = 0,
          rdev: tuple[int, int] = (0, 0), nlink: int = 1) -> bytes:
    """One cpio "newc" (070701) entry: the 110-byte ASCII header, the
    name with its NUL padded to 4 bytes, the data padded to 4 bytes."""
    fields = (ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
              len(name) + 1, 0)
    head = b"070701" + b"".join(b"%08X" % v for v in fields)
    out = head + name.encode() + b"\0"
    out += b"\0" * (-len(out) % 4)
    return out + data + b"\0" * (-len(data) % 4)


def cpio_newc(entries: list[tuple]) -> bytes:
    """An archive of entries (name, mode, data or b"", rdev or None), in
    order, closed by the TRAILER!!! entry.  Owner root, mtime 0."""
    out = b""
    for ino, (name, mode, data, rdev) in enumerate(entries, 1):
        out += _newc(name, mode, data, ino, rdev or (0, 0),
                     2 if stat.S_ISDIR(mode) else 1)
    return out + _newc("TRAILER!!!", 0)


def make_initramfs(programs: dict, peer_dir: str = PEER_DIR) -> str:
    """build/peer/initramfs.cpio: /init, /bin/scale, /dev/console (char
    5,1: the kernel opens it for init's standard streams); its path."""
    def read(p):
        with open(p, "rb") as f:
            return f.read()
    exe = stat.S_IFREG | 0o755
    entries = [(".", stat.S_IFDIR | 0o755, b"", None),
               ("dev", stat.S_IFDIR | 0o755, b"", None),
               ("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1)),
               ("bin", stat.S_IFDIR | 0o755, b"", None),
               ("bin/scale", exe, read(programs["scale"]), None),
               ("init", exe, read(programs["init"]), None)]
    path = os.path.join(peer_dir, "initramfs.cpio")
    with open(path + ".tmp", "wb") as f:
        f.write(cpio_newc(entries))
    os.replace(path + ".tmp", path)
    return path


def prepare(peer_dir: str = PEER_DIR, fetch: bool = True,
            refresh: bool = False, say=print) -> tuple[dict, str]:
    """Everything a Linux boot needs: (image()'s dict, initramfs path).
    fetch=False: use a kernel already fetched, else PeerError."""
    info = fetch_kernel(peer_dir, refresh, say) if fetch else image(peer_dir)
    if info is None:
        raise PeerError(f"no Linux kernel in "
                        f"{os.path.relpath(peer_dir, os.getcwd())}/: "
                        f"`make peer` fetches one (apt-get download "
                        f"{META_PACKAGE})")
    return info, make_initramfs(build_programs(peer_dir), peer_dir)
