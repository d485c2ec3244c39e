-- Each user's published list with the user's demographics and the run's publish time:
-- one row per (user_id, rank), keyed by pick_id.
select
    cast(r.user_id as varchar) || ':' || cast(r.rank as varchar) as pick_id,
    r.user_id,
    r.rank,
    r.movie_id,
    r.title,
    r.year,
    r.predicted_rating,
    u.gender,
    u.age_group,
    u.occupation,
    s.run_id,
    s.published_at
from {{ source('recdb', 'latest_recommendations') }} as r
join {{ source('recdb', 'users') }} as u on u.user_id = r.user_id
join {{ source('recdb', 'served_run') }} as s on s.run_id = r.run_id
