-- Pressroom 0007: what the operators' console shows. Safe to re-run: columns and indexes
-- only if missing, functions and triggers replaced, grants re-stated.

-- When each stage started. Progress, as in 0003, plus a `stage` event (actor: the worker,
-- note: the stage) the first time an attempt reports a stage, i.e. when it starts. "First
-- time since the latest claim" rather than "differs from the stage column": the two analyses
-- run at once and interleave their reports, and a reclaimed item may resume in the stage
-- its last attempt stopped in.
create or replace function public.report_order_item_progress(
    item_id uuid, worker_id text, attempt integer, stage text, done integer, total integer
) returns boolean
language plpgsql volatile security definer set search_path = public as $$
#variable_conflict use_variable
begin
    update order_items oi
    set stage = stage, progress_done = done, progress_total = total, updated_at = now()
    where oi.id = item_id and oi.claimed_by = worker_id and oi.attempts = attempt
      and oi.generation_status in ('processing', 'publishing');
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
-- As in 0004: it runs as its owner, so only the service role may call it.
revoke all on function public.report_order_item_progress(uuid, text, integer, text, integer, integer) from public, anon, authenticated;
grant execute on function public.report_order_item_progress(uuid, text, integer, text, integer, integer) to service_role;

-- Who ordered and when they paid. Nullable: the mobile app may not send a name or an
-- e-mail, and orders paid before this migration keep an unknown paid_at (null) rather than
-- a guessed one. paid_at is set by the database when an order is, or becomes, paid.
alter table public.orders
    add column if not exists paid_at timestamptz,
    add column if not exists customer_name text,
    add column if not exists customer_email text;

create or replace function public._order_paid_at() returns trigger
language plpgsql set search_path = public as $$
begin
    if new.payment_status = 'paid' and new.paid_at is null then
        new.paid_at := now();
    end if;
    return new;
end $$;
create or replace trigger order_paid_at
    before insert or update of payment_status on public.orders
    for each row execute function public._order_paid_at();
revoke all on function public._order_paid_at() from public, anon, authenticated;

-- The shop's day in one call: queue counts, books finished since `since` and since
-- `recent_since`, failures since `since` (count and the three most common first lines), and
-- AI spending since `since` (per provenance run: its finished_at, else the row's updated_at).
create index if not exists idx_order_items_generated on public.order_items (generated_at)
    where generated_at is not null;
create index if not exists idx_order_item_events_failed on public.order_item_events (at)
    where action = 'failed';
create index if not exists idx_order_item_provenance_updated
    on public.order_item_provenance (updated_at);

-- The provenance upsert sends only item_id and data: keep updated_at the time the data last
-- changed, so that "spent today" can skip the items untouched since.
create or replace function public._touch_updated_at() returns trigger
language plpgsql set search_path = public as $$
begin
    new.updated_at := now();
    return new;
end $$;
create or replace trigger order_item_provenance_touch
    before update on public.order_item_provenance
    for each row when (old.data is distinct from new.data)
    execute function public._touch_updated_at();
revoke all on function public._touch_updated_at() from public, anon, authenticated;

create or replace function public.pressroom_overview(since timestamptz, recent_since timestamptz)
returns json
language sql stable security definer set search_path = public as $$
    select json_build_object(
        'counts', (select coalesce(json_object_agg(c.generation_status, c.items), '{}'::json)
                   from (select oi.generation_status, count(*) as items
                         from order_items oi group by oi.generation_status) c),
        'completed', (select count(*) from order_items oi
                      where oi.generated_at >= since and oi.generation_status = 'completed'),
        'completed_recent', (select count(*) from order_items oi
                             where oi.generated_at >= recent_since
                               and oi.generation_status = 'completed'),
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
revoke all on function public.pressroom_overview(timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function public.pressroom_overview(timestamptz, timestamptz) to service_role;
