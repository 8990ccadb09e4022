"""The loader rejects bad standards with one located line each, exit code 2, no traceback."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcstd.cli.main import cli
from svcstd.errors import SpecError
from svcstd.spec import load_release
from svcstd.spec.loader import MAX_FILE_BYTES, MAX_NODES

CORPUS = Path(__file__).parent.parent / "corpus" / "spec"
CASES = sorted(CORPUS.glob("*.yaml"))

HANDBOOK = """\
handbook:
  id: demo
  title: Demo handbook
  version: "2025.1"
  effective_from: 2025-01-01
"""


def make_release(tmp_path: Path, topic: str | bytes, name: str = "topic.yaml") -> Path:
    folder = tmp_path / "standards" / "2025.1"
    folder.mkdir(parents=True)
    (folder / "handbook.yaml").write_text(HANDBOOK, encoding="utf-8")
    target = folder / name
    if isinstance(topic, bytes):
        target.write_bytes(topic)
    else:
        target.write_text(topic, encoding="utf-8")
    return folder


def expectation(case: Path) -> str:
    first = case.read_text(encoding="utf-8").splitlines()[0]
    m = re.match(r"# expect: (.*)$", first)
    assert m, f"{case.name} lacks an '# expect:' first line"
    return m.group(1)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_corpus_case_gives_one_located_line(tmp_path: Path, case: Path) -> None:
    folder = make_release(tmp_path, case.read_text(encoding="utf-8"))
    with pytest.raises(SpecError) as info:
        load_release(folder)
    lines = [str(p) for p in info.value.problems]
    assert lines == [f"{folder / 'topic.yaml'}:{expectation(case)}"]


@pytest.mark.parametrize("case", CASES[:4], ids=[c.stem for c in CASES[:4]])
def test_cli_exits_2_with_error_lines_and_no_traceback(tmp_path: Path, case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_release(tmp_path, case.read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["summary", "standards"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: standards/2025.1/topic.yaml:{expectation(case)}\n"
    assert "Traceback" not in result.output


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("roles: *a8")
    folder = make_release(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(SpecError) as info:
        load_release(folder)
    (problem,) = info.value.problems
    assert f"more than {MAX_NODES} nodes (alias bomb?)" in problem.message


def test_modest_aliases_are_allowed(tmp_path: Path) -> None:
    topic = """\
roles:
  - id: agent
    title: Agent
    rank: 1
    duties: &duties [answer customers]
  - id: lead
    title: Team lead
    rank: 2
    duties: *duties
"""
    release = load_release(make_release(tmp_path, topic))
    assert [r.duties for r in release.roles] == [["answer customers"], ["answer customers"]]


def test_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    folder = make_release(tmp_path, "# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    with pytest.raises(SpecError, match="spec files are limited to"):
        load_release(folder)


def test_non_utf8_names_the_line(tmp_path: Path) -> None:
    folder = make_release(tmp_path, "roles:\n  - id: agent\n    title: " .encode() + "客服".encode("gbk") + b"\n")
    with pytest.raises(SpecError) as info:
        load_release(folder)
    assert [str(p) for p in info.value.problems] == [
        f"{folder / 'topic.yaml'}:3: not UTF-8 text (spec files are UTF-8)"
    ]


def test_nul_byte_names_the_line(tmp_path: Path) -> None:
    folder = make_release(tmp_path, b"roles: []\n# x\x00y\n")
    with pytest.raises(SpecError, match=r"topic\.yaml:2: NUL byte"):
        load_release(folder)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    folder = make_release(tmp_path, "\ufeffroles:\n  - {id: agent, title: 客服專員, rank: 1}\n".encode())
    assert load_release(folder).roles[0].title == "客服專員"


def test_version_must_match_folder(tmp_path: Path) -> None:
    folder = make_release(tmp_path, "roles: []\n")
    shutil.move(folder, folder.parent / "2025.2")
    with pytest.raises(SpecError, match=r"handbook\.yaml:4:3: version '2025.1' does not match the release folder name '2025.2'"):
        load_release(folder.parent / "2025.2")


def test_handbook_section_only_in_handbook_yaml(tmp_path: Path) -> None:
    folder = make_release(tmp_path, HANDBOOK)
    with pytest.raises(SpecError, match=r"topic\.yaml:1: the 'handbook:' section belongs in handbook\.yaml"):
        load_release(folder)


def test_every_problem_of_every_file_is_reported(tmp_path: Path) -> None:
    folder = make_release(tmp_path, "roles:\n  - {id: agent, title: Agent}\n")
    (folder / "more.yaml").write_text("kpis:\n  - {id: KPI-001}\n", encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_release(folder)
    shown = [str(p).split("/")[-1] for p in info.value.problems]
    assert shown[0] == "more.yaml:2:5: missing required field 'title' in kpis[0]"
    assert "topic.yaml:2:5: missing required field 'rank' in roles[0]" in shown


def test_nodes_know_where_they_were_written(tmp_path: Path) -> None:
    topic = "roles:\n  - id: agent\n    title: Agent\n    rank: 1\n    duties: [answer]\n"
    release = load_release(make_release(tmp_path, topic))
    role = release.roles[0]
    assert (role.loc.line, role.loc.col) == (2, 5)
    assert str(role.where("duties")).endswith("topic.yaml:5:5")
    assert role.model_dump(by_alias=True).get("__loc__") is None
