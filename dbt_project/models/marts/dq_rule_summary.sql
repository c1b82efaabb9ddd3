-- Per file and rule, how the file's rows fared against the rule, as in the confrontation summary
-- of the R package `validate`: items (rows the rule was evaluated on: every row of the file),
-- fails (rows where it was false), missing (rows where it did not apply: null, e.g. 税收合计 =
-- sum of the parts while a part is empty) and passes = items - fails - missing.
-- The counts are recorded by the loader (meta.rule_results, pipelines/ingest/quality.py) in
-- the same transaction as the file's rejects; rejected_lines counts those rejects again, from
-- meta.rejects, and must equal fails (a data test). Each month holds the rules of the file
-- whose rows are in raw: a later file rejected as a whole changes nothing here.
-- Incremental by kind and month: a run rebuilds the months whose file changed (a new month, or
-- a revision replacing its file), found by the file's sha256; the other months are untouched.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['kind', 'period'],
    on_schema_change='append_new_columns',
) }}

with changed_months as (
    select distinct kind, period
    from (
        select kind, period, sha256 from {{ source('meta_dq', 'rule_results') }}
        {%- if is_incremental() %}
        except
        select kind, period, sha256 from {{ this }}
        {%- endif %}
    )
),

results as (
    select *
    from {{ source('meta_dq', 'rule_results') }}
    semi join changed_months using (kind, period)
),

rejects as (
    select kind, period, sha256, rule_id, count(*) as rejected_lines
    from {{ source('meta', 'rejects') }}
    semi join changed_months using (kind, period)
    group by kind, period, sha256, rule_id
)

select
    ---------- keys
    results.kind,
    results.period,
    cast(year(results.period) as integer)                  as year,
    cast(month(results.period) as integer)                 as month,
    results.rule_id,
    ---------- the file
    results.file_name,
    results.sha256,
    ---------- the rule
    results.column_name,
    results.rule_zh,
    results.rule_en,
    ---------- the confrontation
    cast(results.items as bigint)                          as items,
    cast(results.items - results.fails - results.missing as bigint) as passes,
    cast(results.fails as bigint)                          as fails,
    cast(results.missing as bigint)                        as missing,
    case
        when results.items - results.missing > 0
            then cast(results.fails as double) / (results.items - results.missing)
    end                                                    as fail_rate,
    cast(coalesce(rejects.rejected_lines, 0) as bigint)    as rejected_lines
from results
left join rejects
    on rejects.kind = results.kind
    and rejects.period = results.period
    and rejects.sha256 = results.sha256
    and rejects.rule_id = results.rule_id
