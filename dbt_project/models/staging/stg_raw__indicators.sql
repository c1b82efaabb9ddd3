-- Yearly figures (indicators_<YYYY>): one row per park or CITY, year and indicator code, with
-- the indicator's unit from the seed. A revision replaced its year in raw (current revision only).
with source as (
    select * from {{ source('raw', 'indicators') }}
),

codes as (
    select indicator_code, unit from {{ ref('indicator_codes') }}
),

renamed as (
    select
        ---------- keys
        cast(source.park_code as varchar)          as park_code,
        cast(year(source.period) as integer)       as year,
        cast(source.period as date)                as period,
        cast(source.indicator_code as varchar)     as indicator_code,
        ---------- value
        cast(source.value as decimal(20, 6))       as value,
        codes.unit,
        ---------- attributes
        cast(source.park_name_reported as varchar) as park_name_reported,
        cast(source.source as varchar)             as source,
        ---------- lineage
        source._source_file,
        source._source_sha256,
        source._source_row,
        source._revision,
        source._loaded_at
    from source
    left join codes
        on codes.indicator_code = source.indicator_code
)

select * from renamed
