-- Pressroom 0003: the rows workers and the console read, and the only ways they change.
-- Every change after a claim is a compare-and-set on (status, claimed_by, attempts): a
-- worker that lost its lease gets an error instead of overwriting newer state.

create table if not exists public.generation_transitions (
    src text not null,
    dst text not null,
    primary key (src, dst)
);
insert into public.generation_transitions (src, dst) values
    ('pending', 'processing'),
    ('processing', 'publishing'), ('processing', 'awaiting_review'),
    ('processing', 'failed'), ('processing', 'pending'),
    ('awaiting_review', 'publishing'), ('awaiting_review', 'pending'),
    ('awaiting_review', 'failed'),
    ('publishing', 'completed'), ('publishing', 'failed'), ('publishing', 'pending'),
    ('failed', 'pending')
on conflict do nothing;

-- Items with the two order fields every reader needs. security_invoker: a customer reading
-- it sees only what the tables' row-level security lets them see.
create or replace view public.pressroom_items with (security_invoker = true) as
    select oi.*, o.user_id as customer_id, o.payment_status
    from public.order_items oi
    join public.orders o on o.id = oi.order_id;

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
          and oi.generation_status in ('pending', 'processing', 'publishing')
          and ((oi.generation_status = 'pending'
                and coalesce(oi.retry_at, '-infinity'::timestamptz) <= now())
               or (oi.generation_status <> 'pending' and oi.lease_expires_at < now()))
        order by oi.created_at
        limit max_items
        for update of oi skip locked
    ), taken as (
        update order_items oi
        set generation_status = 'processing',
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
      and oi.generation_status in ('processing', 'publishing');
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
      and oi.generation_status in ('processing', 'publishing');
    return found;
end $$;

create or replace function public._order_item_refusal(
    item_id uuid, from_status text, worker_id text, attempt integer
) returns text
language plpgsql stable security definer set search_path = public as $$
#variable_conflict use_variable
declare
    row_now record;
begin
    select oi.generation_status, oi.claimed_by, oi.attempts into row_now
    from order_items oi where oi.id = item_id;
    if not found then
        return format('order item %s does not exist', item_id);
    elsif row_now.generation_status <> from_status then
        return format('order item %s is %s now, not %s',
                      item_id, row_now.generation_status, from_status);
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
        generation_status = to_status,
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
      and oi.generation_status = from_status
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
        generation_status = 'completed',
        pdf_url = pdf_url,
        cover_image_url = cover_image_url,
        generated_at = now(),
        claimed_by = null,
        lease_expires_at = null,
        last_error = null,
        updated_at = now()
    where oi.id = item_id and oi.generation_status = 'publishing'
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
