-- Pressroom 0015: erasing a customer's or an item's personal data (GDPR Art. 17), and the
-- record each erasure leaves with no personal data in it: when, by whom, which items, how
-- many of each kind. Storage objects are deleted by Pressroom through the Storage API
-- (deleting the object is what revokes its signed links); this file scrubs the rows, in
-- one transaction. Safe to re-run.

-- An order stopped before it was made: erasing a pending item fails it first, so that no
-- worker claims it while its files go.
insert into public.generation_transitions (src, dst) values ('pending', 'failed')
on conflict do nothing;

create table if not exists public.pressroom_erasures (
    id uuid primary key,
    scope text not null check (scope in ('customer', 'item')),
    item_ids jsonb not null,
    actor text not null,
    started_at timestamptz not null default now(),
    finished_at timestamptz,
    counts jsonb not null default '{}'
);
create index if not exists idx_pressroom_erasures_unfinished
    on public.pressroom_erasures (started_at) where finished_at is null;
alter table public.pressroom_erasures enable row level security;
drop policy if exists "service role does everything" on public.pressroom_erasures;
create policy "service role does everything" on public.pressroom_erasures
    for all to service_role using (true) with check (true);
grant all on public.pressroom_erasures to service_role;

-- The rows' part of erasure `erasure_id` (recorded first in pressroom_erasures): the
-- items lose the child (personalization), their links and errors; their events' notes
-- (but a stage event's, which is the stage's name), notifications, quality reports,
-- provenance, print files and link records go; their deliveries stop; their orders lose
-- the customer's name and e-mail once every item of the order is erased; with `customer`,
-- the customer's notifications and device tokens go too. Refused while a worker holds an item.
create or replace function public.pressroom_erase_items(
    erasure_id uuid, customer text default null, file_counts jsonb default '{}'
) returns setof public.pressroom_erasures
language plpgsql volatile security definer set search_path = public as $$
#variable_conflict use_variable
declare
    ids uuid[];
    held integer;
    counts jsonb := coalesce(file_counts, '{}');
    n integer;
    erased constant text := 'personal data erased at the customer''s request';
begin
    select array(select jsonb_array_elements_text(e.item_ids)::uuid) into ids
    from pressroom_erasures e where e.id = erasure_id for update;
    if ids is null then
        raise exception 'no erasure %', erasure_id;
    end if;
    perform 1 from order_items oi where oi.id = any(ids) for update;  -- no claim meanwhile
    select count(*) into held from order_items oi
    where oi.id = any(ids) and oi.pressroom_status in ('processing', 'publishing');
    if held > 0 then
        raise exception '% of the items are being made right now: erase them once they settle', held;
    end if;

    update order_items oi set
        personalization = jsonb_build_object('erased_at', now()),
        last_error = erased, pdf_url = null, cover_image_url = null, updated_at = now()
    where oi.id = any(ids);
    get diagnostics n = row_count;
    counts := counts || jsonb_build_object('items', n);
    delete from order_item_links l where l.item_id = any(ids);
    update order_item_events ev set note = '' where ev.item_id = any(ids) and ev.action <> 'stage';
    delete from notifications nt where nt.order_item_id = any(ids);
    get diagnostics n = row_count;
    counts := counts || jsonb_build_object('notifications', n);
    update notification_outbox d set last_error = erased,
        status = case when d.status in ('pending', 'sending') then 'failed' else d.status end,
        claimed_by = null, lease_until = null, updated_at = now()
    where d.item_id = any(ids);
    delete from order_item_quality q where q.item_id = any(ids);
    get diagnostics n = row_count;
    counts := counts || jsonb_build_object('reports', n);
    delete from order_item_provenance p where p.item_id = any(ids);
    get diagnostics n = row_count;
    counts := jsonb_set(counts, '{reports}', to_jsonb((counts->>'reports')::integer + n));
    delete from order_item_print_files f where f.item_id = any(ids);
    get diagnostics n = row_count;
    counts := jsonb_set(counts, '{reports}', to_jsonb((counts->>'reports')::integer + n));
    update orders o set customer_name = null, customer_email = null
    where o.id in (select oi.order_id from order_items oi where oi.id = any(ids))
      and (o.customer_name is not null or o.customer_email is not null)
      and not exists (select 1 from order_items x
                      where x.order_id = o.id and not (x.personalization ? 'erased_at'));
    get diagnostics n = row_count;
    counts := counts || jsonb_build_object('orders', n);
    if customer is not null then
        delete from notifications nt where nt.user_id = customer;
        get diagnostics n = row_count;
        counts := jsonb_set(counts, '{notifications}',
                            to_jsonb((counts->>'notifications')::integer + n));
        delete from device_tokens t where t.user_id = customer;
        get diagnostics n = row_count;
        counts := counts || jsonb_build_object('device_tokens', n);
    end if;
    insert into order_item_events (item_id, actor, action, note)
    select i, e.actor, 'erased', 'erasure ' || erasure_id
    from unnest(ids) as i, pressroom_erasures e where e.id = erasure_id;

    return query
    update pressroom_erasures e set finished_at = now(), counts = counts
    where e.id = erasure_id
    returning e.*;
end $$;
revoke all on function public.pressroom_erase_items(uuid, text, jsonb) from public, anon, authenticated;
grant execute on function public.pressroom_erase_items(uuid, text, jsonb) to service_role;
