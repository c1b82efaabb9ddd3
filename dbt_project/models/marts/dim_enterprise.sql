{{ config(materialized='table') }}
-- Enterprise dimension, one row per enterprise (uscc) and validity period of its register
-- attributes. Periods come from int_enterprise_periods_derived (gaps and islands over the
-- monthly snapshots), so they are reproducible from the loaded months alone. Current = the
-- version includes the latest register month loaded; last = the enterprise's latest version.
-- Rebuilt whole each run, not incremental: a new register month moves is_current for every
-- enterprise (extended into the month or not current any more), and rewriting the whole table
-- costs less than finding the changed rows and replacing them (docs/performance.md). The costly
-- history stays incremental in the periods model.

with periods as not materialized (
    select * from {{ ref('int_enterprise_periods_derived') }}
),

parks as (
    select * from {{ ref('dim_park') }}
),

divisions as (
    select * from {{ ref('industry_divisions') }}
),

classes as (
    select * from {{ ref('industry_classes') }}
),

last_versions as (
    -- an aggregate and a hash join: faster than a window over the versions sorted by
    -- enterprise (docs/performance.md)
    select uscc, max(version_number) as version_number from periods group by uscc
)

select
    ---------- keys
    periods.enterprise_version_key,
    periods.uscc,
    periods.version_number,
    ---------- validity
    periods.valid_from,
    periods.valid_to,
    periods.months_in_version,
    periods.valid_to = (select max(valid_to) from periods) as is_current,
    periods.version_number = last_versions.version_number as is_last_version,
    ---------- attributes
    periods.enterprise_name,
    periods.park_code,
    parks.park_name,
    periods.industry_code,
    classes.class_name           as industry_class_name,
    periods.industry_division_code,
    divisions.division_name      as industry_division_name,
    periods.industry_section_code,
    divisions.section_name       as industry_section_name,
    periods.is_industrial,
    periods.status,
    periods.status in ('迁出', '注销', '吊销') as is_leaving,
    periods.established_on,
    periods.registered_capital_10k,
    ---------- flags
    periods.is_high_tech,
    periods.is_tech_sme,
    periods.is_tech_leader,
    periods.listing_board,
    periods.listing_board is not null as is_listed,
    ---------- lineage
    periods._source_loaded_at
from periods
left join parks
    on parks.park_code = periods.park_code
left join divisions
    on divisions.division_code = periods.industry_division_code
left join classes
    on classes.class_code = periods.industry_code
inner join last_versions
    on last_versions.uscc = periods.uscc
