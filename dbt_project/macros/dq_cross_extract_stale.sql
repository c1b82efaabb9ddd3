{#
  The rows of marts.dq_cross_extract an incremental run rewrites, as a filter on its columns:
    * every finding of a month whose checks ran again (intermediate.int_dq_cross_findings
      rebuilt the month from a newer load), findings that disappeared included;
    * the "not in the register" findings of any month of the enterprises whose register
      history changed: their wording names the enterprise's last (or first) register month.
      A history changes when a register row of the enterprise is loaded (a new or revised
      month) or removed by a revision. Changed since when: the newest _source_loaded_at of
      those findings (each is the newest load its wording read), which no load after the last
      build can precede; an earlier watermark only rewords a few findings more.
  The model's SELECT keeps these rows; its incremental strategy (below) deletes them and inserts
  what the SELECT gave. Both call this macro and see the same table (the strategy runs before its
  delete). Everything on a full build.
#}
{% macro dq_cross_extract_stale() %}
    {%- if not execute or not is_incremental() -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set latest -%}
        {#- months with findings, or with rows here (their findings may be gone): a month without
            either has nothing to rewrite #}
        select period, max(_source_loaded_at) as loaded_at
        from {{ ref('int_dq_cross_findings') }}
        where check_id is not null or period in (select period from {{ this }})
        group by period
    {%- endset -%}
    {%- set periods = stale_keys(['period'], latest) | map('first') | list -%}
    {%- set absent_checks = "('XE-TAX-NOT-REGISTERED', 'XE-EMP-NOT-REGISTERED', 'XE-OUT-NOT-REGISTERED')" -%}
    {#- the watermark; none: no such finding in the table #}
    {%- set worded_until = run_query(
        'select cast(max(_source_loaded_at) as varchar) from ' ~ this
        ~ ' where check_id in ' ~ absent_checks
    ).columns[0].values()[0] -%}
    {%- if worded_until is none -%}
        {#- new ones come with their months #}
        {{ return(only_keys('period', periods)) }}
    {%- endif -%}
    {%- set filter -%}
        ({{ only_keys('period', periods) }}
         or (check_id in {{ absent_checks }} and uscc in (
                select uscc from {{ source('raw', 'registration') }}
                where _loaded_at > timestamp '{{ worded_until }}'
                union
                select record_key from {{ source('meta', 'revision_changes') }}
                where kind = 'registration' and change = 'removed'
                    and replaced_at > timestamp '{{ worded_until }}'
         )))
    {%- endset -%}
    {{ return(filter) }}
{% endmacro %}

{% macro get_incremental_replace_stale_findings_sql(arg_dict) %}
    {#- dq_cross_extract's incremental strategy: unlike delete+insert, which deletes only the keys
        the new rows have, it also deletes findings that are gone (a revision fixed them). -#}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    delete from {{ arg_dict['target_relation'] }} where {{ dq_cross_extract_stale() }};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{% endmacro %}
