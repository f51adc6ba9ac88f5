-- Environments this server launched, and every operation on them. EC2 holds the instances; these
-- tables hold what the server did and intends, so any replica can carry an operation forward.
create table cloud_environments (
  id text primary key,
  name text not null,
  region text not null,
  instance_type text not null,
  instance_count integer not null check (instance_count > 0),
  image_id text not null,
  subnet_id text,
  tags jsonb not null default '{}'::jsonb,
  instance_ids text[] not null default '{}',
  status text not null check (status in ('provisioning', 'running', 'stopping', 'stopped', 'starting', 'terminating', 'terminated', 'failed')),
  expires_at timestamptz,
  -- The TTL sweep's claim: whoever set it handles the environment until it lapses.
  sweep_claimed_until timestamptz,
  ttl_handled_at timestamptz,
  stopped_at timestamptz,
  created_by text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- One live environment per name; a terminated or failed one frees its name.
create unique index cloud_environments_live_name on cloud_environments (name)
  where status not in ('terminated', 'failed');
create index cloud_environments_expiry on cloud_environments (expires_at)
  where expires_at is not null and ttl_handled_at is null;

create table cloud_operations (
  id text primary key,
  environment_id text not null references cloud_environments (id),
  kind text not null check (kind in ('provision', 'stop', 'start', 'terminate')),
  target_state text not null check (target_state in ('running', 'stopped', 'terminated')),
  status text not null check (status in ('in_progress', 'succeeded', 'failed')),
  -- Recorded before RunInstances, so a retry after a crash presents the same token to EC2.
  client_token text,
  reservation_id text,
  instance_ids text[] not null default '{}',
  principal text not null,
  triggered_by text not null default 'tool' check (triggered_by in ('tool', 'ttl_sweep')),
  error jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  completed_at timestamptz
);

create index cloud_operations_environment on cloud_operations (environment_id, created_at desc);

-- Instances launched per principal per clock hour, shared by every replica.
create table cloud_launch_quota (
  principal text not null,
  hour timestamptz not null,
  launched integer not null check (launched >= 0),
  primary key (principal, hour)
);
