{{ config(tags=['reference_data']) }}  -- from the seeds alone (dbt_project.yml)
-- The plan's banded metrics (超10亿/超5亿/超1亿元的项目, 产值/税收超N的企业, 就业人数超过N人的
-- 企业), one row per metric, with the interval an item must fall in to count toward it.
--
--   * series: the metric's family, the part of its code before the first underscore
--     (projects, output, tax, staff); band_rank 1 = the highest threshold of the series.
--   * lower_bound (inclusive): from the tier_thresholds seed for output/tax/staff (tier
--     T<band_rank> of the dimension named like the series), else from metric_catalog.threshold
--     (projects, in 亿元). catalog_threshold keeps the catalog's value so a data test can check
--     that the two seeds agree.
--   * upper_bound (exclusive): null under band_counting = at_or_above (bands nest: an item at or
--     above 10亿 also counts toward 超5亿 and 超1亿); under band_counting = exclusive, the lower
--     bound of the next higher band of the series (超5亿 = [5亿, 10亿)); the top band stays open.
{%- set band_counting = var('band_counting', 'at_or_above') %}
{%- if band_counting not in ['at_or_above', 'exclusive'] %}
    {{ exceptions.raise_compiler_error(
        "var band_counting must be 'at_or_above' or 'exclusive', got '" ~ band_counting ~ "'"
    ) }}
{%- endif %}

with catalog as (
    select
        metric,
        metric_label_zh,
        split_part(metric, '_', 1)                as series,
        cast(threshold as decimal(20, 2))         as catalog_threshold,
        threshold_unit                            as catalog_threshold_unit
    from {{ ref('metric_catalog') }}
    where banded
),

ranked as (
    select
        *,
        cast(row_number() over (
            partition by series order by catalog_threshold desc
        ) as integer)                             as band_rank
    from catalog
),

tiers as (
    select
        dimension,
        tier,
        cast(min_value as decimal(20, 2))         as min_value,
        unit
    from {{ ref('tier_thresholds') }}
    where tier is not null
),

bounded as (
    select
        ranked.metric,
        ranked.metric_label_zh,
        ranked.series,
        ranked.band_rank,
        tiers.tier,
        coalesce(tiers.min_value, ranked.catalog_threshold)     as lower_bound,
        coalesce(tiers.unit, ranked.catalog_threshold_unit)     as bound_unit,
        case when tiers.min_value is not null then 'tier_thresholds' else 'metric_catalog' end
                                                                 as threshold_source,
        ranked.catalog_threshold,
        ranked.catalog_threshold_unit
    from ranked
    left join tiers
        on tiers.dimension = ranked.series
        and tiers.tier = 'T' || ranked.band_rank
)

select
    *,
    lead(lower_bound) over (partition by series order by lower_bound)
                                                  as next_band_lower_bound,
    {%- if band_counting == 'exclusive' %}
    lead(lower_bound) over (partition by series order by lower_bound)
    {%- else %}
    cast(null as decimal(20, 2))
    {%- endif %}                                  as upper_bound,
    '{{ band_counting }}'                         as band_counting
from bounded
