"""Join `/chutes/` and `/v1/models` into one catalog, strongest evidence first."""
