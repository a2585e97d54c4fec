-- Pressroom 0005: the private `books` bucket (covers, books, photos, catalog art, work in
-- progress). Children's photos and books are not public: the app downloads through signed
-- URLs. Only on Supabase, where the storage schema exists.
-- A bucket that already exists is left as it is: the old server made `books` public and
-- the mobile app holds public links into it. `pressroom migrate` says so, and turns it
-- private only when asked (--make-books-private), after `pressroom links --resign`.
do $$
begin
    if to_regclass('storage.buckets') is not null then
        insert into storage.buckets (id, name, public) values ('books', 'books', false)
        on conflict (id) do nothing;
    end if;
end $$;
