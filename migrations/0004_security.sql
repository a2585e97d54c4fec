-- Pressroom 0004: who may see and do what. On Supabase the roles and auth.uid() exist
-- already; on a plain PostgreSQL (tests, self-hosting) they are created to match.

do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'anon') then
        create role anon nologin noinherit;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'authenticated') then
        create role authenticated nologin noinherit;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'service_role') then
        create role service_role nologin noinherit bypassrls;
    end if;
end $$;

create schema if not exists auth;
do $$
begin
    if not exists (select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                   where n.nspname = 'auth' and p.proname = 'uid') then
        create function auth.uid() returns uuid language sql stable as $f$
            select nullif(coalesce(current_setting('request.jwt.claim.sub', true),
                                   current_setting('request.jwt.claims', true)::jsonb ->> 'sub'),
                          '')::uuid
        $f$;
    end if;
end $$;
grant usage on schema auth to anon, authenticated, service_role;

alter table public.books enable row level security;
alter table public.orders enable row level security;
alter table public.order_items enable row level security;
alter table public.notifications enable row level security;
alter table public.order_item_events enable row level security;
alter table public.order_item_provenance enable row level security;
alter table public.generation_transitions enable row level security;

-- The service role (workers, the console) does everything.
do $$
declare
    t text;
begin
    foreach t in array array['books', 'orders', 'order_items', 'notifications',
                             'order_item_events', 'order_item_provenance',
                             'generation_transitions'] loop
        execute format('drop policy if exists "service role does everything" on public.%I', t);
        execute format('create policy "service role does everything" on public.%I '
                       'for all to service_role using (true) with check (true)', t);
    end loop;
end $$;

-- Customers (the mobile app's signed-in users) see the catalog and only their own rows.
-- user_id is compared as text: a shop's orders.user_id is often a uuid referencing
-- auth.users(id), Pressroom's own table makes it text; both work.
drop policy if exists "catalog is readable" on public.books;
create policy "catalog is readable" on public.books for select to anon, authenticated using (true);

drop policy if exists "customers read own orders" on public.orders;
create policy "customers read own orders" on public.orders for select to authenticated
    using (user_id::text = (select auth.uid())::text);
drop policy if exists "customers place own orders" on public.orders;
create policy "customers place own orders" on public.orders for insert to authenticated
    with check (user_id::text = (select auth.uid())::text and payment_status = 'pending');

drop policy if exists "customers read own items" on public.order_items;
create policy "customers read own items" on public.order_items for select to authenticated
    using (exists (select 1 from public.orders o
                   where o.id = order_items.order_id and o.user_id::text = (select auth.uid())::text));
drop policy if exists "customers add items to own orders" on public.order_items;
create policy "customers add items to own orders" on public.order_items for insert
    to authenticated
    with check (generation_status = 'pending' and exists (
        select 1 from public.orders o
        where o.id = order_items.order_id and o.user_id::text = (select auth.uid())::text));

drop policy if exists "customers read own notifications" on public.notifications;
create policy "customers read own notifications" on public.notifications for select
    to authenticated using (user_id::text = (select auth.uid())::text);
drop policy if exists "customers mark own notifications read" on public.notifications;
create policy "customers mark own notifications read" on public.notifications for update
    to authenticated using (user_id::text = (select auth.uid())::text)
    with check (user_id::text = (select auth.uid())::text);

grant usage on schema public to anon, authenticated, service_role;
grant select on public.books to anon, authenticated;
grant select, insert on public.orders, public.order_items to authenticated;
grant select, update (read) on public.notifications to authenticated;
grant select on public.pressroom_items to authenticated;
grant all on all tables in schema public to service_role;
grant usage, select on all sequences in schema public to service_role;

-- The worker functions run as their owner (security definer), so nobody but the service
-- role may call them.
revoke all on function public.claim_order_items(text, integer, integer) from public, anon, authenticated;
revoke all on function public.heartbeat_order_item(uuid, text, integer, integer) from public, anon, authenticated;
revoke all on function public.report_order_item_progress(uuid, text, integer, text, integer, integer) from public, anon, authenticated;
revoke all on function public._order_item_refusal(uuid, text, text, integer) from public, anon, authenticated;
revoke all on function public.transition_order_item(uuid, text, text, text, integer, jsonb, text, text, integer) from public, anon, authenticated;
revoke all on function public.complete_order_item(uuid, text, integer, text, text, text, text) from public, anon, authenticated;
grant execute on function public.claim_order_items(text, integer, integer),
    public.heartbeat_order_item(uuid, text, integer, integer),
    public.report_order_item_progress(uuid, text, integer, text, integer, integer),
    public.transition_order_item(uuid, text, text, text, integer, jsonb, text, text, integer),
    public.complete_order_item(uuid, text, integer, text, text, text, text)
    to service_role;
