"""SQL expressions that parse staged columns into typed values, per source column type.

Text columns are parsed strictly (unix seconds or ISO 8601 times, decimal or 0x-hex
integers, whole-unit decimals scaled by string arithmetic: never through floats); typed
Parquet columns pass through without a text detour. Each function returns an expression
that is NULL where the value is unusable; ``amount_problem_sql`` says why.
"""

from __future__ import annotations

_INTEGER_TYPES = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER")


def time_sql(column: str, data_type: str) -> str:
    """UTC TIMESTAMP from a timestamp, a unix-seconds integer, or text (either form)."""
    if data_type.startswith("TIMESTAMP") or data_type == "DATE":
        return f"CAST({column} AS TIMESTAMP)"  # the session runs in UTC
    if data_type in _INTEGER_TYPES:
        return f"make_timestamp(CAST({column} AS BIGINT) * 1000000)"
    text = f"trim(CAST({column} AS VARCHAR))"
    return (
        f"CASE WHEN regexp_full_match({text}, '[0-9]{{1,12}}') "
        f"THEN make_timestamp(CAST({text} AS BIGINT) * 1000000) "
        f"ELSE TRY_CAST(TRY_CAST({text} AS TIMESTAMPTZ) AS TIMESTAMP) END"
    )


def int_sql(column: str, data_type: str) -> str:
    """BIGINT from an integer column or from text holding only digits."""
    if data_type in _INTEGER_TYPES:
        return f"CAST({column} AS BIGINT)"
    text = f"trim(CAST({column} AS VARCHAR))"
    return f"CASE WHEN regexp_full_match({text}, '[0-9]+') THEN TRY_CAST({text} AS BIGINT) END"


def amount_sql(column: str, data_type: str, unit: str, decimals: str) -> str:
    """Exact HUGEINT base units from text/integer/decimal columns (NULL if unusable)."""
    if data_type in (*_INTEGER_TYPES, "UHUGEINT") or data_type.endswith(",0)"):
        base = f"TRY_CAST({column} AS HUGEINT)"
        if data_type.endswith(",0)"):
            # DECIMAL(p,0) -> HUGEINT directly is 4x slower than through text (DuckDB 2.0)
            base = f"TRY_CAST(CAST({column} AS VARCHAR) AS HUGEINT)"
        if unit == "whole":
            return f"TRY_CAST(CAST({column} AS VARCHAR) || repeat('0', {decimals}) AS HUGEINT)"
        return base
    text = f"trim(CAST({column} AS VARCHAR))"
    whole = (
        f"CASE WHEN regexp_full_match({text}, '[0-9]+(\\.[0-9]*)?') "
        f"AND length(split_part({text} || '.', '.', 2)) <= {decimals} "
        f"THEN TRY_CAST(split_part({text}, '.', 1) || "
        f"rpad(split_part({text} || '.', '.', 2), {decimals}, '0') AS HUGEINT) END"
    )
    base = (
        f"CASE WHEN regexp_full_match({text}, '[0-9]+') THEN TRY_CAST({text} AS HUGEINT) "
        f"WHEN regexp_full_match({text}, '0x[0-9a-fA-F]+') "
        f"THEN TRY_CAST({text} AS HUGEINT) END"
    )
    return whole if unit == "whole" else base


def amount_problem_sql(column: str, data_type: str, unit: str, decimals: str) -> str:
    text = f"trim(CAST({column} AS VARCHAR))"
    if unit == "whole":
        return (
            f"CASE WHEN {column} IS NULL THEN 'amount is missing' "
            f"WHEN regexp_full_match({text}, '-[0-9]+(\\.[0-9]*)?') "
            f"THEN 'amount is negative' "
            f"WHEN {decimals} IS NULL THEN 'amount has a decimal point but the asset''s "
            f"decimals are unknown; give --decimals ASSET=N' "
            f"WHEN NOT regexp_full_match({text}, '[0-9]+(\\.[0-9]*)?') "
            f"THEN 'amount is not a non-negative decimal number' "
            f"WHEN length(split_part({text} || '.', '.', 2)) > {decimals} "
            f"THEN 'amount has more decimal places than the asset has' "
            f"ELSE 'amount exceeds the 128-bit range' END"
        )
    return (
        f"CASE WHEN {column} IS NULL THEN 'amount is missing' "
        f"WHEN regexp_full_match({text}, '-[0-9]+') THEN 'amount is negative' "
        f"WHEN regexp_full_match({text}, '[0-9]+|0x[0-9a-fA-F]+') "
        f"THEN 'amount exceeds the 128-bit range' "
        f"ELSE 'amount is not an integer in base units' END"
    )
