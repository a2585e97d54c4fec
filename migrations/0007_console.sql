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
