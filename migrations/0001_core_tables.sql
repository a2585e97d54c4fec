-- Pressroom 0001: the tables the mobile app and Pressroom share. Safe to re-run: every
-- object is created only if missing, and columns are added to tables that already exist.


create table if not exists public.books (
    id text primary key,
    title text not null,
    genre text not null default '',
    age_range text not null default '',
    hero_name text not null,
    hero_gender text,
    cover_image text not null,
    cover_hero_regions jsonb not null default '[]',
    title_box jsonb,
    pages jsonb not null default '[]',
    created_at timestamptz not null default now()
);

create table if not exists public.orders (
    id uuid primary key default gen_random_uuid(),
    user_id text not null,
    payment_status text not null default 'pending',
    created_at timestamptz not null default now()
);
alter table public.orders add column if not exists payment_status text not null default 'pending';

create table if not exists public.order_items (
    id uuid primary key default gen_random_uuid(),
    order_id uuid not null references public.orders(id) on delete cascade,
    book_id text not null references public.books(id),
    created_at timestamptz not null default now()
);
alter table public.order_items
    add column if not exists personalization jsonb not null default '{}',
    add column if not exists generation_status text not null default 'pending',
    add column if not exists stage text,
    add column if not exists progress_done integer not null default 0,
    add column if not exists progress_total integer not null default 0,
    add column if not exists attempts integer not null default 0,
    add column if not exists last_error text,
    add column if not exists claimed_by text,
    add column if not exists lease_expires_at timestamptz,
    add column if not exists retry_at timestamptz,
    add column if not exists pdf_url text,
    add column if not exists generated_at timestamptz,
    add column if not exists updated_at timestamptz not null default now();

do $$
begin
    if not exists (select 1 from pg_constraint where conname = 'order_items_generation_status_check') then
        alter table public.order_items add constraint order_items_generation_status_check
            check (generation_status in
                ('pending', 'processing', 'awaiting_review', 'publishing', 'completed', 'failed'));
    end if;
end $$;

-- The poll: only items that can still be claimed are indexed, so the claim reads no
-- finished rows however many accumulate.
create index if not exists idx_order_items_claimable on public.order_items (created_at)
    where generation_status in ('pending', 'processing', 'publishing');
create index if not exists idx_order_items_order on public.order_items (order_id);
create index if not exists idx_orders_user on public.orders (user_id);

create table if not exists public.notifications (
    id uuid primary key default gen_random_uuid(),
    user_id text not null,
    order_item_id uuid references public.order_items(id) on delete cascade,
    kind text not null default 'book_ready',
    title text not null,
    body text not null,
    read boolean not null default false,
    created_at timestamptz not null default now()
);
create unique index if not exists notifications_once_per_item
    on public.notifications (order_item_id, kind);
create index if not exists idx_notifications_user on public.notifications (user_id, created_at);

-- Audit: every transition and review decision, with who and when.
create table if not exists public.order_item_events (
    id bigserial primary key,
    item_id uuid not null references public.order_items(id) on delete cascade,
    at timestamptz not null default now(),
    actor text not null,
    action text not null,
    note text not null default ''
);
create index if not exists idx_order_item_events_item on public.order_item_events (item_id, id);

-- Provenance: the analyses' source, prompts' provider and model, input hashes, usage.
create table if not exists public.order_item_provenance (
    item_id uuid primary key references public.order_items(id) on delete cascade,
    data jsonb not null,
    updated_at timestamptz not null default now()
);
