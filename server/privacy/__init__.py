"""Safety and privacy: reports of suspicious rallies (more to come: audit log, purge)."""
