"""Incident catalog and case files (issue: incidents, cases and reports). Not built yet."""
