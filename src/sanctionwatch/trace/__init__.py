"""Tracing stolen funds forward and exposure backward (issue: trace and exposure).

Not built yet. It will read ``transfers`` (sorted by from_id, block_time), the UTXO tables
and ``address_categories`` from the labels part; see docs/ARCHITECTURE.md.
"""
