"""HTTP plumbing shared by every feature: headers, CSRF, errors, templates, caching."""
