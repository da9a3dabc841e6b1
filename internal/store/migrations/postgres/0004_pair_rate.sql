-- Meta's pair rate as a token bucket per (number, customer), so every node
-- waits its turn rather than collecting 131056.
CREATE TABLE pair_buckets (
  number_id BIGINT NOT NULL,
  contact_id BIGINT NOT NULL,
  tokens DOUBLE PRECISION NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (number_id, contact_id)
);
