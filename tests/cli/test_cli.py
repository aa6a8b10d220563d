"""The ``sanctionwatch`` command line, run as a user runs it (a separate process).

Covers help, ``ingest transfers`` (table and JSON output), ``stats`` and ``rejects`` as
JSON, the store location from ``--db`` and ``SANCTIONWATCH_DB``, and user errors: one
sentence on stderr, exit code 2, no traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEADER = "chain,tx_hash,position,block_number,block_time,from_address,to_address,asset,amount"
GOOD_1 = (
    "ethereum,0x" + "1" * 64 + ",0,17000000,2023-11-14T22:13:20Z,"
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed,0xde709f2102306220921060314715629080e2fb77,"
    "native,1000000000000000000"
)
BAD_2 = (
    "ethereum,0x" + "2" * 64 + ",0,17000000,1700000000,"
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD,0xde709f2102306220921060314715629080e2fb77,"
    "native,5"
)
GOOD_3 = (
    "bsc,0x" + "3" * 64 + ",1,17000001,1700000012,"
    "0xde709f2102306220921060314715629080e2fb77,0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed,"
    "native,170141183460469231731687303715884105727"
)


@pytest.fixture
def transfers_csv(tmp_path: Path) -> Path:
    path = tmp_path / "transfers.csv"
    path.write_text("\n".join([HEADER, GOOD_1, BAD_2, GOOD_3]) + "\n")
    return path


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANCTIONWATCH_")}
    env["COLUMNS"] = "200"
    env.update(extra)
    return env


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sanctionwatch", *args],
        capture_output=True,
        text=True,
        env=env or clean_env(),
        cwd=cwd,
        timeout=120,
        check=False,
    )


def assert_user_error(done: subprocess.CompletedProcess[str], *phrases: str) -> str:
    """Exit code 2, nothing on stdout, one ``error:`` sentence on stderr, no traceback."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    message = " ".join(done.stderr.split())  # rich wraps long lines
    assert message.startswith("error: ")
    assert message.endswith(".")
    for phrase in phrases:
        assert phrase in message
    return message


def test_help_of_the_installed_command() -> None:
    script = Path(sys.executable).with_name("sanctionwatch")
    done = subprocess.run(
        [str(script), "--help"],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for command in ("ingest", "stats", "rejects", "--db"):
        assert command in done.stdout
    sub = run("ingest", "transfers", "--help")
    assert sub.returncode == 0
    for option in ("--format", "--chain", "--map", "--asset", "--decimals", "--amount-unit"):
        assert option in sub.stdout


def test_version() -> None:
    from sanctionwatch import __version__

    done = run("--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"sanctionwatch {__version__}")


def test_the_command_line_loads_what_a_command_needs_when_it_runs() -> None:
    """Every command pays for what the command line imports at start: the scenario
    generator, the transfer readers and SciPy (exposure only) are imported by the commands
    that use them (together ~0.4 s of each command's start)."""
    probe = (
        "import sys, sanctionwatch.cli.app, sanctionwatch.trace; "
        "print(sorted(m for m in ('sanctionwatch.scenario.generator', "
        "'sanctionwatch.chain.ingest', 'sanctionwatch.chain.readers', 'scipy.sparse') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr


def test_ingest_table_output(tmp_path: Path, transfers_csv: Path) -> None:
    done = run(
        "--db",
        str(tmp_path / "s.duckdb"),
        "ingest",
        "transfers",
        str(transfers_csv),
        "--format",
        "csv",
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = next(line for line in lines if "file" in line and "rejected" in line)
    for column in ("format", "read", "new", "duplicate", "skipped", "rejected", "seconds"):
        assert column in header
    row = next(line for line in lines if "transfers.csv" in line)
    cells = [c.strip() for c in row.strip("│┃ ").split("│")]
    assert cells[1:7] == ["csv", "3", "2", "0", "0", "1"]
    err = " ".join(done.stderr.split())
    assert "1 line(s) rejected (first at line(s) 3); see `sanctionwatch rejects --file-id 1`" in err
    assert "1 x from_address: mixed-case EVM address fails its EIP-55 checksum" in err


def test_ingest_json_output_stats_and_rejects(tmp_path: Path, transfers_csv: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    done = run("--db", db, "ingest", "transfers", str(transfers_csv), "-f", "csv", "-o", "json")
    assert done.returncode == 0, done.stderr
    (result,) = json.loads(done.stdout)
    assert result["path"] == str(transfers_csv)
    assert (result["rows_read"], result["rows_new"], result["rows_rejected"]) == (3, 2, 1)
    assert result["first_reject_lines"] == [3]
    assert result["reject_reasons"] == {
        "from_address: mixed-case EVM address fails its EIP-55 checksum": 1
    }
    assert len(result["sha256"]) == 64

    again = json.loads(
        run("--db", db, "ingest", "transfers", str(transfers_csv), "-f", "csv", "-o", "json").stdout
    )
    assert (again[0]["rows_new"], again[0]["rows_duplicate"], again[0]["file_id"]) == (0, 2, 2)

    stats = run("--db", db, "stats", "--format", "json")
    assert stats.returncode == 0, stats.stderr
    summary = json.loads(stats.stdout)
    assert summary["db"] == db
    assert summary["tables"]["transfers"] == 2
    assert summary["tables"]["ingest_log"] == 2
    assert summary["tables"]["rejects"] == 2
    by_chain = {(r["chain"], r["kind"]): r["rows"] for r in summary["transfers_by_chain"]}
    assert by_chain == {("bsc", "transfer"): 1, ("ethereum", "transfer"): 1}
    assert [
        (i["file_id"], i["read"], i["new"], i["duplicate"], i["rejected"])
        for i in summary["ingests"]
    ] == [(1, 3, 2, 0, 1), (2, 3, 0, 2, 1)]

    rejects = run("--db", db, "rejects", "--format", "json", "--file-id", "1")
    assert rejects.returncode == 0, rejects.stderr
    assert json.loads(rejects.stdout) == [
        {
            "file_id": 1,
            "path": str(transfers_csv),
            "line": 3,
            "reason": "from_address: mixed-case EVM address fails its EIP-55 checksum",
            "raw": BAD_2,
        }
    ]
    assert len(json.loads(run("--db", db, "rejects", "--format", "json").stdout)) == 2


def test_db_option_and_environment_variable(tmp_path: Path, transfers_csv: Path) -> None:
    from_env = tmp_path / "env.duckdb"
    from_option = tmp_path / "option.duckdb"
    env = clean_env(SANCTIONWATCH_DB=str(from_env))
    assert (
        run(
            "ingest", "transfers", str(transfers_csv), "-f", "csv", env=env, cwd=tmp_path
        ).returncode
        == 0
    )
    assert from_env.is_file()
    assert not (tmp_path / "sanctionwatch.duckdb").exists()  # not the default location
    # --db wins over the environment
    assert (
        run(
            "--db",
            str(from_option),
            "ingest",
            "transfers",
            str(transfers_csv),
            "-f",
            "csv",
            env=env,
            cwd=tmp_path,
        ).returncode
        == 0
    )
    assert from_option.is_file()

    env_stats = json.loads(run("stats", "--format", "json", env=env, cwd=tmp_path).stdout)
    assert env_stats["db"] == str(from_env)
    assert env_stats["tables"]["ingest_log"] == 1
    option_stats = json.loads(
        run("--db", str(from_option), "stats", "--format", "json", env=env).stdout
    )
    assert option_stats["db"] == str(from_option)
    assert option_stats["tables"]["ingest_log"] == 1


def test_default_store_is_in_the_working_directory(tmp_path: Path, transfers_csv: Path) -> None:
    done = run("ingest", "transfers", str(transfers_csv), "-f", "csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "sanctionwatch.duckdb").is_file()


@pytest.mark.parametrize(
    ("args", "phrases"),
    [
        (["--format", "xml"], ["Unknown --format 'xml'", "ethereum-etl, bitcoin-etl, csv"]),
        (["--format", "csv", "--chain", "dogecoin"], ["Unknown chain 'dogecoin'", "ethereum"]),
        (["--format", "csv", "--map", "amount"], ["--map 'amount' is not KEY=VALUE"]),
        (["--format", "csv", "--map", "amout=amount"], ["--map names unknown field(s) amout"]),
        (["--format", "csv", "--decimals", "USDT=six"], ["--decimals takes ASSET=N"]),
        (["--format", "csv", "--amount-unit", "wei"], ["--amount-unit must be auto, base or"]),
    ],
)
def test_bad_options_exit_2_without_traceback(
    tmp_path: Path, transfers_csv: Path, args: list[str], phrases: list[str]
) -> None:
    db = tmp_path / "s.duckdb"
    done = run("--db", str(db), "ingest", "transfers", str(transfers_csv), *args)
    assert_user_error(done, *phrases)


def test_missing_file_and_missing_column_exit_2(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    missing = tmp_path / "nope.csv"
    assert_user_error(
        run("--db", db, "ingest", "transfers", str(missing), "--format", "csv"),
        f"No such file: {missing}",
    )
    nocol = tmp_path / "nocol.csv"
    nocol.write_text(HEADER.replace(",from_address", "") + "\n")
    assert_user_error(
        run("--db", db, "ingest", "transfers", str(nocol), "--format", "csv"),
        "no column for from_address",
    )


def test_stats_without_a_store_is_a_clear_error(tmp_path: Path) -> None:
    done = run("--db", str(tmp_path / "none.duckdb"), "stats", "--format", "json")
    assert done.returncode == 4
    assert "Traceback" not in done.stderr
    assert "No store at" in done.stderr
    assert not (tmp_path / "none.duckdb").exists()


def test_an_unusable_output_path_is_a_user_error(tmp_path: Path) -> None:
    """A folder that cannot be made (a file stands in its way): an error naming the path."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    done = run("itw", "generate", "--out", str(blocker / "pool"), "--honest", "10")
    assert_user_error(done, str(blocker))


def test_click_usage_error_is_not_a_traceback(tmp_path: Path) -> None:
    done = run("--db", str(tmp_path / "s.duckdb"), "ingest", "transfers")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "Missing" in done.stderr


def test_ingest_from_standard_input(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sanctionwatch.cli.app import app

    text = (
        "tx_hash,block_time,from_address,to_address,amount\n"
        f"0x{1:064x},2025-02-21T14:13:35Z,0x{1:040x},0x{2:040x},42\n"
    )
    result = CliRunner().invoke(
        app,
        ["--db", str(tmp_path / "s.duckdb"), "ingest", "transfers", "-", "-f", "csv", "-o", "json"],
        input=text,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data[0]["path"] == "stdin"
    assert (data[0]["rows_new"], data[0]["rows_rejected"]) == (1, 0)
