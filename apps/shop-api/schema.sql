-- SPDX-License-Identifier: MIT
-- The shop-api schema, version 1. Applied once, inside a transaction, when the database's
-- user_version is 0 (a new file); embedded into the binary at build time.
CREATE TABLE products (
  -- The rowid alias: ascending ids are the stable order that cursors page through.
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- Cents, never a float: 12.99 is not representable in binary.
  price INTEGER NOT NULL CHECK (price >= 0),
  -- A JSON array of strings.
  tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
PRAGMA user_version = 1;
