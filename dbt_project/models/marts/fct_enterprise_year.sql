{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='year',
    on_schema_change='append_new_columns',
    post_hook=["{{ build_in_batches(years_of(ref('fct_enterprise_month'))) }}"],
) }}
-- One row per enterprise and year: annual (or, for the year in progress, year-to-date)
-- output, revenue, value added, tax and headcount, and the plan's tiers (龙头/骨干/重点企业,
-- tax and staff tiers, 规模以上工业). Thresholds come from the tier_thresholds seed and are
-- inclusive (value >= min_value); all amounts stay DECIMAL so boundaries compare exactly.
--
-- Rules:
--   * park, industry and status: those of the last month of the year in which the
--     enterprise is in the register; null when it is never registered that year (kept).
--   * annual gross output / revenue: the December year-to-date when December reports one,
--     else the sum of the month values reported that year.
--   * annual value added: sum of the month values; annual tax: sum of total_tax_yuan.
--   * average headcount: mean of insured_headcount over the months employment reported it.
--   * output tier basis: gross industrial output for industrial enterprises, operating
--     revenue for the others; when the industry is unknown (not registered that year), the
--     gross output if any was reported, else the revenue.
--   * above scale (规模以上工业): industrial and annual revenue >= the above_scale threshold.
-- Incremental by year (macros/incremental_periods.sql): a run rebuilds the years of the months
-- fct_enterprise_month rebuilt, and no other. A full build creates the table empty and runs
-- the SELECT below once per year (the post-hook, build_in_batches), as fct_enterprise_month
-- does by month: faster at a million enterprises than one statement over every year.
-- The year in progress grows by folding its next month into the sums and counts the model
-- keeps (sum_* and headcount_* columns): a December reads one month's rows, not twelve. A
-- revision of an earlier month of the year rebuilds the year from its months.
{%- if is_incremental() %}
    {%- set increments = year_increments(ref('fct_enterprise_month')) %}
    {%- set batch = only_keys('year', increments['recompute'], quoted=false) %}
    {%- set fold = increments['fold'] %}  {#- {year: months to fold into the stored year} #}
{%- else %}
    {%- set batch = full_build_batch('year') %}
    {%- set fold = {} %}
{%- endif %}
{%- set tier_rules = [
    ('output', 'measures.tier_output_basis_10k >= t.min_value'),
    ('tax', 'measures.annual_tax_yuan >= t.min_value'),
    ('staff', mean_at_or_above('measures.headcount_sum', 'measures.headcount_months', 't.min_value')),
] %}

with months as not materialized (
    select
        * replace (
            cast(year(period) as integer) as year,
            cast(month(period) as integer) as month
        )
    from {{ ref('fct_enterprise_month') }}
    where ({{ batch }})
    {%- for months in fold.values() %}
        or period in ({% for m in months %}date '{{ m }}'{{ ', ' if not loop.last }}{% endfor %})
    {%- endfor %}
),

thresholds as (
    -- DECIMAL whatever type the seed is loaded with, so that boundaries compare exactly
    select
        dimension,
        tier,
        tier_label,
        cast(min_value as decimal(20, 2)) as min_value
    from {{ ref('tier_thresholds') }}
),

year_status as (
    -- How far each year is loaded: the latest month present in any enterprise extract, and
    -- whether December is present in all four of them.
    select
        year,
        max(period) as as_of_period,
        coalesce(max(month) filter (where is_registered) = 12, false)
            and coalesce(max(month) filter (where has_tax) = 12, false)
            and coalesce(max(month) filter (where has_employment) = 12, false)
            and coalesce(max(month) filter (where has_output) = 12, false) as is_final,
        max(_source_loaded_at) as source_loaded_at
    from months
    group by year
),

aggregated as (
    select
        uscc,
        year,
        -- the register attributes of the last registered month, in this same pass over
        -- the year's rows (no window over them and no second join)
        max(period) filter (where is_registered)                 as last_registered_period,
        arg_max(
            {'enterprise_name': enterprise_name, 'park_code': park_code,
             'industry_code': industry_code, 'is_industrial': is_industrial, 'status': status},
            period
        ) filter (where is_registered)                           as last_registration,
        cast(count(*) filter (where is_registered) as integer)   as months_reported,
        cast(count(*) filter (where has_tax) as integer)         as months_with_tax,
        cast(count(*) filter (where has_employment) as integer)  as months_with_employment,
        cast(count(*) filter (where has_output) as integer)      as months_with_output,
        max(gross_output_ytd_10k) filter (where month = 12)      as december_gross_output_ytd_10k,
        sum(gross_output_month_10k)                              as sum_gross_output_month_10k,
        max(revenue_ytd_10k) filter (where month = 12)           as december_revenue_ytd_10k,
        sum(revenue_month_10k)                                   as sum_revenue_month_10k,
        sum(value_added_month_10k)                               as sum_value_added_month_10k,
        sum(total_tax_yuan)                                      as sum_total_tax_yuan,
        sum(insured_headcount)                                   as headcount_sum,
        count(insured_headcount)                                 as headcount_months
    from months
    group by uscc, year
),
{%- if fold %}

stored as (
    -- the years being extended, as the model holds them, in the terms of `aggregated`
    select
        uscc,
        year,
        last_registered_period,
        case when last_registered_period is not null then
            {'enterprise_name': enterprise_name, 'park_code': park_code,
             'industry_code': industry_code, 'is_industrial': is_industrial, 'status': status}
        end                                                      as last_registration,
        months_reported,
        months_with_tax,
        months_with_employment,
        months_with_output,
        sum_gross_output_month_10k,
        sum_revenue_month_10k,
        annual_value_added_10k                                   as sum_value_added_month_10k,
        annual_tax_yuan                                          as sum_total_tax_yuan,
        headcount_sum,
        headcount_months
    from {{ this }}
    where year in ({{ fold.keys() | join(', ') }})
),

year_so_far as (
    select * from aggregated where year not in ({{ fold.keys() | join(', ') }})
    union all by name
    -- the later months only come after every month stored: their registration is the last,
    -- and a December year-to-date can only be theirs
    select
        coalesce(later.uscc, stored.uscc)                        as uscc,
        coalesce(later.year, stored.year)                        as year,
        coalesce(later.last_registered_period, stored.last_registered_period)
                                                                 as last_registered_period,
        coalesce(later.last_registration, stored.last_registration) as last_registration,
        {%- for count in ['months_reported', 'months_with_tax', 'months_with_employment', 'months_with_output'] %}
        cast(coalesce(later.{{ count }}, 0) + coalesce(stored.{{ count }}, 0) as integer) as {{ count }},
        {%- endfor %}
        later.december_gross_output_ytd_10k,
        later.december_revenue_ytd_10k,
        -- a sum over no value stays null, as sum() gives
        {%- for total in ['sum_gross_output_month_10k', 'sum_revenue_month_10k', 'sum_value_added_month_10k', 'sum_total_tax_yuan', 'headcount_sum'] %}
        coalesce(later.{{ total }} + stored.{{ total }}, later.{{ total }}, stored.{{ total }}) as {{ total }},
        {%- endfor %}
        coalesce(later.headcount_months, 0) + coalesce(stored.headcount_months, 0) as headcount_months
    from (select * from aggregated where year in ({{ fold.keys() | join(', ') }})) as later
    full join stored
        on stored.uscc = later.uscc
        and stored.year = later.year
),
{%- endif %}

measures as (
    select
        aggregated.uscc,
        aggregated.year,
        aggregated.last_registered_period,
        aggregated.last_registration.enterprise_name,
        aggregated.last_registration.park_code,
        aggregated.last_registration.industry_code,
        aggregated.last_registration.is_industrial,
        aggregated.last_registration.status,
        aggregated.months_reported,
        aggregated.months_with_tax,
        aggregated.months_with_employment,
        aggregated.months_with_output,
        cast(coalesce(aggregated.december_gross_output_ytd_10k,
                      aggregated.sum_gross_output_month_10k) as decimal(24, 6))
                                                                 as annual_gross_output_10k,
        cast(coalesce(aggregated.december_revenue_ytd_10k,
                      aggregated.sum_revenue_month_10k) as decimal(24, 6))
                                                                 as annual_revenue_10k,
        cast(aggregated.sum_value_added_month_10k as decimal(24, 6)) as annual_value_added_10k,
        cast(aggregated.sum_total_tax_yuan as decimal(22, 2))    as annual_tax_yuan,
        cast(aggregated.sum_gross_output_month_10k as decimal(24, 6)) as sum_gross_output_month_10k,
        cast(aggregated.sum_revenue_month_10k as decimal(24, 6)) as sum_revenue_month_10k,
        aggregated.headcount_sum,
        aggregated.headcount_months
    from {{ 'year_so_far' if fold else 'aggregated' }} as aggregated
),

with_basis_value as (
    select
        *,
        {{ tier_output_measure('is_industrial', 'annual_gross_output_10k', 'annual_revenue_10k') }}
            as tier_output_measure,
        {{ tier_output_basis('is_industrial', 'annual_gross_output_10k', 'annual_revenue_10k') }}
            as tier_output_basis_10k
    from measures
),

tier_lists as (
    -- each dimension's tiers, highest threshold first: an enterprise-year's tier is the first
    -- one it reaches (a list filter per row, not a join of every row with the thresholds)
    select
        {%- for dimension, predicate in tier_rules %}
        list({'tier': tier, 'label': tier_label, 'min_value': min_value} order by min_value desc)
            filter (where dimension = '{{ dimension }}')     as {{ dimension }}{{ ',' if not loop.last }}
        {%- endfor %}
    from thresholds
    where tier is not null
),

above_scale_threshold as (
    select min_value from thresholds where dimension = 'above_scale'
)

select
    ---------- keys
    measures.uscc,
    measures.year,
    ---------- assignment (last registered month of the year)
    measures.enterprise_name,
    measures.park_code,
    measures.industry_code,
    measures.is_industrial,
    measures.status,
    measures.last_registered_period,
    ---------- coverage
    measures.months_reported,
    measures.months_with_tax,
    measures.months_with_employment,
    measures.months_with_output,
    year_status.as_of_period,
    year_status.is_final,
    ---------- annual (year-to-date while the year is in progress) values
    case when measures.is_industrial = false then null
         else measures.annual_gross_output_10k end                    as annual_output_10k,
    measures.annual_revenue_10k,
    measures.annual_value_added_10k,
    measures.annual_tax_yuan,
    -- rounded once at 6 decimals; sums of averages add headcount_sum / headcount_months
    -- exactly (macros/exact_means.sql), never this column
    cast({{ units_to_decimal(headcount_units('measures.headcount_sum', 'measures.headcount_months')) }}
         as decimal(18, 6))                                            as avg_headcount,
    ---------- what the annual values are folded from (the next month of the year adds to them)
    measures.sum_gross_output_month_10k,
    measures.sum_revenue_month_10k,
    cast(measures.headcount_sum as bigint)                             as headcount_sum,
    cast(measures.headcount_months as integer)                         as headcount_months,
    measures.tier_output_measure,
    measures.tier_output_basis_10k,
    ---------- tiers
    coalesce(measures.is_industrial, false)
        and coalesce(measures.annual_revenue_10k >= above_scale_threshold.min_value, false)
                                                                       as is_above_scale,
    {%- for dimension, predicate in tier_rules %}
    list_filter(tier_lists.{{ dimension }}, t -> {{ predicate }})[1].tier  as {{ dimension }}_tier,
    list_filter(tier_lists.{{ dimension }}, t -> {{ predicate }})[1].label as {{ dimension }}_tier_label,
    {%- endfor %}
    ---------- lineage
    year_status.source_loaded_at as _source_loaded_at,
    current_timestamp::timestamp as _built_at
from with_basis_value as measures
inner join year_status
    on year_status.year = measures.year
left join above_scale_threshold
    on true
cross join tier_lists
