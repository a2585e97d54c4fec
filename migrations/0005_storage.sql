-- Pressroom 0005: the private `books` bucket (covers, books, photos, catalog art, work in
-- progress). Children's photos and books are not public: the app downloads through signed
-- URLs. Only on Supabase, where the storage schema exists.
do $$
begin
    if to_regclass('storage.buckets') is not null then
        insert into storage.buckets (id, name, public) values ('books', 'books', false)
        on conflict (id) do update set public = false;
    end if;
end $$;
