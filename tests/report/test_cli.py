"""``svcstd check --format F -o PATH`` writes every format."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from svcstd.cli.main import cli
from svcstd.report import REPORTERS

from .conftest import FIXTURE, ROOT


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_check_writes_each_format(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / f"report.{fmt}"
    args = [
        "check",
        "tests/fixtures/report/cases.csv",
        "-p",
        "svcstd",
        "--standards",
        str(FIXTURE),
        "--as-of",
        "2025-04-15T00:00:00+08:00",
        "--format",
        fmt,
        "-o",
        str(out),
    ]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 1, res.output  # the fixture has error-level failures
    assert out.stat().st_size > 0


def test_site_url_reaches_the_reporters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "report.html"
    args = ["check", "tests/fixtures/report/cases.csv", "-p", "svcstd", "--standards",
            str(FIXTURE), "--as-of", "2025-04-15T00:00:00+08:00", "--format", "html", "-o",
            str(out), "--site-url", "https://handbook.example.org/"]  # fmt: skip
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 1, res.output
    assert 'href="https://handbook.example.org/releases/2025.1/time-limits/#tl-001"' in (
        out.read_text(encoding="utf-8")
    )


def test_reports_get_the_ordinary_file_mode(tmp_path, monkeypatch) -> None:
    import os
    import stat
    from pathlib import Path

    from svcstd.io import write_atomically

    old = os.umask(0o022)
    try:
        target = Path(tmp_path) / "report.txt"
        write_atomically(target, "x")
        assert stat.S_IMODE(target.stat().st_mode) == 0o644
    finally:
        os.umask(old)


def test_output_to_a_fifo_writes_into_it_and_keeps_it_a_fifo(tmp_path) -> None:
    # `--output /dev/null` (or a named pipe) must not swap the device for an ordinary file.
    import os
    import stat
    import threading
    from pathlib import Path

    from svcstd.io import write_atomically

    fifo = Path(tmp_path) / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_atomically(fifo, "report\n")
    reader.join(timeout=10)
    assert got == [b"report\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_output_to_a_file_still_prints_the_summary_unless_quiet(tmp_path) -> None:
    from pathlib import Path

    from click.testing import CliRunner

    from svcstd.cli.main import cli

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "checks" / "engine"
    base = ["check", str(fixture / "cases.csv"), "-p", "svcstd", "--standards", str(fixture),
            "--as-of", "2026-02-01T00:00:00+08:00", "--format", "html"]  # fmt: skip
    loud = CliRunner().invoke(cli, [*base, "-o", str(tmp_path / "a.html")])
    assert loud.exit_code == 1
    assert "TL-001" in loud.stdout and loud.stdout.rstrip().endswith(f"report written to {tmp_path / 'a.html'}")
    quiet = CliRunner().invoke(cli, [*base, "-o", str(tmp_path / "b.html"), "--quiet"])
    assert quiet.exit_code == 1 and quiet.stdout == ""
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()


def test_progress_bar_on_a_terminal_only(tmp_path) -> None:
    import os
    import pty
    import subprocess
    import sys
    from pathlib import Path

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "checks" / "engine"
    cmd = [sys.executable, "-m", "svcstd", "check", str(fixture / "cases.csv"), "-p", "svcstd",
           "--standards", str(fixture), "--as-of", "2026-02-01T00:00:00+08:00", "--fail-on", "never",
           "-o", str(tmp_path / "r.txt"), "--quiet"]  # fmt: skip
    piped = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert piped.stderr == ""  # not a terminal: no progress output in logs
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=follower, env=env, check=True)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert proc.returncode == 0
    assert b"reading records" in seen or b"time_limits" in seen or b"evidence" in seen
