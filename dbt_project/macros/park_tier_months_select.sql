{#
  The SELECT of marts.park_tier_months for the years a filter on `year` keeps (see the model for
  the rules). A macro because a full build runs it once per year (year_batches): one statement
  over every year joins each month with every earlier month of all years at once and spills.
#}
{% macro park_tier_months_select(batch) %}
    with months as (
        select * from {{ ref('fct_enterprise_month') }}
        where {{ batch }}
    ),

    as_of_months as (
        select year, month as as_of_month, max(_source_loaded_at) as source_loaded_at
        from months
        group by year, month
    ),

    so_far as (
        select
            months.uscc,
            as_of.year,
            as_of.as_of_month,
            max(months.gross_output_ytd_10k) filter (where months.month = as_of.as_of_month) as output_ytd,
            sum(months.gross_output_month_10k)                                                as output_sum,
            max(months.revenue_ytd_10k) filter (where months.month = as_of.as_of_month)      as revenue_ytd,
            sum(months.revenue_month_10k)                                                     as revenue_sum,
            sum(months.total_tax_yuan)                                                        as tax,
            sum(months.insured_headcount)                                                     as headcount_sum,
            count(months.insured_headcount)                                                   as headcount_months,
            arg_max(months.park_code, months.month) filter (where months.is_registered)       as park_code,
            arg_max(months.is_industrial, months.month) filter (where months.is_registered)   as is_industrial
        from months
        join as_of_months as as_of
            on as_of.year = months.year and months.month <= as_of.as_of_month
        group by months.uscc, as_of.year, as_of.as_of_month
    ),

    measures as (
        -- one row per enterprise, month and dimension: value >= bound x weight counts
        select uscc, year, as_of_month, park_code, 'output' as dimension,
               cast(case
                   when is_industrial then coalesce(output_ytd, output_sum)
                   when not is_industrial then coalesce(revenue_ytd, revenue_sum)
                   when coalesce(output_ytd, output_sum) is not null then coalesce(output_ytd, output_sum)
                   else coalesce(revenue_ytd, revenue_sum)
               end as decimal(38, 6)) as value,
               1 as weight
        from so_far where park_code is not null
        union all
        select uscc, year, as_of_month, park_code, 'tax', cast(tax as decimal(38, 6)), 1
        from so_far where park_code is not null
        union all
        select uscc, year, as_of_month, park_code, 'staff', cast(headcount_sum as decimal(38, 6)),
               headcount_months
        from so_far where park_code is not null and headcount_months > 0
    ),

    bands as (
        select metric, metric_label_zh, series as dimension, tier, lower_bound, upper_bound, band_counting
        from {{ ref('int_plan_metric_bands') }}
        where tier is not null
    ),

    counted as (
        select measures.park_code, measures.year, measures.as_of_month, bands.metric, count(*) as enterprises
        from measures
        join bands
            on bands.dimension = measures.dimension
           and measures.value >= bands.lower_bound * measures.weight
           and (bands.upper_bound is null or measures.value < bands.upper_bound * measures.weight)
        group by all
    )

    select
        ---------- keys
        parks.park_code,
        as_of.year,
        cast(as_of.as_of_month as integer)        as month,
        bands.metric,
        ---------- what is counted
        bands.metric_label_zh,
        bands.dimension,
        bands.tier,
        cast(coalesce(counted.enterprises, 0) as integer) as enterprises,
        bands.band_counting,
        ---------- lineage
        as_of.source_loaded_at                    as _source_loaded_at
    from {{ ref('dim_park') }} as parks
    cross join as_of_months as as_of
    cross join bands
    left join counted
        on counted.park_code = parks.park_code
       and counted.year = as_of.year
       and counted.as_of_month = as_of.as_of_month
       and counted.metric = bands.metric
{% endmacro %}
