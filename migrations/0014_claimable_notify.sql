-- Pressroom 0014: instant pickup. Workers and consoles that hold a database connection
-- LISTEN (app/store/pg_listen.py) instead of waiting for their next poll:
--   pressroom_claimable  an item became claimable now: pending, its retry time come (or
--                        none) and its order paid — the condition of claim_order_items.
--                        Payload: the item's id, or the order's when a whole order became
--                        paid. Lease expiry and retry times still to come are left to polling.
--   pressroom_items      an item changed in a way the console's live table shows (inserted,
--                        deleted, its state or progress changed: anything that moves
--                        updated_at — a heartbeat does not). Payload: the item's id.
-- Notifications are sent at commit and cost nothing when nobody listens. Safe to re-run.

create or replace function public._order_item_notify() returns trigger
language plpgsql security definer set search_path = public as $$
begin
    if tg_op <> 'UPDATE' or new.updated_at is distinct from old.updated_at
       or new.pressroom_status is distinct from old.pressroom_status then
        perform pg_notify('pressroom_items',
                        (case when tg_op = 'DELETE' then old.id else new.id end)::text);
    end if;
    if tg_op <> 'DELETE'
       and new.pressroom_status = 'pending'
       and coalesce(new.retry_at, '-infinity'::timestamptz) <= now()
       and (tg_op = 'INSERT'
            or old.pressroom_status is distinct from 'pending'
            or old.retry_at is distinct from new.retry_at
            or old.order_id is distinct from new.order_id)
       and exists (select 1 from orders o
                   where o.id = new.order_id and o.payment_status = 'paid') then
        perform pg_notify('pressroom_claimable', new.id::text);
    end if;
    return null;
end $$;
create or replace trigger order_item_notify
    after insert or update or delete on public.order_items
    for each row execute function public._order_item_notify();
revoke all on function public._order_item_notify() from public, anon, authenticated;

create or replace function public._order_paid_notify() returns trigger
language plpgsql security definer set search_path = public as $$
begin
    if new.payment_status = 'paid'
       and (tg_op = 'INSERT' or old.payment_status is distinct from 'paid')
       and exists (select 1 from order_items oi
                   where oi.order_id = new.id and oi.pressroom_status = 'pending'
                     and coalesce(oi.retry_at, '-infinity'::timestamptz) <= now()) then
        perform pg_notify('pressroom_claimable', new.id::text);
    end if;
    return null;
end $$;
create or replace trigger order_paid_notify
    after insert or update of payment_status on public.orders
    for each row execute function public._order_paid_notify();
revoke all on function public._order_paid_notify() from public, anon, authenticated;
