-- Pressroom 0009: links that never die while the book exists. Books and children's photos
-- stay private (signed URLs), but switching over must not break the links the mobile app
-- already holds, and a signed link must be renewed before it expires. Safe to re-run.

-- When the signed links in pdf_url and cover_image_url expire (both are signed together);
-- no row: unknown (a link signed before this table, or a public link from the old server).
-- A table of its own rather than a column: order_items' columns are fixed into the
-- pressroom_items view that earlier migrations (re-runnable) define with oi.*.
create table if not exists public.order_item_links (
    item_id uuid primary key references public.order_items(id) on delete cascade,
    links_expire_at timestamptz
);
create index if not exists idx_order_item_links_expire
    on public.order_item_links (links_expire_at);
alter table public.order_item_links enable row level security;
drop policy if exists "service role does everything" on public.order_item_links;
create policy "service role does everything" on public.order_item_links
    for all to service_role using (true) with check (true);
grant all on public.order_item_links to service_role;

-- Completed items whose signed links expire before `before` (or whose expiry is unknown):
-- the monitor re-signs them ahead of time.
create or replace function public.pressroom_links_due(before timestamptz, max_items integer)
returns table (id uuid, pdf_url text, cover_image_url text, links_expire_at timestamptz)
language sql stable security definer set search_path = public as $$
    select oi.id, oi.pdf_url, oi.cover_image_url, l.links_expire_at
    from order_items oi
    left join order_item_links l on l.item_id = oi.id
    where oi.pressroom_status = 'completed'
      and (oi.pdf_url like '%/storage/v1/object/sign/%'
           or oi.cover_image_url like '%/storage/v1/object/sign/%')
      and (l.links_expire_at is null or l.links_expire_at < before)
    order by l.links_expire_at nulls first, oi.id
    limit max_items
$$;

-- Items whose links are public Storage URLs (what the old server wrote): they stop working
-- the moment the bucket turns private, so `pressroom links --resign` rewrites them first.
create or replace function public.pressroom_public_links(max_items integer)
returns table (id uuid, pdf_url text, cover_image_url text, links_expire_at timestamptz)
language sql stable security definer set search_path = public as $$
    select oi.id, oi.pdf_url, oi.cover_image_url, l.links_expire_at
    from order_items oi
    left join order_item_links l on l.item_id = oi.id
    where oi.pdf_url like '%/storage/v1/object/public/%'
       or oi.cover_image_url like '%/storage/v1/object/public/%'
    order by oi.id
    limit max_items
$$;

-- New links for an item, recorded with their expiry and an event in its history.
create or replace function public.pressroom_set_links(
    item_id uuid, pdf_url text, cover_image_url text, links_expire_at timestamptz, actor text
) returns boolean
language plpgsql volatile security definer set search_path = public as $$
#variable_conflict use_variable
begin
    update order_items oi
    set pdf_url = pdf_url, cover_image_url = cover_image_url, updated_at = now()
    where oi.id = item_id;
    if not found then
        return false;
    end if;
    insert into order_item_links as l (item_id, links_expire_at)
        values (item_id, links_expire_at)
        on conflict on constraint order_item_links_pkey
        do update set links_expire_at = excluded.links_expire_at;
    insert into order_item_events (item_id, actor, action, note)
        values (item_id, actor, 'links',
                coalesce('signed until ' || to_char(links_expire_at, 'YYYY-MM-DD'), 'public'));
    return true;
end $$;

revoke all on function public.pressroom_links_due(timestamptz, integer) from public, anon, authenticated;
revoke all on function public.pressroom_public_links(integer) from public, anon, authenticated;
revoke all on function public.pressroom_set_links(uuid, text, text, timestamptz, text) from public, anon, authenticated;
grant execute on function public.pressroom_links_due(timestamptz, integer),
    public.pressroom_public_links(integer),
    public.pressroom_set_links(uuid, text, text, timestamptz, text)
    to service_role;
