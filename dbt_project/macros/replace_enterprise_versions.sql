{% macro get_incremental_replace_enterprise_versions_sql(arg_dict) %}
    {#- int_enterprise_periods_derived's incremental strategy: delete+insert by enterprise, that
        also deletes the versions of the enterprises a revision changed in a month the table had
        taken in. The model recomputes each of those whole, so one that the revision removed from
        the only months it was in has no new row and its versions go. It runs before the
        post-hook moves the model's state, so it reads the state the model read. -#}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    delete from {{ target }}
    where uscc in (select uscc from {{ arg_dict['temp_relation'] }})
        or uscc in (
            select record_key from {{ source('meta', 'revision_changes') }}
            where kind = 'registration'
                and replaced_at > {{ loads_taken_in('registration') }}
                and period in (
                    select period from {{ source('meta', 'loads') }}
                    where kind = 'registration'
                        and loaded_at <= {{ loads_taken_in('registration') }}
                )
        );
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{% endmacro %}
