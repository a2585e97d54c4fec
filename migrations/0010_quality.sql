-- Pressroom 0010: the quality gate's report per item (every check, score, threshold and
-- verdict, the judge's words) and its one-line summary for the console's table. A table of
-- its own: order_items' columns are fixed into the pressroom_items view. Safe to re-run.
create table if not exists public.order_item_quality (
    item_id uuid primary key references public.order_items(id) on delete cascade,
    summary text not null,
    passed boolean not null,
    report jsonb not null,
    updated_at timestamptz not null default now()
);
alter table public.order_item_quality enable row level security;
drop policy if exists "service role does everything" on public.order_item_quality;
create policy "service role does everything" on public.order_item_quality
    for all to service_role using (true) with check (true);
grant all on public.order_item_quality to service_role;

-- The summaries of many items at once (the console's table asks for what it shows). The
-- ids come as a JSON array, as PostgREST passes an rpc argument.
create or replace function public.pressroom_quality_summaries(ids jsonb)
returns table (item_id uuid, summary text)
language sql stable security definer set search_path = public as $$
    select q.item_id, q.summary from order_item_quality q
    where q.item_id in (select value::uuid from jsonb_array_elements_text(ids))
$$;
revoke all on function public.pressroom_quality_summaries(jsonb) from public, anon, authenticated;
grant execute on function public.pressroom_quality_summaries(jsonb) to service_role;
