CREATE TABLE tasks (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title text NOT NULL,
  assignee text NOT NULL
);
-- Stands in for an outside system that a phased tool calls (a mail or ticketing API).
CREATE TABLE outbox (
  client_token text NOT NULL,
  task_id bigint NOT NULL,
  sent_to text NOT NULL
);
