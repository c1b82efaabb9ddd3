-- Month-on-month movement of each extract: per kind, month and measure (row count and the
-- kind's totals), the value, the previous calendar month's value, the change and the share
-- moved. is_flagged when the value moved by more than the share given by the dbt variable
-- dq_movement_threshold (default 0.3, i.e. 30 %) of the previous month's value:
--     dbt build --vars '{dq_movement_threshold: 0.2}'
-- A month between a kind's first and last loaded month without a loaded extract is kept with
-- value 0 and is_loaded false: it is flagged against the month before. The month after such a
-- gap has no previous value and is never flagged.
-- Incremental by kind and month (macros/incremental_periods.sql): a run recomputes the months
-- of a kind loaded since, and the month after each (it compares with them); a change of the
-- threshold recomputes everything.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['kind', 'period'],
    on_schema_change='append_new_columns',
) }}
{% set threshold = var('dq_movement_threshold', 0.3) %}
{#- kind, measure, aggregate over the staging model, Chinese name, English name, unit #}
{% set catalogue = [
    ('registration', 'row_count', 'count(*)', '登记企业数', 'enterprises in the register', '户'),
    ('tax', 'row_count', 'count(*)', '纳税记录数', 'tax rows', '行'),
    ('tax', 'total_tax_yuan', 'sum(total_tax_yuan)', '税收合计', 'total tax', '元'),
    ('employment', 'row_count', 'count(*)', '参保记录数', 'employment rows', '行'),
    ('employment', 'insured_headcount', 'sum(insured_headcount)', '参保人数合计', 'total insured headcount', '人'),
    ('output', 'row_count', 'count(*)', '产值报表记录数', 'output rows', '行'),
    ('output', 'revenue_month_10k', 'sum(revenue_month_10k)', '营业收入_本月合计', 'total operating revenue of the month', '万元'),
    ('output', 'gross_output_month_10k', 'sum(gross_output_month_10k)', '工业总产值_本月合计', 'total gross industrial output of the month', '万元'),
    ('projects', 'row_count', 'count(*)', '项目数', 'projects in the register', '个'),
    ('projects', 'agreed_investment_100m', 'sum(agreed_investment_100m)', '协议投资额合计', 'total agreed investment', '亿元'),
    ('carriers', 'row_count', 'count(*)', '载体数', 'carriers in the register', '个'),
    ('land', 'row_count', 'count(*)', '地块数', 'parcels in the register', '宗'),
    ('land', 'area_mu', 'sum(area_mu)', '供地面积合计', 'total area supplied', '亩'),
] %}

{#- a month's row is built from its own load and the month before's #}
{%- set latest -%}
    select
        kind,
        period,
        coalesce(
            max(loaded_at) over (partition by kind order by period range between interval 1 month preceding and current row),
            timestamp '1970-01-01'
        ) as loaded_at
    from {{ ref('int_dq_extract_months') }}
{%- endset %}
{%- set rethreshold = false %}
{%- if execute and is_incremental() %}
    {%- set rethreshold = run_query(
        'select count(*) > 0 from ' ~ this ~ ' where threshold <> ' ~ threshold
    ).columns[0].values()[0] %}
{%- endif %}
{%- set whole = not is_incremental() or rethreshold %}
{#- per kind, the stale months (rebuilt) and the months they compare with (read) #}
{%- set rebuilt, read = {}, {} %}
{%- for kind in catalogue | map(attribute=0) | unique %}
    {%- do rebuilt.update({kind: []}) %}
    {%- do read.update({kind: []}) %}
{%- endfor %}
{%- for kind, period in ([] if whole else stale_keys(['kind', 'period'], latest)) %}
    {%- set previous = '%04d-%02d-01' % (period.year - (1 if period.month == 1 else 0), 12 if period.month == 1 else period.month - 1) %}
    {%- do rebuilt[kind].append((period | string)[:10]) %}
    {%- do read[kind].extend([previous, (period | string)[:10]]) %}
{%- endfor %}

with months as (
    select * from {{ ref('int_dq_extract_months') }}
    where {{ only_keys_by('kind', read, 'period', whole=whole) }}
),

inputs_loaded as (
    {{ latest }}
),

catalogue (kind, measure, measure_zh, measure_en, unit, measure_order) as (
    values
    {%- for kind, measure, aggregate, zh, en, unit in catalogue %}
        ('{{ kind }}', '{{ measure }}', '{{ zh }}', '{{ en }}', '{{ unit }}', {{ loop.index }})
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
),

measures as (
    {%- for kind, measure, aggregate, zh, en, unit in catalogue %}
    select
        '{{ kind }}' as kind,
        period,
        '{{ measure }}' as measure,
        cast({{ aggregate }} as decimal(38, 6)) as value
    from {{ ref('stg_raw__' ~ kind) }}
    where {{ 'true' if whole else only_keys('period', read[kind] | unique | list) }}
    group by period
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

valued as (
    select
        months.kind,
        months.period,
        months.year,
        months.month,
        catalogue.measure,
        catalogue.measure_zh,
        catalogue.measure_en,
        catalogue.unit,
        catalogue.measure_order,
        months.is_loaded,
        months.file_name,
        -- Nothing loaded, or nothing to add up (no industrial enterprise reported, say): 0.
        cast(coalesce(measures.value, 0) as decimal(38, 6)) as value
    from months
    inner join catalogue
        on catalogue.kind = months.kind
    left join measures
        on measures.kind = months.kind
        and measures.period = months.period
        and measures.measure = catalogue.measure
),

compared as (
    select
        *,
        -- The spine has every calendar month, so the row before is the month before.
        lag(period) over w       as previous_period,
        coalesce(lag(is_loaded) over w, false) as previous_is_loaded,
        lag(value) over w        as previous_value_any
    from valued
    window w as (partition by kind, measure order by period)
)

select
    ---------- keys
    kind,
    period,
    year,
    month,
    measure,
    ---------- what is measured
    measure_zh,
    measure_en,
    unit,
    measure_order,
    is_loaded,
    file_name,
    ---------- this month against the month before
    value,
    previous_period,
    case when previous_is_loaded then previous_value_any end             as previous_value,
    case when previous_is_loaded then value - previous_value_any end     as change,
    case
        when previous_is_loaded and previous_value_any <> 0
            then cast(value - previous_value_any as double)
                / abs(cast(previous_value_any as double))
    end                                                                  as change_share,
    cast({{ threshold }} as double)                                      as threshold,
    -- Exact decimal comparison: a move of exactly the threshold is not flagged; from 0 to any
    -- other value is.
    previous_is_loaded
        and abs(value - previous_value_any) > {{ threshold }} * abs(previous_value_any)
                                                                         as is_flagged,
    inputs_loaded.loaded_at                                              as _source_loaded_at
from compared
inner join inputs_loaded using (kind, period)
where {{ only_keys_by('kind', rebuilt, 'period', whole=whole) }}
