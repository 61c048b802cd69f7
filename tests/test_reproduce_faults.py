"""Faults of the reproduction command: damaged caches, impossible sizes, interrupted writes.

A cached value changed by one character is named and recomputed, never drawn; an impossible value
(not a fraction) is rejected; a bad worker count or an output path that names a file gets a
message before anything is written; outputs are written atomically; stale temporary files are
removed; workers exit with the process that started them; an unreachable Dask scheduler fails
within seconds.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from lecture_utils import reproduce, sweeps
from lecture_utils.sweeps import ResultCache, cell_key, run_sweep

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fresh_fig2(tmp_path_factory):
    out = tmp_path_factory.mktemp("fig2")
    values = reproduce.reproduce("fig2", quick=True, out=out, progress=False)
    return out, values


def _cached_records(out: Path) -> list[Path]:
    return sorted((out / "cache").glob("*.json"))


def _edit(path: Path, change) -> None:
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record, sort_keys=True))


def _other_first_digit(text: str) -> str:
    """Change the first digit of the value (1.0 -> 0.0, 0.79 -> 1.79): still a number."""
    at = text.index('"value": ') + len('"value": ')
    digit = text[at]
    return text[:at] + ("0" if digit != "0" else "1") + text[at + 1 :]


def _digit_dropped(text: str) -> str:
    """Drop the last digit of the value (0.79 -> 0.7, 1.0 -> 1.): still valid JSON or not."""
    at = text.index('"value": ') + len('"value": ')
    end = at
    while text[end] not in ",}":
        end += 1
    return (
        text[: end - 1] + "5" + text[end:]
        if text[end - 1] != "5"
        else text[: end - 1] + "4" + text[end:]
    )


@pytest.mark.parametrize("text_change", [_other_first_digit, _digit_dropped])
def test_a_cached_value_changed_by_one_character_is_named_and_recomputed(
    fresh_fig2, tmp_path, capsys, text_change
):
    out, fresh = fresh_fig2
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "cache").mkdir()
    for path in _cached_records(out):
        (copy / "cache" / path.name).write_text(path.read_text())
    victim = _cached_records(copy)[0]
    before = victim.read_text()
    victim.write_text(text_change(before))
    assert victim.read_text() != before
    again = reproduce.reproduce("fig2", quick=True, out=copy, progress=True)
    err = capsys.readouterr().err
    assert str(victim) in err and "checksum" in err
    assert all(np.array_equal(again[label], fresh[label]) for label in fresh)


@pytest.mark.parametrize("bad_value", [None, 7.5, -0.1, "0.5"])
def test_an_impossible_cached_value_is_rejected_even_with_a_valid_checksum(
    fresh_fig2, tmp_path, capsys, bad_value
):
    # A record written whole (checksum valid) by code that computed something impossible.
    out, fresh = fresh_fig2
    copy = tmp_path / "copy"
    (copy / "cache").mkdir(parents=True)
    for path in _cached_records(out):
        (copy / "cache" / path.name).write_text(path.read_text())
    victim = _cached_records(copy)[0]

    def change(record):
        record["value"] = bad_value
        record["checksum"] = sweeps._checksum(record)

    _edit(victim, change)
    again = reproduce.reproduce("fig2", quick=True, out=copy, progress=True)
    err = capsys.readouterr().err
    assert str(victim) in err and "impossible value" in err
    assert all(np.array_equal(again[label], fresh[label]) for label in fresh)


def test_a_record_of_another_code_version_is_reported_as_such(tmp_path, capsys):
    sys.path.insert(0, str(ROOT / "tests"))
    from sweep_cells import labels

    cells = [{"n": 2, "seed": 0}]
    cache = ResultCache(tmp_path)
    key = cell_key(labels, cells[0])
    cache.put(key, cells[0], [0.0, 0.0])
    _edit(
        cache.path(key),
        lambda r: r.update(
            code_version="0123456789abcdef01234567",
            checksum=sweeps._checksum(
                {**r, "code_version": "0123456789abcdef01234567"}
            ),
        ),
    )
    run_sweep(labels, cells, cache_dir=tmp_path, progress=True)
    err = capsys.readouterr().err
    assert "(no code version)" not in err
    assert "code version 0123456789abcdef01234567" in err


def test_too_many_workers_are_bounded_by_the_machine(tmp_path, capsys):
    sys.path.insert(0, str(ROOT / "tests"))
    from sweep_cells import sleepy_labels

    cells = [{"n": 2, "seed": s} for s in range(3)]
    values = run_sweep(sleepy_labels, cells, workers=100_000, progress=True)
    assert len(values) == 3
    err = capsys.readouterr().err
    assert f"100000 workers asked for, {sweeps.max_workers()} started" in err


@pytest.mark.parametrize("workers", ["0", "-1"])
def test_a_bad_worker_count_is_refused_before_anything_is_written(
    tmp_path, capsys, workers
):
    out = tmp_path / "results"
    with pytest.raises(SystemExit) as info:
        reproduce.main(
            ["reproduce", "fig2", "--quick", "--workers", workers, "--out", str(out)]
        )
    assert info.value.code == 2
    assert "--workers must be a positive integer" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("option", ["--out", "--cache"])
def test_an_output_path_that_names_a_file_gets_a_message(tmp_path, capsys, option):
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder")
    argv = ["reproduce", "fig2", "--quick", option, str(a_file)]
    if option == "--cache":
        argv += ["--out", str(tmp_path / "out")]
    with pytest.raises(SystemExit) as info:
        reproduce.main(argv)
    assert info.value.code == 2
    assert "is a file" in capsys.readouterr().err
    assert a_file.read_text() == "not a folder"


def test_outputs_are_written_atomically(tmp_path):
    target = tmp_path / "fig.npz"
    target.write_bytes(b"old")

    def failing(path):
        path.write_bytes(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweeps.write_atomically(target, failing)
    assert target.read_bytes() == b"old"  # the reader still sees the whole old file
    assert list(tmp_path.glob(".*.tmp")) == []  # and no temporary is left behind
    sweeps.write_atomically(target, lambda path: path.write_bytes(b"new"))
    assert target.read_bytes() == b"new"


def test_reproduce_writes_its_outputs_through_temporaries(fresh_fig2):
    out, _ = fresh_fig2
    for suffix in (".npz", ".json", ".png"):
        assert (out / f"fig2_quick{suffix}").stat().st_size > 0
    assert list(out.glob(".*.tmp")) == []
    with np.load(out / "fig2_quick.npz") as data:
        assert all(
            np.all((data[k] >= 0) & (data[k] <= 1)) for k in data if "fractions" in k
        )


def test_stale_temporaries_are_removed_and_fresh_ones_kept(tmp_path):
    stale, fresh = tmp_path / ".abc.json.tmp", tmp_path / ".def.json.tmp"
    stale.write_text("")
    fresh.write_text("")
    hours_ago = time.time() - 2 * sweeps.STALE_TEMPORARY_SECONDS
    os.utime(stale, (hours_ago, hours_ago))
    ResultCache(tmp_path)
    assert not stale.exists() and fresh.exists()


def test_workers_exit_with_their_parent_after_sigkill(tmp_path):
    psutil = pytest.importorskip("psutil")
    script = tmp_path / "sweep.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(ROOT / "tests")!r})
            from sweep_cells import started_cell
            from lecture_utils.sweeps import run_sweep
            cells = [dict(seed=s, folder={str(tmp_path)!r}) for s in range(4)]
            run_sweep(started_cell, cells, workers=2)
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    main = subprocess.Popen([sys.executable, str(script)], env=env)
    try:
        deadline = time.monotonic() + 120  # starting workers is slow on a busy machine
        while len(list(tmp_path.glob("started-*"))) < 2:
            assert time.monotonic() < deadline, "the workers did not start their cells"
            time.sleep(0.2)
        workers = [
            p
            for p in psutil.Process(main.pid).children(recursive=True)
            if "python" in p.name().lower()
        ]
        assert len(workers) >= 2
        main.send_signal(signal.SIGKILL)
        main.wait()
        gone, alive = psutil.wait_procs(workers, timeout=15)
        assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], (
            "workers outlived their parent"
        )
    finally:
        if main.poll() is None:
            main.kill()


def test_an_unreachable_dask_scheduler_fails_within_seconds():
    pytest.importorskip("distributed")
    sys.path.insert(0, str(ROOT / "tests"))
    from sweep_cells import labels

    start = time.monotonic()
    with pytest.raises(ValueError, match=r"tcp://127\.0\.0\.1:9.*dask scheduler"):
        run_sweep(labels, [{"n": 1, "seed": 0}], dask_scheduler="tcp://127.0.0.1:9")
    assert time.monotonic() - start < 20
