-- Meta's pair rate as a token bucket per (number, customer), so every node
-- waits its turn rather than collecting 131056.
CREATE TABLE pair_buckets (
  number_id INTEGER NOT NULL,
  contact_id INTEGER NOT NULL,
  tokens REAL NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (number_id, contact_id)
);
