"""Reports and exports: FollowTheMoney entities (``ftm``) and STIX 2.1 bundles (``stix``)
of incidents; case reports are still to come (issue: incidents, cases and reports)."""
