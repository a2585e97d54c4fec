-- Pressroom 0017: at a rate learned from a 429, the shared pace follows the window's own
-- log (pressroom_ai_calls): no start before the last one given, nor before the window has
-- room for one more (the `limit`-th newest start plus the window). Until the learned rate
-- is first raised it may run ahead of its even spacing by `catch_up` of a window, so the
-- room a burst leaves as it ages out of the window (the probe's, or a pause's backlog) is
-- taken back as it frees, where an even spacing never caught up on it; the room a raise
-- adds is probed at the even spacing, one call at a time. At a cut, the starts given for
-- later leave the log (their takers take again). The algorithm is the embedded store's
-- (app/store/embedded_pace.py). Safe to re-run.

drop function if exists public.pressroom_pace_take(
    text, double precision, double precision, double precision, double precision,
    double precision, text, bigint, integer);

create or replace function public.pressroom_pace_take(
    model_name text,
    per_window double precision,
    window_seconds double precision,
    margin double precision,
    probe_start double precision,
    probe_doubling double precision,
    catch_up double precision,
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
    ahead interval := '0';
    last_ timestamptz;
    room_ timestamptz;
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
    elsif rate_ = p.learned_rate and p.rate_since = p.last_cut then
        -- catching up on what the cut's pause lost, until the rate is first raised: the
        -- room a raise adds is probed at the even spacing, not in a burst
        ahead := make_interval(secs => catch_up * window_seconds);
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
    select max(started_at) into last_ from pressroom_ai_calls where model = model_name;
    select started_at + make_interval(secs => window_seconds) into room_
    from pressroom_ai_calls where model = model_name
    order by started_at desc limit 1 offset greatest(1, floor(rate_ * margin)::integer) - 1;
    start_ := greatest(now_, p.paused_until, p.next_start - ahead, last_, room_);  -- skips nulls
    update pressroom_ai_pace
    set next_start = greatest(p.next_start, start_)
        + make_interval(secs => window_seconds / (rate_ * margin))
    where model = model_name;
    insert into pressroom_ai_calls (model, started_at, holder, outcome)
    values (model_name, start_, holder, case when start_ > now_ then 'held' else 'flight' end)
    returning id into new_id;
    return query select new_id, extract(epoch from start_ - now_)::double precision, p.epoch, rate_;
end $$;

-- As in 0016, and at a cut the starts given for later leave the log.
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
            -- the catch-up ends: what it ran ahead of the even spacing is not paid back by a
            -- stall (the log keeps the window's count)
            update pressroom_ai_pace a set learned_rate = a.learned_rate * 1.1, rate_since = now_,
                next_start = least(a.next_start, now_)
            where a.model = model_name returning * into p;
        end if;
    elsif outcome = 'rate limited' then
        delete from pressroom_ai_calls c where c.id = call_id returning c.started_at into started;
        update pressroom_ai_pace a set paused_until = greatest(
            a.paused_until, now_ + make_interval(secs => coalesce(retry_after, 1.0)))
        where a.model = model_name returning * into p;
        -- while the pace catches up after a cut its log runs a little ahead of Google's,
        -- which counts a request when it arrives: such a 429 pauses, but is no new reading
        if started is not null and started > p.last_cut
           and not (p.learned_rate is not null and p.rate_since = p.last_cut
                    and now_ - p.last_cut < 2 * win) then
            cut := true;
            delete from pressroom_ai_calls c
            where c.model = model_name and c.outcome = 'held';  -- voided: taken again
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
        elsif started is not null and started <= p.last_cut and started > p.cut_started - win then
            -- sent before the cut, so counted, yet refused: not taken
            update pressroom_ai_pace a set learned_rate = a.learned_rate - 1
            where a.model = model_name returning * into p;
        end if;
    else
        delete from pressroom_ai_calls c where c.id = call_id;
    end if;
    return query select p.learned_rate, greatest(0, extract(epoch from p.paused_until - now_))::double precision, cut;
end $$;

revoke all on function public.pressroom_pace_take(text, double precision, double precision, double precision, double precision, double precision, double precision, text, bigint, integer) from public, anon, authenticated;
grant execute on function public.pressroom_pace_take(text, double precision, double precision, double precision, double precision, double precision, double precision, text, bigint, integer) to service_role;
