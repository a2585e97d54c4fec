-- Pressroom 0016: one Gemini pace for every worker of a shop (the rate limit is per Google
-- project, not per process). Each model has a row: when the next call may start (a
-- theoretical arrival time, as in GCRA), until when a 429's retry delay holds every call,
-- the rate learned from a 429 (calls per window) and how many cuts it has seen (a slot
-- given before a cut is taken again). Each call is a row of pressroom_ai_calls, so that a
-- 429 reads the window the server counted across all workers. What a worker that dies
-- held returns on its own: a start it was given for later lapses at that time (never
-- counted as sent), and the calls it sent age out of the window as they do at the server;
-- no lock outlives a transaction. The algorithm
-- is the same as the embedded store's (app/store/embedded_pace.py). Safe to re-run.

create table if not exists public.pressroom_ai_pace (
    model text primary key,
    next_start timestamptz not null default 'epoch',
    paused_until timestamptz not null default 'epoch',
    learned_rate double precision,
    rate_since timestamptz not null default 'epoch',
    last_cut timestamptz not null default 'epoch',
    probe_since timestamptz,  -- while no rate is known: since when the pace probes
    cut_started timestamptz,  -- the start of the 429 whose window the learned rate counts
    epoch integer not null default 0
);
create table if not exists public.pressroom_ai_calls (
    id bigserial primary key,
    model text not null,
    started_at timestamptz not null,
    -- held: a start given for later, not yet sent; flight: sent; ok: answered
    outcome text not null default 'flight' check (outcome in ('held', 'flight', 'ok')),
    holder text not null
);
create index if not exists idx_pressroom_ai_calls_window
    on public.pressroom_ai_calls (model, started_at);

alter table public.pressroom_ai_pace enable row level security;
alter table public.pressroom_ai_calls enable row level security;
drop policy if exists "service role does everything" on public.pressroom_ai_pace;
create policy "service role does everything" on public.pressroom_ai_pace
    for all to service_role using (true) with check (true);
drop policy if exists "service role does everything" on public.pressroom_ai_calls;
create policy "service role does everything" on public.pressroom_ai_calls
    for all to service_role using (true) with check (true);
grant all on public.pressroom_ai_pace, public.pressroom_ai_calls to service_role;
grant usage on sequence public.pressroom_ai_calls_id_seq to service_role;

-- A start for one call of `model_name`: now, or when the pace and any pause allow (then
-- 'held' until confirmed); while no rate is known, at a probe rate that doubles every
-- `probe_doubling` seconds from `probe_start` a minute. With `held_id`/`held_epoch` (a slot given earlier, waited for):
-- the same slot, now sent, when no cut came meanwhile, else a new one. `per_window` is the
-- configured ceiling (0: none).
create or replace function public.pressroom_pace_take(
    model_name text,
    per_window double precision,
    window_seconds double precision,
    margin double precision,
    probe_start double precision,
    probe_doubling double precision,
    holder text,
    held_id bigint default null,
    held_epoch integer default null
) returns table (slot_id bigint, wait_seconds double precision, slot_epoch integer,
                 slot_rate double precision)
language plpgsql volatile security definer set search_path = public as $$
#variable_conflict use_column
declare
    now_ timestamptz := clock_timestamp();
    p pressroom_ai_pace;
    rate_ double precision;
    start_ timestamptz;
    new_id bigint;
begin
    insert into pressroom_ai_pace (model) values (model_name) on conflict do nothing;
    select * into p from pressroom_ai_pace where model = model_name for update;
    rate_ := least(nullif(per_window, 0), p.learned_rate);  -- least() skips nulls
    if rate_ is null then  -- no rate known: probe, from the first call or after a quiet window
        if p.probe_since is null or now_ - p.next_start > make_interval(secs => window_seconds) then
            update pressroom_ai_pace set probe_since = now_ where model = model_name;
            p.probe_since := now_;
        end if;
        rate_ := probe_start * power(2, least(30, floor(
            extract(epoch from now_ - p.probe_since) / probe_doubling)));
    end if;
    if held_id is not null then
        if p.epoch = held_epoch and now_ >= p.paused_until then
            update pressroom_ai_calls set outcome = 'flight' where id = held_id;
            return query select held_id, 0::double precision, p.epoch, rate_;
            return;
        end if;
        delete from pressroom_ai_calls where id = held_id;
    end if;
    delete from pressroom_ai_calls
    where model = model_name and started_at < now_ - make_interval(secs => 2 * window_seconds);
    start_ := greatest(now_, p.paused_until, p.next_start);
    update pressroom_ai_pace
    set next_start = start_ + make_interval(secs => window_seconds / (rate_ * margin))
    where model = model_name;
    insert into pressroom_ai_calls (model, started_at, holder, outcome)
    values (model_name, start_, holder, case when start_ > now_ then 'held' else 'flight' end)
    returning id into new_id;
    return query select new_id, extract(epoch from start_ - now_)::double precision, p.epoch, rate_;
end $$;

-- What became of call `call_id`: 'ok' counts it as taken; 'rate limited' pauses every worker
-- for the retry delay and, on the first 429 of an episode (the call started after the
-- last cut), learns the rate from the calls sent from a window before it up to now (with
-- at least `min_evidence` of them; a request may reach Google after one sent later, so
-- every call sent before the cut is counted) and voids the slots given so far; each later
-- 429 of the same episode takes its call back out of that count; 'other' forgets it. A learned
-- rate grows a tenth after each whole window without a cut, so a limit that grows is found.
create or replace function public.pressroom_pace_report(
    model_name text,
    call_id bigint,
    outcome text,
    retry_after double precision,
    window_seconds double precision,
    min_evidence integer
) returns table (pace_rate double precision, paused_seconds double precision, was_cut boolean)
language plpgsql volatile security definer set search_path = public as $$
#variable_conflict use_variable
declare
    now_ timestamptz := clock_timestamp();
    win interval := make_interval(secs => window_seconds);
    p pressroom_ai_pace;
    started timestamptz;
    taken integer;
    cut boolean := false;
begin
    insert into pressroom_ai_pace (model) values (model_name) on conflict do nothing;
    select * into p from pressroom_ai_pace a where a.model = model_name for update;
    if outcome = 'ok' then
        update pressroom_ai_calls c set outcome = 'ok' where c.id = call_id;
        if p.learned_rate is not null and now_ - p.rate_since >= win then
            update pressroom_ai_pace a set learned_rate = a.learned_rate * 1.1, rate_since = now_
            where a.model = model_name returning * into p;
        end if;
    elsif outcome = 'rate limited' then
        delete from pressroom_ai_calls c where c.id = call_id returning c.started_at into started;
        update pressroom_ai_pace a set paused_until = greatest(
            a.paused_until, now_ + make_interval(secs => coalesce(retry_after, 1.0)))
        where a.model = model_name returning * into p;
        if started is not null and started > p.last_cut then
            cut := true;
            select count(*) into taken from pressroom_ai_calls c
            where c.model = model_name and c.outcome in ('flight', 'ok')
              and c.started_at > started - win;
            update pressroom_ai_pace a set
                epoch = a.epoch + 1,
                last_cut = now_,
                rate_since = now_,
                learned_rate = case when taken >= min_evidence then taken else a.learned_rate end,
                cut_started = case when taken >= min_evidence then started end,
                next_start = a.paused_until,
                -- a 429 with too few calls behind it says nothing of the rate: probe on
                probe_since = case when taken >= min_evidence then null else a.probe_since end
            where a.model = model_name returning * into p;
        elsif started is not null and started > p.cut_started - win then
            -- sent before the cut, so counted, yet refused: not taken
            update pressroom_ai_pace a set learned_rate = a.learned_rate - 1
            where a.model = model_name returning * into p;
        end if;
    else
        delete from pressroom_ai_calls c where c.id = call_id;
    end if;
    return query select p.learned_rate, greatest(0, extract(epoch from p.paused_until - now_))::double precision, cut;
end $$;

revoke all on function public.pressroom_pace_take(text, double precision, double precision, double precision, double precision, double precision, text, bigint, integer) from public, anon, authenticated;
grant execute on function public.pressroom_pace_take(text, double precision, double precision, double precision, double precision, double precision, text, bigint, integer) to service_role;
revoke all on function public.pressroom_pace_report(text, bigint, text, double precision, double precision, integer) from public, anon, authenticated;
grant execute on function public.pressroom_pace_report(text, bigint, text, double precision, double precision, integer) to service_role;
