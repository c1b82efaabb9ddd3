{#
  The rows of marts.dq_cross_extract an incremental run rewrites, as a filter on its columns:
    * every finding of a month whose checks ran again (intermediate.int_dq_cross_findings
      rebuilt the month from a newer load), findings that disappeared included;
    * the "not in the register" findings of any month of the enterprises whose register
      history changed since the model's last build: their wording names the enterprise's last
      (or first) register month. A history changes when a register row of the enterprise is
      loaded (a new or revised month) or removed by a revision, after the newest register load
      the model has taken in (its state in meta.incremental_state, which its post-hook writes).
  The model's SELECT keeps these rows; its incremental strategy (below) deletes them and inserts
  what the SELECT gave. Both call this macro and see the same state (the post-hook runs after
  the strategy). Everything on a full build.
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
    {#- no state (a table built before the model kept one): every wording is rewritten #}
    {%- set taken_in = 'coalesce(' ~ loads_taken_in('registration') ~ ", '-infinity'::timestamp)" -%}
    {%- set filter -%}
        ({{ only_keys('period', periods) }}
         or (check_id in ('XE-TAX-NOT-REGISTERED', 'XE-EMP-NOT-REGISTERED', 'XE-OUT-NOT-REGISTERED')
             and uscc in (
                select uscc from {{ source('raw', 'registration') }}
                where _loaded_at > {{ taken_in }}
                union
                select record_key from {{ source('meta', 'revision_changes') }}
                where kind = 'registration' and change = 'removed'
                    and replaced_at > {{ taken_in }}
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
