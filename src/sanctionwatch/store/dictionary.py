"""The address dictionary: canonical address strings <-> global integer ids.

Ids are assigned in bulk, set-based, inside the caller's transaction: new (chain, address)
pairs get ``max(id) + row_number()`` (in no particular order: sorting millions of strings
to make ids pretty costs seconds). Nothing here loops over rows in Python.
"""

from __future__ import annotations

import duckdb

from sanctionwatch.store.schema import ADDRESS_KEY


def assign_address_ids(con: duckdb.DuckDBPyConnection, source: str) -> int:
    """Give every (chain, address) of the table ``source`` an id; return how many were new.

    ``source`` must be a (temp) table or view with columns ``chain`` and ``address`` holding
    canonical, validated addresses (NULLs are ignored). Afterwards
    ``JOIN addresses USING (chain, address)`` finds an id for every row.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _new_addresses AS
        SELECT DISTINCT s.chain, s.address
        FROM {source} s
        WHERE s.address IS NOT NULL
          AND NOT EXISTS (
              SELECT 1 FROM addresses a WHERE a.chain = s.chain AND a.address = s.address)
        """
    )
    con.execute(
        f"""
        INSERT INTO addresses (id, chain, address, address_key)
        SELECT (SELECT coalesce(max(id), 0) FROM addresses) + row_number() OVER (),
               chain, address, {ADDRESS_KEY.format(chain="chain", address="address")}
        FROM _new_addresses
        """
    )
    rows = con.execute("SELECT count(*) FROM _new_addresses").fetchall()
    con.execute("DROP TABLE _new_addresses")
    return int(rows[0][0])
