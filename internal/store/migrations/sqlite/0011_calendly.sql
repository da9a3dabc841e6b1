-- Calendly: the connection (one per workspace), the webhook inbox, the
-- bookings and the WhatsApp messages each booking asks for. Every message
-- is a row with a due time before anything is sent, so the scheduler can
-- stop and start at any moment (and run on several nodes) without losing
-- or repeating one.
CREATE TABLE calendly_connections (
  id INTEGER PRIMARY KEY,
  workspace_id BIGINT NOT NULL UNIQUE REFERENCES workspaces(id),
  auth TEXT NOT NULL,
  user_uri TEXT NOT NULL,
  organization_uri TEXT NOT NULL,
  user_name TEXT NOT NULL DEFAULT '',
  user_email TEXT NOT NULL DEFAULT '',
  user_timezone TEXT NOT NULL DEFAULT '',
  scope TEXT NOT NULL DEFAULT 'user',
  -- access and refresh token sealed together: Calendly's refresh tokens
  -- are single-use, so both are replaced in one statement.
  tokens_enc BLOB NOT NULL,
  token_expires_at BIGINT NOT NULL DEFAULT 0,
  refresh_lock_until BIGINT NOT NULL DEFAULT 0,
  signing_key_enc BLOB NOT NULL,
  hook_key TEXT NOT NULL UNIQUE,
  subscription_uri TEXT NOT NULL DEFAULT '',
  subscription_state TEXT NOT NULL DEFAULT '',
  subscription_error TEXT NOT NULL DEFAULT '',
  subscription_checked_at BIGINT NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'active',
  status_reason TEXT NOT NULL DEFAULT '',
  settings TEXT NOT NULL DEFAULT '{}',
  reply_cursor BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
-- Deliveries, stored before the 2xx; dedupe_key drops redeliveries.
CREATE TABLE calendly_events (
  id INTEGER PRIMARY KEY,
  connection_id BIGINT NOT NULL REFERENCES calendly_connections(id) ON DELETE CASCADE,
  dedupe_key TEXT NOT NULL,
  event TEXT NOT NULL,
  invitee_uri TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  done_at BIGINT NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  UNIQUE (connection_id, dedupe_key)
);
CREATE INDEX calendly_events_pending ON calendly_events(done_at, id);
-- One row per invitee (Calendly's invitee URI is the booking's identity;
-- a reschedule is a new invitee linked through old/new_invitee_uri).
CREATE TABLE bookings (
  id INTEGER PRIMARY KEY,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  connection_id BIGINT NOT NULL REFERENCES calendly_connections(id) ON DELETE CASCADE,
  invitee_uri TEXT NOT NULL,
  event_uri TEXT NOT NULL,
  event_type_uri TEXT NOT NULL DEFAULT '',
  event_name TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  phone_raw TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  phone_source TEXT NOT NULL DEFAULT '',
  phone_problem TEXT NOT NULL DEFAULT '',
  timezone TEXT NOT NULL DEFAULT '',
  start_at BIGINT NOT NULL,
  end_at BIGINT NOT NULL,
  location TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  confirmed_at BIGINT NOT NULL DEFAULT 0,
  old_invitee_uri TEXT NOT NULL DEFAULT '',
  new_invitee_uri TEXT NOT NULL DEFAULT '',
  cancel_reason TEXT NOT NULL DEFAULT '',
  canceled_by TEXT NOT NULL DEFAULT '',
  contact_id BIGINT NOT NULL DEFAULT 0,
  remote_updated_at BIGINT NOT NULL DEFAULT 0,
  details TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (connection_id, invitee_uri)
);
CREATE INDEX bookings_start ON bookings(workspace_id, start_at);
CREATE INDEX bookings_contact ON bookings(workspace_id, contact_id);
-- The messages a booking asks for. state: scheduled → sent | skipped |
-- canceled; a row becomes 'sent' in the commit that stores its WhatsApp
-- message, under a lease, so it is sent at most once.
CREATE TABLE booking_messages (
  id INTEGER PRIMARY KEY,
  booking_id BIGINT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  due_at BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'scheduled',
  reason TEXT NOT NULL DEFAULT '',
  message_id BIGINT NOT NULL DEFAULT 0,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until BIGINT NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL,
  UNIQUE (booking_id, kind)
);
CREATE INDEX booking_messages_due ON booking_messages(state, due_at);
-- A message may carry a deadline (a reminder is useless once the meeting
-- has started): the sender refuses to hand it to Meta after expires_at.
ALTER TABLE messages ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
