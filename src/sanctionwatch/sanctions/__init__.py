"""Sanctions lists (OFAC, UN, OpenSanctions) and screening (issue: lists and screening).

Not built yet; list addresses will become labels of category ``sanctioned``.
"""
