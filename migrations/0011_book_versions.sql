-- Pressroom 0011: a shop's own books, in versions. `books` keeps each book's current
-- version and its `status`: 'draft' (being made: hidden from customers, not orderable),
-- 'live' (on sale) or 'retired' (no new orders; books already ordered are still made).
-- The app lists `status = 'live'` books. Every saved version stays in `book_versions`, and
-- each order item is pinned to the version current when it was ordered
-- (`order_item_book_versions`, a table of its own: order_items' columns are fixed into the
-- pressroom_items view), so a fix to a book never changes a book already promised.
-- Safe to re-run.

alter table public.books add column if not exists version integer not null default 1;
alter table public.books add column if not exists status text not null default 'live';
do $$
begin
    if not exists (select 1 from pg_constraint where conname = 'books_status_check') then
        alter table public.books add constraint books_status_check
            check (status in ('draft', 'live', 'retired'));
    end if;
end $$;

create table if not exists public.book_versions (
    book_id text not null references public.books(id) on delete cascade,
    version integer not null,
    data jsonb not null,
    created_at timestamptz not null default now(),
    primary key (book_id, version)
);
-- Books saved before versions existed are their own version 1.
insert into public.book_versions (book_id, version, data)
select b.id, b.version, to_jsonb(b) - 'created_at' from public.books b
on conflict do nothing;

create table if not exists public.order_item_book_versions (
    item_id uuid primary key references public.order_items(id) on delete cascade,
    book_id text not null,
    version integer not null
);
-- Items ordered before versions existed were made from version 1, the only one there was.
insert into public.order_item_book_versions (item_id, book_id, version)
select oi.id, oi.book_id, 1 from public.order_items oi
on conflict do nothing;

-- The database itself refuses an order for a book that is not live (the app's inserts
-- included), and pins each new item to the book's current version.
create or replace function public._order_item_book_on_sale() returns trigger
language plpgsql security definer set search_path = public as $$
declare
    book record;
begin
    select b.status, b.version into book from books b where b.id = new.book_id;
    if found and book.status <> 'live' then
        raise exception 'this book is not on sale: % (a draft or retired book cannot be ordered)',
            new.book_id using errcode = 'check_violation';
    end if;
    return new;
end $$;
create or replace trigger order_item_book_on_sale
    before insert on public.order_items
    for each row execute function public._order_item_book_on_sale();

create or replace function public._order_item_pin_book_version() returns trigger
language plpgsql security definer set search_path = public as $$
begin
    insert into order_item_book_versions (item_id, book_id, version)
    select new.id, new.book_id, b.version from books b where b.id = new.book_id
    on conflict (item_id) do nothing;
    return new;
end $$;
create or replace trigger order_item_pin_book_version
    after insert on public.order_items
    for each row execute function public._order_item_pin_book_version();
revoke all on function public._order_item_book_on_sale() from public, anon, authenticated;
revoke all on function public._order_item_pin_book_version() from public, anon, authenticated;

-- Saving a version: the version row and the book's current row in one transaction.
create or replace function public.pressroom_save_book(book jsonb) returns void
language plpgsql volatile security definer set search_path = public as $$
begin
    insert into books (id, title, genre, age_range, hero_name, hero_gender, cover_image,
                       cover_hero_regions, title_box, pages, version, status)
    values (book->>'id', book->>'title', coalesce(book->>'genre', ''),
            coalesce(book->>'age_range', ''), book->>'hero_name', book->>'hero_gender',
            book->>'cover_image', coalesce(book->'cover_hero_regions', '[]'),
            nullif(book->'title_box', 'null'), coalesce(book->'pages', '[]'),
            coalesce((book->>'version')::integer, 1), coalesce(book->>'status', 'live'))
    on conflict (id) do update set
        title = excluded.title, genre = excluded.genre, age_range = excluded.age_range,
        hero_name = excluded.hero_name, hero_gender = excluded.hero_gender,
        cover_image = excluded.cover_image, cover_hero_regions = excluded.cover_hero_regions,
        title_box = excluded.title_box, pages = excluded.pages, version = excluded.version,
        status = excluded.status;
    insert into book_versions (book_id, version, data)
    values (book->>'id', coalesce((book->>'version')::integer, 1), book)
    on conflict (book_id, version) do update set data = excluded.data;
end $$;

-- The book an item was ordered in (an item the trigger never saw: the current version).
create or replace function public.pressroom_item_book(item_id uuid) returns jsonb
language sql stable security definer set search_path = public as $$
    select coalesce(
        (select v.data from order_item_book_versions p
         join book_versions v on v.book_id = p.book_id and v.version = p.version
         where p.item_id = pressroom_item_book.item_id),
        (select to_jsonb(b) - 'created_at' from order_items oi join books b on b.id = oi.book_id
         where oi.id = pressroom_item_book.item_id))
$$;

alter table public.book_versions enable row level security;
alter table public.order_item_book_versions enable row level security;
do $$
declare
    t text;
begin
    foreach t in array array['book_versions', 'order_item_book_versions'] loop
        execute format('drop policy if exists "service role does everything" on public.%I', t);
        execute format('create policy "service role does everything" on public.%I '
                       'for all to service_role using (true) with check (true)', t);
        execute format('grant all on public.%I to service_role', t);
    end loop;
end $$;
-- Customers see the books on sale and the retired ones they may have ordered, not drafts.
drop policy if exists "catalog is readable" on public.books;
create policy "catalog is readable" on public.books for select to anon, authenticated
    using (status <> 'draft');

revoke all on function public.pressroom_save_book(jsonb) from public, anon, authenticated;
revoke all on function public.pressroom_item_book(uuid) from public, anon, authenticated;
grant execute on function public.pressroom_save_book(jsonb) to service_role;
grant execute on function public.pressroom_item_book(uuid) to service_role;
