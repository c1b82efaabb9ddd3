{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['source', 'year'],
    on_schema_change='append_new_columns',
) }}
-- The actual of every plan metric for every park (and CITY) and every year a source covers
-- (int_attainment_coverage): one row per park_code, year, metric and enterprise_scope. A table:
-- target_attainment and its data tests read it, and it scans the monthly fact and the register
-- history.
-- enterprise_scope: a metric built from enterprises (sources enterprise_year and registration)
-- has a row for every scope of seeds/enterprise_scopes.csv, counted over the enterprises of the
-- scope (covers_every_enterprise, or the section of their industry listed in
-- enterprise_scope_sections); target_attainment takes the scope its target names. Projects and
-- carriers are no enterprises: one row, enterprise_scope null.
-- Incremental by source and year (macros/incremental_periods.sql): a run recomputes the years
-- of a source whose data was loaded since (int_attainment_coverage.loaded_at): an enterprise
-- year that fct_enterprise_year rebuilt, and the year after it (the growth rate compares with
-- it); a register year with a new or revised snapshot; every year of the projects or carriers
-- register when its latest snapshot is new (it is every year's current state).
-- Definitions follow metric_catalog.actual_definition_*:
--
--   projects_*        projects of the park signed in the year (signed_on), agreed investment in
--                     the band (int_plan_metric_bands), status not 终止 — in the latest snapshot
--                     of the projects register (the register's current state).
--   tech_leaders, high_tech, tech_smes, listed
--                     enterprises of the park in the year's last loaded register snapshot,
--                     status 存续 or 在业, flagged 科技型领军企业 / 高新技术企业 / 科技型中小企业,
--                     or with a 上市板块.
--   output_*, tax_*, staff_*
--                     enterprise-years of the park (fct_enterprise_year: the park of the last
--                     registered month of the year) whose tier_output_basis_10k (万元) /
--                     annual_tax_yuan (元) / mean headcount (人) is in the band (the mean
--                     compared exactly: headcount_sum against bound x headcount_months).
--   employment        sum of the mean headcounts of the park's enterprise-years, added exactly
--                     (macros/exact_means.sql), not from the rounded avg_headcount.
--   above_scale       enterprise-years with is_above_scale.
--   industrial_output, industrial_value_added
--                     sum of annual_output_10k / annual_value_added_10k, in 亿元 (万元 / 10000).
--   programme_*       四(二)'s programmes: projects of the park signed in the year (signed_on)
--                     whose 项目类别 is the programme's (seed project_programmes), status not
--                     终止, in the latest snapshot of the projects register: a project counts
--                     once, in the year it was signed.
--   top_enterprise_contacts
--                     the park's row of the yearly indicators extract (top_enterprise_contacts);
--                     no row: no actual (无数据), never 0. No CITY row.
--   rd_intensity (CITY only)
--                     rd_spending / gdp x 100 of the 全市 rows of the yearly indicators extract,
--                     rounded to 6 decimals; no actual when either is missing or gdp is 0.
--   carriers, maker_spaces, innovation_bases
--                     carriers of the park (of that type) recognized from January 1 of the
--                     plan's first year to December 31 of the year, in the latest snapshot of
--                     the carriers register (cumulative).
--   value_added_growth (CITY only)
--                     growth of industrial value added over the previous year, %, on the same
--                     months: the year's months loaded in the output extract against the previous
--                     year's months up to the same month (so a year in progress is compared
--                     year-to-date with year-to-date). Null without the previous year loaded up
--                     to that month, or when its value added is zero.
--
-- CITY: the same definitions over all parks (the sum of the park actuals of the same scope;
-- enterprise-years without a park are in no park and not in CITY). A park or CITY actual is 0
-- when its source covers the year and nothing qualifies, and null when the source has no data
-- for the year.
{%- set stock_flags = [
    ('tech_leaders', 'is_tech_leader'),
    ('high_tech', 'is_high_tech'),
    ('tech_smes', 'is_tech_sme'),
    ('listed', "nullif(trim(listing_board), '') is not null"),
] %}
{#- series, measure, weight: a value is in a band when measure / weight >= bound
    (macros/tier_rules.sql mean_at_or_above: the staff bands compare the mean headcount
    exactly, headcount_sum >= bound x headcount_months) #}
{%- set enterprise_measures = [
    ('output', 'tier_output_basis_10k', '1'),
    ('tax', 'annual_tax_yuan', '1'),
    ('staff', 'headcount_sum', 'headcount_months'),
] %}
{%- set carrier_types = [
    ('carriers', none),
    ('maker_spaces', '众创空间'),
    ('innovation_bases', '创业创新基地'),
] %}

{#- what a source-year's actuals are built from was last loaded at: for enterprise years the
    year before counts too (the growth rate compares with it) #}
{%- set inputs_loaded_at -%}
    case when source = 'enterprise_year'
        then max(loaded_at) over (partition by source order by year range between 1 preceding and current row)
        else loaded_at
    end
{%- endset %}
{%- set stale_years = {'enterprise_year': [], 'registration': [], 'projects': [], 'carriers': [], 'indicators': []} %}
{#- the metrics of the yearly indicators extract: a row where the file has one, none otherwise #}
{%- set indicator_metrics = ['top_enterprise_contacts', 'rd_intensity'] %}
{%- set latest = 'select source, year, ' ~ inputs_loaded_at ~ ' as loaded_at from ' ~ ref('int_attainment_coverage') %}
{#- a switch of band_counting recounts every year (each row records how its bands were counted) #}
{%- set stale = run_query(latest).rows if bands_counted_otherwise() else stale_keys(['source', 'year'], latest) %}
{%- for row in stale %}
    {%- do stale_years[row[0]].append(row[1]) %}  {#- row: source, year (and loaded_at) #}
{%- endfor %}
{#- the enterprise years to read: the stale ones and the years before them (growth) #}
{%- set enterprise_years_read = [] %}
{%- for year in stale_years['enterprise_year'] %}
    {%- do enterprise_years_read.extend([year - 1, year]) %}
{%- endfor %}

with all_coverage as not materialized (
    select *, {{ inputs_loaded_at }} as inputs_loaded_at
    from {{ ref('int_attainment_coverage') }}
),

coverage as (
    select * from all_coverage
    where {{ only_keys_by('source', stale_years, 'year', quoted=false) }}
),

bands as not materialized (
    select * from {{ ref('int_plan_metric_bands') }}
),

parks as (
    select park_code from {{ ref('dim_park') }}
),

plan_start as (
    select make_date(min(year), 1, 1) as plan_start_date from {{ ref('plan_targets') }}
),

programmes as not materialized (
    select metric, project_category from {{ ref('project_programmes') }}
),

metrics as (
    select
        *,
        -- the sources whose items are enterprises: counted per enterprise scope
        source in ('enterprise_year', 'registration') as is_scoped
    from (
        select
            metric,
            case
                when starts_with(metric, 'projects_') then 'projects'
                when metric in (select metric from programmes) then 'projects'
                when metric in ('{{ indicator_metrics | join("', '") }}') then 'indicators'
                when metric in ('tech_leaders', 'high_tech', 'tech_smes', 'listed') then 'registration'
                when metric in ('carriers', 'maker_spaces', 'innovation_bases') then 'carriers'
                else 'enterprise_year'
            end as source
        from {{ ref('metric_catalog') }}
        -- a growth rate does not add up over parks: computed for CITY only, below; the yearly
        -- indicators are no count of anything that is 0 when absent: below too
        where metric <> 'value_added_growth'
            and metric not in ('{{ indicator_metrics | join("', '") }}')
    )
),

---------- enterprise scopes (seeds/enterprise_scopes.csv): whom a target counts
scopes as not materialized (
    select enterprise_scope, covers_every_enterprise from {{ ref('enterprise_scopes') }}
),

division_scopes as (
    -- the scopes, other than those covering every enterprise, an enterprise of a division is in
    select divisions.division_code, scope_sections.enterprise_scope
    from {{ ref('industry_divisions') }} as divisions
    inner join {{ ref('enterprise_scope_sections') }} as scope_sections
        on scope_sections.section_code = divisions.section_code
    inner join scopes
        on scopes.enterprise_scope = scope_sections.enterprise_scope
        and not scopes.covers_every_enterprise
),

unscoped_enterprise_years as not materialized (
    select * from {{ ref('fct_enterprise_year') }}
    where park_code is not null
        and {{ only_keys('year', enterprise_years_read | unique | list, quoted=false) }}
),

enterprise_years as (
    -- an enterprise-year once per scope it is in: every scope covering every enterprise, and
    -- the scopes of its industry's division (none when the industry is unknown)
    select unscoped_enterprise_years.*, scopes.enterprise_scope
    from unscoped_enterprise_years
    inner join scopes
        on scopes.covers_every_enterprise
    union all
    select unscoped_enterprise_years.*, division_scopes.enterprise_scope
    from unscoped_enterprise_years
    inner join division_scopes
        on division_scopes.division_code = left(unscoped_enterprise_years.industry_code, 2)
),

---------- enterprise-year metrics
enterprise_measures as (
    {%- for series, column, weight in enterprise_measures %}
    select
        park_code,
        year,
        enterprise_scope,
        '{{ series }}' as series,
        cast({{ column }} as decimal(38, 6)) as measure,
        {{ weight }} as weight
    from enterprise_years
    where {{ column }} is not null and {{ weight }} > 0
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

enterprise_banded as (
    select
        enterprise_measures.park_code,
        enterprise_measures.year,
        enterprise_measures.enterprise_scope,
        bands.metric,
        count(*) as value
    from enterprise_measures
    inner join bands
        on bands.series = enterprise_measures.series
        and {{ mean_at_or_above('enterprise_measures.measure', 'enterprise_measures.weight',
                                'bands.lower_bound') }}
        and (bands.upper_bound is null
             or not {{ mean_at_or_above('enterprise_measures.measure', 'enterprise_measures.weight',
                                        'bands.upper_bound') }})
    group by all
),

enterprise_totals as (
    select
        park_code,
        year,
        enterprise_scope,
        count(*) filter (where is_above_scale)                          as above_scale,
        {{ units_to_decimal('sum(' ~ headcount_units('headcount_sum', 'headcount_months') ~ ')') }}
                                                                        as employment,
        -- 万元 at 6 decimals are 亿元 at 10: not rounded, so CITY adds them exactly
        sum(annual_output_10k) * 0.0001                                 as industrial_output,
        sum(annual_value_added_10k) * 0.0001                            as industrial_value_added,
        -- the employment of CITY adds these (exact), not the parks' rounded sums
        sum({{ headcount_units('headcount_sum', 'headcount_months') }}) as headcount_units
    from enterprise_years
    group by park_code, year, enterprise_scope
),

enterprise_totals_long as (
    {%- for metric in ['above_scale', 'employment', 'industrial_output', 'industrial_value_added'] %}
    select
        park_code,
        year,
        enterprise_scope,
        '{{ metric }}' as metric,
        -- one type before the union (a union of DECIMAL(38, 6) and (38, 10) keeps 6 decimals)
        cast({{ metric }} as decimal(38, 10)) as value
        {%- if metric == 'employment' %},
        headcount_units
        {%- endif %}
    from enterprise_totals
    {%- if not loop.last %}
    union all by name
    {%- endif %}
    {%- endfor %}
),

---------- year-end stocks (register)
unscoped_year_end_register as (
    select registration.*
    from {{ ref('stg_raw__registration') }} as registration
    inner join coverage
        on coverage.source = 'registration'
        and coverage.year = registration.year
        and coverage.as_of_period = registration.period
    where registration.status in ('存续', '在业')
        and {{ only_years('registration.period', stale_years['registration']) }}
),

year_end_register as (
    -- an enterprise once per scope it is in, as enterprise_years
    select unscoped_year_end_register.*, scopes.enterprise_scope
    from unscoped_year_end_register
    inner join scopes
        on scopes.covers_every_enterprise
    union all
    select unscoped_year_end_register.*, division_scopes.enterprise_scope
    from unscoped_year_end_register
    inner join division_scopes
        on division_scopes.division_code = unscoped_year_end_register.industry_division_code
),

stocks as (
    {%- for metric, predicate in stock_flags %}
    select
        park_code,
        year,
        enterprise_scope,
        '{{ metric }}' as metric,
        count(*) as value
    from year_end_register
    where coalesce({{ predicate }}, false)
    group by park_code, year, enterprise_scope
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

---------- projects (latest snapshot of the register)
latest_projects as (
    select *
    from {{ ref('stg_raw__projects') }}
    qualify period = max(period) over ()
),

projects as (
    select
        latest_projects.park_code,
        cast(year(latest_projects.signed_on) as integer) as year,
        bands.metric,
        count(*) as value
    from latest_projects
    inner join bands
        on bands.series = 'projects'
        and latest_projects.agreed_investment_100m >= bands.lower_bound
        and (bands.upper_bound is null or latest_projects.agreed_investment_100m < bands.upper_bound)
    where latest_projects.status <> '终止'
    group by all
),

programme_projects as (
    select
        latest_projects.park_code,
        cast(year(latest_projects.signed_on) as integer) as year,
        programmes.metric,
        count(*) as value
    from latest_projects
    inner join programmes
        on programmes.project_category = latest_projects.category
    where latest_projects.status <> '终止'
    group by all
),

---------- carriers (latest snapshot of the register, cumulative from the plan's start)
latest_carriers as (
    select *
    from {{ ref('stg_raw__carriers') }}
    qualify period = max(period) over ()
),

carriers as (
    {%- for metric, carrier_type in carrier_types %}
    select
        latest_carriers.park_code,
        coverage.year,
        '{{ metric }}' as metric,
        count(*) as value
    from latest_carriers
    cross join plan_start
    inner join coverage
        on coverage.source = 'carriers'
        and latest_carriers.recognized_on >= plan_start.plan_start_date
        and latest_carriers.recognized_on <= make_date(coverage.year, 12, 31)
    {%- if carrier_type is not none %}
    where latest_carriers.carrier_type = '{{ carrier_type }}'
    {%- endif %}
    group by latest_carriers.park_code, coverage.year
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

values_found as (
    -- counts, exact sums (DECIMAL(38, 10): 亿元 from 万元 keep every digit) and the employment's
    -- headcount units (null for the other metrics)
    select * replace (cast(value as decimal(38, 10)) as value)
    from (
        select * from enterprise_banded
        union all by name
        select * from enterprise_totals_long
        union all by name
        select * from stocks
        union all by name
        select * from projects
        union all by name
        select * from programme_projects
        union all by name
        select * from carriers
    )
),

---------- every park x covered year x metric (x scope); 0 where covered and nothing qualifies
park_actuals as (
    select
        parks.park_code,
        coverage.year,
        metrics.metric,
        scopes.enterprise_scope,  -- null for projects and carriers
        metrics.source,
        coalesce(values_found.value, 0)  as actual,  -- DECIMAL(38, 10), as every actual
        coalesce(values_found.headcount_units, 0) as headcount_units,
        coverage.as_of_period,
        coverage.is_final
    from parks
    cross join metrics
    inner join coverage
        on coverage.source = metrics.source
    left join scopes
        on metrics.is_scoped
    left join values_found
        on values_found.park_code = parks.park_code
        and values_found.year = coverage.year
        and values_found.metric = metrics.metric
        and values_found.enterprise_scope is not distinct from scopes.enterprise_scope
),

city_actuals as (
    select
        'CITY'              as park_code,
        year,
        metric,
        enterprise_scope,
        source,
        -- the sum of the parks' of the scope, except employment: its exact units (a park's is rounded)
        case when metric = 'employment'
            then cast({{ units_to_decimal('sum(headcount_units)') }} as decimal(38, 10))
            else cast(sum(actual) as decimal(38, 10))
        end                 as actual,
        max(as_of_period)   as as_of_period,
        bool_and(is_final)  as is_final
    from park_actuals
    group by year, metric, enterprise_scope, source
),

---------- value added growth (CITY), same months of the two years
output_loaded as (
    select
        year,
        max(month) as last_month
    from {{ ref('fct_enterprise_month') }}
    where has_output
        and {{ only_keys('year', enterprise_years_read | unique | list, quoted=false) }}
    group by year
),

value_added_years as (
    -- a year's value added over every month it holds: its enterprise-years' sums of the months
    select year, enterprise_scope, sum(annual_value_added_10k) as value_added_10k
    from enterprise_years
    group by year, enterprise_scope
),

compared_months as (
    -- the months of the year before that a growth rate sums, when that year holds later ones
    -- too (a year in progress against the same months of a closed one); with no later month
    -- the year's own sum is the same (a December against a whole year reads no month rows)
    select
        previous_year.year,
        unnest(range(1, current_year.last_month + 1)) as month
    from output_loaded as current_year
    inner join output_loaded as previous_year
        on previous_year.year = current_year.year - 1
        and previous_year.last_month > current_year.last_month
    where {{ only_keys('current_year.year', stale_years['enterprise_year'], quoted=false) }}
),

value_added_months as (
    select
        months.year,
        enterprise_years.enterprise_scope,
        sum(months.value_added_month_10k) as value_added_10k
    from {{ ref('fct_enterprise_month') }} as months
    inner join compared_months
        on compared_months.year = months.year
        and compared_months.month = months.month
    inner join enterprise_years
        on enterprise_years.uscc = months.uscc
        and enterprise_years.year = months.year
    where {{ only_keys('months.year', enterprise_years_read | unique | list, quoted=false) }}
    group by months.year, enterprise_years.enterprise_scope
),

growth as (
    -- the previous year counts only when it is loaded at least up to the same month
    select
        current_year.year,
        scopes.enterprise_scope,
        this_year.value_added_10k,
        case
            when previous_year.last_month = current_year.last_month then previous_whole.value_added_10k
            when previous_year.last_month > current_year.last_month then previous_months.value_added_10k
        end                                                                as previous_value_added_10k
    from output_loaded as current_year
    cross join scopes
    left join value_added_years as this_year
        on this_year.year = current_year.year
        and this_year.enterprise_scope = scopes.enterprise_scope
    left join output_loaded as previous_year
        on previous_year.year = current_year.year - 1
    left join value_added_years as previous_whole
        on previous_whole.year = current_year.year - 1
        and previous_whole.enterprise_scope = scopes.enterprise_scope
    left join value_added_months as previous_months
        on previous_months.year = current_year.year - 1
        and previous_months.enterprise_scope = scopes.enterprise_scope
),

city_growth as (
    select
        'CITY'                              as park_code,
        coverage.year,
        'value_added_growth'                as metric,
        scopes.enterprise_scope,
        'enterprise_year'                   as source,
        -- a ratio (DuckDB divides decimals as doubles), stored at 6 decimals, never added up
        cast(round(
            (growth.value_added_10k - growth.previous_value_added_10k) * 100
            / nullif(growth.previous_value_added_10k, 0), 6
        ) as decimal(38, 10))               as actual,
        coverage.as_of_period,
        coverage.is_final and coalesce(previous_coverage.is_final, false) as is_final
    from coverage
    cross join scopes
    left join growth
        on growth.year = coverage.year
        and growth.enterprise_scope = scopes.enterprise_scope
    left join all_coverage as previous_coverage
        on previous_coverage.source = 'enterprise_year'
        and previous_coverage.year = coverage.year - 1
    where coverage.source = 'enterprise_year'
),

---------- the yearly indicators extract: a row only where the file has the figures
indicator_values as not materialized (
    select * from {{ ref('stg_raw__indicators') }}
    where {{ only_keys('year', stale_years['indicators'], quoted=false) }}
),

indicator_actuals as (
    select
        indicator_values.park_code,
        indicator_values.year,
        'top_enterprise_contacts'                       as metric,
        'indicators'                                    as source,
        cast(indicator_values.value as decimal(38, 10)) as actual,
        make_date(indicator_values.year, 12, 1)         as as_of_period,
        true                                            as is_final
    from indicator_values
    where indicator_values.indicator_code = 'top_enterprise_contacts'
        and indicator_values.park_code <> 'CITY'
    union all by name
    select
        'CITY'                                          as park_code,
        year,
        'rd_intensity'                                  as metric,
        'indicators'                                    as source,
        -- a ratio (DuckDB divides decimals as doubles), stored at 6 decimals
        cast(round(
            max(value) filter (where indicator_code = 'rd_spending') * 100
            / nullif(max(value) filter (where indicator_code = 'gdp'), 0), 6
        ) as decimal(38, 10))                           as actual,
        make_date(year, 12, 1)                          as as_of_period,
        true                                            as is_final
    from indicator_values
    where park_code = 'CITY'
    group by year
    having actual is not null
),

unioned as (
    select * from park_actuals
    union all by name
    select * from city_actuals
    union all by name
    select * from city_growth
    union all by name
    select * from indicator_actuals
)

select
    unioned.park_code,
    unioned.year,
    unioned.metric,
    unioned.enterprise_scope,
    unioned.source,
    cast(unioned.actual as decimal(38, 10)) as actual,
    unioned.as_of_period,
    unioned.is_final,
    (select any_value(band_counting) from bands) as band_counting,
    all_coverage.inputs_loaded_at           as _source_loaded_at
from unioned
inner join all_coverage
    on all_coverage.source = unioned.source
    and all_coverage.year = unioned.year
