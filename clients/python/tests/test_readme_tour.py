"""README.md's tour, run exactly as printed (but for its `pip install` line: the client under
test is already importable), from a folder that holds the repository's clients/ as the tour's
working folder does."""

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def tour_lines():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## A short tour\n.*?```sh\n(.*?)```", readme, re.S)
    assert block, "README.md has no tour"
    return block.group(1).splitlines()


def test_the_readme_tour_runs_as_printed(tmp_path, binary):
    lines = tour_lines()
    (tmp_path / "clients").symlink_to(ROOT / "clients")
    script = "\n".join(line for line in lines if not line.startswith("pip install"))
    environment = dict(os.environ, PATH=f"{Path(binary).parent}{os.pathsep}{os.environ['PATH']}",
                       PYTHONPATH=str(ROOT / "clients" / "python"))
    environment.pop("RRM_LEDGER", None)
    result = subprocess.run(["bash", "-e", "-x", "-c", script], cwd=tmp_path, env=environment, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    # The head the tour shows is the one the example records (its times are its own, so it is the same every run).
    shown = next(re.search(r"# (\d+:[0-9a-f]+)…", line).group(1) for line in lines if line.startswith("rrm-ledger head"))
    assert (tmp_path / "trusted-head.txt").read_text().startswith(shown)
    assert "trusted on first use" in result.stdout
    assert re.search(r'trace of critique "crit-2-22" at level 2: audited: erroneous', result.stdout)
    for name in ("report.html", "next-audits.csv", "evidence.tar.gz", "shared.tar.gz", "truth.jsonl", "lineage.svg", "pipeline.prov.json"):
        assert (tmp_path / name).stat().st_size > 0, name
