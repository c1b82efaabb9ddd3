-- Social-insurance headcount at month end, one row per enterprise per month (current revision only).
with source as (
    select * from {{ source('raw', 'employment') }}
),

renamed as (
    select
        ---------- keys
        cast(uscc as varchar)             as uscc,
        cast(period as date)              as period,
        cast(year(period) as integer)     as year,
        cast(month(period) as integer)    as month,
        ---------- measures
        cast(insured_headcount as integer) as insured_headcount,
        ---------- lineage
        _source_file,
        _source_sha256,
        _source_row,
        _revision,
        _loaded_at
    from source
)

select * from renamed
