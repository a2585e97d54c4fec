-- Pressroom 0013: telling the customer beyond the app — an outbox of deliveries (e-mail,
-- push), written by the same transaction that completes an item, and the customers'
-- device tokens for push. Safe to re-run.

-- The channels a shop delivers on: a worker that can deliver one (SMTP or FCM configured)
-- enables it here. Completing an item records one delivery per enabled channel.
create table if not exists public.notification_channels (
    channel text primary key check (channel in ('email', 'push')),
    enabled boolean not null default true,
    updated_at timestamptz not null default now()
);

create table if not exists public.notification_outbox (
    id uuid primary key default gen_random_uuid(),
    item_id uuid not null references public.order_items(id) on delete cascade,
    channel text not null check (channel in ('email', 'push')),
    -- the channel's deduplication key: the e-mail's Message-ID, the push's collapse key
    idempotency_key text not null unique,
    status text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'failed')),
    attempts integer not null default 0,
    next_at timestamptz not null default now(),
    claimed_by text,
    lease_until timestamptz,
    last_error text,
    interrupted integer not null default 0,  -- attempts cut short after sending began
    sent_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (item_id, channel)
);
create index if not exists idx_outbox_due on public.notification_outbox (next_at)
    where status in ('pending', 'sending');

create or replace function public._order_item_outbox() returns trigger
language plpgsql security definer set search_path = public as $$
begin
    if new.pressroom_status = 'completed' and old.pressroom_status is distinct from 'completed' then
        insert into notification_outbox (item_id, channel, idempotency_key)
        select new.id, c.channel, new.id::text || ':' || c.channel
        from notification_channels c where c.enabled
        on conflict do nothing;
    end if;
    return new;
end $$;
create or replace trigger order_item_outbox
    after update of pressroom_status on public.order_items
    for each row execute function public._order_item_outbox();

-- Deliveries due on the channels a worker serves: pending ones whose time has come, and
-- ones whose sender stopped mid-attempt (lease expired: counted as interrupted).
create or replace function public.claim_deliveries(
    worker_id text, channels jsonb, max_items integer default 10, lease_seconds integer default 120
) returns setof public.notification_outbox
language plpgsql volatile security definer set search_path = public as $$
#variable_conflict use_variable
begin
    return query
    with picked as (
        select d.id from notification_outbox d
        where d.channel in (select value from jsonb_array_elements_text(channels))
          and ((d.status = 'pending' and d.next_at <= now())
               or (d.status = 'sending' and d.lease_until < now()))
        order by d.next_at
        limit max_items
        for update skip locked
    )
    update notification_outbox d set
        interrupted = d.interrupted + (d.status = 'sending')::integer,
        status = 'sending',
        attempts = d.attempts + 1,
        claimed_by = worker_id,
        lease_until = now() + make_interval(secs => lease_seconds),
        updated_at = now()
    from picked where d.id = picked.id
    returning d.*;
end $$;

-- The outcome of an attempt, by the worker that holds it: sent; failed for good; or to be
-- tried again after retry_seconds.
create or replace function public.settle_delivery(
    delivery_id uuid, worker_id text, outcome text, error text default null,
    retry_seconds double precision default 0
) returns setof public.notification_outbox
language plpgsql volatile security definer set search_path = public as $$
#variable_conflict use_variable
begin
    return query
    update notification_outbox d set
        status = case outcome when 'retry' then 'pending' else outcome end,
        last_error = error,
        sent_at = case when outcome = 'sent' then now() else d.sent_at end,
        next_at = now() + make_interval(secs => retry_seconds),
        claimed_by = null,
        lease_until = null,
        updated_at = now()
    where d.id = delivery_id and d.status = 'sending' and d.claimed_by = worker_id
    returning d.*;
end $$;

-- An operator's resend: pending again, now (attempts are kept; a sent one goes again).
create or replace function public.resend_delivery(delivery_id uuid) returns setof public.notification_outbox
language sql volatile security definer set search_path = public as $$
    update notification_outbox set status = 'pending', next_at = now(), claimed_by = null,
        lease_until = null, updated_at = now()
    where id = delivery_id and status <> 'sending'
    returning *
$$;

-- The customers' devices for push, written by the app: a customer writes only their own.
create table if not exists public.device_tokens (
    token text primary key,
    user_id text not null,
    platform text,
    created_at timestamptz not null default now()
);
create index if not exists idx_device_tokens_user on public.device_tokens (user_id);

-- FCM answered UNREGISTERED: the token goes.
create or replace function public.remove_device_token(token text) returns void
language sql volatile security definer set search_path = public as $$
    delete from device_tokens d where d.token = remove_device_token.token
$$;

alter table public.notification_channels enable row level security;
alter table public.notification_outbox enable row level security;
alter table public.device_tokens enable row level security;
do $$
declare
    t text;
begin
    foreach t in array array['notification_channels', 'notification_outbox', 'device_tokens'] loop
        execute format('drop policy if exists "service role does everything" on public.%I', t);
        execute format('create policy "service role does everything" on public.%I '
                       'for all to service_role using (true) with check (true)', t);
        execute format('grant all on public.%I to service_role', t);
    end loop;
end $$;
drop policy if exists "customers manage own device tokens" on public.device_tokens;
create policy "customers manage own device tokens" on public.device_tokens for all
    to authenticated
    using (user_id = (select auth.uid())::text)
    with check (user_id = (select auth.uid())::text);
grant select, insert, update, delete on public.device_tokens to authenticated;

revoke all on function public._order_item_outbox() from public, anon, authenticated;
revoke all on function public.claim_deliveries(text, jsonb, integer, integer) from public, anon, authenticated;
revoke all on function public.settle_delivery(uuid, text, text, text, double precision) from public, anon, authenticated;
revoke all on function public.resend_delivery(uuid) from public, anon, authenticated;
revoke all on function public.remove_device_token(text) from public, anon, authenticated;
grant execute on function public.claim_deliveries(text, jsonb, integer, integer),
    public.settle_delivery(uuid, text, text, text, double precision),
    public.resend_delivery(uuid),
    public.remove_device_token(text)
    to service_role;
