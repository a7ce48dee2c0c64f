"""History: every successful fetch kept as a snapshot in SQLite, and the changes between them."""
