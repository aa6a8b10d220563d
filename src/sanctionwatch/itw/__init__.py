"""DPRK IT-worker detection (issue: IT workers). Not built yet."""
