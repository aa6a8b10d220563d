"""The store's tables, created (and migrated) when a database is opened.

Design notes, from measurements on 2-core machines (../shared/guide/MEASURED.md):
- addresses are dictionary-encoded to integer ids (``addresses.id``); every other table
  refers to them by id: joins on integers are 5-7x faster than on 42-character strings;
- money is an exact integer in base units (``HUGEINT``); ``usd_value`` is an exact decimal;
- transfers are inserted sorted by (from_id, block_time) so that a frontier lookup skips
  most row groups, then by where each row came from (``STORED_ORDER``);
- no primary keys on the big tables: DuckDB's ART indexes slow bulk loads, and idempotency
  is enforced by the ingest's anti-join on the natural key (chain, tx_hash, kind, position);
- an address is found by its text through ``addresses.address_key`` (``ADDRESS_KEY``), a
  64-bit hash of chain and address: a scan of 8 bytes a row instead of the text (one address
  among 6.7M: ~10-20 ms instead of 0.2-0.4 s). Schema 2 added it (``db._migrate``).
"""

from __future__ import annotations

SCHEMA_VERSION = 2

# the addresses' lookup key, of a chain and an address column (SQL): MD5, whose value no
# DuckDB version changes (``hash()`` may change between versions, and a stored key must not)
ADDRESS_KEY = "md5_number_upper({chain} || ':' || {address})"

# The order each big table's rows are stored in: the key a tracer reads by, then where the
# row came from (file, line, then its place in the line), so that rows equal in the key are
# ordered too. DuckDB's sort does not keep ties in any fixed order, and the trace index
# orders a sender's transfers of one second by rowid: without the tail, the same files
# ingested twice gave two row orders, and traces that differed in the last digits of sums.
# Within one file (an ingest) ``file_id`` is the same for every row; in a rewrite of the
# whole table (``store optimize``) it keeps the rows of earlier files first, as they were.
STORED_ORDER: dict[str, tuple[str, ...]] = {
    "transfers": ("from_id", "block_time", "file_id", "line", "kind", "position"),
    "utxo_outputs": ("address_id", "block_time", "file_id", "line", "vout"),
    "utxo_inputs": ("prev_txid", "prev_vout", "file_id", "line", "vin"),
}


def stored_order(table: str, *, within_file: bool = False, one_row_per_line: bool = False) -> str:
    """``STORED_ORDER`` of a table as an ORDER BY list. ``within_file``: without ``file_id``
    (one ingest). ``one_row_per_line``: without the columns after ``line``, which only order
    the rows of one line (the same order, and sorting by text columns costs ~0.13 s per
    million rows)."""
    columns = STORED_ORDER[table]
    if one_row_per_line:
        columns = columns[: columns.index("line") + 1]
    return ", ".join(c for c in columns if not (within_file and c == "file_id"))


TABLES: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS meta (
        key VARCHAR PRIMARY KEY,
        value VARCHAR NOT NULL
    )""",
    """
    CREATE TABLE IF NOT EXISTS addresses (
        id BIGINT NOT NULL,           -- global integer id, unique across chains
        chain VARCHAR NOT NULL,
        address VARCHAR NOT NULL,     -- canonical form (EVM lower-case, TRON base58, ...)
        address_key UBIGINT           -- ADDRESS_KEY of chain and address (schema 2)
    )""",
    """
    CREATE TABLE IF NOT EXISTS assets (
        id INTEGER NOT NULL,
        chain VARCHAR NOT NULL,
        asset VARCHAR NOT NULL,       -- 'native', a token contract address, or a code ('USD')
        kind VARCHAR NOT NULL,        -- native | token | fiat
        symbol VARCHAR,
        decimals INTEGER              -- NULL when unknown (amounts stay exact base units)
    )""",
    """
    CREATE TABLE IF NOT EXISTS ingest_log (
        file_id INTEGER NOT NULL,
        path VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        chain VARCHAR,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP NOT NULL,
        rows_read BIGINT NOT NULL,
        rows_new BIGINT NOT NULL,
        rows_duplicate BIGINT NOT NULL,
        rows_skipped BIGINT NOT NULL,
        rows_rejected BIGINT NOT NULL,
        skipped_reasons VARCHAR,      -- JSON object reason -> count
        notes VARCHAR,                -- JSON list of notes (e.g. traces a node lacked)
        options VARCHAR,              -- JSON of the reader options used
        tool_version VARCHAR NOT NULL
    )""",
    """
    CREATE TABLE IF NOT EXISTS rejects (
        file_id INTEGER NOT NULL,
        path VARCHAR NOT NULL,
        line BIGINT,                  -- 1-based physical line (header is line 1 for CSV)
        reason VARCHAR NOT NULL,
        raw VARCHAR
    )""",
    """
    CREATE TABLE IF NOT EXISTS transfers (
        chain VARCHAR NOT NULL,
        tx_hash VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,        -- tx | trace | token | output | transfer
        position VARCHAR NOT NULL,    -- '' (tx), log index, trace address '0_1', vout, ...
        block_number BIGINT,
        block_time TIMESTAMP NOT NULL, -- UTC
        from_id BIGINT,
        to_id BIGINT,
        asset_id INTEGER NOT NULL,
        amount HUGEINT NOT NULL,      -- exact, base units of the asset
        usd_value DECIMAL(38, 6),
        success BOOLEAN,              -- FALSE: the transaction failed and moved nothing
        file_id INTEGER NOT NULL,     -- provenance: ingest_log.file_id ...
        line BIGINT                   -- ... and the line of that file
    )""",
    """
    CREATE TABLE IF NOT EXISTS utxo_outputs (
        chain VARCHAR NOT NULL,
        txid VARCHAR NOT NULL,
        vout INTEGER NOT NULL,
        address_id BIGINT,            -- NULL for outputs without an address (OP_RETURN, ...)
        value HUGEINT NOT NULL,
        script_type VARCHAR,
        block_number BIGINT,
        block_time TIMESTAMP NOT NULL,
        is_coinbase BOOLEAN NOT NULL,
        file_id INTEGER NOT NULL,
        line BIGINT
    )""",
    """
    CREATE TABLE IF NOT EXISTS utxo_inputs (
        chain VARCHAR NOT NULL,
        txid VARCHAR NOT NULL,        -- the spending transaction
        vin INTEGER NOT NULL,
        prev_txid VARCHAR NOT NULL,   -- the output it spends
        prev_vout INTEGER NOT NULL,
        address_id BIGINT,
        value HUGEINT,
        block_number BIGINT,
        block_time TIMESTAMP NOT NULL,
        file_id INTEGER NOT NULL,
        line BIGINT
    )""",
    """
    CREATE TABLE IF NOT EXISTS tx_memos (
        chain VARCHAR NOT NULL,
        tx_hash VARCHAR NOT NULL,
        memo VARCHAR NOT NULL,        -- THORChain-style memo or OP_RETURN text
        file_id INTEGER NOT NULL
    )""",
    """
    CREATE TABLE IF NOT EXISTS blocks (
        chain VARCHAR NOT NULL,
        number BIGINT NOT NULL,
        hash VARCHAR,
        block_time TIMESTAMP NOT NULL,
        file_id INTEGER NOT NULL
    )""",
    """
    CREATE TABLE IF NOT EXISTS labels (
        address_id BIGINT NOT NULL,
        chain VARCHAR NOT NULL,
        address VARCHAR NOT NULL,
        label VARCHAR NOT NULL,
        category VARCHAR NOT NULL,    -- our taxonomy (labels.taxonomy.CATEGORIES)
        source_category VARCHAR,      -- the category as written by the source
        abuse VARCHAR,
        actor VARCHAR,
        confidence VARCHAR,           -- the source's confidence id (e.g. authority_data)
        confidence_level INTEGER,     -- 0..100 on the TagPack scale
        source VARCHAR,               -- URL or reference given by the pack
        pack VARCHAR,                 -- pack title
        creator VARCHAR,
        lastmod DATE,
        is_cluster_definer BOOLEAN,
        context VARCHAR,
        file_id INTEGER NOT NULL,
        line BIGINT
    )""",
    """
    CREATE TABLE IF NOT EXISTS actors (
        actor VARCHAR NOT NULL,       -- actor id as used by tags (e.g. lazarusgroup)
        label VARCHAR,
        uri VARCHAR,
        categories VARCHAR,           -- JSON list
        jurisdictions VARCHAR,        -- JSON list
        aliases VARCHAR,              -- JSON list
        context VARCHAR,
        confidence VARCHAR,
        source VARCHAR,
        file_id INTEGER NOT NULL
    )""",
    # -- sanctions lists (sanctionwatch.sanctions): one row per loaded issue of a list,
    # its FollowTheMoney entities and its crypto addresses; older issues stay queryable.
    """
    CREATE TABLE IF NOT EXISTS sanction_list_versions (
        version INTEGER NOT NULL,     -- global integer id of the loaded issue
        version_id VARCHAR NOT NULL,  -- 'us_ofac_sdn@2025-11-19' (unique; '#2' if re-issued)
        list VARCHAR NOT NULL,        -- us_ofac_sdn | us_ofac_cons | un_sc_consolidated | ...
        published DATE,               -- publication date of the issue
        published_from VARCHAR,       -- file | file name | file time | option
        format VARCHAR NOT NULL,      -- parser (ofac-advanced-xml, un-sc-xml, ...)
        source VARCHAR NOT NULL,      -- path or URL it was loaded from
        sha256 VARCHAR NOT NULL,      -- of the content (decompressed)
        file_sha256 VARCHAR NOT NULL, -- of the file as loaded (.bz2/.gz as is)
        file_id INTEGER NOT NULL,     -- ingest_log.file_id
        loaded_at TIMESTAMP NOT NULL,
        n_entities INTEGER NOT NULL,  -- FollowTheMoney entities
        n_targets INTEGER NOT NULL,   -- designated parties
        n_addresses INTEGER NOT NULL, -- crypto addresses (all currencies)
        n_addresses_chain INTEGER NOT NULL, -- of which on a chain the store knows
        counts VARCHAR,               -- JSON: entities per schema, parties per program, names
        notes VARCHAR                 -- JSON list
    )""",
    """
    CREATE TABLE IF NOT EXISTS sanction_entities (
        version INTEGER NOT NULL,     -- sanction_list_versions.version
        entity_id VARCHAR NOT NULL,   -- FtM id (ofac-27307, unsc-690744, ...)
        schema VARCHAR NOT NULL,      -- FtM schema
        caption VARCHAR,
        list_id VARCHAR,              -- the list's id of the designation (uid, 'KPi.008')
        target BOOLEAN NOT NULL,      -- the designated party itself
        programs VARCHAR[],           -- DPRK3, CYBER2, ... (UN: the regime, e.g. DPRK)
        listed_on DATE,
        content_hash VARCHAR NOT NULL, -- targets: of the party and everything describing it
        entity VARCHAR NOT NULL       -- the FtM entity as JSON
    )""",
    """
    CREATE TABLE IF NOT EXISTS sanction_addresses (
        version INTEGER NOT NULL,
        currency VARCHAR NOT NULL,    -- as the list writes it (XBT, ETH, USDT, ...)
        chain VARCHAR,                -- NULL: a chain the store does not know (see reason)
        address VARCHAR NOT NULL,     -- canonical on its chain; as listed when chain is NULL
        address_as_listed VARCHAR NOT NULL,
        reason VARCHAR,               -- why chain is NULL
        entity_id VARCHAR NOT NULL,   -- the holder (designated party)
        wallet_id VARCHAR NOT NULL,   -- the CryptoWallet entity
        list_id VARCHAR,
        programs VARCHAR[],
        listed_on DATE
    )""",
    # -- cases (sanctionwatch.cases): what an analyst investigates, and every run made
    # for it with who ran it, when, and on which data and list versions. New tables only:
    # older stores get them when opened, no migration needed.
    """
    CREATE TABLE IF NOT EXISTS cases (
        case_id INTEGER NOT NULL,
        name VARCHAR NOT NULL,
        description VARCHAR,
        created_at TIMESTAMP NOT NULL, -- UTC
        created_by VARCHAR NOT NULL,
        status VARCHAR NOT NULL        -- open | closed
    )""",
    """
    CREATE TABLE IF NOT EXISTS case_items (
        case_id INTEGER NOT NULL,
        item_id INTEGER NOT NULL,
        kind VARCHAR NOT NULL,         -- incident | address | name | file | records | note | source
        value VARCHAR NOT NULL,        -- incident id, address, name, path, text or URL
        chain VARCHAR,                 -- for addresses (NULL: any chain where valid)
        note VARCHAR,
        added_at TIMESTAMP NOT NULL,
        added_by VARCHAR NOT NULL
    )""",
    """
    CREATE TABLE IF NOT EXISTS case_runs (
        case_id INTEGER NOT NULL,
        run_id INTEGER NOT NULL,
        kind VARCHAR NOT NULL,         -- incidents | trace | screen_* | exposure | itw
        status VARCHAR NOT NULL,       -- ok | skipped | error
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP NOT NULL,
        run_by VARCHAR NOT NULL,
        parameters VARCHAR NOT NULL,   -- JSON: the inputs as run
        data_versions VARCHAR NOT NULL, -- JSON: tool, catalog, list versions, ingest log
        summary VARCHAR,               -- JSON: the key figures
        result VARCHAR,                -- JSON: the full result (evidence), or the error
        message VARCHAR
    )""",
)

VIEWS: tuple[str, ...] = (
    # Transfers with addresses and assets spelled out: what people and exports read.
    """
    CREATE OR REPLACE VIEW transfers_view AS
    SELECT t.chain, t.tx_hash, t.kind, t.position, t.block_number, t.block_time,
           fa.address AS from_address, ta.address AS to_address,
           a.asset, a.symbol, a.decimals, t.amount, t.usd_value, t.success,
           t.from_id, t.to_id, t.asset_id, t.file_id, t.line
    FROM transfers t
    LEFT JOIN addresses fa ON fa.id = t.from_id
    LEFT JOIN addresses ta ON ta.id = t.to_id
    JOIN assets a ON a.id = t.asset_id
    """,
    # Every UTXO output with the input that spends it (NULL while unspent in the store).
    """
    CREATE OR REPLACE VIEW utxo_spends AS
    SELECT o.chain, o.txid, o.vout, o.address_id, o.value, o.block_time,
           i.txid AS spent_by_txid, i.vin AS spent_by_vin, i.block_time AS spent_time
    FROM utxo_outputs o
    LEFT JOIN utxo_inputs i
      ON i.chain = o.chain AND i.prev_txid = o.txid AND i.prev_vout = o.vout
    """,
)
