"""Everything that speaks HTTP to X: the v2 client (`xapi.client`) and the OAuth calls
(`xapi.oauth`). A plain package, not a Django app: it imports no app, and its callers pass
in what it needs (URLs, credentials, the timeout)."""
