-- Pressroom 0008: the mobile app's contract (README.md, "The mobile app's contract").
-- `generation_status` is what the customers' app reads and only ever takes the values it
-- knows: pending until claimed, processing until completed, or failed. Pressroom's finer
-- state (review, publishing, waiting to retry) lives in `pressroom_status`, which every
-- worker function now reads and writes; a trigger derives generation_status from it.
-- Safe to re-run.

alter table public.order_items add column if not exists pressroom_status text;
-- Before this migration generation_status held Pressroom's own state: move it over once.
update public.order_items set pressroom_status = generation_status where pressroom_status is null;
alter table public.order_items
    alter column pressroom_status set default 'pending',
    alter column pressroom_status set not null;

do $$
begin
    if exists (select 1 from pg_constraint where conname = 'order_items_generation_status_check') then
        alter table public.order_items drop constraint order_items_generation_status_check;
    end if;
    if not exists (select 1 from pg_constraint where conname = 'order_items_pressroom_status_check') then
        alter table public.order_items add constraint order_items_pressroom_status_check
            check (pressroom_status in
                ('pending', 'processing', 'awaiting_review', 'publishing', 'completed', 'failed'));
    end if;
end $$;
update public.order_items set generation_status = 'processing'
    where generation_status in ('awaiting_review', 'publishing');
do $$
begin
    if not exists (select 1 from pg_constraint where conname = 'order_items_app_status_check') then
        alter table public.order_items add constraint order_items_app_status_check
            check (generation_status in ('pending', 'processing', 'completed', 'failed'));
    end if;
end $$;

-- The app's value, derived whenever Pressroom's state changes (app.domain.app_status is
-- the same rule in Python): an item once claimed never shows pending again.
create or replace function public._order_item_app_status() returns trigger
language plpgsql set search_path = public as $$
begin
    if tg_op = 'INSERT' or new.pressroom_status is distinct from old.pressroom_status then
        new.generation_status := case new.pressroom_status
            when 'pending' then case when tg_op = 'UPDATE' and old.generation_status <> 'pending'
                                     then 'processing' else 'pending' end
            when 'completed' then 'completed'
            when 'failed' then 'failed'
            else 'processing' end;
    end if;
    return new;
end $$;
create or replace trigger order_item_app_status
    before insert or update on public.order_items
    for each row execute function public._order_item_app_status();
revoke all on function public._order_item_app_status() from public, anon, authenticated;

drop index if exists public.idx_order_items_claimable;
create index if not exists idx_order_items_claimable_state on public.order_items (created_at)
    where pressroom_status in ('pending', 'processing', 'publishing');

-- The view expands oi.* when it is made: make it again to carry the new column, and with
-- it the functions that return its rows.
drop view if exists public.pressroom_items cascade;
create view public.pressroom_items with (security_invoker = true) as
    select oi.*, o.user_id as customer_id, o.payment_status
    from public.order_items oi
    join public.orders o on o.id = oi.order_id;
grant select on public.pressroom_items to authenticated;
grant all on public.pressroom_items to service_role;

create or replace function public.claim_order_items(
    worker_id text, max_items integer default 5, lease_seconds integer default 120
) returns setof public.pressroom_items
language plpgsql volatile security definer set search_path = public as $$
#variable_conflict use_variable
declare
    claimed uuid[];
begin
    with picked as (
        select oi.id
        from order_items oi
        join orders o on o.id = oi.order_id
        where o.payment_status = 'paid'
          and oi.pressroom_status in ('pending', 'processing', 'publishing')
          and ((oi.pressroom_status = 'pending'
                and coalesce(oi.retry_at, '-infinity'::timestamptz) <= now())
               or (oi.pressroom_status <> 'pending' and oi.lease_expires_at < now()))
        order by oi.created_at
        limit max_items
        for update of oi skip locked
    ), taken as (
        update order_items oi
        set pressroom_status = 'processing',
            claimed_by = worker_id,
            lease_expires_at = now() + make_interval(secs => lease_seconds),
            attempts = oi.attempts + 1,
            retry_at = null,
            updated_at = now()
        from picked
        where oi.id = picked.id
        returning oi.id
    )
    select coalesce(array_agg(taken.id), '{}') into claimed from taken;
    insert into order_item_events (item_id, actor, action)
        select unnest(claimed), worker_id, 'claimed';
    return query select * from pressroom_items p where p.id = any(claimed) order by p.created_at;
end $$;

create or replace function public.heartbeat_order_item(
    item_id uuid, worker_id text, attempt integer, lease_seconds integer default 120
) returns boolean
language plpgsql volatile security definer set search_path = public as $$
#variable_conflict use_variable
begin
    update order_items oi
    set lease_expires_at = now() + make_interval(secs => lease_seconds)
    where oi.id = item_id and oi.claimed_by = worker_id and oi.attempts = attempt
      and oi.pressroom_status in ('processing', 'publishing');
    return found;
end $$;

create or replace function public.report_order_item_progress(
    item_id uuid, worker_id text, attempt integer, stage text, done integer, total integer
) returns boolean
language plpgsql volatile security definer set search_path = public as $$
#variable_conflict use_variable
begin
    update order_items oi
    set stage = stage, progress_done = done, progress_total = total, updated_at = now()
    where oi.id = item_id and oi.claimed_by = worker_id and oi.attempts = attempt
      and oi.pressroom_status in ('processing', 'publishing');
    if not found then
        return false;
    end if;
    -- The update holds the item's row lock until commit, so concurrent reports of one item
    -- run this check one after the other and the event is written once.
    if not exists (
        select 1 from order_item_events e
        where e.item_id = item_id and e.action = 'stage' and e.note = stage
          and e.id > coalesce((select max(c.id) from order_item_events c
                               where c.item_id = item_id and c.action = 'claimed'), 0)
    ) then
        insert into order_item_events (item_id, actor, action, note)
            values (item_id, worker_id, 'stage', stage);
    end if;
    return true;
end $$;

create or replace function public._order_item_refusal(
    item_id uuid, from_status text, worker_id text, attempt integer
) returns text
language plpgsql stable security definer set search_path = public as $$
#variable_conflict use_variable
declare
    row_now record;
begin
    select oi.pressroom_status, oi.claimed_by, oi.attempts into row_now
    from order_items oi where oi.id = item_id;
    if not found then
        return format('order item %s does not exist', item_id);
    elsif row_now.pressroom_status <> from_status then
        return format('order item %s is %s now, not %s',
                      item_id, row_now.pressroom_status, from_status);
    end if;
    return format('order item %s is no longer held by %s (attempt %s); held by %s attempt %s',
                  item_id, worker_id, attempt,
                  coalesce(row_now.claimed_by, 'nobody'), row_now.attempts);
end $$;

create or replace function public.transition_order_item(
    item_id uuid,
    from_status text,
    to_status text,
    worker_id text default null,
    attempt integer default null,
    changes jsonb default '{}',
    actor text default 'system',
    note text default '',
    lease_seconds integer default 120
) returns setof public.pressroom_items
language plpgsql volatile security definer set search_path = public as $$
#variable_conflict use_variable
declare
    releasing boolean := to_status in ('pending', 'awaiting_review', 'failed', 'completed');
    approving boolean := from_status = 'awaiting_review' and to_status = 'publishing';
begin
    if not exists (select 1 from generation_transitions t
                   where t.src = from_status and t.dst = to_status) then
        raise exception 'illegal transition: an item cannot go from % to %', from_status, to_status
            using errcode = '22023';
    end if;
    update order_items oi set
        pressroom_status = to_status,
        updated_at = now(),
        last_error = case when changes ? 'last_error' then changes ->> 'last_error'
                          else oi.last_error end,
        retry_at = case when changes ? 'retry_at'
                        then to_timestamp((changes ->> 'retry_at')::double precision)
                        else oi.retry_at end,
        stage = case when changes ? 'stage' then changes ->> 'stage' else oi.stage end,
        attempts = case when changes ? 'attempts' then (changes ->> 'attempts')::integer
                        else oi.attempts end,
        progress_done = case when changes ? 'progress_done'
                             then (changes ->> 'progress_done')::integer else oi.progress_done end,
        progress_total = case when changes ? 'progress_total'
                              then (changes ->> 'progress_total')::integer else oi.progress_total end,
        claimed_by = case when releasing then null when approving then actor else oi.claimed_by end,
        lease_expires_at = case when releasing then null
                                when approving then now() + make_interval(secs => lease_seconds)
                                else oi.lease_expires_at end
    where oi.id = item_id
      and oi.pressroom_status = from_status
      and (worker_id is null or (oi.claimed_by = worker_id and oi.attempts = attempt));
    if not found then
        raise exception 'lease lost: %', _order_item_refusal(item_id, from_status, worker_id, attempt)
            using errcode = 'P0001';
    end if;
    insert into order_item_events (item_id, actor, action, note)
        values (item_id, actor, to_status, coalesce(note, ''));
    return query select * from pressroom_items p where p.id = item_id;
end $$;

create or replace function public.complete_order_item(
    item_id uuid,
    worker_id text,
    attempt integer,
    pdf_url text,
    cover_image_url text,
    notification_title text,
    notification_body text
) returns setof public.pressroom_items
language plpgsql volatile security definer set search_path = public as $$
#variable_conflict use_variable
declare
    customer text;
begin
    update order_items oi set
        pressroom_status = 'completed',
        pdf_url = pdf_url,
        cover_image_url = cover_image_url,
        generated_at = now(),
        claimed_by = null,
        lease_expires_at = null,
        last_error = null,
        updated_at = now()
    where oi.id = item_id and oi.pressroom_status = 'publishing'
      and oi.claimed_by = worker_id and oi.attempts = attempt;
    if not found then
        raise exception 'lease lost: %', _order_item_refusal(item_id, 'publishing', worker_id, attempt)
            using errcode = 'P0001';
    end if;
    select o.user_id into customer
    from order_items oi join orders o on o.id = oi.order_id where oi.id = item_id;
    insert into notifications (user_id, order_item_id, kind, title, body)
        values (customer, item_id, 'book_ready', notification_title, notification_body)
        on conflict (order_item_id, kind) do nothing;
    insert into order_item_events (item_id, actor, action) values (item_id, worker_id, 'completed');
    return query select * from pressroom_items p where p.id = item_id;
end $$;

-- The queue by Pressroom's state (0006's order_item_counts counts the app's values).
create or replace function public.pressroom_status_counts()
returns table (pressroom_status text, items bigint)
language sql stable security definer set search_path = public as $$
    select oi.pressroom_status, count(*) from order_items oi group by oi.pressroom_status
$$;

create or replace function public.pressroom_overview(since timestamptz, recent_since timestamptz)
returns json
language sql stable security definer set search_path = public as $$
    select json_build_object(
        'counts', (select coalesce(json_object_agg(c.pressroom_status, c.items), '{}'::json)
                   from (select oi.pressroom_status, count(*) as items
                         from order_items oi group by oi.pressroom_status) c),
        'completed', (select count(*) from order_items oi
                      where oi.generated_at >= since and oi.pressroom_status = 'completed'),
        'completed_recent', (select count(*) from order_items oi
                             where oi.generated_at >= recent_since
                               and oi.pressroom_status = 'completed'),
        'failed', (select count(*) from order_item_events e
                   where e.action = 'failed' and e.at >= since),
        'failure_reasons', (
            select coalesce(json_agg(json_build_array(r.reason, r.n)
                                     order by r.n desc, r.reason), '[]'::json)
            from (select split_part(e.note, E'\n', 1) as reason, count(*) as n
                  from order_item_events e
                  where e.action = 'failed' and e.at >= since
                  group by 1 order by 2 desc, 1 limit 3) r),
        'cost_usd', (
            select coalesce(sum(case when jsonb_typeof(run -> 'usage' -> 'cost_usd') = 'number'
                                     then (run -> 'usage' ->> 'cost_usd')::double precision
                                end), 0)
            from order_item_provenance p
            cross join lateral jsonb_array_elements(
                case when jsonb_typeof(p.data -> 'runs') = 'array' then p.data -> 'runs'
                     else '[]'::jsonb end) run
            where p.updated_at >= since
              and coalesce(case when jsonb_typeof(run -> 'finished_at') = 'number'
                                then to_timestamp((run ->> 'finished_at')::double precision)
                           end, p.updated_at) >= since)
    )
$$;

-- As in 0004, 0006 and 0007: they run as their owner, so only the service role may call them.
revoke all on function public.claim_order_items(text, integer, integer) from public, anon, authenticated;
revoke all on function public.heartbeat_order_item(uuid, text, integer, integer) from public, anon, authenticated;
revoke all on function public.report_order_item_progress(uuid, text, integer, text, integer, integer) from public, anon, authenticated;
revoke all on function public._order_item_refusal(uuid, text, text, integer) from public, anon, authenticated;
revoke all on function public.transition_order_item(uuid, text, text, text, integer, jsonb, text, text, integer) from public, anon, authenticated;
revoke all on function public.complete_order_item(uuid, text, integer, text, text, text, text) from public, anon, authenticated;
revoke all on function public.pressroom_status_counts() from public, anon, authenticated;
revoke all on function public.pressroom_overview(timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function public.claim_order_items(text, integer, integer),
    public.heartbeat_order_item(uuid, text, integer, integer),
    public.report_order_item_progress(uuid, text, integer, text, integer, integer),
    public.transition_order_item(uuid, text, text, text, integer, jsonb, text, text, integer),
    public.complete_order_item(uuid, text, integer, text, text, text, text),
    public.pressroom_status_counts(),
    public.pressroom_overview(timestamptz, timestamptz)
    to service_role;
