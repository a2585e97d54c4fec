-- Pressroom 0018: the Batch lane (app/ai/batch_lane.py). An order may say when its book is
-- needed (`needed_by`, set by the shop's app; empty: PRESSROOM_PROMISED_HOURS after payment),
-- which decides the lane of PRESSROOM_AI_LANE=auto. Each item shows its lane and the state
-- of its batch jobs (order_item_lanes), written by the worker that holds it. The
-- overview adds the money the batch lane saved (each run's usage.saved_usd). Safe to re-run.

alter table public.orders add column if not exists needed_by timestamptz;
-- A table of its own: order_items' columns are fixed into the pressroom_items view.
create table if not exists public.order_item_lanes (
    item_id uuid primary key references public.order_items(id) on delete cascade,
    ai_lane text not null check (ai_lane in ('live', 'batch')),
    lane_state text not null default '',
    updated_at timestamptz not null default now()
);
alter table public.order_item_lanes enable row level security;
drop policy if exists "service role does everything" on public.order_item_lanes;
create policy "service role does everything" on public.order_item_lanes
    for all to service_role using (true) with check (true);
grant all on public.order_item_lanes to service_role;

-- The lane of a held item and its batch state; false when the item is no longer held. The
-- item counts as changed (updated_at), so the console's next read takes it.
create or replace function public.pressroom_set_lane(
    item_id uuid, worker_id text, attempt integer, lane text, state text
) returns boolean
language plpgsql volatile security definer set search_path = public as $$
#variable_conflict use_variable
begin
    update order_items oi set updated_at = now()
    where oi.id = item_id and oi.claimed_by = worker_id and oi.attempts = attempt
      and oi.pressroom_status in ('processing', 'publishing');
    if not found then
        return false;
    end if;
    insert into order_item_lanes as l (item_id, ai_lane, lane_state, updated_at)
    values (item_id, lane, state, now())
    on conflict on constraint order_item_lanes_pkey
    do update set ai_lane = excluded.ai_lane, lane_state = excluded.lane_state,
                  updated_at = excluded.updated_at;
    return true;
end $$;

-- As pressroom_quality_summaries (0010): the ids as a JSON array.
create or replace function public.pressroom_lane_states(ids jsonb)
returns table (item_id uuid, ai_lane text, lane_state text)
language sql stable security definer set search_path = public as $$
    select l.item_id, l.ai_lane, l.lane_state from order_item_lanes l
    where l.item_id in (select value::uuid from jsonb_array_elements_text(ids))
$$;

-- As in 0008, with the money the batch lane saved.
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
                           end, p.updated_at) >= since),
        'saved_usd', (
            select coalesce(sum(case when jsonb_typeof(run -> 'usage' -> 'saved_usd') = 'number'
                                     then (run -> 'usage' ->> 'saved_usd')::double precision
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

revoke all on function public.pressroom_set_lane(uuid, text, integer, text, text) from public, anon, authenticated;
grant execute on function public.pressroom_set_lane(uuid, text, integer, text, text) to service_role;
revoke all on function public.pressroom_lane_states(jsonb) from public, anon, authenticated;
grant execute on function public.pressroom_lane_states(jsonb) to service_role;
revoke all on function public.pressroom_overview(timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function public.pressroom_overview(timestamptz, timestamptz) to service_role;
