-- The validity periods of an enterprise's versions follow one another without overlap, and
-- at most one version per enterprise is the last. Returns the offending versions.
with versions as (
    select
        *,
        lead(valid_from) over (partition by uscc order by valid_from) as next_valid_from,
        count(*) filter (where is_last_version) over (partition by uscc) as n_last_versions
    from {{ ref('dim_enterprise') }}
)

select *
from versions
where next_valid_from <= valid_to
   or n_last_versions <> 1
