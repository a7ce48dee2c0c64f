"""Where the data comes from: the HTTP clients, the tolerant readers, the disk cache, the loader."""
