"""Issue 11 item 6: `--executor dask --scheduler ADDRESS` runs pages and documents on a cluster.

A LocalCluster in this process (two workers, threads) stands in for a scheduler and workers on
several machines: the test checks that its workers ran the tasks and that the output folder is
byte-identical to the local executor's.
"""

from __future__ import annotations

import shutil

import pytest

from bench.generate import generate
from pipeline.cli import main
from tests.conftest import CORPUS_INPUTS, folder_bytes

distributed = pytest.importorskip("distributed")


def test_a_dask_cluster_runs_the_tasks_and_writes_what_the_local_executor_writes(tmp_path):
    inputs = tmp_path / "in"
    generate(inputs / "text", 2)
    shutil.copyfile(CORPUS_INPUTS / "images" / "000-iop-ikf-p1.png", inputs / "scan.png")
    shutil.copyfile(CORPUS_INPUTS / "born-digital" / "003-iop-aterrapportering.pdf", inputs / "born.pdf")
    assert main(["run", str(inputs), "--out", str(tmp_path / "local"), "--jobs", "1", "--no-progress"]) == 0

    with (distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
          distributed.Client(cluster) as client, distributed.get_task_stream(client) as stream):
        code = main(["run", str(inputs), "--out", str(tmp_path / "dask"), "--no-progress",
                     "--executor", "dask", "--scheduler", cluster.scheduler_address,
                     "--no-ocr-cache"])  # the page is OCR'd on the cluster, not read from the local run's cache
        workers = set(cluster.scheduler.workers)
    assert code == 0
    ran = [task for task in stream.data if task["key"].startswith("perform-")]
    assert len(ran) == 4 + 1 + 1  # four inputs read (two finished there), one page OCR'd, one document finished
    assert {task["worker"] for task in ran} <= workers

    local, remote = folder_bytes(tmp_path / "local"), folder_bytes(tmp_path / "dask")
    assert sorted(local) == sorted(remote)
    assert [name for name in local if local[name] != remote[name]] == []


def test_dask_needs_a_scheduler(tmp_path, caplog):
    assert main(["run", str(CORPUS_INPUTS / "images"), "--out", str(tmp_path), "--executor", "dask"]) == 2
    assert "--scheduler" in caplog.text
