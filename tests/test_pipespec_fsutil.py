"""pipespec.fsutil: atomic writes (mode, killed writers) and bounded reads of regular files."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipespec.fsutil import atomic_open, atomic_write, clean_stale_temps, read_regular


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "a.json", "{}")
        os.umask(0o027)
        atomic_write(tmp_path / "b.json", b"{}")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a.json") == 0o644
    assert _mode(tmp_path / "b.json") == 0o640
    assert (tmp_path / "a.json").read_text() == "{}"


def test_overwrite_keeps_the_replaced_files_mode(tmp_path: Path) -> None:
    target = tmp_path / "shared.json"
    target.write_text("old")
    target.chmod(0o664)
    atomic_write(target, "new")
    assert target.read_text() == "new"
    assert _mode(target) == 0o664


def test_failure_inside_the_block_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "x.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_open(target, "w") as fh:
        fh.write("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]


def test_never_writes_through_a_planted_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    target = tmp_path / "out.bin"
    target.symlink_to(victim)
    atomic_write(target, b"data")
    assert victim.read_text() == "keep"  # the link was replaced, its target untouched
    assert not target.is_symlink() and target.read_bytes() == b"data"


def test_killed_writer_leaves_old_file_intact_and_its_temp_is_cleaned(tmp_path: Path) -> None:
    target = tmp_path / "task.json"
    target.write_text('{"old": true}')
    ready = tmp_path / "ready"
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from pipespec.fsutil import atomic_open
        with atomic_open({str(target)!r}, "w") as fh:
            fh.write('{{"new": ')
            fh.flush()
            Path({str(ready)!r}).write_text("1")
            time.sleep(60)
            fh.write('true}}')
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        temps = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        assert len(temps) == 1 and temps[0].read_text() == '{"new": '
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    assert target.read_text() == '{"old": true}'
    assert clean_stale_temps(tmp_path) == temps
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ready", "task.json"]


def test_clean_stale_temps_keeps_a_live_writers_temp(tmp_path: Path) -> None:
    live = tmp_path / f".x.json.{os.getpid()}.0123abcd.tmp"
    live.write_text("")
    other = tmp_path / ".notes.tmp"  # not one of ours
    other.write_text("")
    assert clean_stale_temps(tmp_path) == []
    assert live.exists() and other.exists()


def test_read_regular_refuses_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(OSError, match="named pipe"):
        read_regular(fifo)
    assert time.monotonic() - start < 5


def test_read_regular_refuses_devices_folders_and_big_files(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="device"):
        read_regular("/dev/zero")
    with pytest.raises(IsADirectoryError):
        read_regular(tmp_path)
    big = tmp_path / "big.json"
    big.write_bytes(b"x" * 101)
    with pytest.raises(OSError, match="100-byte limit"):
        read_regular(big, max_bytes=100)
    assert read_regular(big, max_bytes=101) == b"x" * 101
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "missing.json")
