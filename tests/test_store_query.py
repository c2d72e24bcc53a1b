"""``attune query`` and ``Store.query``: read-only, no file outside the store reachable,
usage errors for empty or invalid SQL, cells printed literally (issue 19).

References: DuckDB's documented settings ``enable_external_access`` and
``lock_configuration``; the expected cells are the values saved into the store."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from attunement.cli import app
from attunement.cohort import Store
from attunement.cohort.store import QueryError

pytest.importorskip("duckdb")


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "store")
    s.save("a", {"summary": pd.DataFrame({"session": ["a"], "note": [":x: [bold]b[/bold]"],
                                          "r": [0.5]})}, "h", "a.txt")
    return s


def _query(store, sql, *extra):
    return CliRunner().invoke(app, ["query", str(store.path), sql, *extra])


@pytest.mark.parametrize("sql, outside", [
    ("COPY (SELECT 1) TO '{tmp}/x.csv'", "x.csv"),
    ("ATTACH '{tmp}/x.db' AS x", "x.db"),
    ("EXPORT DATABASE '{tmp}/exp'", "exp"),
    ("SELECT * FROM read_csv('/etc/passwd')", None),
    ("SELECT * FROM read_text('/etc/hostname')", None),
    ("SELECT * FROM glob('/etc/*')", None),
    ("INSTALL httpfs", None),
    ("LOAD httpfs", None),
    ("SET enable_external_access = true", None),
    ("SET lock_configuration = false", None),
    ("CREATE TABLE t AS SELECT 1", None),
    ("DROP TABLE summary", None),
])
def test_query_reaches_nothing_outside_the_store(store, tmp_path, sql, outside):
    sql = sql.format(tmp=tmp_path)
    result = _query(store, sql)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "query refused" in result.output or "query failed" in result.output
    if outside:
        assert not (tmp_path / outside).exists()
    # The store is untouched and still answers.
    assert store.query("SELECT r FROM summary").r.tolist() == [0.5]


def test_refusal_names_the_tables(store):
    with pytest.raises(QueryError, match=r"refused \(a query reads the store.s tables only: sum"):
        store.query("SELECT * FROM read_csv('/etc/passwd')")


@pytest.mark.parametrize("sql, message", [
    ("", "Invalid value for 'sql': expected a SQL query"),
    ("  ;  ", "Invalid value for 'sql'"),
    ("SELEC 1", "query failed: Parser Error"),
    ("SELECT * FROM nope", "query failed: Catalog Error"),
])
def test_empty_or_invalid_query_is_a_usage_error(store, sql, message):
    result = _query(store, sql)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert message in " ".join(result.output.split())
    with pytest.raises(QueryError, match=message.split(":")[0]):
        store.query(sql)


def test_cells_are_printed_literally(store):
    result = _query(store, "SELECT note FROM summary")
    assert result.exit_code == 0, result.output
    assert ":x: [bold]b[/bold]" in result.output


def test_query_sees_sessions_saved_after_the_database(store):
    store.write_database()
    store.save("b", {"summary": pd.DataFrame({"session": ["b"], "note": ["-"], "r": [0.1]})},
               "h2", "b.txt")
    assert store.query("SELECT session FROM summary ORDER BY session").session.tolist() == [
        "a", "b"]


def test_terminal_messages_print_file_names_literally(tmp_path):
    """Names from users' files reach the terminal as text (Rich would read ``[red]`` as
    markup and ``:x:`` as an emoji)."""
    bad = tmp_path / "[red]bad:x:.csv"
    bad.write_text("x")
    result = CliRunner().invoke(app, ["info", str(bad)])
    assert result.exit_code == 1 and "[red]bad:x:.csv: not a recording" in result.output
    good = tmp_path / "[bold]a:x:.csv"
    good.write_text("time_s,m_x,i_x\n0,1,2\n1,2,3\n")
    result = CliRunner().invoke(app, ["info", str(good)], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "[bold]a:x:" in result.output
