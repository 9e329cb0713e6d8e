"""Browser tests (Chromium via Playwright) and the live-server harness they share."""
