-- Pressroom 0006: the queue at a glance (GET /monitor/status, the console), counted by the
-- database instead of by reading every row.
create or replace function public.order_item_counts()
returns table (generation_status text, items bigint)
language sql stable security definer set search_path = public as $$
    select oi.generation_status, count(*) from order_items oi group by oi.generation_status
$$;
revoke all on function public.order_item_counts() from public, anon, authenticated;
grant execute on function public.order_item_counts() to service_role;

create index if not exists idx_order_items_updated on public.order_items (updated_at);
