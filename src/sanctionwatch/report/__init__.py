"""Reports and FtM/STIX exports (issue: incidents, cases and reports). Not built yet."""
