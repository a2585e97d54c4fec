-- Pressroom 0012: an item's print files for its printer profile (the interior and the
-- cover spread, app/print), beside the reading PDF the app links to (`pdf_url`). A table of
-- its own: order_items' columns are fixed into the pressroom_items view. Safe to re-run.
create table if not exists public.order_item_print_files (
    item_id uuid not null references public.order_items(id) on delete cascade,
    kind text not null check (kind in ('interior', 'cover')),
    url text not null,
    updated_at timestamptz not null default now(),
    primary key (item_id, kind)
);
alter table public.order_item_print_files enable row level security;
drop policy if exists "service role does everything" on public.order_item_print_files;
create policy "service role does everything" on public.order_item_print_files
    for all to service_role using (true) with check (true);
grant all on public.order_item_print_files to service_role;
